/* SPDX-License-Identifier: MIT */
/*
 * `lbsim --policy-bench`: every policy on every row of pbench_rows.c, on
 * the same terms, in forked workers (pbench_runner.c); each row's winner
 * set and adaptive's targets (pbench_judge.c); then, in text, each part of
 * adaptive left out on a few of the same rows.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cli/paths.h"
#include "pbench.h"
#include "policybench.h"
#include "../run/workload.h"

#define UNIT_2M (UINT64_C(2) << 20)

static const struct {
	const char *name;
	unsigned bit;
} parts[] = {
	{"-size", LB_ADAPT_SIZE},   {"-order", LB_ADAPT_ORDER},     {"-idle", LB_ADAPT_IDLE},
	{"-scale", LB_ADAPT_SCALE}, {"-trend", LB_ADAPT_TREND},
	{"-peak", LB_ADAPT_PEAK},   {"-horizon", LB_ADAPT_HORIZON}, {"none", LB_ADAPT_ALL},
};
#define NPARTS (sizeof parts / sizeof parts[0])

/* The ablation's rows (no firmware acceptance, 2 MiB unit), where the
 * parts show: each as the bench judges it, the re-run where there is one. */
static const struct {
	const char *preset;
	int workload;
	unsigned vcpus; /* 0: the trace's */
} ablated[] = {
	{"tdx-4k", LBS_WL_BOOT, 1}, {"tdx-4k", LBS_WL_FILL, 1}, {"tdx-4k", LBS_WL_CHURN, 1},
	{"tdx-4k", LBS_PB_TRACE, 0}, {"tdx", LBS_WL_BOOT, 4},   {"tdx", LBS_WL_CHURN, 4},
};
#define NABLATED (sizeof ablated / sizeof ablated[0])

/* Row k of the ablation in rows; n if it has none. */
static size_t ablated_row(const struct lbs_pb_row *rows, size_t n, size_t k)
{
	size_t found = n;

	for (size_t i = 0; i < n; i++) {
		const struct lbs_pb_row *r = &rows[i];

		if (strcmp(r->preset, ablated[k].preset) || r->pre || r->unit != UNIT_2M ||
		    r->workload != ablated[k].workload ||
		    (ablated[k].vcpus && r->vcpus != ablated[k].vcpus))
			continue;
		if (r->rerun || r->workload == LBS_PB_TRACE)
			return i;
		if (r->rate == lbs_workload_default_rate((enum lbs_workload)r->workload))
			found = i;
	}
	return found;
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : a ? 99.99 : 1.0;
}

static void print_part(FILE *f, size_t i, const struct lbs_pb_row *r, const char *name,
		       const struct lbs_pb_outcome *o)
{
	const struct lbs_pb_run *a = &o->run[LB_POLICY_ADAPTIVE], *e = &o->run[LB_POLICY_EXACT];
	char rate[24], res[24];
	int pass = 0;

	if (r->workload == LBS_PB_TRACE)
		snprintf(rate, sizeof rate, "trace");
	else
		snprintf(rate, sizeof rate, "%llu", (unsigned long long)r->rate);
	for (int t = 0; t < LBS_PB_NTARGETS; t++)
		pass += o->target[t] == LBS_PB_PASS;
	if (o->target[0] == LBS_PB_UNJUDGED)
		snprintf(res, sizeof res, "-");
	else
		snprintf(res, sizeof res, "%d/%d", pass, LBS_PB_NTARGETS);
	fprintf(f, "#%-4zu %-6s %-5s %2u %7s %-8s %9.1f %8.2f %6.3f %6.3f %6.2f %7.2f %-5s %s",
		i + 1, r->preset, lbs_pb_workload_name(r), r->vcpus, rate, name,
		a->m[LBS_PB_P999] / 1e3, a->m[LBS_PB_LAG] / 1e6,
		ratio(a->m[LBS_PB_COMMITTED], e->m[LBS_PB_COMMITTED]),
		ratio(a->m[LBS_PB_ACCEPTED], e->m[LBS_PB_ACCEPTED]), a->m[LBS_PB_BOOT] / 1e9,
		a->acceptor_cpu_ns / 1e9, res, o->win[LB_POLICY_ADAPTIVE] ? "W" : "");
	if (lbs_pb_run_bad(a))
		fprintf(f, " %s", a->check);
	fputc('\n', f);
}

/* Each part left out on the ablation's rows: runs[k * NPARTS + j] is part
 * j left out on row at[k], judged against that row's other policies. */
static void print_parts(FILE *f, const struct lbs_pb_row *rows, const struct lbs_pb_outcome *o,
			const size_t *at, size_t nat, const struct lbs_pb_run *runs)
{
	fprintf(f, "\nEach part of adaptive left out (docs/adaptive.md; \"none\": all of them), on "
		   "rows of the\ntable, judged against their other policies; targets: those met "
		   "(\"-\": not judged);\nW: in the winner set in adaptive's place.\n\n"
		   "row   preset work  vC    rate adaptive  p99.9 us   lag ms commit accept "
		   "boot s acc thr targets\n"
		   "                                                     /exact /exact        "
		   "cpu s\n");
	for (size_t k = 0; k < nat; k++) {
		const struct lbs_pb_row *r = &rows[at[k]];

		print_part(f, at[k], r, "all in", &o[at[k]]);
		for (size_t j = 0; j < NPARTS; j++) {
			struct lbs_pb_outcome v = o[at[k]];

			v.run[LB_POLICY_ADAPTIVE] = runs[k * NPARTS + j];
			lbs_pb_judge(&v, lbs_pb_judged(r));
			print_part(f, at[k], r, parts[j].name, &v);
		}
	}
}

