/* SPDX-License-Identifier: MIT */
/*
 * Promises of the public headers that a line-by-line re-read found broken
 * or untested, each checked as the header words it: a backend's error
 * code, whatever it is, is a backend failure within the budget; one
 * lb_cache_alloc() is one operation, drain and retry included; the model
 * backend's clock saturates; bad input to the setters changes nothing.
 */
#include "fixture.h"
#include "harness.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------- any error code is a backend failure */

static uint64_t corrupt_calls;

static int corrupt_accept(void *ctx, uint64_t addr, uint64_t size)
{
	(void)ctx, (void)addr, (void)size;
	corrupt_calls++;
	return LB_ECORRUPT; /* negative and an LB_E* code, as the header allows */
}

static int ok_release(void *ctx, uint64_t addr, uint64_t size)
{
	(void)ctx, (void)addr, (void)size;
	return 0;
}

static const struct lb_backend_ops corrupt_ops = { "corrupt", corrupt_accept, ok_release, NULL };

/* lazybuddy.h: "Return 0 or a negative LB_E* code"; then "each operation
 * makes a bounded number of failed calls", "a host that fails every call
 * costs each operation a few units, not the zone", and LB_EBACKEND "when
 * calls failed and it accepted nothing". A backend answering LB_ECORRUPT
 * was taken for the shadow record's refusal: no budget, the whole range
 * quarantined at once, LB_ECORRUPT to the caller. */
TEST_TSAN(failing_backend_any_error_code_is_a_backend_failure)
{
	static const struct lb_range map[] = {
		{ 0, 4 * MiB, LB_MEM_ACCEPTED },
		{ 4 * MiB, 252 * MiB, LB_MEM_UNACCEPTED },
	};
	struct lb_backend inner = { &corrupt_ops, NULL };
	struct lb_stats st;
	struct fx f;
	uint64_t a;
	int64_t got;
	int rc;

	REQUIRE(fx_init_with(&f, map, 2, LB_POLICY_EXACT, 0, 0, inner) == 0);
	while (lb_alloc(f.z, 0, LB_ALLOC_NOWAIT, &a) == 0) /* the firmware's memory */
		;
	corrupt_calls = 0;
	rc = lb_alloc(f.z, 0, 0, &a);
	CHECK_EQ(rc, LB_EBACKEND);
	CHECK(corrupt_calls <= 4 + 10);
	corrupt_calls = 0;
	got = lb_zone_accept(f.z, 0);
	CHECK_EQ(got, LB_EBACKEND);
	CHECK(corrupt_calls <= 4 + 18);
	lb_zone_stats(f.z, &st);
	CHECK(st.quarantined_pages <= 4 * (2 * MiB / LB_PAGE_SIZE)); /* a few units */
	CHECK(st.free_unaccepted_pages > 200 * MiB / LB_PAGE_SIZE);   /* not the zone */
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* ----------------------- one cache allocation, one failure budget */

/* A zone of 4 KiB pages, accepted and unaccepted in turn, whose odd pages
 * below 14 fail to accept, and one unaccepted page (G) whose accept waits
 * at a gate until the test opens it. */
#define PG LB_PAGE_SIZE
#define G (15 * PG)

struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int in, open;
	uint64_t failed;
	struct lb_zone *z;
};

static int gate_accept(void *ctx, uint64_t addr, uint64_t size)
{
	struct gate *g = ctx;

	if (addr <= G && G < addr + size) {
		pthread_mutex_lock(&g->mu);
		g->in = 1;
		pthread_cond_broadcast(&g->cv);
		while (!g->open)
			pthread_cond_wait(&g->cv, &g->mu);
		pthread_mutex_unlock(&g->mu);
		return 0;
	}
	for (uint64_t p = addr / PG; p < (addr + size) / PG; p++) {
		if (p < 14 && (p & 1)) {
			__atomic_fetch_add(&g->failed, 1, __ATOMIC_RELAXED);
			return LB_EBACKEND;
		}
	}
	return 0;
}

static const struct lb_backend_ops gate_ops = { "gate", gate_accept, ok_release, NULL };

static void *gate_alloc(void *arg)
{
	struct gate *g = arg;
	uint64_t a;

	CHECK_EQ(lb_alloc(g->z, 0, 0, &a), 0); /* the gate's page */
	return NULL;
}

/* lazybuddy.h: "4 for an allocation (lb_alloc(), lb_cache_alloc(), ...)".
 * The cache's allocation that finds only memory in flight (LB_EBUSY for
 * ATOMIC) after failed calls drains its blocks, which make new runs of
 * good and bad pages, and asks the zone again: that try had a budget of
 * its own, 7 failed calls in one lb_cache_alloc(). */
