/* SPDX-License-Identifier: MIT */
/*
 * Defects an outside attack suite found against the public API: a second
 * lb_cache_init on a live cache, a releaser floor that wrapped around,
 * getters that crashed on NULL, and a cache free that claimed a block
 * reallocated at another order.
 */
#include "fixture.h"
#include "harness.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MS UINT64_C(1000000)

static void *cache_mem(void)
{
	return aligned_alloc(64, (lb_cache_size() + 63) & ~(size_t)63);
}

/* ------------------------------------------- 5: lb_cache_init twice */

TEST_TSAN(cache_init_on_a_live_cache_is_refused)
{
	struct fx f;
	struct lb_stats before, after;
	struct lb_cache *c, *again = NULL;
	void *mem = cache_mem(), *copy = cache_mem();
	uint64_t a, b;

	REQUIRE(fx_init(&f, fx_map16, 2, LB_POLICY_EXACT) == 0);
	/* First init over garbage, magic-looking or not. */
	memset(mem, 0xff, lb_cache_size());
	REQUIRE(lb_cache_init(&c, f.z, mem, lb_cache_size()) == 0);
	REQUIRE(lb_cache_alloc(c, 0, 0, &a) == 0); /* the cache holds 63 blocks */
	lb_zone_stats(f.z, &before);
	CHECK_EQ(before.cached_pages, 63);

	/* Refused before lb_zone_stats: accepted, it would loop for ever. */
	REQUIRE(lb_cache_init(&again, f.z, mem, lb_cache_size()) == LB_EINVAL);
	CHECK(again == NULL);
	lb_zone_stats(f.z, &after);
	CHECK(memcmp(&before, &after, sizeof before) == 0);

	/* The cache still works and still holds its blocks. */
	REQUIRE(lb_cache_alloc(c, 0, 0, &b) == 0);
	lb_zone_stats(f.z, &after);
	CHECK_EQ(after.cached_pages, 62);
	CHECK_EQ(after.free_accepted_pages, 1024 - 64);
	CHECK(fx_ok(&f));

	/* A copy of a live cache's bytes is not a live cache: its memory is
	 * on no zone's list, so it may be initialised. */
	memcpy(copy, mem, lb_cache_size());
	REQUIRE(lb_cache_init(&again, f.z, copy, lb_cache_size()) == 0);
	lb_cache_fini(again);

	REQUIRE(lb_cache_free(c, a, 0) == 0);
	REQUIRE(lb_cache_free(c, b, 0) == 0);
	lb_cache_fini(c);
	/* Finished: refused as a cache, and free to be initialised again. */
	CHECK_EQ(lb_cache_alloc(c, 0, 0, &a), LB_EINVAL);
	CHECK_EQ(lb_cache_free(c, 0, 0), LB_EINVAL);
	REQUIRE(lb_cache_init(&c, f.z, mem, lb_cache_size()) == 0);
	REQUIRE(lb_cache_alloc(c, 1, 0, &a) == 0);
	REQUIRE(lb_cache_free(c, a, 1) == 0);
	lb_cache_fini(c);
	lb_zone_stats(f.z, &after);
	CHECK_EQ(after.cached_pages, 0);
	CHECK_EQ(after.allocated_pages, 0);
	CHECK_EQ(after.free_accepted_pages, 1024);
	CHECK(fx_ok(&f));
	free(copy);
	free(mem);
	fx_fini(&f);
}

/* Two caches on one zone, each re-initialised while live: both refused,
 * the zone's list stays whole. */
TEST_TSAN(cache_init_twice_with_two_caches)
{
	struct fx f;
	struct lb_cache *c1, *c2, *x = NULL;
	void *m1 = cache_mem(), *m2 = cache_mem();
	struct lb_stats st;
	uint64_t a1, a2;

	REQUIRE(fx_init(&f, fx_map16, 2, LB_POLICY_EXACT) == 0);
	REQUIRE(lb_cache_init(&c1, f.z, m1, lb_cache_size()) == 0);
	REQUIRE(lb_cache_init(&c2, f.z, m2, lb_cache_size()) == 0);
	REQUIRE(lb_cache_alloc(c1, 0, 0, &a1) == 0);
	REQUIRE(lb_cache_alloc(c2, 2, 0, &a2) == 0);
	REQUIRE(lb_cache_init(&x, f.z, m1, lb_cache_size()) == LB_EINVAL);
	REQUIRE(lb_cache_init(&x, f.z, m2, lb_cache_size()) == LB_EINVAL);
	CHECK(x == NULL);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.cached_pages, 63 + 7 * 4); /* batches of 64 and 8 */
	REQUIRE(lb_cache_free(c2, a1, 0) == 0); /* into the other cache */
	REQUIRE(lb_cache_free(c1, a2, 2) == 0);
	lb_cache_fini(c1);
	lb_cache_fini(c2);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.cached_pages, 0);
	CHECK_EQ(st.free_accepted_pages, 1024);
	CHECK(fx_ok(&f));
	free(m1);
	free(m2);
	fx_fini(&f);
}