/* A run that failed or is not "ok": an error of the bench, in one line. */
static void say_bad(const struct lbs_pb_row *r, size_t i, enum lb_policy p, const char *what,
		    const struct lbs_pb_run *x)
{
	fprintf(stderr, "lbsim: --policy-bench: row %zu (%s %s, %u vCPUs), %s%s%s: %s\n", i + 1,
		r->preset, lbs_pb_workload_name(r), r->vcpus, lb_policy_name(p), *what ? " " : "",
		what, x->rc ? "zone set-up failed" : x->check);
}

static int load_trace(struct lbs_tracebuf *tb)
{
	char path[4096], err[1024];

	if (lbs_default_trace(path, sizeof path) != 0) {
		fprintf(stderr, "lbsim: --policy-bench: cannot find the shipped trace "
				"data/traces/default.txt.zst beside this executable (or "
				"share/lazybuddy/default.txt.zst of an installed one); set "
				"LBSIM_TRACE\n");
		return -1;
	}
	if (lbs_tracebuf_load(tb, path, err, sizeof err) != 0) {
		fprintf(stderr, "lbsim: --policy-bench: %s\n", err);
		return -1;
	}
	return 0;
}

/* The tasks: every policy of every row, then (text only) each part of
 * adaptive left out on the ablation's rows. */
static struct lbs_pb_task *make_tasks(size_t n, const size_t *at, size_t nat, size_t *ntasks)
{
	struct lbs_pb_task *t = calloc(n * LB_POLICY_COUNT + nat * NPARTS, sizeof *t);
	size_t k = 0;

	if (!t)
		return NULL;
	for (size_t i = 0; i < n; i++)
		for (int p = 0; p < LB_POLICY_COUNT; p++)
			t[k++] = (struct lbs_pb_task){i, (enum lb_policy)p, 0};
	for (size_t a = 0; a < nat; a++)
		for (size_t j = 0; j < NPARTS; j++)
			t[k++] = (struct lbs_pb_task){at[a], LB_POLICY_ADAPTIVE, parts[j].bit};
	*ntasks = k;
	return t;
}

bool lbs_policy_bench(FILE *f, int json)
{
	struct lbs_pb_spec spec;
	struct lbs_pb_row *rows = NULL;
	struct lbs_pb_task *tasks = NULL;
	struct lbs_pb_run *runs = NULL;
	struct lbs_pb_outcome *o = NULL;
	struct lbs_tracebuf tb;
	struct lbs_progress pg;
	size_t n = 0, ntasks = 0, at[NABLATED], nat = 0;
	unsigned jobs;
	char msg[256];
	int ok = 0, parts_bad = 0;

	if (lbs_pb_jobs(&jobs, msg, sizeof msg)) {
		fprintf(stderr, "lbsim: --policy-bench: %s\n", msg);
		return false;
	}
	if (load_trace(&tb))
		return false;
	lbs_pb_default_spec(&spec);
	spec.trace_vcpus = tb.nvcpus;
	spec.trace_demand = lbs_pb_trace_demand(&tb);
	rows = lbs_pb_rows(&spec, &n);
	if (rows && !json)
		for (size_t k = 0; k < NABLATED; k++)
			if ((at[nat] = ablated_row(rows, n, k)) < n)
				nat++;
	tasks = rows ? make_tasks(n, at, nat, &ntasks) : NULL;
	runs = tasks ? calloc(ntasks, sizeof *runs) : NULL;
	o = runs ? calloc(n ? n : 1, sizeof *o) : NULL;
	if (!o) {
		fprintf(stderr, "lbsim: out of memory\n");
		goto out;
	}
	lbs_progress_init(&pg, stderr, isatty(fileno(stderr)), ntasks);
	lbs_progress_stage(&pg, 0, "policy-bench");
	if (lbs_pb_run_tasks(rows, &tb, tasks, ntasks, jobs, runs, &pg)) {
		lbs_progress_end(&pg);
		goto out;
	}
	lbs_progress_end(&pg);
	for (size_t i = 0; i < n; i++) {
		for (int p = 0; p < LB_POLICY_COUNT; p++) {
			o[i].run[p] = runs[i * LB_POLICY_COUNT + p];
			if (lbs_pb_run_bad(&o[i].run[p]))
				say_bad(&rows[i], i, (enum lb_policy)p, "", &o[i].run[p]);
		}
		lbs_pb_judge(&o[i], lbs_pb_judged(&rows[i]));
	}
	for (size_t k = 0; k < nat; k++)
		for (size_t j = 0; j < NPARTS; j++) {
			const struct lbs_pb_run *x = &runs[n * LB_POLICY_COUNT + k * NPARTS + j];

			if (lbs_pb_run_bad(x)) {
				say_bad(&rows[at[k]], at[k], LB_POLICY_ADAPTIVE, parts[j].name, x);
				parts_bad = 1;
			}
		}
	if (json) {
		lbs_pb_print_json(f, rows, o, n);
		ok = lbs_pb_print_summary(NULL, rows, o, n);
		if (!ok)
			lbs_pb_print_summary(stderr, rows, o, n);
		goto out;
	}
	lbs_pb_print_intro(f);
	for (size_t i = 0; i < n; i++) {
		fputc('\n', f);
		lbs_pb_print_row(f, i, &rows[i], &o[i]);
	}
	print_parts(f, rows, o, at, nat, runs + n * LB_POLICY_COUNT);
	ok = lbs_pb_print_summary(f, rows, o, n);
	if (parts_bad) {
		fputs("result: FAIL: a run of the ablation was not ok\n", f);
		ok = 0;
	}
out:
	free(o);
	free(runs);
	free(tasks);
	free(rows);
	lbs_tracebuf_free(&tb);
	return ok;
}
