/* SPDX-License-Identifier: MIT */
/*
 * Demand: how much accepted memory the acceptor keeps ahead, and how many
 * of its threads work at once. Every acceptor pass calls in here first,
 * under the zone lock, with its clock.
 *
 * The allocation rate is sampled over windows of at least RATE_WINDOW_NS
 * (passes closer together add to the current window; a clock that reads
 * earlier than the last sample, threads reading it before the lock, is not
 * a sample) and smoothed, 3/4 old to 1/4 new. The reserve is a fixed size
 * (LB_POLICY_BACKGROUND, or reserve_bytes) or the estimated rate times a
 * horizon, never below four units nor above 1/8 of memory. For
 * LB_POLICY_ADAPTIVE each part below can be left out
 * (lb_acceptor_cfg.adapt_off), which is how docs/adaptive.md measures it:
 *
 *   TREND    a rising rate is followed at once, not after the smoothing
 *            catches up: the estimate is at least the last predictor
 *            window's rate plus its rise over the window before.
 *   PEAK     a floor from the recent peak, decaying linearly to 0 over
 *            PEAK_DECAY_NS: a burst that pauses and comes back finds its
 *            reserve still there.
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
 *            raised its throughput by half of one thread's each; those that
 *            did not are taken back, and more are tried again after
 *            SCALE_RETRY_NS (the host may change). A window in which it
 *            caught up parks the threads that the measured demand does
 *            not need. Without SCALE every thread works whenever behind.
 *
 * The releaser keeps, for adaptive, everything unless the zone was quiet
 * (use did not grow, nothing was accepted) since its last pass, and then
 * the way back to use's held peak plus the reserve (lbi_demand_keep), and
 * gives back only an eighth of use or what a phase that ended left behind:
 * releasing memory that demand takes again soon only makes the host work
 * twice. Every
 * figure of the acceptor's is bounded by 1/8 of memory, and the peak floor
 * decays to nothing in PEAK_DECAY_NS.
 */
#include "internal.h"

#define HORIZON_NS UINT64_C(100000000)
#define MIN_HORIZON_NS UINT64_C(5000000)
#define RESPONSE_MULT 4
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
#define BIG_ORDER_MAX (21 - LB_PAGE_SHIFT) /* 2 MiB */
#define QUIET_MAX 64 /* releaser passes: two minutes at the default delay */
#define PHASE_DROP_DIV 8 /* use an eighth below its peak: a phase ended */

static bool adapt(const struct lb_zone *z, unsigned part)
{
	return z->policy == LB_POLICY_ADAPTIVE && !(z->acc_cfg.adapt_off & part);
}

static bool auto_reserve(const struct lb_zone *z)
{
	return z->policy == LB_POLICY_ADAPTIVE ||
	       (z->policy != LB_POLICY_BACKGROUND && !z->acc_cfg.reserve_bytes);
}

static uint64_t mul_div(uint64_t a, uint64_t b, uint64_t d)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX / d : r / d;
}

/* Close a rate window when it is long enough, and a predictor window
 * (TREND, PEAK: longer, so that one large allocation in a short window is
 * not read as a burst) when that is. */
static void sample_rate(struct lb_zone *z, uint64_t now_ns)
{
	struct lb_demand *d = &z->demand;
	uint64_t dt, inst, decay, lim;

	if (!d->last_ns) {
		d->last_ns = d->pred_ns = d->big_t0 = now_ns;
		d->last_pages = d->pred_pages = z->out_pages_total;
		return;
	}
	if (now_ns <= d->last_ns || now_ns - d->last_ns < RATE_WINDOW_NS)
		return;
	dt = now_ns - d->last_ns;
	inst = mul_div(z->out_pages_total - d->last_pages, UINT64_C(1000000000), dt);
	d->rate_pps = (d->rate_pps / 4) * 3 + inst / 4;
	d->last_ns = now_ns;
	d->last_pages = z->out_pages_total;

	if (now_ns - d->big_t0 >= PEAK_DECAY_NS) {
		d->big_order_last = d->big_order;
		d->big_order = 0;
		d->big_t0 = now_ns;
	}
	if (now_ns - d->pred_ns < PRED_WINDOW_NS)
		return;
	dt = now_ns - d->pred_ns;
	inst = mul_div(z->out_pages_total - d->pred_pages, UINT64_C(1000000000), dt);
	/* At most double a window: a vCPU catching up with its backlog hands
	 * out seconds of demand in a moment, which is no rate to predict by. */
	lim = d->pred_pps > PRED_MIN_PPS / 2 ? 2 * d->pred_pps : PRED_MIN_PPS;
	if (inst > lim)
		inst = lim;
	d->trend_pps = inst > d->pred_pps ? inst + (inst - d->pred_pps) : inst;
	d->pred_pps = inst;
	decay = dt >= PEAK_DECAY_NS ? d->peak_pps : mul_div(d->peak_pps, dt, PEAK_DECAY_NS);
	d->peak_pps -= decay;
	if (inst > d->peak_pps)
		d->peak_pps = inst;
	d->pred_ns = now_ns;
	d->pred_pages = z->out_pages_total;
}

