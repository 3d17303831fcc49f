/* SPDX-License-Identifier: MIT */
/*
 * Threads for the acceptor and the releaser (hosted builds only). Each
 * loops over its step function on the monotonic clock until stopped; the
 * steps themselves hold no lock across a backend call. The acceptor runs
 * lb_acceptor_cfg.threads of them (their passes take other memory), the
 * releaser one. Freestanding builds have no threads: the caller runs the
 * steps from its own context.
 *
 * Start and stop hold the worker's ctl mutex throughout, so calls from
 * several threads take turns: a stop joins exactly the threads a start
 * made, and none is left running when it returns. Between passes a thread
 * sleeps on a condition variable with a timeout, which stop signals: stop
 * returns as soon as each thread's current pass ends, not a period later.
 */
#include "internal.h"

#ifdef LB_FREESTANDING
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
#include <errno.h>
#include <time.h>

enum { W_ACCEPTOR, W_RELEASER };

#define MAX_NAP_NS UINT64_C(1000000000000000000) /* keeps the deadline in range */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int worker_init(struct lb_worker *w)
{
	pthread_condattr_t a;
	int rc = -1;

	if (pthread_mutex_init(&w->ctl, NULL))
		return -1;
	if (!pthread_mutex_init(&w->mu, NULL)) {
		if (!pthread_condattr_init(&a)) {
			if (!pthread_condattr_setclock(&a, CLOCK_MONOTONIC) &&
			    !pthread_cond_init(&w->cv, &a))
				rc = 0;
			pthread_condattr_destroy(&a);
		}
		if (rc)
			pthread_mutex_destroy(&w->mu);
	}
	if (rc)
		pthread_mutex_destroy(&w->ctl);
	w->nthreads = 0;
	w->stop = 0;
	return rc;
}

static void worker_fini(struct lb_worker *w)
{
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	pthread_mutex_destroy(&w->ctl);
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
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ns = (ns < MAX_NAP_NS ? ns : MAX_NAP_NS) + (uint64_t)ts.tv_nsec;
	ts.tv_sec += (time_t)(ns / 1000000000u);
	ts.tv_nsec = (long)(ns % 1000000000u);
	pthread_mutex_lock(&w->mu);
	while (!w->stop && pthread_cond_timedwait(&w->cv, &w->mu, &ts) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&w->mu);
}

static void *acceptor_main(void *arg)
{
	struct lb_zone *z = arg;
	struct lb_worker *w = &z->workers[W_ACCEPTOR];

	while (!stopping(w)) {
		uint64_t period;

		if (lb_acceptor_step(z, now_ns()) > 0)
			continue; /* behind the reserve: go on at once */
		zone_lock(z);
		period = z->acc_cfg.period_ns ? z->acc_cfg.period_ns : 1000000;
		zone_unlock(z);
		nap(w, period);
	}
	return NULL;
}

static void *releaser_main(void *arg)
{
	struct lb_zone *z = arg;
	struct lb_worker *w = &z->workers[W_RELEASER];

	while (!stopping(w)) {
		uint64_t delay;

		lb_releaser_step(z, now_ns());
		zone_lock(z);
		delay = z->rel_cfg.delay_ns ? z->rel_cfg.delay_ns : 2000000000;
		zone_unlock(z);
		/* A quarter of the delay, at most 0.1 s: a pass is never late
		 * by more than that. */
		nap(w, delay / 4 < 100000000 ? delay / 4 : 100000000);
	}
	return NULL;
}

/* Stop and join w's threads. ctl held. */
static void halt(struct lb_worker *w)
{
	pthread_mutex_lock(&w->mu);
	__atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (unsigned i = 0; i < w->nthreads; i++)
		pthread_join(w->thread[i], NULL);
	w->nthreads = 0;
}

static int start(struct lb_zone *z, unsigned which, void *(*fn)(void *), unsigned n)
{
	struct lb_worker *w = &z->workers[which];
	int rc = 0;

	pthread_mutex_lock(&w->ctl);
	if (w->nthreads) {
		rc = LB_EINVAL; /* already running */
	} else {
		__atomic_store_n(&w->stop, 0, __ATOMIC_RELEASE); /* none runs: no race */
		while (w->nthreads < n && !pthread_create(&w->thread[w->nthreads], NULL, fn, z))
			w->nthreads++;
		if (w->nthreads < n) {
			halt(w); /* all or none */
			rc = LB_ENOTSUP;
		}
	}
	pthread_mutex_unlock(&w->ctl);
	return rc;
}

static int stop(struct lb_zone *z, unsigned which)
{
	struct lb_worker *w;

	if (!z || z->magic != LB_ZONE_MAGIC)
		return LB_EINVAL;
	w = &z->workers[which];
	pthread_mutex_lock(&w->ctl);
	if (w->nthreads)
		halt(w);
	pthread_mutex_unlock(&w->ctl);
	return 0;
}

int lb_acceptor_start(struct lb_zone *z)
{
	unsigned n;

	if (!z || z->magic != LB_ZONE_MAGIC)
		return LB_EINVAL;
	zone_lock(z);
	n = z->acc_cfg.threads ? z->acc_cfg.threads : 1;
	zone_unlock(z);
	return start(z, W_ACCEPTOR, acceptor_main, n);
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
