/* SPDX-License-Identifier: MIT */
/*
 * `lbsim --policy-bench`: adaptive's targets (docs/adaptive.md), on each
 * preset, with and without firmware's pre-accepted memory, on each
 * synthetic workload at one and four vCPUs, and on the shipped trace.
 *
 * A row runs exact and linux beside adaptive (the targets are ratios to
 * them) and says PASS or MISS per target. Where the demand is above what
 * the modelled host can accept with every CPU in play (adaptive's acceptor
 * threads plus the vCPUs, under host contention), no policy can meet the
 * latency targets: the row says "out of reach" with both figures, and a
 * second row gives the highest rate, found by bisection, at which adaptive
 * meets every target. Then every policy on the same runs, so that the
 * table compares adaptive with all of them.
 */
#include <stdlib.h>
#include <string.h>

#include "drive.h"
#include "paths.h"
#include "policybench.h"
#include "replay.h"
#include "sim.h"
#include "tracebuf.h"
#include "workload.h"

#include <lazybuddy_backends.h>

#define P999_MAX_NS UINT64_C(100000)   /* allocation p99.9 <= 100 us */
#define LAG_MAX_NS UINT64_C(50000000)  /* max lag <= 50 ms */
#define RATIO_MAX_PCT 120               /* committed peak, accepted: <= 1.2x exact */
#define SEARCH_STEPS 7                  /* bisection: the rate to 1/128 of its default */
#define NTARGETS 5

struct case_ {
	const char *cost;
	uint64_t pre;         /* firmware's pre-accepted bytes */
	int workload;         /* enum lbs_workload, or -1: the shipped trace */
	unsigned vcpus;
	unsigned adapt_off;   /* LB_ADAPT_* parts of adaptive left out */
};

struct outcome {
	struct lbs_result r[LB_POLICY_COUNT];
	int have[LB_POLICY_COUNT];
	int pass[NTARGETS];
	int all;
};

/* Per-thread acceptance throughput of the host (bytes/s): one unit
 * accepted alone, as the model charges it. */
static double thread_bytes_per_s(const struct lbs_sim_config *sc)
{
	struct lb_model_params mp;
	struct lb_model_backend m;
	struct lb_backend b;
	uint64_t unit = sc->unit_bytes ? sc->unit_bytes : LB_UNIT_DEFAULT, t0;

	if (lbs_sim_model(sc, &mp))
		return 0;
	lb_model_backend_init(&m, &mp, &b);
	t0 = lb_model_clock(&m);
	if (b.ops->accept(b.ctx, 0, unit) != 0 || lb_model_clock(&m) == t0)
		return 0;
	return (double)unit * 1e9 / (double)(lb_model_clock(&m) - t0);
}

/* What k CPUs accepting at once achieve together, under the contention
 * model (docs/model.md): each pays 1 + c (k - 1) times its cost. */
static double host_bytes_per_s(const struct lbs_sim_config *sc, unsigned k)
{
	struct lb_model_params mp;

	if (lbs_sim_model(sc, &mp))
		return 0;
	return thread_bytes_per_s(sc) *
	       (mp.host_capacity_pct && mp.host_capacity_pct < 100u * k ? mp.host_capacity_pct / 100.0
									: (double)k);
}

/* The workload's demand for memory while it allocates, bytes/s, all
 * vCPUs together. */
static double demand_bytes_per_s(const struct case_ *c, uint64_t rate)
{
	return (double)rate * lbs_workload_mean_pages(c->workload) * LB_PAGE_SIZE * c->vcpus;
}

static void configure(const struct case_ *c, uint64_t rate, struct lbs_sim_config *sc)
{
	lbs_sim_defaults(sc);
	snprintf(sc->backend, sizeof sc->backend, "%s", c->cost);
	sc->pre_accepted_bytes = c->pre;
	sc->vcpus = c->vcpus;
	sc->rate = rate;
	sc->adapt_off = c->adapt_off;
}

static int run_one(const struct case_ *c, const struct lbs_tracebuf *tb, uint64_t rate,
		   enum lb_policy p, struct lbs_result *out)
{
	struct lbs_replay_config rc;

	memset(out, 0, sizeof *out);
	if (c->workload >= 0) {
		configure(c, rate, &rc.sim);
		return lbs_sim_run(&rc.sim, p, (enum lbs_workload)c->workload, out);
	}
	lbs_replay_defaults(&rc);
	configure(c, 0, &rc.sim);
	rc.sim.vcpus = 0;
	return lbs_replay_run(&rc, tb, p, out, NULL, NULL);
}

