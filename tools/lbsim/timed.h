/* SPDX-License-Identifier: MIT */
/*
 * The timed backend: the model backend's costs, charged to whoever calls.
 *
 * lbsim runs on one thread, but what it simulates runs in parallel: each
 * vCPU, the background acceptor and the releaser is an *actor* with its own
 * virtual clock. Before calling into the zone, the simulator says which
 * actor is calling (lbs_timed_set_actor); the backend then charges the cost
 * of each accept or release to that actor's clock and records, per
 * granule (the acceptance unit; 4 KiB for the exact policy), the virtual
 * time at which its acceptance completes. When the zone hands a block to a
 * vCPU, lbs_timed_handout() makes the vCPU wait until every granule of the
 * block is ready, so a vCPU that takes memory another actor is still
 * accepting waits for the rest of that acceptance.
 *
 * An accept or release starts at the actor's clock, or later: not before
 * the granules it covers are ready (a release still running), and with the
 * global lock (LBS_LOCK_GLOBAL, the original Linux behaviour) not before
 * the previous accept or release anywhere has ended. Different granules
 * otherwise accept in parallel on different actors.
 *
 * Calls made while recording is off (zone set-up) cost clock time but leave
 * no ready times: set-up ends before any vCPU runs.
 *
 * The acceptor's calls are in flight for a while, as in the threaded
 * allocator: once such a call is placed, the backend calls the simulator's
 * in-flight hook with the time the call ends, before returning to the
 * library, so that what the vCPUs do meanwhile happens while the batch is
 * off the lists (the zone lock is dropped across backend calls).
 */
#ifndef LBS_TIMED_H
#define LBS_TIMED_H

#include <stdint.h>

#include "lazybuddy.h"
#include "lazybuddy_backends.h"
#include "series.h"

enum lbs_lock { LBS_LOCK_UNIT, LBS_LOCK_GLOBAL };

/* Actors: vCPUs 0..nvcpus-1, then these two. */
#define LBS_ACTOR_ACCEPTOR(nvcpus) (nvcpus)
#define LBS_ACTOR_RELEASER(nvcpus) ((nvcpus) + 1u)

struct lbs_timed {
	struct lb_model_backend model; /* the costs ("free" preset for null) */
	struct lb_backend inner;
	unsigned nvcpus, nactors, actor;
	uint64_t *clock;      /* per actor, virtual ns */
	uint64_t *busy;       /* per actor: ns spent in accept and release */
	uint64_t *wait;       /* per actor: ns waited (lock, in-flight granules) */
	uint64_t *ready;      /* per granule: virtual time its last call ends */
	uint64_t ngran, ready_bytes;
	unsigned gran_shift;  /* log2 of the granule in bytes */
	enum lbs_lock lock;
	uint64_t lock_free;   /* LBS_LOCK_GLOBAL: when the lock is next free */
	int recording;
	uint64_t accept_calls, accepted_bytes, release_calls, released_bytes;
	struct lbs_series *series; /* may be NULL */
	/* Run the world up to end while the acceptor's call is in flight. */
	void (*in_flight)(void *ctx, uint64_t end);
	void *in_flight_ctx;
};

/*
 * Set up for a guest of span_bytes with the given granule (a power of two,
 * at least 4 KiB) and nvcpus vCPUs; costs from params (NULL: free). Fills
 * *out with the backend to give the zone. Recording starts off. 0, or
 * LB_ENOMEM / LB_EINVAL.
 */
int lbs_timed_init(struct lbs_timed *t, const struct lb_model_params *params,
		   uint64_t span_bytes, uint64_t granule, unsigned nvcpus, enum lbs_lock lock,
		   struct lb_backend *out);
void lbs_timed_fini(struct lbs_timed *t);

static inline void lbs_timed_set_actor(struct lbs_timed *t, unsigned actor)
{
	t->actor = actor;
}

/* Start (or go on) recording ready times; every clock moves to t0 at least. */
void lbs_timed_start(struct lbs_timed *t, uint64_t t0);

/* Zero every actor's busy and wait time (the trace starts: boot is over). */
void lbs_timed_reset_times(struct lbs_timed *t);

/* The latest ready time of the granules of [addr, addr + size). */
uint64_t lbs_timed_ready(const struct lbs_timed *t, uint64_t addr, uint64_t size);

/*
 * The zone handed [addr, addr + size) to vCPU v: wait until it is ready.
 * Returns the ns waited (0 when all of it was ready), also added to
 * wait[v] and to the series.
 */
uint64_t lbs_timed_handout(struct lbs_timed *t, unsigned v, uint64_t addr, uint64_t size);

#endif
