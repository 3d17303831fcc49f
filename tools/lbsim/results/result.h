/* SPDX-License-Identifier: MIT */
/* One run's results, synthetic or replayed: what every output reads. */
#ifndef LBS_RESULT_H
#define LBS_RESULT_H

#include "../../trace/trace.h" /* LB_TRACE_NINCONS: the inconsistency counts */
#include "fields.h"
#include "hist.h"
#include "series.h"

#define LBS_NAME_MAX     16
#define LBS_CHECK_MAX    256

/* A run's results: the members LBS_RESULT_FIELDS lists (fields.h, which
 * says what each is and where it shows), then the run's kind and what the
 * report draws. */
struct lbs_result {
	LBS_RESULT_FIELDS(LBS_RESULT_MEMBER)
	int is_trace;                /* a trace replay (replay.h), else a synthetic run */
	int with_boot;               /* a trace replay after the boot allocations */
	struct lbs_extra *extra;     /* series for the report; lbs_result_free() */
};

/* What the report draws: kept on the heap, NULL when not asked for. */
struct lbs_extra {
	struct lbs_series series;
	struct lbs_hist lat;
	uint64_t *vcpu_wait;         /* per vCPU */
	unsigned nvcpus;
};

void lbs_result_free(struct lbs_result *r);

#endif
