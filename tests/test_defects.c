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

static const struct lb_range map16[] = {
	{ 0, 4 * MiB, LB_MEM_ACCEPTED },
	{ 4 * MiB, 12 * MiB, LB_MEM_UNACCEPTED },
};

static const struct lb_range map64[] = {
	{ 0, 4 * MiB, LB_MEM_ACCEPTED },
	{ 4 * MiB, 60 * MiB, LB_MEM_UNACCEPTED },
};

#define MS UINT64_C(1000000)

static void *cache_mem(void)
{
	return aligned_alloc(64, (lb_cache_size() + 63) & ~(size_t)63);
}

/* ------------------------------------------- 5: lb_cache_init twice */

TEST(cache_init_on_a_live_cache_is_refused)
{
	struct fx f;
	struct lb_stats before, after;
	struct lb_cache *c, *again = NULL;
	void *mem = cache_mem(), *copy = cache_mem();
	uint64_t a, b;

	REQUIRE(fx_init(&f, map16, 2, LB_POLICY_EXACT) == 0);
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
TEST(cache_init_twice_with_two_caches)
{
	struct fx f;
	struct lb_cache *c1, *c2, *x = NULL;
	void *m1 = cache_mem(), *m2 = cache_mem();
	struct lb_stats st;
	uint64_t a1, a2;

	REQUIRE(fx_init(&f, map16, 2, LB_POLICY_EXACT) == 0);
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
