/* SPDX-License-Identifier: MIT */
/*
 * lb_alloc() and lb_cache_alloc() flags, after Linux's allocation
 * contexts: LB_ALLOC_ATOMIC accepts (acceptance does not sleep) but never
 * waits for another thread's acceptance (LB_EBUSY); LB_ALLOC_NOWAIT neither
 * accepts nor waits (LB_EAGAIN) and wins when both are given.
 */
#include "fixture.h"
#include "harness.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static struct lb_cache *cache_new(struct lb_zone *z, void **mem)
{
	struct lb_cache *c = NULL;

	*mem = aligned_alloc(64, (lb_cache_size() + 63) & ~(size_t)63);
	if (*mem && lb_cache_init(&c, z, *mem, lb_cache_size()))
		c = NULL;
	return c;
}

TEST(flags_atomic_accepts_where_nowait_cannot)
{
	struct fx f;
	struct lb_stats st;
	struct lb_cache *c;
	void *mem;
	uint64_t addr;
	int n = 0;

	REQUIRE(fx_init(&f, fx_map16, 2, LB_POLICY_UNIT) == 0);
	REQUIRE(lb_alloc(f.z, 10, LB_ALLOC_NOWAIT, &addr) == 0); /* all accepted memory */
	CHECK_EQ(lb_alloc(f.z, 0, LB_ALLOC_NOWAIT, &addr), LB_EAGAIN);
	CHECK_EQ(lb_alloc(f.z, 0, LB_ALLOC_NOWAIT | LB_ALLOC_ATOMIC, &addr), LB_EAGAIN);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.accept_calls, 0);
	CHECK_EQ(st.alloc_failures, 2);
	REQUIRE(lb_alloc(f.z, 0, LB_ALLOC_ATOMIC, &addr) == 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.accept_calls, 1); /* a whole unit, as without flags */
	CHECK_EQ(st.accepted_pages, 512);
	CHECK(sb_all_accepted(&f.sb, addr, LB_PAGE_SIZE));

	/* The cache: the same meaning, on its slow path. */
	c = cache_new(f.z, &mem);
	REQUIRE(c);
	while (lb_cache_alloc(c, 0, LB_ALLOC_NOWAIT, &addr) == 0)
		n++;
	CHECK_EQ(n, 511); /* the rest of the unit, then LB_EAGAIN */
	CHECK_EQ(lb_cache_alloc(c, 0, LB_ALLOC_NOWAIT, &addr), LB_EAGAIN);
	CHECK_EQ(lb_cache_alloc(c, 0, LB_ALLOC_NOWAIT | LB_ALLOC_ATOMIC, &addr), LB_EAGAIN);
	CHECK_EQ(lb_cache_alloc(c, 5, LB_ALLOC_NOWAIT | LB_ALLOC_ATOMIC, &addr), LB_EAGAIN);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.accept_calls, 1);
	REQUIRE(lb_cache_alloc(c, 0, LB_ALLOC_ATOMIC, &addr) == 0);
	CHECK(sb_all_accepted(&f.sb, addr, LB_PAGE_SIZE));
	REQUIRE(lb_cache_alloc(c, 5, LB_ALLOC_ATOMIC, &addr) == 0); /* above the cache */
	CHECK(sb_all_accepted(&f.sb, addr, 32 * LB_PAGE_SIZE));
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.accept_calls, 2);
	CHECK_EQ(st.alloc_failures, 2 + 4);
	CHECK_EQ(st.accept_waits, 0);
	lb_cache_fini(c);
	free(mem);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* linux: ATOMIC allocations top up to the promo watermark, NOWAIT ones do
 * not (Linux's cond_accept_memory() bails out only for ALLOC_TRYLOCK). */
TEST(flags_atomic_tops_up_under_linux)
{
	struct fx f;
	struct lb_stats st;
	struct lb_watermarks w = { 256, 512, 768, 2048 };
	uint64_t addr;

	REQUIRE(fx_init(&f, fx_map16, 2, LB_POLICY_LINUX) == 0);
	REQUIRE(lb_zone_set_watermarks(f.z, &w) == 0);
	REQUIRE(lb_alloc(f.z, 0, LB_ALLOC_NOWAIT | LB_ALLOC_ATOMIC, &addr) == 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.accept_calls, 0);
	REQUIRE(lb_alloc(f.z, 0, LB_ALLOC_ATOMIC, &addr) == 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.accept_calls, 2); /* 1023 -> 2047 -> 3071 free, above 2048 */
	CHECK_EQ(st.free_accepted_pages, 3070);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

TEST(flags_unknown_are_refused)
{
	static const unsigned bad[] = { 0x4, 0x8, LB_ALLOC_NOWAIT | 0x100, 0x80000000u };
	struct fx f;
	struct lb_stats before, after;
	struct lb_cache *c;
	void *mem;
	uint64_t addr = 0x1234;

	REQUIRE(fx_init(&f, fx_map16, 2, LB_POLICY_UNIT) == 0);
	c = cache_new(f.z, &mem);
	REQUIRE(c);
	lb_zone_stats(f.z, &before);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_EQ(lb_alloc(f.z, 0, bad[i], &addr), LB_EINVAL);
		CHECK_EQ(lb_alloc(f.z, LB_MAX_ORDER + 1, bad[i], &addr), LB_EINVAL);
		CHECK_EQ(lb_cache_alloc(c, 0, bad[i], &addr), LB_EINVAL);
		CHECK_EQ(lb_cache_alloc(c, 7, bad[i], &addr), LB_EINVAL);
	}
	CHECK_EQ(addr, 0x1234);
	lb_zone_stats(f.z, &after);
	CHECK(memcmp(&before, &after, sizeof before) == 0);
	lb_cache_fini(c);
	free(mem);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* ------------------------------------------------- LB_EBUSY, with threads */

struct alloc_arg {
	struct lb_zone *z;
	unsigned order;
	uint64_t addr;
	int rc;
};

static void *alloc_thread(void *p)
{
	struct alloc_arg *a = p;

	a->rc = lb_alloc(a->z, a->order, 0, &a->addr);
	return NULL;
}

/*
 * Thread A allocates 4 MiB: the only unaccepted section goes in flight
 * and its accept is held in the gate. Then only A's block could serve
 * another 4 MiB: ATOMIC answers LB_EBUSY at once (a wait would last until
 * the gate times out, 3 s, and end in LB_ENOMEM), NOWAIT and NOWAIT|ATOMIC
 * LB_EAGAIN. The same through a cache once the accepted 64 KiB are gone.
 */
TEST_TSAN(threads_atomic_busy_when_only_in_flight_memory_could_serve)
{
	static const struct lb_range map[] = {
		{ 0, 64 * KiB, LB_MEM_ACCEPTED },
		{ 4 * MiB, 4 * MiB, LB_MEM_UNACCEPTED },
	};
	struct gate_backend g;
	struct lb_backend gb;
	struct alloc_arg a = { .order = LB_MAX_ORDER };
	struct fx f;
	struct lb_stats st;
	struct lb_cache *c;
	pthread_t th;
	void *mem;
	uint64_t addr, small[16];
	int n = 0;

	gate_init(&g, &gb);
	REQUIRE(fx_init_with(&f, map, 2, LB_POLICY_UNIT, 0, 0, gb) == 0);
	f.sb.check_lock = false; /* another thread holds the lock at times */
	c = cache_new(f.z, &mem);
	REQUIRE(c);
	a.z = f.z;
	REQUIRE(pthread_create(&th, NULL, alloc_thread, &a) == 0);
	CHECK(gate_wait_held(&g, 1));

	CHECK_EQ(lb_alloc(f.z, LB_MAX_ORDER, LB_ALLOC_ATOMIC, &addr), LB_EBUSY);
	CHECK_EQ(lb_alloc(f.z, LB_MAX_ORDER, LB_ALLOC_NOWAIT, &addr), LB_EAGAIN);
	CHECK_EQ(lb_alloc(f.z, LB_MAX_ORDER, LB_ALLOC_NOWAIT | LB_ALLOC_ATOMIC, &addr),
		 LB_EAGAIN);
	/* Accepted memory still serves ATOMIC allocations meanwhile. */
	while (n < 16 && lb_cache_alloc(c, 0, LB_ALLOC_ATOMIC, &small[n]) == 0)
		n++;
	CHECK_EQ(n, 16);
	CHECK_EQ(lb_cache_alloc(c, 0, LB_ALLOC_ATOMIC, &addr), LB_EBUSY);
	CHECK_EQ(lb_cache_alloc(c, 0, LB_ALLOC_NOWAIT, &addr), LB_EAGAIN);
	CHECK_EQ(lb_cache_alloc(c, 0, LB_ALLOC_NOWAIT | LB_ALLOC_ATOMIC, &addr), LB_EAGAIN);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.in_flight_pages, 1024);
	CHECK_EQ(st.alloc_failures, 6); /* LB_EBUSY counts as a failure */
	CHECK_EQ(st.accept_waits, 0);   /* and nobody waited */
	CHECK_EQ(g.held, 1);

	gate_open(&g);
	pthread_join(th, NULL);
	CHECK(!g.timed_out);
	CHECK_EQ(a.rc, 0);
	CHECK_EQ(a.addr, 4 * MiB);
	CHECK(sb_all_accepted(&f.sb, a.addr, 4 * MiB));
	CHECK_EQ(lb_free(f.z, a.addr, LB_MAX_ORDER), 0);
	while (n--)
		CHECK_EQ(lb_cache_free(c, small[n], 0), 0);
	lb_cache_fini(c);
	free(mem);
	CHECK(fx_ok(&f));
	fx_fini(&f);
	gate_fini(&g);
}
