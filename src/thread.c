/* SPDX-License-Identifier: MIT */
/*
 * Threads for the acceptor and the releaser, on the platform's threads,
 * clock and timed waits (platform.h), where it has them
 * (LB_PLATFORM_THREADS: hosted builds, or an embedder's platform). Each
 * loops over its step function on the monotonic clock until stopped; the
 * steps themselves hold no lock across a backend call. The acceptor runs
 * lb_acceptor_cfg.threads of them (their passes take other memory), the
 * releaser one. Without threads, start answers LB_ENOTSUP and the caller
 * runs the steps from its own context.
 *
 * Start and stop hold the worker's ctl mutex throughout, so calls from
 * several threads take turns: a stop joins exactly the threads a start
 * made, and none is left running when it returns. Between passes a thread
 * sleeps in a timed wait, which stop wakes: stop returns as soon as each
 * thread's current pass ends, not a period later.
 */
#include "internal.h"

#ifndef LB_PLATFORM_THREADS
int lbi_workers_init(struct lb_zone *z)
{
	(void)z;
	return 0;
}
void lbi_workers_fini(struct lb_zone *z)
{
	(void)z;
}
int lb_acceptor_start(struct lb_zone *z)
{
	(void)z;
	return LB_ENOTSUP;
}
int lb_releaser_start(struct lb_zone *z)
{
	(void)z;
	return LB_ENOTSUP;
}
int lb_acceptor_stop(struct lb_zone *z)
{
	(void)z;
	return 0;
}
int lb_releaser_stop(struct lb_zone *z)
{
	(void)z;
	return 0;
}
#else
#if defined(__has_include)
#if __has_include(<unistd.h>)
#include <unistd.h>
#endif
#endif
enum { W_ACCEPTOR, W_RELEASER };

#define MAX_NAP_NS UINT64_C(1000000000000000000) /* keeps the deadline in range */

static int worker_init(struct lb_worker *w)
{
	w->nthreads = 0;
	w->stop = 0;
	if (lb_lock_init(&w->ctl))
		return -1;
	if (lb_lock_init(&w->mu)) {
		lb_lock_fini(&w->ctl);
		return -1;
	}
	if (lb_wait_init(&w->cv)) {
		lb_lock_fini(&w->mu);
		lb_lock_fini(&w->ctl);
		return -1;
	}
	return 0;
}

static void worker_fini(struct lb_worker *w)
{
	lb_wait_fini(&w->cv);
	lb_lock_fini(&w->mu);
	lb_lock_fini(&w->ctl);
}

int lbi_workers_init(struct lb_zone *z)
{
	if (worker_init(&z->workers[W_ACCEPTOR]))
		return -1;
	if (worker_init(&z->workers[W_RELEASER])) {
		worker_fini(&z->workers[W_ACCEPTOR]);
		return -1;
	}
	return 0;
}

void lbi_workers_fini(struct lb_zone *z)
{
	worker_fini(&z->workers[W_ACCEPTOR]);
	worker_fini(&z->workers[W_RELEASER]);
}

static bool stopping(struct lb_worker *w)
{
	return __atomic_load_n(&w->stop, __ATOMIC_ACQUIRE);
}

/* Sleep for ns, or until stop is asked. */
static void nap(struct lb_worker *w, uint64_t ns)
{
	uint64_t until = lb_clock_ns() + (ns < MAX_NAP_NS ? ns : MAX_NAP_NS);

	lb_lock(&w->mu);
	while (!w->stop && !lb_wait_until(&w->cv, &w->mu, until))
		;
	lb_unlock(&w->mu);
}

/* The CPUs the calling thread may run on (its affinity, else the CPUs
 * online); 1 where the platform cannot tell. */
static unsigned online_cpus(void)
{
	long n = 0; /* a platform with neither: one thread unless configured */
#if defined(CPU_COUNT)
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof set, &set) == 0)
		n = CPU_COUNT(&set);
#endif
#ifdef _SC_NPROCESSORS_ONLN
	if (n < 1)
		n = sysconf(_SC_NPROCESSORS_ONLN);
#endif
	return n < 1 ? 1u : n > (long)UINT32_MAX ? UINT32_MAX : (unsigned)n;
}

