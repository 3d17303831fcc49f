/* SPDX-License-Identifier: MIT */
#include "measure.h"

#include "clock.h"
#include "stats.h"
#include "workload.h"

#include <lazybuddy.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct run {
	pthread_barrier_t start, stop; /* the timed part is between them */
};

struct thread_arg {
	struct run *run;
	struct lbb_worker *w;
};

static void *thread_main(void *arg)
{
	struct thread_arg *ta = arg;
	struct lbb_worker *w = ta->w;
	int rc = w->a->ops->thread_open(w->a, &w->tctx);

	if (rc) {
		w->err = rc;
		w->err_what = "thread set-up";
	}
	pthread_barrier_wait(&ta->run->start);
	if (!rc)
		lbb_workload_run(w);
	/* Clean-up waits for every thread, so that it never overlaps timed work. */
	pthread_barrier_wait(&ta->run->stop);
	if (!rc) {
		lbb_workload_drain(w);
		w->a->ops->thread_close(w->a, w->tctx);
	}
	return NULL;
}

static size_t live_of(enum lbb_bench b, const struct lbb_params *p, unsigned threads)
{
	size_t n;

	if (b == LBB_CHURN)
		return p->churn_live; /* every thread churns a live set of its own */
	if (b == LBB_HANDOFF)
		return HANDOFF_RING;
	n = (b == LBB_MIXED ? p->mixed_live : p->fill_pages) / threads;
	return n ? n : 1;
}

/* Thread t's share of a run's operations: churn and mixed split total
 * exactly (the first total % threads threads one more), but no thread
 * does less than fill its live set; fill_drain is one fill and one drain. */
static uint64_t ops_of(enum lbb_bench b, size_t live, uint64_t total, unsigned threads,
		       unsigned t)
{
	uint64_t o = total / threads + (t < total % threads);

	if (b == LBB_FILL_DRAIN)
		return 2 * (uint64_t)live;
	return o < live ? live : o;
}

static uint64_t splitmix(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x ? x : 1; /* xorshift must not start at 0 */
}

static const char *rc_text(int rc)
{
	return rc < 0 ? lb_strerror(rc) : "the allocator failed";
}

static int add_samples(struct lbb_meas *m, const uint64_t *v, size_t n)
{
	if (m->nlat + n > m->cap) {
		size_t cap = (m->nlat + n) * 2;
		uint64_t *nv = realloc(m->lat, cap * sizeof *nv);

		if (!nv)
			return -1;
		m->lat = nv;
		m->cap = cap;
	}
	memcpy(m->lat + m->nlat, v, n * sizeof *v);
	m->nlat += n;
	return 0;
}

/* Memory a thread writes on every operation, on cache lines no other
 * thread's array shares (each worker's are allocated one after another). */
static void *lines(size_t size)
{
	return aligned_alloc(64, (size + 63) & ~(size_t)63);
}

static int setup_workers(struct lbb_worker *w, struct lbb_allocator *a, enum lbb_bench b,
			 unsigned threads, const struct lbb_params *p, uint64_t ops,
			 uint64_t overhead, unsigned run)
{
	for (unsigned t = 0; t < threads; t++) {
		struct lbb_worker *x = &w[t];

		x->a = a;
		x->bench = b;
		x->live = live_of(b, p, threads);
		x->ops = ops_of(b, x->live, ops, threads, t);
		/* The same sequence for every allocator, so they do the same work. */
		x->rng = splitmix(p->seed * 1000 + t);
		/* Other operations sampled in every run. */
		x->s.rng = splitmix(~p->seed ^ ((uint64_t)run << 32) ^ t);
		x->s.every = p->sample_every ? p->sample_every : 1;
		x->s.overhead = overhead;
		x->s.cap = x->ops / x->s.every * 2 + 64;
		x->s.lat = lines(x->s.cap * sizeof *x->s.lat);
		x->blk = lines(x->live * sizeof *x->blk);
		x->order = lines(x->live);
		if (b == LBB_HANDOFF) {
			x->ring = aligned_alloc(64, sizeof *x->ring);
			if (!x->ring)
				return -1;
			memset(x->ring, 0, sizeof *x->ring);
			/* pairs, an odd last thread with itself */
			x->partner = &w[(t ^ 1) < threads ? t ^ 1 : t];
		}
		if (!x->s.lat || !x->blk || !x->order)
			return -1;
		/* Written now, so that the timed run takes no page fault of
		 * ours: a fault waits for mmap_lock, which the mmap backend's
		 * accepts (mprotect, populate) hold for milliseconds. */
		memset(x->s.lat, 0, x->s.cap * sizeof *x->s.lat);
		memset(x->blk, 0, x->live * sizeof *x->blk);
		memset(x->order, 0, x->live);
	}
	return 0;
}

