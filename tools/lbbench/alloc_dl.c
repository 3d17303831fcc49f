/* SPDX-License-Identifier: MIT */
/*
 * jemalloc and mimalloc as Debian ships them (libjemalloc2, libmimalloc2),
 * loaded with dlopen(RTLD_LOCAL) and called through their own entry
 * points: linking them would replace the process's malloc (both export
 * malloc), which would change glibc's figures and lazybuddy's. Nothing
 * here links against either; a missing library only skips its rows.
 *
 *   jemalloc  mallocx(size, MALLOCX_LG_ALIGN(12)) / sdallocx(p, size, same)
 *             (sized free, like lb_free with its order)
 *   mimalloc  mi_malloc_aligned(size, 4096) / mi_free(p)
 */
#include "alloc.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096u
#define MALLOCX_LG_ALIGN_4K 12 /* jemalloc's MALLOCX_LG_ALIGN(la) is la */

struct dl_state {
	void *handle;
	void *(*mallocx)(size_t, int);
	void (*sdallocx)(void *, size_t, int);
	void *(*mi_malloc_aligned)(size_t, size_t);
	void (*mi_free)(void *);
};

/* dlsym returns an object pointer; copying it into the function pointer
 * avoids a conversion ISO C does not define. */
static int sym(struct lbb_allocator *a, void *h, const char *name, void *fnp, size_t size)
{
	void *s = dlsym(h, name);

	if (!s) {
		snprintf(a->why, sizeof a->why, "%s: no %s", a->name, name);
		return -1;
	}
	memcpy(fnp, &s, size);
	return 0;
}

static int dl_open(struct lbb_allocator *a, const char *soname, struct dl_state **out)
{
	struct dl_state *st = calloc(1, sizeof *st);

	if (!st)
		return -1;
	st->handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!st->handle) {
		snprintf(a->why, sizeof a->why, "%s", dlerror());
		free(st);
		return -1;
	}
	*out = st;
	return 0;
}

static void dl_fini(struct lbb_allocator *a)
{
	/* Never dlclose: the library's threads and caches may outlive a run. */
	free(a->state);
	a->state = NULL;
}

static int je_init(struct lbb_allocator *a, const struct lbb_params *p)
{
	struct dl_state *st;

	(void)p;
	if (dl_open(a, "libjemalloc.so.2", &st))
		return -1;
	if (sym(a, st->handle, "mallocx", &st->mallocx, sizeof st->mallocx) ||
	    sym(a, st->handle, "sdallocx", &st->sdallocx, sizeof st->sdallocx)) {
		free(st);
		return -1;
	}
	a->state = st;
	return 0;
}

static int mi_init(struct lbb_allocator *a, const struct lbb_params *p)
{
	struct dl_state *st;

	(void)p;
	if (dl_open(a, "libmimalloc.so.2", &st))
		return -1;
	if (sym(a, st->handle, "mi_malloc_aligned", &st->mi_malloc_aligned,
		sizeof st->mi_malloc_aligned) ||
	    sym(a, st->handle, "mi_free", &st->mi_free, sizeof st->mi_free)) {
		free(st);
		return -1;
	}
	a->state = st;
	return 0;
}

static int dl_begin(struct lbb_allocator *a)
{
	(void)a;
	return 0;
}

static void dl_end(struct lbb_allocator *a)
{
	(void)a;
}

static int dl_thread_open(struct lbb_allocator *a, void **tctx)
{
	*tctx = a->state;
	return 0;
}

static void dl_thread_close(struct lbb_allocator *a, void *tctx)
{
	(void)a;
	(void)tctx;
}

static int je_alloc(void *tctx, unsigned order, struct lbb_block *b)
{
	const struct dl_state *st = tctx;

	b->p = st->mallocx((size_t)PAGE << order, MALLOCX_LG_ALIGN_4K);
	return b->p ? 0 : 1;
}

static int je_free(void *tctx, const struct lbb_block *b, unsigned order)
{
	const struct dl_state *st = tctx;

	st->sdallocx(b->p, (size_t)PAGE << order, MALLOCX_LG_ALIGN_4K);
	return 0;
}

static int mi_alloc_block(void *tctx, unsigned order, struct lbb_block *b)
{
	const struct dl_state *st = tctx;

	b->p = st->mi_malloc_aligned((size_t)PAGE << order, PAGE);
	return b->p ? 0 : 1;
}

static int mi_free_block(void *tctx, const struct lbb_block *b, unsigned order)
{
	const struct dl_state *st = tctx;

	(void)order;
	st->mi_free(b->p);
	return 0;
}

const struct lbb_alloc_ops lbb_jemalloc_ops = {
	.init = je_init,
	.fini = dl_fini,
	.begin = dl_begin,
	.end = dl_end,
	.thread_open = dl_thread_open,
	.thread_close = dl_thread_close,
	.alloc = je_alloc,
	.free = je_free,
};

const struct lbb_alloc_ops lbb_mimalloc_ops = {
	.init = mi_init,
	.fini = dl_fini,
	.begin = dl_begin,
	.end = dl_end,
	.thread_open = dl_thread_open,
	.thread_close = dl_thread_close,
	.alloc = mi_alloc_block,
	.free = mi_free_block,
};
