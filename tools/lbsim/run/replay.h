/* SPDX-License-Identifier: MIT */
/*
 * Replaying a kernel trace through lazybuddy on a simulated multi-vCPU guest.
 *
 * Boot: the zone is set up (firmware has accepted the first pre_accepted
 * bytes; eager accepts the rest here, shared by the vCPUs), then the
 * kernel's boot allocations run back to back, kept allocated, not
 * measured: the boot workload (workload.h), before watermarks on vCPU 0,
 * then on every vCPU. Then the trace runs (drive.h runs both).
 *
 * Each trace CPU is a vCPU. Its events keep their order; an event at trace
 * time ts happens at boot end + ts - first ts, or later if its vCPU is
 * still busy, and the zone sees the events of all vCPUs in virtual-time
 * order, not in the trace's: a vCPU delayed by acceptance runs late, and
 * the others are not handed what it frees (or accepts) in their future. A
 * free waits for its block's allocation on another vCPU if that runs late.
 * Each vCPU's CPU is busy before each event for the time its CPU was out
 * of the idle task since its previous one (a trace that recorded
 * sched_switch: tracebuf.h), else for --load's share of the gap; an IDLE
 * event ends a busy stretch and changes nothing else (cpus.h).
 * Each ALLOC becomes lb_alloc() of its order (lazybuddy picks the address)
 * with Linux's semantics: allocations that may sleep accept and wait for
 * memory in flight; those that may not (GFP_ATOMIC, GFP_NOWAIT) accept but
 * do not wait (LB_ALLOC_ATOMIC); those that may not even take a lock
 * (__GFP_TRYLOCK, where the trace's gfp names show it) do neither
 * (LB_ALLOC_NOWAIT). Kernels whose gfp names cannot tell a trylock
 * allocation from an atomic one replay it as atomic. Each FREE frees the
 * block its allocation got; frees of blocks whose allocation failed here
 * change nothing but time.
 *
 * Policies background and adaptive also run the library's acceptor and
 * releaser as simulated threads, until tail_ns after the last event.
 */
#ifndef LBS_REPLAY_H
#define LBS_REPLAY_H

#include "sim.h"
#include "timed.h"
#include "tracebuf.h"

struct lbs_replay_config {
	struct lbs_sim_config sim;   /* guest, unit, backend, seed, lock, acceptor */
	int boot;                    /* make the boot allocations first */
	uint64_t acceptor_period_ns; /* between the acceptor's passes */
	uint64_t releaser_period_ns; /* between the releaser's passes */
	uint64_t tail_ns;            /* background threads run on this long */
	int keep_extra;              /* fill result->extra for the report */
};

/* lbs_sim_defaults(), boot on, acceptor every 1 ms, releaser every
 * 100 ms, 3 s tail. */
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
