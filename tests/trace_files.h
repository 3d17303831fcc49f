/* SPDX-License-Identifier: MIT */
/* Files for the trace reader's tests (test_trace*.c): fixtures, a temp
 * folder, whole files in and out, a whole trace read. */
#ifndef LB_TEST_TRACE_FILES_H
#define LB_TEST_TRACE_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "../tools/trace/trace.h"

/* tests/fixtures/NAME, or in $LB_TRACE_FIXTURES (a static buffer). */
const char *trace_fixture(const char *name);
/* NAME in a temp folder made on first use (a static buffer), NULL if none
 * could be made; trace_tmp_cleanup removes the NULL-ended names and it. */
const char *trace_tmp_path(const char *name);
void trace_tmp_cleanup(const char *const *names);
/* A whole file, malloc'd, its size in *n; NULL if it cannot be read. */
unsigned char *trace_slurp(const char *path, size_t *n);
/* Write n bytes to path: 0, or -1. */
int trace_spit(const char *path, const void *p, size_t n);
/* Read a whole trace; the summary in *s; the result of the last next(). */
int trace_read_all(const char *path, unsigned flags, struct lb_trace_summary *s,
		   uint64_t *delivered);

#endif
