/* SPDX-License-Identifier: MIT */
/*
 * The platform layer: the only place the core touches locks, sleeping,
 * threads and time. It is a contract of names, which a platform header
 * provides as macros, inline functions or functions linked in:
 *
 *   - platform_pthread.h, hosted builds: POSIX threads;
 *   - platform_spin.h, LB_FREESTANDING builds: a C11-atomics spinlock,
 *     waits that spin, no threads (the caller steps the acceptor and the
 *     releaser);
 *   - an embedder's own, with -DLB_PLATFORM_HEADER='"my_platform.h"' (a
 *     guest kernel's spinlock and wait queue, say). docs/platform.md has
 *     an example; tests/freestanding/platform_example.h is one made of
 *     extern functions, which `make freestanding` builds against.
 *
 * Always required:
 *
 *   lb_lock_t     a mutual-exclusion lock, inside the zone (the caller's
 *                 buffer); held briefly (list surgery), never across a
 *                 backend call
 *   int  lb_lock_init(lb_lock_t *l)    0, or nonzero: lb_zone_init()
 *                                      then fails with LB_EINVAL
 *   void lb_lock_fini(lb_lock_t *l)
 *   void lb_lock(lb_lock_t *l)
 *   void lb_unlock(lb_lock_t *l)
 *
 *   lb_wait_t     where threads wait under a lock for others' progress:
 *                 an allocation for memory in flight elsewhere
 *   int  lb_wait_init(lb_wait_t *w)    0, or nonzero (as lb_lock_init)
 *   void lb_wait_fini(lb_wait_t *w)
 *   void lb_wait(lb_wait_t *w, lb_lock_t *l)
 *                 called with l held; returns with l held again. It
 *                 releases l and sleeps until lb_wake_all(w), releasing
 *                 and sleeping as one step (no wake-up between them is
 *                 lost, as with a condition variable). It may also
 *                 return early, or not sleep at all (release, pause,
 *                 retake): the caller looks again and waits again, so
 *                 such a wait spins but stays correct.
 *   void lb_wake_all(lb_wait_t *w)
 *                 called with the lock held: every thread in lb_wait(w)
 *                 returns (once it retakes the lock).
 *
 * Debug builds (LB_DEBUG >= 1), which assert who holds the zone lock:
 *
 *   lb_thread_t   names a thread (a platform without threads: a constant)
 *   lb_thread_t lb_thread_self(void)
 *   int  lb_thread_same(lb_thread_t a, lb_thread_t b)
 *
 * CPU lists (cpulist.c, lb_config.cpus), only where the header defines
 * LB_PLATFORM_CPUS; else a zone with CPU lists is LB_ENOTSUP:
 *
 *   bool lb_lock_try(lb_lock_t *l)      take l if it is free: true, else
 *                                       false at once
 *   unsigned lb_cpu_current(void)       the CPU the caller runs on (any
 *                                       number; it may be stale at once:
 *                                       the lists are locked)
 *
 * Threads for the acceptor and the releaser (thread.c), only where the
 * header defines LB_PLATFORM_THREADS; else lb_acceptor_start() and
 * lb_releaser_start() answer LB_ENOTSUP and the caller runs
 * lb_acceptor_step() and lb_releaser_step() itself:
 *
 *   lb_task_t     a thread
 *   int  lb_task_start(lb_task_t *t, void *(*fn)(void *), void *arg)
 *                 run fn(arg) on a new thread: 0, or nonzero
 *   void lb_task_join(lb_task_t *t)    wait for it to return
 *   void lb_task_idle_class(void)
 *                 the calling thread runs only on a CPU that would
 *                 otherwise idle (Linux: SCHED_IDLE), where the platform
 *                 has such a class; else nothing
 *   uint64_t lb_clock_ns(void)         a monotonic clock, nanoseconds
 *   int  lb_wait_until(lb_wait_t *w, lb_lock_t *l, uint64_t deadline_ns)
 *                 lb_wait() that also returns at deadline_ns (on
 *                 lb_clock_ns()'s clock): nonzero if the deadline passed
 *
 * The core needs nothing else of its environment but memset, memcpy and
 * memmove (internal.h).
 */
#ifndef LB_PLATFORM_H
#define LB_PLATFORM_H

#include "lazybuddy.h"

#include <stdint.h>

#if defined(LB_PLATFORM_HEADER)
#include LB_PLATFORM_HEADER
#elif defined(LB_FREESTANDING)
#include "platform_spin.h"
#else
#include "platform_pthread.h"
#endif

#endif /* LB_PLATFORM_H */
