/* SPDX-License-Identifier: MIT */
/*
 * Long random operation sequences, one zone, one thread.
 *
 * Each run drives >= 100k mixed operations (allocations of random orders,
 * frees of random live blocks, LB_ALLOC_NOWAIT allocations, small
 * lb_zone_accept() calls, repeated frees, and in one test policy switches)
 * over a zone whose memory map has the awkward corners of a real firmware
 * map: a firmware-accepted range that ends off any 4 MiB boundary, an
 * explicit reserved range and implicit holes, unaccepted ranges whose ends
 * are not unit-aligned, and ranges given out of address order.
 *
 * The test keeps its own record of which pages it owns and checks every
 * answer against it and against the strict backend's independent record of
 * accepted pages (tests/fixture.c):
 *   - a block handed out is aligned, inside managed ranges, disjoint from
 *     every live block, wholly accepted (I1) and reported LB_PAGE_ALLOCATED;
 *   - failures are legitimate (LB_ENOMEM: no free aligned run of that
 *     order, whatever the state of its blocks; LB_EAGAIN: only under
 *     NOWAIT, with nothing accepted that fits and such a run to accept);
 *     NOWAIT never calls the backend; accepted memory that fits is used
 *     before any accept;
 *   - per policy: exact accepts exactly the block handed out; unit accepts
 *     the whole unit around it; linux accepts max-order blocks and keeps
 *     free accepted memory at the promo watermark; eager never accepts
 *     after set-up;
 *   - lb_zone_accept(n) accepts exactly min(n rounded up, free unaccepted);
 *   - every 64 operations the checker and the strict backend (fx_ok), and
 *     every few thousand a sweep of every page of the span comparing
 *     lb_zone_page_state() with the test's record, the strict backend's
 *     record and the statistics.
 */
#include "fixture.h"
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#define PG LB_PAGE_SIZE
#define PB (UINT64_C(1) << 30) /* physical base of the map (section-aligned) */

/*
 * 40 MiB span from PB (offsets in MiB):
 *   [0, 1)            below the first range: outside the map
 *   [1, 4+20K)        accepted by firmware, ends off a 4 MiB boundary
 *   [4+20K, 5)        reserved
 *   [5, 6+12K)        hole
 *   [6+12K, 34+40K)   unaccepted, neither end unit-aligned
 *   [34+40K, 35)      accepted, right after the unaccepted range
 *   [35, 36)          hole
 *   [36, 40-4K)       unaccepted, unit-aligned start, unaligned end
 */
static const struct lb_range rmap[] = {
	{ PB + 6 * MiB + 12 * KiB, 28 * MiB + 28 * KiB, LB_MEM_UNACCEPTED },
	{ PB + 1 * MiB, 3 * MiB + 20 * KiB, LB_MEM_ACCEPTED },
	{ PB + 36 * MiB, 4 * MiB - 4 * KiB, LB_MEM_UNACCEPTED },
	{ PB + 4 * MiB + 20 * KiB, 1 * MiB - 20 * KiB, LB_MEM_RESERVED },
	{ PB + 34 * MiB + 40 * KiB, 1 * MiB - 40 * KiB, LB_MEM_ACCEPTED },
};
#define NRMAP (sizeof rmap / sizeof rmap[0])

/* An inner backend that records the ranges the zone accepts. */
struct rec {
	uint64_t calls, addr, size;        /* last call */
	uint64_t min_size, max_size;       /* since the last reset */
};

static int rec_accept(void *ctx, uint64_t addr, uint64_t size)
{
	struct rec *r = ctx;

	r->calls++;
	r->addr = addr;
	r->size = size;
	if (size < r->min_size)
		r->min_size = size;
	if (size > r->max_size)
		r->max_size = size;
	return 0;
}

static const struct lb_backend_ops rec_ops = { .name = "rec", .accept = rec_accept };

static void rec_reset(struct rec *r)
{
	r->min_size = UINT64_MAX;
	r->max_size = 0;
}

struct blk {
	uint64_t addr;
	unsigned order;
};

