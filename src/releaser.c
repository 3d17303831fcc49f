/* SPDX-License-Identifier: MIT */
/*
 * The releaser: idle free memory goes back to the host, like free page
 * reporting in reverse of the acceptor. This file decides which blocks
 * are idle; releasing them is inflight.c's protocol (claim, release with
 * the lock dropped, publish unaccepted to the TAIL or quarantine).
 *
 * One pass (at most one per delay), under the lock, scans the accepted
 * free lists of order >= min_order, largest order first, and at each
 * order every tag's list in turn (anyone's, then the caches'), each from
 * the tail (the longest free on that list). A block not yet marked is marked F_SEEN; a
 * block already marked has stayed free since an earlier pass, at least
 * one delay, and is claimed. Joining a list clears the mark, so a block
 * freed or merged since is spared. Taking stops at batch blocks or at the
 * floor, the low watermark plus the acceptor's reserve, so memory about
 * to be needed stays.
 *
 * The scan is bounded, as mm/page_reporting.c bounds its own: a pass
 * looks at REL_SCAN_BUDGET blocks at most, so the lock is held for a
 * bounded time however many blocks are free. A pass the budget cuts short
 * saves its position (z->rel_order, z->rel_tag, z->rel_next; a block
 * leaving its list moves the cursor on, buddy.c) and the next resumes there, so successive
 * passes cover every block. A pass that ends otherwise (the batch, the
 * floor, the end of the lists) lets the next start a new round from the
 * top, the longest free first, as an unbounded scan would; so no block is
 * marked and taken in one pass.
 */
#include "internal.h"

/* a + b, or UINT64_MAX: a floor that wrapped around would release all. */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t s;

	return __builtin_add_overflow(a, b, &s) ? UINT64_MAX : s;
}

static void round_start(struct lb_zone *z)
{
	z->rel_order = LB_MAX_ORDER;
	z->rel_tag = 0;
	z->rel_next = LB_NIL;
}

/* The next block to look at, moving the cursor past lists that are done
 * (an order's lists tag by tag); false at the end of the round. */
static bool cursor_next(struct lb_zone *z, unsigned min_order, uint64_t *i)
{
	LB_ASSERT_LOCKED(z);
	for (;;) {
		uint64_t n = z->rel_next == LB_NIL ? z->lists[z->rel_tag].area[z->rel_order].tail
						   : z->rel_next;

		if (n != LB_NIL && n != REL_DONE) {
			LB_DBG_ASSERT(pg_kind(&z->pages[n]) == K_FREE &&
				      pg_order(&z->pages[n]) == z->rel_order &&
				      z->pages[n].state == S_ACCEPTED);
			z->rel_next = n;
			*i = n;
			return true;
		}
		z->rel_next = LB_NIL;
		if (z->rel_tag < TAG_COUNT) {
			z->rel_tag++;
			continue;
		}
		if (z->rel_order <= min_order)
			return false;
		z->rel_order--;
		z->rel_tag = 0;
	}
}

/* Step 1 of a pass: claim up to batch idle blocks into picked. */
static unsigned take_idle(struct lb_zone *z, const struct demand_view *v, unsigned min_order,
			  unsigned batch, uint32_t *picked)
{
	uint64_t floor = sat_add(z->wmark.low, lbi_demand_keep(z, v)), i;
	unsigned np = 0, looked = 0;

	LB_ASSERT_LOCKED(z);
	if (z->rel_order < min_order || !cursor_next(z, min_order, &i))
		round_start(z);
	for (;;) {
		struct lb_page *p;
		unsigned o;

		if (looked == REL_SCAN_BUDGET) {
			z->rel_looked = looked;
			return np; /* cut short: the next pass goes on from here */
		}
		if (np == batch || !cursor_next(z, min_order, &i))
			break;
		p = &z->pages[i];
		o = z->rel_order;
		looked++;
		if (!(p->flags & F_SEEN)) {
			uint64_t prev = pg_prev(z, i);

			p->flags |= F_SEEN;
			z->rel_next = prev == LB_NIL ? REL_DONE : prev;
			continue;
		}
		if (lbi_demand_free_in(z, v->order) < sat_add(floor, UINT64_C(1) << o))
			break; /* as the acceptor counts: no accepting it back */
		lbi_release_claim(z, i); /* moves the cursor on */
		picked[np++] = (uint32_t)i;
	}
	/* The batch, the floor or the end of the lists: the next pass starts
	 * a new round from the top, the longest free first. */
	round_start(z);
	z->rel_looked = looked;
	return np;
}

static uint64_t delay_of(const struct lb_zone *z)
{
	return z->rel_cfg.delay_ns ? z->rel_cfg.delay_ns : LB_RELEASER_DELAY_NS;
}

/* One pass a delay: a step before the delay is up does nothing. */
static bool resting(const struct lb_zone *z, uint64_t now_ns)
{
	return z->rel_last_pass_ns && now_ns - z->rel_last_pass_ns < delay_of(z);
}

int lb_releaser_resting(struct lb_zone *z, uint64_t now_ns, uint64_t *until_ns)
{
	int rest;

	if (!z || z->magic != LB_ZONE_MAGIC)
		return LB_EINVAL;
	zone_lock(z);
	rest = resting(z, now_ns);
	if (rest && until_ns)
		*until_ns = z->rel_last_pass_ns + delay_of(z);
	zone_unlock(z);
	return rest;
}

int64_t lb_releaser_step(struct lb_zone *z, uint64_t now_ns)
{
	uint32_t picked[RELEASE_MAX_BATCH];
	struct demand_view v;
	uint64_t done;
	unsigned min_order, batch, np;

	if (!z || z->magic != LB_ZONE_MAGIC)
		return LB_EINVAL;
	if (!z->backend.ops->release)
		return LB_ENOTSUP;
	zone_lock(z);
	if (resting(z, now_ns)) {
		zone_unlock(z);
		return 0;
	}
	/* demand as it stands now, not at the acceptor's last step: a
	 * resting acceptor leaves its estimate where that step put it. The
	 * reserve it keeps is the zone's from now on (lb_stats'), as a
	 * step at now_ns would set it. */
	lbi_demand_view(z, now_ns, &v);
	lbi_demand_set_reserve(z, v.reserve);
	lbi_demand_use_pass(z, v.reserve);
	z->rel_last_pass_ns = now_ns ? now_ns : 1;
	min_order = z->rel_cfg.min_order ? z->rel_cfg.min_order : 9;
	batch = z->rel_cfg.batch ? z->rel_cfg.batch : 32;
	np = take_idle(z, &v, min_order, batch, picked);
	if (np)
		z->demand.rest_on = false; /* less free accepted memory: the acceptor looks */
	done = np ? lbi_release_blocks(z, picked, np) : 0;
	z->demand.released_last = done != 0;
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

uint64_t lb_releaser_nap_ns(uint64_t delay_ns)
{
	uint64_t quarter = (delay_ns ? delay_ns : LB_RELEASER_DELAY_NS) / 4;

	return quarter < LB_RELEASER_NAP_MAX_NS ? quarter : LB_RELEASER_NAP_MAX_NS;
}
