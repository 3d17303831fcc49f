/* SPDX-License-Identifier: MIT */
/* Order statistics for lbbench: percentiles of latency samples, medians of repeats. */
#ifndef LBB_STATS_H
#define LBB_STATS_H

#include <stddef.h>
#include <stdint.h>

void lbb_sort_u64(uint64_t *v, size_t n);

/*
 * The value at quantile ppm (parts per million: 500000 median, 990000 p99,
 * 999000 p99.9, 1000000 max) of an ascending array, by nearest rank: the
 * ceil(n * ppm / 1e6)-th smallest value (the smallest for ppm 0). 0 when
 * n is 0.
 */
uint64_t lbb_percentile(const uint64_t *sorted, size_t n, uint32_t ppm);

/* Median of v (sorted in place): the middle value, or the mean of the two
 * middle ones when n is even. 0 when n is 0. */
double lbb_median(double *v, size_t n);

#endif