struct rt {
	struct fx f;
	struct rec rec;
	uint64_t base, npages;  /* the zone's span: section-aligned base */
	uint64_t unit;          /* bytes */
	uint8_t *managed;       /* per page of the span */
	uint8_t *owned;         /* per page: handed to us and not freed */
	struct blk *live;
	size_t nlive;
	uint64_t live_pages, fw_pages;
	uint64_t seed, ops;
	uint64_t allocs, fails, frees;
	uint64_t slow;          /* allocations that accepted memory */
	uint64_t setup_calls;   /* strict backend calls at the end of set-up */
	bool mixed;             /* unaccepted blocks no longer whole sections */
};

static inline uint64_t pidx(const struct rt *t, uint64_t addr)
{
	return (addr - t->base) / PG;
}

static bool rt_init(struct rt *t, enum lb_policy p, uint64_t unit, uint64_t seed)
{
	struct lb_backend inner = { &rec_ops, NULL };
	uint64_t hi = 0;
	int rc;

	memset(t, 0, sizeof *t);
	inner.ctx = &t->rec;
	rec_reset(&t->rec);
	t->base = PB;
	t->unit = unit ? unit : LB_UNIT_DEFAULT;
	t->seed = seed;
	for (size_t i = 0; i < NRMAP; i++)
		if (rmap[i].type != LB_MEM_RESERVED && rmap[i].start + rmap[i].size > hi)
			hi = rmap[i].start + rmap[i].size;
	t->npages = (hi - t->base) / PG;
	t->managed = calloc(t->npages, 1);
	t->owned = calloc(t->npages, 1);
	t->live = calloc(t->npages, sizeof *t->live);
	if (!t->managed || !t->owned || !t->live)
		return false;
	for (size_t i = 0; i < NRMAP; i++) {
		if (rmap[i].type == LB_MEM_RESERVED)
			continue;
		for (uint64_t a = rmap[i].start; a < rmap[i].start + rmap[i].size; a += PG)
			t->managed[pidx(t, a)] = 1;
		if (rmap[i].type == LB_MEM_ACCEPTED)
			t->fw_pages += rmap[i].size / PG;
	}
	rc = fx_init_with(&t->f, rmap, NRMAP, p, unit, 0, inner);
	CHECK_EQ(rc, 0);
	if (rc)
		return false;
	t->setup_calls = t->f.sb.calls;
	return true;
}

static void rt_fini(struct rt *t)
{
	fx_fini(&t->f);
	free(t->managed);
	free(t->owned);
	free(t->live);
}

static bool fits_accepted(const struct lb_stats *st, unsigned order)
{
	for (unsigned o = order; o <= LB_MAX_ORDER; o++)
		if (st->free_blocks[0][o])
			return true;
	return false;
}

static bool fits_unaccepted(const struct lb_stats *st, unsigned order)
{
	for (unsigned o = order; o <= LB_MAX_ORDER; o++)
		if (st->free_blocks[1][o])
			return true;
	return false;
}

/* Is some aligned run of 2^order pages all managed and not ours (free)? */
static bool free_run(const struct rt *t, unsigned order)
{
	uint64_t n = UINT64_C(1) << order;

	for (uint64_t r = 0; r + n <= t->npages; r += n) {
		uint64_t i = r;

		while (i < r + n && t->managed[i] && !t->owned[i])
			i++;
		if (i == r + n)
			return true;
	}
	return false;
}

static uint64_t popcount_sb(const struct strict_backend *sb)
{
	uint64_t n = 0;

	for (uint64_t w = 0; w < (sb->npages + 63) / 64; w++)
		n += (uint64_t)__builtin_popcountll(sb->accepted[w]);
	return n;
}

/*
 * Every page of the span: the zone's answer against the test's record of
 * owned pages, the map, and the strict backend's record; then the counts
 * against the statistics.
 */
