/* SPDX-License-Identifier: MIT */
/*
 * The hosted platform (platform.h's contract) on POSIX threads: threads
 * for the acceptor and the releaser; the lock and the wait on futexes
 * where Linux has them (platform_futex.h: inline, a compare-and-swap to
 * take the lock), else a mutex, since a preempted holder must not make
 * the others spin, and a condition variable on CLOCK_MONOTONIC. Beyond
 * the contract, lb_lock_try() (true if it took the lock) lets the tests
 * probe that no backend call runs under the zone lock (I6).
 */
#ifndef LB_PLATFORM_PTHREAD_H
#define LB_PLATFORM_PTHREAD_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>

/* The futex path passes the native struct timespec to SYS_futex: 64-bit
 * Linux only (32-bit targets with a 64-bit time_t need futex_time64). */
#if defined(__linux__) && defined(__LP64__) && !defined(LB_PTHREAD_MUTEX) /* -D: the portable one */
#include "platform_futex.h"
#else
typedef pthread_mutex_t lb_lock_t;

static inline int lb_lock_init(lb_lock_t *l)
{
	return pthread_mutex_init(l, NULL) ? -1 : 0;
}
static inline void lb_lock_fini(lb_lock_t *l)
{
	pthread_mutex_destroy(l);
}
/* The zone lock guards list surgery of tens of nanoseconds: spin a little
 * before sleeping, since a futex sleep and wake costs far more than the
 * wait for a holder running on another CPU. */
static inline void lb_lock(lb_lock_t *l)
{
	for (int i = 0; i < 64; i++) {
		if (pthread_mutex_trylock(l) == 0)
			return;
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
	}
	pthread_mutex_lock(l);
}
static inline void lb_unlock(lb_lock_t *l)
{
	pthread_mutex_unlock(l);
}
static inline bool lb_lock_try(lb_lock_t *l)
{
	return pthread_mutex_trylock(l) == 0;
}

typedef pthread_cond_t lb_wait_t;

/* On CLOCK_MONOTONIC, lb_clock_ns()'s clock, for lb_wait_until(). */
static inline int lb_wait_init(lb_wait_t *w)
{
	pthread_condattr_t a;
	int rc;

	if (pthread_condattr_init(&a))
		return -1;
	rc = pthread_condattr_setclock(&a, CLOCK_MONOTONIC) || pthread_cond_init(w, &a);
	pthread_condattr_destroy(&a);
	return rc ? -1 : 0;
}
static inline void lb_wait_fini(lb_wait_t *w)
{
	pthread_cond_destroy(w);
}
static inline void lb_wait(lb_wait_t *w, lb_lock_t *l)
{
	pthread_cond_wait(w, l);
}
static inline void lb_wake_all(lb_wait_t *w)
{
	pthread_cond_broadcast(w);
}

static inline int lb_wait_until(lb_wait_t *w, lb_lock_t *l, uint64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ns / 1000000000u),
		.tv_nsec = (long)(deadline_ns % 1000000000u),
	};

	return pthread_cond_timedwait(w, l, &ts) == ETIMEDOUT;
}
#endif

typedef pthread_t lb_thread_t;
static inline lb_thread_t lb_thread_self(void)
{
	return pthread_self();
}
static inline int lb_thread_same(lb_thread_t a, lb_thread_t b)
{
	return pthread_equal(a, b);
}

/* CPU lists: the CPU the caller runs on (glibc reads it from the rseq
 * area the kernel keeps up to date: no system call), and lb_lock_try(). */
#define LB_PLATFORM_CPUS 1
#ifdef __linux__
int sched_getcpu(void); /* declared by <sched.h> only under _GNU_SOURCE */
#endif
static inline unsigned lb_cpu_current(void)
{
#ifdef __linux__
	int cpu = sched_getcpu();

	return cpu < 0 ? 0 : (unsigned)cpu;
#else
	return 0;
#endif
}

#define LB_PLATFORM_THREADS 1

typedef pthread_t lb_task_t;

static inline int lb_task_start(lb_task_t *t, void *(*fn)(void *), void *arg)
{
	return pthread_create(t, NULL, fn, arg) ? -1 : 0;
}
static inline void lb_task_join(lb_task_t *t)
{
	pthread_join(*t, NULL);
}
static inline void lb_task_idle_class(void)
{
#ifdef SCHED_IDLE
	struct sched_param sp = { 0 };

	(void)pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp); /* best effort */
#endif
}
static inline uint64_t lb_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#endif /* LB_PLATFORM_PTHREAD_H */
