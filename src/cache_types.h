/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU caches (struct lb_cache, cache.c) and the zone's CPU lists
 * (struct cpu_list, cpulist.c): their layout, shared with drain.c.
 */
#ifndef LB_CACHE_TYPES_H
#define LB_CACHE_TYPES_H

#include "zone_types.h"

/* The per-CPU cache (cache.c). Its owner writes count/slots without the
 * zone lock; pages/allocs/frees are read by others with atomics. A zone's
 * CPU list (cpulist.c) is a cache whose owner is its lock's holder. */
#define CACHE_ORDERS NR_ORDERS
#define CACHE_SLOTS 416 /* 256 + 64 + 32 + 16 + 5 x 8 + 2 x 4 */
/* Its stacks, one per order, laid end to end in its slots: the most blocks
 * each holds (cache.c says why) and where each starts. */
#define CACHE_CAPS { 256, 64, 32, 16, 8, 8, 8, 8, 8, 4, 4 }
#define CACHE_BASES { 0, 256, 320, 352, 368, 376, 384, 392, 400, 408, 412 }
struct lb_cache {
	uint64_t magic;
	struct lb_zone *z;
	struct lb_cache *next; /* the zone's list, under the zone lock */
	uint64_t pages, allocs, frees;
	uint64_t max; /* pages it may hold: the zone's cache_max */
	uint32_t count[CACHE_ORDERS];
	uint32_t drain_asked; /* set by the zone (under its lock), cleared by the owner */
	unsigned tag;         /* its free lists in the zone (lists[tag]): the halves its
				 refills leave and the blocks it drains go there */
	uint32_t slot[CACHE_SLOTS];
};

/* Stack o of cache c, coldest (bottom) block first. */
static inline uint32_t *cache_stack(struct lb_cache *c, unsigned o)
{
	static const uint16_t base[CACHE_ORDERS] = CACHE_BASES;

	return &c->slot[base[o]];
}

/* A cache's counter: its owner is the only writer; others read with
 * atomics. */
static inline void cache_bump(uint64_t *v, int64_t d)
{
	__atomic_store_n(v, *v + (uint64_t)d, __ATOMIC_RELAXED);
}

/* A CPU list: a cache and the lock that makes its holder the owner, on
 * cache lines of its own (cpulist.c). */
struct cpu_list {
	lb_lock_t lock;
	struct lb_cache c;
} __attribute__((aligned(64)));

#endif
