/* SPDX-License-Identifier: MIT */
/* Per-CPU caches: batches, LIFO reuse, checks on every free, draining,
 * the slow path through the zone, and cross-thread frees. */
#include "fixture.h"
#include "harness.h"
#include "../src/internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cfx {
	struct fx f;
	struct lb_cache *c;
	void *mem;
};

static int cfx_init(struct cfx *t, enum lb_policy p)
{
	int rc = fx_init(&t->f, fx_map16, 2, p);

	if (rc)
		return rc;
	t->mem = fx_cache_mem();
	return lb_cache_init(&t->c, t->f.z, t->mem, lb_cache_size());
}

static void cfx_fini(struct cfx *t)
{
	lb_cache_fini(t->c);
	free(t->mem);
	fx_fini(&t->f);
}

TEST(cache_refills_in_batches_and_reuses_lifo)
{
	struct cfx t;
	struct lb_stats st;
	uint64_t a, b;

	REQUIRE(cfx_init(&t, LB_POLICY_EXACT) == 0);
	REQUIRE(lb_cache_alloc(t.c, 0, 0, &a) == 0);
	lb_zone_stats(t.f.z, &st);
	CHECK_EQ(st.cached_pages, 63); /* a batch of 64, one handed out */
	CHECK_EQ(st.allocated_pages, 1);
	CHECK_EQ(st.free_accepted_pages, 1024 - 64);
	CHECK(fx_ok(&t.f));
	REQUIRE(lb_cache_free(t.c, a, 0) == 0);
	REQUIRE(lb_cache_alloc(t.c, 0, 0, &b) == 0);
	CHECK_EQ(a, b); /* the hottest block comes back first */
	CHECK_EQ(lb_zone_page_state(t.f.z, a), LB_PAGE_ALLOCATED);
	REQUIRE(lb_cache_free(t.c, b, 0) == 0);
	lb_cache_drain(t.c);
	lb_zone_stats(t.f.z, &st);
	CHECK_EQ(st.cached_pages, 0);
	CHECK_EQ(st.free_blocks[0][10], 1); /* all merged back */
	CHECK_EQ(st.allocs, 2);
	CHECK_EQ(st.frees, 2);
	CHECK(fx_ok(&t.f));
	cfx_fini(&t);
}

/* A refill takes what taking its blocks one by one would: smallest fit
 * first, and from a larger block its lowest pieces, the halves left over
 * going back to the zone. */
TEST(cache_refill_takes_what_one_by_one_would)
{
	struct cfx t;
	struct lb_stats st;
	uint64_t a, x;

	REQUIRE(cfx_init(&t, LB_POLICY_EXACT) == 0);
	/* page 0 out through the zone: blocks of orders 0-9 are left free */
	REQUIRE(lb_alloc(t.f.z, 0, 0, &a) == 0);
	REQUIRE(a == 0);
	REQUIRE(lb_cache_alloc(t.c, 0, 0, &x) == 0);
	/* the batch: the fragments of orders 0-5 (pages 1-63) whole, then
	 * the order-6 block at 64 split for its first page, the last in */
	CHECK_EQ(x, 64 * 4096);
	lb_zone_stats(t.f.z, &st);
	CHECK_EQ(st.cached_pages, 63);
	for (unsigned o = 0; o <= 9; o++)
		CHECK_EQ(st.free_blocks[0][o], o == 6 ? 0u : 1u);
	CHECK(fx_ok(&t.f));
	REQUIRE(lb_cache_free(t.c, x, 0) == 0);
	REQUIRE(lb_free(t.f.z, a, 0) == 0);
	lb_cache_drain(t.c);
	lb_zone_stats(t.f.z, &st);
	CHECK_EQ(st.free_blocks[0][10], 1);
	CHECK(fx_ok(&t.f));
	cfx_fini(&t);
}

/* A drained batch that tiles an aligned block is freed as that block; one
 * that does not, block by block. */
