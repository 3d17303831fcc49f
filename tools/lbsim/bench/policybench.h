/* SPDX-License-Identifier: MIT */
/*
 * `lbsim --policy-bench` (make policy-bench): every policy on the same
 * rows on the same terms (presets, firmware's pre-acceptance, units,
 * workloads on 1, 4 and 16 vCPUs at two rates, re-run at half the host's
 * reach when beyond it, the shipped trace), each row's winner set and
 * adaptive's targets (docs/adaptive.md). A benchmark, not a test: it
 * prints, and answers whether adaptive won every row and met every target
 * judged. Its parts: pbench.h.
 */
#ifndef LBS_POLICYBENCH_H
#define LBS_POLICYBENCH_H

#include <stdbool.h>
#include <stdio.h>

/* Run every row and print the table, or with json a JSON array; true when
 * every run was ok and adaptive was in every row's winner set and met
 * every target judged. Progress and errors go to stderr. */
bool lbs_policy_bench(FILE *f, int json);

#endif
