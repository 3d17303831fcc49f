/* SPDX-License-Identifier: MIT */
/*
 * Tests of lbsim's trace replay: the hand-written fixtures of two vCPUs
 * (waits, the global lock, the acceptor, causality), determinism, a golden
 * summary of the shipped trace, JSON, CSV and the HTML report.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tools/lbsim/output/csv.h"
#include "../tools/lbsim/results/fields.h"
#include "../tools/lbsim/output/output.h"
#include "../tools/lbsim/run/replay.h"
#include "../tools/lbsim/report/report.h"
#include "../tools/lbsim/run/tracebuf.h"
#include "test_lbsim_json.h"
#include "test_lbsim_json.h"
#include "test_model.h"

/* tdx: one 2 MiB call, 512 pages; the same call all along beside another
 * accept (the test model's host does 1.5 accepts' worth at once: each at
 * 3/4 of full speed). */
#define UNIT_COST (UINT64_C(5000) + UINT64_C(512) * 7200u)
#define CONTENDED(c) ((c) * 4u / 3u)
#define MIB (UINT64_C(1) << 20)

/* A file beside this one (fixtures/NAME) or in the tree (../NAME). */
static const char *here(const char *rel)
{
	static char path[4096];
	const char *f = __FILE__, *slash = strrchr(f, '/');
	int dir = slash ? (int)(slash - f) : 0;

	if (dir)
		snprintf(path, sizeof path, "%.*s/%s", dir, f, rel);
	else
		snprintf(path, sizeof path, "%s", rel);
	return path;
}

/* ------------------------------------------------------------ fixtures */

/* The fixtures test the replay's clockwork to the nanosecond: every
 * background thread has an idle CPU of its own (16 CPUs for the two
 * traced ones) and the vCPUs are idle between their events (--load 0), so
 * nobody's time is stolen (cpus.h; tested on its own in test_cpus.c). */
static void fixture_config(struct lbs_replay_config *c, enum lbs_lock lock)
{
	lbs_replay_defaults(c);
	lbt_use_test_model(&c->sim);
	c->sim.memory_bytes = 64 * MIB;
	c->sim.pre_accepted_bytes = 0;
	c->sim.cpus = 16;
	c->sim.load_pct = 0;
	c->boot = 0;
	c->sim.lock = lock;
}

/* The thread counts the fixtures' figures were worked out with. */
static void fixture_threads(struct lbs_replay_config *c, enum lb_policy p)
{
	c->sim.acceptors = p == LB_POLICY_ADAPTIVE ? 8u : 1u;
}

static int load(struct lbs_tracebuf *tb, const char *rel)
{
	char err[256];
	int rc = lbs_tracebuf_load(tb, here(rel), err, sizeof err);
	if (rc)
		printf("    %s\n", err);
	return rc;
}

/* Two vCPUs needing memory at once accept two units in parallel, the
 * second with the host contention of two accepts at once; one global lock
 * makes the second wait for the first. */
TEST(replay_fixture_parallel_accepts)
{
	struct lbs_replay_config c;
	struct lbs_tracebuf tb;
	struct lbs_result r;

	REQUIRE(load(&tb, "fixtures/replay-same-moment.txt") == 0);
	CHECK_EQ(tb.nvcpus, 2);
	CHECK_EQ(tb.n, 6);
	for (int lock = 0; lock < 2; lock++) {
		fixture_config(&c, (enum lbs_lock)lock);
		REQUIRE(lbs_replay_run(&c, &tb, LB_POLICY_UNIT, &r, NULL, NULL) == 0);
		CHECK(strcmp(r.check, "ok") == 0);
		/* two units, nothing else (set-up accepted the small pieces) */
		CHECK(r.accepted_bytes - r.setup_accepted_bytes == 4 * MIB);
		CHECK_EQ(r.vcpus, 2);
		CHECK_EQ(r.allocations, 5);
		CHECK_EQ(r.frees, 1);
		CHECK_EQ(r.alloc_failures, 0);
		CHECK(r.allocated_bytes_end == (416u + 1u) * 4096u);
		if (lock == LBS_LOCK_UNIT) {
			/* 1 us alone, then both share the host to their ends */
			uint64_t each = 1000 + CONTENDED(UNIT_COST - 1000);

			CHECK_EQ(r.wait_ns, 0);
			CHECK_NEAR(r.lat_max, each, 2);
			CHECK_NEAR(r.vcpu_accept_ns, 2 * each, 2);
			CHECK(strcmp(r.lock, "unit") == 0);
		} else {
			CHECK_EQ(r.wait_ns, UNIT_COST - 1000);
			CHECK_EQ(r.lat_max, 2 * UNIT_COST - 1000);
			CHECK_EQ(r.vcpu_accept_ns, 2 * UNIT_COST);
			CHECK(strcmp(r.lock, "global") == 0);
		}
		lbs_result_free(&r);
	}
	lbs_tracebuf_free(&tb);
}

