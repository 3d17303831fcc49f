/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU caches: stacks of free accepted blocks, one per order, owned by
 * one thread (an lb_cache) or by whoever holds a CPU list's lock (a
 * zone's CPU list, cpulist.c), as Linux's per-CPU page lists.
 *
 * The fast path takes no zone lock: allocation pops a block, free
 * validates the block and pushes it. A cached block's descriptor says
 * K_CACHED; free flips {K_ALLOC, order} to {K_CACHED, order} with one
 * compare-and-swap, so a double free (even racing from two threads, even
 * a stale one against a reallocation at another order) is caught. An
 * empty stack is refilled, a full one drained, by a batch under the zone
 * lock. Blocks in a cache count as out of the zone (nr_alloc) and were
 * accepted when they left it; the releaser never sees them, so they stay
 * accepted (I1).
 *
 * Every order is cached, up to a section (order 10): a CPU that takes the
 * zone lock for its large blocks serialises with every other CPU that
 * does (an order-9 block is a transparent huge page, common in the guests
 * this is for). Bounds: 256/64/32/16 blocks of orders 0-3 (Linux's per-CPU
 * batches), moved 64/16/8/4 at a time; eight blocks of orders 4-8 and
 * four of 9 and 10, moved five and three at a time, so that a refill (one
 * block of it handed out) and a drain (then the block freed) both leave
 * the stack in its middle: when allocations and frees of an order come at
 * random, its count walks at random and reaches an end (a trip to the
 * zone) least often from there, once in about (cap / 2 + 1)^2 operations
 * of that order, 25 for the large ones. A trip costs a few cache lines
 * that other CPUs wrote (the lock, the lists, descriptors): hundreds of
 * nanoseconds each where CPUs are far apart (docs/scaling.md). A cache
 * also holds no more than 1/32 of the zone's memory, or one order-0 batch
 * (64 pages) if that is more (cache_max), so that a small zone is not
 * held in caches: at most 42 MiB a cache (640 pages of orders 0-3, 10112
 * above), 256 KiB of a 4 MiB zone.
 * The budget is each cache's: n caches may hold n times it.
 *
 * A batch moves without list surgery for each block where it can: a
 * refill takes a larger free block's first 2^k blocks of the order in one
 * piece (lbi_give_out_pieces: what taking them one by one, smallest fit
 * first, would take), and a drain whose blocks are all the pieces of one
 * aligned block frees that block whole (lbi_free_pieces). A fill of fresh
 * memory and its drain then cost fewer zone operations than they would
 * without a cache.
 *
 * Each cache has a tag (1..TAG_COUNT; more caches share them) and free
 * lists of its own in the zone: the halves its refills split off and the
 * blocks it drains go there, and its refills take from them first, other
 * caches' last (a preference, not a reservation: lbi_take_free_near). Two
 * CPUs' batches then do not interleave, 64 pages for one and the next 64
 * for the other, and a trip to the zone writes list heads and descriptors
 * of its own CPU's, not lines the other CPU's trips keep taking back.
 */
#include "internal.h"

#define CACHE_MAGIC UINT64_C(0x6c62636163686521)    /* an lb_cache */
#define CPU_LIST_MAGIC UINT64_C(0x6c62637075736c21) /* a zone's CPU list */

static const uint16_t cap[CACHE_ORDERS] = CACHE_CAPS;
static const uint16_t batch[CACHE_ORDERS] = { 64, 16, 8, 4, 5, 5, 5, 5, 5, 3, 3 };

_Static_assert(412 + 4 == CACHE_SLOTS, "cache slots");
_Static_assert(CACHE_ORDERS == 11, "a stack per order");

/* May the cache take one more block of order o, within its budget? */
static inline bool fits(const struct lb_cache *c, unsigned o)
{
	return c->pages + (UINT64_C(1) << o) <= c->max;
}

size_t lb_cache_size(void)
{
	return sizeof(struct lb_cache);
}

/* A tag no cache has now, the first after the last one given (tags
 * 1..TAG_COUNT); with all of them taken, the next one in turn, shared. */
static unsigned new_tag(struct lb_zone *z)
{
	unsigned t = z->last_tag;

	for (unsigned n = 0; n < TAG_COUNT; n++) {
		t = t % TAG_COUNT + 1;
		if (!TAG_LIVE(z, t))
			break;
	}
	if (TAG_LIVE(z, t)) /* all taken: in turn after the last */
		t = z->last_tag % TAG_COUNT + 1;
	z->last_tag = t;
	z->tag_users[t]++;
	z->live_tags |= UINT64_C(1) << t;
	return t;
}

/* Start a cache of z in mem and put it on the zone's list. */
void lbi_cache_setup(struct lb_cache *c, struct lb_zone *z, bool cpu_list)
{
	LB_ASSERT_LOCKED(z);
	memset(c, 0, sizeof *c);
	c->magic = cpu_list ? CPU_LIST_MAGIC : CACHE_MAGIC;
	c->z = z;
	c->max = z->cache_max; /* beside pages: the free path reads both */
	c->tag = new_tag(z);
	c->next = z->caches;
	z->caches = c;
}