TEST_TSAN(cache_threads_one_budget_across_the_drain_and_retry)
{
	struct lb_range map[16];
	struct gate g = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, NULL };
	struct lb_backend be = { &gate_ops, &g };
	struct lb_config cfg = { .ranges = map, .nranges = 16, .unit = PG,
				 .policy = LB_POLICY_EXACT, .backend = be };
	struct lb_cache *c;
	void *meta, *cmem;
	size_t size;
	uint64_t a[16], x;
	pthread_t th;
	int n = 0, rc;

	map[0] = (struct lb_range){ G, PG, LB_MEM_UNACCEPTED }; /* first: the list's head */
	for (unsigned p = 0; p < 15; p++)
		map[p + 1] = (struct lb_range){ p * PG, PG,
						(p & 1) ? LB_MEM_UNACCEPTED : LB_MEM_ACCEPTED };
	REQUIRE(lb_zone_meta_size(&cfg, &size) == 0);
	meta = aligned_alloc(64, (size + 63) & ~(size_t)63);
	cmem = aligned_alloc(64, (lb_cache_size() + 63) & ~(size_t)63);
	REQUIRE(meta && cmem);
	REQUIRE(lb_zone_init(&g.z, meta, size, &cfg) == 0);
	while (n < 16 && lb_alloc(g.z, 0, LB_ALLOC_NOWAIT, &a[n]) == 0)
		n++;
	REQUIRE(lb_cache_init(&c, g.z, cmem, lb_cache_size()) == 0);
	for (uint64_t p = 6; p <= 12; p += 2)
		REQUIRE(lb_cache_free(c, p * PG, 0) == 0);
	REQUIRE(pthread_create(&th, NULL, gate_alloc, &g) == 0);
	pthread_mutex_lock(&g.mu);
	while (!g.in)
		pthread_cond_wait(&g.cv, &g.mu);
	pthread_mutex_unlock(&g.mu);
	for (uint64_t p = 0; p <= 4; p += 2)
		REQUIRE(lb_free(g.z, p * PG, 0) == 0);
	__atomic_store_n(&g.failed, 0, __ATOMIC_RELAXED);
	rc = lb_cache_alloc(c, 1, LB_ALLOC_ATOMIC, &x);
	CHECK(rc == LB_EBACKEND || rc == LB_EBUSY);
	CHECK(__atomic_load_n(&g.failed, __ATOMIC_RELAXED) <= 4);
	pthread_mutex_lock(&g.mu);
	g.open = 1;
	pthread_cond_broadcast(&g.cv);
	pthread_mutex_unlock(&g.mu);
	pthread_join(th, NULL);
	lb_cache_drain(c);
	CHECK_EQ(lb_zone_check(g.z, NULL, 0), 0);
	lb_zone_fini(g.z);
	free(cmem);
	free(meta);
}

/* ------------------------------------------- the model's clock */

/* lazybuddy_backends.h: costs "saturate at UINT64_MAX rather than wrap"
 * and the clock is "the sum of all costs charged": the sum wrapped, and
 * the clock ran backwards. */
TEST(model_clock_saturates)
{
	struct lb_model_params p;
	struct lb_model_backend mb;
	struct lb_backend b;
	uint64_t c1, c2, c3;

	REQUIRE(lb_model_preset("tdx", &p) == LB_OK);
	p.page_ns = UINT64_MAX / 3;
	lb_model_backend_init(&mb, &p, &b);
	CHECK_EQ(b.ops->accept(b.ctx, 0, PG), 0);
	c1 = lb_model_clock(&mb);
	CHECK_EQ(b.ops->accept(b.ctx, PG, 2 * PG), 0);
	c2 = lb_model_clock(&mb);
	CHECK_EQ(b.ops->accept(b.ctx, MiB, MiB), 0);
	c3 = lb_model_clock(&mb);
	CHECK(c1 <= c2 && c2 <= c3);
	CHECK(c3 == UINT64_MAX);
	CHECK_EQ(b.ops->release(b.ctx, 0, PG), 0);
	CHECK(lb_model_clock(&mb) == UINT64_MAX);
}

/* ------------------------------------------- promises only untested */

