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
 *   background
 *          unit on demand, plus the acceptor (acceptor.c) keeping a fixed
 *          reserve of accepted memory ahead of demand.
 *   adaptive
 *          on demand what costs least per page (lbi_adaptive_want), plus the
 *          acceptor keeping a reserve predicted from demand, on as many
 *          threads as pay (demand.c, scale.c).
 *
 * Each is one row of lbi_policies below (struct lbi_policy): what an
 * allocation accepts on demand, whether set-up accepts everything, whether
 * allocations top up to a watermark, whether acceptor threads run, and
 * whether what they do is measured or fixed. The rest of the library reads
 * the row, never a policy's name, so a policy changes here.
 *
 * Allocations always take accepted memory first; only the allocator's slow
 * path calls in here, with the lock held (it is dropped around accepts).
 * When no free block of either state is large enough, every policy serves
 * a free aligned run of mixed blocks by accepting just its unaccepted ones
 * (inflight.c): the two states never merge on their own. How memory is
 * accepted (claimed, called, published) is inflight.c's alone; here is
 * only what to accept and when.
 *
 * Every accept here runs within its operation's budget of failed backend
 * calls (struct acc_op): a failing host costs each allocation, acceptor
 * pass or explicit call a bounded number of calls, never the whole zone.
 */
#include "internal.h"

/* The policies above, as the library reads them (struct lbi_policy). */
const struct lbi_policy lbi_policies[LB_POLICY_COUNT] = {
	[LB_POLICY_EAGER] = { .name = "eager", .on_demand = DEMAND_LARGEST, .at_setup = true },
	[LB_POLICY_UNIT] = { .name = "unit", .on_demand = DEMAND_UNIT },
	[LB_POLICY_EXACT] = { .name = "exact", .on_demand = DEMAND_EXACT },
	[LB_POLICY_LINUX] = { .name = "linux", .on_demand = DEMAND_LARGEST, .top_up = true },
	[LB_POLICY_BACKGROUND] = { .name = "background", .on_demand = DEMAND_UNIT,
				   .threads = true },
	[LB_POLICY_ADAPTIVE] = { .name = "adaptive", .on_demand = DEMAND_CHEAPEST,
				 .threads = true, .adapts = true },
};

const char *lb_policy_name(enum lb_policy p)
{
	return (unsigned)p < LB_POLICY_COUNT ? lbi_policies[p].name : "unknown";
}

int lb_policy_runs_acceptor(enum lb_policy p)
{
	return (unsigned)p < LB_POLICY_COUNT ? lbi_policies[p].threads : LB_EINVAL;
}

