/* SPDX-License-Identifier: MIT */
/*
 * lbbench --paths: the library's own paths in a minimal loop, so that a
 * regression shows the day it lands. lbbench's table measures through an
 * allocator interface, a write to every block and sampled latencies, whose
 * cost hides a few nanoseconds; this loop calls the library and nothing
 * else.
 *
 * One zone of 1 GiB, all accepted (null backend, policy unit), one thread
 * pinned to the CPU it starts on. An operation is one allocation or one
 * free; after a fill, each round frees a random live slot and allocates it
 * again:
 *   cache churn  4096 order-0 slots through a per-CPU cache;
 *   cache mixed  1024 slots through a cache, orders 0-9 drawn at every
 *                allocation (uniform; the cache keeps every order);
 *   zone churn   4096 order-0 slots through lb_alloc/lb_free.
 * A reference loop runs the same rounds over a plain stack of free page
 * numbers (no checks, no lock): what the machine gives a loop of this shape.
 * The machine varies; a path's time over the reference's, measured in the
 * same run, varies less. Each path's ratio (over the reference's run just
 * before it) is compared with the one recorded when this loop was written
 * (paths.c's baseline[]): above it by more than LBB_PATHS_SLACK is a MISS,
 * reported, never failed on.
 */
#ifndef LBB_PATHS_H
#define LBB_PATHS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum lbb_path { LBB_PATH_REF, LBB_PATH_CACHE_CHURN, LBB_PATH_CACHE_MIXED, LBB_PATH_ZONE_CHURN,
		LBB_NPATHS };

struct lbb_path_result {
	const char *name;
	double ns;       /* per operation, median of the rounds */
	double min, max; /* over the rounds */
	double ratio;    /* median of each run over the reference's just before */
	int err;         /* a library error, 0 if none */
};

/* Run every path `repeats` times, interleaved (all paths once a round, in a
 * new order each round), `ops` operations a run. 0, or the first error. */
int lbb_paths_measure(unsigned repeats, uint64_t ops, uint64_t seed,
		      struct lbb_path_result out[LBB_NPATHS]);

/* The table (or JSON) and each ratio against its baseline. */
void lbb_paths_print(FILE *f, const struct lbb_path_result r[LBB_NPATHS], bool json,
		     unsigned repeats, uint64_t ops);

#endif
