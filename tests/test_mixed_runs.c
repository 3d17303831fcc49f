/* SPDX-License-Identifier: MIT */
/*
 * Free runs of mixed acceptance state. Free blocks are homogeneous (I5), so
 * a free aligned run of 2^k pages can be several blocks, some accepted and
 * some not, that never merge. An allocation of order k must still succeed
 * on such a run, by accepting exactly its unaccepted blocks, whatever the
 * policy.
 */
#include "fixture.h"
#include "harness.h"

#include <stdlib.h>

static const struct lb_range map4[] = {
	{ 0, 4 * MiB, LB_MEM_UNACCEPTED },
};

static const struct lb_range map24[] = {
	{ 0, 24 * MiB, LB_MEM_UNACCEPTED },
};

/* Alloc order 0, free it, alloc order 10: all 1024 pages are free. */
static void order0_then_order10(enum lb_policy p)
{
	struct fx f;
	struct lb_stats st;
	uint64_t a;

	REQUIRE(fx_init(&f, map4, 1, p) == 0);
	REQUIRE(lb_alloc(f.z, 0, 0, &a) == 0);
	REQUIRE(lb_free(f.z, a, 0) == 0);
	CHECK_EQ(lb_alloc(f.z, 10, 0, &a), 0);
	CHECK_EQ(a, 0);
	CHECK(sb_all_accepted(&f.sb, 0, 4 * MiB));
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.accepted_pages, 1024); /* nothing accepted twice (I2) */
	CHECK_EQ(st.allocated_pages, 1024);
	CHECK_EQ(st.in_flight_pages, 0);
	CHECK(fx_ok(&f));
	CHECK_EQ(lb_free(f.z, a, 10), 0);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* The accepted part is a unit under unit and 1 page under exact; the rest
 * is accepted in one call (a contiguous stretch), and nothing else. */
TEST_TSAN(mixed_run_accepts_only_the_unaccepted_part)
{
	struct fx f;
	struct lb_stats st;
	uint64_t a;

	REQUIRE(fx_init(&f, map4, 1, LB_POLICY_UNIT) == 0);
	REQUIRE(lb_alloc(f.z, 0, 0, &a) == 0);
	REQUIRE(lb_free(f.z, a, 0) == 0);
	REQUIRE(lb_alloc(f.z, 10, 0, &a) == 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.accept_calls, 2);
	CHECK_EQ(f.sb.calls, 2);
	CHECK_EQ(st.over_accepted_pages, 0);
	CHECK(fx_ok(&f));
	fx_fini(&f);

	REQUIRE(fx_init(&f, map4, 1, LB_POLICY_EXACT) == 0);
	REQUIRE(lb_alloc(f.z, 0, 0, &a) == 0);
	REQUIRE(lb_free(f.z, a, 0) == 0);
	REQUIRE(lb_alloc(f.z, 10, 0, &a) == 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.accept_calls, 2); /* [4K, 4M) is one stretch of 10 blocks */
	CHECK_EQ(st.accepted_pages, 1024);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/*
 * NOWAIT in the mixed state: LB_EAGAIN (accepting would help) and no
 * backend call. With no such run (a page of the section allocated),
 * LB_ENOMEM: accepting would not help.
 */
TEST_TSAN(mixed_run_nowait_eagain_only_when_accepting_helps)
{
	struct fx f;
	struct lb_stats st;
	uint64_t a, held;

	REQUIRE(fx_init(&f, map4, 1, LB_POLICY_EXACT) == 0);
	REQUIRE(lb_alloc(f.z, 0, 0, &a) == 0);
	REQUIRE(lb_free(f.z, a, 0) == 0);
	CHECK_EQ(lb_alloc(f.z, 10, LB_ALLOC_NOWAIT, &a), LB_EAGAIN);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.accept_calls, 1);
	CHECK_EQ(lb_alloc(f.z, 10, LB_ALLOC_ATOMIC, &a), 0); /* atomic accepts */
	CHECK(fx_ok(&f));
	fx_fini(&f);

	REQUIRE(fx_init(&f, map4, 1, LB_POLICY_EXACT) == 0);
	REQUIRE(lb_alloc(f.z, 0, 0, &held) == 0);
	CHECK_EQ(lb_alloc(f.z, 10, LB_ALLOC_NOWAIT, &a), LB_ENOMEM);
	CHECK_EQ(lb_alloc(f.z, 10, 0, &a), LB_ENOMEM);
	CHECK_EQ(lb_alloc(f.z, 9, LB_ALLOC_NOWAIT, &a), LB_EAGAIN); /* [2M, 4M) */
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.accept_calls, 1);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/*
 * Random churn over 6 sections, then everything freed: each section is
 * one free aligned run, so six order-10 allocations must succeed, under
 * every policy, with no page accepted twice.
 */
