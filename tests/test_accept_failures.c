/* SPDX-License-Identifier: MIT */
/*
 * A failing backend: every entry point makes a bounded number of failed
 * calls and says LB_EBACKEND when the backend is why nothing came of it;
 * a failed batch is retried in halves, so that only the ranges that really
 * fail (down to the unit) are quarantined; a quarantined page is never
 * passed to the backend again, and no page is accepted twice (the strict
 * backend records only calls that succeed).
 */
#include "fixture.h"
#include "harness.h"

#include <stdlib.h>

static const struct lb_range map256[] = {
	{ 0, 256 * MiB, LB_MEM_UNACCEPTED },
};

static const struct lb_range map32[] = {
	{ 0, 4 * MiB, LB_MEM_ACCEPTED },
	{ 4 * MiB, 28 * MiB, LB_MEM_UNACCEPTED },
};

static const struct lb_range map1g[] = {
	{ 0, 4 * MiB, LB_MEM_ACCEPTED },
	{ 4 * MiB, 1 * GiB, LB_MEM_UNACCEPTED },
};

/* A zone over map on the fault backend (over null), inside the strict one. */
struct ffx {
	struct fx f;
	struct lb_null_backend nb;
	struct lb_fault_backend fb;
};

static int ffx_init(struct ffx *t, const struct lb_range *map, size_t n, enum lb_policy p,
		    uint64_t unit, unsigned flags, uint64_t fail_every, uint64_t fail_addr)
{
	struct lb_backend inner, faulty;

	lb_null_backend_init(&t->nb, &inner);
	lb_fault_backend_init(&t->fb, inner, &faulty);
	t->fb.fail_every = fail_every;
	t->fb.fail_addr = fail_addr;
	return fx_init_with(&t->f, map, n, p, unit, flags, faulty);
}

static struct lb_stats stats(struct ffx *t)
{
	struct lb_stats st;

	lb_zone_stats(t->f.z, &st);
	return st;
}

/* Every page is in exactly one place, and none was lost to the failures
 * beyond what is quarantined. */
static void check_pages_add_up(struct ffx *t)
{
	struct lb_stats st = stats(t);

	CHECK_EQ(st.free_accepted_pages + st.free_unaccepted_pages + st.allocated_pages +
			 st.quarantined_pages + st.in_flight_pages + st.cached_pages,
		 st.managed_pages);
	CHECK_EQ(st.accept_failures, t->fb.failures);
	CHECK(fx_ok(&t->f));
}

/* ----------------------------------------------- a backend that always fails */

/*
 * One lb_alloc against a backend that fails every call: at most 4 failed
 * calls, at most 4 units quarantined, and LB_EBACKEND, not LB_ENOMEM. The
 * next allocation is bounded the same way.
 */
static void always_failing_alloc(enum lb_policy p)
{
	struct ffx t;
	uint64_t a, calls;

	REQUIRE(ffx_init(&t, map256, 1, p, 0, 0, 1, UINT64_MAX) == 0);
	calls = t.fb.calls; /* eager tried at set-up: bounded too */
	CHECK(calls <= 4);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(lb_alloc(t.f.z, 0, 0, &a), LB_EBACKEND);
		CHECK(t.fb.calls - calls <= 4);
		CHECK(t.fb.calls > calls);
		calls = t.fb.calls;
	}
	CHECK(stats(&t).quarantined_pages <= 3 * 4 * 512);
	CHECK_EQ(lb_alloc(t.f.z, 0, LB_ALLOC_NOWAIT, &a), LB_EAGAIN); /* no call */
	CHECK_EQ(t.fb.calls, calls);
	check_pages_add_up(&t);
	if (lbt_failed())
		printf("    policy %s: %llu calls\n", lb_policy_name(p),
		       (unsigned long long)t.fb.calls);
	fx_fini(&t.f);
}

TEST_TSAN(failing_backend_alloc_unit)
{
	always_failing_alloc(LB_POLICY_UNIT);
}

TEST_TSAN(failing_backend_alloc_exact)
{
	always_failing_alloc(LB_POLICY_EXACT);
}

TEST_TSAN(failing_backend_alloc_linux)
{
	always_failing_alloc(LB_POLICY_LINUX);
}

TEST_TSAN(failing_backend_alloc_eager)
{
	always_failing_alloc(LB_POLICY_EAGER);
}