TEST(replay_fixture_background)
{
	struct lbs_replay_config c;
	struct lbs_tracebuf tb;
	struct lbs_result r;

	REQUIRE(load(&tb, "fixtures/replay-same-moment.txt") == 0);
	fixture_config(&c, LBS_LOCK_UNIT);
	fixture_threads(&c, LB_POLICY_BACKGROUND);
	/* The acceptor runs from the trace's start and is done by 101 s: the
	 * vCPUs find accepted memory and accept nothing themselves. */
	REQUIRE(lbs_replay_run(&c, &tb, LB_POLICY_BACKGROUND, &r, NULL, NULL) == 0);
	CHECK(strcmp(r.check, "ok") == 0);
	CHECK(r.acceptor_cpu_ns > 0);
	CHECK(r.accepted_bytes > 0);
	CHECK_EQ(r.vcpu_accept_ns, 0);
	lbs_result_free(&r);
	/* Without the acceptor, no acceptor time. */
	REQUIRE(lbs_replay_run(&c, &tb, LB_POLICY_UNIT, &r, NULL, NULL) == 0);
	CHECK_EQ(r.acceptor_cpu_ns, 0);
	CHECK_EQ(r.releaser_cpu_ns, 0);
	lbs_result_free(&r);
	lbs_tracebuf_free(&tb);
}

/* The acceptor's batch is in flight until its call ends, as in the
 * threaded allocator: vCPUs meanwhile accept units themselves, and nobody
 * is handed memory the acceptor is still accepting (the simulator used to
 * publish each batch when its pass started: 108 ms of waits here). */
TEST(replay_fixture_acceptor_ahead)
{
	struct lbs_replay_config c;
	struct lbs_tracebuf tb;
	struct lbs_result r;

	REQUIRE(load(&tb, "fixtures/replay-acceptor-ahead.txt") == 0);
	CHECK_EQ(tb.n, 12);
	fixture_config(&c, LBS_LOCK_UNIT);
	fixture_threads(&c, LB_POLICY_BACKGROUND);
	REQUIRE(lbs_replay_run(&c, &tb, LB_POLICY_BACKGROUND, &r, NULL, NULL) == 0);
	CHECK(strcmp(r.check, "ok") == 0);
	CHECK_EQ(r.alloc_failures, 0);
	CHECK_EQ(r.wait_ns, 0);
	/* the four faults before the first batch ends, at about 100.039 s,
	 * each accepting a unit beside it */
	CHECK_NEAR(r.vcpu_accept_ns, 4 * CONTENDED(UNIT_COST), 4);
	CHECK_NEAR(r.lat_max, CONTENDED(UNIT_COST), 2);
	CHECK(r.acceptor_cpu_ns >= 3 * (UINT64_C(8) * 5000u + UINT64_C(4096) * 7200u));
	lbs_result_free(&r);
	/* adaptive: a reserve of four units, one unit a pass (3.7 ms): only the
	 * first fault, as the first pass starts, accepts for itself, beside it. */
	fixture_threads(&c, LB_POLICY_ADAPTIVE);
	REQUIRE(lbs_replay_run(&c, &tb, LB_POLICY_ADAPTIVE, &r, NULL, NULL) == 0);
	CHECK(strcmp(r.check, "ok") == 0);
	CHECK_EQ(r.wait_ns, 0);
	CHECK_NEAR(r.vcpu_accept_ns, CONTENDED(UNIT_COST), 2);
	CHECK_NEAR(r.lat_max, CONTENDED(UNIT_COST), 2);
	lbs_result_free(&r);
	lbs_tracebuf_free(&tb);
}

/* With nothing but the acceptor's batch left, a vCPU waits for it (the
 * library would spin), and for no longer than the call has left. */
TEST(replay_fixture_in_flight_wait)
{
	struct lbs_replay_config c;
	struct lbs_tracebuf tb;
	struct lbs_result r;

	REQUIRE(load(&tb, "fixtures/replay-in-flight.txt") == 0);
	fixture_config(&c, LBS_LOCK_UNIT);
	fixture_threads(&c, LB_POLICY_BACKGROUND);
	c.sim.memory_bytes = 8 * MIB;
	REQUIRE(lbs_replay_run(&c, &tb, LB_POLICY_BACKGROUND, &r, NULL, NULL) == 0);
	CHECK(strcmp(r.check, "ok") == 0);
	CHECK_EQ(r.alloc_failures, 0);
	/* CPU 0's [2M, 4M) and the acceptor's [4M, 8M) start together and
	 * share the host until CPU 0's ends; the acceptor's half left goes
	 * at full speed */
	CHECK_NEAR(r.vcpu_accept_ns, CONTENDED(UNIT_COST), 2);
	CHECK_NEAR(r.acceptor_cpu_ns, CONTENDED(UNIT_COST) + UNIT_COST, 2);
	CHECK_NEAR(r.wait_ns, CONTENDED(UNIT_COST) + UNIT_COST - 1000000, 2);
	CHECK_NEAR(r.lat_max, CONTENDED(UNIT_COST) + UNIT_COST - 1000000, 2);
	lbs_result_free(&r);
	lbs_tracebuf_free(&tb);
}

