/* SPDX-License-Identifier: MIT */
/*
 * Demand: how much accepted memory the acceptor keeps ahead (the reserve),
 * from the allocation rate. Every acceptor pass calls in here first
 * (lbi_acceptor_reserve), under the zone lock, with its clock; how many
 * of its threads then work is scale.c's, and what the releaser leaves
 * accepted keep.c's.
 *
 * The allocation rate is sampled over windows of at least RATE_WINDOW_NS
 * (steps closer together add to the current window; a clock that reads
 * earlier than the last sample, threads reading it before the lock, is not
 * a sample) and smoothed, 3/4 old to 1/4 new. After a rest (scale.c) the
 * next step first closes, in closed form, the windows the skipped steps
 * would have closed, as one thread stepping every period would have
 * (close_empty). A step that comes late (its thread found no CPU, or runs
 * in the idle class) closes only windows it knows: the first with the
 * pages handed out before the rest, and none past the last look that
 * found the rest on, if memory was handed out since; its own sample counts
 * the rest over the longer window. The reserve is a fixed size
 * (background, or reserve_bytes) or the estimated rate times a horizon,
 * never below four units nor above 1/8 of memory; the peak floor decays
 * to nothing in PEAK_DECAY_NS. For adaptive each part below can be left
 * out (lb_acceptor_cfg.adapt_off), which is how docs/adaptive.md measures
 * it (SCALE is scale.c's):
 *
 *   TREND    a rising rate is followed at once, not after the smoothing
 *            catches up: the estimate is at least the last predictor
 *            window's rate plus its rise over the window before.
 *   PEAK     a floor from the recent peak, losing PRED_WINDOW_NS /
 *            PEAK_DECAY_NS of itself each predictor window (half in about
 *            1.4 s): a burst that pauses and comes back finds its reserve
 *            still there.
 *            Predictor windows (PRED_WINDOW_NS) may at most double the
 *            last one's rate: a vCPU catching up with its backlog hands
 *            out seconds of demand in a moment, which is no rate.
 *   HORIZON  with horizon_ns 0, the reserve covers RESPONSE_MULT times
 *            what the acceptor takes to answer (a period plus one pass,
 *            measured; until then the backend's cost of a unit, or
 *            nothing), MIN_HORIZON_NS to HORIZON_NS: a host that accepts
 *            fast needs little ahead. Else a fixed HORIZON_NS.
 *   ORDER    the reserve is counted, floored and accepted in blocks of
 *            the largest order handed out lately (lbi_demand_order), not
 *            the unit, where that is larger.
 */
#include "demand.h"

#define HORIZON_NS UINT64_C(100000000)
#define MIN_HORIZON_NS UINT64_C(5000000)
/* The reserve covers what the acceptor takes to answer twice: once to see
 * a shortfall and fill it, once for a rate that doubles meanwhile (the
 * most a predictor window may rise). Four, before, committed more than
 * background's fixed 64 MiB on tdx with no less lag (docs/adaptive.md). */
#define RESPONSE_MULT 2
#define PRED_MIN_PPS (UINT64_C(256) << (20 - LB_PAGE_SHIFT)) /* 256 MiB/s */
#define PEAK_DECAY_NS UINT64_C(2000000000)

static bool auto_reserve(const struct lb_zone *z)
{
	const struct lbi_policy *p = lbi_pol(z);

	return p->adapts || (!p->threads && !z->acc_cfg.reserve_bytes);
}

static uint64_t ewma(uint64_t rate, uint64_t inst)
{
	return (rate / 4) * 3 + inst / 4;
}

/* A predictor window of dt ns that saw `pages` handed out closes. */
static void close_pred(struct lb_demand *d, uint64_t pages, uint64_t dt)
{
	uint64_t inst = mul_div(pages, NS_PER_S, dt), lim;

	/* At most double a window: a vCPU catching up with its backlog hands
	 * out seconds of demand in a moment, which is no rate to predict by. */
	lim = d->pred_pps > PRED_MIN_PPS / 2 ? 2 * d->pred_pps : PRED_MIN_PPS;
	if (inst > lim)
		inst = lim;
	d->trend_pps = inst > d->pred_pps ? inst + (inst - d->pred_pps) : inst;
	d->pred_pps = inst;
	d->peak_pps -= dt >= PEAK_DECAY_NS ? d->peak_pps : mul_div(d->peak_pps, dt, PEAK_DECAY_NS);
	if (inst > d->peak_pps)
		d->peak_pps = inst;
}