TEST_TSAN(failing_backend_alloc_background)
{
	always_failing_alloc(LB_POLICY_BACKGROUND);
}

/* The other entry points: each bounded, each says LB_EBACKEND. */
TEST_TSAN(failing_backend_every_entry_point)
{
	struct ffx t;
	struct lb_cache *c;
	void *mem = aligned_alloc(64, (lb_cache_size() + 63) & ~(size_t)63);
	uint64_t a, calls;

	REQUIRE(ffx_init(&t, map256, 1, LB_POLICY_BACKGROUND, 0, 0, 1, UINT64_MAX) == 0);
	CHECK_EQ(lb_zone_accept(t.f.z, 0), LB_EBACKEND);
	CHECK(t.fb.calls <= 4);
	calls = t.fb.calls;
	CHECK_EQ(lb_zone_setup_accept(t.f.z, 0), LB_EBACKEND);
	CHECK(t.fb.calls - calls <= 4);
	calls = t.fb.calls;
	CHECK_EQ(lb_acceptor_step(t.f.z, 1000000), LB_EBACKEND);
	CHECK_EQ(t.fb.calls - calls, 1); /* one failed call a pass */
	calls = t.fb.calls;
	REQUIRE(lb_cache_init(&c, t.f.z, mem, lb_cache_size()) == 0);
	CHECK_EQ(lb_cache_alloc(c, 0, 0, &a), LB_EBACKEND);
	CHECK(t.fb.calls - calls <= 4);
	calls = t.fb.calls;
	CHECK_EQ(lb_cache_alloc(c, 5, 0, &a), LB_EBACKEND); /* above the cache */
	CHECK(t.fb.calls - calls <= 4);
	calls = t.fb.calls;
	CHECK_EQ(lb_zone_set_policy(t.f.z, LB_POLICY_EAGER), 0);
	CHECK(t.fb.calls - calls <= 4);
	CHECK(stats(&t).quarantined_pages < stats(&t).managed_pages / 4);
	lb_cache_fini(c);
	check_pages_add_up(&t);
	free(mem);
	fx_fini(&t.f);
}

/* lb_stats.alloc_failures counts the answers the header names (LB_ENOMEM,
 * LB_EAGAIN, LB_EBUSY), not LB_EBACKEND, through the zone and a cache. */
TEST_TSAN(failing_backend_not_counted_as_alloc_failures)
{
	struct ffx t;
	struct lb_cache *c;
	void *mem = aligned_alloc(64, (lb_cache_size() + 63) & ~(size_t)63);
	uint64_t a;

	REQUIRE(mem);
	REQUIRE(ffx_init(&t, map256, 1, LB_POLICY_UNIT, 0, 0, 1, UINT64_MAX) == 0);
	REQUIRE(lb_cache_init(&c, t.f.z, mem, lb_cache_size()) == 0);
	CHECK_EQ(lb_alloc(t.f.z, 0, 0, &a), LB_EBACKEND);
	CHECK_EQ(lb_cache_alloc(c, 0, 0, &a), LB_EBACKEND);
	CHECK_EQ(lb_cache_alloc(c, 5, 0, &a), LB_EBACKEND);
	CHECK_EQ(stats(&t).alloc_failures, 0);
	CHECK_EQ(lb_alloc(t.f.z, 0, LB_ALLOC_NOWAIT, &a), LB_EAGAIN);
	CHECK_EQ(lb_cache_alloc(c, 0, LB_ALLOC_NOWAIT, &a), LB_EAGAIN);
	CHECK_EQ(stats(&t).alloc_failures, 2);
	lb_cache_fini(c);
	free(mem);
	fx_fini(&t.f);
}

/* When the host recovers, what was not quarantined is used again. */
TEST_TSAN(failing_backend_recovers)
{
	struct ffx t;
	struct lb_stats st;
	uint64_t a;
	int n = 0;

	REQUIRE(ffx_init(&t, map256, 1, LB_POLICY_UNIT, 0, 0, 1, UINT64_MAX) == 0);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(lb_alloc(t.f.z, 9, 0, &a), LB_EBACKEND);
	t.fb.fail_every = 0;
	while (lb_alloc(t.f.z, 9, 0, &a) == 0)
		n++;
	st = stats(&t);
	CHECK_EQ((uint64_t)n * 512 + st.quarantined_pages, st.managed_pages);
	CHECK_EQ(st.free_unaccepted_pages, 0);
	check_pages_add_up(&t);
	fx_fini(&t.f);
}

