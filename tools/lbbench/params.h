/* SPDX-License-Identifier: MIT */
/* What a run of lbbench measures and how big it is. */
#ifndef LBB_PARAMS_H
#define LBB_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lbb_bench { LBB_CHURN, LBB_MIXED, LBB_FILL_DRAIN, LBB_HANDOFF, LBB_NBENCH };

struct lbb_params {
	uint64_t ops;         /* operations per repeat, all threads together */
	uint64_t paths_ops;   /* --paths: operations per run, unless --ops */
	unsigned repeats;     /* timed repeats; the first, shorter run warms up */
	size_t churn_live;    /* churn: live order-0 pages per thread */
	size_t mixed_live;    /* mixed: live blocks, split among threads */
	size_t fill_pages;    /* fill_drain: pages per fill, split among threads */
	uint64_t zone_bytes;  /* lazybuddy zones */
	uint32_t sample_every; /* time one operation in this many (clock.h) */
	uint64_t seed;
	bool no_cache;        /* lazybuddy through lb_alloc/lb_free, no lb_cache */
	bool verbose;         /* print every run's figure on stderr */
};

/* The full run, or the small one (--quick) the tests use. */
void lbb_params_default(struct lbb_params *p, bool quick);

const char *lbb_bench_name(enum lbb_bench b);
int lbb_bench_parse(const char *s); /* bench, or -1 */

#endif
