/* SPDX-License-Identifier: MIT */
#include "stats.h"

#include <stdlib.h>

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void lbb_sort_u64(uint64_t *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_u64);
}

uint64_t lbb_percentile(const uint64_t *sorted, size_t n, uint32_t ppm)
{
	uint64_t rank;

	if (n == 0)
		return 0;
	if (ppm > 1000000)
		ppm = 1000000;
	/* Integer nearest rank, so that p99 of 100 values is exactly the 99th. */
	rank = ((uint64_t)n * ppm + 999999) / 1000000;
	return sorted[rank ? rank - 1 : 0];
}

double lbb_median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, cmp_double);
	return n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
