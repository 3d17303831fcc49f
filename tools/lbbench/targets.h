/* SPDX-License-Identifier: MIT */
/*
 * The targets of the speed issue, checked against one run's figures (the
 * ratios compare measurements of the same run). Benchmarks, never tests:
 * a MISS is reported, nothing fails on it.
 */
#ifndef LBB_TARGETS_H
#define LBB_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "measure.h"

#define LBB_TARGET_CHURN_NS 25.0 /* order-0 churn, accepted memory, 1 thread */
#define LBB_TARGET_MIXED_NS 40.0 /* mixed orders, accepted memory, 1 thread */
#define LBB_TARGET_LAZY_RATIO 1.05 /* lazy policy / eager, on accepted memory */
#define LBB_TARGET_PER_CPU 0.8 /* churn and mixed, n threads up to the CPUs: n CPUs
				  had do at least 0.8 x n times one thread's work */

/* One line per target: the figures, then PASS, MISS or "not measured".
 * The absolute and bookkeeping targets are the caches' (not no_cache). */
void lbb_print_targets(FILE *f, const struct lbb_result *r, size_t n, unsigned ncpu,
		       bool no_cache);

#endif
