/* SPDX-License-Identifier: MIT */
/*
 * The library's background acceptor and releaser as simulated threads:
 * each is an actor of the timed backend with its own clock and runs passes
 * (lb_acceptor_step / lb_releaser_step) as the library's threads do: the
 * acceptor back to back while a pass accepts something, else a period
 * after the last pass ended; the releaser a period after the last pass.
 * Only for the policies that have them (background, adaptive).
 *
 * A pass runs before the first operation (of a trace or a synthetic
 * workload) at or after its start, on the zone as the operations before it
 * left it. The acceptor's backend call then runs the operations until the
 * call ends (drive.c), its batch in flight off the lists, so it becomes
 * visible when its acceptance completes, as in the threaded allocator. The releaser needs no such care: its blocks
 * leave the accepted lists when its pass starts, and anyone accepting one
 * before its release ends waits for the release (timed.h).
 */
#ifndef LBS_REPLAY_BG_H
#define LBS_REPLAY_BG_H

#include <stdint.h>

#include "lazybuddy.h"
#include "timed.h"

struct lbs_bg {
	struct lb_zone *z;
	struct lbs_timed *t;
	int on;
	uint64_t acc_period, rel_period;
	uint64_t acc_next, rel_next; /* virtual time of the next pass */
	uint64_t acc_passes, rel_passes;
	int err;                     /* first error a pass returned */
};

/* Set up for policy p, first passes at start. 0, or an LB_E* code from
 * the library's configuration calls. */
int lbs_bg_init(struct lbs_bg *bg, struct lb_zone *z, struct lbs_timed *t, enum lb_policy p,
		uint64_t acc_period, uint64_t rel_period, uint64_t start);
/* Run every pass due at or before until, in time order. */
void lbs_bg_run_until(struct lbs_bg *bg, uint64_t until);
int lbs_bg_error(const struct lbs_bg *bg);
void lbs_bg_fini(struct lbs_bg *bg);

#endif