/* HORIZON: RESPONSE_MULT times what the acceptor takes to answer, a
 * period plus one pass. Until a pass is measured, the pass is what the
 * backend says one unit costs, and with no word from it the horizon stays
 * at its least: a reserve sized for a slow host before one is seen would
 * commit memory the guest may never use. */
static uint64_t response_horizon(const struct lb_zone *z)
{
	uint64_t period = z->acc_cfg.period_ns ? z->acc_cfg.period_ns : LB_ACCEPTOR_PERIOD_NS;
	uint64_t pass = z->demand.pass_ns, h;

	if (!pass && z->backend.ops->accept_cost)
		pass = z->backend.ops->accept_cost(z->backend.ctx, LB_PAGE_SIZE << lbi_demand_order(z));
	if (!pass)
		return MIN_HORIZON_NS;
	if (__builtin_add_overflow(period, pass, &h) || __builtin_mul_overflow(h, RESPONSE_MULT, &h))
		return HORIZON_NS; /* a period of years: as slow as it gets */
	return h < MIN_HORIZON_NS ? MIN_HORIZON_NS : h > HORIZON_NS ? HORIZON_NS : h;
}

/* The reserve is r pages now; its peaks follow (the releaser's, lb_stats'). */
static uint64_t set_reserve(struct lb_zone *z, uint64_t r)
{
	z->reserve_pages = r;
	if (r > z->demand.reserve_peak)
		z->demand.reserve_peak = r;
	if (r > z->demand.reserve_max)
		z->demand.reserve_max = r;
	return r;
}

/* Update the estimate and return the reserve, in pages. */
uint64_t lbi_acceptor_reserve(struct lb_zone *z, uint64_t now_ns)
{
	struct lb_demand *d = &z->demand;
	uint64_t unit = UINT64_C(1) << z->unit_order, r, rate, horizon;

	LB_ASSERT_LOCKED(z);
	sample_rate(z, now_ns);
	if (!auto_reserve(z)) {
		r = z->acc_cfg.reserve_bytes >> LB_PAGE_SHIFT;
		return set_reserve(z, r ? r : LB_BACKGROUND_RESERVE_BYTES >> LB_PAGE_SHIFT);
	}
	rate = d->rate_pps;
	if (adapt(z, LB_ADAPT_TREND) && d->trend_pps > rate)
		rate = d->trend_pps;
	if (adapt(z, LB_ADAPT_PEAK) && d->peak_pps > rate)
		rate = d->peak_pps;
	horizon = z->acc_cfg.horizon_ns ? z->acc_cfg.horizon_ns : HORIZON_NS;
	if (!z->acc_cfg.horizon_ns && adapt(z, LB_ADAPT_HORIZON))
		horizon = response_horizon(z);
	r = mul_div(rate, horizon, UINT64_C(1000000000));
	if (z->policy == LB_POLICY_ADAPTIVE)
		unit = UINT64_C(1) << lbi_demand_order(z);
	if (r < 4 * unit)
		r = 4 * unit;
	if (r > z->managed_pages / 8)
		r = z->managed_pages / 8;
	return set_reserve(z, r);
}

/* The order the reserve is counted and accepted in: the unit, or for
 * adaptive the largest order handed out over the last two PEAK_DECAY_NS
 * windows where that is larger, up to 2 MiB (BIG_ORDER_MAX): 4 KiB pages
 * accepted here and there (a 4 KiB unit) serve no 2 MiB allocation, and
 * a larger block is two 2 MiB accepts on any host anyway. */
unsigned lbi_demand_order(const struct lb_zone *z)
{
	unsigned o = z->unit_order, big = z->demand.big_order;

	if (!adapt(z, LB_ADAPT_ORDER))
		return o;
	if (z->demand.big_order_last > big)
		big = z->demand.big_order_last;
	if (big > BIG_ORDER_MAX)
		big = BIG_ORDER_MAX;
	return big > o ? big : o;
}

/* Free accepted memory that counts toward the reserve: all of it, or for
 * adaptive only blocks of lbi_demand_order() and larger. Fragments freed
 * here and there serve small requests but not a unit-sized one, which
 * would then stall accepting for itself while the acceptor, counting the
 * fragments, idles. The releaser counts the same way, or it would release
 * the units the acceptor then accepts again, for ever. */
uint64_t lbi_demand_free(const struct lb_zone *z)
{
	uint64_t n = 0;

	if (z->policy != LB_POLICY_ADAPTIVE)
		return z->nr_free[S_ACCEPTED];
	for (unsigned o = lbi_demand_order(z); o <= LB_MAX_ORDER; o++)
		n += z->area[S_ACCEPTED][o].nr << o;
	return n;
}

/* The releaser's view of demand, for adaptive: use (pages out of the
 * zone) sampled at every releaser step, its peak since the last releaser
 * pass, over the one before and held, and how many passes in a row found the
 * zone quiet since the one before: use did not grow and nothing was
 * accepted. Windows as long as the releaser's delay: a rate over a
 * millisecond swings tenfold in steady churn, a peak over seconds does
 * not. A pass that released and was followed by accepting doubles the
 * quiet passes needed before the next release (up to QUIET_MAX); one
 * followed by quiet halves them: the releaser learns how long this
 * guest's demand rests, rather than guessing. */
