/* SPDX-License-Identifier: MIT */
/*
 * The acceptance protocol: how a block goes from unaccepted to accepted
 * without a slow call under the zone lock (I6) and without any page being
 * accepted twice (I2) or handed out unaccepted (I1).
 *
 *   1. Under the lock, the caller takes the block off the free lists (or
 *      the pristine bitmap) and it is marked K_INFLIGHT here. From then on
 *      no other thread can allocate it, merge with it or accept it.
 *   2. The lock is dropped and the backend accepts the whole contiguous
 *      range in one call (batching); other threads allocate meanwhile.
 *   3. The lock is retaken. On success the pages are accepted (shadow and
 *      fresh bits set) and the caller places them; on failure the block is
 *      quarantined: counted, never handed out, never merged.
 *
 * With LB_CFG_SHADOW the shadow record is consulted before every backend
 * call and on every hand-out, so a double accept or an unaccepted
 * hand-out is refused and reported instead of happening.
 */
#include "internal.h"

#include <stdio.h>

void __note_corrupt(struct lb_zone *z, const char *what, uint64_t idx, uint64_t npages)
{
	if (z->corrupt[0])
		return; /* keep the first */
	snprintf(z->corrupt, sizeof z->corrupt, "%s: [0x%llx, 0x%llx)", what,
		 (unsigned long long)idx_to_addr(z, idx),
		 (unsigned long long)idx_to_addr(z, idx + npages));
}

/* Steps 2 and 3 for [idx, idx + npages), whose blocks are in flight. */
static int __accept_range(struct lb_zone *z, uint64_t idx, uint64_t npages)
{
	int rc;

	if (z->shadow && bits_count(z->shadow, idx, npages)) {
		__note_corrupt(z, "I2: accept of pages already accepted", idx, npages);
		return LB_ECORRUPT;
	}
	lb_unlock(&z->lock);
	rc = z->backend.ops->accept(z->backend.ctx, idx_to_addr(z, idx),
				    npages << LB_PAGE_SHIFT);
	lb_lock(&z->lock);
	if (rc) {
		z->accept_failures++;
		return rc < 0 ? rc : LB_EBACKEND;
	}
	z->accept_calls++;
	z->accepted_pages += npages;
	if (z->in_setup)
		z->setup_accepted_pages += npages;
	z->over_accepted += bits_assign(z->fresh, idx, npages, 1);
	if (z->shadow)
		bits_assign(z->shadow, idx, npages, 1);
	return 0;
}

static void __mark(struct lb_zone *z, uint64_t idx, unsigned order, unsigned kind)
{
	pg_set_kind(&z->pages[idx], kind);
	pg_set_order(&z->pages[idx], order);
	if (kind == K_QUARANTINE)
		z->nr_quarantine += UINT64_C(1) << order;
}

/*
 * Accept count contiguous blocks of one order starting at idx, taken off
 * the lists by the caller. Returns 0 with the blocks accepted and unmarked
 * (the caller places them), or an error with the blocks quarantined.
 */
int __accept_blocks(struct lb_zone *z, uint64_t idx, unsigned order, uint64_t count)
{
	uint64_t bs = UINT64_C(1) << order, n = count << order;
	int rc;

	for (uint64_t i = 0; i < count; i++)
		__mark(z, idx + i * bs, order, K_INFLIGHT);
	z->nr_inflight += n;
	rc = __accept_range(z, idx, n);
	z->nr_inflight -= n;
	for (uint64_t i = 0; i < count; i++)
		__mark(z, idx + i * bs, order, rc ? K_QUARANTINE : K_NONE);
	return rc;
}

/* Accept [idx, idx + npages) at set-up (no block is formed there yet, and
 * no other thread can see the zone) and free it as accepted memory. */
int __accept_setup_range(struct lb_zone *z, uint64_t idx, uint64_t npages)
{
	uint64_t e = idx + npages;
	int rc = __accept_range(z, idx, npages);

	for (uint64_t i = idx; i < e;) {
		unsigned o = carve_order(i, e);

		if (rc)
			__mark(z, i, o, K_QUARANTINE);
		else
			__free_block(z, i, o, S_ACCEPTED, true);
		i += UINT64_C(1) << o;
	}
	return rc;
}

/* A block leaves the zone, to a caller (K_ALLOC) or a per-CPU cache
 * (K_CACHED). I1: it must be wholly accepted. */
int __give_out(struct lb_zone *z, uint64_t idx, unsigned order, unsigned kind)
{
	uint64_t n = UINT64_C(1) << order;

	if (z->shadow && bits_count(z->shadow, idx, n) != n) {
		__note_corrupt(z, "I1: hand-out of unaccepted pages", idx, n);
		__mark(z, idx, order, K_QUARANTINE);
		return LB_ECORRUPT;
	}
	__mark(z, idx, order, kind);
	z->nr_alloc += n;
	z->out_pages_total += n;
	z->over_accepted -= bits_assign(z->fresh, idx, n, 0);
	return 0;
}

int __hand_out(struct lb_zone *z, uint64_t idx, unsigned order)
{
	int rc = __give_out(z, idx, order, K_ALLOC);

	if (!rc)
		z->allocs++;
	return rc;
}
