/* SPDX-License-Identifier: MIT */
/* The free lists per cache (buddy.c, page.h's tags), from outside: random
 * runs of caches (more than TAG_COUNT, finished and set up again), zone
 * allocations and frees, drains, releaser passes, acceptance and policy
 * switches, with lb_zone_check() after every operation; under exact no
 * allocation accepts while a fitting accepted block is free on any list,
 * and lb_alloc takes the smallest fit of all lists. Then the releaser's
 * bounded scan across tags, threads, and a mixed run off a cache's list. */
#include "fixture.h"
#include "harness.h"
#include "../src/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RV_NC 40   /* cache slots: more than TAG_COUNT */
#define RV_HELD 4096

struct rv_block {
	uint64_t addr;
	unsigned order;
};

struct rv {
	struct fx f;
	struct lb_cache *c[RV_NC];
	void *mem[RV_NC];
	bool live[RV_NC];
	struct rv_block held[RV_HELD];
	unsigned nheld;
	uint64_t rng, now;
	unsigned needless, notsmallest, checkfail;
	unsigned cpus;
	bool switching; /* set policy: another, drawn at random */
};

static uint64_t rv_rand(struct rv *r)
{
	r->rng ^= r->rng << 13;
	r->rng ^= r->rng >> 7;
	r->rng ^= r->rng << 17;
	return r->rng;
}

static bool fits_anywhere(struct lb_zone *z, unsigned order)
{
	struct lb_stats st;

	lb_zone_stats(z, &st);
	for (unsigned o = order; o <= LB_MAX_ORDER; o++)
		if (st.free_blocks[0][o])
			return true;
	return false;
}

static bool rv_check(struct rv *r, const char *what, uint64_t i)
{
	char msg[200];

	if (lb_zone_check(r->f.z, msg, sizeof msg)) {
		if (r->checkfail++ < 5)
			fprintf(stderr, "op %llu (%s): %s\n", (unsigned long long)i, what, msg);
		return false;
	}
	return true;
}

static void rv_alloc(struct rv *r, int ci, unsigned order, uint64_t i, enum lb_policy p)
{
	struct lb_stats before, after;
	bool fit = fits_anywhere(r->f.z, order);
	uint64_t a;
	int rc;

	if (r->nheld == RV_HELD)
		return;
	lb_zone_stats(r->f.z, &before);
	rc = ci >= 0 ? lb_cache_alloc(r->c[ci], order, 0, &a) : lb_alloc(r->f.z, order, 0, &a);
	lb_zone_stats(r->f.z, &after);
	if (p == LB_POLICY_EXACT && fit && after.accepted_pages != before.accepted_pages &&
	    r->needless++ < 5)
		fprintf(stderr, "op %llu: %s order %u accepted %llu pages with a fitting "
				"accepted block free\n",
			(unsigned long long)i, ci >= 0 ? "cache alloc" : "lb_alloc", order,
			(unsigned long long)(after.accepted_pages - before.accepted_pages));
	if (ci < 0 && !rc && fit && !r->cpus && p == LB_POLICY_EXACT) {
		/* smallest fit of all lists: the smallest order k >= order
		 * loses one block, orders order..k-1 gain one each */
		unsigned k = order;

		while (!before.free_blocks[0][k])
			k++;
		for (unsigned o = order; o <= LB_MAX_ORDER; o++) {
			int64_t d = (int64_t)after.free_blocks[0][o] - (int64_t)before.free_blocks[0][o];
			int64_t want = o == k ? -1 : (o < k ? 1 : 0);

			if (d != want && r->notsmallest++ < 5) {
				fprintf(stderr, "op %llu: lb_alloc order %u: order %u changed by %lld "
						"(smallest fit %u)\n",
					(unsigned long long)i, order, o, (long long)d, k);
				break;
			}
		}
	}
	if (!rc) {
		r->held[r->nheld].addr = a;
		r->held[r->nheld++].order = order;
	}
}

static int rv_live_cache(struct rv *r)
{
	for (unsigned n = 0; n < 8; n++) {
		unsigned k = (unsigned)(rv_rand(r) % RV_NC);

		if (r->live[k])
			return (int)k;
	}
	return -1;
}

