/* SPDX-License-Identifier: MIT */
/*
 * Policies: when and how much unaccepted memory to accept.
 *
 *   eager  everything at set-up (and on a switch to eager), or with
 *          LB_CFG_SETUP_LATER in the caller's lb_zone_setup_accept()
 *          calls; until then one block per shortfall.
 *   unit   on demand: the smallest unaccepted block of at least one unit and
 *          the request, so whole firmware units are accepted; the part not
 *          handed out stays free and accepted (over-acceptance, few calls).
 *   exact  on demand: split an unaccepted block down to the request and
 *          accept only that (no over-acceptance, many small calls).
 *   linux  as Linux 6.5+: unaccepted memory stays in max-order blocks; when
 *          free accepted memory is below the promo watermark, blocks are
 *          accepted one at a time until it is above, and freed to the tail.
 *          With no watermarks yet (all zero), every allocation that may
 *          accept first accepts one block, however much accepted memory
 *          is free (Linux's cond_accept_memory() before the watermarks are
 *          set). Whenever no accepted block can serve a request, one more
 *          block is accepted per shortfall.
 *   background, adaptive
 *          unit on demand, plus the acceptor (acceptor.c) keeping a reserve
 *          of accepted memory ahead of demand.
 *
 * Allocations always take accepted memory first; only the allocator's slow
 * path calls in here, with the lock held (it is dropped around accepts).
 * When no free block of either state is large enough, every policy serves
 * a free aligned run of mixed blocks by accepting just its unaccepted ones
 * (accept.c): the two states never merge on their own.
 *
 * Every accept here runs within its operation's budget of failed backend
 * calls (struct acc_op): a failing host costs each allocation, acceptor
 * pass or explicit call a bounded number of calls, never the whole zone.
 */
#include "internal.h"

#include <string.h>

static const char *const policy_names[LB_POLICY_COUNT] = {
	[LB_POLICY_EAGER] = "eager",
	[LB_POLICY_UNIT] = "unit",
	[LB_POLICY_EXACT] = "exact",
	[LB_POLICY_LINUX] = "linux",
	[LB_POLICY_BACKGROUND] = "background",
	[LB_POLICY_ADAPTIVE] = "adaptive",
};

const char *lb_policy_name(enum lb_policy p)
{
	return (unsigned)p < LB_POLICY_COUNT ? policy_names[p] : "unknown";
}

int lb_policy_parse(const char *name)
{
	for (int p = 0; name && p < LB_POLICY_COUNT; p++)
		if (!strcmp(name, policy_names[p]))
			return p;
	return LB_EINVAL;
}