/* strcmp's equality, here so that freestanding builds need no libc. */
static bool same_name(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int lb_policy_parse(const char *name)
{
	for (int p = 0; name && p < LB_POLICY_COUNT; p++)
		if (same_name(name, lbi_policies[p].name))
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

	LB_ASSERT_LOCKED(z);
	if (!op->fails || !lbi_take_largest_unaccepted(z, &idx, &order))
		return false;
	lbi_accept_blocks(z, idx, order, 1, op, false);
	return true; /* a failure placed what it could: progress all the same */
}

/* linux, on every allocation that may accept: top up free accepted memory
 * to the promo watermark, within the allocation's budget. A zero promo
 * means no watermarks yet (the others are below it): then accept one
 * block to ensure progress, as Linux does. */
void lbi_policy_top_up(struct lb_zone *z, unsigned order, struct acc_op *op)
{
	(void)order; /* Linux sizes the top-up by the watermark alone */
	LB_ASSERT_LOCKED(z);
	if (!z->wmark.promo) {
		accept_one(z, op);
		return;
	}
	while (z->nr_free[S_ACCEPTED] < z->wmark.promo && accept_one(z, op))
		;
}

/*
 * adaptive: the block the backend accepts cheapest per page, from the unit
 * up to 2 MiB (the smaller of equals), or the unit where it does not say
 * or without LB_ADAPT_SIZE. A host that maps 2 MiB accepts one in a single
 * call at about a third of 512 4 KiB calls' price (docs/model.md): with a
 * 4 KiB unit, the unit is then only what the zone tracks, not what to
 * accept. Costs compare per 2 MiB of pages, so no rounding decides.
 */
unsigned lbi_cheapest_order(const struct lb_zone *z)
{
	const struct lb_backend *be = &z->backend;
	unsigned u = z->unit_order, best = u;
	uint64_t best_ns = 0, ns;

	if (!be->ops->accept_cost || (z->acc_cfg.adapt_off & LB_ADAPT_SIZE))
		return u;
	for (unsigned o = u; o <= BLOCK_ORDER_MAX; o++) {
		ns = be->ops->accept_cost(be->ctx, LB_PAGE_SIZE << o);
		if (!ns)
			return u;
		ns <<= BLOCK_ORDER_MAX - o; /* per 2 MiB of pages */
		if (!best_ns || ns < best_ns) {
			best = o;
			best_ns = ns;
		}
	}
	return best;
}

/*
 * adaptive: what an allocation that finds no accepted memory accepts. Its
 * own pages, unless the backend says the cheapest block (above) costs less
 * per page (a host that maps 2 MiB accepts one in one call): then that
 * block, whose rest stays free and accepted for the next allocations,
 * since the same memory accepted piecewise would cost the vCPUs more.
 * Where no larger block costs less per page (a host that maps 4 KiB: 512
 * calls), or the backend does not say, a vCPU never waits for memory it
 * did not ask for; the acceptor's threads take whole blocks around it.
 * Without LB_ADAPT_SIZE, always the unit, as background.
 */
unsigned lbi_adaptive_want(const struct lb_zone *z, unsigned order)
{
	const struct lb_backend *be = &z->backend;
	unsigned u = z->unit_order, c;
	uint64_t block_ns, own_ns;

	if (z->acc_cfg.adapt_off & LB_ADAPT_SIZE)
		return u > order ? u : order;
	c = lbi_cheapest_order(z);
	if (c <= order || !be->ops->accept_cost)
		return order;
	block_ns = be->ops->accept_cost(be->ctx, LB_PAGE_SIZE << c);
	own_ns = be->ops->accept_cost(be->ctx, LB_PAGE_SIZE << order);
	if (!block_ns || !own_ns)
		return order;
	/* per page: block_ns / 2^c < own_ns / 2^order */
	return (block_ns >> (c - order)) < own_ns ? c : order;
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

	LB_ASSERT_LOCKED(z);
	if (!lbi_unaccepted_fits(z, order)) {
		if (!lbi_find_mixed(z, order, &b))
			return LB_ENOMEM;
		rc = lbi_accept_mixed(z, b, order, op);
		*idx = b;
		return rc;
	}
	switch ((enum demand_accept)lbi_pol(z)->on_demand) {
	case DEMAND_LARGEST:
		return accept_one(z, op) ? LB_EAGAIN : LB_ENOMEM;
	case DEMAND_CHEAPEST:
		want = lbi_adaptive_want(z, order);
		break;
	case DEMAND_UNIT:
		want = z->unit_order > order ? z->unit_order : order;
		break;
	case DEMAND_EXACT:
		break;
	}
	if (!lbi_take_free(z, S_UNACCEPTED, want, &b, &got)) {
		/* Only fragments smaller than a unit are left: accept one whole. */
		if (want == order || !lbi_take_free(z, S_UNACCEPTED, order, &b, &got))
			return LB_ENOMEM;
		want = got;
	}
	lbi_split(z, b, got, want, S_UNACCEPTED, 0);
	rc = lbi_accept_blocks(z, b, want, 1, op, true);
	if (rc)
		return rc;
	if (want > order)
		z->demand_unit_accepts++;
	else
		z->demand_own_accepts++;
	lbi_split(z, b, want, order, S_ACCEPTED, 0);
	*idx = b;
	return 0;
}
