/* SPDX-License-Identifier: MIT */
/* lbbench --paths (paths.h): the library's paths in a minimal loop. */
#include "paths.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "lazybuddy.h"
#include "lazybuddy_backends.h"

#include "clock.h"
#include "stats.h"

/* Each path's time over the reference loop's, as measured when the speed
 * work landed (docs/bench.md: the 2-CPU development machine, three runs,
 * their medians 4.60-4.71, 19.7-20.1 and 15.7-17.2); a ratio above
 * baseline * SLACK is a MISS. The regression this was written for (a
 * store-forwarding stall on every free) read about 10.5 on the first. */
#define LBB_PATHS_SLACK 1.10
#define NOISY 1.3 /* a path's slowest run over its fastest: say so */
static const double baseline[LBB_NPATHS] = {
	[LBB_PATH_CACHE_CHURN] = 4.65,
	[LBB_PATH_CACHE_MIXED] = 19.9,
	[LBB_PATH_ZONE_CHURN] = 16.0,
};

static const char *const path_name[LBB_NPATHS] = { "reference", "cache churn", "cache mixed",
						   "zone churn" };

#define ARENA (UINT64_C(1) << 30)
#define CHURN_LIVE 4096u
#define MIXED_LIVE 1024u
#define MIXED_ORDERS 10u /* 0..9: the unit, 2 MiB */

struct loop {
	enum lbb_path path;
	struct lb_zone *z;
	void *meta, *cmem;
	struct lb_cache *c;
	struct lb_null_backend nb;
	struct lb_range range;
	uint64_t slot[CHURN_LIVE];
	unsigned char order[CHURN_LIVE];
	unsigned live;
	/* the reference: a stack of free page numbers and a bump pointer */
	uint64_t ref_free[CHURN_LIVE], ref_nfree, ref_next;
	uint64_t rng;
};

static int zone_up(struct loop *l)
{
	struct lb_config cfg;
	size_t size;
	int rc;

	memset(&cfg, 0, sizeof cfg);
	l->range = (struct lb_range){ 0, ARENA, LB_MEM_ACCEPTED };
	cfg.ranges = &l->range;
	cfg.nranges = 1;
	cfg.policy = LB_POLICY_UNIT;
	lb_null_backend_init(&l->nb, &cfg.backend);
	rc = lb_zone_meta_size(&cfg, &size);
	if (rc)
		return rc;
	l->meta = aligned_alloc(64, (size + 63) & ~(size_t)63);
	if (!l->meta)
		return LB_ENOMEM;
	rc = lb_zone_init(&l->z, l->meta, size, &cfg);
	if (rc || l->path == LBB_PATH_ZONE_CHURN)
		return rc;
	l->cmem = aligned_alloc(64, (lb_cache_size() + 63) & ~(size_t)63);
	if (!l->cmem)
		return LB_ENOMEM;
	return lb_cache_init(&l->c, l->z, l->cmem, lb_cache_size());
}

static void loop_fini(struct loop *l)
{
	if (l->c)
		lb_cache_fini(l->c);
	if (l->z)
		lb_zone_fini(l->z);
	free(l->cmem);
	free(l->meta);
}

static inline uint64_t ref_alloc(struct loop *l)
{
	return l->ref_nfree ? l->ref_free[--l->ref_nfree] : l->ref_next++;
}

static inline void ref_free(struct loop *l, uint64_t pfn)
{
	l->ref_free[l->ref_nfree++] = pfn;
}

static int alloc_slot(struct loop *l, unsigned i)
{
	switch (l->path) {
	case LBB_PATH_REF:
		l->slot[i] = ref_alloc(l);
		return 0;
	case LBB_PATH_ZONE_CHURN:
		return lb_alloc(l->z, 0, 0, &l->slot[i]);
	default:
		return lb_cache_alloc(l->c, l->order[i], 0, &l->slot[i]);
	}
}

