/* SPDX-License-Identifier: MIT */
/*
 * The acceptor's threads: how many of them work at once, and when they
 * rest. Every acceptor pass asks here (lbi_demand_passes), under the zone
 * lock, after demand.c has sized the reserve.
 *
 * SCALE (adaptive; LB_ADAPT_SCALE): the threads work as demand needs,
 * measured, not modelled. While the acceptor stays behind for a whole
 * window, the passes allowed at once double, as long as the last ones
 * added raised its throughput by half of one thread's each, and the host
 * is not shared out (shared_out: passes that take twice their cost alone,
 * and accept no block a vCPU would otherwise wait for whole, only take
 * the host's share from the vCPUs); those that did not pay are taken
 * back, and more are tried again after SCALE_RETRY_NS (the host may
 * change). A window in which it caught up parks the threads that demand,
 * as estimated for the reserve (the peak floor included), does not need:
 * bursts that pause and come back find their threads as well as their
 * reserve. Without SCALE every thread works whenever behind; background's
 * always do.
 *
 * Rest: a step that finds nothing new can be skipped. The acceptor rests
 * (lbi_acceptor_resting) until memory is handed out, released or accepted
 * by another pass, or until a window that holds pages not yet counted
 * closes; the next step first does what the skipped steps would have
 * done, in closed form (scale_rested here, the estimate's windows in
 * demand.c), so that what a step decides is the same whether the steps
 * before it ran or not (tests/test_rest.c).
 */
#include "demand.h"

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

/* Would a step at now_ns find what the last one found: nothing to do, and
 * nothing to update? Nothing was handed out since (a hand-out is counted
 * in out_pages_total; a pass ending, a release, a new configuration end
 * the rest where they happen), and the clock has not reached the end of
 * a window that holds pages not yet counted (lbi_acceptor_rest). Windows
 * that close meanwhile are empty: the next step closes them in closed
 * form (lbi_demand_replay), up to the last look that said so. */
bool lbi_acceptor_resting(struct lb_zone *z, uint64_t now_ns)
{
	struct lb_demand *d = &z->demand;

	if (!d->rest_on || now_ns >= d->rest_until || z->out_pages_total != d->rest_out)
		return false;
	if (now_ns > d->rest_seen) /* nothing handed out by now: lbi_demand_replay */
		d->rest_seen = now_ns;
	return true;
}

/* A step at now_ns found free memory (have, as it counts it) at the
 * reserve: rest until something happens, or until the first window close
 * that holds pages handed out before it, which a skipped step would have
 * counted. Between those the estimate only decays, and have only grows
 * while nothing is handed out or released, so a step skipped would find
 * no work and change nothing that the next step cannot do in closed form
 * (lbi_demand_replay, scale_rested). */
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

	if (!cost || !pages || (w > 0 && lbi_demand_order(z) == w))
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
			park(z, lbi_demand_estimate(z, d));
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
		lbi_demand_replay(z, &w, c, true);
		if (adapt(z, LB_ADAPT_SCALE))
			park(z, lbi_demand_estimate(z, &w));
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
		lbi_demand_replay(z, &z->demand, now_ns, false);
		z->demand.rested = false;
	}
}
