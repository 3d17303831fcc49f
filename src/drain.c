/* SPDX-License-Identifier: MIT */
/*
 * Drains: blocks going back from the per-CPU caches (cache.c) and the
 * zone's CPU lists (cpulist.c) to the zone's free lists, with the zone
 * lock held. Below both, and below the allocation they refill from
 * (zone_alloc.c), which drains the lists it can lock before it accepts:
 * accepted memory in a cache serves before any is accepted.
 *
 * A cache is its owner's alone, so the zone never drains another thread's
 * lb_cache itself: it asks (lbi_cache_request_drain), and the owner drains
 * at its next operation. A CPU list's owner is whoever holds its lock, so
 * the zone drains each list it can take without waiting
 * (lbi_cpu_lists_drain): the lock order is a list, then the zone.
 */
#include "internal.h"

/* Pages the zone's caches and CPU lists hold. */
uint64_t lbi_cached_pages(const struct lb_zone *z)
{
	uint64_t n = 0;

	LB_ASSERT_LOCKED(z);
	for (const struct lb_cache *c = z->caches; c; c = c->next)
		n += __atomic_load_n(&c->pages, __ATOMIC_RELAXED);
	return n;
}

/* An allocation of order found no memory while caches hold some: ask each
 * cache to drain itself at its next operation (a cache is its owner's
 * alone), and to pass its blocks through until the retry has had its
 * chance: a cache that filled up again at once would undo the drain. */
void lbi_cache_request_drain(struct lb_zone *z, unsigned order)
{
	bool any = false;

	LB_ASSERT_LOCKED(z);
	for (struct lb_cache *c = z->caches; c; c = c->next)
		if (__atomic_load_n(&c->pages, __ATOMIC_RELAXED)) {
			__atomic_store_n(&c->drain_asked, 1, __ATOMIC_RELAXED);
			any = true;
		}
	if (!any)
		return;
	if (z->drain_order == DRAIN_NONE || order > z->drain_order)
		z->drain_order = (uint8_t)order;
	z->drain_left = DRAIN_HOLD_ALLOCS;
}

/* An allocation of order has had its chance (served or not): the retry a
 * held drain was for, or one of the allocations that end the hold when
 * the retry does not come. */
void lbi_cache_alloc_seen(struct lb_zone *z, unsigned order)
{
	LB_ASSERT_LOCKED(z);
	if (z->drain_order != DRAIN_NONE && (order >= z->drain_order || !--z->drain_left))
		z->drain_order = DRAIN_NONE;
}

/* Give the n coldest (bottom) blocks of order o back to the zone. */
void lbi_cache_drain(struct lb_cache *c, unsigned o, uint32_t n)
{
	struct lb_zone *z = c->z;
	uint32_t *s = cache_stack(c, o);

	LB_ASSERT_LOCKED(z);
	lbi_free_pieces(z, s, n, o, c->tag);
	memmove(s, s + n, (c->count[o] - n) * sizeof *s);
	c->count[o] -= n;
	z->nr_alloc -= (uint64_t)n << o;
	cache_bump(&c->pages, -(int64_t)((uint64_t)n << o));
}

/* Every block back to the zone: the pages it gave back. */
uint64_t lbi_cache_drain_all(struct lb_cache *c)
{
	uint64_t had = c->pages;

	for (unsigned o = 0; o < CACHE_ORDERS; o++)
		lbi_cache_drain(c, o, c->count[o]);
	return had;
}

#ifdef LB_PLATFORM_CPUS
/* Every list that is not held gives its blocks back to the zone: the pages
 * they gave back. A held list's holder is using it, or draining it. */
uint64_t lbi_cpu_lists_drain(struct lb_zone *z)
{
	uint64_t pages = 0;

	LB_ASSERT_LOCKED(z);
	for (unsigned i = 0; i < z->ncpu; i++) {
		struct cpu_list *l = &z->cpu[i];

		if (!__atomic_load_n(&l->c.pages, __ATOMIC_RELAXED) || !lb_lock_try(&l->lock))
			continue;
		pages += lbi_cache_drain_all(&l->c);
		lb_unlock(&l->lock);
	}
	return pages;
}
#else /* no CPU lists (cpulist.c) */
uint64_t lbi_cpu_lists_drain(struct lb_zone *z)
{
	(void)z;
	return 0;
}
#endif