/* ------------------------------------------ one bad page in a large batch */

/* Accept everything that can be, by whatever entry point; returns how many
 * failed calls the longest single step made. */
static uint64_t accept_all(struct ffx *t, int how)
{
	uint64_t worst = 0;

	for (int guard = 0; guard < 100000; guard++) {
		uint64_t before = t->fb.failures;
		int64_t got = how == 0   ? lb_zone_accept(t->f.z, 0)
			      : how == 1 ? lb_zone_setup_accept(t->f.z, 0)
					 : lb_acceptor_step(t->f.z, (uint64_t)(guard + 1) * 1000000);

		if (t->fb.failures - before > worst)
			worst = t->fb.failures - before;
		if (got == 0)
			break;
		CHECK(got > 0 || got == LB_EBACKEND);
	}
	return worst;
}

/* Only the unit holding the bad page is quarantined, everything else is
 * accepted, and the bad page is passed to the backend no more. */
static void check_one_unit_lost(struct ffx *t, uint64_t bad)
{
	struct lb_stats st = stats(t);
	uint64_t failures = t->fb.failures;

	CHECK_EQ(st.quarantined_pages, 512);
	CHECK_EQ(st.free_unaccepted_pages, 0);
	CHECK_EQ(lb_zone_page_state(t->f.z, bad), LB_PAGE_QUARANTINED);
	CHECK_EQ(lb_zone_accept(t->f.z, 0), 0);
	CHECK_EQ(t->fb.failures, failures);
	check_pages_add_up(t);
}

TEST_TSAN(bad_page_setup_accept_batch_of_1g)
{
	struct ffx t;
	uint64_t bad = 4 * MiB + 512 * MiB + 12345;
	int64_t first;

	REQUIRE(ffx_init(&t, map1g, 2, LB_POLICY_EAGER, 0, LB_CFG_SETUP_LATER, 0, bad) == 0);
	first = lb_zone_setup_accept(t.f.z, 0);
	CHECK(first > 0);           /* the batch is not lost */
	CHECK(t.fb.failures <= 4);  /* bounded per call */
	CHECK(accept_all(&t, 1) <= 4);
	check_one_unit_lost(&t, bad);
	fx_fini(&t.f);
}

TEST_TSAN(bad_page_eager_setup_and_zone_accept)
{
	struct ffx t;
	uint64_t bad = 18 * MiB;

	REQUIRE(ffx_init(&t, map32, 2, LB_POLICY_EAGER, 0, 0, 0, bad) == 0);
	CHECK(t.fb.failures <= 4);
	CHECK(stats(&t).quarantined_pages <= 512);
	CHECK(accept_all(&t, 0) <= 4);
	check_one_unit_lost(&t, bad);
	fx_fini(&t.f);

	REQUIRE(ffx_init(&t, map1g, 2, LB_POLICY_UNIT, 0, 0, 0, bad) == 0);
	CHECK(accept_all(&t, 0) <= 4);
	check_one_unit_lost(&t, bad);
	fx_fini(&t.f);
}

/* The acceptor: one failed call a pass at most, batches of 16 MiB. */
TEST_TSAN(bad_page_acceptor_batches)
{
	struct ffx t;
	uint64_t bad = 4 * MiB + 100 * MiB + 5 * LB_PAGE_SIZE;
	const struct lb_acceptor_cfg ac = { .reserve_bytes = 2 * GiB, .batch_bytes = 16 * MiB };

	REQUIRE(ffx_init(&t, map1g, 2, LB_POLICY_BACKGROUND, 0, 0, 0, bad) == 0);
	REQUIRE(lb_acceptor_config(t.f.z, &ac) == 0);
	CHECK(accept_all(&t, 2) <= 1);
	check_one_unit_lost(&t, bad);
	fx_fini(&t.f);
}

/*
 * Allocations: 4 MiB blocks and 64 KiB units, so finding the bad page takes
 * more halvings than one allocation may fail; later allocations go on
 * where it stopped. In the end only the 64 KiB unit holding it is lost.
 */
