/* SPDX-License-Identifier: MIT */
/*
 * An allocation that only memory in flight elsewhere could serve waits
 * for it, asleep: on the platform's wait (a condition variable tied to the
 * zone lock in hosted builds), woken by whoever publishes memory (an
 * accept or release done, a free, memory leaving flight). The waiter
 * looks again after each wake-up, takes accepted memory as soon as there
 * is some (I6), never accepts what another thread is accepting (I2), and
 * answers as soon as nothing is left in flight.
 *
 * The gate backend (tests/fixture.h) holds an accept until the test opens
 * it, so memory stays in flight as long as the test needs.
 */
#include "fixture.h"
#include "harness.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>

#define MS UINT64_C(1000000)

static uint64_t clock_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

	nanosleep(&ts, NULL);
}

/* An allocation on a thread of its own, timed in wall and CPU time. */
struct waiter {
	struct lb_zone *z;
	unsigned order;
	uint64_t addr, wall_ns, cpu_ns;
	int rc, done;
	pthread_t th;
};

static void *waiter_main(void *p)
{
	struct waiter *w = p;
	uint64_t wall = clock_of(CLOCK_MONOTONIC), cpu = clock_of(CLOCK_THREAD_CPUTIME_ID);

	w->rc = lb_alloc(w->z, w->order, 0, &w->addr);
	w->cpu_ns = clock_of(CLOCK_THREAD_CPUTIME_ID) - cpu;
	w->wall_ns = clock_of(CLOCK_MONOTONIC) - wall;
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static bool waiter_start(struct waiter *w, struct lb_zone *z, unsigned order)
{
	w->z = z;
	w->order = order;
	w->done = 0;
	return pthread_create(&w->th, NULL, waiter_main, w) == 0;
}

static bool waiter_done(struct waiter *w)
{
	return __atomic_load_n(&w->done, __ATOMIC_ACQUIRE);
}

/* Wait up to 2 s for the waiter to answer. */
static bool waiter_answers(struct waiter *w)
{
	for (int i = 0; i < 2000 && !waiter_done(w); i++)
		sleep_ns(MS);
	return waiter_done(w);
}

/* Wait up to 2 s until n allocations have waited (lb_stats.accept_waits). */
static bool waits_reach(struct lb_zone *z, uint64_t n)
{
	struct lb_stats st;

	for (int i = 0; i < 2000; i++) {
		lb_zone_stats(z, &st);
		if (st.accept_waits >= n)
			return true;
		sleep_ns(MS);
	}
	return false;
}

/* lb_zone_accept() on a thread of its own: its accept is held in the gate. */
struct accepter {
	struct lb_zone *z;
	int64_t got;
	pthread_t th;
};

static void *accepter_main(void *p)
{
	struct accepter *a = p;

	a->got = lb_zone_accept(a->z, 0);
	return NULL;
}

/*
 * The only unaccepted memory, 4 MiB, is in flight on another thread (its
 * accept held in the gate) when an allocation of 4 MiB comes: it waits,
 * 200 ms and more, and burns no CPU meanwhile (spinning on the lock did:
 * all of it). A free in between wakes it; it looks, finds nothing large
 * enough and sleeps again. When the accept ends, the waiter gets the
 * memory, and no backend call was its own (I2).
 */
TEST_TSAN(threads_wait_sleeps_until_the_accept_ends)
{
	static const struct lb_range map[] = {
		{ 0, 64 * KiB, LB_MEM_ACCEPTED },
		{ 4 * MiB, 4 * MiB, LB_MEM_UNACCEPTED },
	};
	struct gate_backend g;
	struct lb_backend gb;
	struct accepter a = { 0 };
	struct waiter w = { 0 };
	struct lb_stats st;
	struct fx f;
	uint64_t small;

	gate_init(&g, &gb);
	REQUIRE(fx_init_with(&f, map, 2, LB_POLICY_UNIT, 0, 0, gb) == 0);
	f.sb.check_lock = false; /* other threads hold the lock at times */
	a.z = f.z;
	REQUIRE(pthread_create(&a.th, NULL, accepter_main, &a) == 0);
	REQUIRE(gate_wait_held(&g, 1));
	REQUIRE(waiter_start(&w, f.z, LB_MAX_ORDER));
	CHECK(waits_reach(f.z, 1));

	sleep_ns(100 * MS);
	CHECK(lb_alloc(f.z, 0, 0, &small) == 0); /* accepted memory serves it at once */
	CHECK(lb_free(f.z, small, 0) == 0);      /* wakes the waiter, which sleeps again */
	sleep_ns(100 * MS);
	CHECK(!waiter_done(&w));
	CHECK_EQ(g.held, 1);

	gate_open(&g);
	pthread_join(a.th, NULL);
	CHECK_EQ(a.got, 4 * MiB);
	CHECK(waiter_answers(&w));
	pthread_join(w.th, NULL);
	CHECK_EQ(w.rc, 0);
	CHECK_EQ(w.addr, 4 * MiB);
	CHECK(sb_all_accepted(&f.sb, w.addr, 4 * MiB));
	CHECK(w.wall_ns >= 200 * MS);
	if (w.cpu_ns >= 20 * MS)
		printf("    the waiter ran %.1f ms of CPU in %.1f ms\n", (double)w.cpu_ns / 1e6,
		       (double)w.wall_ns / 1e6);
	CHECK(w.cpu_ns < 20 * MS);
	CHECK_EQ(g.calls, 1); /* the accepter's: the waiter accepted nothing */
	CHECK(!g.timed_out);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.accept_waits, 1);
	CHECK_EQ(st.in_flight_pages, 0);
	CHECK_EQ(lb_free(f.z, w.addr, LB_MAX_ORDER), 0);
	CHECK(fx_ok(&f));
	fx_fini(&f);
	gate_fini(&g);
}

