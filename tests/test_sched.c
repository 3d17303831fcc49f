/* SPDX-License-Identifier: MIT */
/*
 * lbsim's scheduler (discrete events in virtual time, actors that sleep
 * across backend calls on coroutines) and the timed backend on top of it:
 * order, interleaving, parallel calls, contention, the global lock, waits
 * for memory in flight.
 */
#include "harness.h"

#include <string.h>

#include "../tools/lbsim/run/sched.h"
#include "../tools/lbsim/run/timed.h"
#include "test_model.h"

#define MIB (UINT64_C(1) << 20)
/* The test model: one 2 MiB call, 512 pages. */
#define UNIT_COST (UINT64_C(5000) + UINT64_C(512) * 7200u)

enum { DO_NOTHING, DO_SLEEP, DO_ACCEPT, DO_WAIT };

struct step {
	uint64_t when;
	int what;
	uint64_t arg; /* DO_SLEEP: until; DO_ACCEPT: address (2 MiB) */
};

#define MAX_STEPS 4
#define MAX_LOG 32

struct yields;

struct world {
	struct lbs_sched s;
	struct lbs_timed t;
	struct lb_backend be;
	struct step script[4][MAX_STEPS];
	unsigned nsteps[4], next[4];
	/* what happened: actor, time at its start and at its end */
	unsigned log_actor[MAX_LOG];
	uint64_t log_start[MAX_LOG], log_end[MAX_LOG];
	unsigned nlog;
	int waited[4];
	struct yields *y; /* sched_yield_and_what_comes_after */
};

static void event(void *ctx, unsigned a)
{
	struct world *w = ctx;
	const struct step *st = &w->script[a][w->next[a]++];
	unsigned i = w->nlog++;

	w->log_actor[i] = a;
	w->log_start[i] = lbs_sched_now(&w->s);
	if (st->what == DO_SLEEP)
		lbs_sched_sleep(&w->s, st->arg, LBS_SLEEP_CALL);
	else if (st->what == DO_ACCEPT)
		w->be.ops->accept(w->be.ctx, st->arg, 2 * MIB);
	else if (st->what == DO_WAIT)
		w->waited[a] = lbs_timed_wait_in_flight(&w->t);
	w->log_end[i] = lbs_sched_now(&w->s);
	if (w->next[a] < w->nsteps[a])
		lbs_sched_set(&w->s, a, w->script[a][w->next[a]].when);
}

static void add(struct world *w, unsigned a, uint64_t when, int what, uint64_t arg)
{
	struct step *st = &w->script[a][w->nsteps[a]++];

	st->when = when;
	st->what = what;
	st->arg = arg;
}

/* A world of n actors, the timed backend on the test model with the host's
 * capacity as given (percent of one accept; 0: no limit). */
static int world_init(struct world *w, unsigned n, enum lbs_lock lock, unsigned capacity)
{
	struct lbs_model mp;

	memset(w, 0, sizeof *w);
	mp = lbt_model;
	mp.host_capacity_pct = capacity;
	if (lbs_timed_init(&w->t, &mp, n, n, lock, &w->be) ||
	    lbs_sched_init(&w->s, n, event, w))
		return -1;
	lbs_timed_attach(&w->t, &w->s);
	return 0;
}

static int world_run(struct world *w, unsigned n)
{
	for (unsigned a = 0; a < n; a++)
		if (w->nsteps[a])
			lbs_sched_set(&w->s, a, w->script[a][0].when);
	return lbs_sched_run(&w->s);
}

static void world_fini(struct world *w)
{
	lbs_sched_fini(&w->s);
	lbs_timed_fini(&w->t);
}

/* Events run in time order; a sleeper's wake-up goes before an event at
 * the same time; other actors run while one sleeps. */
TEST(sched_order_and_sleep)
{
	static const unsigned want_actor[] = {0, 1, 1, 2, 1};
	static const uint64_t want_start[] = {0, 10, 50, 100, 150};
	static const uint64_t want_end[] = {100, 10, 50, 100, 150};
	struct world w;

	REQUIRE(world_init(&w, 3, LBS_LOCK_UNIT, 0) == 0);
	add(&w, 0, 0, DO_SLEEP, 100);
	add(&w, 1, 10, DO_NOTHING, 0);
	add(&w, 1, 50, DO_NOTHING, 0);
	add(&w, 1, 150, DO_NOTHING, 0);
	add(&w, 2, 100, DO_NOTHING, 0);
	REQUIRE(world_run(&w, 3) == 0);
	CHECK_EQ(w.nlog, 5);
	for (unsigned i = 0; i < 5 && i < w.nlog; i++) {
		CHECK_EQ(w.log_actor[i], want_actor[i]);
		CHECK_EQ(w.log_start[i], want_start[i]);
		CHECK_EQ(w.log_end[i], want_end[i]);
	}
	/* Actor 2's event at 100 ran after actor 0 woke at 100: the log
	 * closes actor 0's entry first (its end is written when it wakes). */
	CHECK(w.s.switches > 0);
	world_fini(&w);
}

