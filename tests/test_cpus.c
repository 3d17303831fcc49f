/* SPDX-License-Identifier: MIT */
/*
 * The guest's CPUs (tools/lbsim/run/cpus.h) on the scheduler alone: where a
 * background call runs (an idle CPU without a stream, the idle stream CPU
 * needed latest, a busy stream it preempts, never an operation), what a
 * stream loses (stolen time), and the time a preempted stream is owed.
 */
#include "harness.h"

#include <string.h>

#include "../tools/lbsim/run/cpus.h"
#include "../tools/lbsim/run/sched.h"

#define MAX_ITEMS 4

/* A stream's operation: meant for `when`, `busy` ns of work before it,
 * `dur` ns inside it (an accept of its own). A background call: wanted at
 * `when`, holding its CPU for `dur` ns. */
struct item {
	uint64_t when, busy, dur;
};

struct world {
	struct lbs_sched s;
	struct lbs_cpus c;
	unsigned nstreams;
	struct item items[4][MAX_ITEMS];
	unsigned nitems[4], next[4];
	uint64_t start[4][MAX_ITEMS]; /* when each began: the operation, the call */
	uint32_t cpu[4][MAX_ITEMS];   /* the CPU a background call got */
};

static void schedule_stream(struct world *w, unsigned v)
{
	if (w->next[v] < w->nitems[v]) {
		const struct item *it = &w->items[v][w->next[v]];

		lbs_cpus_schedule(&w->c, v, lbs_sched_now(&w->s), it->when, it->busy, 0);
	} else {
		lbs_cpus_idle(&w->c, v);
	}
}

static void event(void *ctx, unsigned a)
{
	struct world *w = ctx;
	unsigned i = w->next[a]++;
	const struct item *it = &w->items[a][i];

	if (a < w->nstreams) {
		lbs_cpus_begin(&w->c, a);
		w->start[a][i] = lbs_sched_now(&w->s);
		if (it->dur)
			lbs_sched_sleep(&w->s, lbs_sched_now(&w->s) + it->dur, LBS_SLEEP_CALL);
		schedule_stream(w, a);
		return;
	}
	lbs_cpus_take(&w->c);
	w->start[a][i] = lbs_sched_now(&w->s);
	w->cpu[a][i] = w->c.prev[a];
	lbs_sched_sleep(&w->s, lbs_sched_now(&w->s) + it->dur, LBS_SLEEP_CALL);
	lbs_cpus_give(&w->c);
	if (w->next[a] < w->nitems[a])
		lbs_sched_set(&w->s, a, w->items[a][w->next[a]].when);
}

static int world_init(struct world *w, unsigned ncpus, unsigned nstreams, unsigned nactors)
{
	memset(w, 0, sizeof *w);
	w->nstreams = nstreams;
	if (lbs_sched_init(&w->s, nactors, event, w))
		return -1;
	return lbs_cpus_init(&w->c, &w->s, ncpus, nstreams, nactors);
}

static void add(struct world *w, unsigned a, uint64_t when, uint64_t busy, uint64_t dur)
{
	w->items[a][w->nitems[a]++] = (struct item){when, busy, dur};
}

static int world_run(struct world *w)
{
	for (unsigned a = 0; a < w->s.nactors; a++) {
		if (a < w->nstreams)
			schedule_stream(w, a);
		else if (w->nitems[a])
			lbs_sched_set(&w->s, a, w->items[a][0].when);
	}
	return lbs_sched_run(&w->s);
}

static void world_fini(struct world *w)
{
	lbs_cpus_fini(&w->c);
	lbs_sched_fini(&w->s);
}

/* A CPU without a stream is taken first: the stream loses nothing. */
TEST(cpus_idle_cpu_without_a_stream_first)
{
	struct world w;

	REQUIRE(world_init(&w, 2, 1, 2) == 0);
	add(&w, 0, 100, 50, 10);
	add(&w, 0, 300, 50, 0);
	add(&w, 1, 120, 0, 1000);
	REQUIRE(world_run(&w) == 0);
	CHECK_EQ(w.cpu[1][0], 1);
	CHECK_EQ(w.start[1][0], 120);
	CHECK_EQ(w.start[0][1], 300);
	CHECK_EQ(w.c.stolen_ns, 0);
	CHECK_EQ(w.c.preemptions, 0);
	CHECK_EQ(w.c.held_ns, 1000);
	world_fini(&w);
}

/* One CPU, idle at 10: the call takes it until 110, and the stream, whose
 * work was to start at 80 for its operation at 100, starts it at 110 and
 * runs the operation at 130: 30 ns stolen, owed until 140. */
TEST(cpus_idle_stream_cpu_then_the_stream_waits)
{
	struct world w;

	REQUIRE(world_init(&w, 1, 1, 2) == 0);
	add(&w, 0, 0, 0, 0);
	add(&w, 0, 100, 20, 0);
	add(&w, 1, 10, 0, 100);
	REQUIRE(world_run(&w) == 0);
	CHECK_EQ(w.cpu[1][0], 0);
	CHECK_EQ(w.start[1][0], 10);
	CHECK_EQ(w.start[0][1], 130);
	CHECK_EQ(w.c.stolen_ns, 30);
	CHECK_EQ(w.c.preemptions, 0); /* it was idle when taken */
	CHECK_EQ(w.c.cpu[0].owed_until, 140);
	world_fini(&w);
}

