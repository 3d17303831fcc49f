/* SPDX-License-Identifier: MIT */
/*
 * What the two reader targets (fuzz_cost.c, fuzz_trace.c) share: the
 * plain driver's hooks (fuzz.h) for a target with no zone, and the checks
 * every refusal must pass.
 */
#ifndef FZ_READER_H
#define FZ_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"

/* A broken check: reported, then the driver's handler or abort(). */
void fzr_fail(const char *what, const char *detail);
/* One more input run. */
void fzr_count(void);
/* A message for the terminal: non-empty, printable ASCII or tabs, no
 * newline. */
bool fzr_printable(const char *msg);

#endif