static void sweep(struct rt *t)
{
	uint64_t cnt[LB_PAGE_QUARANTINED + 1] = { 0 };
	struct lb_stats st;

	for (uint64_t i = 0; i < t->npages; i++) {
		uint64_t a = t->base + i * PG;
		int s = lb_zone_page_state(t->f.z, a);
		bool ok, acc = false;

		if (s < 0 || s > LB_PAGE_QUARANTINED) {
			printf("    page 0x%llx: state %d\n", (unsigned long long)a, s);
			CHECK(s >= 0 && s <= LB_PAGE_QUARANTINED);
			return;
		}
		cnt[s]++;
		if (!t->managed[i]) {
			ok = s == LB_PAGE_RESERVED;
		} else {
			acc = sb_all_accepted(&t->f.sb, a, PG);
			switch (s) {
			case LB_PAGE_ALLOCATED:
				ok = t->owned[i] && acc;
				break;
			case LB_PAGE_FREE_ACCEPTED:
				ok = !t->owned[i] && acc;
				break;
			case LB_PAGE_FREE_UNACCEPTED:
				ok = !t->owned[i] && !acc;
				break;
			default: /* reserved, in flight, quarantined: none here */
				ok = false;
				break;
			}
		}
		if (!ok) {
			printf("    page 0x%llx: state %d, managed %d, owned %d, accepted %d\n",
			       (unsigned long long)a, s, t->managed[i], t->owned[i], acc);
			CHECK(ok);
			return;
		}
	}
	lb_zone_stats(t->f.z, &st);
	CHECK_EQ(st.span_pages, t->npages);
	CHECK_EQ(cnt[LB_PAGE_RESERVED], st.reserved_pages);
	CHECK_EQ(cnt[LB_PAGE_ALLOCATED], st.allocated_pages);
	CHECK_EQ(cnt[LB_PAGE_ALLOCATED], t->live_pages);
	CHECK_EQ(cnt[LB_PAGE_FREE_ACCEPTED], st.free_accepted_pages);
	CHECK_EQ(cnt[LB_PAGE_FREE_UNACCEPTED], st.free_unaccepted_pages);
	CHECK_EQ(st.in_flight_pages, 0);
	CHECK_EQ(st.quarantined_pages, 0);
	CHECK_EQ(st.free_accepted_pages + st.free_unaccepted_pages + st.allocated_pages,
		 st.managed_pages);
	/* The strict backend's record: firmware pages plus every page accepted. */
	CHECK_EQ(t->f.sb.pages, st.accepted_pages);
	CHECK_EQ(t->f.sb.calls, st.accept_calls);
	CHECK_EQ(popcount_sb(&t->f.sb), t->fw_pages + st.accepted_pages);
	CHECK(st.over_accepted_pages <= st.free_accepted_pages);
	CHECK_EQ(st.allocs, t->allocs);
	CHECK_EQ(st.frees, t->frees);
	CHECK_EQ(st.alloc_failures, t->fails);
}

