/* SPDX-License-Identifier: MIT */
/*
 * The driver every lbsim run uses: one zone on the timed backend (timed.h),
 * the guest's threads as actors of the discrete-event scheduler (sched.h)
 * -- each vCPU, each acceptor thread and the releaser -- and, per phase, a
 * source of operations for the vCPUs (source.h): eager's set-up, a trace's
 * boot allocations, the trace itself or a synthetic workload.
 *
 * A phase starts when every actor of the one before has finished. Each
 * vCPU runs its operations in their order, one meant for time w at
 * max(w, when the vCPU is free); across vCPUs and the background threads
 * the zone sees them in virtual-time order. An allocation's latency is its
 * vCPU's time across lb_alloc(): its own acceptance, and waits for memory
 * in flight elsewhere (the library answers LB_EBUSY rather than spin, and
 * the vCPU sleeps until the first call in flight ends) or for the global
 * accept lock. Its lag is how late it completes against its time w.
 *
 * In the measured phase, policies background and adaptive also run the
 * library's acceptor (on nacceptors threads) and releaser as actors: the
 * acceptor makes passes back to back while it finds work, else one a
 * period after the last; the releaser one a period. They stop tail_ns
 * after the vCPUs' last operation. A step the library says would change
 * nothing (lb_acceptor_resting, lb_releaser_resting) takes no CPU and
 * leaves no trace, and is not even run: the actor sleeps until the first
 * step on its grid that could find work, the end of the rest the library
 * names or the first after memory was handed out, released or accepted.
 * So a run costs what happens in it, not the virtual time it spans.
 *
 * Everything runs on the guest's CPUs (cpus.h): vCPU v's stream on CPU v,
 * busy before each operation for its busy time; each call a background
 * thread makes takes a CPU, an idle one when there is one, else time from
 * a stream, which its operations' lag shows.
 */
#ifndef LBS_DRIVE_H
#define LBS_DRIVE_H

#include <stddef.h>
#include <stdint.h>

#include "cpus.h"
#include "../results/hist.h"
#include "sched.h"
#include "guest.h"
#include "source.h"
#include "timed.h"

struct lbs_drive_config {
	const struct lbs_sim_config *sim; /* guest, unit, backend, seed, acceptor knobs */
	unsigned nvcpus;
	uint64_t acceptor_period_ns, releaser_period_ns;
	uint64_t tail_ns;                 /* background threads run on this long */
	int keep_extra;                   /* hand the series to the result */
	int whole_boot;                   /* the run includes the guest's boot: its
					     time that is not acceptance first */
};

struct lbs_drive {
	const struct lbs_drive_config *c;
	struct lbs_result *out;
	struct lbs_timed t;
	struct lbs_sched sched;
	struct lbs_cpus cpus;
	struct lb_zone *z;
	void *meta;
	size_t meta_size;
	struct lbs_extra *x;      /* series and latencies, kept or freed */
	struct lbs_hist lag;
	struct lb_watermarks wmarks; /* the zone's own, for LBS_OP_WMARKS */
	unsigned nvcpus, nacc, nactors; /* vCPUs, then acceptors, then the releaser */
	unsigned ncpus;           /* the guest's CPUs, nvcpus or more */
	uint64_t *free_at;        /* per actor: when its last event ended */
	uint64_t *woken_at;       /* per vCPU: when what blocked its next operation
				     happened (0: it was not blocked) */
	uint8_t *blocked;         /* per vCPU: its next operation waits for another's */
	struct lbs_source *src;   /* the phase's */
	uint64_t t1;              /* the phase's start */
	unsigned vcpus_left, nblocked;
	uint64_t last_end;        /* when the latest vCPU operation ended */
	int measuring;            /* the measured phase: results are counted */
	int bg;                   /* acceptor and releaser run in this phase */
	uint64_t bg_deadline;     /* they stop after this (LBS_NEVER while vCPUs run) */
	uint64_t setup_chunk;     /* eager's set-up: bytes per share */
	uint64_t live_pages, peak_live_pages; /* what the sources hold */
	uint64_t reserve_pages;   /* the acceptor's target, as last recorded */
	uint64_t reserve_at;      /* when it was last looked at */
	/* Background actors at rest (their steps would change nothing, the
	 * library says): asleep until a step on their period's grid from
	 * rest_base can find work. LBSIM_POLL=1 (polling) steps every period
	 * instead, with the same results: a check of this file's. */
	uint8_t *resting;
	uint64_t *rest_base;
	uint64_t looked;          /* the last look told to the library */
	unsigned nresting;
	int polling;
	uint64_t bg_steps;        /* background steps run (the cost of idle time) */
	uint64_t api_errors;
	int first_api_error;
};

/*
 * Set up the zone for policy p and fill out's description of the run.
 * Zone set-up runs on vCPU 0; eager's acceptance is then shared by all
 * vCPUs (lb_zone_setup_accept), as firmware accepts on every CPU. 0, or a
 * negative LB_E* code; call lbs_drive_fini() in either case.
 */
int lbs_drive_init(struct lbs_drive *d, const struct lbs_drive_config *c, enum lb_policy p,
		   struct lbs_result *out);

uint64_t lbs_drive_managed_pages(const struct lbs_drive *d);

/* Run src before the measured phase, without background threads (a trace
 * replay's boot allocations): it costs time, it is not counted. */
void lbs_drive_prelude(struct lbs_drive *d, struct lbs_source *src);

/* The measured phase, then check the zone and fill out. */
void lbs_drive_run(struct lbs_drive *d, struct lbs_source *src);

/* Free everything; the series go to out->extra if keep_extra. */
void lbs_drive_fini(struct lbs_drive *d);

#endif