/* A PEAK_DECAY_NS window of the largest order handed out closes at `at`:
 * it becomes the last, and a window of sizes has been seen. */
static void big_roll(struct lb_demand *d, uint64_t at)
{
	d->big_order_last = d->big_order;
	d->big_order = 0;
	d->big_seen = true;
	d->big_t0 = at;
}

/* What a thread stepping every period closes: a rate window at its first
 * step RATE_WINDOW_NS or more after the last, so every len ns. */
static uint64_t window_len(const struct lb_zone *z)
{
	uint64_t p = period_of(z);

	return p >= RATE_WINDOW_NS ? p : (RATE_WINDOW_NS + p - 1) / p * p;
}

/* The windows the steps skipped while the acceptor rested would have
 * closed, at first, first + len, ... up to end: the first of each kind
 * with what was handed out before the rest and not yet counted, the
 * others empty (a hand-out ends the rest, and lbi_demand_replay stops before
 * it). Predictor windows close at the first of those PRED_WINDOW_NS after
 * theirs, the largest order forgets at the first PEAK_DECAY_NS after;
 * once nothing changes but when, the rest is counted, not stepped
 * through. */
static void close_empty(struct lb_demand *d, uint64_t first, uint64_t end, uint64_t len)
{
	uint64_t n = (end - first) / len, c, every;

	d->rate_pps = ewma(d->rate_pps, mul_div(d->rest_out - d->last_pages, NS_PER_S,
						first - d->last_ns));
	d->last_pages = d->rest_out;
	for (; n && d->rate_pps; n--)
		d->rate_pps = ewma(d->rate_pps, 0);
	every = (PRED_WINDOW_NS + len - 1) / len * len;
	for (c = close_at(first - len, len, d->pred_ns + PRED_WINDOW_NS); c <= end; c += every) {
		uint64_t peak = d->peak_pps;

		close_pred(d, d->rest_out - d->pred_pages, c - d->pred_ns);
		d->pred_ns = c;
		d->pred_pages = d->rest_out;
		if (!d->pred_pps && peak == d->peak_pps) { /* at rest */
			d->pred_ns += (end - c) / every * every;
			break;
		}
	}
	every = (PEAK_DECAY_NS + len - 1) / len * len;
	for (c = close_at(first - len, len, d->big_t0 + PEAK_DECAY_NS); c <= end; c += every) {
		bool rest = !d->big_order && !d->big_order_last;

		big_roll(d, c);
		if (rest) {
			d->big_t0 += (end - c) / every * every;
			break;
		}
	}
	d->last_ns = end;
}

/* The rest's skipped steps, one a period from rest_ns, before now_ns (or
 * at it too, with `at`): the windows they would have closed, each at the
 * first of them RATE_WINDOW_NS after the last. If memory was handed out
 * since the rest began, only up to the last look that found the rest on
 * (rest_seen): the hand-out ended it at some moment after that, and a
 * step that comes late (no CPU for its thread) would count it in windows
 * it calls empty, for as long as it keeps coming late. */
void lbi_demand_replay(const struct lb_zone *z, struct lb_demand *d, uint64_t now_ns, bool at)
{
	uint64_t len = window_len(z), first, end;

	if (!d->last_ns || now_ns <= d->rest_ns)
		return;
	first = close_at(d->rest_ns, period_of(z), d->last_ns + RATE_WINDOW_NS);
	if (first > now_ns || (first == now_ns && !at))
		return;
	end = first + (now_ns - first) / len * len;
	if (end == now_ns && !at)
		end -= len;
	if (z->out_pages_total != d->rest_out && end > d->rest_seen) {
		if (first > d->rest_seen)
			return;
		end = first + (d->rest_seen - first) / len * len;
	}
	close_empty(d, first, end, len);
}

/* The largest order handed out since the last sample joins this window's. */
static void note_big(struct lb_demand *d)
{
	if (d->big_new > d->big_order)
		d->big_order = d->big_new;
	d->big_new = 0;
}

/* Close a rate window when it is long enough, and a predictor window
 * (TREND, PEAK: longer, so that one large allocation in a short window is
 * not read as a burst) when that is. A clock that reads earlier than the
 * last sample (threads reading it before the lock) closes nothing. */
