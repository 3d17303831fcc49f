/* SPDX-License-Identifier: MIT */
/*
 * The releaser's keep: what it leaves accepted (lbi_demand_keep), from
 * what each of its passes sees of demand (lbi_demand_use_pass). The
 * reserve for every policy; for adaptive, everything unless the zone was
 * quiet (use, counted at its highest at every hand-out, did not grow,
 * nothing was accepted) long enough since its last pass, and then the way
 * back to use's held peak plus the reserve: it gives back only an eighth
 * of use, or what a phase that ended left behind. Releasing memory that
 * demand takes again soon only makes the host work twice.
 */
#include "demand.h"

#define QUIET_MAX 64 /* releaser passes: two minutes at the default delay */
#define PHASE_DROP_DIV 8 /* use an eighth below its peak: a phase ended */

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
