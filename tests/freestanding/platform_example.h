/* SPDX-License-Identifier: MIT */
/*
 * An embedder's platform header (src/platform.h's contract), as a guest
 * kernel or firmware would write one, here made of extern functions the
 * embedder links in: `make freestanding` builds the core against it with
 * -DLB_PLATFORM_HEADER='"platform_example.h"', and the hooks below are
 * then, with memset, memcpy and memmove, all the undefined symbols the
 * core may have. docs/platform.md has the same with inline functions.
 *
 * The types are the embedder's: the core only embeds them in the zone
 * and passes their addresses. PLATFORM_EXAMPLE_THREADS adds the hooks
 * for the acceptor's and releaser's threads.
 */
#ifndef PLATFORM_EXAMPLE_H
#define PLATFORM_EXAMPLE_H

#include <stdint.h>

/* A kernel's spinlock and wait queue, opaque to the core. */
typedef struct {
	volatile uint32_t word;
} lb_lock_t;

int lb_lock_init(lb_lock_t *l);
void lb_lock_fini(lb_lock_t *l);
void lb_lock(lb_lock_t *l);
void lb_unlock(lb_lock_t *l);

typedef struct {
	void *head;
} lb_wait_t;

int lb_wait_init(lb_wait_t *w);
void lb_wait_fini(lb_wait_t *w);
void lb_wait(lb_wait_t *w, lb_lock_t *l);
void lb_wake_all(lb_wait_t *w);

/* Debug builds: the CPU or task holding the zone lock. */
typedef uint32_t lb_thread_t;

lb_thread_t lb_thread_self(void);
int lb_thread_same(lb_thread_t a, lb_thread_t b);

#ifdef PLATFORM_EXAMPLE_THREADS
#define LB_PLATFORM_THREADS 1

typedef struct {
	void *task;
} lb_task_t;

int lb_task_start(lb_task_t *t, void *(*fn)(void *), void *arg);
void lb_task_join(lb_task_t *t);
void lb_task_idle_class(void);
uint64_t lb_clock_ns(void);
int lb_wait_until(lb_wait_t *w, lb_lock_t *l, uint64_t deadline_ns);
#endif

#endif /* PLATFORM_EXAMPLE_H */
