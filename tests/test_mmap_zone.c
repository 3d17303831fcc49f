/* SPDX-License-Identifier: MIT */
/*
 * The zone over real memory: the mmap backend (the MMU as referee) under
 * each policy, wrapped by the fixture's strict backend so that its checks
 * still run.
 *
 * Each run allocates mixed orders until LB_ENOMEM (first a quarter of the
 * memory, so that unaccepted memory is still about, then all of it), writes
 * every byte of every block through lb_mmap_ptr() and reads it back, frees
 * a random half, allocates again, for three rounds. After each step every
 * page of the span is probed:
 *   - LB_PAGE_FREE_UNACCEPTED and LB_PAGE_RESERVED pages must fault on read
 *     (still PROT_NONE: never accepted, never touched);
 *   - LB_PAGE_ALLOCATED and LB_PAGE_FREE_ACCEPTED pages must be readable
 *     and hold exactly what the test last wrote there, or zeros if it never
 *     wrote there: the allocator never writes the memory it manages (I3),
 *     free or not, and accepted memory starts out zeroed.
 * A fault while writing or verifying a block is caught (SIGSEGV/SIGBUS
 * handler and siglongjmp) and fails the test instead of crashing it; the
 * old handlers are restored afterwards.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fixture.h"
#include "harness.h"

#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define PG LB_PAGE_SIZE
#define PB (UINT64_C(2) << 30) /* physical base of the map (section-aligned) */

/*
 * 40 MiB span from PB (offsets in MiB); the mmap backend maps [1, 40-4K):
 *   [0, 1)            outside the map and the mapping
 *   [1, 4+20K)        accepted by firmware, ends off a 4 MiB boundary
 *   [4+20K, 5)        reserved
 *   [5, 6+12K)        hole
 *   [6+12K, 34+40K)   unaccepted, neither end unit-aligned
 *   [34+40K, 35)      accepted
 *   [35, 36)          hole
 *   [36, 40-4K)       unaccepted, unaligned end
 */
static const struct lb_range mmap_map[] = {
	{ PB + 1 * MiB, 3 * MiB + 20 * KiB, LB_MEM_ACCEPTED },
	{ PB + 4 * MiB + 20 * KiB, 1 * MiB - 20 * KiB, LB_MEM_RESERVED },
	{ PB + 6 * MiB + 12 * KiB, 28 * MiB + 28 * KiB, LB_MEM_UNACCEPTED },
	{ PB + 34 * MiB + 40 * KiB, 1 * MiB - 40 * KiB, LB_MEM_ACCEPTED },
	{ PB + 36 * MiB, 4 * MiB - 4 * KiB, LB_MEM_UNACCEPTED },
};
#define NMAP (sizeof mmap_map / sizeof mmap_map[0])

/* ------------------------------------------------------------ faults */

static sigjmp_buf fault_jb;
static volatile sig_atomic_t fault_armed;

static void on_fault(int sig)
{
	if (fault_armed) {
		fault_armed = 0;
		siglongjmp(fault_jb, 1);
	}
	signal(sig, SIG_DFL); /* a fault outside a probe: crash as usual */
}

struct guard {
	struct sigaction old_segv, old_bus;
};

static void guard_on(struct guard *g)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fault;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &g->old_segv);
	sigaction(SIGBUS, &sa, &g->old_bus);
}

static void guard_off(struct guard *g)
{
	sigaction(SIGSEGV, &g->old_segv, NULL);
	sigaction(SIGBUS, &g->old_bus, NULL);
}

/* What the test writes at physical address a in generation gen (0: the
 * zeros of memory never written). */
static inline uint64_t pattern(uint64_t a, unsigned gen)
{
	return gen ? (a * UINT64_C(0x9e3779b97f4a7c15)) ^ ((uint64_t)gen << 56) ^ 0xa5 : 0;
}