void lbi_demand_use_sample(struct lb_zone *z, bool pass)
{
	struct lb_demand *d = &z->demand;
	bool quiet;

	LB_ASSERT_LOCKED(z);
	if (z->nr_alloc > d->use_peak)
		d->use_peak = z->nr_alloc;
	if (!pass)
		return;
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
	d->reserve_peak = z->reserve_pages;
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
uint64_t lbi_demand_keep(const struct lb_zone *z)
{
	const struct lb_demand *d = &z->demand;
	uint64_t peak = d->use_peak > d->use_hold ? d->use_peak : d->use_hold, keep;
	uint64_t reserve = d->reserve_peak > d->reserve_peak_last ? d->reserve_peak
								   : d->reserve_peak_last;

	if (z->policy != LB_POLICY_ADAPTIVE)
		return z->reserve_pages;
	if (!d->quiet_run || d->quiet_run < d->quiet_need)
		return UINT64_MAX;
	keep = peak > z->nr_alloc ? peak - z->nr_alloc : 0;
	/* the reserve at its highest over the two passes: the acceptor's
	 * target moves with the rate, and what it would take back is not idle.
	 * On top of the way back to the peak, not instead: at the peak the
	 * acceptor still wants its reserve free. */
	if (reserve < z->reserve_pages)
		reserve = z->reserve_pages;
	keep += reserve; /* both below the zone's pages */
	/* While use stays near its peak, what lies beyond the keep is the
	 * reserve's swing and the slack of fragmentation: demand takes it
	 * back at its next high. Worth giving back is an eighth of use, or
	 * everything once a phase ended. */
	if (!d->forgetting) {
		uint64_t want;

		if (__builtin_add_overflow(z->wmark.low, keep + z->nr_alloc / PHASE_DROP_DIV,
					   &want) || lbi_demand_free(z) < want)
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

/* SCALE: end a window that is long enough and has seen every working
 * thread finish a pass; decide from its throughput. */
static void scale(struct lb_zone *z, uint64_t now_ns, bool behind)
{
	struct lb_demand *d = &z->demand;
	unsigned k = d->win_k, cap = thread_cap(z);
	uint64_t dt, tp, one;

	if (!behind)
		d->win_behind = false;
	if (!d->win_t0 || now_ns <= d->win_t0)
		goto restart;
	dt = now_ns - d->win_t0;
	if (dt < SCALE_WINDOW_NS ||
	    (d->passes_done - d->win_done0 < SCALE_PASSES * k && dt < SCALE_WINDOW_MAX_NS))
		return;
	if (!d->win_behind) {
		/* Caught up in this window: park the threads that demand does
		 * not need, as measured (a quarter to spare), not one a window,
		 * or a steady demand below the acceptor's best sees it park
		 * down to one and ramp up again behind. */
		unsigned j = 1;

		if (!adapt(z, LB_ADAPT_SCALE))
			goto restart; /* every thread works: nothing to park */
		while (j < k && d->tput[j] / 5 * 4 < d->rate_pps)
			j++;
		d->active = j;
		d->ceiling = cap;
		d->prev_k = 0;
		goto restart;
	}
	/* Behind all window, k passes ran back to back: Little's law gives
	 * the mean pass, what the acceptor takes to answer a shortfall. */
	if (d->passes_done > d->win_done0)
		d->pass_ns = mul_div(dt, k, d->passes_done - d->win_done0);
	tp = mul_div(z->background_accepted - d->win_pages0, UINT64_C(1000000000), dt);
	d->tput[k] = tp;
	if (!adapt(z, LB_ADAPT_SCALE))
		goto restart;
	one = d->tput[1] ? d->tput[1] : tp / k;
	if (d->prev_k && d->prev_k < k && d->tput[d->prev_k] &&
	    tp < d->tput[d->prev_k] + (k - d->prev_k) * (one / SCALE_GAIN_DIV)) {
		/* the threads added last did not pay: back to where they were */
		d->active = d->prev_k;
		d->ceiling = d->prev_k;
		d->ceiling_ns = now_ns; /* the host may change: try again later */
	} else if (d->ceiling < cap && now_ns - d->ceiling_ns >= SCALE_RETRY_NS) {
		d->ceiling = cap;
	} else if (k < d->ceiling) {
		d->active = 2 * k < d->ceiling ? 2 * k : d->ceiling; /* ramp fast */
	}
	d->prev_k = k;
restart:
	d->win_t0 = now_ns;
	d->win_pages0 = z->background_accepted;
	d->win_done0 = d->passes_done;
	d->win_k = d->active;
	d->win_behind = true;
}

/* How many acceptor passes may run at once now. */
unsigned lbi_demand_passes(struct lb_zone *z, uint64_t now_ns, bool behind)
{
	struct lb_demand *d = &z->demand;
	unsigned cap = thread_cap(z);

	LB_ASSERT_LOCKED(z);
	if (z->policy != LB_POLICY_ADAPTIVE)
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