TEST_TSAN(bad_page_allocations_small_units)
{
	static const enum lb_policy ps[] = { LB_POLICY_UNIT, LB_POLICY_EXACT, LB_POLICY_LINUX };
	uint64_t bad = 37 * MiB + 3 * LB_PAGE_SIZE;

	for (unsigned i = 0; i < 3; i++) {
		struct ffx t;
		struct lb_stats st;
		uint64_t a, held = 0, before;
		int rc;

		REQUIRE(ffx_init(&t, map256, 1, ps[i], 64 * KiB, 0, 0, bad) == 0);
		for (;;) {
			before = t.fb.failures;
			rc = lb_alloc(t.f.z, 10, 0, &a);
			CHECK(t.fb.failures - before <= 4);
			if (rc == LB_ENOMEM)
				break;
			CHECK(rc == 0 || rc == LB_EBACKEND);
			held += rc == 0;
			if (lbt_failed())
				break;
		}
		/* What is left: order-4 blocks around the lost unit. */
		for (int guard = 0; guard < 1000; guard++) {
			rc = lb_alloc(t.f.z, 4, 0, &a);
			if (rc != 0 && rc != LB_EBACKEND)
				break;
		}
		CHECK_EQ(rc, LB_ENOMEM);
		st = stats(&t);
		CHECK_EQ(st.quarantined_pages, 16);
		CHECK_EQ(st.free_unaccepted_pages, 0);
		CHECK_EQ(lb_zone_page_state(t.f.z, bad), LB_PAGE_QUARANTINED);
		CHECK(held >= 60);
		check_pages_add_up(&t);
		if (lbt_failed())
			printf("    policy %s\n", lb_policy_name(ps[i]));
		fx_fini(&t.f);
		if (lbt_failed())
			break;
	}
}

/* ------------------------------------ more bad pages than suspects */

/* A backend whose calls fail when they hold one page of a set: page 7 of
 * every 2 MiB, more bad pages than the zone remembers suspects. */
struct bad_set {
	uint64_t calls, failures;
	uint64_t max_pages; /* nonzero: fail every call longer, bad pages or not */
};

static int bad_set_accept(void *ctx, uint64_t addr, uint64_t size)
{
	struct bad_set *b = ctx;
	uint64_t first = addr >> LB_PAGE_SHIFT, n = size >> LB_PAGE_SHIFT;

	b->calls++;
	/* the first page p >= first with p % 512 == 7 */
	if ((b->max_pages && n > b->max_pages) ||
	    (!b->max_pages && ((first + 504) & ~UINT64_C(511)) + 7 < first + n)) {
		b->failures++;
		return LB_EBACKEND;
	}
	return 0;
}

static int bad_set_release(void *ctx, uint64_t addr, uint64_t size)
{
	(void)ctx;
	(void)addr;
	(void)size;
	return 0;
}

static const struct lb_backend_ops bad_set_ops = { "bad-set", bad_set_accept, bad_set_release,
						   NULL };

/* Whatever the suspect table holds, a bad page costs in the end only its
 * unit, and each operation a bounded number of failed calls: ALLOC_FAILS
 * and, once the table is full, one more for each halving down to the unit
 * (here 9, from a 2 MiB block to 4 KiB). 40 allocations of 2 MiB, each
 * over a block with one bad page, leave more suspects than the zone
 * remembers; then an lb_zone_accept() and acceptor passes over the rest. */