/* One run; adds its samples to m (unless a warm-up) and sets *wall,
 * *done and *cpu to its time, work and the CPU time of its threads. */
static int run_once(struct lbb_meas *m, const struct lbb_params *p, uint64_t ops,
		    uint64_t overhead, bool warm_up, uint64_t *wall, uint64_t *done,
		    uint64_t *cpu)
{
	struct lbb_allocator *a = m->a;
	enum lbb_bench b = m->r.bench;
	unsigned threads = m->r.threads;
	char *err = m->r.error;
	size_t errlen = sizeof m->r.error;
	/* each worker on cache lines of its own: a neighbour's counters
	 * written on every operation would slow the fastest allocator most,
	 * and by where this run's array happens to fall */
	struct lbb_worker *w = aligned_alloc(64, threads * sizeof *w);
	struct thread_arg *ta = calloc(threads, sizeof *ta);
	pthread_t *tid = calloc(threads, sizeof *tid);
	struct run run;
	uint64_t t0 = UINT64_MAX, t1 = 0;
	unsigned started = 0;
	int rc = -1;

	if (w)
		memset(w, 0, threads * sizeof *w);
	if (!w || !ta || !tid || setup_workers(w, a, b, threads, p, ops, overhead, m->runs)) {
		snprintf(err, errlen, "out of memory");
		goto out_free;
	}
	rc = a->ops->begin(a);
	if (rc) {
		snprintf(err, errlen, "%s", a->why[0] ? a->why : "set-up failed");
		goto out_free;
	}
	pthread_barrier_init(&run.start, NULL, threads);
	pthread_barrier_init(&run.stop, NULL, threads);
	for (; started < threads; started++) {
		ta[started].run = &run;
		ta[started].w = &w[started];
		if (pthread_create(&tid[started], NULL, thread_main, &ta[started]))
			break;
	}
	if (started < threads) {
		/* The barriers would never open: nothing can be run. */
		fprintf(stderr, "lbbench: cannot create %u threads\n", threads);
		exit(1);
	}
	for (unsigned t = 0; t < threads; t++)
		pthread_join(tid[t], NULL);
	pthread_barrier_destroy(&run.start);
	pthread_barrier_destroy(&run.stop);
	a->ops->end(a);

	rc = 0;
	*done = 0;
	*cpu = 0;
	for (unsigned t = 0; t < threads; t++) {
		if (w[t].err && !rc) {
			rc = w[t].err;
			snprintf(err, errlen, "%s: %s", w[t].err_what, rc_text(rc));
		}
		if (w[t].t_start < t0)
			t0 = w[t].t_start;
		if (w[t].t_end > t1)
			t1 = w[t].t_end;
		*done += w[t].done;
		*cpu += w[t].cpu_ns;
		if (!warm_up && add_samples(m, w[t].s.lat, w[t].s.n) && !rc) {
			rc = -1;
			snprintf(err, errlen, "out of memory");
		}
	}
	*wall = t1 > t0 ? t1 - t0 : 0;
out_free:
	for (unsigned t = 0; w && t < threads; t++) {
		free(w[t].s.lat);
		free(w[t].blk);
		free(w[t].order);
		free(w[t].ring);
	}
	free(w);
	free(ta);
	free(tid);
	return rc;
}