static void do_alloc(struct rt *t, unsigned order, unsigned flags)
{
	struct lb_zone *z = t->f.z;
	struct lb_stats before, after;
	struct lb_watermarks wm;
	enum lb_policy pol = lb_zone_policy(z);
	uint64_t n = UINT64_C(1) << order, size = n * PG, addr = UINT64_MAX;
	uint64_t calls0 = t->f.sb.calls, pages0 = t->f.sb.pages, dcalls, dpages;
	int rc;

	lb_zone_stats(z, &before);
	lb_zone_watermarks(z, &wm);
	rec_reset(&t->rec);
	rc = lb_alloc(z, order, flags, &addr);
	lb_zone_stats(z, &after);
	dcalls = t->f.sb.calls - calls0;
	dpages = t->f.sb.pages - pages0;

	if (flags & LB_ALLOC_NOWAIT)
		CHECK_EQ(dcalls, 0); /* must never accept */
	if (pol == LB_POLICY_EAGER)
		CHECK_EQ(t->f.sb.calls, t->setup_calls);
	if (rc != 0) {
		t->fails++;
		CHECK(!fits_accepted(&after, order));
		if (rc == LB_EAGAIN) {
			CHECK(flags & LB_ALLOC_NOWAIT);
			CHECK(free_run(t, order)); /* accepting would serve it */
		} else {
			CHECK_EQ(rc, LB_ENOMEM);
			CHECK(!fits_unaccepted(&after, order));
			CHECK(!free_run(t, order)); /* whatever the state of its blocks */
		}
		return;
	}
	t->allocs++;
	/* Aligned, inside the span and managed ranges, not owned. */
	if (!fx_claim(t->owned, t->managed, t->base, t->npages, addr, order)) {
		CHECK(0);
		return;
	}
	t->live[t->nlive].addr = addr;
	t->live[t->nlive].order = order;
	t->nlive++;
	t->live_pages += n;
	CHECK(sb_all_accepted(&t->f.sb, addr, size)); /* I1 */
	CHECK_EQ(lb_zone_page_state(z, addr), LB_PAGE_ALLOCATED);
	CHECK_EQ(lb_zone_page_state(z, addr + size / 2), LB_PAGE_ALLOCATED);
	CHECK_EQ(lb_zone_page_state(z, addr + size - PG), LB_PAGE_ALLOCATED);
	CHECK_EQ(after.allocated_pages, before.allocated_pages + n);

	/* Accepted memory first. */
	if (fits_accepted(&before, order) &&
	    (pol != LB_POLICY_LINUX || before.free_accepted_pages >= wm.promo))
		CHECK_EQ(dcalls, 0);
	/* linux: topped up to the promo watermark before taking the block. */
	if (pol == LB_POLICY_LINUX && !(flags & LB_ALLOC_NOWAIT))
		CHECK(after.free_accepted_pages + n >= wm.promo || after.free_unaccepted_pages == 0);
	if (!dcalls)
		return;
	t->slow++;
	/* The slow path ran: what was accepted, per policy. */
	switch (pol) {
	case LB_POLICY_EXACT:
		CHECK_EQ(dcalls, 1);
		CHECK_EQ(t->rec.addr, addr);
		CHECK_EQ(t->rec.size, size);
		CHECK_EQ(dpages, n);
		break;
	case LB_POLICY_UNIT: {
		uint64_t want = size > t->unit ? size : t->unit;

		CHECK_EQ(dcalls, 1);
		CHECK(t->rec.addr <= addr && addr + size <= t->rec.addr + t->rec.size);
		CHECK_EQ(t->rec.size & (t->rec.size - 1), 0);
		CHECK_EQ(t->rec.addr & (t->rec.size - 1), 0);
		CHECK_EQ(dpages, t->rec.size / PG);
		/* A whole unit, or all of a smaller fragment when no unaccepted
		 * block of a unit was left. */
		CHECK(t->rec.size >= size && t->rec.size <= want);
		if (t->rec.size != want)
			CHECK(!fits_unaccepted(&before, (unsigned)__builtin_ctzll(want / PG)));
		break;
	}
	case LB_POLICY_LINUX:
		/* Unaccepted memory is parked as max-order blocks, accepted whole
		 * (until lb_zone_accept() or another policy split some). */
		if (!t->mixed) {
			CHECK_EQ(dpages, dcalls << LB_MAX_ORDER);
			CHECK_EQ(t->rec.min_size, PG << LB_MAX_ORDER);
			CHECK_EQ(t->rec.max_size, PG << LB_MAX_ORDER);
		}
		break;
	default:
		CHECK(0); /* eager never accepts after set-up */
		break;
	}
}

static void do_free(struct rt *t, size_t k, bool refree)
{
	struct blk b = t->live[k];
	uint64_t n = UINT64_C(1) << b.order;
	struct lb_stats s1, s2;
	int rc;

	t->live[k] = t->live[--t->nlive];
	for (uint64_t i = pidx(t, b.addr); i < pidx(t, b.addr) + n; i++) {
		CHECK(t->owned[i]);
		t->owned[i] = 0;
	}
	t->live_pages -= n;
	rc = lb_free(t->f.z, b.addr, b.order);
	CHECK_EQ(rc, 0);
	if (rc == 0)
		t->frees++;
	/* Freed memory is free and stays accepted (no release here). */
	CHECK_EQ(lb_zone_page_state(t->f.z, b.addr), LB_PAGE_FREE_ACCEPTED);
	if (refree) {
		/* A second free is refused and changes nothing. */
		lb_zone_stats(t->f.z, &s1);
		CHECK_EQ(lb_free(t->f.z, b.addr, b.order), LB_EDOUBLEFREE);
		lb_zone_stats(t->f.z, &s2);
		CHECK(memcmp(&s1, &s2, sizeof s1) == 0);
	}
}

