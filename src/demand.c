/* SPDX-License-Identifier: MIT */
/*
 * Demand: how much accepted memory the acceptor keeps ahead, and how many
 * of its threads work at once. Every acceptor pass calls in here first,
 * under the zone lock, with its clock.
 *
 * The allocation rate is sampled over windows of at least RATE_WINDOW_NS
 * (steps closer together add to the current window; a clock that reads
 * earlier than the last sample, threads reading it before the lock, is not
 * a sample) and smoothed, 3/4 old to 1/4 new. A step that finds nothing
 * new can be skipped: the acceptor rests (lbi_acceptor_resting) until
 * memory is handed out, released or accepted by another pass, or until a
 * window that holds pages not yet counted closes, and the next step first
 * closes, in closed form, the windows the skipped steps would have
 * closed, as one thread stepping every period would have (close_empty,
 * scale_rested): what a step decides is then the same whether the steps
 * before it ran or not (tests/test_rest.c). A step that comes late (its
 * thread found no CPU, or runs in the idle class) closes only windows it
 * knows: the first with the pages handed out before the rest, and none
 * past the last look that found the rest on, if memory was handed out
 * since; its own sample counts the rest over the longer window. The
 * reserve is a fixed size (LB_POLICY_BACKGROUND, or reserve_bytes) or the
 * estimated rate times a horizon, never below four units nor above 1/8 of
 * memory. For LB_POLICY_ADAPTIVE each part below can be left out
 * (lb_acceptor_cfg.adapt_off), which is how docs/adaptive.md measures it:
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
 *   SCALE    the threads work as demand needs, measured, not modelled:
 *            while the acceptor stays behind for a whole window, the
 *            passes allowed at once double, as long as the last ones added
 *            raised its throughput by half of one thread's each, and the
 *            host is not shared out (shared_out: passes that take twice
 *            their cost alone, and accept no block a vCPU would otherwise
 *            wait for whole, only take the host's share from the vCPUs);
 *            those that did not pay are taken back, and more are tried
 *            again after SCALE_RETRY_NS (the host may change). A window
 *            in which it caught up parks the threads that demand, as
 *            estimated for the reserve (the peak floor included), does
 *            not need: bursts that pause and come back find their threads
 *            as well as their reserve. Without SCALE every thread works
 *            whenever behind.
 *
 * The releaser keeps, for adaptive, everything unless the zone was quiet
 * (use, counted at its highest at every hand-out, did not grow, nothing
 * was accepted) since its last pass, and then
 * the way back to use's held peak plus the reserve (lbi_demand_keep), and
 * gives back only an eighth of use or what a phase that ended left behind:
 * releasing memory that demand takes again soon only makes the host work
 * twice. Every
 * figure of the acceptor's is bounded by 1/8 of memory, and the peak floor
 * decays to nothing in PEAK_DECAY_NS.
 */
#include "internal.h"

#define NS_PER_S UINT64_C(1000000000)
#define HORIZON_NS UINT64_C(100000000)
#define MIN_HORIZON_NS UINT64_C(5000000)
/* The reserve covers what the acceptor takes to answer twice: once to see
 * a shortfall and fill it, once for a rate that doubles meanwhile (the
 * most a predictor window may rise). Four, before, committed more than
 * background's fixed 64 MiB on tdx with no less lag (docs/adaptive.md). */
#define RESPONSE_MULT 2
#define RATE_WINDOW_NS UINT64_C(1000000)
#define PRED_WINDOW_NS UINT64_C(10000000)
#define PRED_MIN_PPS (UINT64_C(256) << (20 - LB_PAGE_SHIFT)) /* 256 MiB/s */
#define PEAK_DECAY_NS UINT64_C(2000000000)
#define SCALE_WINDOW_NS UINT64_C(10000000)
#define SCALE_WINDOW_MAX_NS UINT64_C(200000000)
#define SCALE_PASSES 2 /* per pass allowed: a window's throughput to 1/2 */
#define SCALE_RETRY_NS UINT64_C(500000000)
/* A pass added must bring half of one pass's throughput: below that the
 * host is shared out (its capacity, docs/model.md), and every pass added
 * slows every call in flight, the vCPUs' own among them, by more than it
 * adds (two passes on a host of 2.5 accepts' worth add 0.25 each). */
