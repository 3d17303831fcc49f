/* SPDX-License-Identifier: MIT */
/*
 * Free memory held in per-CPU caches is not lost to larger allocations:
 * an allocation that fails while caches hold free blocks asks every cache
 * to drain itself at its next operation (as Linux drains its per-CPU lists
 * before giving up), and a cache's own slow path drains itself at once.
 */
#include "fixture.h"
#include "harness.h"

#include "../src/internal.h" /* DRAIN_HOLD_ALLOCS */

#include <pthread.h>
#include <stdlib.h>

struct dfx {
	struct fx f;
	struct lb_cache *c;
	void *mem;
};

/* One accepted section; the cache ends up holding 64 order-0 pages (its
 * budget on a zone this small: one batch). */
static int dfx_init(struct dfx *t)
{
	uint64_t a[100];
	int rc = fx_init(&t->f, fx_map4acc, 1, LB_POLICY_EXACT);

	if (rc)
		return rc;
	t->mem = aligned_alloc(64, (lb_cache_size() + 63) & ~(size_t)63);
	rc = lb_cache_init(&t->c, t->f.z, t->mem, lb_cache_size());
	for (int i = 0; !rc && i < 100; i++)
		rc = lb_cache_alloc(t->c, 0, 0, &a[i]);
	for (int i = 0; !rc && i < 100; i++)
		rc = lb_cache_free(t->c, a[i], 0);
	return rc;
}

static void dfx_fini(struct dfx *t)
{
	lb_cache_fini(t->c);
	free(t->mem);
	fx_fini(&t->f);
}

static uint64_t cached(struct dfx *t)
{
	struct lb_stats st;

	lb_zone_stats(t->f.z, &st);
	return st.cached_pages;
}

/* lb_alloc cannot drain a cache it does not own: it fails, and the cache
 * drains itself at its next operation, so the retry succeeds. */
TEST_TSAN(cache_drain_requested_by_a_failed_alloc)
{
	struct dfx t;
	uint64_t big, a;

	REQUIRE(dfx_init(&t) == 0);
	/* the cache's budget is full: the zone serves the one block */
	REQUIRE(lb_cache_alloc(t.c, 4, 0, &big) == 0);
	CHECK_EQ(cached(&t), 64);
	CHECK_EQ(lb_alloc(t.f.z, 10, 0, &a), LB_ENOMEM);
	CHECK_EQ(cached(&t), 64); /* untouched: the cache is its owner's */
	CHECK_EQ(lb_cache_free(t.c, big, 4), 0);
	CHECK_EQ(cached(&t), 0);
	CHECK_EQ(lb_alloc(t.f.z, 10, 0, &a), 0);
	CHECK(fx_ok(&t.f));
	CHECK_EQ(lb_free(t.f.z, a, 10), 0);
	/* The request is honoured once: the cache fills again as usual. */
	CHECK_EQ(lb_cache_alloc(t.c, 0, 0, &a), 0);
	CHECK_EQ(cached(&t), 63);
	CHECK_EQ(lb_cache_free(t.c, a, 0), 0);
	CHECK_EQ(cached(&t), 64);
	CHECK(fx_ok(&t.f));
	dfx_fini(&t);
}

/* A drain request holds until the retry it was for has had its chance:
 * meanwhile the owner's cache passes its blocks through (an allocation
 * takes one block from the zone, a free gives it straight back) instead of
 * filling up again, so the retry finds the memory; after it, the cache
 * fills as usual. */
TEST_TSAN(cache_drain_holds_until_the_retry)
{
	struct dfx t;
	uint64_t big, a;

	REQUIRE(dfx_init(&t) == 0);
	REQUIRE(lb_alloc(t.f.z, 4, 0, &big) == 0);
	CHECK_EQ(lb_alloc(t.f.z, 10, 0, &a), LB_ENOMEM); /* asks the cache to drain */
	CHECK_EQ(lb_free(t.f.z, big, 4), 0);
	for (int i = 0; i < 3; i++) { /* the owner goes on meanwhile */
		CHECK_EQ(lb_cache_alloc(t.c, 0, 0, &a), 0);
		CHECK_EQ(lb_cache_free(t.c, a, 0), 0);
		CHECK_EQ(cached(&t), 0);
	}
	CHECK_EQ(lb_alloc(t.f.z, 10, 0, &big), 0); /* the retry */
	CHECK_EQ(lb_free(t.f.z, big, 10), 0);
	CHECK_EQ(lb_cache_alloc(t.c, 0, 0, &a), 0);
	CHECK_EQ(lb_cache_free(t.c, a, 0), 0);
	CHECK_EQ(lb_cache_alloc(t.c, 0, 0, &a), 0); /* filling as usual again */
	CHECK_EQ(cached(&t), 63);
	CHECK_EQ(lb_cache_free(t.c, a, 0), 0);
	CHECK(fx_ok(&t.f));
	dfx_fini(&t);
}

/* A cache's own slow path drains the cache at once before it fails: for
 * its own orders (a refill that finds nothing) and above them (lb_alloc). */