/* ------------------------------------ 6: watermarks and the floor */

TEST_TSAN(watermarks_above_managed_pages_are_refused)
{
	struct fx f;
	struct lb_watermarks w0, w, all = { UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX };
	struct lb_stats st;

	REQUIRE(fx_init(&f, fx_map64, 2, LB_POLICY_EXACT) == 0);
	lb_zone_stats(f.z, &st);
	lb_zone_watermarks(f.z, &w0);
	CHECK_EQ(lb_zone_set_watermarks(f.z, &all), LB_EINVAL);
	w = (struct lb_watermarks){ 0, 0, 0, st.managed_pages + 1 };
	CHECK_EQ(lb_zone_set_watermarks(f.z, &w), LB_EINVAL);
	w = (struct lb_watermarks){ 1, 2, 3, UINT64_MAX };
	CHECK_EQ(lb_zone_set_watermarks(f.z, &w), LB_EINVAL);
	lb_zone_watermarks(f.z, &w);
	CHECK(memcmp(&w, &w0, sizeof w) == 0); /* unchanged */
	/* Up to all of memory is a watermark, if a useless one. */
	w = (struct lb_watermarks){ st.managed_pages, st.managed_pages, st.managed_pages,
				    st.managed_pages };
	CHECK_EQ(lb_zone_set_watermarks(f.z, &w), 0);
	lb_zone_watermarks(f.z, &w0);
	CHECK(memcmp(&w, &w0, sizeof w) == 0);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* The releaser never releases below low + reserve, however large they are:
 * with watermarks at UINT64_MAX (lb_zone_init takes them with
 * LB_CFG_WMARK) the floor is everything, not a sum that wrapped to ~0. */
TEST_TSAN(releaser_floor_saturates)
{
	struct fx f;
	struct lb_releaser_cfg rc = { .delay_ns = 100 * MS };
	struct lb_acceptor_cfg ac = { .reserve_bytes = UINT64_MAX, .batch_bytes = 4 * MiB };
	struct lb_stats st;
	size_t size;

	REQUIRE(fx_init(&f, fx_map64, 2, LB_POLICY_EXACT) == 0);
	lb_zone_fini(f.z);
	f.cfg.flags |= LB_CFG_WMARK;
	f.cfg.wmark = (struct lb_watermarks){ UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX };
	REQUIRE(lb_zone_meta_size(&f.cfg, &size) == 0);
	REQUIRE(lb_zone_init(&f.z, f.meta, size, &f.cfg) == 0);
	REQUIRE(lb_releaser_config(f.z, &rc) == 0);
	CHECK_EQ(lb_zone_accept(f.z, 8 * MiB), 8 * MiB); /* 12 MiB accepted, idle */
	CHECK_EQ(lb_releaser_step(f.z, 1000 * MS), 0);    /* marks */
	CHECK_EQ(lb_releaser_step(f.z, 1100 * MS), 0);    /* would release: floor */
	/* A huge reserve on top (the acceptor's, in pages) saturates too. */
	REQUIRE(lb_acceptor_config(f.z, &ac) == 0);
	lb_zone_set_policy(f.z, LB_POLICY_BACKGROUND);
	lb_acceptor_step(f.z, 1150 * MS);
	CHECK_EQ(lb_releaser_step(f.z, 1200 * MS), 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.released_pages, 0);
	CHECK_EQ(f.sb.releases, 0);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* ------------------------------------------- 7: NULL to the getters */

TEST_TSAN(getters_refuse_null_and_bad_zones)
{
	struct fx f;
	struct lb_watermarks w, w0, mark;
	struct lb_stats st, st0, smark;
	/* A zone-sized buffer that never held a zone: wrong magic. */
	uint64_t *bad = calloc(1, 64 * KiB);
	struct lb_zone *nz = NULL, *bz = (struct lb_zone *)bad;

	REQUIRE(fx_init(&f, fx_map16, 2, LB_POLICY_UNIT) == 0);
	memset(&mark, 0x5a, sizeof mark);
	memset(&smark, 0x5a, sizeof smark);
	CHECK_EQ(lb_zone_stats(f.z, &st0), 0);
	CHECK_EQ(lb_zone_watermarks(f.z, &w0), 0);

	CHECK_EQ(lb_zone_policy(nz), LB_EINVAL);
	CHECK_EQ(lb_zone_policy(bz), LB_EINVAL);
	CHECK_EQ(lb_zone_policy(f.z), LB_POLICY_UNIT);

	struct lb_zone *zones[] = { nz, bz, f.z };
	for (unsigned i = 0; i < 3; i++) {
		bool good = zones[i] == f.z;

		w = mark;
		CHECK_EQ(lb_zone_watermarks(zones[i], &w), good ? 0 : LB_EINVAL);
		CHECK(memcmp(&w, good ? &w0 : &mark, sizeof w) == 0);
		CHECK_EQ(lb_zone_watermarks(zones[i], NULL), LB_EINVAL);
		st = smark;
		CHECK_EQ(lb_zone_stats(zones[i], &st), good ? 0 : LB_EINVAL);
		CHECK(memcmp(&st, good ? &st0 : &smark, sizeof st) == 0);
		CHECK_EQ(lb_zone_stats(zones[i], NULL), LB_EINVAL);
	}
	/* The refusals changed nothing. */
	CHECK_EQ(lb_zone_stats(f.z, &st), 0);
	CHECK(memcmp(&st, &st0, sizeof st) == 0);
	for (unsigned i = 0; i < 64 * KiB / 8; i++)
		CHECK_EQ(bad[i], 0);
	CHECK(fx_ok(&f));
	free(bad);
	fx_fini(&f);
}

/* ---------------------------- 8: a stale free against a reallocation */

/*
 * One thread frees X at order k over and over: a stale double free, since
 * X is never allocated at order k again. Another thread allocates and
 * frees X at order j < k, round after round: X is the one free accepted
 * block, of order k (its buddy of order k is held), so each allocation
 * splits it and hands X out at order j, and each free merges it back. A
 * free that checks the order and then claims the kind in two steps can
 * read order k while X is free and claim it once reallocated at order j,
 * caching it under the wrong order. Every stale free must be refused.
 */
struct stale {
	struct lb_zone *z;
	struct lb_cache *c;
	uint64_t x;
	unsigned k, j;
	int stop, rounds_done;
	long claimed, refused, other;
	int zone_errors;
};

static void *stale_freer(void *p)
{
	struct stale *s = p;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		int rc = lb_cache_free(s->c, s->x, s->k);

		if (rc == 0)
			s->claimed++;
		else if (rc == LB_ENOTALLOC || rc == LB_EDOUBLEFREE)
			__atomic_fetch_add(&s->refused, 1, __ATOMIC_RELEASE);
		else
			s->other++;
	}
	return NULL;
}

static void *reallocator(void *p)
{
	struct stale *s = p;

	/* Start once the stale frees do, so that they overlap. */
	while (!__atomic_load_n(&s->refused, __ATOMIC_ACQUIRE))
		;
	for (int i = 0; i < 20000; i++) {
		uint64_t a;

		if (lb_alloc(s->z, s->j, LB_ALLOC_NOWAIT, &a) || a != s->x) {
			s->zone_errors++;
			break;
		}
		if (lb_free(s->z, a, s->j)) {
			s->zone_errors++;
			break;
		}
		s->rounds_done++;
	}
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void stale_free_race(unsigned k, unsigned j)
{
	struct fx f;
	struct stale s = { .k = k, .j = j };
	void *mem = cache_mem();
	uint64_t held[1024], n = 0, a;
	pthread_t t1, t2;
	struct lb_stats st;

	REQUIRE(fx_init(&f, fx_map16, 2, LB_POLICY_EXACT) == 0);
	f.sb.check_lock = false;
	REQUIRE(lb_cache_init(&s.c, f.z, mem, lb_cache_size()) == 0);
	/* All accepted memory in blocks of order k; X (the first) is freed. */
	while (lb_alloc(f.z, k, LB_ALLOC_NOWAIT, &a) == 0)
		held[n++] = a;
	REQUIRE(n == UINT64_C(1024) >> k);
	s.z = f.z;
	s.x = held[0];
	REQUIRE(lb_free(f.z, s.x, k) == 0);
	pthread_create(&t1, NULL, stale_freer, &s);
	pthread_create(&t2, NULL, reallocator, &s);
	pthread_join(t2, NULL);
	pthread_join(t1, NULL);
	CHECK_EQ(s.claimed, 0);
	CHECK_EQ(s.other, 0);
	CHECK_EQ(s.zone_errors, 0);
	CHECK_EQ(s.rounds_done, 20000);
	CHECK(s.refused > 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.cached_pages, 0);
	CHECK(fx_ok(&f));
	lb_cache_fini(s.c);
	for (uint64_t i = 1; i < n; i++)
		CHECK_EQ(lb_free(f.z, held[i], k), 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.allocated_pages, 0);
	CHECK_EQ(st.free_accepted_pages, 1024);
	CHECK(fx_ok(&f));
	free(mem);
	fx_fini(&f);
}

TEST_TSAN(cache_double_free_stale_order_race)
{
	stale_free_race(3, 0);
	stale_free_race(3, 2);
	stale_free_race(1, 0);
}
