/* SPDX-License-Identifier: MIT */
#include "workload.h"

#include <sched.h>
#include <stdbool.h>

#define MIXED_ORDER0_PERCENT 70
#define MIXED_MAX_ORDER 10

static inline int do_alloc(struct lbb_worker *w, size_t i, unsigned order)
{
	struct lbb_block *b = &w->blk[i];
	int rc = w->alloc(w->tctx, order, b);

	if (rc) {
		b->p = NULL;
		return rc;
	}
	*(volatile unsigned char *)b->p = (unsigned char)i; /* first touch */
	w->order[i] = (unsigned char)order;
	return 0;
}

static inline int do_free(struct lbb_worker *w, size_t i)
{
	int rc = w->free(w->tctx, &w->blk[i], w->order[i]);

	w->blk[i].p = NULL;
	return rc;
}

/* One in s.every operations (on average) is timed on its own. */
static inline int op_alloc(struct lbb_worker *w, size_t i, unsigned order)
{
	uint64_t t0;
	int rc;

	if (__builtin_expect(--w->s.countdown != 0, 1))
		return do_alloc(w, i, order);
	t0 = lbb_now_ns();
	rc = do_alloc(w, i, order);
	lbb_sampler_add(&w->s, lbb_now_ns() - t0);
	return rc;
}

static inline int op_free(struct lbb_worker *w, size_t i)
{
	uint64_t t0;
	int rc;

	if (__builtin_expect(--w->s.countdown != 0, 1))
		return do_free(w, i);
	t0 = lbb_now_ns();
	rc = do_free(w, i);
	lbb_sampler_add(&w->s, lbb_now_ns() - t0);
	return rc;
}

static int failed(struct lbb_worker *w, const char *what, int rc)
{
	__atomic_store_n(&w->err, rc, __ATOMIC_RELAXED); /* handoff's partner reads it */
	w->err_what = what;
	return rc;
}

static unsigned mixed_order(uint64_t *rng)
{
	if (lbb_rand_below(rng, 100) < MIXED_ORDER0_PERCENT)
		return 0;
	return 1 + lbb_rand_below(rng, MIXED_MAX_ORDER);
}

/* churn and mixed: fill every slot, then replace random ones. */
static int run_churn(struct lbb_worker *w, bool mixed)
{
	int rc;

	for (size_t i = 0; i < w->live; i++) {
		rc = op_alloc(w, i, mixed ? mixed_order(&w->rng) : 0);
		if (rc)
			return failed(w, "alloc", rc);
	}
	w->done = w->live;
	while (w->done + 2 <= w->ops) {
		size_t j = lbb_rand_below(&w->rng, (uint32_t)w->live);

		rc = op_free(w, j);
		if (rc)
			return failed(w, "free", rc);
		rc = op_alloc(w, j, mixed ? mixed_order(&w->rng) : 0);
		if (rc)
			return failed(w, "alloc", rc);
		w->done += 2;
	}
	if (w->done < w->ops) { /* an odd count: the last operation is a free */
		rc = op_free(w, lbb_rand_below(&w->rng, (uint32_t)w->live));
		if (rc)
			return failed(w, "free", rc);
		w->done++;
	}
	return 0;
}

static inline int op_free_of(struct lbb_worker *w, struct lbb_block *b)
{
	uint64_t t0;
	int rc;

	if (__builtin_expect(--w->s.countdown != 0, 1)) {
		rc = w->free(w->tctx, b, 0);
	} else {
		t0 = lbb_now_ns();
		rc = w->free(w->tctx, b, 0);
		lbb_sampler_add(&w->s, lbb_now_ns() - t0);
	}
	b->p = NULL;
	return rc;
}

/* handoff: allocate for the partner while its ring has room, free what the
 * partner handed over; half the operations each. The ring's ends move a
 * batch at a time, so that what crosses between the CPUs is mostly the
 * pages and what the allocator does with them, not the ring. A thread
 * that fails stops its partner too (it would wait for ever). */
#define HANDOFF_BATCH 32

static int run_handoff(struct lbb_worker *w)
{
	/* The partner's fields read once: its worker struct's lines are
	 * written on every one of its operations (the sampler, done). */
	struct lbb_worker *from = w->partner;
	struct lbb_block *in = from->blk;
	struct lbb_ring *out_ring = w->ring, *in_ring = from->ring;
	size_t out_n = w->live, in_n = from->live;
	uint64_t allocs = w->ops / 2, frees = from->ops / 2, a = 0, f = 0;
	uint64_t room = 0, avail = 0; /* as last read: the partner's head, tail */
	int rc;

	while (a < allocs || f < frees) {
		bool moved = false;

		if (a < allocs && a - room >= out_n)
			room = __atomic_load_n(&out_ring->head, __ATOMIC_ACQUIRE);
		for (unsigned k = 0; a < allocs && a - room < out_n && k < HANDOFF_BATCH; k++) {
			rc = op_alloc(w, a % out_n, 0);
			if (rc)
				return failed(w, "alloc", rc);
			a++;
			moved = true;
		}
		__atomic_store_n(&out_ring->tail, a, __ATOMIC_RELEASE);
		if (f < frees && f == avail)
			avail = __atomic_load_n(&in_ring->tail, __ATOMIC_ACQUIRE);
		for (unsigned k = 0; f < avail && k < HANDOFF_BATCH; k++) {
			rc = op_free_of(w, &in[f % in_n]);
			if (rc)
				return failed(w, "free", rc);
			f++;
			moved = true;
		}
		__atomic_store_n(&in_ring->head, f, __ATOMIC_RELEASE);
		if (!moved) { /* the partner has not run (more threads than CPUs), or failed */
			if (__atomic_load_n(&from->err, __ATOMIC_RELAXED))
				break;
			sched_yield();
		}
	}
	w->done = a + f;
	return 0;
}

static int run_fill_drain(struct lbb_worker *w)
{
	int rc;

	for (size_t i = 0; i < w->live; i++) {
		rc = op_alloc(w, i, 0);
		if (rc)
			return failed(w, "alloc", rc);
		w->done++;
	}
	for (size_t i = 0; i < w->live; i++) {
		rc = op_free(w, i);
		if (rc)
			return failed(w, "free", rc);
		w->done++;
	}
	return 0;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int lbb_workload_run(struct lbb_worker *w)
{
	w->alloc = w->a->ops->alloc;
	w->free = w->a->ops->free;
	w->done = 0;
	w->err = 0;
	w->err_what = NULL;
	lbb_sampler_rearm(&w->s);
	w->cpu_ns = thread_cpu_ns();
	w->t_start = lbb_now_ns();
	switch (w->bench) {
	case LBB_CHURN:
		run_churn(w, false);
		break;
	case LBB_MIXED:
		run_churn(w, true);
		break;
	case LBB_HANDOFF:
		run_handoff(w);
		break;
	default:
		run_fill_drain(w);
		break;
	}
	w->t_end = lbb_now_ns();
	w->cpu_ns = thread_cpu_ns() - w->cpu_ns;
	return w->err;
}

void lbb_workload_drain(struct lbb_worker *w)
{
	w->alloc = w->a->ops->alloc;
	w->free = w->a->ops->free;
	for (size_t i = 0; i < w->live; i++) {
		int rc = w->blk[i].p ? do_free(w, i) : 0;

		if (rc && !w->err)
			failed(w, "free", rc);
	}
}