static uint64_t isqrt(uint64_t x)
{
	uint64_t r = 0, bit = UINT64_C(1) << 62;

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

/*
 * Linux's derivation (mm/page_alloc.c, init_per_zone_wmark_min and
 * __setup_per_zone_wmarks) for one zone: min_free_kbytes = sqrt(16 * kB),
 * clamped to [128, 262144]; the gaps between min, low, high and promo are
 * max(min / 4, 0.1% of the zone) (watermark_scale_factor = 10).
 */
void lbi_derive_watermarks(uint64_t managed_pages, struct lb_watermarks *w)
{
	uint64_t kb = managed_pages * (LB_PAGE_SIZE / 1024);
	uint64_t min_kb = isqrt(kb * 16), gap;

	if (min_kb < 128)
		min_kb = 128;
	if (min_kb > 262144)
		min_kb = 262144;
	w->min = min_kb / (LB_PAGE_SIZE / 1024);
	gap = managed_pages * 10 / 10000;
	if (gap < w->min / 4)
		gap = w->min / 4;
	w->low = w->min + gap;
	w->high = w->low + gap;
	w->promo = w->high + gap;
}

/* Accept one unaccepted block, largest first, and free it to the tail of
 * the accepted lists. False when there was nothing to take. */
static bool accept_one(struct lb_zone *z, struct acc_op *op)
{
	uint64_t idx;
	unsigned order;

	if (!op->fails || !lbi_take_largest_unaccepted(z, &idx, &order))
		return false;
	if (lbi_accept_blocks(z, idx, order, 1, op) == 0)
		lbi_free_block(z, idx, order, S_ACCEPTED, true);
	return true; /* a failure placed what it could: progress all the same */
}

/* linux, on every allocation that may accept: top up free accepted memory
 * to the promo watermark, within the allocation's budget. A zero promo
 * means no watermarks yet (the others are below it): then accept one
 * block to ensure progress, as Linux does. */
void lbi_policy_top_up(struct lb_zone *z, unsigned order, struct acc_op *op)
{
	(void)order; /* Linux sizes the top-up by the watermark alone */
	if (!z->wmark.promo) {
		accept_one(z, op);
		return;
	}
	while (z->nr_free[S_ACCEPTED] < z->wmark.promo && accept_one(z, op))
		;
}

/*
 * Slow path of an allocation of 2^order pages that found no accepted block:
 * accept per policy, or a mixed run. Returns 0 with *idx the accepted block
 * to hand out, LB_EAGAIN when memory was accepted into the free lists
 * (retry the fast path), LB_ENOMEM when accepting cannot serve, or a
 * backend error (what failed was quarantined, the rest placed; retry
 * while op's budget lasts).
 */
int lbi_policy_accept(struct lb_zone *z, unsigned order, uint64_t *idx, struct acc_op *op)
{
	unsigned want = order, got;
	uint64_t b;
	int rc;

	if (!lbi_unaccepted_fits(z, order)) {
		if (!lbi_find_mixed(z, order, &b))
			return LB_ENOMEM;
		rc = lbi_accept_mixed(z, b, order, op);
		*idx = b;
		return rc;
	}
	if (z->policy == LB_POLICY_LINUX || z->policy == LB_POLICY_EAGER)
		return accept_one(z, op) ? LB_EAGAIN : LB_ENOMEM;

	if (z->policy != LB_POLICY_EXACT && z->unit_order > order)
		want = z->unit_order; /* unit, and the on-demand path of background/adaptive */
	if (!lbi_take_free(z, S_UNACCEPTED, want, &b, &got)) {
		/* Only fragments smaller than a unit are left: accept one whole. */
		if (want == order || !lbi_take_free(z, S_UNACCEPTED, order, &b, &got))
			return LB_ENOMEM;
		want = got;
	}
	lbi_split(z, b, got, want, S_UNACCEPTED);
	rc = lbi_accept_blocks(z, b, want, 1, op);
	if (rc)
		return rc;
	lbi_split(z, b, want, order, S_ACCEPTED);
	*idx = b;
	return 0;
}

/*
 * One backend call: take up to left pages of free unaccepted memory (a run
 * of pristine sections, up to 1 GiB, when left allows; else the smallest
 * block that holds left, so pieces left by earlier splits go before a
 * fresh 4 MiB block; else the largest fragment, whole), accept it and free
 * it to the lists: to the front for the acceptor (found first), else to
 * the tail. op->why (ACC_*) says on whose behalf, for the counters; the
 * acceptor's pages count in acc_inflight while its call runs. A failed
 * call is retried in halves within op's budget. Returns the pages
 * accepted, 0 if there was nothing to take, or the error when nothing was
 * accepted (what failed was quarantined: progress all the same).
 */
int64_t lbi_accept_call(struct lb_zone *z, uint64_t left, struct acc_op *op)
{
	uint64_t idx, first, n, pages, before = op->accepted;
	unsigned order;
	int rc;

	if (left >= SECTION_PAGES && z->area[S_UNACCEPTED][LB_MAX_ORDER].head == LB_NIL &&
	    (n = lbi_take_pristine_run(z, left / SECTION_PAGES < ACCEPT_RUN_SECTIONS
						? left / SECTION_PAGES
						: ACCEPT_RUN_SECTIONS,
				     &first))) {
		idx = first * SECTION_PAGES;
		order = LB_MAX_ORDER;
	} else {
		unsigned got, want = LB_MAX_ORDER;

		while (want && (UINT64_C(1) << want) > left)
			want--;
		if (!lbi_take_free(z, S_UNACCEPTED, want, &idx, &got) &&
		    !lbi_take_largest_unaccepted(z, &idx, &got))
			return 0;
		order = got < want ? got : want;
		lbi_split(z, idx, got, order, S_UNACCEPTED);
		n = 1;
	}
	rc = lbi_accept_blocks(z, idx, order, n, op);
	if (!rc)
		for (uint64_t i = 0; i < n; i++)
			lbi_free_block(z, idx + (i << order), order, S_ACCEPTED,
				     op->why != ACC_ACCEPTOR);
	pages = rc ? op->accepted - before : n << order;
	if (op->why == ACC_ACCEPTOR)
		z->background_accepted += pages;
	else if (op->why == ACC_SETUP)
		z->setup_accepted_pages += pages;
	return pages ? (int64_t)pages : rc;
}

/* Accept up to max_pages of free unaccepted memory (0: all), in as few
 * backend calls as the lists allow, with CALL_FAILS failed calls at most.
 * Returns the pages accepted, or the error when calls failed and nothing
 * was accepted. */
int64_t lbi_accept_some(struct lb_zone *z, uint64_t max_pages)
{
	struct acc_op op = { .fails = CALL_FAILS, .why = ACC_CALLER };
	uint64_t done = 0;

	while ((!max_pages || done < max_pages) && op.fails) {
		int64_t got = lbi_accept_call(z, max_pages ? max_pages - done : UINT64_MAX, &op);

		if (!got)
			break;
		if (got > 0)
			done += (uint64_t)got;
	}
	return done || !op.err ? (int64_t)done : op.err;
}
