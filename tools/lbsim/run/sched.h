/* SPDX-License-Identifier: MIT */
/*
 * lbsim's clockwork: a discrete-event scheduler of actors in virtual time.
 *
 * Each thread of the simulated guest (a vCPU, an acceptor thread, the
 * releaser) is an actor with at most one pending event at a virtual time.
 * The earliest event always runs next, so the zone sees every operation in
 * virtual-time order, whatever order a trace lists them in; ties go to an
 * actor resuming a backend call, then to one waiting for another's call;
 * then streams (the actors below `fair`: the vCPUs) due at once take
 * turns, the one whose event was set first running first, and other
 * actors go by their number, so a run is deterministic. Turns matter
 * because an operation served from the free lists takes no virtual time:
 * by number, vCPU 0 ran all its due operations, emptying what another
 * vCPU's accept had just published, before vCPU 1 ran one, so fill at
 * 32 vCPUs went 6 to 8 times as fast as one instead of 32.
 *
 * An event runs the real library. When the library calls the backend, the
 * call takes virtual time: the actor sleeps until the call ends
 * (lbs_sched_sleep), and the events that come before then run meanwhile,
 * with the zone lock dropped and the block in flight, as on real threads.
 * A sleeping actor keeps its own stack: the scheduler loop runs on a pool
 * of coroutines (coro.h); a sleeper's coroutine is parked with it, another
 * carries the loop on, and the sleeper is resumed exactly when its time
 * comes. A sleep that nothing precedes returns at once, without a switch.
 */
#ifndef LBS_SCHED_H
#define LBS_SCHED_H

#include <stdint.h>

#define LBS_NEVER UINT64_MAX

/* Why a sleeping actor sleeps; at equal times the lower class resumes first. */
enum lbs_sleep_class {
	LBS_SLEEP_CALL, /* in a backend call until it ends */
	LBS_SLEEP_WAIT, /* for another actor's call (after its owner resumes) */
};

/* Run actor's pending event. It may sleep; before it returns it sets the
 * actor's next event with lbs_sched_set() (or leaves it without one). */
typedef void (*lbs_event_fn)(void *ctx, unsigned actor);

struct lbs_worker;

struct lbs_sched {
	unsigned nactors, leaves;
	uint64_t *when;          /* per actor: its pending event or wake-up time */
	uint8_t *class;          /* per actor: 0, 1 asleep (lbs_sleep_class); 2 event */
	uint32_t *tree;          /* tournament tree of actors by (when, class, then
				    the order set for streams below fair, else actor) */
	uint64_t *seq;           /* per actor: when its event was set, in order */
	uint64_t next_seq;
	unsigned fair;           /* actors below it: equal events run in the order set */
	struct lbs_worker **parked; /* per actor: its coroutine while asleep */
	struct lbs_worker *idle; /* coroutines free to carry the loop */
	struct lbs_worker *all;  /* every coroutine, to free them */
	struct lbs_worker *running;
	struct lbs_coro *main;   /* lbs_sched_run()'s caller */
	lbs_event_fn fn;
	void *ctx;
	unsigned actor;          /* the actor running now */
	uint8_t cur_class;       /* what it runs as: an event (2) or resumed (0, 1) */
	uint64_t now;            /* its virtual time */
	/* Called, when set, as the running actor lets others run (it sleeps,
	 * or its event ends): what it changed can be seen from then on. */
	void (*yield)(void *ctx);
	/* Called, when set, as an actor begins to run at s->now (its event,
	 * or resumed), before it changes anything. */
	void (*begin)(void *ctx);
	uint64_t switches;       /* coroutine switches (for the curious) */
	int err;                 /* LB_ENOMEM when a coroutine could not be made */
};

/* 0, or LB_ENOMEM / LB_EINVAL. Every actor starts without an event. */
int lbs_sched_init(struct lbs_sched *s, unsigned nactors, lbs_event_fn fn, void *ctx);
void lbs_sched_fini(struct lbs_sched *s);

/* Give actor its next event at when (not before now: clamped), or none
 * (LBS_NEVER). Not for an actor that is asleep. */
void lbs_sched_set(struct lbs_sched *s, unsigned actor, uint64_t when);

/* Run events until none is left; 0, or LB_ENOMEM (the run went on, but a
 * sleep that needed a coroutine returned at once). */
int lbs_sched_run(struct lbs_sched *s);

/* From inside an event: the running actor is busy until `until` (>= now)
 * while the events before it run; returns when it is woken: at `until`,
 * or at the time lbs_sched_resleep() set meanwhile. */
void lbs_sched_sleep(struct lbs_sched *s, uint64_t until, enum lbs_sleep_class why);

/* Move a sleeping actor's wake-up to `until` (not before now), earlier or
 * later: a call that host contention slows down or speeds up, a waiter
 * that something else may serve at once. */
void lbs_sched_resleep(struct lbs_sched *s, unsigned actor, uint64_t until);

static inline uint64_t lbs_sched_now(const struct lbs_sched *s)
{
	return s->now;
}

static inline unsigned lbs_sched_actor(const struct lbs_sched *s)
{
	return s->actor;
}

/* Would an event of actor a at the present time come after what runs
 * now, in the order ties are broken (it would see what this changed)? */
static inline int lbs_sched_event_after(const struct lbs_sched *s, unsigned a)
{
	return s->cur_class != 2u || a > s->actor;
}

/* Is actor in the middle of an event, sleeping? */
static inline int lbs_sched_asleep(const struct lbs_sched *s, unsigned actor)
{
	return s->class[actor] < 2u;
}

#endif