/* The boot's virtual time: set-up plus the boot workload's allocations,
 * else set-up (and, for a trace, its boot allocations). */
static uint64_t boot_time(const struct case_ *c, const struct lbs_result *r)
{
	return c->workload == LBS_WL_BOOT ? r->virtual_time_ns : r->boot_ns;
}

static int within(uint64_t x, uint64_t base)
{
	return (double)x <= (double)base * RATIO_MAX_PCT / 100.0;
}

static void judge(const struct case_ *c, struct outcome *o)
{
	const struct lbs_result *a = &o->r[LB_POLICY_ADAPTIVE], *e = &o->r[LB_POLICY_EXACT];

	o->pass[0] = a->lat_p999 <= P999_MAX_NS;
	o->pass[1] = a->max_lag_ns <= LAG_MAX_NS;
	o->pass[2] = within(a->committed_bytes_peak, e->committed_bytes_peak);
	o->pass[3] = boot_time(c, a) <= boot_time(c, &o->r[LB_POLICY_LINUX]);
	o->pass[4] = within(a->accepted_bytes, e->accepted_bytes);
	o->all = strcmp(a->check, "ok") == 0;
	for (int t = 0; t < NTARGETS; t++)
		o->all &= o->pass[t];
}

static void release(struct outcome *o)
{
	for (int p = 0; p < LB_POLICY_COUNT; p++)
		if (o->have[p])
			lbs_result_free(&o->r[p]);
	memset(o, 0, sizeof *o);
}

/* Run the policies (every one, or those the targets need) at rate. */
static int run_case(const struct case_ *c, const struct lbs_tracebuf *tb, uint64_t rate,
		    int every, struct outcome *o)
{
	memset(o, 0, sizeof *o);
	for (int p = 0; p < LB_POLICY_COUNT; p++) {
		if (!every && p != LB_POLICY_ADAPTIVE && p != LB_POLICY_EXACT &&
		    p != LB_POLICY_LINUX)
			continue;
		int rc = run_one(c, tb, rate, (enum lb_policy)p, &o->r[p]);
		if (rc) {
			fprintf(stderr, "lbsim: --policy-bench: %s on %s: %s\n",
				lb_policy_name((enum lb_policy)p), c->cost, lb_strerror(rc));
			release(o);
			return rc;
		}
		o->have[p] = 1;
	}
	judge(c, o);
	return 0;
}

static const char *workload_label(const struct case_ *c)
{
	return c->workload >= 0 ? lbs_workload_name((enum lbs_workload)c->workload) : "trace";
}

static void print_gibs(FILE *f, double bytes_per_s)
{
	fprintf(f, " %6.2f", bytes_per_s / (1024.0 * 1024 * 1024));
}

static void print_targets(FILE *f, const struct case_ *c, const struct outcome *o)
{
	const struct lbs_result *a = &o->r[LB_POLICY_ADAPTIVE], *e = &o->r[LB_POLICY_EXACT];

	fprintf(f, " %8.1f %-4s %8.1f %-4s %5.2f %-4s %6.2f/%-6.2f %-4s %5.2f %-4s %s\n",
		a->lat_p999 / 1e3, o->pass[0] ? "PASS" : "MISS", a->max_lag_ns / 1e6,
		o->pass[1] ? "PASS" : "MISS",
		e->committed_bytes_peak ? (double)a->committed_bytes_peak / e->committed_bytes_peak
					: 0.0,
		o->pass[2] ? "PASS" : "MISS", boot_time(c, a) / 1e9,
		boot_time(c, &o->r[LB_POLICY_LINUX]) / 1e9, o->pass[3] ? "PASS" : "MISS",
		e->accepted_bytes ? (double)a->accepted_bytes / e->accepted_bytes
				  : (a->accepted_bytes ? 99.99 : 1.0),
		o->pass[4] ? "PASS" : "MISS", strcmp(a->check, "ok") ? a->check : "");
}

static void print_row_head(FILE *f, const struct case_ *c, uint64_t rate, const char *note)
{
	char pre[16], r[16];

	snprintf(pre, sizeof pre, "%lluG", (unsigned long long)(c->pre >> 30));
	if (c->workload < 0)
		snprintf(r, sizeof r, "%s", "trace");
	else
		snprintf(r, sizeof r, "%llu", (unsigned long long)rate);
	fprintf(f, "%-7s %4s %-6s %5u %7s%-2s", c->cost, pre, workload_label(c), c->vcpus, r, note);
}

/* The highest rate (by bisection, to 1/2^SEARCH_STEPS of the default)
 * at which adaptive meets every target; 0 if none tried does. */
