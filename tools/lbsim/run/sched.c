/* SPDX-License-Identifier: MIT */
#include "sched.h"

#include <stdlib.h>
#include <string.h>

#include "coro.h"
#include "lazybuddy.h"

#define CLASS_EVENT 2u
/* The loop, the library and lbsim's own frames need little; the sanitizers
 * more. Only the pages touched are ever backed. */
#define STACK_BYTES (UINT64_C(512) << 10)

struct lbs_worker {
	struct lbs_coro *coro;
	struct lbs_sched *s;
	struct lbs_worker *next_idle, *next_all;
};

/* Does actor a come before actor b? */
static int before(const struct lbs_sched *s, uint32_t a, uint32_t b)
{
	if (s->when[a] != s->when[b])
		return s->when[a] < s->when[b];
	if (s->class[a] != s->class[b])
		return s->class[a] < s->class[b];
	/* Streams (vCPUs) due at once take turns, first set first run: a
	 * stream's operations that take no virtual time would otherwise all
	 * run before a higher stream's first, as no concurrent CPUs do. */
	if (s->class[a] == CLASS_EVENT && a < s->fair && b < s->fair)
		return s->seq[a] < s->seq[b];
	return a < b;
}

static void update(struct lbs_sched *s, unsigned a)
{
	for (unsigned i = (s->leaves + a) / 2u; i; i /= 2u) {
		uint32_t l = s->tree[2u * i], r = s->tree[2u * i + 1u];
		s->tree[i] = before(s, l, r) ? l : r;
	}
}

static uint32_t first(const struct lbs_sched *s)
{
	return s->tree[1];
}

static void set_key(struct lbs_sched *s, unsigned a, uint64_t when, unsigned class)
{
	s->when[a] = when;
	s->class[a] = (uint8_t)class;
	update(s, a);
}

int lbs_sched_init(struct lbs_sched *s, unsigned nactors, lbs_event_fn fn, void *ctx)
{
	unsigned leaves = 1;

	memset(s, 0, sizeof *s);
	if (!nactors || nactors > 65536u || !fn)
		return LB_EINVAL;
	while (leaves < nactors)
		leaves *= 2u;
	s->nactors = nactors;
	s->leaves = leaves;
	s->fn = fn;
	s->ctx = ctx;
	/* Padding leaves are actors that never have an event. */
	s->when = malloc(leaves * sizeof *s->when);
	s->class = malloc(leaves * sizeof *s->class);
	s->tree = calloc(2u * leaves, sizeof *s->tree);
	s->parked = calloc(leaves, sizeof *s->parked);
	s->seq = calloc(leaves, sizeof *s->seq);
	if (!s->when || !s->class || !s->tree || !s->parked || !s->seq) {
		lbs_sched_fini(s);
		return LB_ENOMEM;
	}
	for (unsigned a = 0; a < leaves; a++) {
		s->when[a] = LBS_NEVER;
		s->class[a] = CLASS_EVENT;
		s->tree[leaves + a] = a;
	}
	for (unsigned a = 0; a < leaves; a++)
		update(s, a);
	return 0;
}

void lbs_sched_fini(struct lbs_sched *s)
{
	while (s->all) {
		struct lbs_worker *w = s->all;
		s->all = w->next_all;
		lbs_coro_free(w->coro);
		free(w);
	}
	lbs_coro_free(s->main);
	free(s->when);
	free(s->class);
	free(s->tree);
	free(s->parked);
	free(s->seq);
	memset(s, 0, sizeof *s);
}

void lbs_sched_set(struct lbs_sched *s, unsigned actor, uint64_t when)
{
	if (actor >= s->nactors || s->class[actor] != CLASS_EVENT)
		abort(); /* lbsim's own bug: never on a sleeping actor */
	if (when != LBS_NEVER && when < s->now)
		when = s->now; /* nothing happens in the past */
	s->seq[actor] = ++s->next_seq;
	set_key(s, actor, when, CLASS_EVENT);
}