/* A call that ends before the stream needs its CPU steals nothing. */
TEST(cpus_call_within_idle_time_steals_nothing)
{
	struct world w;

	REQUIRE(world_init(&w, 1, 1, 2) == 0);
	add(&w, 0, 0, 0, 0);
	add(&w, 0, 100, 20, 0);
	add(&w, 1, 10, 0, 70); /* ends at 80, when the stream's work starts */
	REQUIRE(world_run(&w) == 0);
	CHECK_EQ(w.start[0][1], 100);
	CHECK_EQ(w.c.stolen_ns, 0);
	world_fini(&w);
}

/* No CPU idle: the call preempts the stream busy from 100 to 200, at 150,
 * for 30 ns; the stream's other 50 ns of work follow: its operation at 230. */
TEST(cpus_preempts_a_busy_stream)
{
	struct world w;

	REQUIRE(world_init(&w, 1, 1, 2) == 0);
	add(&w, 0, 0, 0, 0);
	add(&w, 0, 200, 100, 0);
	add(&w, 1, 150, 0, 30);
	REQUIRE(world_run(&w) == 0);
	CHECK_EQ(w.start[1][0], 150);
	CHECK_EQ(w.start[0][1], 230);
	CHECK_EQ(w.c.stolen_ns, 30);
	CHECK_EQ(w.c.preemptions, 1);
	world_fini(&w);
}

/* A preempted stream is owed what it lost (30 ns from 180, so until 210):
 * a call wanted at 185 waits until then, and takes 10 ns more of it. */
TEST(cpus_a_preempted_stream_is_owed_its_time)
{
	struct world w;

	REQUIRE(world_init(&w, 1, 1, 2) == 0);
	add(&w, 0, 0, 0, 0);
	add(&w, 0, 200, 100, 0);
	add(&w, 1, 150, 0, 30);
	add(&w, 1, 185, 0, 10);
	REQUIRE(world_run(&w) == 0);
	CHECK_EQ(w.start[1][1], 210);
	/* work 100-150, 180-210, 220-240 */
	CHECK_EQ(w.start[0][1], 240);
	CHECK_EQ(w.c.stolen_ns, 40);
	CHECK_EQ(w.c.preemptions, 2);
	world_fini(&w);
}

/* An operation is never preempted (an accept call cannot be): the call
 * waits for its end, then takes the CPU it leaves idle. */
TEST(cpus_never_preempts_an_operation)
{
	struct world w;

	REQUIRE(world_init(&w, 1, 1, 2) == 0);
	add(&w, 0, 0, 0, 100);
	add(&w, 1, 10, 0, 5);
	REQUIRE(world_run(&w) == 0);
	CHECK_EQ(w.start[0][0], 0);
	CHECK_EQ(w.start[1][0], 100);
	CHECK_EQ(w.c.stolen_ns, 0);
	world_fini(&w);
}

/* Two idle stream CPUs: the call goes where the stream needs its CPU
 * latest (stream 1's work starts at 500, stream 0's at 100). */
TEST(cpus_idle_cpu_needed_latest)
{
	struct world w;

	REQUIRE(world_init(&w, 2, 2, 3) == 0);
	add(&w, 0, 200, 100, 0);
	add(&w, 1, 600, 100, 0);
	add(&w, 2, 50, 0, 100);
	REQUIRE(world_run(&w) == 0);
	CHECK_EQ(w.cpu[2][0], 1);
	CHECK_EQ(w.start[0][0], 200);
	CHECK_EQ(w.start[1][0], 600);
	CHECK_EQ(w.c.stolen_ns, 0);
	world_fini(&w);
}

/* Background threads come back to the CPU they had when it is free. */
TEST(cpus_previous_cpu_preferred)
{
	struct world w;

	REQUIRE(world_init(&w, 3, 1, 3) == 0);
	add(&w, 0, 1000, 0, 0);
	add(&w, 1, 0, 0, 50);  /* CPU 1 */
	add(&w, 2, 10, 0, 10); /* CPU 2: 1 is held */
	add(&w, 2, 100, 0, 10); /* both free: CPU 2 again */
	REQUIRE(world_run(&w) == 0);
	CHECK_EQ(w.cpu[1][0], 1);
	CHECK_EQ(w.cpu[2][0], 2);
	CHECK_EQ(w.cpu[2][1], 2);
	world_fini(&w);
}

/* More calls than CPUs: never two on one CPU; the third waits for the
 * first to end. */
TEST(cpus_one_call_per_cpu)
{
	struct world w;

	REQUIRE(world_init(&w, 2, 1, 4) == 0);
	add(&w, 0, 0, 0, 1000); /* the stream's CPU is in an operation */
	add(&w, 1, 10, 0, 100);
	add(&w, 2, 20, 0, 100);
	add(&w, 3, 30, 0, 100);
	REQUIRE(world_run(&w) == 0);
	CHECK_EQ(w.cpu[1][0], 1);
	CHECK_EQ(w.start[2][0], 110);
	CHECK_EQ(w.start[3][0], 210);
	CHECK_EQ(w.c.held_ns, 300);
	world_fini(&w);
}

/* Two CPUs freed at the same moment: two waiting threads get them then,
 * each woken once (a CPU freed wakes the longest waiter not yet woken). */
TEST(cpus_two_freed_at_once_wake_two)
{
	struct world w;

	REQUIRE(world_init(&w, 2, 2, 4) == 0);
	add(&w, 0, 0, 0, 100);
	add(&w, 1, 0, 0, 100);
	add(&w, 2, 10, 0, 50);
	add(&w, 3, 20, 0, 50);
	REQUIRE(world_run(&w) == 0);
	CHECK_EQ(w.start[2][0], 100);
	CHECK_EQ(w.start[3][0], 100);
	CHECK(w.cpu[2][0] != w.cpu[3][0]);
	CHECK_EQ(w.c.held_ns, 100);
	world_fini(&w);
}
