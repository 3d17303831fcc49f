/* SPDX-License-Identifier: MIT */
#include "timed.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Granules [first, last] of a byte range, clamped to the tracked span. */
static int gran_range(const struct lbs_timed *t, uint64_t addr, uint64_t size, uint64_t *first,
		      uint64_t *last)
{
	if (!size || addr >= t->ready_bytes)
		return 0;
	*first = addr >> t->gran_shift;
	*last = (addr + size - 1u) >> t->gran_shift;
	if (*last >= t->ngran)
		*last = t->ngran - 1u;
	return 1;
}

uint64_t lbs_timed_ready(const struct lbs_timed *t, uint64_t addr, uint64_t size)
{
	uint64_t a, b, r = 0;

	if (!gran_range(t, addr, size, &a, &b))
		return 0;
	for (uint64_t g = a; g <= b; g++)
		r = max_u64(r, t->ready[g]);
	return r;
}

static void set_ready(struct lbs_timed *t, uint64_t addr, uint64_t size, uint64_t when)
{
	uint64_t a, b;

	if (!gran_range(t, addr, size, &a, &b))
		return;
	for (uint64_t g = a; g <= b; g++)
		t->ready[g] = max_u64(t->ready[g], when);
}

/*
 * Place one backend call of cost ns on the calling actor's timeline and
 * return when it ends. Time spent waiting for the lock or for granules still
 * being released counts as the actor's wait.
 */
static uint64_t schedule(struct lbs_timed *t, uint64_t addr, uint64_t size, uint64_t cost)
{
	uint64_t now = t->clock[t->actor], start = now, end;

	if (!t->recording) {
		t->clock[t->actor] = now + cost;
		t->busy[t->actor] += cost;
		return now + cost;
	}
	if (t->lock == LBS_LOCK_GLOBAL)
		start = max_u64(start, t->lock_free);
	start = max_u64(start, lbs_timed_ready(t, addr, size));
	end = start + cost;
	if (t->lock == LBS_LOCK_GLOBAL)
		t->lock_free = end;
	set_ready(t, addr, size, end);
	if (start > now) {
		t->wait[t->actor] += start - now;
		if (t->series && t->actor < t->nvcpus)
			lbs_series_add(t->series, LBS_S_WAIT, start, (int64_t)(start - now));
	}
	t->clock[t->actor] = end;
	t->busy[t->actor] += cost;
	return end;
}

static int timed_accept(void *ctx, uint64_t addr, uint64_t size)
{
	struct lbs_timed *t = ctx;
	uint64_t c0 = lb_model_clock(&t->model), end, start;
	int rc = t->inner.ops->accept(t->inner.ctx, addr, size);

	if (rc)
		return rc;
	start = t->clock[t->actor];
	end = schedule(t, addr, size, lb_model_clock(&t->model) - c0);
	t->accept_calls++;
	t->accepted_bytes += size;
	if (t->series) {
		if (t->recording) {
			lbs_series_add(t->series, LBS_S_ACCEPTS, start, 1);
			lbs_series_add(t->series, LBS_S_COMMIT, end, (int64_t)size);
		} else {
			t->series->base += (int64_t)size;
		}
	}
	if (t->recording && t->in_flight && t->actor == LBS_ACTOR_ACCEPTOR(t->nvcpus)) {
		unsigned actor = t->actor; /* the hook runs other actors */

		t->in_flight(t->in_flight_ctx, end);
		t->actor = actor;
	}
	return 0;
}

static int timed_release(void *ctx, uint64_t addr, uint64_t size)
{
	struct lbs_timed *t = ctx;
	uint64_t c0 = lb_model_clock(&t->model), end;
	int rc = t->inner.ops->release(t->inner.ctx, addr, size);

	if (rc)
		return rc;
	end = schedule(t, addr, size, lb_model_clock(&t->model) - c0);
	t->release_calls++;
	t->released_bytes += size;
	if (t->series) {
		if (t->recording)
			lbs_series_add(t->series, LBS_S_COMMIT, end, -(int64_t)size);
		else
			t->series->base -= (int64_t)size;
	}
	return 0;
}

static const struct lb_backend_ops timed_ops = {
	.name = "timed",
	.accept = timed_accept,
	.release = timed_release,
};

int lbs_timed_init(struct lbs_timed *t, const struct lb_model_params *params,
		   uint64_t span_bytes, uint64_t granule, unsigned nvcpus, enum lbs_lock lock,
		   struct lb_backend *out)
{
	unsigned shift = 0;
	size_t len;

	memset(t, 0, sizeof *t);
	if (granule < LB_PAGE_SIZE || (granule & (granule - 1u)) || nvcpus == 0 ||
	    nvcpus > 65536u || span_bytes == 0)
		return LB_EINVAL;
	while ((UINT64_C(1) << shift) < granule)
		shift++;
	lb_model_backend_init(&t->model, params, &t->inner);
	t->nvcpus = nvcpus;
	t->nactors = nvcpus + 2u;
	t->gran_shift = shift;
	t->ngran = (span_bytes + granule - 1u) >> shift;
	t->ready_bytes = t->ngran << shift;
	t->lock = lock;
	t->clock = calloc(t->nactors, sizeof *t->clock);
	t->busy = calloc(t->nactors, sizeof *t->busy);
	t->wait = calloc(t->nactors, sizeof *t->wait);
	/* Anonymous memory: only granules ever accepted at run time cost RAM. */
	len = (size_t)t->ngran * sizeof *t->ready;
	t->ready = mmap(NULL, len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (t->ready == MAP_FAILED)
		t->ready = NULL;
	if (!t->clock || !t->busy || !t->wait || !t->ready) {
		lbs_timed_fini(t);
		return LB_ENOMEM;
	}
	out->ops = &timed_ops;
	out->ctx = t;
	return 0;
}

void lbs_timed_fini(struct lbs_timed *t)
{
	free(t->clock);
	free(t->busy);
	free(t->wait);
	if (t->ready)
		munmap(t->ready, (size_t)t->ngran * sizeof *t->ready);
	t->clock = t->busy = t->wait = t->ready = NULL;
}

void lbs_timed_start(struct lbs_timed *t, uint64_t t0)
{
	for (unsigned a = 0; a < t->nactors; a++)
		t->clock[a] = max_u64(t->clock[a], t0);
	t->lock_free = max_u64(t->lock_free, t0);
	t->recording = 1;
}

void lbs_timed_reset_times(struct lbs_timed *t)
{
	memset(t->busy, 0, t->nactors * sizeof *t->busy);
	memset(t->wait, 0, t->nactors * sizeof *t->wait);
}

uint64_t lbs_timed_handout(struct lbs_timed *t, unsigned v, uint64_t addr, uint64_t size)
{
	uint64_t r = lbs_timed_ready(t, addr, size), now = t->clock[v];

	if (r <= now)
		return 0;
	t->clock[v] = r;
	t->wait[v] += r - now;
	if (t->series)
		lbs_series_add(t->series, LBS_S_WAIT, r, (int64_t)(r - now));
	return r - now;
}