/* A sleep that nothing comes before returns at once, without a switch. */
TEST(sched_sleep_fast_path)
{
	struct world w;

	REQUIRE(world_init(&w, 2, LBS_LOCK_UNIT, 0) == 0);
	add(&w, 0, 0, DO_SLEEP, 100);
	add(&w, 0, 100, DO_SLEEP, 300);
	add(&w, 1, 500, DO_NOTHING, 0);
	REQUIRE(world_run(&w, 2) == 0);
	CHECK_EQ(w.nlog, 3);
	CHECK_EQ(w.log_end[1], 300);
	CHECK_EQ(w.log_start[2], 500);
	CHECK_EQ(w.s.switches, 2); /* into the loop and back out */
	world_fini(&w);
}

/* The yield hook: who let others see what it did, when, and which
 * actors' events at that moment would come after it (bit a). */
struct yields {
	unsigned n, actor[MAX_LOG], after[MAX_LOG];
	uint64_t now[MAX_LOG];
};

static void on_yield(void *ctx)
{
	struct world *w = ctx;
	struct yields *y = w->y;
	unsigned i = y->n++, bits = 0;

	for (unsigned a = 0; a < 4; a++)
		bits |= (unsigned)lbs_sched_event_after(&w->s, a) << a;
	y->actor[i] = lbs_sched_actor(&w->s);
	y->now[i] = lbs_sched_now(&w->s);
	y->after[i] = bits;
}

/* An actor yields as it sleeps and as its event ends. An event at the
 * same time comes after an event of a lower actor and after any resumed
 * sleeper, before an event of a higher one: what lbsim's resting threads
 * are woken by (drive.c). */
TEST(sched_yield_and_what_comes_after)
{
	struct world w;
	struct yields y = {0};

	REQUIRE(world_init(&w, 4, LBS_LOCK_UNIT, 0) == 0);
	w.y = &y;
	w.s.yield = on_yield;
	add(&w, 0, 50, DO_SLEEP, 100);
	add(&w, 2, 100, DO_NOTHING, 0);
	REQUIRE(world_run(&w, 4) == 0);
	REQUIRE(y.n == 3);
	/* actor 0 sleeps at 50, an event: higher actors come after it */
	CHECK(y.actor[0] == 0 && y.now[0] == 50 && y.after[0] == 0xe);
	/* it resumes at 100 from its call, before any event then */
	CHECK(y.actor[1] == 0 && y.now[1] == 100 && y.after[1] == 0xf);
	/* actor 2's event at 100: only actor 3's would come after it */
	CHECK(y.actor[2] == 2 && y.now[2] == 100 && y.after[2] == 0x8);
	world_fini(&w);
}

/* Many actors sleeping across each other, more than one coroutine deep:
 * every actor ends exactly when its sleeps say, whatever the nesting. */
TEST(sched_many_sleepers)
{
	struct world w;

	REQUIRE(world_init(&w, 4, LBS_LOCK_UNIT, 0) == 0);
	for (unsigned a = 0; a < 4; a++) {
		add(&w, a, a, DO_SLEEP, 1000 - 100 * a); /* the last to start ends first */
		add(&w, a, 2000, DO_SLEEP, 2000 + 10 * (4 - a));
	}
	REQUIRE(world_run(&w, 4) == 0);
	CHECK_EQ(w.nlog, 8);
	for (unsigned i = 0; i < w.nlog; i++) {
		unsigned a = w.log_actor[i];
		int second = w.log_start[i] >= 2000;
		CHECK_EQ(w.log_end[i], second ? 2000 + 10 * (4 - a) : 1000 - 100 * a);
	}
	world_fini(&w);
}

/* Two accepts of different units overlap in time. With no limit, or a
 * host that does two accepts' worth at once, each costs the model's figure;
 * on a host of 1.5 they share it while both run (each at 3/4 of full
 * speed), so the first, alone for 500 ns, ends later than alone and the
 * second 500 ns after it, each a third slower on what they shared. */
TEST(timed_parallel_and_contention)
{
	static const unsigned cap[] = {0, 200, 150};

	for (unsigned i = 0; i < 3; i++) {
		uint64_t shared = (UNIT_COST - 500) * (cap[i] == 150 ? 4 : 3) / 3;
		struct world w;

		REQUIRE(world_init(&w, 2, LBS_LOCK_UNIT, cap[i]) == 0);
		add(&w, 0, 1000, DO_ACCEPT, 2 * MIB);
		add(&w, 1, 1500, DO_ACCEPT, 4 * MIB);
		REQUIRE(world_run(&w, 2) == 0);
		CHECK_EQ(w.nlog, 2);
		CHECK_NEAR(w.log_end[0], 1500 + shared, 1);
		CHECK_NEAR(w.log_end[1], 1500 + shared + 500, 2);
		CHECK_EQ(w.t.wait[0] + w.t.wait[1], 0);
		CHECK_NEAR(w.t.busy[0], 500 + shared, 1);
		CHECK_NEAR(w.t.busy[1], 500 + shared, 2);
		CHECK_EQ(w.t.accept_calls, 2);
		CHECK_NEAR(w.t.max_call_ns, 500 + shared, 2);
		world_fini(&w);
	}
}

