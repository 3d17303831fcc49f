/* SPDX-License-Identifier: MIT */
/*
 * `lbsim --policy-bench`'s parts (tools/lbsim/bench/pbench.h): the winner set on
 * hand-made results, the reach and the re-run rate, the row list, the JSON
 * and the summary's verdict on hand-made rows, and a few tiny rows run in
 * worker processes, the same with one worker or two. The whole bench is
 * not run here (it takes half an hour).
 */
#include "harness.h"
#include "test_lbsim_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/lbsim/bench/pbench.h"
#include "../tools/lbsim/run/workload.h"

#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)

/* A run with these counts (p99.9, lag, committed, accepted, cpu, boot). */
static struct lbs_pb_run run6(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			      uint64_t f)
{
	struct lbs_pb_run r;

	memset(&r, 0, sizeof r);
	r.m[LBS_PB_P999] = a;
	r.m[LBS_PB_LAG] = b;
	r.m[LBS_PB_COMMITTED] = c;
	r.m[LBS_PB_ACCEPTED] = d;
	r.m[LBS_PB_CPU] = e;
	r.m[LBS_PB_BOOT] = f;
	snprintf(r.check, sizeof r.check, "ok");
	return r;
}

TEST(pbench_dominance)
{
	struct lbs_pb_run p = run6(10, 10, 10, 10, 10, 10), q = p;

	CHECK(!lbs_pb_dominates(&q, &p)); /* equal on all: neither */
	CHECK(!lbs_pb_dominates(&p, &q));
	q.m[LBS_PB_CPU] = 9;              /* as good on all, better on one */
	CHECK(lbs_pb_dominates(&q, &p));
	CHECK(!lbs_pb_dominates(&p, &q));
	q.m[LBS_PB_BOOT] = 11;            /* better on one, worse on another */
	CHECK(!lbs_pb_dominates(&q, &p));
	CHECK(!lbs_pb_dominates(&p, &q));
	for (int k = 0; k < LBS_PB_NMETRICS; k++) { /* each count on its own */
		struct lbs_pb_run x = p;

		x.m[k] = 9;
		CHECK(lbs_pb_dominates(&x, &p));
		x.m[k] = 11;
		CHECK(lbs_pb_dominates(&p, &x));
	}
}

/* A row made by hand: eager best on latency, unit beaten by exact on
 * every count, linux and background equal on all (both in), adaptive
 * beaten on one count only by nobody. */
static void hand_row(struct lbs_pb_outcome *o)
{
	memset(o, 0, sizeof *o);
	o->run[LB_POLICY_EAGER] = run6(0, 0, 16 * GIB, 12 * GIB, 0, 40000000000u);
	o->run[LB_POLICY_UNIT] = run6(5000000, 900000000, 9 * GIB, 5 * GIB, 9000000000u,
				      7000000000u);
	o->run[LB_POLICY_EXACT] = run6(4000000, 800000000, 9 * GIB - MIB, 5 * GIB - MIB,
				       8000000000u, 7000000000u);
	o->run[LB_POLICY_LINUX] = run6(8000000, 700000000, 10 * GIB, 6 * GIB, 7000000000u,
				       7500000000u);
	o->run[LB_POLICY_BACKGROUND] = o->run[LB_POLICY_LINUX];
	o->run[LB_POLICY_ADAPTIVE] = run6(20000, 30000000, 9 * GIB, 5 * GIB, 9500000000u,
					  7000000000u);
}