static uint64_t reachable_rate(const struct case_ *c, uint64_t rate, struct outcome *best)
{
	uint64_t lo = 0, hi = rate, found = 0;

	memset(best, 0, sizeof *best);
	for (int i = 0; i < SEARCH_STEPS; i++) {
		uint64_t mid = (lo + hi) / 2;
		struct outcome o;

		if (mid == 0 || run_case(c, NULL, mid, 0, &o))
			break;
		if (o.all) {
			lo = mid;
			found = mid;
			release(best);
			*best = o;
		} else {
			hi = mid;
			release(&o);
		}
	}
	return found;
}

static void print_every_policy(FILE *f, const struct case_ *c, const struct outcome *o)
{
	for (int p = 0; p < LB_POLICY_COUNT; p++) {
		const struct lbs_result *r = &o->r[p];

		if (!o->have[p])
			continue;
		fprintf(f, "%-7s %4lluG %-6s %5u  %-10s %9.1f %9.1f %10.1f %8.2f %9.1f\n", c->cost,
			(unsigned long long)(c->pre >> 30), workload_label(c), c->vcpus,
			r->policy, r->lat_p999 / 1e3, r->max_lag_ns / 1e6,
			r->committed_bytes_peak / 1048576.0, boot_time(c, r) / 1e9,
			r->accepted_bytes / 1048576.0);
	}
}

/*
 * Each part of adaptive left out in turn, on the rows where it shows:
 * what it buys. The workloads run at a rate the host can follow (half
 * the default on tdx-4k, where boot and churn ask for more than it can
 * accept), so that a part's effect is not lost in an unavoidable lag.
 */
static bool print_parts(FILE *f, const struct lbs_tracebuf *tb)
{
	static const struct {
		const char *name;
		unsigned bit;
	} parts[] = {
		{"all in", 0},
		{"-exact", LB_ADAPT_EXACT},
		{"-scale", LB_ADAPT_SCALE},
		{"-trend", LB_ADAPT_TREND},
		{"-peak", LB_ADAPT_PEAK},
		{"-horizon", LB_ADAPT_HORIZON},
		{"none", LB_ADAPT_ALL},
	};
	static const struct {
		struct case_ c;
		unsigned rate_div; /* of the default rate: one the host can follow */
	} rows[] = {
		{{"tdx-4k", 0, LBS_WL_BOOT, 1, 0}, 2},
		{{"tdx-4k", 0, LBS_WL_FILL, 1, 0}, 1},
		{{"tdx-4k", 0, LBS_WL_CHURN, 1, 0}, 3},
		{{"tdx-4k", 0, -1, 1, 0}, 1},
		{{"tdx", 0, LBS_WL_BOOT, 4, 0}, 1},
		{{"tdx", 0, LBS_WL_CHURN, 4, 0}, 1},
	};

	fprintf(f, "\nEach part of adaptive left out (docs/adaptive.md), \"none\": all of them (unit\n"
		   "on demand, every thread working when behind, a 100 ms horizon); tdx-4k's boot\n"
		   "and churn at 1/2 and 1/3 of their default rate, which the host can follow:\n\n"
		   "preset  firm work   vCPUs    rate  adaptive   p99.9 µs max lag ms commit/exact "
		   "accepted/exact boot s acceptor s  result\n");
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		uint64_t rate = rows[i].c.workload < 0 ? 0
				: lbs_workload_default_rate((enum lbs_workload)rows[i].c.workload) /
					  rows[i].rate_div;

		for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) {
			struct case_ c = rows[i].c;
			struct outcome o;
			const struct lbs_result *a, *e;

			c.adapt_off = parts[k].bit;
			if (run_case(&c, tb, rate, 0, &o))
				return false;
			a = &o.r[LB_POLICY_ADAPTIVE];
			e = &o.r[LB_POLICY_EXACT];
			char r[24];

			if (rate)
				snprintf(r, sizeof r, "%llu", (unsigned long long)rate);
			else
				snprintf(r, sizeof r, "trace");
			fprintf(f, "%-7s %4lluG %-6s %5u %7s  %-9s %9.1f %10.1f %12.2f %14.2f %6.2f "
				"%10.2f  %s\n", c.cost, (unsigned long long)(c.pre >> 30),
				workload_label(&c), c.vcpus, r, parts[k].name, a->lat_p999 / 1e3, a->max_lag_ns / 1e6,
				e->committed_bytes_peak
					? (double)a->committed_bytes_peak / e->committed_bytes_peak
					: 0.0,
				e->accepted_bytes ? (double)a->accepted_bytes / e->accepted_bytes : 0.0,
				boot_time(&c, a) / 1e9, a->acceptor_cpu_ns / 1e9,
				o.all ? "PASS" : "MISS");
			release(&o);
		}
	}
	return true;
}

