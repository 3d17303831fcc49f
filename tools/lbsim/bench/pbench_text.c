/* SPDX-License-Identifier: MIT */
/* The policy bench as text: a block per row, a line per policy, then the
 * summary (within 100 columns). */
#include "pbench.h"

#include <string.h>

#include "../cli/cli.h"

#define GIB (1024.0 * 1024 * 1024)
#define MIB (1024.0 * 1024)

static const char *const short_target[LBS_PB_NTARGETS] = {
	"p99.9", "lag", "accepted", "committed", "boot",
};

void lbs_pb_print_intro(FILE *f)
{
	fputs("lbsim --policy-bench (docs/adaptive.md): every policy on the same guest (16 GiB),\n"
	      "CPUs (one per vCPU), load, and thread budget (thr: the library's default for the\n"
	      "guest's CPUs, background and adaptive alike). fw: what firmware accepted; rate:\n"
	      "per vCPU. demand: what a workload asks of acceptance while it allocates (the\n"
	      "trace: the most it holds over its span); reach: what the host accepts with all\n"
	      "the guest's CPUs accepting at once, at the host's pace. A row beyond reach\n"
	      "is run as asked, then re-run for every policy at the rate where demand is half\n"
	      "of reach. Adaptive's targets are judged on the re-run rows and the rows within\n"
	      "half of reach: p99.9 <= 100 us, max lag <= 50 ms, accepted and committed peak\n"
	      "<= 1.1x exact's, boot <= the fastest lazy policy's + 1%. W: in the row's winner\n"
	      "set (no other policy is as good on all six counts and better on one). boot: the\n"
	      "boot workload's whole time, else the set-up's; acc cpu: all CPU time in accept\n"
	      "and release calls, set-up's and boot's included, the vCPUs' and the background\n"
	      "threads'.\n\n"
	      "  policy     thr   p99.9 us  max lag ms  commit MiB  accept MiB  acc cpu s  boot s\n",
	      f);
}

/* Where the row's demand stands against the host's reach. */
static const char *standing(const struct lbs_pb_row *r)
{
	if (r->rerun)
		return "re-run at half";
	if (r->demand <= 0)
		return "unknown";
	if (r->demand > r->reach)
		return "beyond reach";
	return lbs_pb_judged(r) ? "within half" : "above half";
}

static void print_head(FILE *f, size_t i, const struct lbs_pb_row *r)
{
	char pre[16], unit[16], rate[32];

	lbs_size_short(pre, sizeof pre, r->pre);
	lbs_size_short(unit, sizeof unit, r->unit);
	if (r->workload == LBS_PB_TRACE)
		snprintf(rate, sizeof rate, "-");
	else
		snprintf(rate, sizeof rate, "%llu/s", (unsigned long long)r->rate);
	fprintf(f, "#%-4zu %-6s fw %-4s unit %-2s %-5s %2u vCPU%s %8s demand %5.2f reach %5.2f "
		"GiB/s: %s\n", i + 1, r->preset, pre, unit, lbs_pb_workload_name(r), r->vcpus,
		r->vcpus == 1 ? " " : "s", rate, r->demand / GIB, r->reach / GIB, standing(r));
}

static void print_run(FILE *f, enum lb_policy p, const struct lbs_pb_run *x, int win)
{
	fprintf(f, "  %-10s %3u %10.1f %11.2f %11.1f %11.1f %10.3f %7.2f %s", lb_policy_name(p),
		x->acceptors, x->m[LBS_PB_P999] / 1e3, x->m[LBS_PB_LAG] / 1e6,
		x->m[LBS_PB_COMMITTED] / MIB, x->m[LBS_PB_ACCEPTED] / MIB, x->m[LBS_PB_CPU] / 1e9,
		x->m[LBS_PB_BOOT] / 1e9, win ? "W" : " ");
	if (lbs_pb_run_bad(x))
		fprintf(f, " %s", x->check);
	fputc('\n', f);
}

static void print_verdicts(FILE *f, const struct lbs_pb_outcome *o)
{
	const char *sep = "";

	fputs("  winners: ", f);
	for (int p = 0; p < LB_POLICY_COUNT; p++)
		if (o->win[p]) {
			fprintf(f, "%s%s", sep, lb_policy_name((enum lb_policy)p));
			sep = ", ";
		}
	if (o->target[0] == LBS_PB_UNJUDGED) {
		fputs("; adaptive's targets not judged\n", f);
		return;
	}
	fputs("\n  adaptive's targets:", f);
	for (int t = 0; t < LBS_PB_NTARGETS; t++)
		fprintf(f, "%s %s %s", t ? "," : "", short_target[t],
			o->target[t] == LBS_PB_PASS ? "PASS" : "MISS");
	fputc('\n', f);
}