TEST_TSAN(bad_pages_more_than_suspects_cost_their_units)
{
	static const struct lb_range map[] = { { 0, 128 * MiB, LB_MEM_UNACCEPTED } };
	struct bad_set b = { 0, 0, 0 };
	struct lb_backend be = { &bad_set_ops, &b };
	struct lb_acceptor_cfg ac = { .reserve_bytes = 32 * MiB };
	struct fx f;
	struct lb_stats st;
	uint64_t a, before, bad_pages = 128 * MiB / (2 * MiB);

	REQUIRE(fx_init_with(&f, map, 1, LB_POLICY_EXACT, 4 * KiB, 0, be) == 0);
	for (int i = 0; i < 40; i++) {
		before = b.failures;
		CHECK_EQ(lb_alloc(f.z, 9, 0, &a), LB_EBACKEND);
		CHECK(b.failures - before <= 4 + 9);
		lb_zone_stats(f.z, &st);
		CHECK(st.quarantined_pages <= bad_pages);
	}
	before = b.failures;
	CHECK(lb_zone_accept(f.z, 0) > 0); /* what it could: the good parts */
	CHECK(b.failures - before <= 4 + 18); /* a run of up to 1 GiB */
	REQUIRE(lb_acceptor_config(f.z, &ac) == 0);
	for (uint64_t t = 1; t < 200; t++) {
		before = b.failures;
		lb_acceptor_step(f.z, t * 1000000);
		CHECK(b.failures - before <= 1 + 12); /* up to 16 MiB a pass */
	}
	lb_zone_stats(f.z, &st);
	CHECK(st.quarantined_pages <= bad_pages);
	/* A host that refuses calls over 16 pages, the table still full: the
	 * budget is given once more, not at every failure (1903 calls before) */
	b.max_pages = 16;
	before = b.failures;
	lb_zone_accept(f.z, 0);
	CHECK(b.failures - before <= 4 + 18);
	CHECK(fx_ok(&f));
	if (lbt_failed())
		printf("    %llu quarantined, %llu failed calls\n",
		       (unsigned long long)st.quarantined_pages, (unsigned long long)b.failures);
	fx_fini(&f);
}

/* linux's 4 MiB blocks with 2 MiB units: the half that fails is lost. */
TEST_TSAN(bad_page_linux_block)
{
	struct ffx t;
	uint64_t a, bad = 6 * MiB + 100 * LB_PAGE_SIZE;
	int n = 0;

	REQUIRE(ffx_init(&t, map32, 2, LB_POLICY_LINUX, 0, 0, 0, bad) == 0);
	while (lb_alloc(t.f.z, 0, 0, &a) == 0)
		n++;
	CHECK_EQ(n, 8192 - 512);
	CHECK_EQ(stats(&t).quarantined_pages, 512);
	CHECK_EQ(t.fb.failures, 2);
	check_pages_add_up(&t);
	fx_fini(&t.f);
}

/* ------------------------------------------------- random, with bad pages */

/*
 * Random operations of every kind over a zone with three bad pages and,
 * for most of the run, transient failures too. The backend checks that
 * every page passed to it is in flight (so never a quarantined one, I2),
 * each operation makes at most its budget of failed calls, the checker
 * and the strict backend stay happy; and once the host stops failing,
 * accepting everything ends with exactly the bad pages' units quarantined
 * among what is left (suspects resolved).
 */
struct probe {
	struct lb_zone *z;
	uint64_t bad[3];
	uint64_t seed, transient; /* fail one call in transient (0: none) */
	uint64_t calls, failures, not_in_flight;
};

static int probe_accept(void *ctx, uint64_t addr, uint64_t size)
{
	struct probe *p = ctx;

	p->calls++;
	for (uint64_t a = addr; p->z && a < addr + size; a += LB_PAGE_SIZE) /* not at set-up */
		if (lb_zone_page_state(p->z, a) != LB_PAGE_IN_FLIGHT)
			p->not_in_flight++;
	for (int i = 0; i < 3; i++)
		if (p->bad[i] >= addr && p->bad[i] - addr < size) {
			p->failures++;
			return LB_EBACKEND;
		}
	if (p->transient && fx_rand(&p->seed) % p->transient == 0) {
		p->failures++;
		return LB_EBACKEND;
	}
	return 0;
}

static int probe_release(void *ctx, uint64_t addr, uint64_t size)
{
	(void)ctx, (void)addr, (void)size;
	return 0;
}

static const struct lb_backend_ops probe_ops = { "probe", probe_accept, probe_release, NULL };

static const struct lb_range map24u[] = {
	{ 0, 2 * MiB, LB_MEM_ACCEPTED },
	{ 2 * MiB, 22 * MiB - 8 * KiB, LB_MEM_UNACCEPTED },
};