/*
 * adaptive on a guest of one CPU: its threads run only when that CPU would
 * otherwise idle (the idle class). There a pass can only move acceptance
 * between the one vCPU's own operations: preempting it buys nothing the
 * vCPU would not get by accepting for itself at the same price. With more
 * CPUs a pass taken from one vCPU serves every vCPU's allocations, and
 * measured on the policy bench that pays (docs/adaptive.md). Decided when
 * the thread starts, from the policy and its CPUs then.
 */
static void idle_class_for(struct lb_zone *z)
{
	bool idle;

	zone_lock(z);
	idle = lbi_pol(z)->adapts && !(z->acc_cfg.adapt_off & LB_ADAPT_IDLE);
	zone_unlock(z);
	if (idle && online_cpus() == 1)
		lb_task_idle_class();
}

static void *acceptor_main(void *arg)
{
	struct lb_zone *z = arg;
	struct lb_worker *w = &z->workers[W_ACCEPTOR];

	idle_class_for(z);
	while (!stopping(w)) {
		uint64_t period;

		if (lb_acceptor_step(z, lb_clock_ns()) > 0)
			continue; /* behind the reserve: go on at once */
		zone_lock(z);
		period = z->acc_cfg.period_ns ? z->acc_cfg.period_ns : LB_ACCEPTOR_PERIOD_NS;
		zone_unlock(z);
		nap(w, period);
	}
	return NULL;
}

static void *releaser_main(void *arg)
{
	struct lb_zone *z = arg;
	struct lb_worker *w = &z->workers[W_RELEASER];

	idle_class_for(z);
	while (!stopping(w)) {
		uint64_t delay;

		lb_releaser_step(z, lb_clock_ns());
		zone_lock(z);
		delay = z->rel_cfg.delay_ns;
		zone_unlock(z);
		nap(w, lb_releaser_nap_ns(delay));
	}
	return NULL;
}

/* Stop and join w's threads. ctl held. */
static void halt(struct lb_worker *w)
{
	lb_lock(&w->mu);
	__atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
	lb_wake_all(&w->cv);
	lb_unlock(&w->mu);
	for (unsigned i = 0; i < w->nthreads; i++)
		lb_task_join(&w->thread[i]);
	w->nthreads = 0;
}

static int start(struct lb_zone *z, unsigned which, void *(*fn)(void *), unsigned n)
{
	struct lb_worker *w = &z->workers[which];
	int rc = 0;

	lb_lock(&w->ctl);
	if (w->nthreads) {
		rc = LB_EINVAL; /* already running */
	} else {
		__atomic_store_n(&w->stop, 0, __ATOMIC_RELEASE); /* none runs: no race */
		while (w->nthreads < n && !lb_task_start(&w->thread[w->nthreads], fn, z))
			w->nthreads++;
		if (w->nthreads < n) {
			halt(w); /* all or none */
			rc = LB_ENOTSUP;
		}
	}
	lb_unlock(&w->ctl);
	return rc;
}

static int stop(struct lb_zone *z, unsigned which)
{
	struct lb_worker *w;

	if (!z || z->magic != LB_ZONE_MAGIC)
		return LB_EINVAL;
	w = &z->workers[which];
	lb_lock(&w->ctl);
	if (w->nthreads)
		halt(w);
	lb_unlock(&w->ctl);
	return 0;
}

int lb_acceptor_start(struct lb_zone *z)
{
	unsigned n;
	int rc;

	if (!z || z->magic != LB_ZONE_MAGIC)
		return LB_EINVAL;
	zone_lock(z);
	n = z->acc_cfg.threads ? z->acc_cfg.threads : lb_acceptor_default_threads(online_cpus());
	zone_unlock(z);
	rc = start(z, W_ACCEPTOR, acceptor_main, n);
	if (!rc) { /* a refused start changes nothing */
		zone_lock(z);
		z->demand.started = n;
		z->demand.rest_on = false;
		zone_unlock(z);
	}
	return rc;
}

int lb_releaser_start(struct lb_zone *z)
{
	if (!z || z->magic != LB_ZONE_MAGIC)
		return LB_EINVAL;
	if (!z->backend.ops->release)
		return LB_ENOTSUP;
	return start(z, W_RELEASER, releaser_main, 1);
}

int lb_acceptor_stop(struct lb_zone *z)
{
	return stop(z, W_ACCEPTOR);
}

int lb_releaser_stop(struct lb_zone *z)
{
	return stop(z, W_RELEASER);
}
#endif
