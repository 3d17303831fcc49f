/* SPDX-License-Identifier: MIT */
/*
 * Threads for the acceptor and the releaser (hosted builds only). Each
 * loops over its step function on the monotonic clock until stopped; the
 * steps themselves hold no lock across a backend call. Freestanding builds
 * have no threads: the caller runs the steps from its own context.
 */
#include "internal.h"

#ifdef LB_FREESTANDING
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
#include <time.h>

enum { W_ACCEPTOR, W_RELEASER };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

	nanosleep(&ts, NULL);
}

static bool stopping(struct lb_worker *w)
{
	return __atomic_load_n(&w->stop, __ATOMIC_ACQUIRE);
}

static void *acceptor_main(void *arg)
{
	struct lb_zone *z = arg;
	struct lb_worker *w = &z->workers[W_ACCEPTOR];

	while (!stopping(w)) {
		uint64_t period;

		if (lb_acceptor_step(z, now_ns()) > 0)
			continue; /* behind the reserve: go on at once */
		lb_lock(&z->lock);
		period = z->acc_cfg.period_ns ? z->acc_cfg.period_ns : 1000000;
		lb_unlock(&z->lock);
		sleep_ns(period);
	}
	return NULL;
}

static void *releaser_main(void *arg)
{
	struct lb_zone *z = arg;
	struct lb_worker *w = &z->workers[W_RELEASER];

	while (!stopping(w)) {
		uint64_t nap;

		lb_releaser_step(z, now_ns());
		lb_lock(&z->lock);
		nap = z->rel_cfg.delay_ns ? z->rel_cfg.delay_ns / 4 : 500000000;
		lb_unlock(&z->lock);
		sleep_ns(nap < 100000000 ? nap : 100000000); /* stop within 0.1 s */
	}
	return NULL;
}

static int start(struct lb_zone *z, unsigned which, void *(*fn)(void *))
{
	struct lb_worker *w;
	int rc = 0;

	if (!z || z->magic != LB_ZONE_MAGIC)
		return LB_EINVAL;
	w = &z->workers[which];
	lb_lock(&z->lock);
	if (w->running) {
		rc = LB_EINVAL;
	} else {
		__atomic_store_n(&w->stop, 0, __ATOMIC_RELEASE);
		if (pthread_create(&w->thread, NULL, fn, z))
			rc = LB_ENOTSUP;
		else
			w->running = 1;
	}
	lb_unlock(&z->lock);
	return rc;
}

static int stop(struct lb_zone *z, unsigned which)
{
	struct lb_worker *w;
	bool running;

	if (!z || z->magic != LB_ZONE_MAGIC)
		return LB_EINVAL;
	w = &z->workers[which];
	lb_lock(&z->lock);
	running = w->running;
	w->running = 0;
	lb_unlock(&z->lock);
	if (!running)
		return 0;
	__atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
	pthread_join(w->thread, NULL);
	return 0;
}

int lb_acceptor_start(struct lb_zone *z)
{
	if (z && z->magic == LB_ZONE_MAGIC && z->backend.ops && !z->backend.ops->accept)
		return LB_ENOTSUP;
	return start(z, W_ACCEPTOR, acceptor_main);
}

int lb_releaser_start(struct lb_zone *z)
{
	if (z && z->magic == LB_ZONE_MAGIC && !z->backend.ops->release)
		return LB_ENOTSUP;
	return start(z, W_RELEASER, releaser_main);
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