static void bad_pages_random(enum lb_policy pol, uint64_t unit, uint64_t seed)
{
	struct fx f;
	struct probe pr = { .bad = { 5 * MiB + 7 * LB_PAGE_SIZE, 13 * MiB, 21 * MiB + 300 * KiB },
			    .seed = seed, .transient = 40 };
	struct lb_backend inner = { &probe_ops, &pr };
	const struct lb_releaser_cfg rc = { .delay_ns = 1, .min_order = 4, .batch = 64 };
	const struct lb_watermarks zero = { 0, 0, 0, 0 };
	struct lb_stats st;
	uint64_t live[512], a;
	unsigned lo[512];
	int n = 0;

	REQUIRE(fx_init_with(&f, map24u, 2, pol, unit, 0, inner) == 0);
	pr.z = f.z;
	f.sb.check_lock = false; /* the probe takes the lock in the call */
	REQUIRE(lb_releaser_config(f.z, &rc) == 0);
	if (seed & 1)
		REQUIRE(lb_zone_set_watermarks(f.z, &zero) == 0);
	for (int op = 0; op < 4000 && !lbt_failed(); op++) {
		uint64_t r = fx_rand(&seed) % 100, before = pr.failures, budget = 4;
		int64_t got;

		if (op == 3000)
			pr.transient = 0;
		if (r < 50 && n < 512) {
			unsigned o = fx_pick_order(&seed, 10);
			unsigned fl = fx_rand(&seed) % 10 == 0 ? LB_ALLOC_NOWAIT : 0;
			int rc2 = lb_alloc(f.z, o, fl, &a);

			CHECK(rc2 == 0 || rc2 == LB_ENOMEM || rc2 == LB_EBACKEND || rc2 == LB_EAGAIN);
			if (rc2 == 0) {
				for (int i = 0; i < 3; i++)
					CHECK(pr.bad[i] < a || pr.bad[i] - a >= LB_PAGE_SIZE << o);
				live[n] = a;
				lo[n++] = o;
			}
		} else if (r < 88 && n) {
			int k = (int)(fx_rand(&seed) % (uint64_t)n);

			CHECK_EQ(lb_free(f.z, live[k], lo[k]), 0);
			live[k] = live[--n];
			lo[k] = lo[n];
		} else if (r < 91 && (pol == LB_POLICY_BACKGROUND || pol == LB_POLICY_ADAPTIVE)) {
			got = lb_acceptor_step(f.z, (uint64_t)op * 1000000 + 1);
			CHECK(got >= 0 || got == LB_EBACKEND);
			budget = 1;
		} else if (r < 93) {
			got = lb_zone_accept(f.z, (fx_rand(&seed) % 256) * LB_PAGE_SIZE);
			CHECK(got >= 0 || got == LB_EBACKEND);
		} else if (r < 94 && (op & 1)) {
			got = lb_zone_setup_accept(f.z, (fx_rand(&seed) % 512) * LB_PAGE_SIZE);
			CHECK(got >= 0 || got == LB_EBACKEND);
		} else if (r < 96) {
			lb_releaser_step(f.z, (uint64_t)op * 1000000 + 1);
		}
		CHECK(pr.failures - before <= budget);
		if (op % 64 == 0)
			CHECK(fx_ok(&f));
	}
	CHECK_EQ(pr.not_in_flight, 0);
	while (n) {
		n--;
		CHECK_EQ(lb_free(f.z, live[n], lo[n]), 0);
	}
	for (int guard = 0; guard < 1000 && lb_zone_accept(f.z, 0) != 0; guard++)
		;
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.free_unaccepted_pages, 0);
	CHECK_EQ(st.in_flight_pages, 0);
	CHECK_EQ(st.accept_failures, pr.failures);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(lb_zone_page_state(f.z, pr.bad[i]), LB_PAGE_QUARANTINED);
	CHECK_EQ(st.free_accepted_pages + st.quarantined_pages, st.managed_pages);
	CHECK(fx_ok(&f));
	CHECK_EQ(pr.not_in_flight, 0);
	if (lbt_failed())
		printf("    policy %s, unit %llu KiB\n", lb_policy_name(pol),
		       (unsigned long long)(unit / KiB));
	fx_fini(&f);
}

TEST_TSAN(bad_pages_random_every_policy)
{
	static const enum lb_policy ps[] = {
		LB_POLICY_UNIT, LB_POLICY_EXACT, LB_POLICY_LINUX,
		LB_POLICY_EAGER, LB_POLICY_BACKGROUND, LB_POLICY_ADAPTIVE,
	};

	for (unsigned i = 0; i < 6 && !lbt_failed(); i++)
		for (uint64_t seed = 1; seed <= 3 && !lbt_failed(); seed++) {
			bad_pages_random(ps[i], 0, seed);
			bad_pages_random(ps[i], 64 * KiB, seed + 100);
		}
}