static void own_drain(unsigned order)
{
	struct dfx t;
	struct lb_stats st;
	uint64_t a, rest;

	REQUIRE(dfx_init(&t) == 0);
	lb_zone_stats(t.f.z, &st);
	rest = st.free_accepted_pages;
	CHECK_EQ(rest, 1024 - 64);
	for (uint64_t i = 0; i < rest; i++) /* the zone's free memory, all of it */
		REQUIRE(lb_alloc(t.f.z, 0, 0, &a) == 0);
	CHECK_EQ(lb_cache_alloc(t.c, order, 0, &a), 0); /* merged from order 0 */
	CHECK_EQ(cached(&t), 0);
	CHECK(fx_ok(&t.f));
	CHECK_EQ(lb_cache_free(t.c, a, order), 0);
	CHECK(fx_ok(&t.f));
	dfx_fini(&t);
}

TEST_TSAN(cache_slow_path_drains_its_own_cache)
{
	own_drain(1);
	own_drain(3);
	own_drain(5);
}

/* LB_ALLOC_NOWAIT answers LB_EAGAIN only when accepting could serve it:
 * the caller's own cache, merged back, is looked at first. The zone's
 * accepted memory is all in the cache and the zone's free lists, none of
 * it a whole order-10 block; the cache's pages make one. */
TEST(cache_nowait_looks_in_its_own_cache)
{
	static const struct lb_range map[] = {
		{ 0, 4 * MiB, LB_MEM_ACCEPTED },
		{ 4 * MiB, 12 * MiB, LB_MEM_UNACCEPTED },
	};
	struct dfx t;
	uint64_t a[100], big;

	REQUIRE(fx_init(&t.f, map, 2, LB_POLICY_EXACT) == 0);
	t.mem = aligned_alloc(64, (lb_cache_size() + 63) & ~(size_t)63);
	REQUIRE(lb_cache_init(&t.c, t.f.z, t.mem, lb_cache_size()) == 0);
	for (int i = 0; i < 100; i++)
		REQUIRE(lb_cache_alloc(t.c, 0, 0, &a[i]) == 0);
	for (int i = 0; i < 100; i++)
		REQUIRE(lb_cache_free(t.c, a[i], 0) == 0);
	CHECK_EQ(cached(&t), 128);
	CHECK_EQ(lb_cache_alloc(t.c, 10, LB_ALLOC_NOWAIT, &big), 0);
	CHECK_EQ(big, 0);
	CHECK_EQ(cached(&t), 0);
	CHECK_EQ(lb_cache_free(t.c, big, 10), 0);
	CHECK(fx_ok(&t.f));
	dfx_fini(&t);
}

/* The same across threads: the owner honours the request of another
 * thread's failed allocation on its next operation. */
struct owner {
	struct dfx *t;
	uint64_t big;
	int go, done, rc;
};

static void *owner_main(void *p)
{
	struct owner *o = p;

	while (!__atomic_load_n(&o->go, __ATOMIC_ACQUIRE))
		;
	o->rc = lb_cache_free(o->t->c, o->big, 4);
	__atomic_store_n(&o->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

TEST_TSAN(cache_threads_drain_on_request)
{
	struct dfx t;
	struct owner o = { .t = &t };
	pthread_t th;
	uint64_t a;

	REQUIRE(dfx_init(&t) == 0);
	t.f.sb.check_lock = false;
	REQUIRE(lb_cache_alloc(t.c, 4, 0, &o.big) == 0);
	pthread_create(&th, NULL, owner_main, &o);
	CHECK_EQ(lb_alloc(t.f.z, 10, 0, &a), LB_ENOMEM);
	__atomic_store_n(&o.go, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	CHECK_EQ(o.rc, 0);
	CHECK_EQ(lb_alloc(t.f.z, 10, 0, &a), 0);
	CHECK(fx_ok(&t.f));
	dfx_fini(&t);
}

/* Across threads, the owner going on between the request and the retry
 * (half of the allocations the hold waits for the retry): its cache
 * passes through, so another thread's retry finds the memory the drain
 * gave back (before the hold, the owner's next allocation refilled 64
 * pages and the retry failed again). */
struct busy_owner {
	struct dfx *t;
	int go, rounds_done, rc;
};

static void *busy_owner_main(void *p)
{
	struct busy_owner *o = p;
	uint64_t a;

	while (!__atomic_load_n(&o->go, __ATOMIC_ACQUIRE))
		;
	for (int i = 0; i < DRAIN_HOLD_ALLOCS / 2 && !o->rc; i++) {
		o->rc = lb_cache_alloc(o->t->c, 0, 0, &a);
		if (!o->rc)
			o->rc = lb_cache_free(o->t->c, a, 0);
	}
	__atomic_store_n(&o->rounds_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

TEST_TSAN(cache_threads_drain_holds_for_the_retry)
{
	struct dfx t;
	struct busy_owner o = { .t = &t };
	pthread_t th;
	uint64_t a, big;

	REQUIRE(dfx_init(&t) == 0);
	t.f.sb.check_lock = false;
	pthread_create(&th, NULL, busy_owner_main, &o);
	REQUIRE(lb_alloc(t.f.z, 4, 0, &big) == 0);
	CHECK_EQ(lb_alloc(t.f.z, 10, 0, &a), LB_ENOMEM);
	CHECK_EQ(lb_free(t.f.z, big, 4), 0);
	__atomic_store_n(&o.go, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL); /* the owner drained, and went on */
	CHECK_EQ(o.rc, 0);
	CHECK_EQ(cached(&t), 0);
	CHECK_EQ(lb_alloc(t.f.z, 10, 0, &a), 0);
	CHECK_EQ(lb_free(t.f.z, a, 10), 0);
	CHECK(fx_ok(&t.f));
	dfx_fini(&t);
}