TEST(pbench_winner_set)
{
	struct lbs_pb_outcome o;

	hand_row(&o);
	lbs_pb_judge(&o, 0);
	CHECK(o.win[LB_POLICY_EAGER]);
	CHECK(!o.win[LB_POLICY_UNIT]);       /* exact beats it on every count */
	CHECK(o.win[LB_POLICY_EXACT]);
	CHECK(o.win[LB_POLICY_LINUX]);       /* a tie on all six: both in */
	CHECK(o.win[LB_POLICY_BACKGROUND]);
	CHECK(o.win[LB_POLICY_ADAPTIVE]);
	for (int t = 0; t < LBS_PB_NTARGETS; t++)
		CHECK_EQ(o.target[t], LBS_PB_UNJUDGED);

	/* Adaptive as good as exact on all and better on one: exact is out. */
	o.run[LB_POLICY_ADAPTIVE] = o.run[LB_POLICY_EXACT];
	o.run[LB_POLICY_ADAPTIVE].m[LBS_PB_LAG]--;
	lbs_pb_judge(&o, 0);
	CHECK(!o.win[LB_POLICY_EXACT] && o.win[LB_POLICY_ADAPTIVE]);

	/* A run that failed is neither in the set nor beats anyone. */
	hand_row(&o);
	o.run[LB_POLICY_EXACT].rc = -1;
	lbs_pb_judge(&o, 0);
	CHECK(!o.win[LB_POLICY_EXACT] && o.win[LB_POLICY_UNIT]);
	hand_row(&o);
	snprintf(o.run[LB_POLICY_EXACT].check, sizeof o.run[0].check, "I4 broken");
	lbs_pb_judge(&o, 0);
	CHECK(!o.win[LB_POLICY_EXACT] && o.win[LB_POLICY_UNIT]);
}

TEST(pbench_targets)
{
	struct lbs_pb_outcome o;
	struct lbs_pb_run *a = &o.run[LB_POLICY_ADAPTIVE];

	hand_row(&o);
	lbs_pb_judge(&o, 1);
	for (int t = 0; t < LBS_PB_NTARGETS; t++)
		CHECK_EQ(o.target[t], LBS_PB_PASS);
	/* Each bound, just in and just out. */
	a->m[LBS_PB_P999] = 100000;
	a->m[LBS_PB_LAG] = 50000000;
	a->m[LBS_PB_ACCEPTED] = (5 * GIB - MIB) * 11 / 10;
	a->m[LBS_PB_COMMITTED] = (9 * GIB - MIB) * 11 / 10;
	a->m[LBS_PB_BOOT] = 7070000000u; /* the fastest lazy one's (7 s) + 1% */
	lbs_pb_judge(&o, 1);
	for (int t = 0; t < LBS_PB_NTARGETS; t++)
		CHECK_EQ(o.target[t], LBS_PB_PASS);
	for (int k = 0; k < LBS_PB_NMETRICS; k++)
		a->m[k]++;
	lbs_pb_judge(&o, 1);
	CHECK_EQ(o.target[LBS_PB_T_P999], LBS_PB_MISS);
	CHECK_EQ(o.target[LBS_PB_T_LAG], LBS_PB_MISS);
	CHECK_EQ(o.target[LBS_PB_T_ACCEPTED], LBS_PB_MISS);
	CHECK_EQ(o.target[LBS_PB_T_COMMITTED], LBS_PB_MISS);
	CHECK_EQ(o.target[LBS_PB_T_BOOT], LBS_PB_MISS);
	/* Eager's boot is not a lazy policy's: a faster eager changes nothing. */
	hand_row(&o);
	o.run[LB_POLICY_EAGER].m[LBS_PB_BOOT] = 1;
	lbs_pb_judge(&o, 1);
	CHECK_EQ(o.target[LBS_PB_T_BOOT], LBS_PB_PASS);
	/* Nothing accepted by exact: adaptive must accept nothing either. */
	hand_row(&o);
	o.run[LB_POLICY_EXACT].m[LBS_PB_ACCEPTED] = 0;
	lbs_pb_judge(&o, 1);
	CHECK_EQ(o.target[LBS_PB_T_ACCEPTED], LBS_PB_MISS);
	o.run[LB_POLICY_ADAPTIVE].m[LBS_PB_ACCEPTED] = 0;
	lbs_pb_judge(&o, 1);
	CHECK_EQ(o.target[LBS_PB_T_ACCEPTED], LBS_PB_PASS);
}

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fabs(b);
}

/* The preset's figures by hand (src/backend/model.c), k CPUs on a host
 * that does 2.08 accepts' worth at once. */
