/* SPDX-License-Identifier: MIT */
/*
 * The acceptor's knobs and its threads: the horizon of the rate-sized
 * reserve, the thread count, concurrent passes that count each other's
 * batches in flight (never above the reserve plus one unit less a page),
 * N threads reaching the reserve with no page accepted twice, a stop that
 * does not wait out the period, and start/stop raced from two threads.
 */
#include "fixture.h"
#include "harness.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MS UINT64_C(1000000)
#define PAGES(bytes) ((bytes) / LB_PAGE_SIZE)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_us(unsigned us)
{
	struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

static uint64_t free_accepted(struct lb_zone *z)
{
	struct lb_stats st;

	lb_zone_stats(z, &st);
	return st.free_accepted_pages;
}

/* Wait (2 s at most) until free accepted memory reaches pages. */
static bool wait_free_accepted(struct lb_zone *z, uint64_t pages)
{
	uint64_t deadline = now_ns() + 2000 * MS;

	while (free_accepted(z) < pages)
		if (now_ns() > deadline)
			return false;
		else
			sleep_us(200);
	return true;
}

TEST_TSAN(acceptor_config_refuses_too_many_threads)
{
	struct fx f;
	struct lb_acceptor_cfg good = { .reserve_bytes = 8 * MiB, .batch_bytes = 4 * MiB,
					.threads = LB_ACCEPTOR_MAX_THREADS };
	struct lb_acceptor_cfg bad = { .reserve_bytes = 32 * MiB, .batch_bytes = 8 * MiB,
				       .threads = LB_ACCEPTOR_MAX_THREADS + 1 };
	struct lb_stats st;

	REQUIRE(fx_init(&f, fx_map64, 2, LB_POLICY_BACKGROUND) == 0);
	CHECK_EQ(lb_acceptor_config(f.z, &good), 0);
	CHECK_EQ(lb_acceptor_config(f.z, &bad), LB_EINVAL);
	bad.threads = UINT32_MAX;
	CHECK_EQ(lb_acceptor_config(f.z, &bad), LB_EINVAL);
	/* The good configuration stands: 8 MiB reserve, 4 MiB a pass. */
	CHECK_EQ(lb_acceptor_step(f.z, 1 * MS), 4 * MiB);
	CHECK_EQ(lb_acceptor_step(f.z, 2 * MS), 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.reserve_pages, PAGES(8 * MiB));
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* The same demand under two horizons: the reserve scales with it. */
static uint64_t adaptive_reserve(uint64_t horizon_ns)
{
	static const struct lb_range map[] = {
		{ 0, 4 * MiB, LB_MEM_ACCEPTED },
		{ 4 * MiB, 1020 * MiB, LB_MEM_UNACCEPTED },
	};
	/* The predictors left out: the reserve is the smoothed rate times
	 * the horizon alone (tests/test_adaptive.c tests each part). */
	struct lb_acceptor_cfg ac = { .horizon_ns = horizon_ns, .adapt_off = LB_ADAPT_ALL,
				      .period_ns = 10 * MS }; /* its steps, below */
	struct fx f;
	struct lb_stats st = { 0 };
	uint64_t addr, t = 10 * MS;
	int rc;

	rc = fx_init(&f, map, 2, LB_POLICY_ADAPTIVE);
	if (!rc)
		rc = lb_acceptor_config(f.z, &ac);
	lb_acceptor_step(f.z, t);
	for (int i = 0; i < 5 && !rc; i++) {
		for (int k = 0; k < 2 && !rc; k++)
			rc = lb_alloc(f.z, 10, 0, &addr);
		lb_acceptor_step(f.z, t += 10 * MS); /* 8 MiB per 10 ms */
	}
	CHECK_EQ(rc, 0);
	lb_zone_stats(f.z, &st);
	CHECK(fx_ok(&f));
	fx_fini(&f);
	return st.reserve_pages;
}

TEST(acceptor_horizon_sizes_the_adaptive_reserve)
{
	uint64_t r50 = adaptive_reserve(50 * MS), r100 = adaptive_reserve(0),
		 r100x = adaptive_reserve(100 * MS), r25 = adaptive_reserve(25 * MS);

	CHECK_EQ(r100, r100x); /* 0 is 100 ms */
	/* 800 MiB/s smoothed over five samples: about 156k pages/s, so
	 * about 15.6k pages for 100 ms; all above the floor of four units. */
	CHECK(r100 > 12000 && r100 < 20000);
	CHECK(r50 * 2 >= r100 - 1 && r50 * 2 <= r100 + 1);
	CHECK(r25 * 4 >= r100 - 3 && r25 * 4 <= r100 + 3);
}

/* ------------------------------------------- concurrent passes, gated */

struct step_arg {
	struct lb_zone *z;
	int64_t got;
	int done; /* atomic */
};

static void *step_thread(void *p)
{
	struct step_arg *a = p;

	a->got = lb_acceptor_step(a->z, 5 * MS);
	__atomic_store_n(&a->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static int steps_done(struct step_arg *a, int n)
{
	int d = 0;

	for (int i = 0; i < n; i++)
		d += __atomic_load_n(&a[i].done, __ATOMIC_SEQ_CST);
	return d;
}

/*
 * Four passes at once, each batch held in flight by the gate. The reserve
 * counts the batches in flight: with 4 MiB free, a 16 MiB reserve and
 * 4 MiB batches three passes take a batch and the fourth finds nothing to
 * do (without the count it would take a fourth batch: 20 MiB). With a
 * 13 MiB reserve the third pass rounds its 1 MiB shortfall up to a whole
 * unit (14 MiB in all, below 13 MiB + one unit) and the fourth does nothing.
 */
static void gated_passes(uint64_t reserve, const int64_t *expect_got, uint64_t expect_free)
{
	struct gate_backend g;
	struct lb_backend gb;
	struct lb_acceptor_cfg ac = { .reserve_bytes = reserve, .batch_bytes = 4 * MiB };
	struct step_arg a[4];
	pthread_t th[4];
	struct fx f;
	struct lb_stats st;
	uint64_t deadline;
	int64_t sum = 0, want_sum = 0;
	int idle = 0;

	gate_init(&g, &gb);
	REQUIRE(fx_init_with(&f, fx_map64, 2, LB_POLICY_BACKGROUND, 0, 0, gb) == 0);
	f.sb.check_lock = false;
	REQUIRE(lb_acceptor_config(f.z, &ac) == 0);
	for (int i = 0; i < 4; i++) {
		a[i] = (struct step_arg){ f.z, 0, 0 };
		REQUIRE(pthread_create(&th[i], NULL, step_thread, &a[i]) == 0);
	}
	CHECK(gate_wait_held(&g, 3));
	deadline = now_ns() + 2000 * MS;
	while (steps_done(a, 4) < 1 && now_ns() < deadline)
		sleep_us(100);
	CHECK_EQ(steps_done(a, 4), 1); /* one pass returned at once ... */
	CHECK_EQ(g.held, 3);           /* ... while three are in flight */
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.in_flight_pages + st.free_accepted_pages, PAGES(expect_free));
	gate_open(&g);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		sum += a[i].got;
		idle += a[i].got == 0;
	}
	for (int i = 0; i < 4; i++)
		want_sum += expect_got[i];
	CHECK(!g.timed_out);
	CHECK_EQ(idle, 1);
	CHECK_EQ(sum, want_sum);
	CHECK_EQ(g.calls, 3);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.free_accepted_pages, PAGES(expect_free));
	CHECK(st.free_accepted_pages < PAGES(reserve + 2 * MiB)); /* one unit at most over */
	CHECK_EQ(st.background_accepted_pages, PAGES(expect_free - 4 * MiB));
	CHECK_EQ(st.in_flight_pages, 0);
	CHECK_EQ(lb_acceptor_step(f.z, 6 * MS), 0); /* at the reserve */
	CHECK(fx_ok(&f));
	fx_fini(&f);
	gate_fini(&g);
}

TEST_TSAN(threads_acceptor_passes_count_batches_in_flight)
{
	static const int64_t whole[4] = { 4 * MiB, 4 * MiB, 4 * MiB, 0 };
	static const int64_t rounded[4] = { 4 * MiB, 4 * MiB, 2 * MiB, 0 };

	gated_passes(16 * MiB, whole, 16 * MiB);
	gated_passes(13 * MiB, rounded, 14 * MiB);
}

/* --------------------------------------------- the acceptor's threads */

/* A slow backend (the strict backend's inner): each call sleeps, and
 * records the most calls at once and the most free accepted plus in
 * flight memory seen while a call runs (the zone lock is free then). */
struct slow {
	struct lb_zone *z;
	unsigned us;
	int cur, max;
	uint64_t max_total;
};

static int slow_accept(void *ctx, uint64_t addr, uint64_t size)
{
	struct slow *s = ctx;
	int c = __atomic_add_fetch(&s->cur, 1, __ATOMIC_SEQ_CST);
	struct lb_stats st;

	(void)addr;
	(void)size;
	if (c > __atomic_load_n(&s->max, __ATOMIC_SEQ_CST))
		__atomic_store_n(&s->max, c, __ATOMIC_SEQ_CST); /* near enough */
	sleep_us(s->us);
	lb_zone_stats(__atomic_load_n(&s->z, __ATOMIC_SEQ_CST), &st);
	if (st.free_accepted_pages + st.in_flight_pages >
	    __atomic_load_n(&s->max_total, __ATOMIC_SEQ_CST))
		__atomic_store_n(&s->max_total, st.free_accepted_pages + st.in_flight_pages,
				 __ATOMIC_SEQ_CST);
	__atomic_sub_fetch(&s->cur, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static int slow_release(void *ctx, uint64_t addr, uint64_t size)
{
	(void)ctx;
	(void)addr;
	(void)size;
	return 0;
}

static const struct lb_backend_ops slow_ops = {
	.name = "slow", .accept = slow_accept, .release = slow_release
};

/*
 * Four threads, 2 MiB batches, a 32 MiB reserve: they reach it exactly
 * (reserve and memory are whole units), never above it even counting the
 * batches in flight, with no page accepted twice (the strict backend and
 * the shadow record); after stop, nothing more is accepted.
 */
TEST_TSAN(threads_acceptor_four_threads_reach_the_reserve)
{
	struct slow s = { .us = 500 };
	struct lb_backend sb = { &slow_ops, &s };
	struct lb_acceptor_cfg ac = { .reserve_bytes = 32 * MiB, .batch_bytes = 2 * MiB,
				      .period_ns = 100000, .threads = 4 };
	struct fx f;
	struct lb_stats st;
	uint64_t addr, calls;

	REQUIRE(fx_init_with(&f, fx_map64, 2, LB_POLICY_BACKGROUND, 0, 0, sb) == 0);
	f.sb.check_lock = false;
	__atomic_store_n(&s.z, f.z, __ATOMIC_SEQ_CST);
	REQUIRE(lb_acceptor_config(f.z, &ac) == 0);
	REQUIRE(lb_acceptor_start(f.z) == 0);
	CHECK_EQ(lb_acceptor_start(f.z), LB_EINVAL); /* running already */
	CHECK(wait_free_accepted(f.z, PAGES(32 * MiB)));
	sleep_us(5000); /* passes at the reserve: nothing more */
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.free_accepted_pages, PAGES(32 * MiB));
	CHECK_EQ(st.background_accepted_pages, PAGES(28 * MiB));
	CHECK_EQ(st.accept_calls, 14);
	CHECK(__atomic_load_n(&s.max_total, __ATOMIC_SEQ_CST) <= PAGES(32 * MiB));
	CHECK(__atomic_load_n(&s.max, __ATOMIC_SEQ_CST) >= 2); /* threads overlapped */
	CHECK_EQ(lb_acceptor_stop(f.z), 0);
	/* Stopped: take memory below the reserve, nobody tops it up. */
	calls = f.sb.calls;
	for (int i = 0; i < 4; i++)
		REQUIRE(lb_alloc(f.z, 10, LB_ALLOC_NOWAIT, &addr) == 0);
	sleep_us(5000);
	CHECK_EQ(f.sb.calls, calls);
	CHECK_EQ(f.sb.double_accepts, 0);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* A 30 s period: the threads sleep at the reserve; stop wakes them. */
TEST_TSAN(threads_acceptor_stop_does_not_wait_out_the_period)
{
	struct lb_acceptor_cfg ac = { .reserve_bytes = 8 * MiB, .batch_bytes = 2 * MiB,
				      .period_ns = 30000 * MS, .threads = 3 };
	struct lb_releaser_cfg rc = { .delay_ns = 30000 * MS };
	struct fx f;
	uint64_t t0, took;

	REQUIRE(fx_init(&f, fx_map64, 2, LB_POLICY_BACKGROUND) == 0);
	f.sb.check_lock = false;
	REQUIRE(lb_acceptor_config(f.z, &ac) == 0);
	REQUIRE(lb_releaser_config(f.z, &rc) == 0);
	REQUIRE(lb_acceptor_start(f.z) == 0);
	REQUIRE(lb_releaser_start(f.z) == 0);
	CHECK(wait_free_accepted(f.z, PAGES(8 * MiB)));
	sleep_us(2000); /* all asleep by now */
	t0 = now_ns();
	CHECK_EQ(lb_acceptor_stop(f.z), 0);
	CHECK_EQ(lb_releaser_stop(f.z), 0);
	took = now_ns() - t0;
	CHECK(took < 300 * MS);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* Two threads start and stop the acceptor and the releaser over and over
 * at once: no double join, no hang (a watchdog aborts after 20 s), every
 * answer 0 or LB_EINVAL (running already), and no thread left after the
 * last stop. */
struct racer {
	struct lb_zone *z;
	int iters, bad, done;
};

static void *race_thread(void *p)
{
	struct racer *r = p;

	for (int i = 0; i < r->iters; i++) {
		int a = lb_acceptor_start(r->z), b = lb_releaser_start(r->z);

		r->bad += (a && a != LB_EINVAL) + (b && b != LB_EINVAL);
		if (i % 3 == 0)
			sleep_us(50);
		r->bad += lb_acceptor_stop(r->z) != 0;
		r->bad += lb_releaser_stop(r->z) != 0;
	}
	__atomic_store_n(&r->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

TEST_TSAN(threads_acceptor_start_stop_race)
{
	struct lb_acceptor_cfg ac = { .reserve_bytes = 8 * MiB, .batch_bytes = 2 * MiB,
				      .period_ns = 30000 * MS, .threads = 2 };
	struct lb_releaser_cfg rc = { .delay_ns = 30000 * MS };
	struct racer r[2];
	pthread_t th[2];
	struct fx f;
	uint64_t deadline, addr, calls;

	REQUIRE(fx_init(&f, fx_map64, 2, LB_POLICY_BACKGROUND) == 0);
	f.sb.check_lock = false;
	REQUIRE(lb_acceptor_config(f.z, &ac) == 0);
	REQUIRE(lb_releaser_config(f.z, &rc) == 0);
	for (int i = 0; i < 2; i++) {
		r[i] = (struct racer){ f.z, 100, 0, 0 };
		REQUIRE(pthread_create(&th[i], NULL, race_thread, &r[i]) == 0);
	}
	deadline = now_ns() + 20000 * MS;
	while (!(__atomic_load_n(&r[0].done, __ATOMIC_SEQ_CST) &&
		 __atomic_load_n(&r[1].done, __ATOMIC_SEQ_CST))) {
		if (now_ns() > deadline) {
			printf("    start/stop race: hung\n");
			abort();
		}
		sleep_us(1000);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		CHECK_EQ(r[i].bad, 0);
	}
	/* Both stopped last: take memory below the reserve, nobody tops up. */
	while (lb_alloc(f.z, 10, LB_ALLOC_NOWAIT, &addr) == 0)
		;
	calls = f.sb.calls;
	sleep_us(5000);
	CHECK_EQ(f.sb.calls, calls);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}