static void rv_run_cpus(enum lb_policy p, const struct lb_range *map, size_t nmap, uint64_t seed,
			uint64_t ops, unsigned *bad, unsigned cpus, bool switching)
{
	static struct rv r;
	struct lb_watermarks w = { 0, 0, 0, 0 };
	struct lb_releaser_cfg rc = { .delay_ns = 1, .min_order = 0, .batch = 8 };

	enum lb_policy cur = p;

	memset(&r, 0, sizeof r);
	r.rng = seed;
	r.cpus = cpus;
	r.switching = switching;
	if (fx_init_cpus(&r.f, map, nmap, p, 0, 0, (struct lb_backend){ 0 }, cpus) != 0) {
		++*bad;
		return;
	}
	lb_zone_set_watermarks(r.f.z, &w);
	lb_releaser_config(r.f.z, &rc);
	for (unsigned k = 0; k < RV_NC; k++) {
		r.mem[k] = fx_cache_mem();
		if (k < 34 && lb_cache_init(&r.c[k], r.f.z, r.mem[k], lb_cache_size()) == 0)
			r.live[k] = true;
	}
	for (uint64_t i = 0; i < ops; i++) {
		unsigned op = (unsigned)(rv_rand(&r) % 100);
		int ci = rv_live_cache(&r);
		unsigned order = (unsigned)(rv_rand(&r) % 4 == 0 ? rv_rand(&r) % 11 : rv_rand(&r) % 3);
		const char *what = "?";

		if (op < 30) {
			what = "cache alloc";
			if (ci >= 0)
				rv_alloc(&r, ci, order, i, cur);
		} else if (op < 40) {
			what = "lb_alloc";
			rv_alloc(&r, -1, order, i, cur);
		} else if (op < 75) {
			if (r.nheld) {
				unsigned k = (unsigned)(rv_rand(&r) % r.nheld);
				struct rv_block b = r.held[k];
				int e;

				r.held[k] = r.held[--r.nheld];
				what = ci >= 0 ? "cache free" : "lb_free";
				e = ci >= 0 ? lb_cache_free(r.c[ci], b.addr, b.order)
					    : lb_free(r.f.z, b.addr, b.order);
				if (e && r.checkfail++ < 5)
					fprintf(stderr, "op %llu: free rc %d\n", (unsigned long long)i, e);
			}
		} else if (op < 80) {
			what = "drain";
			if (ci >= 0)
				lb_cache_drain(r.c[ci]);
		} else if (op < 84) {
			unsigned k = (unsigned)(rv_rand(&r) % RV_NC);

			if (r.live[k]) {
				what = "fini";
				lb_cache_fini(r.c[k]);
				r.live[k] = false;
			} else {
				what = "init";
				r.live[k] = lb_cache_init(&r.c[k], r.f.z, r.mem[k], lb_cache_size()) == 0;
			}
		} else if (op < 94) {
			what = "releaser";
			r.now += 10;
			if (op == 93) {
				rc.min_order = (unsigned)(rv_rand(&r) % 11);
				rc.batch = 1 + (unsigned)(rv_rand(&r) % 64);
				lb_releaser_config(r.f.z, &rc);
			}
			lb_releaser_step(r.f.z, r.now);
		} else if (op < 97) {
			what = "accept";
			lb_zone_accept(r.f.z, (1 + rv_rand(&r) % 1024) * 4096);
		} else {
			what = "set policy";
			if (r.switching)
				cur = (enum lb_policy)(rv_rand(&r) % LB_POLICY_COUNT);
			lb_zone_set_policy(r.f.z, cur);
		}
		if (!rv_check(&r, what, i))
			break;
	}
	for (unsigned k = 0; k < RV_NC; k++)
		if (r.live[k])
			lb_cache_fini(r.c[k]);
	while (r.nheld) {
		r.nheld--;
		lb_free(r.f.z, r.held[r.nheld].addr, r.held[r.nheld].order);
	}
	rv_check(&r, "end", ops);
	if (!fx_ok(&r.f))
		r.checkfail++;
	*bad += r.needless + r.notsmallest + r.checkfail;
	if (r.needless + r.notsmallest + r.checkfail)
		fprintf(stderr, "seed %llu policy %d: needless %u notsmallest %u checkfail %u\n",
			(unsigned long long)seed, p, r.needless, r.notsmallest, r.checkfail);
	for (unsigned k = 0; k < RV_NC; k++)
		free(r.mem[k]);
	fx_fini(&r.f);
}

