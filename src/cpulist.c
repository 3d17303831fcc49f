/* SPDX-License-Identifier: MIT */
/*
 * CPU lists: per-CPU caches inside the zone, for lb_alloc() and lb_free(),
 * as Linux's page allocator keeps its per-CPU page lists in the zone.
 *
 * A zone set up with cfg->cpus = n keeps n caches (cache.c) in its
 * metadata, each on cache lines of its own with a lock of its own.
 * lb_alloc() and lb_free() use the list of the CPU they run on
 * (lb_cpu_current() modulo n): while that list can serve them they take
 * only its lock, which stays in that CPU's cache, so CPUs do not take
 * turns on the zone lock, at any order. Refills and drains take the zone
 * lock once per batch, as an lb_cache's do.
 *
 * The list's lock is only tried. A thread that finds its CPU's list held
 * (the holder was preempted or moved to another CPU, or is accepting
 * memory on the list's slow path) goes to the zone, as a zone without
 * lists does: no allocation or free ever waits for a list, so a list's
 * holder may sleep (accept, wait for memory in flight) without making
 * them wait (I6). Only lb_zone_drain_lists(), asked for, waits.
 *
 * Accepted memory in the lists serves before any is accepted: the zone
 * drains every list it can lock before it accepts, waits or answers that
 * memory is short (lbi_alloc), and a list's holder gives its own list's
 * blocks back first (cache.c).
 *
 * Lock order: a list, then the zone. The zone lock's holder only tries
 * lists (lbi_cpu_lists_drain), so no thread waits for a list while it
 * holds the zone lock, and two threads draining each other's lists skip
 * the held one rather than wait.
 *
 * A free goes to the freeing CPU's list, whichever CPU allocated the
 * block: a cross-CPU free costs the move of the block's descriptor (12
 * bytes, one cache line) to the freeing CPU and nothing else; the block
 * reaches the zone, where it can merge, when that list drains.
 */
#include "internal.h"

#ifdef LB_PLATFORM_CPUS
static struct cpu_list *list_try(struct lb_zone *z)
{
	unsigned cpu = lb_cpu_current();
	struct cpu_list *l = &z->cpu[cpu < z->ncpu ? cpu : cpu % z->ncpu];

	return lb_lock_try(&l->lock) ? l : NULL;
}

/* lb_alloc() through the caller's CPU's list, or CPU_LIST_HELD. */
int lbi_cpu_list_alloc(struct lb_zone *z, unsigned order, unsigned flags, uint64_t *addr)
{
	struct cpu_list *l = list_try(z);
	int rc;

	if (!l)
		return CPU_LIST_HELD;
	rc = lbi_cache_alloc(&l->c, order, flags, addr);
	lb_unlock(&l->lock);
	return rc;
}

/* lb_free() likewise. */
int lbi_cpu_list_free(struct lb_zone *z, uint64_t addr, unsigned order)
{
	struct cpu_list *l = list_try(z);
	int rc;

	if (!l)
		return CPU_LIST_HELD;
	rc = lbi_cache_free(&l->c, addr, order);
	lb_unlock(&l->lock);
	return rc;
}

/* The caller's drain: every list, waiting for one in use (a list, then
 * the zone: the lock order). */
int64_t lb_zone_drain_lists(struct lb_zone *z)
{
	uint64_t pages = 0;

	if (!z || z->magic != LB_ZONE_MAGIC)
		return LB_EINVAL;
	for (unsigned i = 0; i < z->ncpu; i++) {
		struct cpu_list *l = &z->cpu[i];

		lb_lock(&l->lock);
		zone_lock(z);
		pages += lbi_cache_drain_all(&l->c);
		zone_unlock(z);
		lb_unlock(&l->lock);
	}
	return (int64_t)pages;
}

/* Lock and set up the lists (lb_zone_init, the zone lock held). */
int lbi_cpu_lists_init(struct lb_zone *z, void *mem, unsigned n)
{
	z->cpu = mem;
	for (unsigned i = 0; i < n; i++) {
		if (lb_lock_init(&z->cpu[i].lock)) {
			while (i--)
				lb_lock_fini(&z->cpu[i].lock);
			return LB_EINVAL;
		}
		lbi_cache_setup(&z->cpu[i].c, z, true);
	}
	z->ncpu = n;
	return 0;
}

void lbi_cpu_lists_fini(struct lb_zone *z)
{
	for (unsigned i = 0; i < z->ncpu; i++)
		lb_lock_fini(&z->cpu[i].lock);
}
#else /* no CPU lists: a zone with them is LB_ENOTSUP (zone.c) */
int lbi_cpu_list_alloc(struct lb_zone *z, unsigned order, unsigned flags, uint64_t *addr)
{
	(void)z, (void)order, (void)flags, (void)addr;
	return CPU_LIST_HELD;
}

int lbi_cpu_list_free(struct lb_zone *z, uint64_t addr, unsigned order)
{
	(void)z, (void)addr, (void)order;
	return CPU_LIST_HELD;
}

int64_t lb_zone_drain_lists(struct lb_zone *z)
{
	return z && z->magic == LB_ZONE_MAGIC ? 0 : LB_EINVAL;
}

int lbi_cpu_lists_init(struct lb_zone *z, void *mem, unsigned n)
{
	(void)z;
	(void)mem;
	return n ? LB_ENOTSUP : 0;
}

void lbi_cpu_lists_fini(struct lb_zone *z)
{
	(void)z;
}
#endif
