/* SPDX-License-Identifier: MIT */
/*
 * Page descriptors (struct lb_page): one per page, out of band; a block's
 * head carries its kind and order, the others are K_NONE. The accessors
 * every file uses, the lock-free claim a free makes, and the tag that
 * says which cache's free lists a free accepted block is on.
 */
#ifndef LB_PAGE_H
#define LB_PAGE_H

#include "base.h"

/* What a head descriptor says about its block. The states and every
 * transition between them: docs/protocol.md (tests/state_table.sh checks
 * it against this enum and the functions it names). */
enum { K_NONE = 0, K_FREE, K_ALLOC, K_INFLIGHT, K_QUARANTINE, K_CACHED };
/* The acceptance state of a free block. */
enum { S_ACCEPTED = 0, S_UNACCEPTED = 1 };

struct lb_page {
	uint32_t next, prev; /* free list links (page index); a link to itself ends */
	union {
		struct {
			uint8_t kind;  /* K_* */
			uint8_t order;
		};
		uint16_t kind_order; /* both at once, for pg_claim() */
	};
	uint8_t state;       /* S_*, for K_FREE */
	uint8_t flags;       /* F_* and its list's tag, for K_FREE; set when it joins a list */
};

_Static_assert(sizeof(struct lb_page) == 12, "page descriptor size");
_Static_assert(offsetof(struct lb_page, kind) == offsetof(struct lb_page, kind_order) &&
		       offsetof(struct lb_page, order) == offsetof(struct lb_page, kind) + 1,
	       "pg_pair: kind, then order");

#define F_SEEN 0x1 /* the releaser saw this free block on its last pass */
/* The rest of flags: the tag of the accepted free list the block is on
 * (zone_types.h, struct free_lists). 0 is anyone's; 1..TAG_COUNT are the
 * caches' (a cache's refills leave the halves of the blocks they split on
 * its own lists, and its drains put its blocks there), so a CPU's trips to
 * the zone touch list heads and descriptors of its own, not lines another
 * CPU's trips keep writing. Caches beyond TAG_COUNT share tags. */
#define F_TAG_SHIFT 1
#define TAG_COUNT 31 /* tags 1..31: with anyone's and the unaccepted, 33 sets of
			 lists in the zone, 10 KiB */

static inline unsigned pg_tag(const struct lb_page *p)
{
	return p->flags >> F_TAG_SHIFT;
}

/* The flags of a free block tagged tag (F_SEEN clear: it just joined). */
static inline uint8_t tag_flags(unsigned tag)
{
	return (uint8_t)(tag << F_TAG_SHIFT);
}

/* Tag t belongs to a cache that is still there: its owner may come back
 * for its blocks. */
#define TAG_LIVE(z, t) ((z)->live_tags >> (t) & 1)

/*
 * kind is the one descriptor field changed without the zone lock: a
 * per-CPU cache flips its own blocks between K_CACHED and K_ALLOC, and a
 * free claims a block with pg_claim(), which matches kind and order in
 * one compare-and-swap (a check of the order apart from the claim would
 * let a stale free claim a block reallocated meanwhile at another order).
 * Every access that can race with those goes through these (relaxed
 * atomics; the zone lock orders everything else).
 */
#define ORDER_UNSET 0xff /* a block just made K_ALLOC, before pg_set_order() */

/* kind_order as a value: kind is its first byte in memory. Arithmetic,
 * not a type pun through a struct on the stack: two byte stores read back
 * as one word miss store forwarding, on every free. */
static inline uint16_t pg_pair(unsigned kind, unsigned order)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (uint16_t)(kind << 8 | order);
#else
	return (uint16_t)(order << 8 | kind);
#endif
}

static inline unsigned pg_kind(const struct lb_page *p)
{
	return __atomic_load_n(&p->kind, __ATOMIC_RELAXED);
}

/* order as read where a claim (pg_claim) may meet it: any head. */
static inline unsigned pg_order(const struct lb_page *p)
{
	return __atomic_load_n(&p->order, __ATOMIC_RELAXED);
}

/* Making a block K_ALLOC unsets its order in the same store: its order
 * comes next (pg_set_order(), as inflight.c's mark does), and in between
 * no claim may match the order the block had before. */
static inline void pg_set_kind(struct lb_page *p, unsigned kind)
{
	if (kind == K_ALLOC)
		__atomic_store_n(&p->kind_order, pg_pair(K_ALLOC, ORDER_UNSET), __ATOMIC_RELAXED);
	else
		__atomic_store_n(&p->kind, (uint8_t)kind, __ATOMIC_RELAXED);
}

static inline void pg_set_order(struct lb_page *p, unsigned order)
{
	__atomic_store_n(&p->order, (uint8_t)order, __ATOMIC_RELAXED);
}

static inline void pg_set_kind_order(struct lb_page *p, unsigned kind, unsigned order)
{
	__atomic_store_n(&p->kind_order, pg_pair(kind, order), __ATOMIC_RELAXED);
}

/* {from, order} becomes {to, order} in one step, or nothing happens. It
 * looks first, so a refused free only reads the descriptor. */
static inline bool pg_claim(struct lb_page *p, unsigned from, unsigned to, unsigned order)
{
	uint16_t expect = pg_pair(from, order);

	return __atomic_load_n(&p->kind_order, __ATOMIC_RELAXED) == expect &&
	       __atomic_compare_exchange_n(&p->kind_order, &expect, pg_pair(to, order), false,
					   __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

#endif