bool lbs_policy_bench(FILE *f, int json)
{
	static const char *const costs[] = {"tdx-4k", "tdx"};
	static const uint64_t pres[] = {0, UINT64_C(4) << 30};
	struct case_ cases[64];
	struct outcome *every;
	struct lbs_tracebuf tb;
	char path[4096], err[512];
	size_t n = 0;
	int passed = 0, missed = 0, out_of_reach = 0;
	bool ok = true;

	(void)json;
	for (size_t i = 0; i < 2; i++)
		for (size_t j = 0; j < 2; j++) {
			for (int w = 0; w < LBS_WL_COUNT; w++)
				for (unsigned v = 1; v <= 4; v *= 4)
					cases[n++] = (struct case_){costs[i], pres[j], w, v, 0};
			cases[n++] = (struct case_){costs[i], pres[j], -1, 1, 0};
		}
	if (lbs_default_trace(path, sizeof path) != 0 ||
	    lbs_tracebuf_load(&tb, path, err, sizeof err) != 0) {
		fprintf(stderr, "lbsim: --policy-bench needs the shipped trace "
				"data/traces/default.txt.zst\n");
		return false;
	}
	every = calloc(n, sizeof *every);
	if (!every) {
		lbs_tracebuf_free(&tb);
		fprintf(stderr, "lbsim: out of memory\n");
		return false;
	}

	fprintf(f, "adaptive's targets (docs/adaptive.md): allocation p99.9 <= 100 us, max lag "
		   "<= 50 ms,\ncommitted peak and accepted <= 1.2x exact's, boot <= linux's. "
		   "Adaptive runs up to %u\nacceptor threads. demand and host max in GiB/s: what "
		   "the workload asks while it\nallocates, and what the host accepts with the "
		   "acceptor's threads and the vCPUs all\naccepting at once under contention. "
		   "\"*\": out of reach at the default rate; the\nrow below it is the highest "
		   "rate (bisection) at which adaptive meets every target.\n\n",
		lb_acceptor_default_threads(1));
	fprintf(f, "preset  firm work   vCPUs    rate   demand host max   p99.9 µs      max lag "
		   "ms  commit/exact boot s/linux s    accepted/exact\n");
	for (size_t i = 0; i < n; i++) {
		const struct case_ *c = &cases[i];
		uint64_t rate = c->workload >= 0
					? lbs_workload_default_rate((enum lbs_workload)c->workload)
					: 0;
		struct lbs_sim_config sc;
		double demand = 0, host;

		configure(c, rate, &sc);
		host = host_bytes_per_s(&sc, 2 * c->vcpus);
		if (run_case(c, &tb, rate, 1, &every[i])) {
			ok = false;
			break;
		}
		if (c->workload >= 0)
			demand = demand_bytes_per_s(c, rate);
		int reach = c->workload < 0 || demand <= host;
		print_row_head(f, c, rate, reach || every[i].all ? "" : " *");
		if (c->workload >= 0)
			print_gibs(f, demand);
		else
			fprintf(f, " %6s", "-");
		print_gibs(f, host);
		print_targets(f, c, &every[i]);
		if (every[i].all) {
			passed++;
			continue;
		}
		if (reach) {
			missed++;
			continue;
		}
		out_of_reach++;
		struct outcome best;
		uint64_t r = reachable_rate(c, rate, &best);

		print_row_head(f, c, r, "");
		print_gibs(f, demand_bytes_per_s(c, r));
		print_gibs(f, host);
		if (r) {
			print_targets(f, c, &best);
			passed++;
		} else {
			fprintf(f, "  no rate down to 1/%d of the default meets every target\n",
				1 << SEARCH_STEPS);
			missed++;
		}
		release(&best);
	}
	fprintf(f, "\n%d rows meet every target, %d miss (%d out of reach at the default rate "
		   "and then\nshown at the highest reachable one).\n",
		passed, missed, out_of_reach);

	fprintf(f, "\nEvery policy on the same runs (default rates):\n\n"
		   "preset  firm work   vCPUs  policy      p99.9 µs max lag ms committed   "
		   "boot s  accepted\n                                                            "
		   "MiB            MiB\n");
	for (size_t i = 0; ok && i < n; i++)
		print_every_policy(f, &cases[i], &every[i]);
	if (ok)
		ok = print_parts(f, &tb);
	for (size_t i = 0; i < n; i++)
		release(&every[i]);
	free(every);
	lbs_tracebuf_free(&tb);
	return ok && missed == 0;
}