/* Every result field of a and b agrees, but what says how the CPUs' busy
 * time was known, and the wall clock, the coroutine switches and the
 * background steps run (more events, more of both). */
static void same_but_idle(const struct lbs_result *a, const struct lbs_result *b)
{
	static const char *const apart[] = {"trace_idle", "load_pct", "init_ns", "replay_wall_ns",
					    "events_per_sec", "sched_switches", "bg_steps"};
	char why[200];

	if (result_differs(a, b, apart, sizeof apart / sizeof apart[0], why, sizeof why))
		lbt_fail(__FILE__, __LINE__, why);
}

/* A trace that recorded its idle periods is replayed with them: one CPU
 * that never leaves taskA is busy between its faults as --load 100 makes
 * it, one that sleeps between them as --load 0 does, down to every field;
 * and the background acceptor, with no other CPU, steals less from the
 * CPU that sleeps. */
TEST(replay_recorded_idle_periods)
{
	struct lbs_tracebuf busy, idle, none;
	struct lbs_replay_config c;
	struct lbs_result rb, ri, rn;

	REQUIRE(load(&busy, "fixtures/replay-idle-busy.txt") == 0);
	REQUIRE(load(&idle, "fixtures/replay-idle-idle.txt") == 0);
	REQUIRE(load(&none, "fixtures/replay-idle-none.txt") == 0);
	CHECK(busy.have_idle && idle.have_idle && !none.have_idle);
	fixture_config(&c, LBS_LOCK_UNIT);
	c.sim.cpus = 0; /* the trace's one CPU */
	for (int p = LB_POLICY_UNIT; p <= LB_POLICY_BACKGROUND; p += LB_POLICY_BACKGROUND - LB_POLICY_UNIT) {
		c.sim.load_pct = 0; /* not used: the trace says */
		REQUIRE(lbs_replay_run(&c, &busy, (enum lb_policy)p, &rb, NULL, NULL) == 0);
		REQUIRE(lbs_replay_run(&c, &idle, (enum lb_policy)p, &ri, NULL, NULL) == 0);
		c.sim.load_pct = 100;
		REQUIRE(lbs_replay_run(&c, &none, (enum lb_policy)p, &rn, NULL, NULL) == 0);
		CHECK(rb.trace_idle && ri.trace_idle && !rn.trace_idle);
		CHECK_EQ(rb.cpus, 1);
		same_but_idle(&rb, &rn);
		lbs_result_free(&rn);
		c.sim.load_pct = 0;
		REQUIRE(lbs_replay_run(&c, &none, (enum lb_policy)p, &rn, NULL, NULL) == 0);
		same_but_idle(&ri, &rn);
		if (p == LB_POLICY_BACKGROUND) {
			CHECK(rb.stolen_ns > ri.stolen_ns);
			CHECK(rb.max_lag_ns > ri.max_lag_ns);
		}
		CHECK(strcmp(rb.check, "ok") == 0 && strcmp(ri.check, "ok") == 0);
		lbs_result_free(&rb);
		lbs_result_free(&ri);
		lbs_result_free(&rn);
	}
	lbs_tracebuf_free(&busy);
	lbs_tracebuf_free(&idle);
	lbs_tracebuf_free(&none);
}

/* The table says when a trace recorded no idle periods and --load stood in
 * for them, and only then. */
TEST(replay_idle_note)
{
	static const char *const file[] = {"fixtures/replay-idle-none.txt",
					   "fixtures/replay-idle-idle.txt"};
	struct lbs_replay_config c;

	for (int k = 0; k < 2; k++) {
		struct lbs_tracebuf tb;
		struct lbs_result r;
		char *buf = NULL;
		size_t len = 0;
		FILE *f;

		REQUIRE(load(&tb, file[k]) == 0);
		fixture_config(&c, LBS_LOCK_UNIT);
		c.sim.load_pct = 30;
		REQUIRE(lbs_replay_run(&c, &tb, LB_POLICY_UNIT, &r, NULL, NULL) == 0);
		f = open_memstream(&buf, &len);
		REQUIRE(f);
		lbs_print_trace_table(f, &r, 1, 1);
		fclose(f);
		CHECK((strstr(buf, "note: the trace recorded no idle periods (sched_switch events), "
				   "so each CPU was taken as busy 30% of\n      the time") != NULL) ==
		      (k == 0));
		free(buf);
		lbs_result_free(&r);
		lbs_tracebuf_free(&tb);
	}
}

