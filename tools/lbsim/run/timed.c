/* SPDX-License-Identifier: MIT */
#include "timed.h"

#include <stdlib.h>
#include <string.h>

/* Work is kept in hundredths of a ns at full speed, so that sharing the
 * host between k accepts loses (almost) no time to rounding. */
#define WORK_SCALE UINT64_C(100)

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

struct pace {
	uint64_t num, den;
};

static struct pace pace(const struct lbs_timed *t, unsigned k)
{
	struct pace p;

	lbs_host_pace(&t->host, k, &p.num, &p.den);
	return p;
}

static unsigned accepts_in_flight(const struct lbs_timed *t)
{
	unsigned k = 0;

	for (unsigned i = 0; i < t->nflight; i++)
		k += t->flight[i].accept;
	return k;
}

/* Account the work the accepts in flight did since the last change. */
static void progress(struct lbs_timed *t, uint64_t now)
{
	struct pace p = pace(t, accepts_in_flight(t));
	uint64_t dt = now - t->paced_at;

	for (unsigned i = 0; i < t->nflight; i++) {
		struct lbs_flight *f = &t->flight[i];
		uint64_t done = (uint64_t)((unsigned __int128)dt * WORK_SCALE * p.num / p.den);

		if (f->accept)
			f->work = f->work > done ? f->work - done : 0;
	}
	t->paced_at = now;
}

/* The calls' ends at the present pace; sleepers and waiters follow. */
static void repace(struct lbs_timed *t, uint64_t now, unsigned self)
{
	struct pace p = pace(t, accepts_in_flight(t));
	uint64_t first = LBS_NEVER;

	for (unsigned i = 0; i < t->nflight; i++) {
		struct lbs_flight *f = &t->flight[i];

		if (f->accept) {
			unsigned __int128 left = ((unsigned __int128)f->work * p.den +
						  WORK_SCALE * p.num - 1u) / (WORK_SCALE * p.num);

			f->end = left > LBS_NEVER - 1u - now ? LBS_NEVER - 1u : now + (uint64_t)left;
			if (f->actor != self)
				lbs_sched_resleep(t->sched, f->actor, f->end);
		}
		if (f->end < first)
			first = f->end;
	}
	/* Waiters wake when the first call ends; with none left, at once. */
	for (unsigned i = 0; i < t->nwaiting; i++)
		lbs_sched_resleep(t->sched, t->waiting[i], first == LBS_NEVER ? now : first);
}

static void flight_del(struct lbs_timed *t, unsigned actor)
{
	for (unsigned i = 0; i < t->nflight; i++) {
		if (t->flight[i].actor == actor) {
			t->flight[i] = t->flight[--t->nflight];
			return;
		}
	}
}

/*
 * One call of model cost `cost` by the running actor: it starts now (an
 * accept under the global lock: when the lock frees), shares the host with
 * the accepts in flight, and the actor sleeps until it ends. Returns the
 * start; *end gets the end.
 */
static uint64_t place(struct lbs_timed *t, uint64_t cost, int accept, uint64_t *end)
{
	struct lbs_sched *s = t->sched;
	unsigned a = lbs_sched_actor(s);
	uint64_t now = lbs_sched_now(s), start = now;
	struct lbs_flight *f;

	if (accept && t->lock == LBS_LOCK_GLOBAL && t->lock_free > now) {
		start = t->lock_free;
		t->lock_free = start + cost; /* accepts never overlap: the host is never shared */
		t->wait[a] += start - now;
		if (t->series && a < t->nvcpus)
			lbs_series_add(t->series, LBS_S_WAIT, start, (int64_t)(start - now));
		lbs_sched_sleep(s, start, LBS_SLEEP_CALL);
	} else if (accept && t->lock == LBS_LOCK_GLOBAL) {
		t->lock_free = start + cost;
	}
	progress(t, start);
	f = &t->flight[t->nflight++];
	f->actor = a;
	f->accept = (uint8_t)accept;
	f->work = cost > UINT64_MAX / WORK_SCALE ? UINT64_MAX : cost * WORK_SCALE;
	f->end = start + cost;
	repace(t, start, a);
	lbs_sched_sleep(s, f->end, LBS_SLEEP_CALL);
	*end = lbs_sched_now(s);
	progress(t, *end);
	flight_del(t, a);
	repace(t, *end, a);
	t->busy[a] += *end - start;
	t->max_call_ns = max_u64(t->max_call_ns, *end - start);
	return start;
}

/* Mark pages [addr, addr + size) released (set) and return 0, or count
 * and clear the marks in it (set 0). Pages beyond the map were never
 * released; growing it fails only when memory does (then nothing is
 * counted: the figure is a measurement, not a rule). */
static uint64_t released_marks(struct lbs_timed *t, uint64_t addr, uint64_t size, int set)
{
	uint64_t first = addr >> LB_PAGE_SHIFT, n = size >> LB_PAGE_SHIFT, last = first + n, hit = 0;

	if (set && (last + 63) / 64 > t->released_words) {
		uint64_t words = (last + 63) / 64 * 2, *m = realloc(t->released, words * 8);

		if (!m)
			return 0;
		memset(m + t->released_words, 0, (words - t->released_words) * 8);
		t->released = m;
		t->released_words = words;
	}
	for (uint64_t p = first; p < last && p / 64 < t->released_words; p++) {
		uint64_t bit = UINT64_C(1) << (p % 64);

		if (set)
			t->released[p / 64] |= bit;
		else if (t->released[p / 64] & bit) {
			t->released[p / 64] &= ~bit;
			hit++;
		}
	}
	return hit;
}

