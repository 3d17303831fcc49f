/* SPDX-License-Identifier: MIT */
/* lbbench's output: a table and the targets for people, JSON for programs. */
#ifndef LBB_OUTPUT_H
#define LBB_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "measure.h"

/* A JSON array, one object per measurement, ending with a newline. Keys:
 * bench, allocator, memory, threads, ns_per_op, mops_per_s, cpus, p50,
 * p99, p999, max (ns), ops, samples, repeats, error (null or a string). */
void lbb_print_json(FILE *f, const struct lbb_result *r, size_t n);

void lbb_print_table(FILE *f, const struct lbb_result *r, size_t n);

#endif
