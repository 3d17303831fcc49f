/* SPDX-License-Identifier: MIT */
/*
 * What the acceptor's sizing shares: demand.c (the rate's estimate and the
 * reserve), scale.c (how many of its threads work, and when they rest) and
 * keep.c (what the releaser leaves accepted). Private to those three.
 */
#ifndef LB_DEMAND_H
#define LB_DEMAND_H

#include "internal.h"

#define NS_PER_S UINT64_C(1000000000)
#define RATE_WINDOW_NS UINT64_C(1000000)  /* the rate's window, at least */
#define PRED_WINDOW_NS UINT64_C(10000000) /* TREND's and PEAK's window */

/* Is adaptive's part (LB_ADAPT_*) in? */
static inline bool adapt(const struct lb_zone *z, unsigned part)
{
	return lbi_pol(z)->adapts && !(z->acc_cfg.adapt_off & part);
}

/* a * b / d, UINT64_MAX / d where the product overflows. */
static inline uint64_t mul_div(uint64_t a, uint64_t b, uint64_t d)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX / d : r / d;
}

/* The first of the closes at last + k len (k >= 1) at or after t. */
static inline uint64_t close_at(uint64_t last, uint64_t len, uint64_t t)
{
	return t <= last ? last + len : last + (t - last + len - 1) / len * len;
}

/* A thread's pause at the reserve: one step a period. */
static inline uint64_t period_of(const struct lb_zone *z)
{
	return z->acc_cfg.period_ns ? z->acc_cfg.period_ns : LB_ACCEPTOR_PERIOD_NS;
}

/* demand.c: the windows a rest's skipped steps would have closed, on d
 * (lbi_acceptor_wake, scale_rested); the rate d is estimated at. */
void lbi_demand_replay(const struct lb_zone *z, struct lb_demand *d, uint64_t now_ns, bool at);
uint64_t lbi_demand_estimate(const struct lb_zone *z, const struct lb_demand *d);

#endif
