/* SPDX-License-Identifier: MIT */
/*
 * The releaser: idle free memory goes back to the host, like free page
 * reporting in reverse of the acceptor. This file decides which blocks
 * are idle; releasing them is inflight.c's protocol (claim, release with
 * the lock dropped, publish unaccepted to the TAIL or quarantine).
 *
 * One pass (at most one per delay), under the lock, walks the accepted
 * free lists of order >= min_order from the tail (the longest free). A
 * block not yet marked is marked F_SEEN; a block already marked has
 * stayed free since the last pass, at least one delay, and is claimed.
 * Joining a list clears the mark, so a block freed or merged since is
 * spared. Taking stops at batch blocks or at the floor, the low watermark
 * plus the acceptor's reserve, so memory about to be needed stays.
 */
#include "internal.h"

#define DEFAULT_DELAY_NS UINT64_C(2000000000)

/* a + b, or UINT64_MAX: a floor that wrapped around would release all. */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t s;

	return __builtin_add_overflow(a, b, &s) ? UINT64_MAX : s;
}

/* Step 1 of a pass: claim up to batch idle blocks into picked. */
static unsigned take_idle(struct lb_zone *z, unsigned min_order, unsigned batch,
			  uint32_t *picked)
{
	uint64_t floor = sat_add(z->wmark.low, z->reserve_pages);
	unsigned np = 0;

	LB_ASSERT_LOCKED(z);
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
				lbi_release_claim(z, i);
				picked[np++] = (uint32_t)i;
			}
			i = prev;
		}
	}
	return np;
}

int64_t lb_releaser_step(struct lb_zone *z, uint64_t now_ns)
{
	uint32_t picked[RELEASE_MAX_BATCH];
	uint64_t done, delay;
	unsigned min_order, batch, np;

	if (!z || z->magic != LB_ZONE_MAGIC)
		return LB_EINVAL;
	if (!z->backend.ops->release)
		return LB_ENOTSUP;
	zone_lock(z);
	delay = z->rel_cfg.delay_ns ? z->rel_cfg.delay_ns : DEFAULT_DELAY_NS;
	if (z->rel_last_pass_ns && now_ns - z->rel_last_pass_ns < delay) {
		zone_unlock(z);
		return 0;
	}
	z->rel_last_pass_ns = now_ns ? now_ns : 1;
	min_order = z->rel_cfg.min_order ? z->rel_cfg.min_order : 9;
	batch = z->rel_cfg.batch ? z->rel_cfg.batch : 32;
	np = take_idle(z, min_order, batch, picked);
	done = np ? lbi_release_blocks(z, picked, np) : 0;
	zone_unlock(z);
	return (int64_t)(done << LB_PAGE_SHIFT);
}

int lb_releaser_config(struct lb_zone *z, const struct lb_releaser_cfg *cfg)
{
	if (!z || z->magic != LB_ZONE_MAGIC || !cfg || cfg->min_order > LB_MAX_ORDER ||
	    cfg->batch > RELEASE_MAX_BATCH)
		return LB_EINVAL;
	zone_lock(z);
	z->rel_cfg = *cfg;
	zone_unlock(z);
	return 0;
}
