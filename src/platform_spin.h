/* SPDX-License-Identifier: MIT */
/*
 * The freestanding platform (platform.h's contract, LB_FREESTANDING
 * without LB_PLATFORM_HEADER): needs no operating system, only C11
 * atomics. The lock is a spinlock; a wait releases it, pauses and retakes
 * it, so an allocation waiting for memory in flight elsewhere spins, as
 * there is no scheduler to sleep on; wake-ups are then nothing to do.
 * No threads: the caller steps the acceptor and the releaser itself.
 */
#ifndef LB_PLATFORM_SPIN_H
#define LB_PLATFORM_SPIN_H

#include <stdatomic.h>
#include <stdbool.h>

static inline void spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

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
static inline void lb_lock(lb_lock_t *l)
{
	while (atomic_flag_test_and_set_explicit(&l->held, memory_order_acquire))
		spin_pause();
}
static inline void lb_unlock(lb_lock_t *l)
{
	atomic_flag_clear_explicit(&l->held, memory_order_release);
}

/* CPU lists: without an operating system the CPU is unknown, so every
 * CPU uses the one list, and a CPU that finds it held uses the zone. */
#define LB_PLATFORM_CPUS 1
static inline bool lb_lock_try(lb_lock_t *l)
{
	return !atomic_flag_test_and_set_explicit(&l->held, memory_order_acquire);
}
static inline unsigned lb_cpu_current(void)
{
	return 0;
}

typedef struct {
	int none;
} lb_wait_t;

static inline int lb_wait_init(lb_wait_t *w)
{
	(void)w;
	return 0;
}
static inline void lb_wait_fini(lb_wait_t *w)
{
	(void)w;
}
static inline void lb_wait(lb_wait_t *w, lb_lock_t *l)
{
	(void)w;
	lb_unlock(l);
	spin_pause();
	lb_lock(l);
}
static inline void lb_wake_all(lb_wait_t *w)
{
	(void)w;
}

/* Without an operating system there is no thread to name: debug builds
 * know only that the lock is held. */
typedef int lb_thread_t;
static inline lb_thread_t lb_thread_self(void)
{
	return 0;
}
static inline int lb_thread_same(lb_thread_t a, lb_thread_t b)
{
	return a == b;
}

#endif /* LB_PLATFORM_SPIN_H */