/* Set up and fill the live slots. */
static int loop_init(struct loop *l, enum lbb_path p, uint64_t seed)
{
	int rc = 0;

	memset(l, 0, sizeof *l);
	l->path = p;
	l->rng = seed * 2654435761u + p + 1;
	l->live = p == LBB_PATH_CACHE_MIXED ? MIXED_LIVE : CHURN_LIVE;
	if (p != LBB_PATH_REF)
		rc = zone_up(l);
	for (unsigned i = 0; !rc && i < l->live; i++) {
		if (p == LBB_PATH_CACHE_MIXED)
			l->order[i] = (unsigned char)lbb_rand_below(&l->rng, MIXED_ORDERS);
		rc = alloc_slot(l, i);
	}
	return rc;
}

/* ops operations (a free and an allocation a round); 0 or the first error.
 * One loop per path, so that each compiles to what it calls and no more. */
static int loop_run(struct loop *l, uint64_t ops)
{
	uint64_t rounds = ops / 2, *slot = l->slot;
	int rc = 0;

	switch (l->path) {
	case LBB_PATH_REF:
		for (uint64_t k = 0; k < rounds; k++) {
			uint32_t i = lbb_rand_below(&l->rng, CHURN_LIVE);

			ref_free(l, slot[i]);
			slot[i] = ref_alloc(l);
		}
		return 0;
	case LBB_PATH_CACHE_CHURN:
		for (uint64_t k = 0; k < rounds && !rc; k++) {
			uint32_t i = lbb_rand_below(&l->rng, CHURN_LIVE);

			rc = lb_cache_free(l->c, slot[i], 0);
			if (!rc)
				rc = lb_cache_alloc(l->c, 0, 0, &slot[i]);
		}
		return rc;
	case LBB_PATH_CACHE_MIXED:
		for (uint64_t k = 0; k < rounds && !rc; k++) {
			uint32_t i = lbb_rand_below(&l->rng, MIXED_LIVE);

			rc = lb_cache_free(l->c, slot[i], l->order[i]);
			l->order[i] = (unsigned char)lbb_rand_below(&l->rng, MIXED_ORDERS);
			if (!rc)
				rc = lb_cache_alloc(l->c, l->order[i], 0, &slot[i]);
		}
		return rc;
	default:
		for (uint64_t k = 0; k < rounds && !rc; k++) {
			uint32_t i = lbb_rand_below(&l->rng, CHURN_LIVE);

			rc = lb_free(l->z, slot[i], 0);
			if (!rc)
				rc = lb_alloc(l->z, 0, 0, &slot[i]);
		}
		return rc;
	}
}

/* Pin to the CPU we run on: every path sees the same core and caches. */
static void pin(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof set, &set); /* best effort */
}

/* One timed run of l: ns per operation. */
static double timed_run(struct loop *l, uint64_t ops, int *err)
{
	uint64_t t0 = lbb_now_ns();

	*err = loop_run(l, ops);
	return (double)(lbb_now_ns() - t0) / (double)(ops & ~UINT64_C(1));
}

int lbb_paths_measure(unsigned repeats, uint64_t ops, uint64_t seed,
		      struct lbb_path_result out[LBB_NPATHS])
{
	struct loop *l = calloc(LBB_NPATHS, sizeof *l);
	/* per path and round: its time, and over the reference's run just
	 * before it; the reference's slot holds every one of its runs */
	size_t stride = (size_t)LBB_NPATHS * repeats;
	double *ns = calloc(LBB_NPATHS * stride, sizeof *ns);
	double *ratio = calloc(LBB_NPATHS * stride, sizeof *ratio);
	unsigned order[LBB_NPATHS], nref = 0;
	uint64_t rng = seed + 1;
	int rc = 0;