TEST_TSAN(cache_drain_frees_a_tiling_batch_whole)
{
	struct cfx t;
	struct lb_stats st;
	uint64_t a[256];

	REQUIRE(cfx_init(&t, LB_POLICY_EXACT) == 0);
	for (unsigned i = 0; i < 256; i++) {
		REQUIRE(lb_alloc(t.f.z, 0, 0, &a[i]) == 0);
		REQUIRE(a[i] == i * 4096); /* the zone hands out in address order */
	}
	/* pages 1-64: 64 blocks from first to last, but not aligned */
	for (unsigned i = 64; i >= 1; i--)
		REQUIRE(lb_cache_free(t.c, a[i], 0) == 0);
	lb_cache_drain(t.c);
	lb_zone_stats(t.f.z, &st);
	CHECK_EQ(st.free_blocks[0][0], 2); /* pages 1 and 64 */
	for (unsigned o = 1; o <= 5; o++)
		CHECK_EQ(st.free_blocks[0][o], 1); /* 2-3, 4-7, ... 32-63 */
	CHECK_EQ(st.free_blocks[0][6], 0);
	CHECK(fx_ok(&t.f));
	/* the aligned block 128-191, in a scrambled order */
	for (unsigned i = 0; i < 64; i++)
		REQUIRE(lb_cache_free(t.c, a[128 + (i * 37) % 64], 0) == 0);
	lb_cache_drain(t.c);
	lb_zone_stats(t.f.z, &st);
	CHECK_EQ(st.free_blocks[0][6], 1);
	CHECK(fx_ok(&t.f));
	for (unsigned i = 0; i < 256; i++)
		if (!i || (i > 64 && i < 128) || i >= 192)
			REQUIRE(lb_free(t.f.z, a[i], 0) == 0);
	lb_zone_stats(t.f.z, &st);
	CHECK_EQ(st.free_blocks[0][10], 1);
	CHECK(fx_ok(&t.f));
	cfx_fini(&t);
}

/* Two sections of accepted memory, for caches that split their own. */
static const struct lb_range map8acc[] = { { 0, 8 * MiB, LB_MEM_ACCEPTED } };

static struct lb_cache *cache_on(struct fx *f, void **mem)
{
	struct lb_cache *c = NULL;

	*mem = fx_cache_mem();
	if (!*mem || lb_cache_init(&c, f->z, *mem, lb_cache_size()))
		return NULL;
	return c;
}

/* A refill leaves the halves of the block it split to its own later
 * refills: another cache splits an untagged block rather than take them,
 * and takes them only when nothing else fits, or once their cache is
 * finished. */
TEST(cache_refills_keep_to_their_own_blocks)
{
	struct fx f;
	struct lb_cache *a, *b, *c;
	void *ma, *mb, *mc;
	uint64_t x, y, z0, w, more[63];
	struct lb_stats st;

	REQUIRE(fx_init(&f, map8acc, 1, LB_POLICY_EXACT) == 0);
	a = cache_on(&f, &ma);
	b = cache_on(&f, &mb);
	c = cache_on(&f, &mc);
	REQUIRE(a && b && c);
	REQUIRE(lb_cache_alloc(a, 0, 0, &x) == 0);
	CHECK(x < 1024 * 4096); /* a split the first section's block */
	REQUIRE(lb_cache_alloc(b, 0, 0, &y) == 0);
	CHECK(y >= 1024 * 4096); /* not a's halves: the other section */
	/* c finds only a's and b's halves: it takes one rather than fail */
	REQUIRE(lb_cache_alloc(c, 0, 0, &z0) == 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.cached_pages, 3 * 63);
	CHECK(fx_ok(&f));
	REQUIRE(lb_cache_free(c, z0, 0) == 0);
	lb_cache_fini(c);
	/* a finished, with x still out: its blocks are anyone's, and b's
	 * next refill takes its fragments (pages 0-62) first, smallest fit */
	lb_cache_fini(a);
	for (unsigned i = 0; i < 63; i++) /* b's stack, emptied */
		REQUIRE(lb_cache_alloc(b, 0, 0, &more[i]) == 0);
	REQUIRE(lb_cache_alloc(b, 0, 0, &w) == 0);
	for (uint64_t p = 0; p < 63; p++)
		CHECK(lb_zone_page_state(f.z, p * 4096) != LB_PAGE_FREE_ACCEPTED);
	CHECK(fx_ok(&f));
	REQUIRE(lb_cache_free(b, w, 0) == 0);
	for (unsigned i = 0; i < 63; i++)
		REQUIRE(lb_cache_free(b, more[i], 0) == 0);
	REQUIRE(lb_cache_free(b, y, 0) == 0);
	lb_cache_fini(b);
	REQUIRE(lb_free(f.z, x, 0) == 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.free_blocks[0][10], 2);
	CHECK(fx_ok(&f));
	free(ma);
	free(mb);
	free(mc);
	fx_fini(&f);
}