TEST(pbench_reach)
{
	/* tdx-4k, 2 MiB: the 2M try refused (1 us), then 512 accepts of
	 * 4 KiB at 1 + 0.5 + 6.5 us. */
	double tdx4k = 2097152e9 / (1000.0 + 512 * 8000.0);
	/* tdx, 2 MiB: one call, 512 pages cleared, one 2 MiB fault. */
	double tdx = 2097152e9 / (1000.0 + 512 * 500.0 + 6500.0);
	/* tdx, 4 KiB: its share of a 2 MiB fault, 6500 / 512 in whole ns. */
	double tdx_small = 4096e9 / (1000.0 + 500.0 + 12);

	CHECK(near(lbs_pb_reach("tdx-4k", 2 * MIB, 1), tdx4k));
	CHECK(near(lbs_pb_reach("tdx-4k", 2 * MIB, 2), tdx4k * 2));
	/* no host contention on the presets: k CPUs reach k times one */
	CHECK(near(lbs_pb_reach("tdx-4k", 2 * MIB, 4), tdx4k * 4));
	CHECK(near(lbs_pb_reach("tdx-4k", 2 * MIB, 16), tdx4k * 16));
	CHECK(near(lbs_pb_reach("tdx", 2 * MIB, 1), tdx));
	CHECK(near(lbs_pb_reach("snp", 2 * MIB, 4), tdx * 4));
	CHECK(near(lbs_pb_reach("tdx", 4096, 16), tdx_small * 16));
	CHECK(near(lbs_pb_reach("tdx-4k", 4096, 1), 4096e9 / 8000.0));
	CHECK(lbs_pb_reach("no-such", 2 * MIB, 1) == 0);
	CHECK(lbs_pb_reach("tdx", 2 * MIB, 0) == 0);
	/* Demand: rate x mean pages x vCPUs x 4 KiB. */
	CHECK(near(lbs_pb_demand(LBS_WL_FILL, 262144, 4), 4.0 * GIB));
	CHECK(near(lbs_pb_demand(LBS_WL_CHURN, 1000, 16),
		   1000.0 * lbs_workload_mean_pages(LBS_WL_CHURN) * 4096 * 16));
	CHECK(lbs_pb_demand(LBS_PB_TRACE, 1000, 2) == 0);
}

/* At the reduced rate the demand is half of reach: the last whole rate
 * at or below it. */
TEST(pbench_reduced_rate)
{
	static const char *const presets[] = {"tdx-4k", "tdx", "snp-4k", "snp"};
	static const unsigned vcpus[] = {1, 4, 16};

	for (size_t p = 0; p < 4; p++)
		for (int w = 0; w < LBS_WL_COUNT; w++)
			for (size_t v = 0; v < 3; v++) {
				double reach = lbs_pb_reach(presets[p], 2 * MIB, vcpus[v]);
				uint64_t r = lbs_pb_reduced_rate(w, vcpus[v], reach);

				CHECK(r >= 1);
				CHECK(lbs_pb_demand(w, r, vcpus[v]) <= reach / 2);
				CHECK(lbs_pb_demand(w, r + 1, vcpus[v]) > reach / 2);
				CHECK(lbs_pb_demand(w, r, vcpus[v]) > reach / 2 * 0.999);
			}
	CHECK_EQ(lbs_pb_reduced_rate(LBS_WL_FILL, 1, 1.0), 1); /* never below 1 */
}

static size_t count_rows(const struct lbs_pb_row *r, size_t n, int rerun, int trace)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += r[i].rerun == rerun && (r[i].workload == LBS_PB_TRACE) == trace;
	return k;
}

/* The bench's rows: every combination, each rate, and a re-run exactly
 * where a rate is beyond reach, right after its rows. */