void lbs_pb_print_row(FILE *f, size_t i, const struct lbs_pb_row *r,
		      const struct lbs_pb_outcome *o)
{
	print_head(f, i, r);
	for (int p = 0; p < LB_POLICY_COUNT; p++)
		print_run(f, (enum lb_policy)p, &o->run[p], o->win[p]);
	print_verdicts(f, o);
}

struct tally {
	size_t rows, reruns, judged, bad_runs, outside, missed_rows;
	size_t wins[LB_POLICY_COUNT];
	size_t pass[LBS_PB_NTARGETS], miss[LBS_PB_NTARGETS];
};

static void count(struct tally *t, const struct lbs_pb_row *rows,
		  const struct lbs_pb_outcome *o, size_t n)
{
	memset(t, 0, sizeof *t);
	t->rows = n;
	for (size_t i = 0; i < n; i++) {
		int missed = 0;

		t->reruns += rows[i].rerun != 0;
		for (int p = 0; p < LB_POLICY_COUNT; p++) {
			t->wins[p] += o[i].win[p] != 0;
			t->bad_runs += lbs_pb_run_bad(&o[i].run[p]) != 0;
		}
		t->outside += !o[i].win[LB_POLICY_ADAPTIVE];
		if (o[i].target[0] == LBS_PB_UNJUDGED)
			continue;
		t->judged++;
		for (int k = 0; k < LBS_PB_NTARGETS; k++) {
			t->pass[k] += o[i].target[k] == LBS_PB_PASS;
			t->miss[k] += o[i].target[k] == LBS_PB_MISS;
			missed |= o[i].target[k] == LBS_PB_MISS;
		}
		t->missed_rows += missed;
	}
}

int lbs_pb_print_summary(FILE *f, const struct lbs_pb_row *rows,
			 const struct lbs_pb_outcome *o, size_t n)
{
	struct tally t;
	int ok;

	count(&t, rows, o, n);
	ok = t.bad_runs == 0 && t.outside == 0 && t.missed_rows == 0;
	if (!f)
		return ok;
	fprintf(f, "\nrows: %zu, of which %zu re-run at half of reach; %zu runs, ", t.rows,
		t.reruns, t.rows * LB_POLICY_COUNT);
	if (t.bad_runs)
		fprintf(f, "%zu not ok (an error of the bench)\n", t.bad_runs);
	else
		fputs("every check ok\n", f);
	fprintf(f, "in the winner set, rows of %zu:", t.rows);
	for (int p = 0; p < LB_POLICY_COUNT; p++)
		fprintf(f, " %s %zu%s", lb_policy_name((enum lb_policy)p), t.wins[p],
			p + 1 < LB_POLICY_COUNT ? "," : "\n");
	fprintf(f, "adaptive's targets on the %zu judged rows (%zu re-run, %zu within half of "
		   "reach):\n", t.judged, t.reruns, t.judged - t.reruns);
	for (int k = 0; k < LBS_PB_NTARGETS; k++)
		fprintf(f, "  %-32s %5zu PASS %5zu MISS\n", lbs_pb_target_text[k], t.pass[k],
			t.miss[k]);
	fprintf(f, "  %-32s %5zu rows  %4zu miss one or more\n", "every target",
		t.judged - t.missed_rows, t.missed_rows);
	if (ok) {
		fputs("result: PASS (every run ok, adaptive in every row's winner set and meeting "
		      "every judged target)\n", f);
		return ok;
	}
	fputs("result: FAIL:", f);
	if (t.bad_runs)
		fprintf(f, " %zu runs not ok%s", t.bad_runs, t.outside || t.missed_rows ? ";" : "");
	if (t.outside)
		fprintf(f, " adaptive outside the winner set of %zu rows%s", t.outside,
			t.missed_rows ? ";" : "");
	if (t.missed_rows)
		fprintf(f, " adaptive misses a target on %zu judged rows", t.missed_rows);
	fputc('\n', f);
	return ok;
}
