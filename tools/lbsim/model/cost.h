/* SPDX-License-Identifier: MIT */
/*
 * lbsim's --cost: the model's figures from a preset or from a file of
 * `key = value` lines (the format is in docs/model.md, "Cost files").
 */
#ifndef LBS_COST_H
#define LBS_COST_H

#include <stddef.h>
#include <stdio.h>

#include "model.h"

enum { LBS_COST_PRESET = 0, LBS_COST_FILE = 1, LBS_COST_BAD_NAME = -2 };

/* The presets lbs_model_preset() knows, for messages (a test keeps it so). */
#define LBS_COST_PRESETS "tdx, tdx-4k, snp, snp-4k, free"

/*
 * arg names a preset (lbs_model_preset knows it) or, failing that, a cost
 * file. Fills *out and name (namelen bytes; a label for tables, at most
 * LBS_NAME_MAX - 1 characters) and returns LBS_COST_PRESET or
 * LBS_COST_FILE; for a file, out->name points to name. On error returns
 * -1 (a file that cannot be read or used) or LBS_COST_BAD_NAME (no preset
 * and no file of that name, and arg, without '/' or '.', looks like no file
 * name: a usage error) with one line in err (no newline) naming the file
 * and the line, and leaves out and name as they were.
 */
int lbs_cost_load(const char *arg, struct lbs_model *out, char *name, size_t namelen,
		  char *err, size_t errlen);

/* A cost file already open (path: its name in messages and the default
 * label): LBS_COST_FILE or -1, as lbs_cost_load(). The fuzz target's way
 * in. */
int lbs_cost_read(FILE *f, const char *path, struct lbs_model *out, char *name,
		  size_t namelen, char *err, size_t errlen);

#endif
