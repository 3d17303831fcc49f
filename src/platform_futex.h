/* SPDX-License-Identifier: MIT */
/*
 * The hosted platform's lock and wait on Linux (platform_pthread.h uses
 * them there): a futex word each, inline.
 *
 * The zone lock guards list surgery of tens of nanoseconds and is mostly
 * uncontended: taking it is one compare-and-swap, giving it back one
 * exchange, with no call (a pthread mutex costs a call and a type check
 * each way: a quarter of an uncached allocation and free, measured with
 * lbbench --paths). Contended, it spins a little, since a futex sleep and
 * wake costs far more than the wait for a holder running on another CPU,
 * then sleeps, so a preempted holder does not make the others spin. The
 * word is 0 free, 1 held, 2 held and maybe slept on (the third mutex of
 * Drepper's "Futexes Are Tricky", 2011): only giving back a 2 makes a
 * system call.
 *
 * The wait is a sequence number: lb_wait() reads it under the lock, gives
 * the lock back and sleeps while it is unchanged; lb_wake_all(), under the
 * lock, bumps it and wakes every sleeper. A wake between giving the lock
 * back and sleeping changes the number, so the sleep returns at once: none
 * is lost. Sleepers may also wake early; callers look again (platform.h).
 */
#ifndef LB_PLATFORM_FUTEX_H
#define LB_PLATFORM_FUTEX_H

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define LB_LOCK_SPINS 64

static inline long lb_futex(int *word, int op, int val, const struct timespec *abs)
{
	return syscall(SYS_futex, word, op, val, abs, NULL, FUTEX_BITSET_MATCH_ANY);
}

static inline void lb_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

typedef struct {
	int word; /* 0 free, 1 held, 2 held and maybe slept on */
} lb_lock_t;

static inline int lb_lock_init(lb_lock_t *l)
{
	__atomic_store_n(&l->word, 0, __ATOMIC_RELAXED);
	return 0;
}

static inline void lb_lock_fini(lb_lock_t *l)
{
	(void)l;
}

static inline bool lb_lock_try(lb_lock_t *l)
{
	int free = 0;

	return __atomic_compare_exchange_n(&l->word, &free, 1, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

/* Out of line: the uncontended lb_lock() stays a compare-and-swap. */
static __attribute__((noinline, cold, unused)) void lb_lock_contended(lb_lock_t *l)
{
	for (int i = 0; i < LB_LOCK_SPINS; i++) {
		lb_cpu_relax();
		if (__atomic_load_n(&l->word, __ATOMIC_RELAXED) == 0 && lb_lock_try(l))
			return;
	}
	/* Taken as 2 from here on: whoever gives it back wakes a sleeper. */
	while (__atomic_exchange_n(&l->word, 2, __ATOMIC_ACQUIRE) != 0)
		lb_futex(&l->word, FUTEX_WAIT_PRIVATE, 2, NULL);
}

static inline void lb_lock(lb_lock_t *l)
{
	if (!lb_lock_try(l))
		lb_lock_contended(l);
}

static inline void lb_unlock(lb_lock_t *l)
{
	if (__atomic_exchange_n(&l->word, 0, __ATOMIC_RELEASE) == 2)
		lb_futex(&l->word, FUTEX_WAKE_PRIVATE, 1, NULL);
}

typedef struct {
	int seq; /* bumped by every lb_wake_all() */
} lb_wait_t;

static inline int lb_wait_init(lb_wait_t *w)
{
	__atomic_store_n(&w->seq, 0, __ATOMIC_RELAXED);
	return 0;
}

static inline void lb_wait_fini(lb_wait_t *w)
{
	(void)w;
}

/* Sleep until woken or, with abs, until then (CLOCK_MONOTONIC): nonzero
 * if the deadline passed. */
static inline int lb_wait_abs(lb_wait_t *w, lb_lock_t *l, const struct timespec *abs)
{
	int seq = __atomic_load_n(&w->seq, __ATOMIC_RELAXED), timed_out;

	lb_unlock(l);
	timed_out = lb_futex(&w->seq, abs ? FUTEX_WAIT_BITSET_PRIVATE : FUTEX_WAIT_PRIVATE, seq,
			     abs) == -1 && errno == ETIMEDOUT;
	lb_lock(l);
	return timed_out;
}

static inline void lb_wait(lb_wait_t *w, lb_lock_t *l)
{
	(void)lb_wait_abs(w, l, NULL);
}

static inline void lb_wake_all(lb_wait_t *w)
{
	__atomic_fetch_add(&w->seq, 1, __ATOMIC_RELAXED); /* the lock orders it */
	lb_futex(&w->seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
}

static inline int lb_wait_until(lb_wait_t *w, lb_lock_t *l, uint64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ns / 1000000000u),
		.tv_nsec = (long)(deadline_ns % 1000000000u),
	};

	return lb_wait_abs(w, l, &ts);
}

#endif /* LB_PLATFORM_FUTEX_H */
