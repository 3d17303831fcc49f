/* SPDX-License-Identifier: MIT */
/*
 * The releaser: idle free memory goes back to the host, like free page
 * reporting in reverse of the acceptor.
 *
 * Protocol of one pass (at most one per delay):
 *   1. Under the lock, walk the accepted free lists of order >= min_order
 *      from the tail (the longest free). A block not yet marked is marked
 *      F_SEEN; a block already marked has stayed free since the last pass,
 *      at least one delay, and is taken: off the list, in flight. Joining a
 *      list clears the mark, so a block freed or merged since is spared.
 *      Taking stops at batch blocks or at the floor, the low watermark
 *      plus the acceptor's reserve, so memory about to be needed stays.
 *   2. Drop the lock; release each block through the backend.
 *   3. Retake the lock; each released block becomes unaccepted (shadow and
 *      fresh bits cleared) and is freed to the TAIL of the unaccepted
 *      lists, to be accepted again on demand. A failed release leaves the
 *      block in an unknown state: it is quarantined.
 */
#include "internal.h"

#define MAX_BATCH 64
#define DEFAULT_DELAY_NS UINT64_C(2000000000)

/* a + b, or UINT64_MAX: a floor that wrapped around would release all. */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t s;

	return __builtin_add_overflow(a, b, &s) ? UINT64_MAX : s;
}

static uint64_t take_idle(struct lb_zone *z, unsigned min_order, unsigned batch,
			    uint32_t *picked)
{
	uint64_t floor = sat_add(z->wmark.low, z->reserve_pages), np = 0;

	for (unsigned o = LB_MAX_ORDER + 1; o-- > min_order && np < batch;) {
		uint64_t i = z->area[S_ACCEPTED][o].tail;

		while (i != LB_NIL && np < batch) {
			struct lb_page *p = &z->pages[i];
			uint64_t prev = pg_prev(z, i);

			if (!(p->flags & F_SEEN)) {
				p->flags |= F_SEEN;
			} else {
				if (z->nr_free[S_ACCEPTED] < sat_add(floor, UINT64_C(1) << o))
					return np;
				lbi_list_del(z, i);
				pg_set_kind(p, K_INFLIGHT);
				pg_set_order(p, o);
				z->nr_inflight += UINT64_C(1) << o;
				picked[np++] = (uint32_t)i;
			}
			i = prev;
		}
	}
	return np;
}

int64_t lb_releaser_step(struct lb_zone *z, uint64_t now_ns)
{
	uint32_t picked[MAX_BATCH];
	int rc[MAX_BATCH];
	uint64_t np, done = 0, delay;
	unsigned min_order, batch;

	if (!z || z->magic != LB_ZONE_MAGIC)
		return LB_EINVAL;
	if (!z->backend.ops->release)
		return LB_ENOTSUP;
	lb_lock(&z->lock);
	delay = z->rel_cfg.delay_ns ? z->rel_cfg.delay_ns : DEFAULT_DELAY_NS;
	if (z->rel_last_pass_ns && now_ns - z->rel_last_pass_ns < delay) {
		lb_unlock(&z->lock);
		return 0;
	}
	z->rel_last_pass_ns = now_ns ? now_ns : 1;
	min_order = z->rel_cfg.min_order ? z->rel_cfg.min_order : 9;
	batch = z->rel_cfg.batch ? z->rel_cfg.batch : 32;
	np = take_idle(z, min_order, batch, picked);
	lb_unlock(&z->lock);

	for (uint64_t k = 0; k < np; k++)
		rc[k] = z->backend.ops->release(z->backend.ctx, idx_to_addr(z, picked[k]),
						LB_PAGE_SIZE << pg_order(&z->pages[picked[k]]));

	lb_lock(&z->lock);
	for (uint64_t k = 0; k < np; k++) {
		struct lb_page *p = &z->pages[picked[k]];
		unsigned o = pg_order(p);
		uint64_t n = UINT64_C(1) << o;

		z->nr_inflight -= n;
		if (rc[k]) {
			pg_set_kind(p, K_QUARANTINE);
			z->nr_quarantine += n;
			continue;
		}
		z->over_accepted -= bits_assign(z->fresh, picked[k], n, 0);
		if (z->shadow && bits_assign(z->shadow, picked[k], n, 0) != n)
			lbi_note_corrupt(z, "I2: release of pages not accepted", picked[k], n);
		lbi_free_block(z, picked[k], o, S_UNACCEPTED, true);
		z->release_calls++;
		z->released_pages += n;
		done += n;
	}
	lb_unlock(&z->lock);
	return (int64_t)(done << LB_PAGE_SHIFT);
}

int lb_releaser_config(struct lb_zone *z, const struct lb_releaser_cfg *cfg)
{
	if (!z || z->magic != LB_ZONE_MAGIC || !cfg || cfg->min_order > LB_MAX_ORDER ||
	    cfg->batch > MAX_BATCH)
		return LB_EINVAL;
	lb_lock(&z->lock);
	z->rel_cfg = *cfg;
	lb_unlock(&z->lock);
	return 0;
}
