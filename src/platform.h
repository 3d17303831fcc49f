/* SPDX-License-Identifier: MIT */
/*
 * The platform layer: the only place the core touches threads.
 *
 * Contract: lb_lock_* is a mutual-exclusion lock that may be held briefly
 * (list surgery, never a backend call); lb_cpu_relax() is called in loops
 * that wait for another thread's acceptance to finish; struct lb_worker
 * holds what thread.c needs to run and stop background threads.
 *
 * Hosted builds use pthread mutexes (a preempted holder must not make the
 * others spin). Define LB_FREESTANDING to get a C11-atomics spinlock that
 * needs no operating system, as a guest kernel or firmware would use.
 */
#ifndef LB_PLATFORM_H
#define LB_PLATFORM_H

#include "lazybuddy.h" /* LB_ACCEPTOR_MAX_THREADS */

#ifdef LB_FREESTANDING
#include <stdatomic.h>

typedef struct {
	atomic_flag held;
} lb_lock_t;

static inline int lb_lock_init(lb_lock_t *l)
{
	atomic_flag_clear(&l->held);
	return 0;
}
static inline void lb_lock_fini(lb_lock_t *l)
{
	(void)l;
}
static inline void lb_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}
static inline void lb_lock(lb_lock_t *l)
{
	while (atomic_flag_test_and_set_explicit(&l->held, memory_order_acquire))
		lb_cpu_relax();
}
static inline void lb_unlock(lb_lock_t *l)
{
	atomic_flag_clear_explicit(&l->held, memory_order_release);
}

/* Which thread holds a lock (debug builds): without an operating system
 * there is no thread to name, so only "held" is known. */
typedef int lb_thread_t;
static inline lb_thread_t lb_thread_self(void)
{
	return 0;
}
static inline int lb_thread_same(lb_thread_t a, lb_thread_t b)
{
	return a == b;
}

/* No threads without an operating system: the caller steps the acceptor
 * and releaser itself. */
struct lb_worker {
	int none;
};

#else /* hosted */
#include <pthread.h>
#include <sched.h>

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
static inline void lb_cpu_relax(void)
{
	sched_yield();
}

/* Which thread holds a lock (debug builds). */
typedef pthread_t lb_thread_t;
static inline lb_thread_t lb_thread_self(void)
{
	return pthread_self();
}
static inline int lb_thread_same(lb_thread_t a, lb_thread_t b)
{
	return pthread_equal(a, b);
}

/*
 * Background threads that call a step function until stopped (thread.c).
 * ctl is held across a whole start and a whole stop, so concurrent calls
 * take turns; a thread sleeps on cv between passes, and stop wakes it.
 */
struct lb_worker {
	pthread_mutex_t ctl;
	pthread_mutex_t mu;  /* guards stop, for cv */
	pthread_cond_t cv;   /* on CLOCK_MONOTONIC */
	pthread_t thread[LB_ACCEPTOR_MAX_THREADS];
	unsigned nthreads;   /* running, under ctl */
	int stop;            /* written under mu, read atomically */
};
#endif

#endif /* LB_PLATFORM_H */
