/* SPDX-License-Identifier: MIT */
/*
 * CPU lists (src/cpulist.c): lb_alloc() and lb_free() through the caches
 * a zone keeps per CPU. Every order goes through them, every free is
 * still checked, memory short drains them, a held list sends the caller to
 * the zone instead of making it wait, and threads on more CPUs than lists
 * never get one page twice. Also the caches' budget for large blocks.
 */
#include "fixture.h"
#include "harness.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const struct lb_range map64[] = {
	{ 0, 64 * MiB, LB_MEM_ACCEPTED },
};

static int lists_init(struct fx *f, const struct lb_range *map, size_t n, enum lb_policy p,
		      unsigned cpus)
{
	struct lb_backend none = { 0 };

	return fx_init_cpus(f, map, n, p, 0, 0, none, cpus);
}

static struct lb_stats stats(struct fx *f)
{
	struct lb_stats st;

	lb_zone_stats(f->z, &st);
	return st;
}

TEST_TSAN(cpu_lists_config)
{
	struct lb_null_backend nb;
	struct lb_range r = { 0, 64 * MiB, LB_MEM_ACCEPTED };
	struct lb_config c;
	size_t none, two, many;

	memset(&c, 0, sizeof c);
	c.ranges = &r;
	c.nranges = 1;
	c.policy = LB_POLICY_UNIT;
	lb_null_backend_init(&nb, &c.backend);
	REQUIRE(lb_zone_meta_size(&c, &none) == 0);
	c.cpus = 2;
	REQUIRE(lb_zone_meta_size(&c, &two) == 0);
	c.cpus = 1024;
	REQUIRE(lb_zone_meta_size(&c, &many) == 0);
	CHECK(two > none + 2 * lb_cache_size()); /* two caches and their locks */
	CHECK(many > two);
	c.cpus = 1025;
	CHECK_EQ(lb_zone_meta_size(&c, &many), LB_EINVAL);
}

/* Every order is served and taken back through the list; blocks freed
 * there stay cached (out of the zone, accepted) and come back LIFO (1 GiB:
 * within the budget for large blocks). */
