/* SPDX-License-Identifier: MIT */
/* Helpers of the lbsim tests: a strict JSON validator, substring counts,
 * and results compared field by field. */
#ifndef LB_TEST_LBSIM_JSON_H
#define LB_TEST_LBSIM_JSON_H

#include <stddef.h>

/* Is s exactly one JSON value (RFC 8259), whitespace around allowed? */
int json_valid(const char *s);

/* Occurrences of needle in hay, not overlapping. */
size_t count_str(const char *hay, const char *needle);

struct lbs_result;

/* The first numeric result field (fields.h) in which a and b differ, but
 * those named in apart, as "name: a vs b" in why (len bytes); NULL if
 * they all agree. */
const char *result_differs(const struct lbs_result *a, const struct lbs_result *b,
			   const char *const *apart, size_t napart, char *why, size_t len);

#endif
