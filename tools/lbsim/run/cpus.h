/* SPDX-License-Identifier: MIT */
/*
 * The guest's CPUs: background threads run on the CPUs the guest has.
 *
 * A guest has ncpus CPUs. Stream v (a trace CPU's events, a workload's
 * stream) runs on CPU v; CPUs from nstreams up have no stream. A stream's
 * CPU is busy while the stream runs an operation (an allocation with its
 * accepts and waits: a vCPU waiting for memory in flight keeps its CPU)
 * and for the busy time the stream needs before each operation (the
 * workload's --load share of the gap since its previous one, or a trace's
 * recorded time out of the idle task), placed right before the operation;
 * it is idle otherwise. So a stream that fell behind catches up only at
 * the rate its idle share allows.
 *
 * A background thread (an acceptor thread, the releaser) has no CPU of its
 * own: each pass takes one (lbs_cpus_take) before it looks at the zone and
 * holds it to the pass's end, its accept or release calls included, since
 * those (TDG.MEM.PAGE.ACCEPT, PVALIDATE) cannot be preempted; a pass with
 * nothing to do holds it for no time. The rule, in order:
 *   1. an idle CPU without a stream (its previous CPU if that is one);
 *   2. an idle stream CPU: the one whose stream needs it latest (a stand-in
 *      for the scheduler moving a woken task to another idle CPU);
 *   3. no CPU idle: it preempts a stream between operations, as Linux's
 *      wake-up preemption lets a woken kernel thread that has slept run
 *      ahead of a task that has used its slice (EEVDF; kernel/sched/fair.c):
 *      its previous CPU if that can be preempted, else the lowest-numbered
 *      one; a stream that was preempted is owed as much CPU time as it lost
 *      before it may be preempted again (fair shares: both at nice 0);
 *   4. none of these: it waits for a CPU (for a stream's operation or a
 *      call to end, or owed time to run out).
 * An actor of the idle class (adaptive's threads on a guest of one CPU:
 * SCHED_IDLE, which Linux runs only where no other task wants the CPU)
 * skips rule 3: it never
 * preempts a stream, and waits for an idle CPU instead.
 * A stream that needs its CPU while a call holds it waits for the call's
 * end: its operations move later by what it lost. That is the stream's
 * stolen time, and it shows in its operations' lag.
 */
#ifndef LBS_CPUS_H
#define LBS_CPUS_H

#include <stdint.h>

#include "sched.h"

#define LBS_CPU_NONE UINT32_MAX

struct lbs_cpu {
	uint32_t holder;      /* the background actor holding it, or LBS_CPU_NONE */
	uint64_t since;       /* when it took it */
	uint64_t owed_until;  /* its stream may not be preempted before then */
	uint8_t preempting;   /* taken from its stream while it was busy */
};

struct lbs_stream {
	uint8_t state;        /* ST_*: cpus.c */
	uint8_t deferred;     /* its next operation waits for a call to end */
	uint64_t cs;          /* its busy time before the next operation starts */
	uint64_t busy;        /* that busy time */
	uint64_t not_before;  /* what the operation waited for happened then */
	uint64_t ready;       /* the operation starts: max(cs + busy, not_before),
				 unless a call delays it */
};

struct lbs_cpus {
	struct lbs_sched *sched;
	unsigned ncpus, nstreams, nactors; /* actors: streams first */
	struct lbs_cpu *cpu;
	struct lbs_stream *st;
	uint32_t *prev;       /* per actor: the CPU it last took, or LBS_CPU_NONE */
	uint32_t *waiting;    /* background actors waiting for a CPU */
	uint8_t *idle_class;  /* per actor: never preempts a stream */
	unsigned nwaiting;
	uint64_t stolen_ns;   /* stream time lost to background calls */
	uint64_t held_ns;     /* CPU time background actors held */
	uint64_t preemptions; /* passes that preempted a busy stream and delayed it */
};

/* ncpus >= nstreams >= 1; actors 0..nstreams-1 are the streams. 0, or
 * LB_EINVAL / LB_ENOMEM. Every stream starts with no operation. */
int lbs_cpus_init(struct lbs_cpus *c, struct lbs_sched *s, unsigned ncpus, unsigned nstreams,
		  unsigned nactors);
void lbs_cpus_fini(struct lbs_cpus *c);

/* Actor a (a background one) runs only on idle CPUs from now on. */
void lbs_cpus_idle_class(struct lbs_cpus *c, unsigned a);

/* Zero the counters (the measured run starts). */
void lbs_cpus_reset(struct lbs_cpus *c);

/* Stream v's next operation is meant for `when` (absolute virtual time)
 * and needs `busy` ns of CPU first, from free_at (its last operation's
 * end) on, and cannot start before not_before (another vCPU's operation
 * it waited for): set its event in the scheduler, or, while a call holds
 * its CPU, when the call ends. */
void lbs_cpus_schedule(struct lbs_cpus *c, unsigned v, uint64_t free_at, uint64_t when,
		       uint64_t busy, uint64_t not_before);

/* Stream v has no next operation for now (it waits for another, or is
 * done): its CPU is idle. */
void lbs_cpus_idle(struct lbs_cpus *c, unsigned v);

/* Stream v's operation starts (its event runs). */
void lbs_cpus_begin(struct lbs_cpus *c, unsigned v);

/* The running background actor takes a CPU now, sleeping until one is
 * free, and gives it back (a hold of no time changes nothing). */
void lbs_cpus_take(struct lbs_cpus *c);
void lbs_cpus_give(struct lbs_cpus *c);

#endif