TEST_TSAN(cpu_lists_serve_every_order)
{
	static const struct lb_range map[] = {
		{ 0, GiB, LB_MEM_ACCEPTED },
	};
	struct fx f;
	uint64_t a[LB_MAX_ORDER + 1], b;
	struct lb_stats st;

	REQUIRE(lists_init(&f, map, 1, LB_POLICY_EXACT, 1) == 0);
	for (unsigned o = 0; o <= LB_MAX_ORDER; o++)
		REQUIRE(lb_alloc(f.z, o, 0, &a[o]) == 0);
	st = stats(&f);
	CHECK_EQ(st.allocated_pages, 2047);
	CHECK(st.cached_pages > 0); /* the rest of each batch */
	CHECK(fx_ok(&f));
	for (unsigned o = 0; o <= LB_MAX_ORDER; o++)
		CHECK_EQ(lb_free(f.z, a[o], o), 0);
	st = stats(&f);
	CHECK_EQ(st.allocated_pages, 0);
	CHECK_EQ(st.cached_pages + st.free_accepted_pages, GiB >> LB_PAGE_SHIFT);
	CHECK_EQ(st.allocs, 11);
	CHECK_EQ(st.frees, 11);
	for (unsigned o = 0; o <= LB_MAX_ORDER; o++) {
		CHECK_EQ(lb_alloc(f.z, o, 0, &b), 0);
		CHECK_EQ(b, a[o]); /* the hottest block first */
		CHECK_EQ(lb_free(f.z, b, o), 0);
	}
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* A free through a list is checked as any free, and bad input changes
 * nothing: not the list, not the zone. */
TEST_TSAN(cpu_lists_check_every_free)
{
	struct fx f;
	uint64_t a, b;
	struct lb_stats before, after;

	REQUIRE(lists_init(&f, map64, 1, LB_POLICY_EXACT, 2) == 0);
	REQUIRE(lb_alloc(f.z, 3, 0, &a) == 0);
	REQUIRE(lb_alloc(f.z, 3, 0, &b) == 0);
	REQUIRE(lb_free(f.z, a, 3) == 0);
	before = stats(&f);
	CHECK_EQ(lb_free(f.z, a, 3), LB_EDOUBLEFREE);      /* held by the list */
	CHECK_EQ(lb_free(f.z, b, 2), LB_ENOTALLOC);        /* wrong order */
	CHECK_EQ(lb_free(f.z, b + 4096, 0), LB_ENOTALLOC); /* inside an allocated block */
	CHECK_EQ(lb_free(f.z, b + 1, 0), LB_EALIGN);
	CHECK_EQ(lb_free(f.z, 64 * MiB, 0), LB_ERANGE);
	CHECK_EQ(lb_free(f.z, b, LB_MAX_ORDER + 1), LB_EORDER);
	after = stats(&f);
	CHECK(!memcmp(&before, &after, sizeof before));
	CHECK_EQ(lb_free(f.z, b, 3), 0);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* Memory held in the lists is not lost: an allocation that finds the
 * zone short drains every list it can lock and asks again. */
TEST_TSAN(cpu_lists_drained_when_memory_is_short)
{
	struct fx f;
	uint64_t a[100], big;

	REQUIRE(lists_init(&f, fx_map4acc, 1, LB_POLICY_EXACT, 2) == 0);
	for (int i = 0; i < 100; i++)
		REQUIRE(lb_alloc(f.z, 0, 0, &a[i]) == 0);
	for (int i = 0; i < 100; i++)
		REQUIRE(lb_free(f.z, a[i], 0) == 0);
	CHECK_EQ(stats(&f).cached_pages, 64); /* the list's budget on 4 MiB */
	CHECK_EQ(lb_alloc(f.z, LB_MAX_ORDER, 0, &big), 0); /* the whole zone */
	CHECK_EQ(stats(&f).cached_pages, 0);
	CHECK_EQ(stats(&f).alloc_failures, 0);
	CHECK_EQ(lb_free(f.z, big, LB_MAX_ORDER), 0);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

struct held {
	struct fx *f;
	uint64_t addr;
	int rc;
};

static void *alloc_one(void *arg)
{
	struct held *h = arg;

	h->rc = lb_alloc(h->f->z, 0, 0, &h->addr);
	return NULL;
}

/*
 * One list, held by a thread whose refill accepts memory (the gate keeps
 * its backend call waiting): an allocation and a free on the same list
 * do not wait for it. They go to the zone, as a zone without lists serves
 * them, and answer while the holder is still in the gate.
 */
TEST_TSAN(cpu_lists_held_list_sends_callers_to_the_zone)
{
	static const struct lb_range map[] = {
		{ 0, 4 * MiB, LB_MEM_ACCEPTED },
		{ 4 * MiB, 60 * MiB, LB_MEM_UNACCEPTED },
	};
	struct gate_backend g;
	struct lb_backend inner;
	struct fx f;
	struct held h = { &f, 0, -1 };
	uint64_t big, a;
	struct lb_stats st;
	pthread_t th;

	gate_init(&g, &inner);
	REQUIRE(fx_init_cpus(&f, map, 2, LB_POLICY_UNIT, 0, 0, inner, 1) == 0);
	f.sb.check_lock = false; /* the other thread holds the zone lock at times */
	/* all the accepted memory, one block: nothing accepted is left */
	REQUIRE(lb_alloc(f.z, LB_MAX_ORDER, 0, &big) == 0);
	REQUIRE(pthread_create(&th, NULL, alloc_one, &h) == 0);
	REQUIRE(gate_wait_held(&g, 1)); /* the list's holder accepts a unit */

	CHECK_EQ(lb_alloc(f.z, 0, LB_ALLOC_NOWAIT, &a), LB_EAGAIN); /* the zone's answer */
	CHECK_EQ(lb_free(f.z, big, LB_MAX_ORDER), 0);
	st = stats(&f);
	CHECK_EQ(st.free_accepted_pages, 1024); /* in the zone, not in the list */
	CHECK_EQ(st.cached_pages, 0);
	CHECK_EQ(lb_alloc(f.z, 0, 0, &a), 0); /* served by the zone */
	CHECK_EQ(g.held, 1);                  /* all while the holder waits */

	gate_open(&g);
	pthread_join(th, NULL);
	CHECK_EQ(h.rc, 0);
	CHECK(!g.timed_out);
	CHECK_EQ(lb_free(f.z, a, 0), 0);
	CHECK_EQ(lb_free(f.z, h.addr, 0), 0);
	CHECK(fx_ok(&f));
	fx_fini(&f);
	gate_fini(&g);
}

/* Threads on more CPUs than there are lists, every order, frees of each
 * other's blocks: no page is ever handed out twice, and at the end every
 * page is back, in the zone or in a list. */
#define NT 4
#define ROUNDS 20000
#define LIVE 64

struct churner {
	struct fx *f;
	uint8_t *owner; /* a byte per page: 0, or the holder's number */
	unsigned id;
	uint64_t rng;
	uint64_t addr[LIVE];
	unsigned char order[LIVE];
	unsigned bad, fails;
};

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static bool own(struct churner *c, uint64_t addr, unsigned order, uint8_t from, uint8_t to)
{
	for (uint64_t i = 0; i < (UINT64_C(1) << order); i++) {
		uint8_t expect = from;

		if (!__atomic_compare_exchange_n(&c->owner[(addr >> LB_PAGE_SHIFT) + i], &expect,
						 to, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return false;
	}
	return true;
}

static void *churn(void *arg)
{
	struct churner *c = arg;

	memset(c->addr, 0xff, sizeof c->addr);
	for (unsigned r = 0; r < ROUNDS; r++) {
		unsigned i = (unsigned)(next_rand(&c->rng) % LIVE);
		unsigned o = next_rand(&c->rng) % 4 ? 0 : (unsigned)(next_rand(&c->rng) % 11);

		if (c->addr[i] != UINT64_MAX) {
			if (!own(c, c->addr[i], c->order[i], (uint8_t)c->id, 0) ||
			    lb_free(c->f->z, c->addr[i], c->order[i]))
				c->bad++;
			c->addr[i] = UINT64_MAX;
		}
		if (lb_alloc(c->f->z, o, 0, &c->addr[i])) {
			c->fails++;
			c->addr[i] = UINT64_MAX;
			continue;
		}
		c->order[i] = (unsigned char)o;
		if (!own(c, c->addr[i], o, 0, (uint8_t)c->id))
			c->bad++;
	}
	/* half of what is left is freed by the next thread */
	for (unsigned i = 0; i < LIVE; i++) {
		if (c->addr[i] == UINT64_MAX)
			continue;
		if (!own(c, c->addr[i], c->order[i], (uint8_t)c->id, 0))
			c->bad++;
		if (i % 2 && lb_free(c->f->z, c->addr[i], c->order[i]))
			c->bad++;
		if (i % 2)
			c->addr[i] = UINT64_MAX;
	}
	return NULL;
}

TEST_TSAN(cpu_lists_threads_never_share_a_page)
{
	static const struct lb_range map[] = {
		{ 0, 32 * MiB, LB_MEM_ACCEPTED },
		{ 32 * MiB, 96 * MiB, LB_MEM_UNACCEPTED },
	};
	struct lb_backend none = { 0 };
	struct churner c[NT];
	pthread_t th[NT];
	uint8_t *owner = calloc(128 * MiB >> LB_PAGE_SHIFT, 1);
	struct fx f;
	struct lb_stats st;

	REQUIRE(owner);
	REQUIRE(fx_init_cpus(&f, map, 2, LB_POLICY_UNIT, 0, 0, none, 2) == 0);
	f.sb.check_lock = false;
	for (unsigned t = 0; t < NT; t++) {
		memset(&c[t], 0, sizeof c[t]);
		c[t].f = &f;
		c[t].owner = owner;
		c[t].id = t + 1;
		c[t].rng = 0x9e3779b97f4a7c15ull * (t + 1);
		REQUIRE(pthread_create(&th[t], NULL, churn, &c[t]) == 0);
	}
	for (unsigned t = 0; t < NT; t++)
		pthread_join(th[t], NULL);
	for (unsigned t = 0; t < NT; t++) {
		CHECK_EQ(c[t].bad, 0);
		CHECK_EQ(c[t].fails, 0); /* 128 MiB: never short */
		/* the other half, freed by another thread than its holder's */
		for (unsigned i = 0; i < LIVE; i++)
			if (c[t].addr[i] != UINT64_MAX)
				CHECK_EQ(lb_free(f.z, c[t].addr[i], c[t].order[i]), 0);
	}
	st = stats(&f);
	CHECK_EQ(st.allocated_pages, 0);
	CHECK_EQ(st.cached_pages + st.free_accepted_pages + st.free_unaccepted_pages,
		 128 * MiB >> LB_PAGE_SHIFT);
	CHECK_EQ(st.allocs, st.frees);
	CHECK_EQ(f.sb.double_accepts, 0);
	CHECK(fx_ok(&f));
	fx_fini(&f);
	free(owner);
}

/* A cache holds large blocks within 1/32 of the zone's memory: on a
 * 16 MiB zone, 128 pages of orders 4 and up; freeing more gives them
 * back to the zone. */
TEST(cache_large_blocks_within_budget)
{
	static const struct lb_range map[] = {
		{ 0, 16 * MiB, LB_MEM_ACCEPTED },
	};
	struct fx f;
	struct lb_cache *c;
	void *mem = aligned_alloc(64, (lb_cache_size() + 63) & ~(size_t)63);
	uint64_t a[4];

	REQUIRE(mem);
	REQUIRE(fx_init(&f, map, 1, LB_POLICY_EXACT) == 0);
	REQUIRE(lb_cache_init(&c, f.z, mem, lb_cache_size()) == 0);
	for (int i = 0; i < 4; i++)
		REQUIRE(lb_cache_alloc(c, 6, 0, &a[i]) == 0);
	CHECK(stats(&f).cached_pages <= 128);
	for (int i = 0; i < 4; i++)
		REQUIRE(lb_cache_free(c, a[i], 6) == 0);
	CHECK_EQ(stats(&f).cached_pages, 128); /* two blocks of 64 */
	CHECK(fx_ok(&f));
	REQUIRE(lb_cache_alloc(c, LB_MAX_ORDER, 0, &a[0]) == 0); /* over budget: the zone's */
	CHECK_EQ(stats(&f).cached_pages, 128);
	REQUIRE(lb_cache_free(c, a[0], LB_MAX_ORDER) == 0);
	CHECK_EQ(stats(&f).cached_pages, 128);
	CHECK_EQ(stats(&f).free_accepted_pages, 4096 - 128);
	CHECK(fx_ok(&f));
	lb_cache_fini(c);
	free(mem);
	fx_fini(&f);
}

/*
 * Accepted memory held in a CPU list or a cache serves before any memory
 * is accepted: on a lazy zone whose accepted memory sits in the list (or
 * in the cache), a larger allocation merges it back instead of accepting
 * a new unit, whatever its flags. (Before, only NOWAIT drained; the
 * others accepted and left the list's memory idle, committed twice.)
 */
static void no_accept_while_held(bool through_cache, unsigned flags)
{
	static const struct lb_range map[] = {
		{ 0, 2 * MiB, LB_MEM_ACCEPTED },
		{ 2 * MiB, 62 * MiB, LB_MEM_UNACCEPTED },
	};
	struct lb_backend none = { 0 };
	struct lb_cache *c = NULL;
	void *mem = aligned_alloc(64, (lb_cache_size() + 63) & ~(size_t)63);
	struct fx f;
	uint64_t a, b;

	REQUIRE(mem);
	REQUIRE(fx_init_cpus(&f, map, 2, LB_POLICY_UNIT, 0, 0, none, through_cache ? 0 : 1) == 0);
	if (through_cache)
		REQUIRE(lb_cache_init(&c, f.z, mem, lb_cache_size()) == 0);
	/* half the accepted memory out, then back: all of it in the list */
	REQUIRE((c ? lb_cache_alloc(c, 8, 0, &a) : lb_alloc(f.z, 8, 0, &a)) == 0);
	REQUIRE((c ? lb_cache_free(c, a, 8) : lb_free(f.z, a, 8)) == 0);
	CHECK_EQ(stats(&f).free_accepted_pages + stats(&f).cached_pages, 512);
	CHECK(stats(&f).cached_pages > 0);
	REQUIRE((c ? lb_cache_alloc(c, 9, flags, &b) : lb_alloc(f.z, 9, flags, &b)) == 0);
	CHECK_EQ(stats(&f).accept_calls, 0); /* served by the held memory, merged */
	CHECK_EQ(b, 0);
	CHECK_EQ(lb_free(f.z, b, 9), 0);
	CHECK(fx_ok(&f));
	if (c)
		lb_cache_fini(c);
	free(mem);
	fx_fini(&f);
}

TEST_TSAN(cpu_lists_give_back_before_accepting)
{
	no_accept_while_held(false, 0);
	no_accept_while_held(false, LB_ALLOC_ATOMIC);
	no_accept_while_held(false, LB_ALLOC_NOWAIT);
}

TEST(cache_gives_back_before_accepting)
{
	no_accept_while_held(true, 0);
	no_accept_while_held(true, LB_ALLOC_ATOMIC);
	no_accept_while_held(true, LB_ALLOC_NOWAIT);
}