TEST(pbench_default_rows)
{
	struct lbs_pb_spec s;
	struct lbs_pb_row *r;
	size_t n;

	lbs_pb_default_spec(&s);
	s.trace_vcpus = 2;
	s.trace_demand = 0.5 * GIB;
	r = lbs_pb_rows(&s, &n);
	REQUIRE(r);
	CHECK_EQ(count_rows(r, n, 0, 0), 4 * 3 * 2 * 3 * 3 * 2);
	CHECK_EQ(count_rows(r, n, 0, 1), 4 * 3 * 2);
	CHECK_EQ(count_rows(r, n, 1, 1), 0);
	for (size_t i = 0; i < n; i++) {
		const struct lbs_pb_row *x = &r[i];
		struct lbs_sim_config sc;

		lbs_pb_config(x, &sc);
		CHECK(sc.acceptors == 0 && sc.cpus == 0 && sc.memory_bytes == 16 * GIB);
		CHECK(sc.load_pct == LBS_LOAD_DEFAULT && sc.adapt_off == 0);
		CHECK(near(x->reach, lbs_pb_reach(x->preset, x->unit, x->vcpus)));
		if (x->workload == LBS_PB_TRACE) {
			CHECK(x->rate == 0 && x->vcpus == 2 && x->demand == 0.5 * GIB);
			continue;
		}
		CHECK(near(x->demand, lbs_pb_demand(x->workload, x->rate, x->vcpus)));
		if (x->rerun) {
			/* After the rows of its workload, one of them beyond reach. */
			REQUIRE(i >= 2);
			CHECK(r[i - 1].demand > r[i - 1].reach || r[i - 2].demand > r[i - 2].reach);
			CHECK(r[i - 1].workload == x->workload && r[i - 1].vcpus == x->vcpus);
			CHECK_EQ(x->rate, lbs_pb_reduced_rate(x->workload, x->vcpus, x->reach));
			CHECK(lbs_pb_judged(x));
		} else {
			uint64_t def = lbs_workload_default_rate((enum lbs_workload)x->workload);

			CHECK(x->rate == def || x->rate == def / 10);
			CHECK(lbs_pb_judged(x) == (x->demand * 2 <= x->reach));
			/* A row beyond reach: its re-run follows its rows. */
			if (x->rate == def && x->demand > x->reach)
				CHECK(i + 2 < n && r[i + 2].rerun && r[i + 2].vcpus == x->vcpus);
		}
	}
	/* tdx-4k's reach on one CPU is below every default demand. */
	CHECK(r[0].demand > r[0].reach && r[2].rerun);
	free(r);
}

static int same_run(const struct lbs_pb_run *a, const struct lbs_pb_run *b)
{
	if (a->rc != b->rc || a->cpus != b->cpus || a->acceptors != b->acceptors ||
	    a->acceptor_cpu_ns != b->acceptor_cpu_ns || strcmp(a->check, b->check))
		return 0;
	for (int k = 0; k < LBS_PB_NMETRICS; k++)
		if (a->m[k] != b->m[k])
			return 0;
	return 1;
}

/* Tiny rows (a 64 MiB guest, two vCPUs): boot and churn at their default
 * rate, beyond reach, and at a hundredth, then their re-runs; every policy
 * of each, with 1 and 2 workers, then 3 with the tasks in reverse order:
 * the same results, task for task. */