static void do_accept(struct rt *t)
{
	uint64_t bytes = 1 + fx_rand(&t->seed) % (64 * KiB), want = (bytes + PG - 1) / PG;
	uint64_t pages0 = t->f.sb.pages, exp;
	struct lb_stats before, after;
	int64_t got;

	lb_zone_stats(t->f.z, &before);
	got = lb_zone_accept(t->f.z, bytes);
	lb_zone_stats(t->f.z, &after);
	exp = want < before.free_unaccepted_pages ? want : before.free_unaccepted_pages;
	CHECK(got >= 0);
	if (got < 0)
		return;
	CHECK_EQ(got % (int64_t)PG, 0);
	CHECK_EQ((uint64_t)got / PG, exp);
	CHECK_EQ(t->f.sb.pages - pages0, (uint64_t)got / PG);
	CHECK_EQ(after.free_unaccepted_pages, before.free_unaccepted_pages - (uint64_t)got / PG);
	CHECK_EQ(after.free_accepted_pages, before.free_accepted_pages + (uint64_t)got / PG);
	if (got)
		t->mixed = true;
}

static void do_switch(struct rt *t)
{
	/* The on-demand policies (the background ones have tests of their own). */
	static const enum lb_policy four[] = { LB_POLICY_EAGER, LB_POLICY_UNIT, LB_POLICY_EXACT,
					       LB_POLICY_LINUX };
	enum lb_policy p = four[fx_rand(&t->seed) % 4];
	struct lb_stats before, after;
	uint64_t pages0 = t->f.sb.pages;

	lb_zone_stats(t->f.z, &before);
	CHECK_EQ(lb_zone_set_policy(t->f.z, p), 0);
	CHECK_EQ(lb_zone_policy(t->f.z), p);
	lb_zone_stats(t->f.z, &after);
	if (p == LB_POLICY_EAGER) {
		/* Everything free is accepted before the switch returns. */
		CHECK_EQ(after.free_unaccepted_pages, 0);
		CHECK_EQ(after.free_accepted_pages,
			 before.free_accepted_pages + before.free_unaccepted_pages);
		CHECK_EQ(t->f.sb.pages - pages0, before.free_unaccepted_pages);
		t->setup_calls = t->f.sb.calls;
	} else {
		CHECK_EQ(t->f.sb.pages, pages0);
		CHECK(memcmp(before.free_blocks, after.free_blocks, sizeof before.free_blocks) == 0);
	}
	/* Unaccepted blocks of another policy's making: no longer whole sections. */
	t->mixed = true;
}

struct run_opts {
	enum lb_policy policy;
	uint64_t unit;
	uint64_t ops, seed;
	unsigned maxo;  /* largest order allocated */
	bool switches;
};

