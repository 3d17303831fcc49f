/* SPDX-License-Identifier: MIT */
/*
 * A latency histogram with log-linear buckets: values below 64 are counted
 * exactly; above, each power of two [2^e, 2^(e+1)) is split into 32 equal
 * sub-buckets (each under 1/32 of its values wide). A percentile is reported
 * as the mean of the values in its bucket, so it is within 1/32 (3.1%) of
 * the true one, and exact when the bucket holds one distinct value (as the
 * cost model's discrete costs often do). Zeros are exact. Fixed size (about
 * 30 KiB), no allocation.
 */
#ifndef LBS_HIST_H
#define LBS_HIST_H

#include <stdint.h>

#define LBS_HIST_EXACT   64u /* values below this have their own bucket */
#define LBS_HIST_SUB_BITS 5u /* 32 sub-buckets per power of two */
#define LBS_HIST_BUCKETS  (LBS_HIST_EXACT + (64u - 6u) * (1u << LBS_HIST_SUB_BITS))

struct lbs_hist {
	uint64_t count;
	uint64_t min, max;   /* exact; min is UINT64_MAX while empty */
	uint64_t sum;        /* saturating */
	uint64_t bucket[LBS_HIST_BUCKETS];
	uint64_t bsum[LBS_HIST_BUCKETS]; /* sum of the values in each bucket (saturating) */
};

void lbs_hist_init(struct lbs_hist *h);
void lbs_hist_record(struct lbs_hist *h, uint64_t v);

/*
 * The value at quantile ppm (parts per million: 500000 is the median,
 * 990000 p99, 999000 p99.9), by nearest rank: the smallest recorded value v
 * such that at least ceil(count * ppm / 1e6) values are <= v, as bucketed
 * (the mean of its bucket). 0 when empty.
 * ppm >= 1000000 gives max, ppm 0 gives min.
 */
uint64_t lbs_hist_percentile(const struct lbs_hist *h, uint32_t ppm);
uint64_t lbs_hist_max(const struct lbs_hist *h);
uint64_t lbs_hist_count(const struct lbs_hist *h);

/* Bucket of a value and the range [lo, hi] of values it holds (exposed for tests). */
unsigned lbs_hist_bucket_of(uint64_t v);
void lbs_hist_bucket_range(unsigned b, uint64_t *lo, uint64_t *hi);

#endif