TEST(pbench_workers_same_results)
{
	static const char *const presets[] = {"tdx-4k"};
	static const uint64_t pres[] = {0};
	static const uint64_t units[] = {2 * MIB};
	static const int workloads[] = {LBS_WL_BOOT, LBS_WL_CHURN};
	static const unsigned vcpus[] = {2};
	static const unsigned divs[] = {1, 100};
	struct lbs_pb_spec s = {presets, 1, pres, 1, units, 1, workloads, 2, vcpus, 1, divs, 2,
				64 * MIB, 0, 0, 0};
	struct lbs_pb_row *rows;
	struct lbs_pb_task *t, *rev;
	struct lbs_pb_run *one, *two, *three;
	size_t n, nt;

	rows = lbs_pb_rows(&s, &n);
	REQUIRE(rows);
	REQUIRE(n == 6 && rows[2].rerun && rows[5].rerun);
	CHECK(!rows[0].rerun && !rows[1].rerun && lbs_pb_judged(&rows[1]));
	nt = n * LB_POLICY_COUNT;
	t = calloc(nt, sizeof *t);
	rev = calloc(nt, sizeof *rev);
	one = calloc(nt, sizeof *one);
	two = calloc(nt, sizeof *two);
	three = calloc(nt, sizeof *three);
	REQUIRE(t && rev && one && two && three);
	for (size_t i = 0; i < nt; i++) {
		t[i] = (struct lbs_pb_task){i / LB_POLICY_COUNT, (enum lb_policy)(i % LB_POLICY_COUNT),
					    0};
		rev[nt - 1 - i] = t[i];
	}
	CHECK_EQ(lbs_pb_run_tasks(rows, NULL, t, nt, 1, one, NULL), 0);
	CHECK_EQ(lbs_pb_run_tasks(rows, NULL, t, nt, 2, two, NULL), 0);
	CHECK_EQ(lbs_pb_run_tasks(rows, NULL, rev, nt, 3, three, NULL), 0);
	for (size_t i = 0; i < nt; i++) {
		CHECK(same_run(&one[i], &two[i]));
		CHECK(same_run(&one[i], &three[nt - 1 - i]));
		CHECK(!lbs_pb_run_bad(&one[i]));
		CHECK(one[i].m[LBS_PB_ACCEPTED] > 0);
	}
	/* The re-run rows hold every policy, each with the same CPUs and
	 * thread budget as on the rows as asked. */
	for (size_t i = 2; i < n; i += 3)
		for (int p = 0; p < LB_POLICY_COUNT; p++) {
			const struct lbs_pb_run *asked = &one[(i - 2) * LB_POLICY_COUNT + p];
			const struct lbs_pb_run *re = &one[i * LB_POLICY_COUNT + p];

			CHECK(re->rc == 0 && strcmp(re->check, "ok") == 0);
			CHECK(re->cpus == 2 && asked->cpus == 2);
			CHECK_EQ(re->acceptors, asked->acceptors);
			CHECK_EQ(re->acceptors, p == LB_POLICY_BACKGROUND || p == LB_POLICY_ADAPTIVE
							? lb_acceptor_default_threads(2)
							: 0);
		}
	/* The re-run's lower rate: exact lags less. */
	CHECK(one[2 * LB_POLICY_COUNT + LB_POLICY_EXACT].m[LBS_PB_LAG] <
	      one[LB_POLICY_EXACT].m[LBS_PB_LAG]);
	free(t);
	free(rev);
	free(one);
	free(two);
	free(three);
	free(rows);
}

TEST(pbench_jobs_from_env)
{
	static const char *const bad[] = {"0", "65", "x", "", "2x", "-1", "+2", " 2"};
	const char *old = getenv("LBS_BENCH_JOBS");
	char *saved = old ? strdup(old) : NULL;
	unsigned jobs = 0;
	char msg[128];

	setenv("LBS_BENCH_JOBS", "3", 1);
	CHECK(lbs_pb_jobs(&jobs, msg, sizeof msg) == 0 && jobs == 3);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		setenv("LBS_BENCH_JOBS", bad[i], 1);
		CHECK(lbs_pb_jobs(&jobs, msg, sizeof msg) == -1);
		CHECK(strstr(msg, "LBS_BENCH_JOBS=") == msg && strstr(msg, "1 to 64"));
	}
	unsetenv("LBS_BENCH_JOBS");
	CHECK(lbs_pb_jobs(&jobs, msg, sizeof msg) == 0 && jobs >= 1);
	if (saved)
		setenv("LBS_BENCH_JOBS", saved, 1);
	free(saved);
}

static char *print_json(const struct lbs_pb_row *rows, const struct lbs_pb_outcome *o, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	lbs_pb_print_json(f, rows, o, n);
	fclose(f);
	return buf;
}

/* Two rows by hand: a workload row beyond reach (not judged) and its
 * re-run (judged), and a trace row with an odd preset name. */
static void hand_rows(struct lbs_pb_row *r, struct lbs_pb_outcome *o)
{
	memset(r, 0, 3 * sizeof *r);
	r[0] = (struct lbs_pb_row){"tdx-4k", 0, 0, 2 * MIB, LBS_WL_FILL, 4, 262144, 0,
				   4.0 * GIB, 0.99 * GIB};
	r[1] = r[0];
	r[1].rerun = 1;
	r[1].rate = 33000;
	r[1].demand = r[1].reach / 2;
	r[2] = (struct lbs_pb_row){"a \"preset\"", 0, 512 * MIB, 4096, LBS_PB_TRACE, 2, 0, 0,
				   0, 1.5 * GIB};
	for (int i = 0; i < 3; i++) {
		hand_row(&o[i]);
		for (int p = 0; p < LB_POLICY_COUNT; p++) {
			o[i].run[p].cpus = r[i].vcpus;
			o[i].run[p].acceptors = p >= LB_POLICY_BACKGROUND ? 2 : 0;
		}
		lbs_pb_judge(&o[i], lbs_pb_judged(&r[i]));
	}
	o[1].run[LB_POLICY_ADAPTIVE].m[LBS_PB_LAG] = 60000000; /* a MISS */
	lbs_pb_judge(&o[1], 1);
}