static void run(const struct run_opts *o)
{
	struct rt t;
	struct lb_stats st;
	uint64_t op, managed;

	if (!rt_init(&t, o->policy, o->unit, o->seed)) {
		CHECK(0);
		rt_fini(&t);
		return;
	}
	lb_zone_stats(t.f.z, &st);
	if (o->policy == LB_POLICY_EAGER)
		CHECK_EQ(st.free_unaccepted_pages, 0);
	else
		CHECK(st.free_unaccepted_pages > 0);
	CHECK(fx_ok(&t.f));
	sweep(&t);
	managed = st.managed_pages;

	for (op = 0; op < o->ops && !lbt_failed(); op++) {
		/* Occupancy follows a target that ramps up over the run (so
		 * new memory is accepted all along, not just at the start, and
		 * the zone is full near the end) and drops to half in the second
		 * half of every 4096-operation window (frees and merges). */
		uint64_t target = managed * 11 / 10 * op / o->ops;
		unsigned alloc_pct;
		uint64_t r = fx_rand(&t.seed) % 1000;

		if (op % 4096 >= 2048)
			target /= 2;
		alloc_pct = t.live_pages < target ? 75 : 30;
		/* lb_zone_accept() splits the largest unaccepted block, and
		 * each call may break a whole section: only a few, late, so
		 * that the policies see whole sections and units first. */
		if (op >= o->ops / 2 && r < 1 && fx_rand(&t.seed) % 4 == 0) {
			do_accept(&t);
		} else if (o->switches && r < 4) {
			do_switch(&t);
		} else if (r % 100 < alloc_pct || !t.nlive) {
			unsigned flags = fx_rand(&t.seed) % 100 < 5 ? LB_ALLOC_NOWAIT : 0;

			do_alloc(&t, fx_pick_order(&t.seed, o->maxo), flags);
		} else {
			do_free(&t, (size_t)(fx_rand(&t.seed) % t.nlive),
				fx_rand(&t.seed) % 100 < 2);
		}
		if (op % 64 == 63)
			CHECK(fx_ok(&t.f));
		if (op % 8192 == 8191)
			sweep(&t);
	}
	if (lbt_failed())
		printf("    policy %s, unit %llu KiB, seed 0x%llx: failed at op %llu\n",
		       lb_policy_name(o->policy), (unsigned long long)(t.unit / KiB),
		       (unsigned long long)o->seed, (unsigned long long)op);
	CHECK(fx_ok(&t.f));
	sweep(&t);
	while (t.nlive && !lbt_failed())
		do_free(&t, t.nlive - 1, false);
	CHECK(fx_ok(&t.f));
	sweep(&t);
	lb_zone_stats(t.f.z, &st);
	CHECK_EQ(st.allocated_pages, 0);
	CHECK_EQ(st.free_accepted_pages + st.free_unaccepted_pages + st.quarantined_pages,
		 st.managed_pages);
	CHECK_EQ(st.in_flight_pages, 0);
	/* The run went through both outcomes, and the slow path. */
	CHECK(t.allocs > o->ops / 4);
	if (o->maxo == LB_MAX_ORDER)
		CHECK(t.fails > 0);
	if (o->policy != LB_POLICY_EAGER && !o->switches)
		CHECK(t.slow > 0);
	rt_fini(&t);
}

#define RUN(pol, u, n, s, mo, sw)                                               \
	do {                                                                    \
		struct run_opts o_ = { (pol), (u), (n), (s), (mo), (sw) };      \
		run(&o_);                                                       \
	} while (0)

/* All orders up to 10 with 2 MiB units. Big requests that fragmented
 * accepted memory cannot serve take most of the slow paths here. */
TEST(random_eager)
{
	RUN(LB_POLICY_EAGER, 0, 100000, 0xea9e5, LB_MAX_ORDER, false);
}

TEST(random_unit)
{
	RUN(LB_POLICY_UNIT, 0, 100000, 0x0417, LB_MAX_ORDER, false);
}

TEST(random_exact)
{
	RUN(LB_POLICY_EXACT, 0, 100000, 0xe8ac7, LB_MAX_ORDER, false);
}

TEST(random_linux)
{
	RUN(LB_POLICY_LINUX, 0, 100000, 0x11a0c, LB_MAX_ORDER, false);
}

/* Orders up to 3: small requests reach the slow path (whole units around
 * a page; exactly a page), and linux runs down to its promo watermark. */
TEST(random_small_orders)
{
	RUN(LB_POLICY_UNIT, 0, 40000, 0x5e1, 3, false);
	RUN(LB_POLICY_EXACT, 0, 40000, 0x5e2, 3, false);
	RUN(LB_POLICY_LINUX, 0, 40000, 0x5e3, 3, false);
}

/* 64 KiB units: unaligned pieces and unaccepted blocks of many orders. */
TEST(random_unit_64k)
{
	RUN(LB_POLICY_UNIT, 64 * KiB, 100000, 0x64a, LB_MAX_ORDER, false);
}

TEST(random_exact_64k)
{
	RUN(LB_POLICY_EXACT, 64 * KiB, 100000, 0x64b, LB_MAX_ORDER, false);
}

TEST(random_eager_linux_64k)
{
	RUN(LB_POLICY_EAGER, 64 * KiB, 30000, 0x64c, LB_MAX_ORDER, false);
	RUN(LB_POLICY_LINUX, 64 * KiB, 30000, 0x64d, LB_MAX_ORDER, false);
}

TEST(random_policy_switch)
{
	RUN(LB_POLICY_LINUX, 0, 100000, 0x5a1c4, LB_MAX_ORDER, true);
	RUN(LB_POLICY_EXACT, 64 * KiB, 50000, 0x5a1c5, LB_MAX_ORDER, true);
}
