/* SPDX-License-Identifier: MIT */
/*
 * Time series of a run, for the report: fixed memory, any length. Values
 * are summed into LBS_SERIES_N buckets of equal width starting at virtual
 * time 0; when a time falls past the last bucket, the width doubles and
 * neighbouring buckets merge. Sums are exact whatever order the times come
 * in (actors' clocks do not move together).
 */
#ifndef LBS_SERIES_H
#define LBS_SERIES_H

#include <stdint.h>

#define LBS_SERIES_N 512u
#define LBS_SERIES_WIDTH0 UINT64_C(1024) /* ns per bucket at first (a power of two) */

enum lbs_series_kind {
	LBS_S_COMMIT,  /* bytes accepted minus bytes released (at the call's end) */
	LBS_S_ACCEPTS, /* accept calls (at their start) */
	LBS_S_WAIT,    /* vCPU ns lost waiting (at the wait's end) */
	LBS_S_ALLOCS,  /* allocations (at their start) */
	LBS_S_RESERVE, /* the acceptor's reserve target in bytes, as its changes
			  (at the end of the pass that set it) */
	LBS_S_NKINDS
};

struct lbs_series {
	uint64_t width;  /* ns per bucket, a power of two */
	unsigned shift;  /* log2(width) */
	uint64_t end;    /* latest time added, or set by lbs_series_extend */
	int64_t base;    /* value of LBS_S_COMMIT before time 0 (firmware, set-up) */
	int64_t v[LBS_S_NKINDS][LBS_SERIES_N];
};

void lbs_series_init(struct lbs_series *s);
void lbs_series_add(struct lbs_series *s, enum lbs_series_kind k, uint64_t t, int64_t v);
/* Make the series cover [0, t] even if nothing happened that late. */
void lbs_series_extend(struct lbs_series *s, uint64_t t);
/* Buckets in use: those up to and including the one holding end. */
unsigned lbs_series_used(const struct lbs_series *s);

#endif