TEST(pbench_json_rows)
{
	struct lbs_pb_row r[3];
	struct lbs_pb_outcome o[3];
	char *json, *empty;
	const char *judged;

	hand_rows(r, o);
	json = print_json(r, o, 3);
	REQUIRE(json);
	CHECK(json_valid(json));
	CHECK_EQ(count_str(json, "{\"row\": "), 3 * LB_POLICY_COUNT);
	CHECK_EQ(count_str(json, "\"targets\": "), 3);
	CHECK_EQ(count_str(json, "\"rerun\": true"), LB_POLICY_COUNT);
	CHECK_EQ(count_str(json, "\"winner\": false"), 3); /* unit, each row */
	CHECK(strstr(json, "{\"row\": 1, \"preset\": \"tdx-4k\", \"pre_accepted_bytes\": 0, "
			   "\"workload\": \"fill\", \"vcpus\": 4, \"cpus\": 4, \"rate\": 262144, "
			   "\"unit_bytes\": 2097152, \"rerun\": false, \"demand_bytes_per_s\": "
			   "4294967296, \"reach_bytes_per_s\": ") != NULL);
	CHECK(strstr(json, "\"policy\": \"eager\", \"acceptors\": 0, \"lat_p999_ns\": 0, "
			   "\"max_lag_ns\": 0, \"committed_peak_bytes\": 17179869184, "
			   "\"accepted_bytes\": 12884901888, \"total_accept_cpu_ns\": 0, "
			   "\"boot_ns\": 40000000000, \"check\": \"ok\", \"winner\": true}") != NULL);
	/* Not judged beyond reach; judged on the re-run. */
	CHECK(strstr(json, "\"targets\": {\"p999\": null, \"max_lag\": null, \"accepted\": null, "
			   "\"committed_peak\": null, \"boot\": null}}") != NULL);
	judged = strstr(json, "\"targets\": {\"p999\": \"PASS\", \"max_lag\": \"MISS\", "
			      "\"accepted\": \"PASS\", \"committed_peak\": \"PASS\", "
			      "\"boot\": \"PASS\"}}");
	CHECK(judged && strstr(json, "\"rerun\": true") < judged);
	/* The trace: no rate, demand unknown, the name escaped. */
	CHECK(strstr(json, "{\"row\": 3, \"preset\": \"a \\\"preset\\\"\", \"pre_accepted_bytes\": "
			   "536870912, \"workload\": \"trace\", \"vcpus\": 2, \"cpus\": 2, "
			   "\"rate\": 0, \"unit_bytes\": 4096, \"rerun\": false, "
			   "\"demand_bytes_per_s\": null, \"reach_bytes_per_s\": 1610612736, ") != NULL);
	free(json);
	empty = print_json(r, o, 0);
	REQUIRE(empty);
	CHECK(strcmp(empty, "[]\n") == 0);
	free(empty);
}

static char *print_text(const struct lbs_pb_row *r, const struct lbs_pb_outcome *o, size_t n,
			int *ok)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++)
		lbs_pb_print_row(f, i, &r[i], &o[i]);
	*ok = lbs_pb_print_summary(f, r, o, n);
	fclose(f);
	return buf;
}

/* Every line within 100 columns. */
static size_t widest(const char *s)
{
	size_t w = 0;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		if (len > w)
			w = len;
		s += len + (nl != NULL);
	}
	return w;
}

/* The verdict: every run ok, adaptive in every winner set and meeting
 * every judged target; else FAIL, saying which. */
