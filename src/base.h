/* SPDX-License-Identifier: MIT */
/*
 * The core's ground floor: what every private header and source file
 * needs (the C library's few functions, assertions at their levels, the
 * zone's fixed sizes and budgets, compiler hints). internal.h brings it
 * with the rest.
 */
#ifndef LB_BASE_H
#define LB_BASE_H

#include "lazybuddy.h"
#include "platform.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef LB_FREESTANDING
/* All the core needs of a C library, which compilers may also emit calls
 * to; the embedder supplies them (C11 7.1.4 lets a program declare them). */
void *memset(void *s, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
#else
#include <string.h>
#endif

#ifndef LB_DEBUG
#define LB_DEBUG 0 /* 1: internal assertions; 2: also the full checker, often */
#endif

/* Assertions: LB_ASSERT is cheap and always on; LB_DBG_ASSERT is internal. */
#if defined(LB_FREESTANDING)
#define lb_panic(msg) __builtin_trap()
#else
#include <stdio.h>
#include <stdlib.h>
#define lb_panic(msg)                                                            \
	do {                                                                     \
		fprintf(stderr, "lazybuddy: %s:%d: %s\n", __FILE__, __LINE__, msg); \
		abort();                                                         \
	} while (0)
#endif
#define LB_ASSERT(c)                                \
	do {                                        \
		if (__builtin_expect(!(c), 0))      \
			lb_panic("assertion " #c);  \
	} while (0)
#if LB_DEBUG >= 1
#define LB_DBG_ASSERT(c) LB_ASSERT(c)
#else
#define LB_DBG_ASSERT(c) ((void)0)
#endif

#define LB_ZONE_MAGIC UINT64_C(0x6c617a7962756479) /* "lazybudy" */
/* Page indices are 32-bit: a zone spans 2^32 pages (LB_ZONE_MAX_SPAN) at
 * most, and then every 32-bit value is a page. So no link value can mean
 * "none": a free list ends in a link to the block itself (pg_next()), and
 * positions kept in 64 bits (list ends, cursors) use LB_NIL. */
#define ZONE_MAX_PAGES (LB_ZONE_MAX_SPAN >> LB_PAGE_SHIFT)
#define LB_NIL UINT64_MAX
#define SECTION_ORDER LB_MAX_ORDER
#define SECTION_PAGES (UINT64_C(1) << SECTION_ORDER)
#define NR_ORDERS (LB_MAX_ORDER + 1)
#define BLOCK_ORDER_MAX (21 - LB_PAGE_SHIFT) /* 2 MiB: adaptive's largest block */
#define ACCEPT_RUN_SECTIONS 256 /* batch limit for runs of sections: 1 GiB */
/* Failed backend calls one operation may make (retry.c): an allocation,
 * an acceptor pass, a call of lb_zone_accept() or lb_zone_setup_accept()
 * (and a switch to eager, a piece of set-up). */
#define ALLOC_FAILS 4
#define PASS_FAILS 1
#define CALL_FAILS 4
#define NR_SUSPECTS 16 /* failed ranges remembered, not passed whole again */

/* A slow path kept out of line, so that the fast path around it needs no
 * more registers than its own work (no pushes on every call). */
#define LB_COLD __attribute__((noinline, cold))

/* A fast path with two entries (the public one, which checks its
 * argument, and the library's own): inlined into both, not called. */
#define LB_HOT_INLINE inline __attribute__((always_inline))

#endif
