/* SPDX-License-Identifier: MIT */
/*
 * Deterministic workloads for lbsim, driven by a seeded PRNG (xoshiro256**
 * seeded through splitmix64), as sources of operations for the driver
 * (source.h, drive.h). On n vCPUs each vCPU runs its own stream: its share
 * (1/n) of the workload's memory and operations, at the workload's rate,
 * from its own seed (vCPU 0's stream is the one-vCPU workload). The i-th
 * operation of a stream is meant for i / rate seconds after it starts, so
 * a vCPU that keeps up has idle time, in which the acceptor can work ahead.
 * Between two operations the stream keeps its CPU busy load_pct percent of
 * the gap (source.h's busy time), idle for the rest.
 *
 *   boot   first the kernel's allocations before watermarks exist, all on
 *          vCPU 0 (the boot CPU): LBS_BOOT_EARLY_ALLOCS before SMP, then
 *          LBS_BOOT_AP_ALLOCS for each other vCPU it brings up (the accept
 *          storm of Linux's cond_accept_memory() with zero watermarks).
 *          Then the watermarks are set (Linux's postcore initcall) and the
 *          other vCPUs start: a burst of mixed-order allocations, about
 *          1 GiB in all (or half of memory if smaller), mostly order 0,
 *          some orders 1-3, a few orders 9-10; all kept allocated.
 *   fill   order-0 allocations until 90% of the managed memory is in use
 *          (the eatmemory test run on TDX guests); a stream stops at its
 *          first failure, which is counted.
 *   churn  mixed orders up to ~50% occupancy, then N random frees and
 *          allocations that keep occupancy near 50% (N about 1M for a
 *          16 GiB guest, scaled down with memory).
 *
 * Default rates per stream (--rate overrides): boot 200,000 allocations/s
 * (about 1.9 GiB/s of its mixed orders), fill 262,144/s (1 GiB/s of 4 KiB
 * pages), churn 100,000 operations/s (about 2.7 GiB/s while it builds up
 * to half of memory, little fresh memory after). One actor accepts about
 * 0.48 GiB/s on tdx-4k (8 us per 4 KiB), so fresh memory is asked for faster
 * than one actor accepts it: how far a vCPU falls behind depends on who
 * accepts.
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

/* Pages per allocation while the workload allocates, on average (its order
 * mix; churn's while it builds up), for the demand it puts on acceptance. */
double lbs_workload_mean_pages(enum lbs_workload w);

/* Boot's allocations before watermarks exist, on the boot CPU. Before SMP
 * bring-up: an assumption (no public count found; any count up to a few
 * hundred is within the rounding of the figure below). Per vCPU brought
 * up: derived from dstack PR 1220, where the boot CPU of a 248-vCPU TD
 * accepted about 13 GiB one 4 MiB block per allocation during bring-up:
 * 13 GiB / 4 MiB / 247 = 13. */
#define LBS_BOOT_EARLY_ALLOCS 64u
#define LBS_BOOT_AP_ALLOCS 13u

struct lbs_wl_params {
	uint64_t seed;
	uint64_t managed_pages; /* pages the zone manages (accepted + unaccepted) */
	uint64_t churn_ops;     /* churn operations in all; 0: the default for the size */
	uint64_t rate;          /* operations per second, LBS_RATE_DEFAULT or LBS_RATE_MAX */
	unsigned nvcpus;        /* streams, one per vCPU; 0 means 1 */
	unsigned load_pct;      /* a stream's CPU is busy this share of each gap */
};

/* pct percent of gap, exactly. */
uint64_t lbs_load_share(uint64_t gap, unsigned pct);

/* Default number of churn operations for a zone of that many pages. */
uint64_t lbs_churn_default_ops(uint64_t managed_pages);

/* One vCPU's stream of a workload. */
struct lbs_wl {
	enum lbs_workload w;
	struct lbs_rng rng;
	uint64_t rate;           /* the rate in use (LBS_RATE_MAX: back to back) */
	uint64_t target;         /* pages: what boot and churn's build-up ask, fill's end */
	uint64_t lo, hi;         /* churn keeps its pages within [lo, hi] */
	uint64_t churn_ops;
	uint64_t t_ns, t_rem;    /* the next operation's time: ns, and remainder / rate */
	uint64_t prev_ns;        /* the previous operation's time, once there is one */
	int have_prev;
	unsigned load_pct;
	uint64_t step_ns, step_rem; /* 1 s / rate: quotient and remainder */
	uint64_t asked;          /* pages asked for (boot, churn's build-up) */
	uint64_t live_pages;     /* pages it holds */
	uint64_t ops;            /* churn operations done (0 for other workloads) */
	uint64_t draws_left;     /* operations it may still draw (boot's early part) */
	int stop;                /* fill: an allocation failed */
	int have;                /* next is peeked and not yet run */
	int next_is_op;          /* next is one of churn's operations */
	struct lbs_op next;
	uint64_t *live;          /* churn's blocks: address | order (page-aligned) */
	size_t nlive, cap;
	uint64_t base_ns;        /* when the stream starts, after the phase's start */
};

/* A workload on n vCPUs: a stream each, and boot's early part on vCPU 0. */
struct lbs_wls {
	enum lbs_workload w;
	unsigned n;
	struct lbs_wl *s;        /* n streams */
	struct lbs_wl early;     /* boot: the allocations before watermarks */
	unsigned stage;          /* boot on vCPU 0: 0 watermarks off, 1 early
				    allocations (and vCPUs brought up), 2
				    watermarks on, 3 its stream */
	unsigned online;         /* boot: vCPUs online so far */
	uint64_t early_ran;      /* boot: early allocations made so far */
	struct lbs_op op0;       /* vCPU 0's operation in stages 0 and 2 */
	struct lbs_op blocked;   /* vCPUs 1.. before the watermarks are on */
	struct lbs_source *src;  /* the source handed out, for wake() */
};

/* 0, or LB_EINVAL for a bad workload, LB_ENOMEM. lbs_wls_fini() after. */
int lbs_wls_init(struct lbs_wls *g, enum lbs_workload w, const struct lbs_wl_params *p);
void lbs_wls_source(struct lbs_wls *g, struct lbs_source *s);
void lbs_wls_fini(struct lbs_wls *g);
/* Operations of churn done, over every stream. */
uint64_t lbs_wls_ops(const struct lbs_wls *g);

#endif
