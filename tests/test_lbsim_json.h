/* SPDX-License-Identifier: MIT */
/* Helpers of the lbsim tests: a strict JSON validator and substring counts. */
#ifndef LB_TEST_LBSIM_JSON_H
#define LB_TEST_LBSIM_JSON_H

#include <stddef.h>

/* Is s exactly one JSON value (RFC 8259), whitespace around allowed? */
int json_valid(const char *s);

/* Occurrences of needle in hay, not overlapping. */
size_t count_str(const char *hay, const char *needle);

#endif