/* A refill's halves go on its cache's own lists, another cache takes
 * anyone's block rather than those, a drain that merges back into a whole
 * section keeps it on the cache's list, and another cache that needs a
 * section takes it from there rather than fail. */
TEST(cache_lists_by_tag)
{
	struct fx f;
	struct lb_cache *a, *b, *c;
	void *ma, *mb, *mc;
	uint64_t x, y, w;
	struct lb_zone *z;
	struct lb_stats st;
	char msg[160], want[160];

	REQUIRE(fx_init(&f, map8acc, 1, LB_POLICY_EXACT) == 0);
	z = f.z;
	a = cache_on(&f, &ma);
	b = cache_on(&f, &mb);
	REQUIRE(a && b && a->tag != b->tag && a->tag && b->tag);
	CHECK_EQ(z->lists[0].area[LB_MAX_ORDER].nr, 2);
	REQUIRE(lb_cache_alloc(a, 0, 0, &x) == 0);
	/* section 0 split for a batch of 64: halves of orders 6-9, a's */
	for (unsigned o = 6; o < LB_MAX_ORDER; o++) {
		CHECK_EQ(z->lists[a->tag].area[o].nr, 1);
		CHECK(z->lists[a->tag].orders >> o & 1);
	}
	CHECK_EQ(z->lists[0].area[LB_MAX_ORDER].nr, 1);
	REQUIRE(lb_cache_alloc(b, 0, 0, &y) == 0);
	CHECK(y >= 4 * MiB); /* the other section, not a's halves */
	CHECK_EQ(z->lists[a->tag].area[9].nr, 1);
	CHECK_EQ(z->lists[b->tag].area[9].nr, 1);
	CHECK(fx_ok(&f));
	/* the masks a refill reads are checked against the lists */
	z->lists[a->tag].orders &= ~(UINT32_C(1) << 9);
	CHECK_EQ(lb_zone_check(z, msg, sizeof msg), LB_ECORRUPT);
	snprintf(want, sizeof want,
		 "I4: free list accepted/9 of cache tag %u holds 1 blocks, 1 free blocks found",
		 a->tag);
	CHECK(strcmp(msg, want) == 0);
	z->lists[a->tag].orders |= UINT32_C(1) << 9;
	z->holding &= ~(UINT64_C(1) << b->tag);
	CHECK_EQ(lb_zone_check(z, msg, sizeof msg), LB_ECORRUPT);
	z->holding |= UINT64_C(1) << b->tag;
	/* bits no list's walk covers: anyone's in holding, a tag no cache
	 * has, an order past the largest */
	z->holding |= 1;
	CHECK_EQ(lb_zone_check(z, msg, sizeof msg), LB_ECORRUPT);
	CHECK(strncmp(msg, "I4: the caches' masks disagree", 30) == 0);
	z->holding &= ~UINT64_C(1);
	z->live_tags |= UINT64_C(1) << TAG_COUNT;
	CHECK_EQ(lb_zone_check(z, msg, sizeof msg), LB_ECORRUPT);
	z->live_tags &= ~(UINT64_C(1) << TAG_COUNT);
	z->lists[a->tag].orders |= UINT32_C(1) << NR_ORDERS;
	CHECK_EQ(lb_zone_check(z, msg, sizeof msg), LB_ECORRUPT);
	z->lists[a->tag].orders &= ~(UINT32_C(1) << NR_ORDERS);
	CHECK(fx_ok(&f));
	REQUIRE(lb_cache_free(a, x, 0) == 0);
	lb_cache_drain(a);
	CHECK_EQ(z->lists[a->tag].area[LB_MAX_ORDER].nr, 1); /* section 0, a's */
	CHECK_EQ(z->lists[a->tag].area[LB_MAX_ORDER].head, 0);
	CHECK_EQ(z->lists[a->tag].orders, UINT32_C(1) << LB_MAX_ORDER);
	CHECK_EQ(z->lists[0].orders + z->lists[0].area[LB_MAX_ORDER].nr, 0);
	CHECK(fx_ok(&f));
	c = cache_on(&f, &mc);
	REQUIRE(c);
	REQUIRE(lb_cache_alloc(c, LB_MAX_ORDER, 0, &w) == 0);
	CHECK_EQ(w, 0); /* a's section: nothing else is whole */
	CHECK(fx_ok(&f));
	REQUIRE(lb_cache_free(c, w, LB_MAX_ORDER) == 0);
	lb_cache_fini(c);
	REQUIRE(lb_cache_free(b, y, 0) == 0);
	lb_cache_fini(a);
	lb_cache_fini(b);
	lb_zone_stats(z, &st);
	CHECK_EQ(st.free_blocks[0][LB_MAX_ORDER], 2);
	CHECK(fx_ok(&f));
	free(ma);
	free(mb);
	free(mc);
	fx_fini(&f);
}

