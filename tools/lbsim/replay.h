/* SPDX-License-Identifier: MIT */
/*
 * Replaying a kernel trace through lazybuddy on a simulated multi-vCPU guest.
 *
 * Boot: the zone is set up (firmware has accepted the first pre_accepted
 * bytes; eager accepts the rest here), then vCPU 0 makes the kernel's boot
 * allocations (the boot workload back to back, kept allocated, not
 * measured), then the trace runs. The driver (drive.h) runs both, as it
 * runs the synthetic workloads.
 *
 * Each trace CPU is a vCPU with its own virtual clock. Events run in the
 * trace's order; an event of vCPU v at trace time ts happens at
 * max(clock[v], boot end + ts - first ts): a vCPU delayed by acceptance
 * catches up when the trace shows it idle. Each ALLOC becomes lb_alloc() of
 * its order (lazybuddy picks the address; allocations that may not sleep
 * use LB_ALLOC_NOWAIT and so never accept); each FREE frees the block its
 * allocation got, found by the allocation's id. Acceptance costs and waits
 * come from the timed backend (timed.h): an allocation's latency is the
 * vCPU clock's advance across it, its own acceptance, the lock and any wait
 * for memory another actor is still accepting included.
 *
 * Policies background and adaptive also run the library's acceptor and
 * releaser as simulated threads on their own clocks (replay_bg.h), until
 * tail_ns after the last event. The acceptor's backend call runs the events
 * that happen before it ends, its batch in flight and off the lists.
 * Frees of blocks whose allocation failed here change nothing but time.
 */
#ifndef LBS_REPLAY_H
#define LBS_REPLAY_H

#include "sim.h"
#include "timed.h"
#include "tracebuf.h"

struct lbs_replay_config {
	struct lbs_sim_config sim;   /* guest, unit, backend, seed */
	enum lbs_lock lock;          /* per-unit (parallel) or one global lock */
	int boot;                    /* make the boot allocations first */
	uint64_t acceptor_period_ns; /* between the acceptor's passes */
	uint64_t releaser_period_ns; /* between the releaser's passes */
	uint64_t tail_ns;            /* background threads run on this long */
	int keep_extra;              /* fill result->extra for the report */
};

/* 16 GiB guest, 4 GiB pre-accepted, unit lock, boot on, acceptor every
 * 1 ms, releaser every 100 ms, 3 s tail. */
void lbs_replay_defaults(struct lbs_replay_config *c);

/* Called every few thousand events with the events done in this run. */
typedef void (*lbs_progress_fn)(void *ctx, uint64_t done);

/*
 * Replay tb under policy p. Returns 0 with *out filled (broken invariants in
 * out->check), or a negative LB_E* code when the zone cannot be set up.
 */
int lbs_replay_run(const struct lbs_replay_config *c, const struct lbs_tracebuf *tb,
		   enum lb_policy p, struct lbs_result *out, lbs_progress_fn progress,
		   void *progress_ctx);

#endif