/* k accepts that start together end together, whatever their actor
 * numbers: on the presets' host (2.08 accepts at once) four each take
 * 4 / 2.08 times their own. */
TEST(timed_contention_symmetric)
{
	struct world w;

	REQUIRE(world_init(&w, 4, LBS_LOCK_UNIT, 208) == 0);
	for (unsigned a = 0; a < 4; a++)
		add(&w, a, 1000, DO_ACCEPT, (2 + 2 * (uint64_t)a) * MIB);
	REQUIRE(world_run(&w, 4) == 0);
	CHECK_EQ(w.nlog, 4);
	for (unsigned i = 0; i < w.nlog; i++)
		CHECK_NEAR(w.log_end[i], 1000 + UNIT_COST * 400 / 208, 1);
	world_fini(&w);
}

/* A waiter wakes at once when memory comes back (the library's spinning
 * waiter would see a free at once), and counts only the time it waited. */
static void waker_event(void *ctx, unsigned a)
{
	struct world *w = ctx;

	if (a == 2)
		lbs_timed_wake_waiters(&w->t);
	event(ctx, a);
}

TEST(timed_waiter_woken_by_free)
{
	struct world w;

	REQUIRE(world_init(&w, 3, LBS_LOCK_UNIT, 0) == 0);
	lbs_sched_fini(&w.s);
	REQUIRE(lbs_sched_init(&w.s, 3, waker_event, &w) == 0);
	add(&w, 0, 1000, DO_ACCEPT, 2 * MIB);
	add(&w, 1, 1500, DO_WAIT, 0);
	add(&w, 2, 2500, DO_NOTHING, 0); /* frees something */
	REQUIRE(world_run(&w, 3) == 0);
	CHECK_EQ(w.t.wait[1], 1000);
	CHECK_EQ(w.waited[1], 1);
	world_fini(&w);
}

/* One global lock: the second accept starts when the first ends, and the
 * time before counts as its wait. */
TEST(timed_global_lock)
{
	struct world w;

	REQUIRE(world_init(&w, 2, LBS_LOCK_GLOBAL, 150) == 0);
	add(&w, 0, 1000, DO_ACCEPT, 2 * MIB);
	add(&w, 1, 1500, DO_ACCEPT, 4 * MIB);
	REQUIRE(world_run(&w, 2) == 0);
	CHECK_EQ(w.log_end[1], 1000 + 2 * UNIT_COST); /* serial: no contention either */
	CHECK_EQ(w.t.wait[1], UNIT_COST - 500);
	CHECK_EQ(w.t.busy[1], UNIT_COST);
	world_fini(&w);
}

/* Waiting for memory in flight: until the first call in flight ends, after
 * its owner has resumed; nothing in flight, no wait. */
TEST(timed_wait_in_flight)
{
	struct world w;

	REQUIRE(world_init(&w, 2, LBS_LOCK_UNIT, 0) == 0);
	add(&w, 0, 1000, DO_ACCEPT, 2 * MIB);
	add(&w, 1, 1500, DO_WAIT, 0);
	add(&w, 1, 1000 + 2 * UNIT_COST, DO_WAIT, 0);
	REQUIRE(world_run(&w, 2) == 0);
	CHECK_EQ(w.nlog, 3);
	CHECK_EQ(w.log_actor[0], 0);
	CHECK_EQ(w.log_end[0], 1000 + UNIT_COST);
	CHECK_EQ(w.log_end[1], 1000 + UNIT_COST);
	CHECK_EQ(w.t.wait[1], UNIT_COST - 500);
	CHECK_EQ(w.waited[1], 0); /* the second wait found nothing in flight */
	world_fini(&w);
}

/* Before the scheduler runs (zone set-up), calls cost set-up time. */
TEST(timed_setup_clock)
{
	struct lbs_model mp;
	struct lbs_timed t;
	struct lb_backend be;

	mp = lbt_model;
	REQUIRE(lbs_timed_init(&t, &mp, 2, 4, LBS_LOCK_UNIT, &be) == 0);
	REQUIRE(be.ops->accept(be.ctx, 2 * MIB, 2 * MIB) == 0);
	REQUIRE(be.ops->accept(be.ctx, 4 * MIB, 2 * MIB) == 0);
	CHECK_EQ(t.setup_ns, 2 * UNIT_COST);
	CHECK_EQ(t.accept_calls, 2);
	lbs_timed_fini(&t);
	CHECK(lbs_timed_init(&t, &mp, 0, 4, LBS_LOCK_UNIT, &be) == LB_EINVAL);
	CHECK(lbs_timed_init(&t, &mp, 5, 4, LBS_LOCK_UNIT, &be) == LB_EINVAL);
}