/*
 * Causality: the zone sees operations in virtual-time order, whatever the
 * trace's order. CPU 1 runs 14.8 ms late after four huge-page faults, so
 * CPU 0's later events come first: CPU 0 accepts two units itself and
 * waits for nobody, and is never handed memory CPU 1 frees (or accepts)
 * in CPU 0's future. In trace order CPU 0 waited 18.5 ms for a unit CPU 1
 * had not even started accepting, and took the huge page CPU 1 freed late.
 */
TEST(replay_causal_lagging_vcpu)
{
	struct lbs_replay_config c;
	struct lbs_tracebuf tb;
	struct lbs_result r;

	REQUIRE(load(&tb, "fixtures/replay-causal.txt") == 0);
	CHECK_EQ(tb.nvcpus, 2);
	fixture_config(&c, LBS_LOCK_UNIT);
	REQUIRE(lbs_replay_run(&c, &tb, LB_POLICY_UNIT, &r, NULL, NULL) == 0);
	CHECK(strcmp(r.check, "ok") == 0);
	CHECK_EQ(r.alloc_failures, 0);
	CHECK_EQ(r.wait_ns, 0);
	/* four units on CPU 1, two on CPU 0, each of CPU 0's beside one of
	 * CPU 1's for most of its time; CPU 1's page is in CPU 0's unit */
	CHECK(r.lat_max <= CONTENDED(UNIT_COST) + 2);
	CHECK(r.lat_max > UNIT_COST);
	CHECK_NEAR(r.vcpu_accept_ns, 2 * UNIT_COST + 4 * CONTENDED(UNIT_COST), 8);
	CHECK_EQ(r.accepted_bytes - r.setup_accepted_bytes, 12 * MIB);
	lbs_result_free(&r);
	lbs_tracebuf_free(&tb);
}

/* Linux's semantics for allocations that may not sleep: atomic ones
 * accept (acceptance does not sleep), trylock ones do not. Under exact the
 * atomic page costs one 4 KiB call, the atomic order-3 block one 32 KiB
 * call; the trylock order-10 block fails without a call. */
TEST(replay_atomic_accepts_as_linux)
{
	struct lbs_replay_config c;
	struct lbs_tracebuf tb;
	struct lbs_result r;

	REQUIRE(load(&tb, "fixtures/replay-atomic.txt") == 0);
	fixture_config(&c, LBS_LOCK_UNIT);
	for (int p = 0; p < LB_POLICY_COUNT; p++) {
		REQUIRE(lbs_replay_run(&c, &tb, (enum lb_policy)p, &r, NULL, NULL) == 0);
		CHECK(strcmp(r.check, "ok") == 0);
		CHECK_EQ(r.allocations, 6);
		if (p == LB_POLICY_EAGER) { /* everything was accepted at set-up */
			CHECK_EQ(r.alloc_failures, 0);
		} else if (p == LB_POLICY_EXACT || p == LB_POLICY_UNIT) {
			CHECK_EQ(r.alloc_failures, 1);
			CHECK_EQ(r.nowait_failures, 1);
		}
		if (p == LB_POLICY_EXACT)
			CHECK_EQ(r.accepted_bytes - r.setup_accepted_bytes, 4096 + 32768);
		lbs_result_free(&r);
	}
	lbs_tracebuf_free(&tb);
}

/* A vCPU waiting for memory in flight takes memory freed meanwhile at
 * once (it used to wait for the whole call in flight: 3.6 ms here). */
TEST(replay_free_wakes_waiter)
{
	struct lbs_replay_config c;
	struct lbs_tracebuf tb;
	struct lbs_result r;

	REQUIRE(load(&tb, "fixtures/replay-free-wakes.txt") == 0);
	CHECK_EQ(tb.nvcpus, 3);
	fixture_config(&c, LBS_LOCK_UNIT);
	c.sim.memory_bytes = 4 * MIB;
	REQUIRE(lbs_replay_run(&c, &tb, LB_POLICY_UNIT, &r, NULL, NULL) == 0);
	CHECK(strcmp(r.check, "ok") == 0);
	CHECK_EQ(r.alloc_failures, 0);
	CHECK_EQ(r.wait_ns, 100000);
	CHECK_EQ(r.lat_max, UNIT_COST); /* CPU 1's own unit */
	lbs_result_free(&r);
	lbs_tracebuf_free(&tb);
}

/* --------------------------------------------------------- shipped trace */

#define SHIPPED "../data/traces/default.txt.zst"

/* Every field but the wall clock's (lbs_results_same); the first that
 * differs is named. */
static int same(const struct lbs_result *a, const struct lbs_result *b)
{
	const struct lbs_field *f = NULL;

	if (lbs_results_same(a, b, &f))
		return 1;
	printf("    %s: %s differs\n", a->policy, f->name);
	return 0;
}

