/* SPDX-License-Identifier: MIT */
/*
 * The allocators lbbench compares, behind one interface.
 *
 * Every allocator hands out blocks of 4096 << order bytes aligned to at
 * least 4096: lazybuddy (one per policy, over the mmap backend, with a
 * per-thread lb_cache), glibc's aligned_alloc, jemalloc and mimalloc
 * loaded with dlopen (so they never replace the process's malloc), and
 * mmap/munmap per block.
 *
 * Life cycle: init once; begin/end around every run (lazy memory gets a
 * fresh, wholly unaccepted zone per run, so every run pays acceptance);
 * thread_open/thread_close in each thread of a run; alloc/free in between.
 */
#ifndef LBB_ALLOC_H
#define LBB_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lbb_params;

struct lbb_block {
	void *p;    /* the memory */
	uint64_t h; /* lazybuddy: the physical address to free */
};

struct lbb_allocator;

struct lbb_alloc_ops {
	int (*init)(struct lbb_allocator *a, const struct lbb_params *p);
	void (*fini)(struct lbb_allocator *a);
	int (*begin)(struct lbb_allocator *a);
	void (*end)(struct lbb_allocator *a);
	int (*thread_open)(struct lbb_allocator *a, void **tctx);
	void (*thread_close)(struct lbb_allocator *a, void *tctx);
	/* 0, a negative LB_E* code (lazybuddy) or 1 (a baseline failed).
	 * alloc does not touch the block. */
	int (*alloc)(void *tctx, unsigned order, struct lbb_block *b);
	int (*free)(void *tctx, const struct lbb_block *b, unsigned order);
};

enum lbb_memory { LBB_MEM_ACCEPTED, LBB_MEM_LAZY };

struct lbb_allocator {
	char name[32];          /* "lazybuddy-unit", "glibc", ... */
	enum lbb_memory memory;
	const struct lbb_alloc_ops *ops;
	int policy;             /* lazybuddy: enum lb_policy */
	unsigned ops_divisor;   /* runs 1/ops_divisor of the operations (mmap) */
	void *state;            /* the allocator's own */
	char why[128];          /* init failed: why */
};

#define LBB_MAX_ALLOCATORS 16

/* Every allocator lbbench knows, not yet initialised. Returns the count. */
size_t lbb_allocator_list(struct lbb_allocator *out, size_t cap);

/* "accepted" or "lazy-mmap" */
const char *lbb_memory_name(enum lbb_memory m);

/* The allocators' ops tables (alloc_lazy.c, alloc_libc.c, alloc_dl.c). */
extern const struct lbb_alloc_ops lbb_lazybuddy_ops;
extern const struct lbb_alloc_ops lbb_glibc_ops;
extern const struct lbb_alloc_ops lbb_mmap_ops;
extern const struct lbb_alloc_ops lbb_jemalloc_ops;
extern const struct lbb_alloc_ops lbb_mimalloc_ops;

#endif
