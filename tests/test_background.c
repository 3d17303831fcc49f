/* SPDX-License-Identifier: MIT */
/* The acceptor (front placement, bounded reserve, adaptive sizing), the
 * releaser (idle delay, floor, tail placement, re-acceptance), and both
 * running as threads under allocating threads. */
#include "fixture.h"
#include "harness.h"

#include "../src/internal.h" /* list heads and tails, to observe placement */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MS UINT64_C(1000000)

TEST(acceptor_puts_blocks_at_the_front)
{
	struct fx f;
	struct lb_acceptor_cfg ac = { .reserve_bytes = 8 * MiB, .batch_bytes = 4 * MiB };
	uint64_t addr;

	REQUIRE(fx_init(&f, fx_map64, 2, LB_POLICY_BACKGROUND) == 0);
	REQUIRE(lb_acceptor_config(f.z, &ac) == 0);
	CHECK_EQ(lb_acceptor_step(f.z, 1 * MS), 4 * MiB);
	/* The firmware block at 0 was first in line; the acceptor's block
	 * went in front of it. */
	REQUIRE(lb_alloc(f.z, 10, LB_ALLOC_NOWAIT, &addr) == 0);
	CHECK_EQ(addr, 4 * MiB);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

TEST(acceptor_stops_at_the_reserve)
{
	struct fx f;
	struct lb_acceptor_cfg ac = { .reserve_bytes = 16 * MiB, .batch_bytes = 4 * MiB };
	struct lb_stats st;
	int64_t got, total = 0;
	int passes = 0;

	REQUIRE(fx_init(&f, fx_map64, 2, LB_POLICY_BACKGROUND) == 0);
	REQUIRE(lb_acceptor_config(f.z, &ac) == 0);
	while ((got = lb_acceptor_step(f.z, (uint64_t)(passes + 1) * MS)) > 0) {
		CHECK(got <= (int64_t)(4 * MiB)); /* one batch a pass */
		total += got;
		passes++;
		REQUIRE(passes < 100);
	}
	CHECK_EQ(total, 12 * MiB); /* 4 MiB firmware + 12 accepted = the reserve */
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.free_accepted_pages, 16 * MiB / LB_PAGE_SIZE);
	CHECK_EQ(st.background_accepted_pages, 12 * MiB / LB_PAGE_SIZE);
	CHECK_EQ(st.free_unaccepted_pages, 48 * MiB / LB_PAGE_SIZE); /* not all of it */
	CHECK_EQ(st.reserve_pages, 16 * MiB / LB_PAGE_SIZE);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

TEST(acceptor_adaptive_follows_demand)
{
	const struct lb_range map[] = {
		{ 0, 4 * MiB, LB_MEM_ACCEPTED },
		{ 4 * MiB, 1020 * MiB, LB_MEM_UNACCEPTED },
	};
	struct fx f;
	struct lb_stats idle, busy;
	uint64_t addr, t = 0;

	REQUIRE(fx_init(&f, map, 2, LB_POLICY_ADAPTIVE) == 0);
	for (int i = 0; i < 5; i++)
		lb_acceptor_step(f.z, t += 10 * MS);
	lb_zone_stats(f.z, &idle);
	CHECK_EQ(idle.reserve_pages, 4 * 512); /* the floor: four units */
	for (int i = 0; i < 5; i++) {
		for (int k = 0; k < 8; k++)
			REQUIRE(lb_alloc(f.z, 10, 0, &addr) == 0);
		/* 32 MiB per 10 ms: beyond the floor even over the least
		 * horizon, which holds until a pass is measured */
		lb_acceptor_step(f.z, t += 10 * MS);
	}
	lb_zone_stats(f.z, &busy);
	CHECK(busy.reserve_pages > 2 * idle.reserve_pages);
	CHECK(busy.reserve_pages <= busy.managed_pages / 8);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

TEST(releaser_returns_idle_memory_to_the_tail)
{
	struct fx f;
	struct lb_releaser_cfg rc = { .delay_ns = 100 * MS, .min_order = 9, .batch = 32 };
	struct lb_watermarks w = { 0, 0, 0, 0 };
	struct lb_stats st;
	uint64_t addr;

	REQUIRE(fx_init(&f, fx_map64, 2, LB_POLICY_EXACT) == 0);
	REQUIRE(lb_zone_set_watermarks(f.z, &w) == 0);
	REQUIRE(lb_releaser_config(f.z, &rc) == 0);
	CHECK_EQ(lb_zone_accept(f.z, 8 * MiB), 8 * MiB); /* 12 MiB accepted, idle */
	CHECK_EQ(lb_releaser_step(f.z, 1000 * MS), 0);    /* first pass: marks */
	CHECK_EQ(lb_releaser_step(f.z, 1050 * MS), 0);    /* within the delay */
	CHECK_EQ(lb_releaser_step(f.z, 1100 * MS), 12 * MiB);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.free_accepted_pages, 0);
	CHECK_EQ(st.released_pages, 12 * MiB / LB_PAGE_SIZE);
	CHECK_EQ(st.release_calls, 3);
	CHECK_EQ(f.sb.releases, 3);
	CHECK_EQ(lb_zone_page_state(f.z, 0), LB_PAGE_FREE_UNACCEPTED);
	CHECK(fx_ok(&f));
	/* Released from the accepted tail (8M, 4M, 0), each to the unaccepted
	 * TAIL, so 8M heads the list (head placement would give 0), and is
	 * accepted again on demand, exactly once. */
	REQUIRE(lb_alloc(f.z, 0, 0, &addr) == 0);
	CHECK_EQ(addr, 8 * MiB);
	CHECK(sb_all_accepted(&f.sb, addr, LB_PAGE_SIZE));
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* The releaser scans every tag's lists: the halves two caches' refills
 * left on their own lists go back to the host as anyone's blocks do. */
static const struct lb_range map8acc[] = { { 0, 8 * MiB, LB_MEM_ACCEPTED } };

TEST(releaser_scans_every_caches_lists)
{
	struct fx f;
	struct lb_releaser_cfg rc = { .delay_ns = 100 * MS, .min_order = 6, .batch = 32 };
	struct lb_watermarks w = { 0, 0, 0, 0 };
	struct lb_cache *c[2];
	void *m[2];
	uint64_t x[2];
	struct lb_stats st;

	REQUIRE(fx_init(&f, map8acc, 1, LB_POLICY_EXACT) == 0);
	REQUIRE(lb_zone_set_watermarks(f.z, &w) == 0);
	REQUIRE(lb_releaser_config(f.z, &rc) == 0);
	for (unsigned i = 0; i < 2; i++) {
		m[i] = fx_cache_mem();
		REQUIRE(m[i] && lb_cache_init(&c[i], f.z, m[i], lb_cache_size()) == 0);
		REQUIRE(lb_cache_alloc(c[i], 0, 0, &x[i]) == 0); /* splits a section */
		REQUIRE(f.z->lists[c[i]->tag].area[9].nr == 1);
	}
	CHECK_EQ(f.z->holding, UINT64_C(1) << c[0]->tag | UINT64_C(1) << c[1]->tag);
	CHECK_EQ(lb_releaser_step(f.z, 1000 * MS), 0); /* marks */
	CHECK_EQ(lb_releaser_step(f.z, 1100 * MS), 2 * (4 * MiB - 256 * KiB));
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.free_accepted_pages, 0);
	CHECK(fx_ok(&f));
	for (unsigned i = 0; i < 2; i++) {
		REQUIRE(lb_cache_free(c[i], x[i], 0) == 0);
		lb_cache_fini(c[i]);
		free(m[i]);
	}
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

TEST(releaser_spares_recent_frees_and_keeps_the_floor)
{
	struct fx f;
	struct lb_releaser_cfg rc = { .delay_ns = 100 * MS };
	struct lb_watermarks w = { 1024, 2048, 2560, 3072 }; /* low: 8 MiB */
	struct lb_stats st;
	uint64_t a, b;

	REQUIRE(fx_init(&f, fx_map64, 2, LB_POLICY_EXACT) == 0);
	REQUIRE(lb_zone_set_watermarks(f.z, &w) == 0);
	REQUIRE(lb_releaser_config(f.z, &rc) == 0);
	CHECK_EQ(lb_zone_accept(f.z, 12 * MiB), 12 * MiB); /* 16 MiB accepted */
	REQUIRE(lb_alloc(f.z, 10, 0, &a) == 0);
	REQUIRE(lb_alloc(f.z, 10, 0, &b) == 0);
	CHECK_EQ(lb_releaser_step(f.z, 1000 * MS), 0);
	REQUIRE(lb_free(f.z, a, 10) == 0); /* freed now: not idle yet */
	CHECK_EQ(lb_releaser_step(f.z, 1100 * MS), 4 * MiB);
	/* 12 MiB free: a (just freed, spared), 8M and 12M (idle). One idle
	 * block goes; the other would take free accepted memory below the
	 * floor (the low watermark; no reserve). */
	CHECK_EQ(lb_zone_page_state(f.z, a), LB_PAGE_FREE_ACCEPTED);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.free_accepted_pages, 2048);
	CHECK(fx_ok(&f));
	CHECK_EQ(lb_free(f.z, b, 10), 0);
	fx_fini(&f);
}

TEST(releaser_needs_a_backend_that_releases)
{
	struct lb_range map[] = { { 0, 8 * MiB, LB_MEM_ACCEPTED } };
	struct lb_fault_backend fb;
	struct lb_backend inner = { 0 }, faulty;
	struct lb_null_backend nb;
	struct lb_config c = { .ranges = map, .nranges = 1, .policy = LB_POLICY_EXACT };
	struct lb_zone *z;
	size_t size;
	void *meta;

	/* the fault backend over a backend without release has none either */
	lb_null_backend_init(&nb, &inner);
	struct lb_backend_ops no_release = *inner.ops;
	no_release.release = NULL;
	inner.ops = &no_release;
	lb_fault_backend_init(&fb, inner, &faulty);
	c.backend = faulty;
	REQUIRE(lb_zone_meta_size(&c, &size) == 0);
	meta = aligned_alloc(16, size);
	REQUIRE(lb_zone_init(&z, meta, size, &c) == 0);
	CHECK_EQ(lb_releaser_step(z, 1), LB_ENOTSUP);
	CHECK_EQ(lb_releaser_start(z), LB_ENOTSUP);
	lb_zone_fini(z);
	free(meta);
}

/* Stress: 8 threads of mixed operations with their caches, the acceptor
 * and the releaser running, under every policy; the checker and the strict
 * backend at the end. A short version runs under ThreadSanitizer. */
struct sarg {
	struct lb_zone *z;
	int id, ops, errors;
};

static void *stress_worker(void *p)
{
	struct sarg *a = p;
	void *mem = aligned_alloc(64, (lb_cache_size() + 63) & ~(size_t)63);
	struct lb_cache *c;
	uint64_t live[64], seed = (uint64_t)a->id * 104729 + 3;
	unsigned lo[64];
	int n = 0;

	if (lb_cache_init(&c, a->z, mem, lb_cache_size())) {
		a->errors++;
		return NULL;
	}
	for (int op = 0; op < a->ops; op++) {
		uint64_t r = fx_rand(&seed);

		if (n == 64 || (n && r % 2)) {
			int k = (int)(r / 2 % (uint64_t)n);

			if (lb_cache_free(c, live[k], lo[k]))
				a->errors++;
			live[k] = live[--n];
			lo[k] = lo[n];
		} else {
			unsigned order = r % 10 < 7 ? 0 : (unsigned)(r / 16 % 11);
			unsigned flags = r % 17 == 0 ? LB_ALLOC_NOWAIT : 0;

			if (lb_cache_alloc(c, order, flags, &live[n]) == 0)
				lo[n++] = order;
		}
	}
	while (n--)
		if (lb_cache_free(c, live[n], lo[n]))
			a->errors++;
	lb_cache_fini(c);
	free(mem);
	return NULL;
}

static void stress(int ops)
{
	for (int p = 0; p < LB_POLICY_COUNT; p++) {
		struct fx f;
		struct lb_acceptor_cfg ac = { .reserve_bytes = 4 * MiB, .period_ns = 200000 };
		struct lb_releaser_cfg rc = { .delay_ns = 2 * MS };
		pthread_t th[8];
		struct sarg args[8];
		struct lb_stats st;

		REQUIRE(fx_init(&f, fx_map64, 2, (enum lb_policy)p) == 0);
		f.sb.check_lock = false;
		REQUIRE(lb_acceptor_config(f.z, &ac) == 0);
		REQUIRE(lb_releaser_config(f.z, &rc) == 0);
		REQUIRE(lb_acceptor_start(f.z) == 0);
		REQUIRE(lb_releaser_start(f.z) == 0);
		CHECK_EQ(lb_acceptor_start(f.z), LB_EINVAL); /* one each */
		for (int i = 0; i < 8; i++) {
			args[i] = (struct sarg){ f.z, i, ops, 0 };
			pthread_create(&th[i], NULL, stress_worker, &args[i]);
		}
		for (int i = 0; i < 8; i++) {
			pthread_join(th[i], NULL);
			CHECK_EQ(args[i].errors, 0);
		}
		CHECK_EQ(lb_acceptor_stop(f.z), 0);
		CHECK_EQ(lb_releaser_stop(f.z), 0);
		lb_zone_stats(f.z, &st);
		CHECK_EQ(st.allocated_pages, 0);
		CHECK_EQ(st.in_flight_pages, 0);
		CHECK_EQ(f.sb.double_accepts, 0);
		CHECK(fx_ok(&f));
		fx_fini(&f);
	}
}

TEST_TSAN(stress_threads_acceptor_releaser)
{
	stress(20000);
}

TEST(background_bad_input)
{
	struct fx f;
	struct lb_releaser_cfg bad_order = { .min_order = LB_MAX_ORDER + 1 };
	struct lb_releaser_cfg bad_batch = { .batch = 65 };
	struct lb_stats before, after;

	REQUIRE(fx_init(&f, fx_map64, 2, LB_POLICY_BACKGROUND) == 0);
	lb_zone_stats(f.z, &before);
	CHECK_EQ(lb_releaser_config(f.z, &bad_order), LB_EINVAL);
	CHECK_EQ(lb_releaser_config(f.z, &bad_batch), LB_EINVAL);
	CHECK_EQ(lb_releaser_config(f.z, NULL), LB_EINVAL);
	CHECK_EQ(lb_acceptor_config(f.z, NULL), LB_EINVAL);
	CHECK_EQ(lb_acceptor_config(NULL, &(struct lb_acceptor_cfg){ 0 }), LB_EINVAL);
	CHECK_EQ(lb_acceptor_step(NULL, 1), LB_EINVAL);
	CHECK_EQ(lb_releaser_step(NULL, 1), LB_EINVAL);
	CHECK_EQ(lb_acceptor_start(NULL), LB_EINVAL);
	CHECK_EQ(lb_acceptor_stop(f.z), 0); /* not running: nothing to do */
	lb_zone_stats(f.z, &after);
	CHECK(memcmp(&before, &after, sizeof before) == 0);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* ------------------------------------------------ the bounded scan */

/* Free blocks of order o on the accepted list, and how many are marked. */
static uint64_t marked_on_list(const struct lb_zone *z, unsigned o, uint64_t *total)
{
	uint64_t seen = 0;

	*total = 0;
	for (uint64_t i = z->lists[0].area[o].head; i != LB_NIL; i = pg_next(z, i)) {
		++*total;
		seen += z->pages[i].flags & F_SEEN;
	}
	return seen;
}

/* 64 MiB accepted, as 8192 order-1 blocks of which every other is free:
 * 4096 idle blocks that cannot merge. */
static bool many_idle_blocks(struct fx *f, uint64_t *held)
{
	static const struct lb_range map[] = { { 0, 64 * MiB, LB_MEM_ACCEPTED } };
	struct lb_releaser_cfg rc = { .delay_ns = 1, .min_order = 1, .batch = 32 };
	struct lb_watermarks w = { 0, 0, 0, 0 };

	if (fx_init(f, map, 1, LB_POLICY_EXACT) || lb_zone_set_watermarks(f->z, &w) ||
	    lb_releaser_config(f->z, &rc))
		return false;
	for (unsigned i = 0; i < 8192; i++)
		if (lb_alloc(f->z, 1, 0, &held[i]))
			return false;
	for (unsigned i = 0; i < 8192; i += 2)
		if (lb_free(f->z, held[i], 1))
			return false;
	return true;
}

/* A pass looks at REL_SCAN_BUDGET blocks at most, and the next goes on
 * from there: four passes mark the 4096 idle blocks, 1024 each, then
 * passes release them, 32 a pass, until none is left. (An unbounded scan
 * marked all 4096 in the first pass.) */
TEST(releaser_scan_is_bounded_and_resumes)
{
	static uint64_t held[8192];
	struct fx f;
	struct lb_stats st;
	uint64_t total, now = 1000 * MS;

	REQUIRE(REL_SCAN_BUDGET == 1024);
	REQUIRE(many_idle_blocks(&f, held));
	for (uint64_t k = 1; k <= 4; k++) {
		CHECK_EQ(lb_releaser_step(f.z, now += MS), 0);
		CHECK(f.z->rel_looked <= REL_SCAN_BUDGET);
		CHECK_EQ(marked_on_list(f.z, 1, &total), k * REL_SCAN_BUDGET);
		CHECK_EQ(total, 4096);
		CHECK(fx_ok(&f));
	}
	/* Every block seen: now each pass takes a batch, from the tail. */
	for (unsigned k = 0; k < 4096 / 32; k++) {
		REQUIRE(lb_releaser_step(f.z, now += MS) == 32 * 8 * KiB);
		CHECK(f.z->rel_looked <= REL_SCAN_BUDGET);
	}
	CHECK_EQ(lb_releaser_step(f.z, now += MS), 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.free_accepted_pages, 0);
	CHECK_EQ(st.released_pages, 8192);
	CHECK_EQ(st.release_calls, 4096);
	CHECK_EQ(f.sb.releases, 4096);
	CHECK(fx_ok(&f));
	for (unsigned i = 1; i < 8192; i += 2)
		CHECK_EQ(lb_free(f.z, held[i], 1), 0);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* The saved position survives the lists changing under it: blocks taken
 * by allocations (the one it points at among them) and blocks freed. */
TEST(releaser_cursor_survives_allocations)
{
	static uint64_t held[8192];
	uint64_t again[2500], total;
	struct fx f;
	uint64_t now = 1000 * MS;

	REQUIRE(many_idle_blocks(&f, held));
	CHECK_EQ(lb_releaser_step(f.z, now += MS), 0);
	CHECK_EQ(lb_releaser_step(f.z, now += MS), 0);
	CHECK(f.z->rel_next != LB_NIL && f.z->rel_next != REL_DONE);
	/* From the head: the 2048 unmarked blocks, the cursor's among them,
	 * then 452 marked ones. */
	for (unsigned i = 0; i < 2500; i++)
		REQUIRE(lb_alloc(f.z, 1, 0, &again[i]) == 0);
	CHECK_EQ(marked_on_list(f.z, 1, &total), 1596);
	CHECK_EQ(total, 1596);
	/* Its block taken, the cursor moved to the next toward the head, and
	 * so on until the head went: that list is done for this round. */
	CHECK_EQ(f.z->rel_next, REL_DONE);
	CHECK(fx_ok(&f)); /* the checker checks the cursor too */
	for (unsigned i = 0; i < 100; i++)
		CHECK_EQ(lb_free(f.z, again[i], 1), 0);
	/* A new round starts, and the marked blocks at the tail go. */
	CHECK_EQ(lb_releaser_step(f.z, now += MS), 32 * 8 * KiB);
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
