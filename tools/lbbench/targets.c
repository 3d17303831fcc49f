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

/* Throughput at each thread count up to the CPUs must beat the one before. */
static void scaling(FILE *f, struct tally *t, const struct lbb_result *r, size_t n,
		    unsigned ncpu)
{
	const struct lbb_result *prev = NULL;
	unsigned pairs = 0;
	bool ok = true, starved = false;

	fprintf(f, "churn      throughput, %s, threads:Mops/s(CPUs had):", BASE);
	for (size_t i = 0; i < n; i++) {
		const struct lbb_result *x = &r[i];

		if (x->bench != LBB_CHURN || x->memory != LBB_MEM_ACCEPTED ||
		    strcmp(x->allocator, BASE) || x->error[0])
			continue;
		fprintf(f, " %u:%.1f(%.1f)", x->threads, x->mops, x->cpus);
		if (prev && x->threads > prev->threads && x->threads <= ncpu) {
			pairs++;
			ok = ok && x->mops > prev->mops;
			/* Did the threads get the CPUs they could have used? */
			starved = starved || x->cpus < 0.8 * x->threads;
		}
		prev = x;
	}
	if (!pairs) {
		fprintf(f, " not measured (needs 2 thread counts up to %u CPUs)\n", ncpu);
		t->unmeasured++;
		return;
	}
	fprintf(f, " (target: grows up to %u CPUs)", ncpu);
	verdict(f, t, ok);
	if (!ok && starved)
		fprintf(f, "           (the threads got fewer CPUs than they were: the machine was busy)\n");
}

void lbb_print_targets(FILE *f, const struct lbb_result *r, size_t n, unsigned ncpu)
{
	struct tally t = { 0, 0, 0 };

	fprintf(f, "targets (medians of this run):\n");
	absolute(f, &t, r, n, LBB_CHURN, LBB_TARGET_CHURN_NS);
	absolute(f, &t, r, n, LBB_MIXED, LBB_TARGET_MIXED_NS);
	for (int b = 0; b < LBB_NBENCH; b++)
		bookkeeping(f, &t, r, n, (enum lbb_bench)b);
	scaling(f, &t, r, n, ncpu);
	fprintf(f, "%u PASS, %u MISS", t.pass, t.miss);
	if (t.unmeasured) /* a target this run did not measure is neither */
		fprintf(f, ", %u not measured", t.unmeasured);
	fputc('\n', f);
}
