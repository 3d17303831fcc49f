/* SPDX-License-Identifier: MIT */
/*
 * lbsim's resting threads (drive.h): a run whose acceptor and releaser
 * sleep while the library says they rest gives what the same run stepping
 * them every period gives (LBSIM_POLL=1), to every field but what running
 * it cost; and an hour of virtual time at 10 operations a second costs
 * steps in proportion to its operations, not to its milliseconds.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/lbsim/run/replay.h"
#include "../tools/lbsim/run/sim.h"
#include "../tools/lbsim/run/tracebuf.h"
#include "test_lbsim_json.h"

#define MIB (UINT64_C(1) << 20)

/* What running a run cost: wall clock, coroutine switches, steps. */
static const char *const cost[] = {"init_ns", "replay_wall_ns", "events_per_sec", "sched_switches",
				   "bg_steps"};

static void same(const struct lbs_result *ev, const struct lbs_result *po, const char *what)
{
	char why[200], m[300];

	CHECK(strcmp(ev->check, "ok") == 0);
	if (result_differs(ev, po, cost, sizeof cost / sizeof cost[0], why, sizeof why)) {
		snprintf(m, sizeof m, "%s, %s: %s", what, ev->policy, why);
		lbt_fail(__FILE__, __LINE__, m);
	}
	CHECK(ev->bg_steps <= po->bg_steps);
}

/* One run: a synthetic workload (tb NULL) or a trace replay. */
struct run {
	const struct lbs_sim_config *sim;
	enum lbs_workload w;
	const struct lbs_replay_config *replay;
	const struct lbs_tracebuf *tb;
};

static int run_one(const struct run *r, enum lb_policy p, int polling, struct lbs_result *out)
{
	int rc;

	if (polling)
		setenv("LBSIM_POLL", "1", 1);
	rc = r->tb ? lbs_replay_run(r->replay, r->tb, p, out, NULL, NULL)
		   : lbs_sim_run(r->sim, p, r->w, out);
	unsetenv("LBSIM_POLL");
	return rc;
}

/* The run under background and adaptive, resting and polling. */
static void both_ways(const struct run *r, const char *what)
{
	static const enum lb_policy pol[] = {LB_POLICY_BACKGROUND, LB_POLICY_ADAPTIVE};

	for (size_t i = 0; i < 2; i++) {
		struct lbs_result ev, po;

		REQUIRE(run_one(r, pol[i], 0, &ev) == 0);
		REQUIRE(run_one(r, pol[i], 1, &po) == 0);
		same(&ev, &po, what);
	}
}

static void synthetic(const struct lbs_sim_config *c, enum lbs_workload w, const char *what)
{
	struct run r = {c, w, NULL, NULL};

	both_ways(&r, what);
}

TEST(lbsim_rest_synthetic_runs_as_polling)
{
	struct lbs_sim_config c;

	lbs_sim_defaults(&c);
	c.memory_bytes = 256 * MIB;
	c.rate = 20;
	c.churn_ops = 1500;
	c.vcpus = 2;
	c.acceptors = 3;
	snprintf(c.backend, sizeof c.backend, "tdx");
	synthetic(&c, LBS_WL_CHURN, "churn at 20/s, 2 vCPUs, 3 acceptors, tdx");

	c.rate = 1000;
	c.churn_ops = 20000;
	c.vcpus = c.cpus = 4;
	c.load_pct = 90;
	c.acceptors = 0;
	synthetic(&c, LBS_WL_CHURN, "churn at 1000/s, 4 busy vCPUs");

	lbs_sim_defaults(&c);
	c.memory_bytes = 256 * MIB;
	c.vcpus = 4;
	c.rate = 500;
	synthetic(&c, LBS_WL_FILL, "fill at 500/s, 4 vCPUs");

	c.vcpus = 1;
	c.rate = 0;
	c.unit_bytes = 4096;
	snprintf(c.backend, sizeof c.backend, "snp");
	synthetic(&c, LBS_WL_BOOT, "boot, 4 KiB unit, snp");

	/* adaptive's thread in the idle class: its steps come late, when the
	 * one CPU idles, after the rest was seen on by a look in between */
	c.rate = 26214;
	snprintf(c.backend, sizeof c.backend, "tdx-4k");
	synthetic(&c, LBS_WL_FILL, "fill at 26214/s, 1 vCPU, 4 KiB unit, tdx-4k");
}

/* The shipped trace on tdx, where the acceptor's rest ends at window
 * closes (of windows that hold pages not yet counted) as well as at once. */
TEST(lbsim_rest_trace_replay_as_polling)
{
	struct lbs_replay_config c;
	struct run r = {NULL, LBS_WL_CHURN, NULL, NULL};
	struct lbs_tracebuf tb;
	char err[256], path[4096];
	const char *f = __FILE__, *slash = strrchr(f, '/');

#if LB_DEBUG >= 2
	/* The full checker every 64 operations makes these runs take
	 * minutes; the release and ASan builds run them. */
	printf("    (skipped in the debug build)\n");
	return;
#endif
	snprintf(path, sizeof path, "%.*s/../data/traces/default.txt.zst",
		 slash ? (int)(slash - f) : 1, slash ? f : ".");
	REQUIRE(lbs_tracebuf_load(&tb, path, err, sizeof err) == 0);
	lbs_replay_defaults(&c);
	snprintf(c.sim.backend, sizeof c.sim.backend, "tdx");
	r.replay = &c;
	r.tb = &tb;
	both_ways(&r, "the shipped trace on tdx");
	lbs_tracebuf_free(&tb);
}

/* An hour at 10 churn operations a second, 8 acceptor threads: the
 * steps run follow the operations (a few per allocation, one releaser
 * pass per 2 s delay), where polling threads would step 8 times a
 * millisecond, 28.8 million times. */
TEST(lbsim_rest_idle_hour_costs_its_operations)
{
	struct lbs_sim_config c;
	struct lbs_result r;

	lbs_sim_defaults(&c);
	c.memory_bytes = 64 * MIB;
	c.rate = 10;
	c.churn_ops = 36000;
	c.acceptors = 8;
	REQUIRE(lbs_sim_run(&c, LB_POLICY_ADAPTIVE, LBS_WL_CHURN, &r) == 0);
	CHECK(strcmp(r.check, "ok") == 0);
	CHECK(r.virtual_time_ns >= UINT64_C(3600) * 1000000000u);
	CHECK(r.bg_steps <= 4 * (r.allocations + r.frees) + r.virtual_time_ns / 1000000000u);
}