/* Does reading *p fault? */
static bool readable(const volatile unsigned char *p)
{
	if (sigsetjmp(fault_jb, 1))
		return false;
	fault_armed = 1;
	(void)*p;
	fault_armed = 0;
	return true;
}

/* Write every byte of [p, p + size), the mapping of physical addr. */
static bool write_range(unsigned char *p, uint64_t addr, uint64_t size, unsigned gen)
{
	if (sigsetjmp(fault_jb, 1))
		return false;
	fault_armed = 1;
	for (uint64_t off = 0; off < size; off += 8) {
		uint64_t v = pattern(addr + off, gen);

		memcpy(p + off, &v, 8);
	}
	fault_armed = 0;
	return true;
}

/* 0: the page at p (physical addr) holds generation gen; 1: it does not;
 * 2: reading it faulted. */
static int verify_page(const unsigned char *p, uint64_t addr, unsigned gen)
{
	if (sigsetjmp(fault_jb, 1))
		return 2;
	fault_armed = 1;
	for (uint64_t off = 0; off < PG; off += 8) {
		uint64_t v;

		memcpy(&v, p + off, 8);
		if (v != pattern(addr + off, gen)) {
			fault_armed = 0;
			return 1;
		}
	}
	fault_armed = 0;
	return 0;
}

/* ------------------------------------------------------------- the run */

struct blk {
	uint64_t addr;
	unsigned order;
};

struct mt {
	struct fx f;
	struct lb_mmap_backend mb;
	uint64_t base, npages, managed_pages;
	uint8_t *managed, *owned;
	uint8_t *gen;           /* per page: generation last written, 0: never */
	struct blk *live;
	size_t nlive;
	uint64_t live_pages;
	uint64_t seed;
};

static inline uint64_t pidx(const struct mt *t, uint64_t addr)
{
	return (addr - t->base) / PG;
}

/*
 * Every page of the span: its state against the MMU and the contents
 * against the test's record. Also counts the states against the stats.
 */
static void probe_span(struct mt *t, const char *when)
{
	uint64_t cnt[LB_PAGE_QUARANTINED + 1] = { 0 };
	struct lb_stats st;

	for (uint64_t i = 0; i < t->npages; i++) {
		uint64_t a = t->base + i * PG;
		int s = lb_zone_page_state(t->f.z, a);
		const unsigned char *p = lb_mmap_ptr(&t->mb, a);
		const char *bad = NULL;

		if (s < 0 || s > LB_PAGE_QUARANTINED) {
			bad = "no state";
		} else {
			cnt[s]++;
			if (!p) {
				/* Outside the backend's mapping: below the first range. */
				if (s != LB_PAGE_RESERVED || t->managed[i])
					bad = "managed page outside the mapping";
			} else if (s == LB_PAGE_FREE_UNACCEPTED || s == LB_PAGE_RESERVED) {
				if (s == LB_PAGE_RESERVED && t->managed[i])
					bad = "managed page reported reserved";
				else if (s == LB_PAGE_FREE_UNACCEPTED && t->owned[i])
					bad = "owned page reported free";
				else if (readable(p))
					bad = "readable but not accepted (not PROT_NONE)";
			} else if (s == LB_PAGE_ALLOCATED || s == LB_PAGE_FREE_ACCEPTED) {
				int v = verify_page(p, a, t->gen[i]);

				if ((s == LB_PAGE_ALLOCATED) != (t->owned[i] != 0))
					bad = "allocated state disagrees with ownership";
				else if (v == 2)
					bad = "accepted but reading faults";
				else if (v == 1)
					bad = "contents changed behind the test's back (I3)";
			} else {
				bad = "in flight or quarantined";
			}
		}
		if (bad) {
			printf("    %s: page 0x%llx (state %d, gen %u): %s\n", when,
			       (unsigned long long)a, s, t->gen[i], bad);
			CHECK(!bad);
			return;
		}
	}
	lb_zone_stats(t->f.z, &st);
	CHECK_EQ(cnt[LB_PAGE_ALLOCATED], t->live_pages);
	CHECK_EQ(cnt[LB_PAGE_ALLOCATED], st.allocated_pages);
	CHECK_EQ(cnt[LB_PAGE_FREE_ACCEPTED], st.free_accepted_pages);
	CHECK_EQ(cnt[LB_PAGE_FREE_UNACCEPTED], st.free_unaccepted_pages);
	CHECK_EQ(cnt[LB_PAGE_RESERVED], st.reserved_pages);
	/* The backend did the accepting the zone counted, in as many calls. */
	CHECK_EQ(t->mb.accepted_bytes, st.accepted_pages * PG);
	CHECK_EQ(t->mb.accept_calls, st.accept_calls);
	CHECK(fx_ok(&t->f));
}