static void switch_to(struct lbs_sched *s, struct lbs_worker *from, struct lbs_worker *to)
{
	s->running = to;
	s->switches++;
	lbs_coro_switch(from->coro, to->coro);
}

/*
 * The loop, on whichever worker carries it: run the earliest event, or
 * resume the earliest sleeper on its own worker (this one goes idle and
 * picks the loop up again when next needed), or, with nothing left, go
 * back to lbs_sched_run()'s caller.
 */
static void loop(void *arg)
{
	struct lbs_worker *self = arg;
	struct lbs_sched *s = self->s;

	for (;;) {
		uint32_t a = first(s);

		if (s->when[a] == LBS_NEVER) {
			self->next_idle = s->idle;
			s->idle = self;
			s->running = NULL;
			s->switches++;
			lbs_coro_switch(self->coro, s->main);
			continue;
		}
		s->actor = a;
		s->now = s->when[a];
		if (s->class[a] != CLASS_EVENT) {
			struct lbs_worker *w = s->parked[a];

			s->parked[a] = NULL;
			s->cur_class = s->class[a];
			set_key(s, a, LBS_NEVER, CLASS_EVENT); /* running */
			if (s->begin)
				s->begin(s->ctx);
			self->next_idle = s->idle;
			s->idle = self;
			switch_to(s, self, w);
			continue;
		}
		s->cur_class = CLASS_EVENT;
		set_key(s, a, LBS_NEVER, CLASS_EVENT); /* running: no event until it says */
		if (s->begin)
			s->begin(s->ctx);
		s->fn(s->ctx, a);
		if (s->yield)
			s->yield(s->ctx);
	}
}

static struct lbs_worker *get_worker(struct lbs_sched *s)
{
	struct lbs_worker *w = s->idle;

	if (w) {
		s->idle = w->next_idle;
		return w;
	}
	w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->s = s;
	w->coro = lbs_coro_new(loop, w, STACK_BYTES);
	if (!w->coro) {
		free(w);
		return NULL;
	}
	w->next_all = s->all;
	s->all = w;
	return w;
}

int lbs_sched_run(struct lbs_sched *s)
{
	struct lbs_worker *w;

	if (!s->main && !(s->main = lbs_coro_self()))
		return LB_ENOMEM;
	if (s->when[first(s)] == LBS_NEVER)
		return s->err;
	w = get_worker(s);
	if (!w)
		return LB_ENOMEM;
	s->running = w;
	s->switches++;
	lbs_coro_switch(s->main, w->coro);
	return s->err;
}

void lbs_sched_sleep(struct lbs_sched *s, uint64_t until, enum lbs_sleep_class why)
{
	unsigned a = s->actor;
	struct lbs_worker *self = s->running, *w;

	if (until < s->now)
		until = s->now;
	if (s->yield && self)
		s->yield(s->ctx); /* before: it may give others an event first */
	set_key(s, a, until, (unsigned)why);
	if (first(s) == a || !self) {
		/* Nothing comes first (or no loop runs: set-up): no switch. */
		set_key(s, a, LBS_NEVER, CLASS_EVENT);
		s->cur_class = (uint8_t)why;
		s->now = until;
		if (s->begin && self)
			s->begin(s->ctx);
		return;
	}
	w = get_worker(s);
	if (!w) {
		s->err = LB_ENOMEM;
		set_key(s, a, LBS_NEVER, CLASS_EVENT);
		s->now = until;
		return;
	}
	s->parked[a] = self;
	switch_to(s, self, w);
	/* Resumed by the loop: s->actor == a, s->now == until. */
}

void lbs_sched_resleep(struct lbs_sched *s, unsigned actor, uint64_t until)
{
	if (actor >= s->nactors || s->class[actor] == CLASS_EVENT)
		abort(); /* lbsim's own bug: only a sleeping actor */
	set_key(s, actor, until < s->now ? s->now : until, s->class[actor]);
}