/* Replaying the same events twice gives the same results, whatever the
 * policy; a prefix of the shipped trace on a small guest keeps it quick
 * in the debug build (the full checker every 64 operations). */
TEST(replay_deterministic)
{
	struct lbs_replay_config c;
	struct lbs_tracebuf tb;
	struct lbs_result a, b;

	REQUIRE(load(&tb, SHIPPED) == 0);
	if (tb.n > 30000)
		tb.n = 30000;
	lbs_replay_defaults(&c);
	lbt_use_test_model(&c.sim);
	c.sim.memory_bytes = 512 * MIB;
	c.sim.pre_accepted_bytes = 64 * MIB;
	c.tail_ns = UINT64_C(2500000000);
	for (int p = 0; p < LB_POLICY_COUNT; p++) {
		REQUIRE(lbs_replay_run(&c, &tb, (enum lb_policy)p, &a, NULL, NULL) == 0);
		REQUIRE(lbs_replay_run(&c, &tb, (enum lb_policy)p, &b, NULL, NULL) == 0);
		if (!same(&a, &b) || strcmp(a.check, "ok") != 0) {
			char m[LBS_CHECK_MAX + 64];
			snprintf(m, sizeof m, "%s: not deterministic, or check: %s", a.policy,
				 a.check);
			lbt_fail(__FILE__, __LINE__, m);
		}
		CHECK(a.allocations > 0 && a.frees > 0);
	}
	lbs_tracebuf_free(&tb);
}

/*
 * On a real 2-CPU trace with nothing accepted by firmware, every policy
 * serves every allocation (the guest has room), and no allocation takes
 * longer than the most acceptance one allocation did itself plus one wait
 * for a call in flight: nobody waits for memory freed in its future.
 */
TEST(replay_latency_bounded_by_acceptance)
{
	struct lbs_replay_config c;
	struct lbs_tracebuf tb;
	struct lbs_result r;

	REQUIRE(load(&tb, SHIPPED) == 0);
#if LB_DEBUG >= 2
	tb.n = tb.n > 6000 ? 6000 : tb.n; /* the full checker runs every 64 operations */
#else
	tb.n = tb.n > 30000 ? 30000 : tb.n;
#endif
	lbs_replay_defaults(&c);
	lbt_use_test_model(&c.sim);
	c.sim.memory_bytes = UINT64_C(1) << 30;
	c.sim.pre_accepted_bytes = 0;
	c.tail_ns = 0;
	for (int p = 0; p < LB_POLICY_COUNT; p++) {
		REQUIRE(lbs_replay_run(&c, &tb, (enum lb_policy)p, &r, NULL, NULL) == 0);
		CHECK(strcmp(r.check, "ok") == 0);
		CHECK_EQ(r.alloc_failures, 0);
		CHECK(r.lat_max <= r.max_alloc_accept_ns + r.max_call_ns);
		if (p == LB_POLICY_UNIT || p == LB_POLICY_EXACT || p == LB_POLICY_LINUX)
			CHECK(r.max_alloc_accept_ns > 0);
		if (lbt_failed()) {
			printf("    %s: max %llu, own acceptance %llu, longest call %llu\n", r.policy,
			       (unsigned long long)r.lat_max,
			       (unsigned long long)r.max_alloc_accept_ns,
			       (unsigned long long)r.max_call_ns);
			lbs_result_free(&r);
			break;
		}
		lbs_result_free(&r);
	}
	lbs_tracebuf_free(&tb);
}

/*
 * The golden summary of the shipped trace: what the reader and the replay
 * make of data/traces/default.txt.zst. Computed once and asserted, so that
 * a change to the reader, the trace, the replay or the policies shows. After
 * such a change on purpose (a new trace, a policy change), regenerate: run
 * `build/lbtest replay_golden`; each failing CHECK_EQ prints the value it
 * got next to the one asserted; check that the new values make sense and
 * paste them here (data/traces/README.md quotes the reader's counts too).
 */