TEST(cache_lists_random_exact)
{
	unsigned bad = 0;

	for (uint64_t s = 1; s <= 3; s++)
		rv_run_cpus(LB_POLICY_EXACT, fx_map64, 2, s * 0x9e3779b97f4a7c15ULL, 10000, &bad, 0,
			    false);
	CHECK_EQ(bad, 0);
}

TEST(cache_lists_random_unit)
{
	unsigned bad = 0;

	for (uint64_t s = 1; s <= 2; s++)
		rv_run_cpus(LB_POLICY_UNIT, fx_map64, 2, s * 0x2545f4914f6cdd1dULL, 10000, &bad, 0,
			    false);
	CHECK_EQ(bad, 0);
}

TEST(cache_lists_random_eager_small)
{
	unsigned bad = 0;

	for (uint64_t s = 1; s <= 2; s++)
		rv_run_cpus(LB_POLICY_EAGER, fx_map16, 2, s * 0x1234567ULL, 10000, &bad, 0, false);
	CHECK_EQ(bad, 0);
}

/* More free blocks than a releaser pass looks at (REL_SCAN_BUDGET), on
 * every tag's lists: passes cut short resume across tags, and with the
 * watermarks at 0 every block goes back in the end. */
static const struct lb_range rv_map32acc[] = { { 0, 32 * MiB, LB_MEM_ACCEPTED } };