#define SCALE_GAIN_DIV 2
/* A pass that takes twice what the backend says it costs alone shares
 * the host with at least one more call's worth: the host is shared out,
 * and a pass added only takes a share from the others in flight. Twice,
 * not just over once, is our assumption: room for the scheduling delay
 * that Little's law counts in a pass. */
#define SCALE_STRETCH_MAX 2
#define QUIET_MAX 64 /* releaser passes: two minutes at the default delay */
#define PHASE_DROP_DIV 8 /* use an eighth below its peak: a phase ended */

static bool adapt(const struct lb_zone *z, unsigned part)
{
	return lbi_pol(z)->adapts && !(z->acc_cfg.adapt_off & part);
}

static bool auto_reserve(const struct lb_zone *z)
{
	const struct lbi_policy *p = lbi_pol(z);

	return p->adapts || (!p->threads && !z->acc_cfg.reserve_bytes);
}

static uint64_t mul_div(uint64_t a, uint64_t b, uint64_t d)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX / d : r / d;
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

/* The first of the closes at last + k len (k >= 1) at or after t. */
static uint64_t close_at(uint64_t last, uint64_t len, uint64_t t)
{
	return t <= last ? last + len : last + (t - last + len - 1) / len * len;
}

static uint64_t period_of(const struct lb_zone *z)
{
	return z->acc_cfg.period_ns ? z->acc_cfg.period_ns : LB_ACCEPTOR_PERIOD_NS;
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
 * others empty (a hand-out ends the rest, and replay_windows stops before
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

		d->big_order_last = d->big_order;
		d->big_order = 0;
		d->big_t0 = c;
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
static void replay_windows(const struct lb_zone *z, struct lb_demand *d, uint64_t now_ns, bool at)
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
	if (now_ns - d->big_t0 >= PEAK_DECAY_NS) {
		d->big_order_last = d->big_order;
		d->big_order = 0;
		d->big_t0 = now_ns;
	}
	if (now_ns - d->pred_ns >= PRED_WINDOW_NS) {
		close_pred(d, z->out_pages_total - d->pred_pages, now_ns - d->pred_ns);
		d->pred_ns = now_ns;
		d->pred_pages = z->out_pages_total;
	}
}

/* The order the reserve is counted in (lbi_demand_order), from d: for
 * adaptive at least the block the host accepts cheapest per page. */
static unsigned order_of(const struct lb_zone *z, const struct lb_demand *d)
{
	unsigned o = z->unit_order, big = d->big_order;

	if (lbi_pol(z)->adapts)
		o = lbi_cheapest_order(z);
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
static uint64_t estimate_of(const struct lb_zone *z, const struct lb_demand *d)
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
	rate = estimate_of(z, d);
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
	replay_windows(z, &w, now_ns, true);
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

/* Would a step at now_ns find what the last one found: nothing to do, and
 * nothing to update? Nothing was handed out since (a hand-out is counted
 * in out_pages_total; a pass ending, a release, a new configuration end
 * the rest where they happen), and the clock has not reached the end of
 * a window that holds pages not yet counted (lbi_acceptor_rest). Windows
 * that close meanwhile are empty: the next step closes them in closed
 * form (replay_windows), up to the last look that said so. */
bool lbi_acceptor_resting(struct lb_zone *z, uint64_t now_ns)
{
	struct lb_demand *d = &z->demand;

	if (!d->rest_on || now_ns >= d->rest_until || z->out_pages_total != d->rest_out)
		return false;
	if (now_ns > d->rest_seen) /* nothing handed out by now: replay_windows */
		d->rest_seen = now_ns;
	return true;
}

/* A step at now_ns found free memory (have, as it counts it) at the
 * reserve: rest until something happens, or until the first window close
 * that holds pages handed out before it, which a skipped step would have
 * counted. Between those the estimate only decays, and have only grows
 * while nothing is handed out or released, so a step skipped would find
 * no work and change nothing that the next step cannot do in closed form
 * (replay_windows, scale_rested). */
void lbi_acceptor_rest(struct lb_zone *z, uint64_t now_ns, uint64_t have)
{
	struct lb_demand *d = &z->demand;
	uint64_t t = d->last_ns + RATE_WINDOW_NS;

	LB_ASSERT_LOCKED(z);
	LB_DBG_ASSERT(have >= z->reserve_pages);
	(void)have;
	d->rest_on = d->rested = true;
	d->rest_ns = d->rest_seen = now_ns;
	d->rest_out = z->out_pages_total;
	d->rest_until = UINT64_MAX;
	if (z->out_pages_total != d->last_pages)
		d->rest_until = t;
	else if (z->out_pages_total != d->pred_pages)
		d->rest_until = d->pred_ns + PRED_WINDOW_NS > t ? d->pred_ns + PRED_WINDOW_NS : t;
}

/* The order the reserve is counted and accepted in: the unit, or for
 * adaptive the block the host accepts cheapest per page
 * (lbi_cheapest_order), or the largest order handed out over the last
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
		n += z->area[S_ACCEPTED][o].nr << o;
	return n;
}

uint64_t lbi_demand_free(const struct lb_zone *z)
{
	return lbi_demand_free_in(z, lbi_demand_order(z));
}

/* A releaser pass: its view of demand, for adaptive: use (pages out of
 * the zone) at its highest since the last pass (counted at every hand-out,
 * lbi_give_out), over the one before and held, and how many passes in a row found the
 * zone quiet since the one before: use did not grow and nothing was
 * accepted. Windows as long as the releaser's delay: a rate over a
 * millisecond swings tenfold in steady churn, a peak over seconds does
 * not. A pass that released and was followed by accepting doubles the
 * quiet passes needed before the next release (up to QUIET_MAX); one
 * followed by quiet halves them: the releaser learns how long this
 * guest's demand rests, rather than guessing. */
void lbi_demand_use_pass(struct lb_zone *z, uint64_t reserve)
{
	struct lb_demand *d = &z->demand;
	bool quiet;

	LB_ASSERT_LOCKED(z);
	quiet = d->use_passes && d->use_peak <= d->use_peak_last &&
		z->accepted_pages == d->accepted_last;
	/* what use may come back to: its peak, held while use wanders below it
	 * and forgotten slowly (a 1/QUIET_MAX of the way down a pass) once a
	 * pass's peak falls more than 1/PHASE_DROP_DIV below it, until use
	 * climbs to it again: churn wanders a few percent and climbs back to
	 * any peak it once reached, minutes later; what is worth giving back
	 * is what a phase that ended left behind */
	if (d->use_peak >= d->use_hold) {
		d->use_hold = d->use_peak;
		d->forgetting = false;
	} else if (d->use_peak < d->use_hold - d->use_hold / PHASE_DROP_DIV) {
		d->forgetting = true;
	}
	if (d->forgetting)
		d->use_hold -= (d->use_hold - d->use_peak) / QUIET_MAX;
	d->quiet_run = quiet ? d->quiet_run + 1 : 0;
	if (!d->quiet_need)
		d->quiet_need = 1;
	if (d->released_last && !quiet && d->quiet_need < QUIET_MAX)
		d->quiet_need *= 2;
	else if (d->released_last && quiet && d->quiet_need > 1)
		d->quiet_need /= 2;
	d->released_last = false;
	d->reserve_peak_last = d->reserve_peak;
	d->reserve_peak = reserve;
	d->use_peak_last = d->use_peak;
	d->use_peak = z->nr_alloc;
	d->accepted_last = z->accepted_pages;
	d->use_passes++;
}

/* What the releaser leaves accepted: the reserve, and for adaptive
 * everything until the zone has been quiet long enough (use that grows,
 * or memory being accepted, takes memory again: released now, it would be
 * accepted twice), then what use may come back to (its held peak) beyond
 * what it holds now plus the reserve at its highest; and everything while
 * no phase ended and there is less than an eighth of use to give. */
uint64_t lbi_demand_keep(const struct lb_zone *z, const struct demand_view *v)
{
	const struct lb_demand *d = &z->demand;
	uint64_t peak = d->use_peak > d->use_hold ? d->use_peak : d->use_hold, keep;
	uint64_t reserve = d->reserve_peak > d->reserve_peak_last ? d->reserve_peak
								   : d->reserve_peak_last;

	if (!lbi_pol(z)->adapts)
		return v->reserve;
	if (!d->quiet_run || d->quiet_run < d->quiet_need)
		return UINT64_MAX;
	keep = peak > z->nr_alloc ? peak - z->nr_alloc : 0;
	/* the reserve at its highest over the two passes: the acceptor's
	 * target moves with the rate, and what it would take back is not idle.
	 * On top of the way back to the peak, not instead: at the peak the
	 * acceptor still wants its reserve free. */
	if (reserve < v->reserve)
		reserve = v->reserve;
	keep += reserve; /* both below the zone's pages */
	/* While use stays near its peak, what lies beyond the keep is the
	 * reserve's swing and the slack of fragmentation: demand takes it
	 * back at its next high. Worth giving back is an eighth of use, or
	 * everything once a phase ended. */
	if (!d->forgetting) {
		uint64_t want;

		if (__builtin_add_overflow(z->wmark.low, keep + z->nr_alloc / PHASE_DROP_DIV,
					   &want) || lbi_demand_free_in(z, v->order) < want)
			return UINT64_MAX;
	}
	return keep;
}

/* The most passes at once: the threads configured, or started. */
static unsigned thread_cap(const struct lb_zone *z)
{
	if (z->acc_cfg.threads)
		return z->acc_cfg.threads;
	return z->demand.started ? z->demand.started : 1;
}

/* Caught up in a window: park the threads that demand (rate, as the
 * reserve estimates it) does not need, as measured (a quarter to spare),
 * not one a window, or a steady demand below the acceptor's best sees it
 * park down to one and ramp up again behind. */
static void park(struct lb_zone *z, uint64_t rate)
{
	struct lb_demand *d = &z->demand;
	unsigned j = 1;

	while (j < d->win_k && d->tput[j] / 5 * 4 < rate)
		j++;
	d->active = j;
	d->ceiling = thread_cap(z);
	d->prev_k = 0;
}

/* A new window from now_ns, as behind as the step that starts it. */
static void restart(struct lb_zone *z, uint64_t now_ns, bool behind)
{
	struct lb_demand *d = &z->demand;

	d->win_t0 = now_ns;
	d->win_pages0 = z->background_accepted;
	d->win_done0 = d->passes_done;
	d->win_k = d->active;
	d->win_behind = behind;
}

/* The host is shared out, and a pass accepts no block that would keep a
 * vCPU waiting for pages it did not ask for: a pass added, or kept, takes
 * the host's share from the vCPUs' own accepts and slows every call,
 * theirs among them, for nothing (its block costs no less per page than
 * what they accept on demand, lbi_adaptive_want, the cheapest). Shared
 * out: the window's passes, of `pages` pages each, took SCALE_STRETCH_MAX
 * times what the backend says one costs alone. Where a vCPU accepts a
 * whole block on demand (2 MiB on a host that maps 2 MiB) and a pass's
 * block is that one, the pass accepts it ahead of the vCPU, which would
 * wait for all of it: the throughput decides; with unknown costs, always. */
static bool shared_out(const struct lb_zone *z, uint64_t pass_ns, uint64_t pages)
{
	uint64_t (*cost)(void *, uint64_t) = z->backend.ops->accept_cost;
	unsigned w = lbi_adaptive_want(z, 0);
	uint64_t alone;

	if (!cost || !pages || (w > 0 && order_of(z, &z->demand) == w))
		return false;
	alone = cost(z->backend.ctx, pages << LB_PAGE_SHIFT);
	return alone && pass_ns >= SCALE_STRETCH_MAX * alone;
}

/* SCALE: end a window that is long enough and has seen every working
 * thread finish a pass; decide from its throughput. */
static void scale(struct lb_zone *z, uint64_t now_ns, bool behind)
{
	struct lb_demand *d = &z->demand;
	unsigned k = d->win_k, cap = thread_cap(z);
	uint64_t dt, tp, one, per_pass = 0;
	bool full;

	if (!behind)
		d->win_behind = false;
	if (!d->win_t0 || now_ns <= d->win_t0)
		goto restart;
	dt = now_ns - d->win_t0;
	if (dt < SCALE_WINDOW_NS ||
	    (d->passes_done - d->win_done0 < SCALE_PASSES * k && dt < SCALE_WINDOW_MAX_NS))
		return;
	if (!d->win_behind) {
		if (adapt(z, LB_ADAPT_SCALE)) /* else every thread works */
			park(z, estimate_of(z, d));
		goto restart;
	}
	/* Behind all window, k passes ran back to back: Little's law gives
	 * the mean pass, what the acceptor takes to answer a shortfall. */
	if (d->passes_done > d->win_done0) {
		d->pass_ns = mul_div(dt, k, d->passes_done - d->win_done0);
		per_pass = (z->background_accepted - d->win_pages0) /
			   (d->passes_done - d->win_done0);
	}
	tp = mul_div(z->background_accepted - d->win_pages0, NS_PER_S, dt);
	d->tput[k] = tp;
	if (!adapt(z, LB_ADAPT_SCALE))
		goto restart;
	one = d->tput[1] ? d->tput[1] : tp / k;
	full = shared_out(z, d->pass_ns, per_pass);
	if (d->prev_k && d->prev_k < k &&
	    (full || (d->tput[d->prev_k] &&
		      tp < d->tput[d->prev_k] + (k - d->prev_k) * (one / SCALE_GAIN_DIV)))) {
		/* the threads added last did not pay: back to where they were */
		d->active = d->prev_k;
		d->ceiling = d->prev_k;
		d->ceiling_ns = now_ns; /* the host may change: try again later */
	} else if (d->ceiling < cap && now_ns - d->ceiling_ns >= SCALE_RETRY_NS) {
		d->ceiling = cap;
	} else if (k < d->ceiling && !full) {
		d->active = 2 * k < d->ceiling ? 2 * k : d->ceiling; /* ramp fast */
	}
	d->prev_k = k;
restart:
	restart(z, now_ns, behind);
}

/* The windows that the steps skipped while resting (one a period from
 * rest_ns) would have ended before now_ns: a caught-up window ends at the
 * first step SCALE_WINDOW_MAX_NS after it began (SCALE_WINDOW_NS if its
 * passes were done before the rest), parking by the rate then. Once the
 * rate is nothing and one thread is left, only when changes: counted. */
static void scale_rested(struct lb_zone *z, uint64_t now_ns)
{
	struct lb_demand *d = &z->demand, w = *d; /* the rate, brought along */
	uint64_t p = period_of(z), c, need, every;

	if (!lbi_pol(z)->adapts || !d->win_t0 || d->win_behind)
		return;
	need = d->passes_done - d->win_done0 < SCALE_PASSES * d->win_k ? SCALE_WINDOW_MAX_NS
									 : SCALE_WINDOW_NS;
	every = (SCALE_WINDOW_MAX_NS + p - 1) / p * p;
	for (c = close_at(d->rest_ns, p, d->win_t0 + need); c < now_ns; c += every) {
		replay_windows(z, &w, c, true);
		if (adapt(z, LB_ADAPT_SCALE))
			park(z, estimate_of(z, &w));
		if (d->active > d->active_peak)
			d->active_peak = d->active;
		restart(z, c, false);
		if (!adapt(z, LB_ADAPT_SCALE) || (!w.rate_pps && d->active == 1)) {
			d->win_t0 += (now_ns - 1 - c) / every * every;
			break;
		}
	}
}

/* How many acceptor passes may run at once now. */
unsigned lbi_demand_passes(struct lb_zone *z, uint64_t now_ns, bool behind)
{
	struct lb_demand *d = &z->demand;
	unsigned cap = thread_cap(z);

	LB_ASSERT_LOCKED(z);
	if (!lbi_pol(z)->adapts)
		return LB_ACCEPTOR_MAX_THREADS; /* every thread, whenever behind */
	if (!d->active || d->active > cap || !adapt(z, LB_ADAPT_SCALE)) {
		d->active = adapt(z, LB_ADAPT_SCALE) ? 1 : cap;
		d->ceiling = cap;
	}
	scale(z, now_ns, behind);
	if (d->active > d->active_peak)
		d->active_peak = d->active;
	return d->active;
}

/* A step at now_ns that is not resting: the rest, if there was one, is
 * over; what the steps it skipped would have done to SCALE's windows is
 * done now (the estimate's windows are closed by its sample). */
void lbi_acceptor_wake(struct lb_zone *z, uint64_t now_ns)
{
	LB_ASSERT_LOCKED(z);
	z->demand.rest_on = false;
	if (z->demand.rested) {
		scale_rested(z, now_ns);
		replay_windows(z, &z->demand, now_ns, false);
		z->demand.rested = false;
	}
}