TEST(replay_golden_shipped_trace)
{
	struct lbs_tracebuf tb;
	const struct lb_trace_summary *s = &tb.sum;
	size_t idle = 0;

	REQUIRE(load(&tb, SHIPPED) == 0);
	CHECK_EQ(s->lines, 308938);
	CHECK_EQ(s->unknown_lines, 0);
	CHECK_EQ(s->events[LB_TRACE_ALLOC], 92112);
	CHECK_EQ(s->events[LB_TRACE_FREE], 83924);
	CHECK_EQ(s->events[LB_TRACE_FREE_BATCHED], 71927);
	CHECK_EQ(s->events[LB_TRACE_PCPU_DRAIN], 16769);
	CHECK_EQ(s->events[LB_TRACE_ALLOC_ZONE_LOCKED], 41321);
	CHECK_EQ(s->sched_lines, 2873);
	CHECK_EQ(s->check.incons[LB_TRACE_INC_FREE_UNSEEN], 2070);
	CHECK_EQ(s->check.incons[LB_TRACE_INC_DOUBLE_FREE], 32);
	CHECK_EQ(s->check.incons[LB_TRACE_INC_BATCHED_REPEAT], 71927);
	CHECK_EQ(s->check.incons[LB_TRACE_INC_ALLOC_ALLOCATED], 0);
	CHECK_EQ(lbs_tracebuf_incons(&tb), 2102); /* batched repeats left out */
	CHECK_EQ(s->pages_distinct, 2152166);
	CHECK_EQ(s->max_order, 10);
	CHECK_EQ(tb.n, 174598);      /* allocations, frees and switches into idle */
	for (size_t i = 0; i < tb.n; i++)
		idle += tb.ev[i].kind == LBS_EV_IDLE;
	CHECK_EQ(idle, 664);
	CHECK(tb.have_idle && tb.busy);
	CHECK_EQ(tb.max_id, 92112);
	CHECK_EQ(tb.nvcpus, 2);
	CHECK_EQ(tb.peak_live_bytes, 8665206784);
	CHECK_EQ(tb.ts_last - tb.ts_first, 11264518000);

#if LB_DEBUG >= 2
	/* The full checker every 64 operations makes a 16 GiB replay take
	 * minutes here; the release and ASan builds check the replay. */
	printf("    (replay part skipped in the debug build)\n");
#else
	struct lbs_replay_config c;
	struct lbs_result r;

	lbs_replay_defaults(&c); /* what `make run` does: 16 GiB, 4 GiB firmware, tdx-4k */
	REQUIRE(lbs_replay_run(&c, &tb, LB_POLICY_UNIT, &r, NULL, NULL) == 0);
	CHECK(strcmp(r.check, "ok") == 0);
	CHECK_EQ(r.trace_idle, 1);
	CHECK_EQ(r.allocations, 92112);
	CHECK_EQ(r.alloc_failures, 0);
	CHECK_EQ(r.frees, 81822);
	CHECK_EQ(r.replayed_events, 92112 + 81822);
	CHECK_EQ(r.accept_calls, 2593);
	CHECK_EQ(r.accepted_bytes, 5437915136);
	CHECK_EQ(r.vcpu_accept_ns, 10623521000);
	CHECK_EQ(r.wait_ns, 0);
	/* a unit, 512 accepts of 4 KiB and a refused 2 MiB try (4.097 ms):
	 * two at once fit the host's capacity (2.08), so neither slows */
	CHECK_EQ(r.lat_max, 4097000);
	/* memhog's CPUs were busy all along: what acceptance delayed in its
	 * burst is not made up until the pause after it */
	CHECK_EQ(r.max_lag_ns, 5334294000);
	/* boot's time that is not acceptance: 6 s + 16 GiB x 4.65 ms */
	CHECK_EQ(r.boot_other_ns, UINT64_C(6074400000));
	CHECK_EQ(r.boot_ns, r.boot_other_ns);
	lbs_result_free(&r);
	REQUIRE(lbs_replay_run(&c, &tb, LB_POLICY_LINUX, &r, NULL, NULL) == 0);
	CHECK(strcmp(r.check, "ok") == 0);
	CHECK_EQ(r.accept_calls, 1313);
	CHECK_EQ(r.accepted_bytes, 5507121152);
	CHECK_EQ(r.wait_ns, 0); /* 2.5 s when the zone ran events in trace order */
	CHECK_EQ(r.lat_max, 8194000); /* a 4 MiB block */
	/* 64 + 13 blocks of 4 MiB before watermarks, 8.194 ms each */
	CHECK_EQ(r.boot_ns - r.boot_other_ns, 77 * UINT64_C(8194000));
	lbs_result_free(&r);
	/* One lock: the two vCPUs' accepts no longer overlap. */
	c.sim.lock = LBS_LOCK_GLOBAL;
	REQUIRE(lbs_replay_run(&c, &tb, LB_POLICY_UNIT, &r, NULL, NULL) == 0);
	CHECK_EQ(r.wait_ns, 3981723000);
	CHECK_EQ(r.lat_max, 7428000);
	lbs_result_free(&r);
#endif
	lbs_tracebuf_free(&tb);
}

/* ------------------------------------------------------ outputs, report */

/* Fixture replays under two policies, with what the report draws. */
static int two_runs(struct lbs_result r[2], int keep)
{
	struct lbs_replay_config c;
	struct lbs_tracebuf tb;
	int rc;

	if (load(&tb, "fixtures/replay-same-moment.txt"))
		return -1;
	fixture_config(&c, LBS_LOCK_UNIT);
	c.keep_extra = keep;
	rc = lbs_replay_run(&c, &tb, LB_POLICY_UNIT, &r[0], NULL, NULL);
	if (!rc)
		rc = lbs_replay_run(&c, &tb, LB_POLICY_BACKGROUND, &r[1], NULL, NULL);
	lbs_tracebuf_free(&tb);
	return rc;
}