/*
 * A waiter never waits while accepted memory could serve it (I6): a free
 * of a large enough block wakes it and it takes that block, while the
 * accept it was waiting for is still held in the gate.
 */
TEST_TSAN(threads_wait_takes_memory_freed_meanwhile)
{
	static const struct lb_range map[] = {
		{ 0, 4 * MiB, LB_MEM_ACCEPTED },
		{ 4 * MiB, 4 * MiB, LB_MEM_UNACCEPTED },
	};
	struct gate_backend g;
	struct lb_backend gb;
	struct accepter a = { 0 };
	struct waiter w = { 0 };
	struct fx f;
	uint64_t big;

	gate_init(&g, &gb);
	REQUIRE(fx_init_with(&f, map, 2, LB_POLICY_UNIT, 0, 0, gb) == 0);
	f.sb.check_lock = false;
	REQUIRE(lb_alloc(f.z, LB_MAX_ORDER, 0, &big) == 0 && big == 0);
	a.z = f.z;
	REQUIRE(pthread_create(&a.th, NULL, accepter_main, &a) == 0);
	REQUIRE(gate_wait_held(&g, 1));
	REQUIRE(waiter_start(&w, f.z, LB_MAX_ORDER));
	CHECK(waits_reach(f.z, 1));
	CHECK(!waiter_done(&w));

	CHECK_EQ(lb_free(f.z, big, LB_MAX_ORDER), 0);
	CHECK(waiter_answers(&w));
	CHECK_EQ(g.held, 1); /* the accept is still in flight */
	gate_open(&g);
	pthread_join(a.th, NULL);
	pthread_join(w.th, NULL);
	CHECK_EQ(w.rc, 0);
	CHECK_EQ(w.addr, 0);
	CHECK_EQ(a.got, 4 * MiB);
	CHECK_EQ(g.calls, 1);
	CHECK_EQ(lb_free(f.z, w.addr, LB_MAX_ORDER), 0);
	CHECK(fx_ok(&f));
	fx_fini(&f);
	gate_fini(&g);
}

/*
 * Memory leaving flight wakes the waiters even when none of it reaches the
 * free lists: here the accepting allocation keeps the whole block. Both
 * waiters wake (all are woken), find nothing in flight any more and answer
 * LB_ENOMEM, rather than sleep for ever.
 */
TEST_TSAN(threads_wait_ends_when_nothing_is_left_in_flight)
{
	static const struct lb_range map[] = {
		{ 0, 64 * KiB, LB_MEM_ACCEPTED },
		{ 4 * MiB, 4 * MiB, LB_MEM_UNACCEPTED },
	};
	struct gate_backend g;
	struct lb_backend gb;
	struct waiter first = { 0 }, w[2] = { { 0 }, { 0 } };
	struct fx f;

	gate_init(&g, &gb);
	REQUIRE(fx_init_with(&f, map, 2, LB_POLICY_UNIT, 0, 0, gb) == 0);
	f.sb.check_lock = false;
	REQUIRE(waiter_start(&first, f.z, LB_MAX_ORDER)); /* accepts, held in the gate */
	REQUIRE(gate_wait_held(&g, 1));
	REQUIRE(waiter_start(&w[0], f.z, LB_MAX_ORDER));
	REQUIRE(waiter_start(&w[1], f.z, 9));
	CHECK(waits_reach(f.z, 2));

	gate_open(&g);
	CHECK(waiter_answers(&first));
	CHECK_EQ(first.rc, 0);
	CHECK_EQ(first.addr, 4 * MiB);
	CHECK(waiter_answers(&w[0]));
	CHECK(waiter_answers(&w[1]));
	if (!waiter_done(&w[0]) || !waiter_done(&w[1]))
		lb_free(f.z, first.addr, LB_MAX_ORDER); /* let a sleeper go, to join it */
	else
		CHECK_EQ(lb_free(f.z, first.addr, LB_MAX_ORDER), 0);
	pthread_join(first.th, NULL);
	for (int i = 0; i < 2; i++) {
		pthread_join(w[i].th, NULL);
		CHECK_EQ(w[i].rc, LB_ENOMEM);
	}
	CHECK_EQ(g.calls, 1);
	CHECK(fx_ok(&f));
	fx_fini(&f);
	gate_fini(&g);
}
