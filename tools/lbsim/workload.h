/* SPDX-License-Identifier: MIT */
/*
 * Deterministic workloads for lbsim, driven by a seeded PRNG (xoshiro256**
 * seeded through splitmix64), as sources of operations for the driver
 * (source.h, drive.h). Operations arrive at a fixed rate: the i-th is meant
 * for i / rate seconds after the start, so a vCPU that keeps up has idle
 * time between them, in which the acceptor can work ahead.
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
 *
 * Default rates (--rate overrides): boot 200,000 allocations/s (about
 * 1.9 GiB/s of its mixed orders), fill 262,144/s (1 GiB/s of 4 KiB pages),
 * churn 100,000 operations/s (about 2.7 GiB/s while it builds up to half
 * of memory, little fresh memory after). One actor accepts about 0.54 GiB/s
 * on tdx (2 MiB calls), so fresh memory is asked for faster than one actor
 * accepts it: how far the vCPU falls behind depends on who accepts.
 */
#ifndef LBS_WORKLOAD_H
#define LBS_WORKLOAD_H

#include <stdint.h>

#include "lazybuddy.h"
#include "source.h"

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

/* Operations per virtual second: the workload's default, or back to back. */
#define LBS_RATE_DEFAULT UINT64_C(0)
#define LBS_RATE_MAX     UINT64_MAX
uint64_t lbs_workload_default_rate(enum lbs_workload w);

struct lbs_wl_params {
	uint64_t seed;
	uint64_t managed_pages; /* pages the zone manages (accepted + unaccepted) */
	uint64_t churn_ops;     /* churn operations; 0: the default for the size */
	uint64_t rate;          /* operations per second, LBS_RATE_DEFAULT or LBS_RATE_MAX */
};

/* Default number of churn operations for a zone of that many pages. */
uint64_t lbs_churn_default_ops(uint64_t managed_pages);

/* A workload as a source of operations, all on vCPU 0. */
struct lbs_wl {
	enum lbs_workload w;
	struct lbs_rng rng;
	uint64_t rate;           /* the rate in use (LBS_RATE_MAX: back to back) */
	uint64_t target;         /* pages: what boot and churn's build-up ask, fill's end */
	uint64_t lo, hi;         /* churn keeps its pages within [lo, hi] */
	uint64_t churn_ops;
	uint64_t t_ns, t_rem;    /* the next operation's time: ns, and remainder / rate */
	uint64_t step_ns, step_rem; /* 1 s / rate: quotient and remainder */
	uint64_t asked;          /* pages asked for (boot, churn's build-up) */
	uint64_t live_pages;     /* pages it holds */
	uint64_t ops;            /* churn operations done (0 for other workloads) */
	int stop;                /* fill: an allocation failed */
	int have;                /* next is peeked and not yet run */
	int next_is_op;          /* next is one of churn's operations */
	struct lbs_op next;
	uint64_t *live;          /* churn's blocks: address | order (page-aligned) */
	size_t nlive, cap;
};

/* 0, or LB_EINVAL for a bad workload, LB_ENOMEM. lbs_wl_fini() after. */
int lbs_wl_init(struct lbs_wl *g, enum lbs_workload w, const struct lbs_wl_params *p);
void lbs_wl_source(struct lbs_wl *g, struct lbs_source *s);
void lbs_wl_fini(struct lbs_wl *g);

#endif