TEST(replay_json_keys)
{
	static const char *const keys[] = {
		"trace_events", "unknown_lines", "inconsistencies", "vcpus", "wait_ns",
		"events_per_sec", "acceptor_cpu_ns", "releaser_cpu_ns", "accept_lock",
		"footprint_bytes", "boot_ns", "committed_bytes_end", "policy", "check",
		"alloc_latency_ns", "free_unseen", "batched_repeat", "total",
	};
	struct lbs_result r[2];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	REQUIRE(two_runs(r, 0) == 0);
	f = open_memstream(&buf, &len);
	REQUIRE(f);
	lbs_print_json(f, r, 2);
	fclose(f);
	CHECK(json_valid(buf));
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		char pat[64];
		snprintf(pat, sizeof pat, "\"%s\":", keys[k]);
		if (count_str(buf, pat) != 2) {
			char m[96];
			snprintf(m, sizeof m, "key %s: %zu times, want 2", keys[k],
				 count_str(buf, pat));
			lbt_fail(__FILE__, __LINE__, m);
		}
	}
	CHECK(strstr(buf, "\"workload\": \"trace\"") != NULL);
	CHECK(strstr(buf, "\"vcpus\": 2,") != NULL);
	CHECK(strstr(buf, "\"trace_events\": 6,") != NULL);
	free(buf);
	lbs_result_free(&r[0]);
	lbs_result_free(&r[1]);
}

TEST(replay_csv)
{
	struct lbs_result r[2];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	REQUIRE(two_runs(r, 0) == 0);
	snprintf(r[1].check, sizeof r[1].check, "I5: \"x\", y");
	f = open_memstream(&buf, &len);
	REQUIRE(f);
	lbs_print_csv(f, r, 2);
	fclose(f);
	CHECK_EQ(count_str(buf, "\n"), 3);
	CHECK(strncmp(buf, "schema,policy,workload,backend,seed,", 36) == 0);
	CHECK(strstr(buf, ",wait_ns,") != NULL);
	CHECK(strstr(buf, ",accept_lock,") != NULL);
	CHECK(strstr(buf, ",inconsistencies_free_unseen,") != NULL);
	CHECK(strstr(buf, ",alloc_latency_ns_p99,") != NULL); /* the JSON key's name */
	CHECK(strstr(buf, "\n1,unit,trace,test,1,") != NULL);
	CHECK(strstr(buf, ",\"I5: \"\"x\"\", y\"\n") != NULL); /* quoted, quotes doubled */
	/* Every line has as many fields as the header (no field holds a comma
	 * outside quotes but the last one). */
	const char *line2 = strchr(buf, '\n') + 1;
	size_t head = 0, row = 0;
	for (const char *p = buf; *p != '\n'; p++)
		head += *p == ',';
	for (const char *p = line2; *p != '\n'; p++)
		row += *p == ',';
	CHECK_EQ(head, row);
	free(buf);
	lbs_result_free(&r[0]);
	lbs_result_free(&r[1]);
}

/* HTML void elements, which have no end tag. */
static int is_void(const char *name, size_t n)
{
	static const char *const v[] = {"meta", "br", "hr", "img", "link", "input"};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (strlen(v[i]) == n && strncmp(v[i], name, n) == 0)
			return 1;
	return 0;
}

/*
 * A small well-formedness check: every start tag is closed in order (or
 * self-closed, or an HTML void element), attribute values are quoted, text
 * has no bare '<' and every '&' starts an entity. Returns 0 or the offset
 * (+1) of the first problem.
 */
static size_t well_formed(const char *s)
{
	const char *stack[256];
	size_t len[256], depth = 0;
	const char *p = s;

	if (strncmp(p, "<!DOCTYPE html>", 15) == 0)
		p += 15;
	while (*p) {
		if (*p == '&') {
			const char *semi = strchr(p, ';');
			if (!semi || semi - p > 8)
				return (size_t)(p - s) + 1;
			p = semi + 1;
			continue;
		}
		if (*p != '<') {
			if (*p == '>')
				return (size_t)(p - s) + 1;
			p++;
			continue;
		}
		int closing = p[1] == '/';
		const char *name = p + 1 + closing, *q = name;
		while ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-')
			q++;
		size_t n = (size_t)(q - name);
		if (n == 0)
			return (size_t)(p - s) + 1;
		/* attributes: name="value" */
		while (*q && *q != '>' && !(q[0] == '/' && q[1] == '>')) {
			if (*q == '"') {
				const char *e = strchr(q + 1, '"');
				if (!e)
					return (size_t)(q - s) + 1;
				q = e + 1;
			} else if (*q == '<' || *q == '\'') {
				return (size_t)(q - s) + 1;
			} else {
				if (*q == '=' && q[1] != '"')
					return (size_t)(q - s) + 1;
				q++;
			}
		}
		if (!*q)
			return (size_t)(q - s) + 1;
		int self = *q == '/';
		p = q + (self ? 2 : 1);
		if (closing) {
			if (!depth || len[depth - 1] != n || strncmp(stack[depth - 1], name, n))
				return (size_t)(name - s) + 1;
			depth--;
		} else if (!self && !is_void(name, n)) {
			if (depth == 256)
				return (size_t)(name - s) + 1;
			stack[depth] = name;
			len[depth++] = n;
		}
	}
	return depth ? (size_t)(stack[depth - 1] - s) + 1 : 0;
}

