/* SPDX-License-Identifier: MIT */
/*
 * What "did best" means: the criteria the report's summary and the
 * table's verdict lines rank the policies by, each one field of the list
 * (fields.h), lower is better.
 */
#ifndef LBS_CRITERIA_H
#define LBS_CRITERIA_H

#include <stddef.h>

#include "format.h"

struct lbs_criterion {
	const char *key;    /* "p99.9", "memory", ... */
	const char *label;  /* the report's sentence: "Lowest p99.9 allocation latency" */
	const char *longer; /* the comparative, for the loser: "as long", "as much" */
	enum lbs_unit unit;
	const char *field;  /* its value: a field of the list */
};

/* The criteria, in order; and failed allocations, ranked only where any. */
extern const struct lbs_criterion lbs_criteria[];
extern const size_t lbs_ncriteria;
extern const struct lbs_criterion lbs_fails_criterion;

#endif