TEST(cache_lists_releaser_resumes_across_tags)
{
	struct fx f;
	struct lb_watermarks w = { 0, 0, 0, 0 };
	struct lb_releaser_cfg rc = { .delay_ns = 1, .min_order = 1, .batch = 64 };
	static struct lb_cache *c[TAG_COUNT + 2];
	static void *m[TAG_COUNT + 2];
	static uint64_t a[4096];
	struct lb_stats st;
	uint64_t now = 0, passes = 0, n = 0;
	unsigned tags_used = 0;

	REQUIRE(fx_init(&f, rv_map32acc, 1, LB_POLICY_EXACT) == 0);
	REQUIRE(lb_zone_set_watermarks(f.z, &w) == 0);
	REQUIRE(lb_releaser_config(f.z, &rc) == 0);
	for (unsigned k = 0; k < TAG_COUNT + 2; k++) {
		m[k] = fx_cache_mem();
		REQUIRE(m[k] && lb_cache_init(&c[k], f.z, m[k], lb_cache_size()) == 0);
	}
	for (unsigned i = 0; i < 4096; i++)
		REQUIRE(lb_alloc(f.z, 1, 0, &a[i]) == 0);
	/* every other block back through a cache, its buddy kept: order-1
	 * blocks on every tag's lists */
	for (unsigned i = 0; i < 4096; i += 2)
		REQUIRE(lb_cache_free(c[(i / 2) % (TAG_COUNT + 2)], a[i], 1) == 0);
	for (unsigned k = 0; k < TAG_COUNT + 2; k++)
		lb_cache_drain(c[k]);
	for (unsigned t = 0; t <= TAG_COUNT; t++)
		tags_used += f.z->lists[t].area[1].nr != 0;
	CHECK_EQ(tags_used, TAG_COUNT);
	CHECK(fx_ok(&f));
	lb_zone_stats(f.z, &st);
	/* passes until nothing accepted is free: every fragment goes back */
	for (; passes < 2000; passes++) {
		int64_t got = lb_releaser_step(f.z, now += 10);

		REQUIRE(got >= 0);
		n += (uint64_t)got;
		REQUIRE(lb_zone_check(f.z, NULL, 0) == 0);
		lb_zone_stats(f.z, &st);
		if (!st.free_accepted_pages)
			break;
	}
	CHECK_EQ(st.free_accepted_pages, 0);
	CHECK_EQ(n, 4096 / 2 * 8 * KiB); /* every fragment, all of them freed */
	for (unsigned i = 1; i < 4096; i += 2)
		REQUIRE(lb_free(f.z, a[i], 1) == 0);
	for (unsigned k = 0; k < TAG_COUNT + 2; k++) {
		lb_cache_fini(c[k]);
		free(m[k]);
	}
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* Threads: each sets up a cache, churns mixed orders with cross-thread
 * frees and drains, finishes it and sets up another (tags rotate, more
 * than TAG_COUNT caches over the run, finished with blocks on their
 * lists), beside a releaser thread and a checker thread. */
#include <pthread.h>

#define RT_NT 6
#define RT_SLOTS 64

struct rt_shared {
	struct lb_zone *z;
	uint64_t slot[RT_NT][RT_SLOTS];
	int stop, errors, bad_checks;
	uint64_t checks;
};

struct rt_arg {
	struct rt_shared *s;
	int id;
};

static uint64_t rt_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void *rt_worker(void *p)
{
	struct rt_arg *a = p;
	struct rt_shared *s = a->s;
	void *mem = fx_cache_mem();
	uint64_t seed = (uint64_t)a->id * 0x9e3779b97f4a7c15ULL + 17;

	for (int round = 0; round < 12; round++) {
		struct lb_cache *c;

		if (lb_cache_init(&c, s->z, mem, lb_cache_size())) {
			__atomic_fetch_add(&s->errors, 1, __ATOMIC_RELAXED);
			break;
		}
		for (int op = 0; op < 3000; op++) {
			unsigned k = (unsigned)(rt_rand(&seed) % RT_SLOTS);
			int victim = (int)(rt_rand(&seed) % RT_NT);
			uint64_t v = __atomic_exchange_n(&s->slot[victim][k], 0, __ATOMIC_ACQ_REL);

			if (op % 500 == 499)
				lb_cache_drain(c);
			if (v) {
				if (lb_cache_free(c, v & ~UINT64_C(0xfff), (unsigned)(v & 0xf)))
					__atomic_fetch_add(&s->errors, 1, __ATOMIC_RELAXED);
			} else {
				unsigned order = (unsigned)(rt_rand(&seed) % 8 == 0 ? rt_rand(&seed) % 8
										 : rt_rand(&seed) % 3);
				uint64_t addr;

				if (lb_cache_alloc(c, order, 0, &addr))
					continue;
				v = addr | 0x100 | order;
				if (!__atomic_compare_exchange_n(&s->slot[a->id][k], &(uint64_t){ 0 }, v,
								 false, __ATOMIC_ACQ_REL,
								 __ATOMIC_RELAXED))
					lb_cache_free(c, addr, order);
			}
		}
		lb_cache_fini(c);
	}
	free(mem);
	return NULL;
}

static void *rt_releaser(void *p)
{
	struct rt_shared *s = p;
	uint64_t now = 0;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE))
		if (lb_releaser_step(s->z, now += 10) < 0)
			__atomic_fetch_add(&s->errors, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void *rt_checker(void *p)
{
	struct rt_shared *s = p;
	char msg[200];

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		if (lb_zone_check(s->z, msg, sizeof msg) && strncmp(msg, "I4: counters", 12) &&
		    !__atomic_fetch_add(&s->bad_checks, 1, __ATOMIC_RELAXED))
			printf("    %s\n", msg);
		__atomic_fetch_add(&s->checks, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void rt_run(enum lb_policy p)
{
	struct fx f;
	static struct rt_shared s;
	struct lb_watermarks w = { 0, 0, 0, 0 };
	struct lb_releaser_cfg rc = { .delay_ns = 1, .min_order = 2, .batch = 16 };
	pthread_t th[RT_NT], rel, chk;
	struct rt_arg args[RT_NT];
	struct lb_stats st;

	memset(&s, 0, sizeof s);
	REQUIRE(fx_init(&f, fx_map64, 2, p) == 0);
	f.sb.check_lock = false;
	REQUIRE(lb_zone_set_watermarks(f.z, &w) == 0);
	REQUIRE(lb_releaser_config(f.z, &rc) == 0);
	s.z = f.z;
	pthread_create(&rel, NULL, rt_releaser, &s);
	pthread_create(&chk, NULL, rt_checker, &s);
	for (int i = 0; i < RT_NT; i++) {
		args[i].s = &s;
		args[i].id = i;
		pthread_create(&th[i], NULL, rt_worker, &args[i]);
	}
	for (int i = 0; i < RT_NT; i++)
		pthread_join(th[i], NULL);
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
	pthread_join(rel, NULL);
	pthread_join(chk, NULL);
	CHECK_EQ(s.errors, 0);
	CHECK_EQ(s.bad_checks, 0);
	for (int i = 0; i < RT_NT; i++)
		for (int k = 0; k < RT_SLOTS; k++)
			if (s.slot[i][k])
				CHECK_EQ(lb_free(f.z, s.slot[i][k] & ~UINT64_C(0xfff),
						 (unsigned)(s.slot[i][k] & 0xf)), 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.allocated_pages, 0);
	CHECK_EQ(st.cached_pages, 0);
	CHECK_EQ(f.sb.double_accepts, 0);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

TEST_TSAN(cache_lists_threads_exact)
{
	rt_run(LB_POLICY_EXACT);
}

TEST_TSAN(cache_lists_threads_unit)
{
	rt_run(LB_POLICY_UNIT);
}

/* A mixed run whose accepted part is on a cache's list: an allocation of
 * a whole section accepts just the released halves, and the lists stay
 * whole. */
static const struct lb_range rv_map4acc[] = { { 0, 4 * MiB, LB_MEM_ACCEPTED } };

TEST(cache_lists_mixed_run_off_a_caches_list)
{
	struct fx f;
	struct lb_watermarks w = { 0, 0, 0, 0 };
	struct lb_releaser_cfg rc = { .delay_ns = 1, .min_order = 6, .batch = 32 };
	struct lb_cache *c;
	void *m = fx_cache_mem();
	uint64_t x, big;
	struct lb_stats st;

	REQUIRE(fx_init(&f, rv_map4acc, 1, LB_POLICY_EXACT) == 0);
	REQUIRE(lb_zone_set_watermarks(f.z, &w) == 0);
	REQUIRE(lb_releaser_config(f.z, &rc) == 0);
	REQUIRE(m && lb_cache_init(&c, f.z, m, lb_cache_size()) == 0);
	REQUIRE(lb_cache_alloc(c, 0, 0, &x) == 0);
	CHECK_EQ(f.z->holding, UINT64_C(1) << c->tag);
	lb_releaser_step(f.z, 10);
	CHECK_EQ(lb_releaser_step(f.z, 20), (int64_t)(4 * MiB - 256 * KiB));
	CHECK(fx_ok(&f));
	REQUIRE(lb_cache_free(c, x, 0) == 0);
	lb_cache_drain(c);
	CHECK_EQ(f.z->lists[c->tag].area[6].nr, 1); /* pages 0-63, accepted, its own */
	CHECK(fx_ok(&f));
	REQUIRE(lb_alloc(f.z, LB_MAX_ORDER, 0, &big) == 0);
	CHECK_EQ(big, 0);
	CHECK_EQ(f.z->holding, 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.allocated_pages, 1024);
	CHECK(sb_all_accepted(&f.sb, 0, 4 * MiB));
	CHECK(fx_ok(&f));
	REQUIRE(lb_free(f.z, big, LB_MAX_ORDER) == 0);
	CHECK_EQ(f.z->lists[0].area[LB_MAX_ORDER].nr, 1);
	CHECK(fx_ok(&f));
	lb_cache_fini(c);
	free(m);
	fx_fini(&f);
}

TEST(cache_lists_random_exact_cpu_lists)
{
	unsigned bad = 0;

	for (uint64_t s = 1; s <= 2; s++)
		rv_run_cpus(LB_POLICY_EXACT, fx_map64, 2, s * 0x51ed2701ULL, 10000, &bad, 40, false);
	CHECK_EQ(bad, 0);
}

/* Every policy in turn, switched at random between operations. */
TEST(cache_lists_random_policy_switches)
{
	unsigned bad = 0;

	for (uint64_t s = 1; s <= 2; s++)
		rv_run_cpus(LB_POLICY_EXACT, fx_map64, 2, s * 0x7f4a7c15ULL, 10000, &bad, 0, true);
	CHECK_EQ(bad, 0);
}