TEST(replay_wellformed_checker_self_test)
{
	CHECK_EQ(well_formed("<!DOCTYPE html><html><head><meta charset=\"utf-8\"/></head>"
			     "<body><p>a &amp; b</p><svg><line x1=\"1\"/></svg></body></html>"),
		 0);
	CHECK(well_formed("<html><body></html>") != 0);
	CHECK(well_formed("<p>a < b</p>") != 0);
	CHECK(well_formed("<p>a & b</p>") != 0);
	CHECK(well_formed("<p x=1>a</p>") != 0);
	CHECK(well_formed("<svg><g></svg></g>") != 0);
	CHECK(well_formed("<p>") != 0);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1u);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

static int64_t series_sum(const struct lbs_result *r, enum lbs_series_kind k)
{
	int64_t sum = 0;

	for (unsigned i = 0; i < LBS_SERIES_N; i++)
		sum += r->extra->series.v[k][i];
	return sum;
}

TEST(replay_report_files)
{
	struct lbs_result r[2];
	char dir[256], path[512], want[600];
	const char *t = getenv("TMPDIR");
	char *html;

	REQUIRE(two_runs(r, 1) == 0);
	REQUIRE(r[0].extra && r[1].extra);
	/* The reserve's series ends where background's fixed reserve is; unit
	 * has none. */
	CHECK_EQ(series_sum(&r[0], LBS_S_RESERVE), 0);
	CHECK(series_sum(&r[1], LBS_S_RESERVE) > 0);
	CHECK_EQ((uint64_t)series_sum(&r[1], LBS_S_RESERVE), r[1].reserve_peak_bytes);
	snprintf(dir, sizeof dir, "%s/lbreport-XXXXXX", t && *t ? t : "/tmp");
	REQUIRE(mkdtemp(dir));
	snprintf(want, sizeof want, "%s/sub/index.html", dir);
	strcat(dir, "/sub"); /* created on the way */
	REQUIRE(lbs_write_report(dir, "heading <&>\n", "policy table\n", "legend\n",
				 "lbsim --trace 'a b.txt' --report x", r, 2, path, sizeof path) == 0);
	CHECK(strcmp(path, want) == 0);
	html = slurp(path);
	REQUIRE(html);
	/* the page says which run it is: the command, lbsim's version, the model */
	char made[200];
	snprintf(made, sizeof made, "Made by <code>lbsim --trace 'a b.txt' --report x</code>, "
				    "lbsim %s, on the cost model test.", lb_version());
	if (!strstr(html, made)) {
		lbt_fail(__FILE__, __LINE__, "the report does not state its command and version");
		printf("    %.200s\n", strstr(html, "Made by") ? strstr(html, "Made by") : "");
	}
	size_t bad = well_formed(html);
	if (bad) {
		char m[120];
		snprintf(m, sizeof m, "not well formed at offset %zu: %.40s", bad - 1,
			 html + bad - 1);
		lbt_fail(__FILE__, __LINE__, m);
	}
	/* Six charts: committed memory, the acceptor's reserve (background's
	 * run has one), CDF, accept calls, the bars, waits. */
	CHECK_EQ(count_str(html, "<svg xmlns=\"http://www.w3.org/2000/svg\""), 6);
	CHECK_EQ(count_str(html, "</svg>"), 6);
	CHECK(count_str(html, "<polyline") >= 9); /* two runs in four line charts, one in one */
	CHECK(strstr(html, "The acceptor's reserve") != NULL);
	CHECK(strstr(html, "heading &lt;&amp;&gt;") != NULL);
	CHECK(strstr(html, "policy table") != NULL);
	/* Self-contained: no script, nothing fetched. */
	CHECK(strstr(html, "<script") == NULL);
	CHECK(strstr(html, "src=") == NULL && strstr(html, "href=") == NULL);
	CHECK(strstr(html, "<title>lazybuddy") != NULL);
	free(html);
	unlink(path);
	rmdir(dir);
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
	lbs_result_free(&r[0]);
	lbs_result_free(&r[1]);
}