/* lb_zone_init: "else LB_ENOSPACE; ... neither touches meta". */
TEST(zone_init_too_small_leaves_meta_untouched)
{
	static const struct lb_range map[] = { { 0, 64 * MiB, LB_MEM_UNACCEPTED } };
	struct lb_null_backend nb;
	struct lb_config cfg = { .ranges = map, .nranges = 1, .policy = LB_POLICY_UNIT };
	struct lb_zone *z = NULL;
	unsigned char *meta, *copy;
	size_t size;

	lb_null_backend_init(&nb, &cfg.backend);
	REQUIRE(lb_zone_meta_size(&cfg, &size) == 0);
	meta = aligned_alloc(64, (size + 63) & ~(size_t)63);
	copy = malloc(size);
	REQUIRE(meta && copy);
	memset(meta, 0xa5, size);
	memcpy(copy, meta, size);
	CHECK_EQ(lb_zone_init(&z, meta, size - 1, &cfg), LB_ENOSPACE);   /* too small */
	CHECK_EQ(lb_zone_init(&z, meta + 8, size, &cfg), LB_ENOSPACE);   /* misaligned */
	CHECK(memcmp(meta, copy, size) == 0);
	CHECK(z == NULL);
	free(copy);
	free(meta);
}

/* A release that fails: "it is quarantined", "the others go on, and the
 * pass returns the bytes released (0 if none, never LB_EBACKEND)". */
static int release_low_fails(void *ctx, uint64_t addr, uint64_t size)
{
	(void)ctx, (void)size;
	return addr < 64 * MiB ? LB_EBACKEND : 0;
}

static int accept_ok(void *ctx, uint64_t addr, uint64_t size)
{
	(void)ctx, (void)addr, (void)size;
	return 0;
}

static const struct lb_backend_ops half_release_ops = { "half-release", accept_ok,
							release_low_fails, NULL };

TEST(releaser_failed_release_quarantines_the_block_and_goes_on)
{
	static const struct lb_range map[] = { { 0, 128 * MiB, LB_MEM_ACCEPTED } };
	struct lb_releaser_cfg rc = { .delay_ns = 1, .min_order = 9, .batch = 64 };
	const struct lb_watermarks zero = { 0, 0, 0, 0 };
	struct lb_backend inner = { &half_release_ops, NULL };
	struct lb_stats st;
	struct fx f;
	int64_t got;

	REQUIRE(fx_init_with(&f, map, 1, LB_POLICY_UNIT, 0, 0, inner) == 0);
	REQUIRE(lb_releaser_config(f.z, &rc) == 0);
	REQUIRE(lb_zone_set_watermarks(f.z, &zero) == 0);
	CHECK_EQ(lb_releaser_step(f.z, 10), 0); /* marks what is free */
	got = lb_releaser_step(f.z, 20);
	lb_zone_stats(f.z, &st);
	CHECK(got > 0);
	CHECK(got == (int64_t)(st.released_pages * LB_PAGE_SIZE));
	CHECK(st.quarantined_pages > 0); /* the blocks below 64 MiB it took */
	CHECK_EQ(st.quarantined_pages + st.free_accepted_pages + st.free_unaccepted_pages,
		 st.managed_pages); /* the released ones unaccepted on the lists */
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* "Start while running is LB_EINVAL", for the releaser too; bad input to
 * lb_releaser_config() and lb_zone_set_policy() changes nothing. */
TEST(releaser_start_twice_and_bad_settings_change_nothing)
{
	static const struct lb_range map[] = { { 0, 64 * MiB, LB_MEM_ACCEPTED } };
	struct lb_releaser_cfg good = { .delay_ns = 1000, .min_order = 9, .batch = 8 };
	struct lb_releaser_cfg bad = { .delay_ns = 5, .min_order = LB_MAX_ORDER + 1, .batch = 8 };
	uint64_t until = 0;
	struct fx f;

	REQUIRE(fx_init(&f, map, 1, LB_POLICY_UNIT) == 0);
	REQUIRE(lb_releaser_config(f.z, &good) == 0);
	CHECK_EQ(lb_releaser_config(f.z, &bad), LB_EINVAL);
	bad.min_order = 9;
	bad.batch = 65;
	CHECK_EQ(lb_releaser_config(f.z, &bad), LB_EINVAL);
	lb_releaser_step(f.z, 100);
	CHECK_EQ(lb_releaser_resting(f.z, 100, &until), 1);
	CHECK(until == 1100); /* the good delay, not the bad one's 5 */
	CHECK_EQ(lb_zone_set_policy(f.z, LB_POLICY_COUNT), LB_EINVAL);
	CHECK_EQ(lb_zone_policy(f.z), LB_POLICY_UNIT);
	CHECK_EQ(lb_releaser_start(f.z), 0);
	CHECK_EQ(lb_releaser_start(f.z), LB_EINVAL);
	CHECK_EQ(lb_releaser_stop(f.z), 0);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

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
