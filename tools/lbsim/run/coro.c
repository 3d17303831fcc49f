/* SPDX-License-Identifier: MIT */
#include "coro.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LBS_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define LBS_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(LBS_ASAN)
#define LBS_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__) && !defined(LBS_TSAN)
#define LBS_TSAN 1
#endif

#ifdef LBS_ASAN
/* The sanitizers' fiber interface: each switch of stacks is announced. */
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old,
				     size_t *size_old);
#endif
#ifdef LBS_TSAN
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
#endif

struct lbs_coro {
	ucontext_t uc;
	void (*fn)(void *);
	void *arg;
	void *map;             /* guard page + stack; NULL for a thread's own stack */
	size_t map_len;
	const void *bottom;    /* the stack, for ASan (learnt on the first switch
				  away from a thread's own stack) */
	size_t size;
	void *fake;            /* ASan's fake stack while switched away */
	void *tsan;            /* TSan's fiber */
};

/* The coroutine being left (for the one starting to learn who it was). */
static _Thread_local struct lbs_coro *leaving;

static void finish_switch(struct lbs_coro *c)
{
#ifdef LBS_ASAN
	const void *bottom;
	size_t size;

	__sanitizer_finish_switch_fiber(c->fake, &bottom, &size);
	if (leaving && !leaving->bottom) {
		leaving->bottom = bottom;
		leaving->size = size;
	}
#else
	(void)c;
#endif
}

/* The coroutine being entered: makecontext() passes no pointer portably. */
static _Thread_local struct lbs_coro *entering;

static void entry(void)
{
	struct lbs_coro *c = entering;

	finish_switch(c);
	c->fn(c->arg);
	abort(); /* fn must not return */
}

struct lbs_coro *lbs_coro_self(void)
{
	struct lbs_coro *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
#ifdef LBS_TSAN
	c->tsan = __tsan_get_current_fiber();
#endif
	return c;
}

/* Apart, so that getcontext() returning twice cannot clobber the caller's
 * variables. */
static __attribute__((noinline)) int make_context(struct lbs_coro *c, char *stack, size_t len)
{
	if (getcontext(&c->uc) != 0)
		return -1;
	c->bottom = stack;
	c->size = len;
	c->uc.uc_stack.ss_sp = stack;
	c->uc.uc_stack.ss_size = len;
	c->uc.uc_link = NULL;
	makecontext(&c->uc, entry, 0);
	return 0;
}

struct lbs_coro *lbs_coro_new(void (*fn)(void *), void *arg, size_t stack_bytes)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct lbs_coro *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	stack_bytes = (stack_bytes + page - 1) & ~(page - 1);
	c->map_len = stack_bytes + page;
	c->map = mmap(NULL, c->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (c->map == MAP_FAILED || make_context(c, (char *)c->map + page, stack_bytes) != 0) {
		if (c->map != MAP_FAILED)
			munmap(c->map, c->map_len);
		free(c);
		return NULL;
	}
	mprotect(c->map, page, PROT_NONE); /* overflow faults, never corrupts */
	c->fn = fn;
	c->arg = arg;
#ifdef LBS_TSAN
	c->tsan = __tsan_create_fiber(0);
#endif
	return c;
}

void lbs_coro_switch(struct lbs_coro *from, struct lbs_coro *to)
{
	leaving = from;
	entering = to;
#ifdef LBS_ASAN
	__sanitizer_start_switch_fiber(&from->fake, to->bottom, to->size);
#endif
#ifdef LBS_TSAN
	__tsan_switch_to_fiber(to->tsan, 0);
#endif
	swapcontext(&from->uc, &to->uc);
	finish_switch(from);
}

void lbs_coro_free(struct lbs_coro *c)
{
	if (!c)
		return;
#ifdef LBS_TSAN
	if (c->map)
		__tsan_destroy_fiber(c->tsan);
#endif
	if (c->map)
		munmap(c->map, c->map_len);
	free(c);
}