static void churn_then_all_sections(enum lb_policy p, uint64_t seed0)
{
	uint64_t seed = seed0;
	struct fx f;
	struct lb_stats st;
	uint64_t live[256], a;
	unsigned lo[256];
	int n = 0, got = 0;

	REQUIRE(fx_init(&f, map24, 1, p) == 0);
	for (int i = 0; i < 3000; i++) {
		uint64_t r = fx_rand(&seed);

		if (n == 256 || (n && r % 2 == 0)) {
			int k = (int)(r / 2 % (uint64_t)n);

			REQUIRE(lb_free(f.z, live[k], lo[k]) == 0);
			live[k] = live[n - 1];
			lo[k] = lo[n - 1];
			n--;
		} else {
			unsigned o = fx_pick_order(&seed, 8);

			if (lb_alloc(f.z, o, 0, &a) == 0) {
				live[n] = a;
				lo[n++] = o;
			}
		}
	}
	while (n) {
		n--;
		REQUIRE(lb_free(f.z, live[n], lo[n]) == 0);
	}
	CHECK(fx_ok(&f));
	while (lb_alloc(f.z, 10, 0, &a) == 0)
		got++;
	CHECK_EQ(got, 6);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.allocated_pages, 6144);
	CHECK(st.accepted_pages <= 6144);
	CHECK(fx_ok(&f));
	if (lbt_failed())
		printf("    policy %s seed %llu\n", lb_policy_name(p), (unsigned long long)seed0);
	fx_fini(&f);
}