/* Allocate until limit pages are live or order 0 gets LB_ENOMEM; check,
 * verify and write each new block. */
static void fill(struct mt *t, uint64_t limit, unsigned gen)
{
	unsigned maxo = LB_MAX_ORDER;

	while (t->live_pages < limit && !lbt_failed()) {
		unsigned order = fx_pick_order(&t->seed, maxo);
		uint64_t n = UINT64_C(1) << order, size = n * PG, addr = 0;
		unsigned char *p;
		int rc = lb_alloc(t->f.z, order, 0, &addr);

		if (rc == LB_ENOMEM) {
			if (!order)
				break;
			maxo = order - 1;
			continue;
		}
		CHECK_EQ(rc, 0);
		if (rc)
			return;
		if (!fx_claim(t->owned, t->managed, t->base, t->npages, addr, order)) {
			CHECK(0);
			return;
		}
		t->live[t->nlive].addr = addr;
		t->live[t->nlive].order = order;
		t->nlive++;
		t->live_pages += n;
		CHECK(sb_all_accepted(&t->f.sb, addr, size));
		CHECK_EQ(lb_zone_page_state(t->f.z, addr), LB_PAGE_ALLOCATED);
		p = lb_mmap_ptr(&t->mb, addr);
		REQUIRE(p != NULL);
		CHECK(lb_mmap_ptr(&t->mb, addr + size - 1) == p + size - 1);
		/* What is there: zeros if never written, else the last writing. */
		for (uint64_t k = 0; k < n; k++) {
			uint64_t a = addr + k * PG;
			int v = verify_page(p + k * PG, a, t->gen[pidx(t, a)]);

			if (v) {
				printf("    new block 0x%llx order %u: page 0x%llx %s\n",
				       (unsigned long long)addr, order, (unsigned long long)a,
				       v == 2 ? "faults" : "does not hold what was last written");
				CHECK(!v);
				return;
			}
		}
		if (!write_range(p, addr, size, gen)) {
			printf("    block 0x%llx order %u faults on write\n",
			       (unsigned long long)addr, order);
			CHECK(0);
			return;
		}
		memset(t->gen + pidx(t, addr), (int)gen, n);
	}
}

static void free_block(struct mt *t, size_t k)
{
	struct blk b = t->live[k];
	uint64_t n = UINT64_C(1) << b.order;

	t->live[k] = t->live[--t->nlive];
	memset(t->owned + pidx(t, b.addr), 0, n);
	t->live_pages -= n;
	CHECK_EQ(lb_free(t->f.z, b.addr, b.order), 0);
}