TEST(pbench_text_and_verdict)
{
	struct lbs_pb_row r[3];
	struct lbs_pb_outcome o[3];
	char *text;
	int ok = -1;

	hand_rows(r, o);
	text = print_text(r, o, 3, &ok);
	REQUIRE(text);
	CHECK(ok == 0);
	CHECK(strstr(text, "adaptive misses a target on 1 judged rows") != NULL);
	CHECK(strstr(text, "#1    tdx-4k fw 0    unit 2M fill   4 vCPUs 262144/s demand  4.00 "
			   "reach  0.99 GiB/s: beyond reach\n") != NULL);
	CHECK(strstr(text, "#2    tdx-4k fw 0    unit 2M fill   4 vCPUs  33000/s demand  0.49 "
			   "reach  0.99 GiB/s: re-run at half\n") != NULL);
	CHECK(strstr(text, "#3    a \"preset\" fw 512M unit 4K trace  2 vCPUs        - demand  "
			   "0.00 reach  1.50 GiB/s: unknown\n") != NULL);
	CHECK(strstr(text, "\n  adaptive's targets: p99.9 PASS, lag MISS, accepted PASS, "
			   "committed PASS, boot PASS\n") != NULL);
	CHECK(strstr(text, "winners: eager, exact, linux, background, adaptive; adaptive's "
			   "targets not judged\n") != NULL);
	CHECK(strstr(text, "rows: 3, of which 1 re-run") != NULL);
	CHECK(widest(text) <= 100);
	free(text);

	o[1].run[LB_POLICY_ADAPTIVE].m[LBS_PB_LAG] = 1;
	lbs_pb_judge(&o[1], 1);
	text = print_text(r, o, 3, &ok);
	REQUIRE(text);
	CHECK(ok == 1 && strstr(text, "result: PASS") != NULL);
	free(text);

	/* Adaptive beaten on every count by exact on one row. */
	o[2].run[LB_POLICY_EXACT] = o[2].run[LB_POLICY_ADAPTIVE];
	o[2].run[LB_POLICY_EXACT].m[LBS_PB_CPU]--;
	lbs_pb_judge(&o[2], 0);
	text = print_text(r, o, 3, &ok);
	REQUIRE(text);
	CHECK(ok == 0 && strstr(text, "adaptive outside the winner set of 1 rows") != NULL);
	free(text);

	/* A run whose check is not ok fails the bench. */
	hand_rows(r, o);
	o[1].run[LB_POLICY_ADAPTIVE].m[LBS_PB_LAG] = 1;
	lbs_pb_judge(&o[1], 1);
	snprintf(o[0].run[LB_POLICY_LINUX].check, sizeof o[0].run[0].check, "I2 broken");
	lbs_pb_judge(&o[0], 0);
	text = print_text(r, o, 3, &ok);
	REQUIRE(text);
	CHECK(ok == 0 && strstr(text, "1 runs not ok") != NULL);
	CHECK(strstr(text, " I2 broken\n") != NULL);
	free(text);
}

/* The widest row the bench makes, with every policy a winner, and the
 * intro: within 100 columns. */
TEST(pbench_text_within_100_columns)
{
	struct lbs_pb_row r = {"snp-4k", 0, 512 * MIB, 4096, LBS_WL_CHURN, 16, 100000, 0,
			       43.52 * GIB, 1.35 * GIB};
	struct lbs_pb_outcome o;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	REQUIRE(f);
	memset(&o, 0, sizeof o);
	for (int p = 0; p < LB_POLICY_COUNT; p++) {
		o.run[p] = run6(9999999999u, 99999999999u, 16 * GIB, 16 * GIB, 999999999999u,
				99999999999u);
		o.run[p].acceptors = 64;
		o.win[p] = 1;
	}
	lbs_pb_print_intro(f);
	lbs_pb_print_row(f, 455, &r, &o);
	r.rerun = 1;
	r.rate = 262143; /* below the default rates: fill's is 262144 */
	for (int t = 0; t < LBS_PB_NTARGETS; t++)
		o.target[t] = LBS_PB_MISS;
	lbs_pb_print_row(f, 998, &r, &o);
	fclose(f);
	REQUIRE(buf);
	CHECK(widest(buf) <= 100);
	CHECK(strstr(buf, "#456 ") && strstr(buf, "#999 "));
	free(buf);
}
