/* SPDX-License-Identifier: MIT */
/* Baselines from the C library: glibc's aligned_alloc, and mmap per block. */
#include "alloc.h"

#include <stdlib.h>
#include <sys/mman.h>

#define PAGE 4096u

static int none_init(struct lbb_allocator *a, const struct lbb_params *p)
{
	(void)a;
	(void)p;
	return 0;
}

static void none_fini(struct lbb_allocator *a)
{
	(void)a;
}

static int none_begin(struct lbb_allocator *a)
{
	(void)a;
	return 0;
}

static int none_thread_open(struct lbb_allocator *a, void **tctx)
{
	*tctx = a->state;
	return 0;
}

static void none_thread_close(struct lbb_allocator *a, void *tctx)
{
	(void)a;
	(void)tctx;
}

static int glibc_alloc(void *tctx, unsigned order, struct lbb_block *b)
{
	(void)tctx;
	b->p = aligned_alloc(PAGE, (size_t)PAGE << order);
	return b->p ? 0 : 1;
}

static int glibc_free(void *tctx, const struct lbb_block *b, unsigned order)
{
	(void)tctx;
	(void)order;
	free(b->p);
	return 0;
}

static int mmap_alloc(void *tctx, unsigned order, struct lbb_block *b)
{
	void *p = mmap(NULL, (size_t)PAGE << order, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)tctx;
	b->p = p == MAP_FAILED ? NULL : p;
	return b->p ? 0 : 1;
}

static int mmap_free(void *tctx, const struct lbb_block *b, unsigned order)
{
	(void)tctx;
	return munmap(b->p, (size_t)PAGE << order) ? 1 : 0;
}

const struct lbb_alloc_ops lbb_glibc_ops = {
	.init = none_init,
	.fini = none_fini,
	.begin = none_begin,
	.end = none_fini,
	.thread_open = none_thread_open,
	.thread_close = none_thread_close,
	.alloc = glibc_alloc,
	.free = glibc_free,
};

const struct lbb_alloc_ops lbb_mmap_ops = {
	.init = none_init,
	.fini = none_fini,
	.begin = none_begin,
	.end = none_fini,
	.thread_open = none_thread_open,
	.thread_close = none_thread_close,
	.alloc = mmap_alloc,
	.free = mmap_free,
};
