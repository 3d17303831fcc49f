/* SPDX-License-Identifier: MIT */
/*
 * The driver both lbsim modes share: one zone on the timed backend
 * (timed.h), each vCPU on its own virtual clock, the library's acceptor and
 * releaser as simulated threads (replay_bg.h), and a source of operations
 * (source.h): a kernel trace or a synthetic workload.
 *
 * Operations run in the source's order. One of vCPU v meant for time w
 * after the phase starts happens at max(clock[v], start + w): a vCPU that
 * acceptance has delayed catches up when the source leaves it idle. An
 * allocation's latency is its vCPU clock's advance across lb_alloc(): its
 * own acceptance and any wait for memory another actor is still accepting.
 *
 * Background passes due before an operation's time run first, on the zone
 * as the operations before it left it. While the acceptor's backend call is
 * in flight (timed.h's hook), the operations that happen before it ends run
 * with its batch off the lists, as in the threaded allocator; one that
 * could only wait for that batch runs after the call, and waits for it.
 */
#ifndef LBS_DRIVE_H
#define LBS_DRIVE_H

#include <stddef.h>
#include <stdint.h>

#include "replay_bg.h"
#include "sim.h"
#include "source.h"
#include "timed.h"

struct lbs_drive_config {
	const struct lbs_sim_config *sim; /* guest, unit, backend, seed */
	unsigned nvcpus;
	enum lbs_lock lock;
	uint64_t acceptor_period_ns, releaser_period_ns;
	uint64_t tail_ns;                 /* background threads run on this long */
	int keep_extra;                   /* hand the series to the result */
};

struct lbs_drive {
	const struct lbs_drive_config *c;
	struct lbs_result *out;
	struct lbs_timed t;
	struct lb_zone *z;
	void *meta;
	size_t meta_size;
	struct lbs_extra *x;      /* series and latencies, kept or freed */
	struct lbs_bg bg;
	uint64_t live_pages;      /* pages the sources hold now */
	uint64_t api_errors;
	int first_api_error;
	int counting;             /* 0 in the prelude: its operations are not measured */
	/* Where the run is: advance() is re-entered from the acceptor's backend
	 * call, so its state lives here. */
	struct lbs_source *src;
	uint64_t t1, hi;          /* the phase's start; the latest time reached */
	uint64_t cap;             /* nothing at or after this runs now */
	unsigned depth;           /* acceptor calls in flight around us */
};

/*
 * Set up the zone for policy p (set-up runs on vCPU 0; eager accepts
 * everything here) and fill out's description of the run. 0, or a negative
 * LB_E* code; call lbs_drive_fini() in either case.
 */
int lbs_drive_init(struct lbs_drive *d, const struct lbs_drive_config *c, enum lb_policy p,
		   struct lbs_result *out);

uint64_t lbs_drive_managed_pages(const struct lbs_drive *d);

/* Run src before the measured phase and without background threads (a
 * trace replay's boot allocations): it costs time, it is not counted. */
void lbs_drive_prelude(struct lbs_drive *d, struct lbs_source *src);

/* The measured phase: from the latest clock on, background threads on for
 * the policies that have them, until tail_ns after the last operation;
 * then check the zone and fill out. */
void lbs_drive_run(struct lbs_drive *d, struct lbs_source *src);

/* Free everything; the series go to out->extra if keep_extra. */
void lbs_drive_fini(struct lbs_drive *d);

#endif
