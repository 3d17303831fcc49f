/* SPDX-License-Identifier: MIT */
/*
 * Hand-out: a block leaves the zone, to a caller (K_ALLOC) or a per-CPU
 * cache (K_CACHED). I1: it must be wholly accepted; with LB_CFG_SHADOW the
 * shadow record says so for every page, or the block is quarantined and
 * reported instead. The zone's counts of what is out (and demand's view
 * of use, demand.c) change here.
 */
#include "inflight.h"

/* n pages at idx, in blocks of order, have left the zone: the counts. */
static inline void count_out(struct lb_zone *z, uint64_t idx, uint64_t n, unsigned order)
{
	z->nr_alloc += n;
	z->out_pages_total += n;
	/* demand.c's: use at its highest, the largest order lately */
	if (z->nr_alloc > z->demand.use_peak)
		z->demand.use_peak = z->nr_alloc;
	if (order > z->demand.big_new)
		z->demand.big_new = (unsigned char)order;
	z->over_accepted -= bits_assign(z->fresh, idx, n, 0);
}

/* A block leaves the zone, to a caller (K_ALLOC) or a per-CPU cache
 * (K_CACHED). I1: it must be wholly accepted. */
int lbi_give_out(struct lb_zone *z, uint64_t idx, unsigned order, unsigned kind)
{
	uint64_t n = UINT64_C(1) << order;

	LB_ASSERT_LOCKED(z);
	LB_DBG_ASSERT(pg_kind(&z->pages[idx]) == K_NONE && !(idx & (n - 1)));
	if (z->shadow && bits_count(z->shadow, idx, n) != n) {
		lbi_note_corrupt(z, FIND_NOTE_HANDOUT, 1, idx, n);
		block_mark(z, idx, order, K_QUARANTINE);
		z->demand.rest_on = false; /* less free accepted memory */
		return LB_ECORRUPT;
	}
	block_mark(z, idx, order, kind);
	count_out(z, idx, n, order);
	return 0;
}

/* A taken block of order `from` leaves the zone as 2^(from - order)
 * blocks of order, to a per-CPU cache: their heads go into out[], lowest
 * first; returns how many. What lbi_give_out() does for each, done once
 * for the whole: a refill's pieces cost no list surgery. With the shadow
 * record each piece is checked and given out on its own, so a bad page
 * quarantines its piece, not the block. */
unsigned lbi_give_out_pieces(struct lb_zone *z, uint64_t idx, unsigned from, unsigned order,
			     unsigned kind, uint32_t *out)
{
	uint64_t n = UINT64_C(1) << from, piece = UINT64_C(1) << order;
	unsigned got = 0;

	LB_ASSERT_LOCKED(z);
	LB_DBG_ASSERT(pg_kind(&z->pages[idx]) == K_NONE && !(idx & (n - 1)) && from >= order);
	if (z->shadow) {
		for (uint64_t i = idx; i < idx + n; i += piece)
			if (!lbi_give_out(z, i, order, kind))
				out[got++] = (uint32_t)i;
		return got;
	}
	for (uint64_t i = idx; i < idx + n; i += piece) {
		block_mark(z, i, order, kind);
		out[got++] = (uint32_t)i;
	}
	count_out(z, idx, n, order);
	return got;
}

int lbi_hand_out(struct lb_zone *z, uint64_t idx, unsigned order)
{
	int rc = lbi_give_out(z, idx, order, K_ALLOC);

	LB_ASSERT_LOCKED(z);
	if (!rc)
		z->allocs++;
	return rc;
}
