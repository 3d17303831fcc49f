/* SPDX-License-Identifier: MIT */
/*
 * Coroutines for lbsim's scheduler (sched.h): stacks of their own on one
 * OS thread, switched explicitly, so that an actor can stop in the middle
 * of a library call (a backend call in flight) while other actors run.
 * ucontext underneath, with the sanitizers told about each switch.
 */
#ifndef LBS_CORO_H
#define LBS_CORO_H

#include <stddef.h>

struct lbs_coro;

/* The calling thread's own stack, as a coroutine to switch back to. */
struct lbs_coro *lbs_coro_self(void);

/* A coroutine that runs fn(arg) on a fresh stack of stack_bytes when first
 * switched to; fn must never return. NULL when out of memory. */
struct lbs_coro *lbs_coro_new(void (*fn)(void *), void *arg, size_t stack_bytes);

/* Leave from (the running coroutine) for to; returns when something
 * switches back to from. */
void lbs_coro_switch(struct lbs_coro *from, struct lbs_coro *to);

/* Free a coroutine that is not running (lbs_coro_self()'s too). */
void lbs_coro_free(struct lbs_coro *c);

#endif