/* More caches than tags share them, and a cache finishing leaves the
 * tag live while another has it: every cache's first refill still splits
 * a section of its own (a section each, and a few more). */
#define NTAGS TAG_COUNT
static const struct lb_range map_tags_acc[] = { { 0, (NTAGS + 3) * 4 * MiB, LB_MEM_ACCEPTED } };

TEST(cache_tags_shared_beyond_their_count)
{
	struct fx f;
	static struct lb_cache *c[NTAGS + 1];
	static void *m[NTAGS + 1];
	static uint64_t x[NTAGS];
	static bool sec_used[NTAGS + 3];
	unsigned order[NTAGS];

	REQUIRE(fx_init(&f, map_tags_acc, 1, LB_POLICY_EXACT) == 0);
	for (unsigned i = 0; i <= NTAGS; i++)
		REQUIRE((c[i] = cache_on(&f, &m[i])) != NULL);
	lb_cache_fini(c[NTAGS]); /* shares its tag with one of the others */
	/* each possible sharer (the first, or the one before it) has
	 * refills after its own */
	order[0] = NTAGS - 1;
	for (unsigned i = 1; i < NTAGS; i++)
		order[i] = i - 1;
	for (unsigned i = 0; i < NTAGS; i++) {
		unsigned k = order[i];
		uint64_t sec;

		REQUIRE(lb_cache_alloc(c[k], 0, 0, &x[k]) == 0);
		sec = x[k] / (4 * MiB);
		CHECK(!sec_used[sec]);
		sec_used[sec] = true;
	}
	CHECK(fx_ok(&f));
	for (unsigned i = 0; i < NTAGS; i++) {
		REQUIRE(lb_cache_free(c[i], x[i], 0) == 0);
		lb_cache_fini(c[i]);
	}
	for (unsigned i = 0; i <= NTAGS; i++)
		free(m[i]);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

TEST(cache_free_checks_and_changes_nothing)
{
	struct cfx t;
	struct lb_stats before, after;
	uint64_t a, big;

	REQUIRE(cfx_init(&t, LB_POLICY_UNIT) == 0);
	REQUIRE(lb_cache_alloc(t.c, 1, 0, &a) == 0);
	REQUIRE(lb_cache_alloc(t.c, 5, 0, &big) == 0); /* above the cache: the zone */
	REQUIRE(lb_cache_free(t.c, a, 1) == 0);
	lb_zone_stats(t.f.z, &before);
	CHECK_EQ(lb_cache_free(t.c, a, 1), LB_EDOUBLEFREE);     /* already cached */
	CHECK_EQ(lb_free(t.f.z, a, 1), LB_EDOUBLEFREE);         /* same, via the zone */
	CHECK_EQ(lb_cache_free(t.c, big, 2), LB_ENOTALLOC);     /* wrong order */
	CHECK_EQ(lb_cache_free(t.c, big + LB_PAGE_SIZE, 0), LB_ENOTALLOC);
	CHECK_EQ(lb_cache_free(t.c, big + 1, 0), LB_EALIGN);
	CHECK_EQ(lb_cache_free(t.c, 1ull << 40, 0), LB_ERANGE);
	CHECK_EQ(lb_cache_free(t.c, 8 * MiB, 0), LB_ENOTALLOC); /* never touched */
	CHECK_EQ(lb_cache_free(t.c, a, 11), LB_EORDER);
	CHECK_EQ(lb_cache_alloc(t.c, 11, 0, &a), LB_EORDER);
	CHECK_EQ(lb_cache_alloc(t.c, 0, 0x10, &a), LB_EINVAL);
	CHECK_EQ(lb_cache_alloc(NULL, 0, 0, &a), LB_EINVAL);
	lb_zone_stats(t.f.z, &after);
	CHECK(memcmp(&before, &after, sizeof before) == 0);
	CHECK_EQ(lb_cache_free(t.c, big, 5), 0);
	CHECK(fx_ok(&t.f));
	cfx_fini(&t);
}

TEST_TSAN(cache_drains_when_full_and_on_fini)
{
	struct cfx t;
	struct lb_stats st;
	uint64_t addr[400];

	REQUIRE(cfx_init(&t, LB_POLICY_EXACT) == 0);
	for (int i = 0; i < 400; i++)
		REQUIRE(lb_cache_alloc(t.c, 0, 0, &addr[i]) == 0);
	for (int i = 0; i < 400; i++)
		REQUIRE(lb_cache_free(t.c, addr[i], 0) == 0);
	lb_zone_stats(t.f.z, &st);
	CHECK(st.cached_pages <= 128); /* 1/32 of the zone's 4096 pages */
	CHECK(st.cached_pages >= 128 - 64);
	CHECK_EQ(st.allocated_pages, 0);
	CHECK(fx_ok(&t.f));
	lb_cache_fini(t.c);
	lb_zone_stats(t.f.z, &st);
	CHECK_EQ(st.cached_pages, 0);
	CHECK_EQ(st.free_accepted_pages, 1024);
	CHECK_EQ(st.allocs, 400); /* the cache's counts stay with the zone */
	CHECK(fx_ok(&t.f));
	REQUIRE(lb_cache_init(&t.c, t.f.z, t.mem, lb_cache_size()) == 0); /* for cfx_fini */
	CHECK_EQ(lb_cache_init(&t.c, t.f.z, t.mem, lb_cache_size() - 1), LB_ENOSPACE);
	cfx_fini(&t);
}

/* An empty zone-side accepted pool: the cache's miss takes the slow path
 * and accepts, exactly as lb_alloc would. */
TEST_TSAN(cache_slow_path_accepts)
{
	struct cfx t;
	struct lb_stats st;
	uint64_t big, a;

	REQUIRE(cfx_init(&t, LB_POLICY_EXACT) == 0);
	REQUIRE(lb_alloc(t.f.z, 10, 0, &big) == 0); /* all accepted memory */
	REQUIRE(lb_cache_alloc(t.c, 0, 0, &a) == 0);
	CHECK(a >= 4 * MiB);
	CHECK(sb_all_accepted(&t.f.sb, a, LB_PAGE_SIZE));
	lb_zone_stats(t.f.z, &st);
	CHECK_EQ(st.accept_calls, 1);
	CHECK_EQ(lb_cache_alloc(t.c, 0, LB_ALLOC_NOWAIT, &a), LB_EAGAIN);
	CHECK(fx_ok(&t.f));
	cfx_fini(&t);
}

/* Threads with their own caches, freeing each other's blocks. */
#define NT 4
#define SLOTS 256
#define PRESENT 0x100 /* the block at address 0 must not read as empty */

struct shared {
	struct lb_zone *z;
	uint64_t slot[NT][SLOTS]; /* addr | PRESENT | order, or 0 when empty */
	unsigned char *owner;     /* per page: 0 free, else thread + 1 */
	int errors;
};

struct targ {
	struct shared *s;
	int id;
};

static void *worker(void *p)
{
	struct targ *a = p;
	struct shared *s = a->s;
	void *mem = fx_cache_mem();
	struct lb_cache *c;
	uint64_t seed = (uint64_t)a->id * 7919 + 1;

	if (lb_cache_init(&c, s->z, mem, lb_cache_size())) {
		__atomic_fetch_add(&s->errors, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	for (int op = 0; op < 20000; op++) {
		unsigned k = (unsigned)(fx_rand(&seed) % SLOTS);
		int victim = (int)(fx_rand(&seed) % NT);
		/* take a block from any thread's slot (cross-thread free) */
		uint64_t v = __atomic_exchange_n(&s->slot[victim][k], 0, __ATOMIC_ACQ_REL);

		if (v) {
			uint64_t addr = v & ~UINT64_C(0xfff);
			unsigned order = (unsigned)(v & 0xf);

			for (uint64_t i = 0; i < (UINT64_C(1) << order); i++)
				__atomic_store_n(&s->owner[(addr >> 12) + i], 0, __ATOMIC_RELAXED);
			if (lb_cache_free(c, addr, order))
				__atomic_fetch_add(&s->errors, 1, __ATOMIC_RELAXED);
		} else {
			unsigned order = (unsigned)(fx_rand(&seed) % 4);
			uint64_t addr;

			if (lb_cache_alloc(c, order, 0, &addr))
				continue;
			for (uint64_t i = 0; i < (UINT64_C(1) << order); i++)
				if (__atomic_exchange_n(&s->owner[(addr >> 12) + i],
							(unsigned char)(a->id + 1), __ATOMIC_RELAXED))
					__atomic_fetch_add(&s->errors, 1, __ATOMIC_RELAXED);
			v = addr | PRESENT | order;
			if (!__atomic_compare_exchange_n(&s->slot[a->id][k], &(uint64_t){ 0 }, v,
							 false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
				for (uint64_t i = 0; i < (UINT64_C(1) << order); i++)
					__atomic_store_n(&s->owner[(addr >> 12) + i], 0,
							 __ATOMIC_RELAXED);
				lb_cache_free(c, addr, order);
			}
		}
	}
	lb_cache_fini(c);
	free(mem);
	return NULL;
}

TEST_TSAN(cache_threads_cross_free)
{
	for (int p = 0; p < LB_POLICY_COUNT; p++) {
		struct fx f;
		struct shared *s = calloc(1, sizeof *s);
		pthread_t th[NT];
		struct targ args[NT];
		struct lb_stats st;

		REQUIRE(fx_init(&f, fx_map16, 2, (enum lb_policy)p) == 0);
		f.sb.check_lock = false;
		s->z = f.z;
		s->owner = calloc(16 * MiB / LB_PAGE_SIZE, 1);
		for (int i = 0; i < NT; i++) {
			args[i].s = s;
			args[i].id = i;
			pthread_create(&th[i], NULL, worker, &args[i]);
		}
		for (int i = 0; i < NT; i++)
			pthread_join(th[i], NULL);
		CHECK_EQ(s->errors, 0);
		for (int i = 0; i < NT; i++)
			for (int k = 0; k < SLOTS; k++)
				if (s->slot[i][k])
					CHECK_EQ(lb_free(f.z, s->slot[i][k] & ~UINT64_C(0xfff),
							 (unsigned)(s->slot[i][k] & 0xf)), 0);
		lb_zone_stats(f.z, &st);
		CHECK_EQ(st.allocated_pages, 0);
		CHECK_EQ(st.cached_pages, 0);
		CHECK_EQ(f.sb.double_accepts, 0);
		CHECK(fx_ok(&f));
		free(s->owner);
		free(s);
		fx_fini(&f);
	}
}

/* The checker beside the cache's fast path: lb_zone_check() reads every
 * block's kind and order while the owner flips its blocks without the
 * lock. Under ThreadSanitizer (make test runs the cache_threads tests
 * there) a plain read of a field the cache writes is a reported race. The
 * checker finds nothing wrong but, as the header allows while allocations
 * are in progress, cached pages counted a moment apart (I4's counters). */
struct checker_run {
	struct lb_zone *z;
	int stop, checks, bad;
};

static void *keep_checking(void *p)
{
	struct checker_run *r = p;
	char msg[200];

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		if (lb_zone_check(r->z, msg, sizeof msg) && strncmp(msg, "I4: counters", 12) &&
		    !r->bad++)
			printf("    %s\n", msg);
		__atomic_fetch_add(&r->checks, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

TEST_TSAN(cache_threads_checker_beside_fast_path)
{
	struct cfx t;
	struct checker_run r = { 0 };
	uint64_t a[64];
	pthread_t th;

	REQUIRE(cfx_init(&t, LB_POLICY_EXACT) == 0);
	t.f.sb.check_lock = false;
	r.z = t.f.z;
	for (unsigned i = 0; i < 64; i++)
		REQUIRE(lb_cache_alloc(t.c, i % 4, 0, &a[i]) == 0);
	pthread_create(&th, NULL, keep_checking, &r);
	for (unsigned k = 0; k < 20000 || !__atomic_load_n(&r.checks, __ATOMIC_RELAXED); k++) {
		unsigned i = k % 64;

		CHECK_EQ(lb_cache_free(t.c, a[i], i % 4), 0);
		CHECK_EQ(lb_cache_alloc(t.c, i % 4, 0, &a[i]), 0);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	CHECK_EQ(r.bad, 0);
	CHECK(r.checks > 0);
	for (unsigned i = 0; i < 64; i++)
		CHECK_EQ(lb_cache_free(t.c, a[i], i % 4), 0);
	cfx_fini(&t);
}

/* A double free racing through a cache and through the zone: exactly one
 * side wins, the other is refused, and the zone stays whole. */
struct race {
	struct lb_zone *z;
	struct lb_cache *c;
	pthread_barrier_t go, done;
	uint64_t addr;
	int rounds, zone_ok, cache_ok, refused;
};

static void *race_zone(void *p)
{
	struct race *r = p;

	for (int i = 0; i < r->rounds; i++) {
		pthread_barrier_wait(&r->go);
		int rc = lb_free(r->z, r->addr, 0);

		if (rc == 0)
			r->zone_ok++;
		else if (rc == LB_EDOUBLEFREE || rc == LB_ENOTALLOC)
			__atomic_fetch_add(&r->refused, 1, __ATOMIC_RELAXED);
		pthread_barrier_wait(&r->done);
	}
	return NULL;
}

TEST_TSAN(cache_double_free_race_with_zone)
{
	struct cfx t;
	struct race r = { .rounds = 2000 };
	pthread_t th;
	struct lb_stats st;

	REQUIRE(cfx_init(&t, LB_POLICY_EXACT) == 0);
	t.f.sb.check_lock = false;
	r.z = t.f.z;
	r.c = t.c;
	pthread_barrier_init(&r.go, NULL, 2);
	pthread_barrier_init(&r.done, NULL, 2);
	pthread_create(&th, NULL, race_zone, &r);
	for (int i = 0; i < r.rounds; i++) {
		REQUIRE(lb_alloc(t.f.z, 0, 0, &r.addr) == 0);
		pthread_barrier_wait(&r.go);
		int rc = lb_cache_free(t.c, r.addr, 0);

		if (rc == 0)
			r.cache_ok++;
		else if (rc == LB_EDOUBLEFREE || rc == LB_ENOTALLOC)
			__atomic_fetch_add(&r.refused, 1, __ATOMIC_RELAXED);
		pthread_barrier_wait(&r.done);
		lb_cache_drain(t.c);
	}
	pthread_join(th, NULL);
	CHECK_EQ(r.zone_ok + r.cache_ok, r.rounds); /* one winner a round */
	CHECK_EQ(r.refused, r.rounds);              /* one refusal a round */
	lb_zone_stats(t.f.z, &st);
	CHECK_EQ(st.allocated_pages, 0);
	CHECK(fx_ok(&t.f));
	pthread_barrier_destroy(&r.go);
	pthread_barrier_destroy(&r.done);
	cfx_fini(&t);
}

/* ------------------------------------------------ lb_cache_init twice */

TEST_TSAN(cache_init_on_a_live_cache_is_refused)
{
	struct fx f;
	struct lb_stats before, after;
	struct lb_cache *c, *again = NULL;
	void *mem = fx_cache_mem(), *copy = fx_cache_mem();
	uint64_t a, b;

	REQUIRE(fx_init(&f, fx_map16, 2, LB_POLICY_EXACT) == 0);
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
TEST_TSAN(cache_init_twice_with_two_caches)
{
	struct fx f;
	struct lb_cache *c1, *c2, *x = NULL;
	void *m1 = fx_cache_mem(), *m2 = fx_cache_mem();
	struct lb_stats st;
	uint64_t a1, a2;

	REQUIRE(fx_init(&f, fx_map16, 2, LB_POLICY_EXACT) == 0);
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

/* ---------------------------------- a stale free against a reallocation */

/*
 * One thread frees X at order k over and over: a stale double free, since
 * X is never allocated at order k again. Another thread allocates and
 * frees X at order j < k, round after round: X is the one free accepted
 * block, of order k (its buddy of order k is held), so each allocation
 * splits it and hands X out at order j, and each free merges it back. A
 * free that checks the order and then claims the kind in two steps can
 * read order k while X is free and claim it once reallocated at order j,
 * caching it under the wrong order. Every stale free must be refused.
 */
struct stale {
	struct lb_zone *z;
	struct lb_cache *c;
	uint64_t x;
	unsigned k, j;
	int stop, rounds_done;
	long claimed, refused, other;
	int zone_errors;
};

static void *stale_freer(void *p)
{
	struct stale *s = p;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		int rc = lb_cache_free(s->c, s->x, s->k);

		if (rc == 0)
			s->claimed++;
		else if (rc == LB_ENOTALLOC || rc == LB_EDOUBLEFREE)
			__atomic_fetch_add(&s->refused, 1, __ATOMIC_RELEASE);
		else
			s->other++;
	}
	return NULL;
}

static void *reallocator(void *p)
{
	struct stale *s = p;

	/* Start once the stale frees do, so that they overlap. */
	while (!__atomic_load_n(&s->refused, __ATOMIC_ACQUIRE))
		;
	for (int i = 0; i < 20000; i++) {
		uint64_t a;

		if (lb_alloc(s->z, s->j, LB_ALLOC_NOWAIT, &a) || a != s->x) {
			s->zone_errors++;
			break;
		}
		if (lb_free(s->z, a, s->j)) {
			s->zone_errors++;
			break;
		}
		s->rounds_done++;
	}
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void stale_free_race(unsigned k, unsigned j)
{
	struct fx f;
	struct stale s = { .k = k, .j = j };
	void *mem = fx_cache_mem();
	uint64_t held[1024], n = 0, a;
	pthread_t t1, t2;
	struct lb_stats st;

	REQUIRE(fx_init(&f, fx_map16, 2, LB_POLICY_EXACT) == 0);
	f.sb.check_lock = false;
	REQUIRE(lb_cache_init(&s.c, f.z, mem, lb_cache_size()) == 0);
	/* All accepted memory in blocks of order k; X (the first) is freed. */
	while (lb_alloc(f.z, k, LB_ALLOC_NOWAIT, &a) == 0)
		held[n++] = a;
	REQUIRE(n == UINT64_C(1024) >> k);
	s.z = f.z;
	s.x = held[0];
	REQUIRE(lb_free(f.z, s.x, k) == 0);
	pthread_create(&t1, NULL, stale_freer, &s);
	pthread_create(&t2, NULL, reallocator, &s);
	pthread_join(t2, NULL);
	pthread_join(t1, NULL);
	CHECK_EQ(s.claimed, 0);
	CHECK_EQ(s.other, 0);
	CHECK_EQ(s.zone_errors, 0);
	CHECK_EQ(s.rounds_done, 20000);
	CHECK(s.refused > 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.cached_pages, 0);
	CHECK(fx_ok(&f));
	lb_cache_fini(s.c);
	for (uint64_t i = 1; i < n; i++)
		CHECK_EQ(lb_free(f.z, held[i], k), 0);
	lb_zone_stats(f.z, &st);
	CHECK_EQ(st.allocated_pages, 0);
	CHECK_EQ(st.free_accepted_pages, 1024);
	CHECK(fx_ok(&f));
	free(mem);
	fx_fini(&f);
}

TEST_TSAN(cache_double_free_stale_order_race)
{
	stale_free_race(3, 0);
	stale_free_race(3, 2);
	stale_free_race(1, 0);
}
