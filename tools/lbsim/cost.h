/* SPDX-License-Identifier: MIT */
/*
 * lbsim's --cost: the model's figures from a preset or from a file of
 * `key = value` lines (the format is in docs/model.md, "Cost files").
 */
#ifndef LBS_COST_H
#define LBS_COST_H

#include <stddef.h>

#include "lazybuddy_backends.h"

enum { LBS_COST_PRESET = 0, LBS_COST_FILE = 1 };

/*
 * arg names a preset (lb_model_preset knows it) or, failing that, a cost
 * file. Fills *out and name (namelen bytes; a label for tables, at most
 * LBS_NAME_MAX - 1 characters) and returns LBS_COST_PRESET or
 * LBS_COST_FILE; for a file, out->name points to name. On error returns
 * -1 with one line in err (no newline) naming the file and the line, and
 * leaves out and name as they were.
 */
int lbs_cost_load(const char *arg, struct lb_model_params *out, char *name, size_t namelen,
		  char *err, size_t errlen);

#endif