	memset(out, 0, LBB_NPATHS * sizeof *out);
	if (!l || !ns || !ratio) {
		free(l);
		free(ns);
		free(ratio);
		return LB_ENOMEM;
	}
	pin();
	if (ops < 2)
		ops = 2;
	for (unsigned p = 0; p < LBB_NPATHS; p++) {
		order[p] = p;
		out[p].name = path_name[p];
		out[p].err = loop_init(&l[p], (enum lbb_path)p, seed);
		if (!out[p].err) /* warm: a first run, not counted */
			out[p].err = loop_run(&l[p], ops);
	}
	for (unsigned r = 0; r < repeats; r++) {
		for (unsigned i = LBB_NPATHS; i > 1; i--) { /* a new order each round */
			unsigned j = lbb_rand_below(&rng, i), t = order[i - 1];

			order[i - 1] = order[j];
			order[j] = t;
		}
		for (unsigned i = 0; i < LBB_NPATHS; i++) {
			unsigned p = order[i];
			double ref;

			if (p == LBB_PATH_REF || out[p].err)
				continue;
			/* the reference right before each path: a ratio of two runs
			 * a few milliseconds apart, whatever the machine does */
			ref = timed_run(&l[LBB_PATH_REF], ops, &out[LBB_PATH_REF].err);
			ns[LBB_PATH_REF * stride + nref++] = ref;
			ns[p * stride + r] = timed_run(&l[p], ops, &out[p].err);
			ratio[p * stride + r] = ns[p * stride + r] / ref;
		}
	}
	for (unsigned p = 0; p < LBB_NPATHS; p++) {
		unsigned n = p == LBB_PATH_REF ? nref : repeats;
		double *v = &ns[p * stride];

		loop_fini(&l[p]);
		if (out[p].err || !n) {
			rc = rc ? rc : out[p].err;
			continue;
		}
		out[p].ns = lbb_median(v, n); /* sorted: min and max follow */
		out[p].min = v[0];
		out[p].max = v[n - 1];
		out[p].ratio = p == LBB_PATH_REF ? 1.0 : lbb_median(&ratio[p * stride], repeats);
	}
	free(l);
	free(ns);
	free(ratio);
	return rc;
}

static const char *verdict(enum lbb_path p, double ratio)
{
	if (p == LBB_PATH_REF || !(baseline[p] > 0))
		return "no baseline";
	return ratio <= baseline[p] * LBB_PATHS_SLACK ? "PASS" : "MISS";
}

void lbb_paths_print(FILE *f, const struct lbb_path_result r[LBB_NPATHS], bool json,
		     unsigned repeats, uint64_t ops)
{
	if (json) {
		fputs("[\n", f);
		for (unsigned p = 0; p < LBB_NPATHS; p++) {
			double ratio = r[p].ratio;

			fprintf(f,
				"  {\"path\": \"%s\", \"ns_per_op\": %.3f, \"min_ns\": %.3f, "
				"\"max_ns\": %.3f, \"ratio\": %.3f, \"baseline\": %.3f, "
				"\"verdict\": \"%s\", \"error\": \"%s\"}%s\n",
				r[p].name, r[p].ns, r[p].min, r[p].max, ratio, baseline[p],
				p == LBB_PATH_REF ? "" : verdict((enum lbb_path)p, ratio),
				r[p].err ? lb_strerror(r[p].err) : "", p + 1 < LBB_NPATHS ? "," : "");
		}
		fputs("]\n", f);
		return;
	}
	fprintf(f,
		"lbbench --paths: the library's paths in a minimal loop (tools/lbbench/paths.h),\n"
		"one thread pinned; median of %u runs of %llu operations, the paths interleaved;\n"
		"ratio: the median of each run's time over the reference's run just before it;\n"
		"baseline: the ratio recorded when the speed work landed (a MISS above it by\n"
		"%.0f%%).\n\n",
		repeats, (unsigned long long)ops, (LBB_PATHS_SLACK - 1) * 100);
	fprintf(f, "  %-12s %8s %8s %8s %7s %9s\n", "path", "ns/op", "min", "max", "ratio",
		"baseline");
	for (unsigned p = 0; p < LBB_NPATHS; p++) {
		double ratio = r[p].ratio;

		if (r[p].err) {
			fprintf(f, "  %-12s failed: %s\n", r[p].name, lb_strerror(r[p].err));
			continue;
		}
		fprintf(f, "  %-12s %8.2f %8.2f %8.2f", r[p].name, r[p].ns, r[p].min, r[p].max);
		if (p == LBB_PATH_REF)
			fputc('\n', f);
		else
			fprintf(f, " %6.2fx %8.2fx %s\n", ratio, baseline[p],
				verdict((enum lbb_path)p, ratio));
	}
	for (unsigned p = 0; p < LBB_NPATHS; p++)
		if (!r[p].err && r[p].max > NOISY * r[p].min) {
			fprintf(f, "note: runs of one path differ by more than %.0f%%: the machine was busy "
				"(a neighbour slows the paths more than the reference); run again\n",
				(NOISY - 1) * 100);
			break;
		}
}