static int timed_accept(void *ctx, uint64_t addr, uint64_t size)
{
	struct lbs_timed *t = ctx;
	uint64_t c0 = lb_model_clock(&t->model), cost, start, end;
	int rc = t->inner.ops->accept(t->inner.ctx, addr, size);

	if (rc)
		return rc;
	cost = lb_model_clock(&t->model) - c0;
	t->accept_calls++;
	t->accepted_bytes += size;
	if (t->released)
		t->reaccepted_bytes += released_marks(t, addr, size, 0) << LB_PAGE_SHIFT;
	if (!t->sched) {
		t->setup_ns += cost;
		if (t->series)
			t->series->base += (int64_t)size;
		return 0;
	}
	start = place(t, cost, 1, &end);
	if (t->series) {
		lbs_series_add(t->series, LBS_S_ACCEPTS, start, 1);
		lbs_series_add(t->series, LBS_S_COMMIT, end, (int64_t)size);
	}
	return 0;
}

static int timed_release(void *ctx, uint64_t addr, uint64_t size)
{
	struct lbs_timed *t = ctx;
	uint64_t c0 = lb_model_clock(&t->model), cost, end;
	int rc = t->inner.ops->release(t->inner.ctx, addr, size);

	if (rc)
		return rc;
	cost = lb_model_clock(&t->model) - c0;
	t->release_calls++;
	t->released_bytes += size;
	released_marks(t, addr, size, 1);
	if (!t->sched) {
		t->setup_ns += cost;
		if (t->series)
			t->series->base -= (int64_t)size;
		return 0;
	}
	place(t, cost, 0, &end);
	if (t->series)
		lbs_series_add(t->series, LBS_S_COMMIT, end, -(int64_t)size);
	return 0;
}

/* The model's own figure: the host's sharing is lbsim's to apply. */
static uint64_t timed_accept_cost(void *ctx, uint64_t size)
{
	struct lbs_timed *t = ctx;

	return t->inner.ops->accept_cost(t->inner.ctx, size);
}

static const struct lb_backend_ops timed_ops = {
	.name = "timed",
	.accept = timed_accept,
	.release = timed_release,
	.accept_cost = timed_accept_cost,
};

int lbs_timed_init(struct lbs_timed *t, const struct lbs_model *m,
		   unsigned nvcpus, unsigned nactors, enum lbs_lock lock,
		   struct lb_backend *out)
{
	memset(t, 0, sizeof *t);
	if (nvcpus == 0 || nactors < nvcpus || nactors > 65536u)
		return LB_EINVAL;
	lb_model_backend_init(&t->model, m ? &m->call : NULL, &t->inner);
	if (m)
		t->host = *m;
	t->nvcpus = nvcpus;
	t->nactors = nactors;
	t->lock = lock;
	t->busy = calloc(nactors, sizeof *t->busy);
	t->wait = calloc(nactors, sizeof *t->wait);
	/* An actor has at most one call in flight, or waits. */
	t->flight = calloc(nactors, sizeof *t->flight);
	t->waiting = calloc(nactors, sizeof *t->waiting);
	if (!t->busy || !t->wait || !t->flight || !t->waiting) {
		lbs_timed_fini(t);
		return LB_ENOMEM;
	}
	out->ops = &timed_ops;
	out->ctx = t;
	return 0;
}

void lbs_timed_fini(struct lbs_timed *t)
{
	free(t->busy);
	free(t->wait);
	free(t->flight);
	free(t->waiting);
	free(t->released);
	t->busy = t->wait = NULL;
	t->flight = NULL;
	t->waiting = NULL;
	t->released = NULL;
	t->released_words = 0;
}

void lbs_timed_attach(struct lbs_timed *t, struct lbs_sched *s)
{
	t->sched = s;
}

void lbs_timed_reset_times(struct lbs_timed *t)
{
	memset(t->busy, 0, t->nactors * sizeof *t->busy);
	memset(t->wait, 0, t->nactors * sizeof *t->wait);
	t->max_call_ns = 0;
}

static void waiting_del(struct lbs_timed *t, unsigned actor)
{
	for (unsigned i = 0; i < t->nwaiting; i++) {
		if (t->waiting[i] == actor) {
			t->waiting[i] = t->waiting[--t->nwaiting];
			return;
		}
	}
}

int lbs_timed_wait_in_flight(struct lbs_timed *t)
{
	struct lbs_sched *s = t->sched;
	uint64_t first = LBS_NEVER, now = lbs_sched_now(s), waited;
	unsigned a = lbs_sched_actor(s);

	for (unsigned i = 0; i < t->nflight; i++)
		if (t->flight[i].end < first)
			first = t->flight[i].end;
	if (first == LBS_NEVER)
		return 0;
	t->waiting[t->nwaiting++] = a;
	lbs_sched_sleep(s, first, LBS_SLEEP_WAIT);
	waiting_del(t, a);
	waited = lbs_sched_now(s) - now;
	t->wait[a] += waited;
	if (t->series && a < t->nvcpus && waited)
		lbs_series_add(t->series, LBS_S_WAIT, lbs_sched_now(s), (int64_t)waited);
	return 1;
}

void lbs_timed_wake_waiters(struct lbs_timed *t)
{
	uint64_t now = lbs_sched_now(t->sched);

	while (t->nwaiting)
		lbs_sched_resleep(t->sched, t->waiting[--t->nwaiting], now);
}
