/* SPDX-License-Identifier: MIT */
#include "targets.h"

#include <lazybuddy.h>
#include <stdbool.h>
#include <string.h>

#define BASE "lazybuddy-eager" /* lazybuddy on accepted memory */

struct tally {
	unsigned pass, miss, unmeasured;
};

static const struct lbb_result *find(const struct lbb_result *r, size_t n, enum lbb_bench b,
				     const char *alloc, enum lbb_memory m, unsigned threads)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].bench == b && r[i].memory == m && r[i].threads == threads &&
		    !strcmp(r[i].allocator, alloc) && !r[i].error[0])
			return &r[i];
	return NULL;
}

static void verdict(FILE *f, struct tally *t, bool ok)
{
	fprintf(f, "  %s\n", ok ? "PASS" : "MISS");
	if (ok)
		t->pass++;
	else
		t->miss++;
}

static void absolute(FILE *f, struct tally *t, const struct lbb_result *r, size_t n,
		     enum lbb_bench b, double limit)
{
	const struct lbb_result *x = find(r, n, b, BASE, LBB_MEM_ACCEPTED, 1);

	fprintf(f, "%-10s accepted memory, 1 thread, %s: ", lbb_bench_name(b), BASE);
	if (!x) {
		fprintf(f, "not measured\n");
		t->unmeasured++;
		return;
	}
	fprintf(f, "%.1f ns/op (target <= %.0f)", x->ns_per_op, limit);
	verdict(f, t, x->ns_per_op <= limit);
}

/* Every lazy policy against eager, all on memory accepted up front. */
static void bookkeeping(FILE *f, struct tally *t, const struct lbb_result *r, size_t n,
			enum lbb_bench b)
{
	const struct lbb_result *base = find(r, n, b, BASE, LBB_MEM_ACCEPTED, 1);
	double worst = 0;
	unsigned seen = 0;

	fprintf(f, "%-10s lazy bookkeeping on accepted memory, policy/eager:", lbb_bench_name(b));
	for (int p = LB_POLICY_EAGER + 1; base && p < LB_POLICY_COUNT; p++) {
		char name[32];
		const struct lbb_result *x;
		double ratio;

		snprintf(name, sizeof name, "lazybuddy-%s", lb_policy_name((enum lb_policy)p));
		x = find(r, n, b, name, LBB_MEM_ACCEPTED, 1);
		if (!x || base->ns_per_op <= 0)
			continue;
		ratio = x->ns_per_op / base->ns_per_op;
		fprintf(f, " %s %.3f", lb_policy_name((enum lb_policy)p), ratio);
		if (ratio > worst)
			worst = ratio;
		seen++;
	}
	if (!seen) {
		fprintf(f, " not measured\n");
		t->unmeasured++;
		return;
	}
	fprintf(f, " (target <= %.2f)", LBB_TARGET_LAZY_RATIO);
	verdict(f, t, worst <= LBB_TARGET_LAZY_RATIO);
}

/* Throughput per CPU had, at each thread count from 2 up to the CPUs,
 * against one thread (lbb_scaling): each CPU does at least 0.8 of what one
 * thread does alone. For mixed, also no worse than mimalloc's, where it
 * ran. */
static void scaling(FILE *f, struct tally *t, const struct lbb_result *r, size_t n,
		    enum lbb_bench b, unsigned ncpu, const char *path)
{
	unsigned seen = 0, beaten = 0;
	bool ok = true, starved = false;

	fprintf(f, "%-10s throughput per CPU had, %s (%s), threads:x(CPUs had):",
		lbb_bench_name(b), BASE, path);
	for (unsigned k = 2; k <= ncpu; k++) {
		const struct lbb_result *x = find(r, n, b, BASE, LBB_MEM_ACCEPTED, k);
		const struct lbb_result *mi = find(r, n, b, "mimalloc", LBB_MEM_ACCEPTED, k);

		if (!x || x->scale <= 0)
			continue;
		fprintf(f, " %u:%.2f(%.2f)", k, x->per_cpu, x->cpus);
		if (b == LBB_MIXED && mi && mi->scale > 0) {
			fprintf(f, " mimalloc %.2f(%.2f)", mi->per_cpu, mi->cpus);
			beaten += x->per_cpu < mi->per_cpu;
		}
		seen++;
		ok = ok && x->per_cpu >= LBB_TARGET_PER_CPU;
		starved = starved || x->cpus < 0.8 * k; /* the machine was busy */
	}
	if (!seen) {
		fprintf(f, " not measured (needs 1 thread and 2 up to %u CPUs)\n", ncpu);
		t->unmeasured++;
		return;
	}
	fprintf(f, " (target >= %.2f%s)", LBB_TARGET_PER_CPU,
		b == LBB_MIXED ? ", and mimalloc's" : "");
	verdict(f, t, ok && !beaten);
	if (starved)
		fprintf(f, "           (the threads got fewer CPUs than they were: the machine was busy)\n");
}

void lbb_print_targets(FILE *f, const struct lbb_result *r, size_t n, unsigned ncpu,
		       bool no_cache)
{
	struct tally t = { 0, 0, 0 };

	fprintf(f, "targets (medians of this run):\n");
	if (!no_cache) {
		absolute(f, &t, r, n, LBB_CHURN, LBB_TARGET_CHURN_NS);
		absolute(f, &t, r, n, LBB_MIXED, LBB_TARGET_MIXED_NS);
		for (int b = 0; b < LBB_NBENCH; b++)
			bookkeeping(f, &t, r, n, (enum lbb_bench)b);
	}
	scaling(f, &t, r, n, LBB_CHURN, ncpu, no_cache ? "lb_alloc, CPU lists" : "caches");
	scaling(f, &t, r, n, LBB_MIXED, ncpu, no_cache ? "lb_alloc, CPU lists" : "caches");
	fprintf(f, "%u PASS, %u MISS", t.pass, t.miss);
	if (t.unmeasured) /* a target this run did not measure is neither */
		fprintf(f, ", %u not measured", t.unmeasured);
	fputc('\n', f);
}