static void body(struct mt *t, enum lb_policy p, uint64_t unit)
{
	struct lb_backend inner;
	struct lb_stats st;
	unsigned gen = 1;
	int rc;

	rc = lb_mmap_backend_init(&t->mb, mmap_map, NMAP, &inner);
	REQUIRE(rc == 0);
	rc = fx_init_with(&t->f, mmap_map, NMAP, p, unit, 0, inner);
	REQUIRE(rc == 0);
	lb_zone_stats(t->f.z, &st);
	t->managed_pages = st.managed_pages;
	if (p != LB_POLICY_EAGER)
		REQUIRE(st.free_unaccepted_pages > st.managed_pages / 2);
	probe_span(t, "after set-up");

	/* A quarter first: unaccepted memory must still fault around it. */
	fill(t, t->managed_pages / 4, gen);
	lb_zone_stats(t->f.z, &st);
	if (p != LB_POLICY_EAGER)
		CHECK(st.free_unaccepted_pages > 0);
	probe_span(t, "quarter full");

	for (unsigned round = 0; round < 3 && !lbt_failed(); round++) {
		gen++;
		fill(t, UINT64_MAX, gen);
		/* LB_ENOMEM for a page: every managed page is handed out. */
		lb_zone_stats(t->f.z, &st);
		CHECK_EQ(st.free_accepted_pages, 0);
		CHECK_EQ(st.free_unaccepted_pages, 0);
		CHECK_EQ(st.quarantined_pages, 0);
		CHECK_EQ(st.allocated_pages, t->managed_pages);
		probe_span(t, "full");
		for (size_t k = t->nlive; k-- > 0;)
			if (fx_rand(&t->seed) & 1)
				free_block(t, k);
		probe_span(t, "half freed");
	}
	while (t->nlive)
		free_block(t, t->nlive - 1);
	probe_span(t, "all freed");
	lb_zone_stats(t->f.z, &st);
	CHECK_EQ(st.allocated_pages, 0);
	CHECK_EQ(st.free_accepted_pages + st.free_unaccepted_pages + st.quarantined_pages,
		 st.managed_pages);
}

static void run_mmap(enum lb_policy p, uint64_t unit, uint64_t seed)
{
	struct mt t;
	struct guard g;
	uint64_t hi = 0;

	memset(&t, 0, sizeof t);
	t.seed = seed;
	t.base = PB;
	for (size_t i = 0; i < NMAP; i++)
		if (mmap_map[i].start + mmap_map[i].size > hi)
			hi = mmap_map[i].start + mmap_map[i].size;
	t.npages = (hi - t.base) / PG;
	t.managed = calloc(t.npages, 1);
	t.owned = calloc(t.npages, 1);
	t.gen = calloc(t.npages, 1);
	t.live = calloc(t.npages, sizeof *t.live);
	if (t.managed && t.owned && t.gen && t.live) {
		for (size_t i = 0; i < NMAP; i++)
			if (mmap_map[i].type != LB_MEM_RESERVED)
				memset(t.managed + pidx(&t, mmap_map[i].start), 1,
				       mmap_map[i].size / PG);
		guard_on(&g);
		body(&t, p, unit);
		guard_off(&g);
	} else {
		CHECK(0);
	}
	if (lbt_failed())
		printf("    policy %s, unit %llu KiB, seed 0x%llx\n", lb_policy_name(p),
		       (unsigned long long)((unit ? unit : LB_UNIT_DEFAULT) / KiB),
		       (unsigned long long)seed);
	fx_fini(&t.f);
	lb_mmap_backend_fini(&t.mb);
	free(t.managed);
	free(t.owned);
	free(t.gen);
	free(t.live);
}

TEST(mmap_zone_eager)
{
	run_mmap(LB_POLICY_EAGER, 0, 0x3e1);
}

TEST(mmap_zone_unit)
{
	run_mmap(LB_POLICY_UNIT, 0, 0x3e2);
}

TEST(mmap_zone_exact)
{
	run_mmap(LB_POLICY_EXACT, 0, 0x3e3);
}

TEST(mmap_zone_linux)
{
	run_mmap(LB_POLICY_LINUX, 0, 0x3e4);
}

TEST(mmap_zone_exact_64k)
{
	run_mmap(LB_POLICY_EXACT, 64 * KiB, 0x3e5);
}

TEST(mmap_zone_unit_64k)
{
	run_mmap(LB_POLICY_UNIT, 64 * KiB, 0x3e6);
}
