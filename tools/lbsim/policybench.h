/* SPDX-License-Identifier: MIT */
/*
 * `lbsim --policy-bench` (make policy-bench): adaptive against every other
 * policy on each workload, vCPU count, preset and firmware pre-acceptance,
 * with PASS or MISS for each of adaptive's targets (docs/adaptive.md).
 * A benchmark, not a test: it prints, and answers whether every target
 * was met.
 */
#ifndef LBS_POLICYBENCH_H
#define LBS_POLICYBENCH_H

#include <stdbool.h>
#include <stdio.h>

/* Run every row and print the table; true when every target passed.
 * json: nonzero for --json (not used yet: the table is printed). */
bool lbs_policy_bench(FILE *f, int json);

#endif
