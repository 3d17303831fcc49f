/* SPDX-License-Identifier: MIT */
#include "params.h"

#include <string.h>

static const char *const bench_names[LBB_NBENCH] = {
	[LBB_CHURN] = "churn",
	[LBB_MIXED] = "mixed",
	[LBB_FILL_DRAIN] = "fill_drain",
	[LBB_HANDOFF] = "handoff",
};

void lbb_params_default(struct lbb_params *p, bool quick)
{
	memset(p, 0, sizeof *p);
	p->seed = 1;
	if (quick) { /* a smoke run: seconds under the debug checker and ASan */
		p->ops = 4000;
		p->paths_ops = 4000;
		p->repeats = 1;
		p->churn_live = 256;
		p->mixed_live = 32;
		p->fill_pages = 1024;
		p->zone_bytes = UINT64_C(64) << 20;
		p->sample_every = 16;
		return;
	}
	p->ops = 1000000;
	p->paths_ops = 4000000; /* --paths: 10 to 100 ms a run */
	p->repeats = 7;
	p->churn_live = 4096;
	/* 70% order 0, 3% each of orders 1..10: 62 pages a block on average,
	 * so about 250 MiB live in a zone of 1 GiB. */
	p->mixed_live = 1024;
	p->fill_pages = 131072; /* 512 MiB */
	p->zone_bytes = UINT64_C(1) << 30;
	p->sample_every = 256;
}

const char *lbb_bench_name(enum lbb_bench b)
{
	return (unsigned)b < LBB_NBENCH ? bench_names[b] : "unknown";
}

int lbb_bench_parse(const char *s)
{
	for (int b = 0; s && b < LBB_NBENCH; b++)
		if (!strcmp(s, bench_names[b]))
			return b;
	return -1;
}