static void sample(const struct lb_zone *z, struct lb_demand *d, uint64_t now_ns)
{
	uint64_t dt;

	if (!d->last_ns) {
		d->last_ns = d->pred_ns = d->big_t0 = now_ns;
		d->last_pages = d->pred_pages = z->out_pages_total;
	}
	if (now_ns <= d->last_ns || now_ns - d->last_ns < RATE_WINDOW_NS) {
		note_big(d);
		return;
	}
	dt = now_ns - d->last_ns;
	d->rate_pps = ewma(d->rate_pps,
			   mul_div(z->out_pages_total - d->last_pages, NS_PER_S, dt));
	d->last_ns = now_ns;
	d->last_pages = z->out_pages_total;
	note_big(d);
	if (now_ns - d->big_t0 >= PEAK_DECAY_NS)
		big_roll(d, now_ns);
	if (now_ns - d->pred_ns >= PRED_WINDOW_NS) {
		close_pred(d, z->out_pages_total - d->pred_pages, now_ns - d->pred_ns);
		d->pred_ns = now_ns;
		d->pred_pages = z->out_pages_total;
	}
}

/* The smallest block below order o that costs no more per page than o's,
 * within 1/AS_CHEAP (a host that maps 4 KiB: a 2 MiB accept is 512 of
 * 4 KiB), by the backend's word; o where it says nothing. */
#define AS_CHEAP 8
static unsigned as_cheap_below(const struct lb_zone *z, unsigned o)
{
	const struct lb_backend *be = &z->backend;
	uint64_t ns, per2m;

	if (!be->ops->accept_cost || (z->acc_cfg.adapt_off & LB_ADAPT_SIZE))
		return o;
	per2m = be->ops->accept_cost(be->ctx, LB_PAGE_SIZE << o) << (BLOCK_ORDER_MAX - o);
	while (o > 0 && per2m &&
	       (ns = be->ops->accept_cost(be->ctx, LB_PAGE_SIZE << (o - 1))) != 0 &&
	       (ns << (BLOCK_ORDER_MAX - o + 1)) * AS_CHEAP <= per2m * (AS_CHEAP + 1))
		o--;
	return o;
}

/* The order the reserve is counted in (lbi_demand_order), from d: for
 * adaptive the block the host accepts cheapest per page, or once a
 * window of sizes is seen the smallest no dearer; ORDER lifts it to the
 * largest handed out lately. */
static unsigned order_of(const struct lb_zone *z, const struct lb_demand *d)
{
	unsigned o = z->unit_order, big = d->big_order;

	if (lbi_pol(z)->adapts) {
		/* Below the cheapest block (no dearer per page) only once a
		 * window of allocation sizes has been seen, ORDER then lifting
		 * it to the largest lately: until then the unit is the prior.
		 * Without it churn's build-up, before its first 2 MiB
		 * allocations, kept the reserve in 64-page blocks, and its
		 * larger allocations, finding none whole, accepted their own
		 * (p99.9 512 us). */
		o = lbi_cheapest_order(z);
		if (d->big_seen)
			o = as_cheap_below(z, o);
	}
	if (!adapt(z, LB_ADAPT_ORDER))
		return o;
	if (d->big_order_last > big)
		big = d->big_order_last;
	if (d->big_new > big)
		big = d->big_new;
	if (big > BLOCK_ORDER_MAX)
		big = BLOCK_ORDER_MAX;
	return big > o ? big : o;
}

/* HORIZON: RESPONSE_MULT times what the acceptor takes to answer, a
 * period plus one pass. Until a pass is measured, the pass is what the
 * backend says one unit costs, and with no word from it the horizon stays
 * at its least: a reserve sized for a slow host before one is seen would
 * commit memory the guest may never use. */
static uint64_t response_horizon(const struct lb_zone *z, const struct lb_demand *d)
{
	uint64_t period = period_of(z), pass = d->pass_ns, h;

	if (!pass && z->backend.ops->accept_cost)
		pass = z->backend.ops->accept_cost(z->backend.ctx,
						   LB_PAGE_SIZE << order_of(z, d));
	if (!pass)
		return MIN_HORIZON_NS;
	if (__builtin_add_overflow(period, pass, &h) || __builtin_mul_overflow(h, RESPONSE_MULT, &h))
		return HORIZON_NS; /* a period of years: as slow as it gets */
	return h < MIN_HORIZON_NS ? MIN_HORIZON_NS : h > HORIZON_NS ? HORIZON_NS : h;
}

/* The rate demand d is estimated at, pages per second: the smoothed rate,
 * or the trend or the peak floor where they are higher. */