/* One test per policy, so a failure names its policy. */
#define PER_POLICY(name, p)                                            \
	TEST_TSAN(mixed_run_##name)                                         \
	{                                                              \
		order0_then_order10(p);                                \
		for (uint64_t seed = 1; seed <= 4 && !lbt_failed(); seed++) \
			churn_then_all_sections(p, seed);              \
	}

PER_POLICY(unit, LB_POLICY_UNIT)
PER_POLICY(exact, LB_POLICY_EXACT)
PER_POLICY(background, LB_POLICY_BACKGROUND)
PER_POLICY(adaptive, LB_POLICY_ADAPTIVE)
PER_POLICY(linux, LB_POLICY_LINUX)
PER_POLICY(eager, LB_POLICY_EAGER)

/*
 * Many small blocks of both states: 64 KiB units, 32 accepted and 32
 * released (unaccepted) order-4 blocks alternating over a section, none of
 * them merging. The order-10 allocation accepts the 32 unaccepted ones.
 */
TEST_TSAN(mixed_run_alternating_small_blocks)
{
	static const enum lb_policy ps[] = { LB_POLICY_UNIT, LB_POLICY_EXACT };
	const struct lb_watermarks zero = { 0, 0, 0, 0 };
	const struct lb_releaser_cfg rc = { .delay_ns = 1, .min_order = 4, .batch = 64 };
	struct lb_backend none = { 0 };

	for (unsigned i = 0; i < 2; i++) {
		struct fx f;
		struct lb_stats st;
		uint64_t a[64], b;

		REQUIRE(fx_init_with(&f, map4, 1, ps[i], 64 * KiB, 0, none) == 0);
		REQUIRE(lb_zone_set_watermarks(f.z, &zero) == 0);
		REQUIRE(lb_releaser_config(f.z, &rc) == 0);
		for (int j = 0; j < 64; j++)
			REQUIRE(lb_alloc(f.z, 4, 0, &a[j]) == 0);
		for (int j = 0; j < 64; j += 2)
			REQUIRE(lb_free(f.z, a[j], 4) == 0);
		lb_releaser_step(f.z, 1000); /* marks them seen */
		CHECK_EQ(lb_releaser_step(f.z, 2000), 2 * MiB);
		for (int j = 1; j < 64; j += 2)
			REQUIRE(lb_free(f.z, a[j], 4) == 0);
		lb_zone_stats(f.z, &st);
		CHECK_EQ(st.free_blocks[0][4], 32);
		CHECK_EQ(st.free_blocks[1][4], 32);
		CHECK_EQ(lb_alloc(f.z, 10, 0, &b), 0);
		lb_zone_stats(f.z, &st);
		CHECK_EQ(st.allocated_pages, 1024);
		CHECK_EQ(st.accepted_pages, 1024 + 512);
		CHECK(fx_ok(&f));
		fx_fini(&f);
	}
}

/*
 * A backend failure inside a mixed run: only what failed is quarantined,
 * the accepted part goes back to the free lists, and the allocation says
 * LB_EBACKEND. Exact, page 0 accepted: the run's unaccepted stretch is
 * [4K, 4M); the page at 3M fails.
 */
TEST_TSAN(mixed_run_backend_failure_quarantines_only_what_failed)
{
	struct fx f;
	struct lb_fault_backend fb;
	struct lb_null_backend nb;
	struct lb_backend inner, faulty;
	struct lb_stats st;
	uint64_t a;

	lb_null_backend_init(&nb, &inner);
	lb_fault_backend_init(&fb, inner, &faulty);
	REQUIRE(fx_init_with(&f, map4, 1, LB_POLICY_EXACT, 0, 0, faulty) == 0);
	REQUIRE(lb_alloc(f.z, 0, 0, &a) == 0);
	REQUIRE(lb_free(f.z, a, 0) == 0);
	fb.fail_addr = 3 * MiB;
	CHECK_EQ(lb_alloc(f.z, 10, 0, &a), LB_EBACKEND);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.quarantined_pages, 512); /* [2M, 4M): one unit */
	CHECK_EQ(st.free_accepted_pages, 512);
	CHECK_EQ(st.in_flight_pages, 0);
	CHECK_EQ(st.accept_failures, fb.failures);
	CHECK_EQ(lb_zone_page_state(f.z, 3 * MiB), LB_PAGE_QUARANTINED);
	CHECK(fx_ok(&f));
	CHECK_EQ(lb_alloc(f.z, 9, 0, &a), 0);
	CHECK_EQ(a, 0);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* ------------------------------------------------------------- threads */

/*
 * Four threads allocate and free random orders (large ones often, so that
 * mixed runs are common) on 64 KiB units while a fifth runs the releaser,
 * which turns idle accepted blocks back into unaccepted ones between them,
 * and the backend fails one call in 23. Each thread claims the pages it is
 * handed in a shared ownership map. At the end: nothing owned twice, no
 * page accepted twice, the checker happy.
 */
#define MT 4

static const struct lb_range map32[] = {
	{ 0, 32 * MiB, LB_MEM_UNACCEPTED },
};

struct mshared {
	struct lb_zone *z;
	uint8_t *owned; /* per page, atomic */
	int stop, errors;
};

struct mthread {
	struct mshared *sh;
	uint64_t seed;
	int allocs;
};

static bool claim(struct mshared *sh, uint64_t addr, unsigned o, uint8_t v)
{
	for (uint64_t i = 0; i < (UINT64_C(1) << o); i++) {
		uint8_t expect = !v;

		if (!__atomic_compare_exchange_n(&sh->owned[(addr >> LB_PAGE_SHIFT) + i], &expect, v,
						 false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return false;
	}
	return true;
}

static void *mixed_worker(void *p)
{
	struct mthread *t = p;
	uint64_t live[64], a;
	unsigned lo[64];
	int n = 0;

	for (int i = 0; i < 3000; i++) {
		if (n == 64 || (n && fx_rand(&t->seed) % 2)) {
			int k = (int)(fx_rand(&t->seed) % (uint64_t)n);

			if (!claim(t->sh, live[k], lo[k], 0) || lb_free(t->sh->z, live[k], lo[k]))
				__atomic_fetch_add(&t->sh->errors, 1, __ATOMIC_RELAXED);
			live[k] = live[--n];
			lo[k] = lo[n];
		} else {
			unsigned o = fx_rand(&t->seed) % 3 ? fx_pick_order(&t->seed, 10)
							   : 7 + (unsigned)(fx_rand(&t->seed) % 4);
			int rc = lb_alloc(t->sh->z, o, 0, &a);

			if (rc == 0) {
				if (!claim(t->sh, a, o, 1))
					__atomic_fetch_add(&t->sh->errors, 1, __ATOMIC_RELAXED);
				live[n] = a;
				lo[n++] = o;
				t->allocs++;
			} else if (rc != LB_ENOMEM && rc != LB_EBACKEND) {
				__atomic_fetch_add(&t->sh->errors, 1, __ATOMIC_RELAXED);
			}
		}
	}
	while (n--)
		if (!claim(t->sh, live[n], lo[n], 0) || lb_free(t->sh->z, live[n], lo[n]))
			__atomic_fetch_add(&t->sh->errors, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void *mixed_releaser(void *p)
{
	struct mshared *sh = p;
	uint64_t now = 1;

	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		lb_releaser_step(sh->z, now);
		now += 1000;
	}
	return NULL;
}

TEST_TSAN(threads_mixed_runs_release_and_failures)
{
	static const enum lb_policy ps[] = { LB_POLICY_UNIT, LB_POLICY_EXACT, LB_POLICY_LINUX };
	const struct lb_releaser_cfg rc = { .delay_ns = 1, .min_order = 4, .batch = 64 };
	const struct lb_watermarks zero = { 0, 0, 0, 0 };

	for (unsigned pi = 0; pi < 3 && !lbt_failed(); pi++) {
		struct fx f;
		struct lb_null_backend nb;
		struct lb_fault_backend fb;
		struct lb_backend inner, faulty;
		struct mshared sh = { 0 };
		struct mthread t[MT];
		pthread_t th[MT], rel;
		struct lb_stats st;
		int allocs = 0;

		lb_null_backend_init(&nb, &inner);
		lb_fault_backend_init(&fb, inner, &faulty);
		fb.fail_every = 23;
		REQUIRE(fx_init_with(&f, map32, 1, ps[pi], 64 * KiB, 0, faulty) == 0);
		f.sb.check_lock = false;
		REQUIRE(lb_zone_set_watermarks(f.z, &zero) == 0);
		REQUIRE(lb_releaser_config(f.z, &rc) == 0);
		sh.z = f.z;
		sh.owned = calloc(32 * MiB / LB_PAGE_SIZE, 1);
		pthread_create(&rel, NULL, mixed_releaser, &sh);
		for (int i = 0; i < MT; i++) {
			t[i] = (struct mthread){ .sh = &sh, .seed = 1000 * pi + (uint64_t)i };
			pthread_create(&th[i], NULL, mixed_worker, &t[i]);
		}
		for (int i = 0; i < MT; i++) {
			pthread_join(th[i], NULL);
			allocs += t[i].allocs;
		}
		__atomic_store_n(&sh.stop, 1, __ATOMIC_RELEASE);
		pthread_join(rel, NULL);
		CHECK_EQ(sh.errors, 0);
		CHECK(allocs > 1000);
		lb_zone_stats(f.z, &st);
		CHECK_EQ(st.allocated_pages, 0);
		CHECK_EQ(st.in_flight_pages, 0);
		CHECK_EQ(st.free_accepted_pages + st.free_unaccepted_pages + st.quarantined_pages,
			 st.managed_pages);
		CHECK_EQ(st.accept_failures, fb.failures);
		CHECK(fx_ok(&f));
		if (lbt_failed())
			printf("    policy %s\n", lb_policy_name(ps[pi]));
		free(sh.owned);
		fx_fini(&f);
	}
}