int lb_cache_init(struct lb_cache **out, struct lb_zone *z, void *mem, size_t size)
{
	struct lb_cache *c = mem;

	if (!out || !z || z->magic != LB_ZONE_MAGIC || !mem)
		return LB_EINVAL;
	if (size < sizeof *c || ((uintptr_t)mem & 15))
		return LB_ENOSPACE;
	zone_lock(z);
	/* mem may be garbage the first time, so its magic proves nothing;
	 * being on the zone's list does. Re-initialising a live cache would
	 * link it to itself and lose the blocks it holds. */
	for (const struct lb_cache *l = z->caches; l; l = l->next)
		if (l == c) {
			zone_unlock(z);
			return LB_EINVAL;
		}
	lbi_cache_setup(c, z, false);
	zone_unlock(z);
	*out = c;
	return 0;
}

/* Honour a drain the zone asked for: one load of the cache's own line on
 * the fast path. Cleared before draining, so a request made meanwhile is
 * either covered by this drain or seen at the next operation. */
static LB_COLD void drain_asked(struct lb_cache *c)
{
	struct lb_zone *z = c->z;

	zone_lock(z);
	lbi_cache_drain_all(c);
	/* held: asked again at the next operation, which passes through */
	if (z->drain_order == DRAIN_NONE)
		__atomic_store_n(&c->drain_asked, 0, __ATOMIC_RELAXED);
	zone_unlock(z);
}

static inline void drain_if_asked(struct lb_cache *c)
{
	if (__builtin_expect(__atomic_load_n(&c->drain_asked, __ATOMIC_RELAXED), 0))
		drain_asked(c);
}

/* The caller's cache (a CPU list is the zone's). */
static inline bool cache_ok(const struct lb_cache *c)
{
	return c && c->magic == CACHE_MAGIC;
}

void lb_cache_drain(struct lb_cache *c)
{
	if (!cache_ok(c))
		return;
	zone_lock(c->z);
	lbi_cache_drain_all(c);
	zone_unlock(c->z);
}