uint64_t lbi_demand_estimate(const struct lb_zone *z, const struct lb_demand *d)
{
	uint64_t rate = d->rate_pps;

	if (adapt(z, LB_ADAPT_TREND) && d->trend_pps > rate)
		rate = d->trend_pps;
	if (adapt(z, LB_ADAPT_PEAK) && d->peak_pps > rate)
		rate = d->peak_pps;
	return rate;
}

/* The reserve, in pages, that demand d calls for. */
static uint64_t reserve_of(const struct lb_zone *z, const struct lb_demand *d)
{
	uint64_t unit = UINT64_C(1) << z->unit_order, r, rate, horizon;

	if (!auto_reserve(z)) {
		r = z->acc_cfg.reserve_bytes >> LB_PAGE_SHIFT;
		return r ? r : LB_BACKGROUND_RESERVE_BYTES >> LB_PAGE_SHIFT;
	}
	rate = lbi_demand_estimate(z, d);
	horizon = z->acc_cfg.horizon_ns ? z->acc_cfg.horizon_ns : HORIZON_NS;
	if (!z->acc_cfg.horizon_ns && adapt(z, LB_ADAPT_HORIZON))
		horizon = response_horizon(z, d);
	r = mul_div(rate, horizon, NS_PER_S);
	if (lbi_pol(z)->adapts)
		unit = UINT64_C(1) << order_of(z, d);
	if (r < 4 * unit)
		r = 4 * unit;
	if (r > z->managed_pages / 8)
		r = z->managed_pages / 8;
	return r;
}

/* The reserve is r pages now; its peaks follow (the releaser's, lb_stats'). */
uint64_t lbi_demand_set_reserve(struct lb_zone *z, uint64_t r)
{
	z->reserve_pages = r;
	if (r > z->demand.reserve_peak)
		z->demand.reserve_peak = r;
	if (r > z->demand.reserve_max)
		z->demand.reserve_max = r;
	return r;
}

/* The reserve and order as the acceptor's steps up to now_ns leave them,
 * the skipped ones of a rest included (on a copy: the next step brings
 * the estimate forward itself): what the releaser counts by. */
void lbi_demand_view(const struct lb_zone *z, uint64_t now_ns, struct demand_view *v)
{
	struct lb_demand w;

	LB_ASSERT_LOCKED(z);
	v->reserve = z->reserve_pages;
	v->order = lbi_demand_order(z);
	if (!z->demand.rested)
		return;
	w = z->demand;
	lbi_demand_replay(z, &w, now_ns, true);
	v->reserve = reserve_of(z, &w);
	v->order = order_of(z, &w);
}

/* Update the estimate and return the reserve, in pages. */
uint64_t lbi_acceptor_reserve(struct lb_zone *z, uint64_t now_ns)
{
	LB_ASSERT_LOCKED(z);
	sample(z, &z->demand, now_ns);
	return lbi_demand_set_reserve(z, reserve_of(z, &z->demand));
}

/* The order the reserve is counted and accepted in: the unit, or for
 * adaptive the block the host accepts cheapest per page
 * (lbi_cheapest_order; the smallest that costs no more per page, so that
 * a pass's call can be short: acceptor.c), or the largest order handed
 * out over the last
 * two PEAK_DECAY_NS windows where that is larger, up to 2 MiB
 * (BLOCK_ORDER_MAX): 4 KiB pages accepted here and there (a 4 KiB unit)
 * serve no 2 MiB allocation, and a larger block is two 2 MiB accepts on
 * any host anyway. */
unsigned lbi_demand_order(const struct lb_zone *z)
{
	return order_of(z, &z->demand);
}

/* Free accepted memory that counts toward the reserve: all of it, or for
 * adaptive only blocks of lbi_demand_order() and larger. Fragments freed
 * here and there serve small requests but not a unit-sized one, which
 * would then stall accepting for itself while the acceptor, counting the
 * fragments, idles. The releaser counts the same way, or it would release
 * the units the acceptor then accepts again, for ever. */
uint64_t lbi_demand_free_in(const struct lb_zone *z, unsigned order)
{
	uint64_t n = 0;

	if (!lbi_pol(z)->adapts)
		return z->nr_free[S_ACCEPTED];
	for (unsigned o = order; o <= LB_MAX_ORDER; o++)
		n += free_accepted_blocks(z, o) << o;
	return n;
}

uint64_t lbi_demand_free(const struct lb_zone *z)
{
	return lbi_demand_free_in(z, lbi_demand_order(z));
}

