/* SPDX-License-Identifier: MIT */
#include "hist.h"

#include <string.h>

void lbs_hist_init(struct lbs_hist *h)
{
	memset(h, 0, sizeof *h);
	h->min = UINT64_MAX;
}

static unsigned log2_u64(uint64_t v) /* v > 0 */
{
	return 63u - (unsigned)__builtin_clzll(v);
}

unsigned lbs_hist_bucket_of(uint64_t v)
{
	if (v < LBS_HIST_EXACT)
		return (unsigned)v;
	unsigned e = log2_u64(v); /* 6..63 */
	unsigned sub = (unsigned)(v >> (e - LBS_HIST_SUB_BITS)) & ((1u << LBS_HIST_SUB_BITS) - 1u);
	return LBS_HIST_EXACT + ((e - 6u) << LBS_HIST_SUB_BITS) + sub;
}

void lbs_hist_bucket_range(unsigned b, uint64_t *lo, uint64_t *hi)
{
	if (b < LBS_HIST_EXACT) {
		*lo = *hi = b;
		return;
	}
	unsigned i = b - LBS_HIST_EXACT;
	unsigned e = 6u + (i >> LBS_HIST_SUB_BITS);
	uint64_t sub = i & ((1u << LBS_HIST_SUB_BITS) - 1u);
	uint64_t width = UINT64_C(1) << (e - LBS_HIST_SUB_BITS);
	*lo = (UINT64_C(1) << e) + sub * width;
	*hi = *lo + (width - 1u);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

void lbs_hist_record(struct lbs_hist *h, uint64_t v)
{
	unsigned b = lbs_hist_bucket_of(v);
	h->bucket[b]++;
	h->bsum[b] = sat_add(h->bsum[b], v);
	h->count++;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->sum = sat_add(h->sum, v);
}

uint64_t lbs_hist_percentile(const struct lbs_hist *h, uint32_t ppm)
{
	if (h->count == 0)
		return 0;
	if (ppm >= 1000000u)
		return h->max;
	if (ppm == 0)
		return h->min;
	/* rank = ceil(count * ppm / 1e6), split so that it cannot overflow. */
	uint64_t q = h->count / 1000000u, r = h->count % 1000000u;
	uint64_t rank = q * ppm + (r * ppm + 999999u) / 1000000u;
	if (rank == 0)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned b = 0; b < LBS_HIST_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= rank) {
			uint64_t lo, hi, mean = h->bsum[b] / h->bucket[b];
			lbs_hist_bucket_range(b, &lo, &hi);
			/* Only a saturated sum can take the mean out of the bucket. */
			return mean < lo ? lo : mean > hi ? hi : mean;
		}
	}
	return h->max;
}

uint64_t lbs_hist_max(const struct lbs_hist *h)
{
	return h->count ? h->max : 0;
}

uint64_t lbs_hist_count(const struct lbs_hist *h)
{
	return h->count;
}
