/* SPDX-License-Identifier: MIT */
#include "cpus.h"

#include <stdlib.h>
#include <string.h>

#include "lazybuddy.h"

enum {
	ST_NONE, /* no next operation: the CPU is idle */
	ST_WAIT, /* idle until cs, busy from cs to ready, then the operation */
	ST_OP,   /* in an operation */
};

int lbs_cpus_init(struct lbs_cpus *c, struct lbs_sched *s, unsigned ncpus, unsigned nstreams,
		  unsigned nactors)
{
	memset(c, 0, sizeof *c);
	if (!nstreams || ncpus < nstreams || nactors < nstreams)
		return LB_EINVAL;
	c->sched = s;
	c->ncpus = ncpus;
	c->nstreams = nstreams;
	c->nactors = nactors;
	c->cpu = calloc(ncpus, sizeof *c->cpu);
	c->st = calloc(nstreams, sizeof *c->st);
	c->prev = malloc(nactors * sizeof *c->prev);
	c->waiting = malloc(nactors * sizeof *c->waiting);
	c->idle_class = calloc(nactors, 1);
	if (!c->cpu || !c->st || !c->prev || !c->waiting || !c->idle_class) {
		lbs_cpus_fini(c);
		return LB_ENOMEM;
	}
	for (unsigned u = 0; u < ncpus; u++)
		c->cpu[u].holder = LBS_CPU_NONE;
	for (unsigned a = 0; a < nactors; a++)
		c->prev[a] = LBS_CPU_NONE;
	return 0;
}

void lbs_cpus_fini(struct lbs_cpus *c)
{
	free(c->cpu);
	free(c->st);
	free(c->prev);
	free(c->waiting);
	free(c->idle_class);
	memset(c, 0, sizeof *c);
}

void lbs_cpus_idle_class(struct lbs_cpus *c, unsigned a)
{
	if (a >= c->nstreams && a < c->nactors)
		c->idle_class[a] = 1;
}

void lbs_cpus_reset(struct lbs_cpus *c)
{
	c->stolen_ns = c->held_ns = c->preemptions = 0;
}

static void wake_waiters(struct lbs_cpus *c);

/* When the operation starts if its busy time runs from `from`. Between
 * its end and not_before the stream counts as busy (an approximation: it
 * only waits, and a call that preempts it then delays nothing). */
static uint64_t ready_at(const struct lbs_stream *st, uint64_t from)
{
	uint64_t r = from + st->busy < from ? LBS_NEVER - 1u : from + st->busy;

	return r > st->not_before ? r : st->not_before;
}


void lbs_cpus_schedule(struct lbs_cpus *c, unsigned v, uint64_t free_at, uint64_t when,
		       uint64_t busy, uint64_t not_before)
{
	struct lbs_stream *st = &c->st[v];
	uint64_t from = when > busy ? when - busy : 0;

	st->state = ST_WAIT;
	st->cs = from > free_at ? from : free_at;
	st->busy = busy;
	st->not_before = not_before;
	st->ready = ready_at(st, st->cs);
	if (c->cpu[v].holder != LBS_CPU_NONE)
		st->deferred = 1; /* lbs_cpus_give() sets the event */
	else
		lbs_sched_set(c->sched, v, st->ready);
	wake_waiters(c); /* its operation ended: the CPU may be free */
}

void lbs_cpus_idle(struct lbs_cpus *c, unsigned v)
{
	c->st[v].state = ST_NONE;
	wake_waiters(c);
}

void lbs_cpus_begin(struct lbs_cpus *c, unsigned v)
{
	c->st[v].state = ST_OP;
}

/* The CPU the rule (cpus.h) gives actor a at time t, or LBS_CPU_NONE. */
static uint32_t pick(const struct lbs_cpus *c, unsigned a, uint64_t t)
{
	uint32_t best = LBS_CPU_NONE, prev = c->prev[a];
	uint64_t latest = 0;

	for (unsigned u = c->nstreams; u < c->ncpus; u++)
		if (c->cpu[u].holder == LBS_CPU_NONE && (best == LBS_CPU_NONE || u == prev))
			best = u;
	if (best != LBS_CPU_NONE)
		return best;
	for (unsigned u = 0; u < c->nstreams; u++) {
		const struct lbs_stream *st = &c->st[u];
		uint64_t needs = st->state == ST_NONE ? LBS_NEVER : st->cs;

		if (c->cpu[u].holder != LBS_CPU_NONE || st->state == ST_OP || needs <= t)
			continue;
		if (best == LBS_CPU_NONE || needs > latest) {
			best = u;
			latest = needs;
		}
	}
	if (best != LBS_CPU_NONE || c->idle_class[a])
		return best;
	for (unsigned u = 0; u < c->nstreams; u++) {
		const struct lbs_stream *st = &c->st[u];

		/* busy from cs, its operation due at ready: a stream running
		 * operations back to back (ready == t) can be preempted too */
		if (c->cpu[u].holder == LBS_CPU_NONE && st->state == ST_WAIT && st->cs <= t &&
		    t <= st->ready && c->cpu[u].owed_until <= t &&
		    (best == LBS_CPU_NONE || u == prev))
			best = u;
	}
	return best;
}

