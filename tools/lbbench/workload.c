/* SPDX-License-Identifier: MIT */
#include "workload.h"

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
	w->err = rc;
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