void lb_cache_fini(struct lb_cache *c)
{
	struct lb_zone *z;

	if (!cache_ok(c))
		return;
	z = c->z;
	zone_lock(z);
	lbi_cache_drain_all(c);
	for (struct lb_cache **pp = &z->caches; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (!--z->tag_users[c->tag]) /* the last one out: its blocks are anyone's */
		z->live_tags &= ~(UINT64_C(1) << c->tag);
	z->allocs += c->allocs; /* keep the zone's totals whole */
	z->frees += c->frees;
	c->magic = 0; /* no longer a cache: refused by every call, free to init */
	zone_unlock(z);
}

/* The zone's slow path for the cache's owner. Accepted memory serves
 * first: the zone's, then the CPU lists' it can lock (lbi_alloc drains
 * them), then the cache's own blocks, given back (they may merge into
 * what is asked); only then does the zone accept, or wait, or answer that
 * memory is short. Then the caches that only their owners can drain are
 * asked to. */
static int zone_alloc(struct lb_cache *c, unsigned o, unsigned flags, uint64_t *out)
{
	struct acc_op op = ALLOC_OP; /* one operation: one budget for both tries */
	struct lb_zone *z = c->z;
	int rc = lbi_alloc(z, o, flags | LB_ALLOC_NOWAIT, out, &op); /* accepted only */

	if (short_answer(rc) && (lbi_cache_drain_all(c) || !(flags & LB_ALLOC_NOWAIT)))
		rc = lbi_alloc(z, o, flags, out, &op);
	lbi_cache_alloc_seen(z, o);
	if (rc == LB_ENOMEM)
		lbi_cache_request_drain(z, o);
	count_alloc_failure(z, rc);
	return rc;
}

/* Refill from accepted free memory only; the slow path (acceptance) is
 * left to lbi_alloc, which hands its one block out directly. */
static int refill_or_alloc(struct lb_cache *c, unsigned o, unsigned flags, uint64_t *out)
{
	struct lb_zone *z = c->z;
	uint32_t *s = cache_stack(c, o);
	uint64_t b;
	unsigned got;
	int rc = 0;

	zone_lock(z);
	/* Smallest fit first, as the zone always takes: fragments serve before
	 * a larger block is split. A larger block gives the batch what is
	 * left of it in one piece, the lowest 2^k blocks of order o, as
	 * taking them one by one would (each half goes to the head of its
	 * list, so the next take is the next piece), without splitting each
	 * off and taking it back. While a drain is held, one block from the
	 * zone, no batch. */
	while (z->drain_order == DRAIN_NONE && c->count[o] < batch[o] && fits(c, o) &&
	       lbi_take_free_near(z, o, c->tag, &b, &got)) {
		unsigned k = got - o, n;

		while ((UINT64_C(1) << k) > (uint64_t)(batch[o] - c->count[o]) ||
		       !fits(c, o + k))
			k--;
		lbi_split(z, b, got, o + k, S_ACCEPTED, c->tag); /* the halves: its own */
		n = lbi_give_out_pieces(z, b, o + k, o, K_CACHED, &s[c->count[o]]);
		c->count[o] += n; /* fewer: quarantined by the shadow check */
		cache_bump(&c->pages, (int64_t)n << o);
	}
	if (!c->count[o])
		rc = zone_alloc(c, o, flags, out);
	else
		*out = LB_NIL;
	zone_unlock(z);
	return rc;
}

/* An empty stack: refilled, or the zone serves the one block (*served). */
static LB_COLD int alloc_refill(struct lb_cache *c, unsigned order, unsigned flags,
				uint64_t *addr, bool *served)
{
	uint64_t idx;
	int rc = refill_or_alloc(c, order, flags, &idx);

	*served = !rc && idx != LB_NIL; /* counted by the zone's slow path */
	if (*served)
		*addr = idx_to_addr(c->z, idx);
	return rc;
}

/* lb_cache_alloc() on a valid cache and order, flags checked. */
static LB_HOT_INLINE int cache_alloc(struct lb_cache *c, unsigned order, unsigned flags,
				   uint64_t *addr)
{
	struct lb_zone *z = c->z;
	uint64_t idx;

	drain_if_asked(c);
	if (__builtin_expect(!c->count[order], 0)) {
		bool served;
		int rc = alloc_refill(c, order, flags, addr, &served);

		if (rc || served)
			return rc;
	}
	idx = cache_stack(c, order)[--c->count[order]];
	pg_set_kind_order(&z->pages[idx], K_ALLOC, order);
	cache_bump(&c->pages, -((int64_t)1 << order));
	cache_bump(&c->allocs, 1);
	*addr = idx_to_addr(z, idx);
	return 0;
}

int lb_cache_alloc(struct lb_cache *c, unsigned order, unsigned flags, uint64_t *addr)
{
	if (!cache_ok(c) || !addr || (flags & ~LB_ALLOC_FLAGS))
		return LB_EINVAL;
	if (order > LB_MAX_ORDER)
		return LB_EORDER;
	return cache_alloc(c, order, flags, addr);
}

int lbi_cache_alloc(struct lb_cache *c, unsigned order, unsigned flags, uint64_t *addr)
{
	return cache_alloc(c, order, flags, addr);
}

/* Why a free was refused, under the lock. */
static LB_COLD int free_refused(struct lb_zone *z, uint64_t idx)
{
	int rc;

	zone_lock(z);
	rc = lbi_bad_free(z, idx);
	zone_unlock(z);
	return rc;
}

/* The cold part of a free: a full stack gives its coldest batch back to
 * the zone; a block that would take the cache over its budget goes back
 * itself, where it may merge (true: not for the stack). */
static LB_COLD bool free_slow(struct lb_cache *c, unsigned order, uint64_t idx)
{
	struct lb_zone *z = c->z;
	bool over;

	zone_lock(z);
	if (c->count[order] == cap[order])
		lbi_cache_drain(c, order, batch[order]);
	over = !fits(c, order);
	if (over) {
		z->nr_alloc -= UINT64_C(1) << order;
		lbi_free_block(z, idx, order, S_ACCEPTED, c->tag, false);
	}
	zone_unlock(z);
	return over;
}

/* lb_cache_free() on a valid cache. */
static LB_HOT_INLINE int cache_free(struct lb_cache *c, uint64_t addr, unsigned order)
{
	struct lb_zone *z = c->z;
	uint64_t idx;
	int rc = addr_to_idx(z, addr, order, &idx);

	if (rc)
		return rc;
	/* Every free is a consistency check: the head of an allocated block
	 * of exactly this order, kind and order claimed in one step. */
	if (!(__atomic_load_n(&z->active[idx / SECTION_PAGES >> 6], __ATOMIC_RELAXED) >>
	      (idx / SECTION_PAGES & 63) & 1) ||
	    !pg_claim(&z->pages[idx], K_ALLOC, K_CACHED, order))
		return free_refused(z, idx);
	if (__builtin_expect(c->count[order] == cap[order] || !fits(c, order), 0) &&
	    free_slow(c, order, idx)) {
		cache_bump(&c->frees, 1);
		drain_if_asked(c);
		return 0;
	}
	cache_stack(c, order)[c->count[order]++] = (uint32_t)idx;
	cache_bump(&c->pages, (int64_t)1 << order);
	cache_bump(&c->frees, 1);
	drain_if_asked(c); /* after the checks: bad input changes nothing */
	return 0;
}

int lb_cache_free(struct lb_cache *c, uint64_t addr, unsigned order)
{
	if (!cache_ok(c))
		return LB_EINVAL;
	return cache_free(c, addr, order);
}

int lbi_cache_free(struct lb_cache *c, uint64_t addr, unsigned order)
{
	return cache_free(c, addr, order);
}
