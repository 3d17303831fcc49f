/* SPDX-License-Identifier: MIT */
#include "timed.h"

#include <stdlib.h>
#include <string.h>

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static unsigned accepts_in_flight(const struct lbs_timed *t, uint64_t at)
{
	unsigned k = 0;

	for (unsigned i = 0; i < t->nflight; i++)
		k += t->flight_accept[i] && t->flight_end[i] > at;
	return k;
}

static void flight_add(struct lbs_timed *t, uint64_t end, int accept)
{
	t->flight_end[t->nflight] = end;
	t->flight_accept[t->nflight++] = (uint8_t)accept;
}

static void flight_del(struct lbs_timed *t, uint64_t end, int accept)
{
	for (unsigned i = 0; i < t->nflight; i++) {
		if (t->flight_end[i] == end && t->flight_accept[i] == accept) {
			t->nflight--;
			t->flight_end[i] = t->flight_end[t->nflight];
			t->flight_accept[i] = t->flight_accept[t->nflight];
			return;
		}
	}
}

/*
 * One call of model cost `cost` by the running actor: it starts now (or
 * when the global lock frees), costs more while other accepts run, and
 * the actor sleeps until it ends. Returns the start; *end gets the end.
 */
static uint64_t place(struct lbs_timed *t, uint64_t cost, int accept, uint64_t *end)
{
	struct lbs_sched *s = t->sched;
	unsigned a = lbs_sched_actor(s);
	uint64_t now = lbs_sched_now(s), start = now;

	if (accept && t->lock == LBS_LOCK_GLOBAL)
		start = max_u64(start, t->lock_free);
	if (accept && t->model.p.contention_pct)
		cost += cost * t->model.p.contention_pct * accepts_in_flight(t, start) / 100u;
	*end = start + cost;
	if (accept && t->lock == LBS_LOCK_GLOBAL)
		t->lock_free = *end;
	if (start > now) {
		t->wait[a] += start - now;
		if (t->series && a < t->nvcpus)
			lbs_series_add(t->series, LBS_S_WAIT, start, (int64_t)(start - now));
	}
	t->busy[a] += cost;
	t->max_call_ns = max_u64(t->max_call_ns, *end - start);
	flight_add(t, *end, accept);
	lbs_sched_sleep(s, *end, LBS_SLEEP_CALL);
	flight_del(t, *end, accept);
	return start;
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

static const struct lb_backend_ops timed_ops = {
	.name = "timed",
	.accept = timed_accept,
	.release = timed_release,
};

int lbs_timed_init(struct lbs_timed *t, const struct lb_model_params *params,
		   unsigned nvcpus, unsigned nactors, enum lbs_lock lock,
		   struct lb_backend *out)
{
	memset(t, 0, sizeof *t);
	if (nvcpus == 0 || nactors < nvcpus || nactors > 65536u)
		return LB_EINVAL;
	lb_model_backend_init(&t->model, params, &t->inner);
	t->nvcpus = nvcpus;
	t->nactors = nactors;
	t->lock = lock;
	t->busy = calloc(nactors, sizeof *t->busy);
	t->wait = calloc(nactors, sizeof *t->wait);
	/* An actor has at most one call in flight. */
	t->flight_end = calloc(nactors, sizeof *t->flight_end);
	t->flight_accept = calloc(nactors, sizeof *t->flight_accept);
	if (!t->busy || !t->wait || !t->flight_end || !t->flight_accept) {
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
	free(t->flight_end);
	free(t->flight_accept);
	t->busy = t->wait = t->flight_end = NULL;
	t->flight_accept = NULL;
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

int lbs_timed_wait_in_flight(struct lbs_timed *t)
{
	struct lbs_sched *s = t->sched;
	uint64_t first = LBS_NEVER, now = lbs_sched_now(s);
	unsigned a = lbs_sched_actor(s);

	for (unsigned i = 0; i < t->nflight; i++)
		if (t->flight_end[i] < first)
			first = t->flight_end[i];
	if (first == LBS_NEVER)
		return 0;
	lbs_sched_sleep(s, first, LBS_SLEEP_WAIT);
	t->wait[a] += first - now;
	if (t->series && a < t->nvcpus && first > now)
		lbs_series_add(t->series, LBS_S_WAIT, first, (int64_t)(first - now));
	return 1;
}
