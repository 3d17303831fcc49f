/* SPDX-License-Identifier: MIT */
/*
 * Deterministic workloads for lbsim, driven by a seeded PRNG (xoshiro256**
 * seeded through splitmix64). Every allocation goes through one function
 * that reads the backend's clock before and after lb_alloc() and records the
 * difference, the backend time charged to that allocation, in a histogram.
 *
 *   boot   a burst of mixed-order allocations, as a kernel's boot makes:
 *          about 1 GiB (or half of memory if smaller), mostly order 0,
 *          some orders 1-3, a few orders 9-10; all kept allocated.
 *   fill   order-0 allocations until 90% of the managed memory is in use
 *          (the eatmemory test run on TDX guests); stops at the first
 *          failure, which is counted.
 *   churn  mixed orders up to ~50% occupancy, then N random frees and
 *          allocations that keep occupancy near 50% (N about 1M for a
 *          16 GiB guest, scaled down with memory).
 */
#ifndef LBS_WORKLOAD_H
#define LBS_WORKLOAD_H

#include <stdint.h>

#include "lazybuddy.h"
#include "hist.h"

/* ----------------------------------------------------------------- PRNG */
struct lbs_rng {
	uint64_t s[4];
};
uint64_t lbs_splitmix64(uint64_t *state);
void lbs_rng_seed(struct lbs_rng *r, uint64_t seed);
uint64_t lbs_rng_next(struct lbs_rng *r);          /* xoshiro256** */
uint64_t lbs_rng_below(struct lbs_rng *r, uint64_t n); /* uniform in [0, n), n > 0 */

/* ------------------------------------------------------------ workloads */
enum lbs_workload {
	LBS_WL_BOOT,
	LBS_WL_FILL,
	LBS_WL_CHURN,
	LBS_WL_COUNT
};
const char *lbs_workload_name(enum lbs_workload w); /* "?" if out of range */
int lbs_workload_parse(const char *name);           /* workload, or -1 */

/* A clock in ns: the model backend's virtual clock, or none (always 0). */
struct lbs_clock {
	uint64_t (*now)(const void *ctx); /* NULL: reads 0 */
	const void *ctx;
};

struct lbs_wl_params {
	uint64_t seed;
	uint64_t managed_pages; /* pages the zone manages (accepted + unaccepted) */
	uint64_t churn_ops;     /* churn operations; 0: the default for the size */
};

struct lbs_wl_stats {
	uint64_t allocations;    /* successful lb_alloc() calls */
	uint64_t alloc_failures; /* lb_alloc() calls that failed */
	uint64_t frees;          /* successful lb_free() calls */
	uint64_t api_errors;     /* unexpected return codes (lb_free failing, odd alloc errors) */
	int first_api_error;     /* the first such code, 0 if none */
	uint64_t live_pages;     /* pages the workload holds at the end */
	uint64_t live_blocks;
	uint64_t ops;            /* churn operations done (0 for other workloads) */
	struct lbs_hist lat;     /* backend ns charged to each allocation, failures included */
};

/* Default number of churn operations for a zone of that many pages. */
uint64_t lbs_churn_default_ops(uint64_t managed_pages);

/*
 * Run workload w on zone z. Blocks it allocates stay allocated at the end
 * (the caller looks at the zone, then throws it away). Returns 0, or
 * LB_EINVAL for a bad workload, LB_ENOMEM if the tool's own tracking
 * arrays cannot be allocated.
 */
int lbs_workload_run(enum lbs_workload w, struct lb_zone *z, const struct lbs_clock *clk,
		     const struct lbs_wl_params *p, struct lbs_wl_stats *out);

#endif