/* When a stream CPU that is owed time may next be preempted; LBS_NEVER if
 * none is owed (then only a call's or an operation's end frees a CPU). */
static uint64_t next_owed(const struct lbs_cpus *c, uint64_t t)
{
	uint64_t first = LBS_NEVER;

	for (unsigned u = 0; u < c->nstreams; u++)
		if (c->cpu[u].holder == LBS_CPU_NONE && c->cpu[u].owed_until > t &&
		    c->cpu[u].owed_until < first)
			first = c->cpu[u].owed_until;
	return first;
}

/* A CPU may have become free. If one can be taken now, the actor that has
 * waited longest for one, and is not already woken for another, looks
 * again (a CPU freed serves one: waking them all made a vCPU running back
 * to back wake every waiting thread at every operation); if none can, the
 * waiters sleep no later than the next owed time runs out (a give may
 * have set an earlier one than they slept for). */
static void wake_waiters(struct lbs_cpus *c)
{
	uint64_t now = lbs_sched_now(c->sched), owed;

	if (!c->nwaiting)
		return;
	for (unsigned i = 0; i < c->nwaiting; i++) {
		if (pick(c, c->waiting[i], now) == LBS_CPU_NONE)
			continue; /* an idle-class actor, where only preempting would do */
		for (; i < c->nwaiting; i++) {
			unsigned a = c->waiting[i];

			if (c->sched->when[a] != now && pick(c, a, now) != LBS_CPU_NONE) {
				lbs_sched_resleep(c->sched, a, now);
				return;
			}
		}
		return;
	}
	owed = next_owed(c, now);
	for (unsigned i = 0; i < c->nwaiting; i++)
		if (owed < c->sched->when[c->waiting[i]])
			lbs_sched_resleep(c->sched, c->waiting[i], owed);
}

/* In the order they began to wait. */
static void waiting_del(struct lbs_cpus *c, unsigned a)
{
	for (unsigned i = 0; i < c->nwaiting; i++) {
		if (c->waiting[i] == a) {
			memmove(&c->waiting[i], &c->waiting[i + 1],
				(c->nwaiting - i - 1) * sizeof c->waiting[0]);
			c->nwaiting--;
			return;
		}
	}
}

void lbs_cpus_take(struct lbs_cpus *c)
{
	unsigned a = lbs_sched_actor(c->sched);
	uint64_t t = lbs_sched_now(c->sched);
	uint32_t u;

	while ((u = pick(c, a, t)) == LBS_CPU_NONE) {
		c->waiting[c->nwaiting++] = a;
		lbs_sched_sleep(c->sched, next_owed(c, t), LBS_SLEEP_WAIT);
		waiting_del(c, a);
		t = lbs_sched_now(c->sched);
	}
	c->cpu[u].holder = a;
	c->cpu[u].since = t;
	c->cpu[u].preempting = u < c->nstreams && c->st[u].state == ST_WAIT && c->st[u].cs <= t;
	c->prev[a] = u;
	if (u < c->nstreams && c->st[u].state == ST_WAIT) {
		/* Its operation waits for the call: lbs_cpus_give() sets it. */
		lbs_sched_set(c->sched, u, LBS_NEVER);
		c->st[u].deferred = 1;
	}
}

void lbs_cpus_give(struct lbs_cpus *c)
{
	unsigned a = lbs_sched_actor(c->sched);
	uint64_t e = lbs_sched_now(c->sched), ready;
	uint32_t u = c->prev[a];
	struct lbs_cpu *cpu;
	struct lbs_stream *st;

	if (u == LBS_CPU_NONE || c->cpu[u].holder != a)
		abort(); /* lbsim's own bug: give without take */
	cpu = &c->cpu[u];
	cpu->holder = LBS_CPU_NONE;
	c->held_ns += e - cpu->since;
	if (u < c->nstreams && c->st[u].deferred) {
		int preempted;

		st = &c->st[u];
		st->deferred = 0;
		preempted = st->cs <= cpu->since;
		if (preempted) {
			/* preempted while busy: the rest of its work after the call */
			uint64_t done = cpu->since - st->cs;

			st->busy = st->busy > done ? st->busy - done : 0;
			st->cs = e;
		} else if (st->cs < e) {
			st->cs = e; /* it needed its CPU during the call */
		}
		ready = ready_at(st, st->cs);
		if (ready > st->ready) {
			c->stolen_ns += ready - st->ready;
			c->preemptions += cpu->preempting;
			cpu->owed_until = e + (ready - st->ready);
		}
		st->ready = ready;
		lbs_sched_set(c->sched, u, ready);
	}
	wake_waiters(c);
}