int lbb_meas_begin(struct lbb_meas *m, struct lbb_allocator *a, enum lbb_bench bench,
		   unsigned threads, const struct lbb_params *p)
{
	memset(m, 0, sizeof *m);
	m->a = a;
	m->r.bench = bench;
	snprintf(m->r.allocator, sizeof m->r.allocator, "%s", a->name);
	m->r.memory = a->memory;
	m->r.threads = threads ? threads : 1;
	m->r.repeats = p->repeats ? p->repeats : 1;
	m->per_op = calloc(m->r.repeats, sizeof *m->per_op);
	m->cpus = calloc(m->r.repeats, sizeof *m->cpus);
	if (!m->per_op || !m->cpus) {
		free(m->per_op);
		free(m->cpus);
		m->per_op = m->cpus = NULL;
		snprintf(m->r.error, sizeof m->r.error, "out of memory");
		return -1;
	}
	return 0;
}

int lbb_meas_run(struct lbb_meas *m, const struct lbb_params *p, uint64_t clock_overhead,
		 bool warm_up)
{
	uint64_t ops = p->ops / (m->a->ops_divisor ? m->a->ops_divisor : 1);
	uint64_t wall = 0, done = 0, cpu = 0;
	int rc;

	if (m->r.error[0] || (!warm_up && m->runs == m->r.repeats))
		return -1;
	if (warm_up)
		ops /= 4; /* code, caches, the baselines' heaps, the CPU's clock */
	rc = run_once(m, p, ops, clock_overhead, warm_up, &wall, &done, &cpu);
	if (rc)
		return rc;
	if (!warm_up) {
		m->cpus[m->runs] = wall ? (double)cpu / (double)wall : 0;
		m->per_op[m->runs++] = done ? (double)wall / (double)done : 0;
		m->r.ops = done;
		if (p->verbose)
			fprintf(stderr, "lbbench: %s %s %s %u threads: run %u: %.2f ns/op, %.2f CPUs\n",
				lbb_bench_name(m->r.bench), m->a->name,
				lbb_memory_name(m->a->memory), m->r.threads, m->runs,
				m->per_op[m->runs - 1], m->cpus[m->runs - 1]);
	}
	return 0;
}

void lbb_meas_end(struct lbb_meas *m, struct lbb_result *r)
{
	if (!m->r.error[0] && m->runs) {
		m->r.ns_per_op = lbb_median(m->per_op, m->runs);
		m->r.mops = m->r.ns_per_op > 0 ? 1e3 / m->r.ns_per_op : 0;
		m->r.cpus = lbb_median(m->cpus, m->runs);
		lbb_sort_u64(m->lat, m->nlat);
		m->r.samples = m->nlat;
		m->r.p50 = lbb_percentile(m->lat, m->nlat, 500000);
		m->r.p99 = lbb_percentile(m->lat, m->nlat, 990000);
		m->r.p999 = lbb_percentile(m->lat, m->nlat, 999000);
		m->r.max = lbb_percentile(m->lat, m->nlat, 1000000);
	}
	*r = m->r;
	free(m->per_op);
	free(m->cpus);
	free(m->lat);
	memset(m, 0, sizeof *m);
}

int lbb_measure(struct lbb_allocator *a, enum lbb_bench bench, unsigned threads,
		const struct lbb_params *p, uint64_t clock_overhead, struct lbb_result *r)
{
	struct lbb_meas m;
	int rc = lbb_meas_begin(&m, a, bench, threads, p);

	if (!rc)
		rc = lbb_meas_run(&m, p, clock_overhead, true);
	while (!rc && m.runs < m.r.repeats)
		rc = lbb_meas_run(&m, p, clock_overhead, false);
	lbb_meas_end(&m, r);
	return rc;
}

void lbb_scaling(struct lbb_result *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct lbb_result *x = &r[i];

		x->scale = x->per_cpu = 0;
		for (size_t j = 0; j < n && !x->error[0]; j++) {
			const struct lbb_result *one = &r[j];

			if (one->threads != 1 || one->bench != x->bench ||
			    one->memory != x->memory || strcmp(one->allocator, x->allocator) ||
			    one->error[0] || one->mops <= 0 || one->cpus <= 0 || x->cpus <= 0)
				continue;
			x->scale = x->mops / one->mops;
			x->per_cpu = x->scale / (x->cpus / one->cpus);
		}
	}
}
