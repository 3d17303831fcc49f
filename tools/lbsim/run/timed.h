/* SPDX-License-Identifier: MIT */
/*
 * The timed backend: the model backend's costs, paid in virtual time by
 * whoever calls.
 *
 * lbsim runs on one thread, but what it simulates runs in parallel: each
 * vCPU, each acceptor thread and the releaser is an actor of the scheduler
 * (sched.h). A backend call takes the model's cost from the actor's
 * present time, and the actor sleeps until the call ends: the block stays
 * in flight meanwhile (the library marked it so and dropped the zone lock),
 * and other actors run. So nobody can be handed memory before its
 * acceptance ends, and a vCPU waits only when the library tells it that
 * nothing but memory in flight could serve it (LB_EBUSY): it then sleeps
 * until the first call in flight ends (lbs_timed_wait_in_flight) and asks
 * again.
 *
 * Two things can make a call start late or last longer:
 *   - the global accept lock (LBS_LOCK_GLOBAL, the first Linux code): an
 *     accept starts when the previous one anywhere has ended; the time
 *     before is the actor's wait;
 *   - the host's pace (lbs_host_pace, docs/model.md): while k accepts
 *     are in flight each progresses at a share of full speed, set by the
 *     host's capacity (shared beyond H accepts at once) or its contention
 *     (each further accept slows every other a little). When an accept
 *     starts or ends, the others' ends move and their actors' wake-ups
 *     with them: k accepts started together end together, whatever their
 *     actor numbers. So the host's throughput never falls as more calls
 *     overlap.
 * Releases take neither the lock nor a share of the host's capacity.
 *
 * A waiter (lbs_timed_wait_in_flight) wakes when the first call in flight
 * ends, or earlier when lbs_timed_wake_waiters() says memory came back.
 *
 * Before the scheduler runs (zone set-up), calls cost time on the boot
 * CPU's set-up clock (setup_ns) and nobody else exists yet.
 */
#ifndef LBS_TIMED_H
#define LBS_TIMED_H

#include <stdint.h>

#include "lazybuddy.h"
#include "lazybuddy_backends.h"
#include "sched.h"
#include "../model/model.h"
#include "../results/series.h"

enum lbs_lock { LBS_LOCK_UNIT, LBS_LOCK_GLOBAL };

struct lbs_flight {
	unsigned actor;
	uint8_t accept;            /* else a release */
	uint64_t work;             /* accepts: work left, 1/100 ns at full speed */
	uint64_t end;              /* when it ends at the present pace */
};

struct lbs_timed {
	struct lb_model_backend model; /* the costs ("free" preset for null) */
	struct lbs_model host;     /* its capacity and contention (lbs_host_pace);
				      zero: none */
	struct lb_backend inner;
	struct lbs_sched *sched;   /* NULL until the scheduler runs */
	unsigned nvcpus, nactors;
	uint64_t *busy;            /* per actor: ns spent in accept and release */
	uint64_t *wait;            /* per actor: ns waited (lock, memory in flight) */
	struct lbs_flight *flight; /* the calls in flight (nflight of them) */
	unsigned nflight;
	uint64_t paced_at;         /* their work is accounted up to this time */
	unsigned *waiting;         /* actors waiting for memory in flight */
	unsigned nwaiting;
	enum lbs_lock lock;
	uint64_t lock_free;        /* LBS_LOCK_GLOBAL: when the lock is next free */
	uint64_t setup_ns;         /* cost of calls made before the scheduler ran */
	uint64_t max_call_ns;      /* the longest call, from its start (after any
				      lock wait) to its end, the host's sharing included */
	uint64_t accept_calls, accepted_bytes, release_calls, released_bytes;
	uint64_t reaccepted_bytes; /* accepted after a release of the same pages */
	uint64_t *released;        /* a bit per page released and not accepted since */
	uint64_t released_words;   /* of *released */
	struct lbs_series *series; /* may be NULL */
};

/*
 * Set up with m's costs and host (NULL: free, no limit) for nactors
 * actors, the first nvcpus of them vCPUs. Fills *out with the backend to
 * give the zone.
 * 0, or LB_ENOMEM / LB_EINVAL.
 */
int lbs_timed_init(struct lbs_timed *t, const struct lbs_model *m,
		   unsigned nvcpus, unsigned nactors, enum lbs_lock lock,
		   struct lb_backend *out);
void lbs_timed_fini(struct lbs_timed *t);

/* From now on calls sleep on s's clock. */
void lbs_timed_attach(struct lbs_timed *t, struct lbs_sched *s);

/* Zero every actor's busy and wait time (the measured run starts). */
void lbs_timed_reset_times(struct lbs_timed *t);

/*
 * The running actor found only memory in flight (LB_EBUSY): sleep until
 * the first call in flight ends (after its owner has resumed), counted as
 * its wait. 1, or 0 when nothing is in flight (waiting cannot help).
 */
int lbs_timed_wait_in_flight(struct lbs_timed *t);

/* Memory came back (a free): every waiter tries again now. */
void lbs_timed_wake_waiters(struct lbs_timed *t);

#endif
