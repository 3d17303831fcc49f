/* SPDX-License-Identifier: MIT */
/*
 * lazybuddy as an lbbench allocator: a zone over the mmap backend, so that
 * blocks are real memory and acceptance has its real cost (PROT_NONE to
 * read/write, then populating the pages).
 *
 * accepted: every policy shares one zone, set up under eager (everything
 * accepted and populated before any run); each run switches it to the
 * policy measured. The memory is the same page for page, so the runs
 * differ by the policy's bookkeeping alone. The zone is empty between runs.
 * lazy-mmap: every run gets a fresh zone whose memory is all unaccepted,
 * so each run pays for the acceptance it causes.
 * background and adaptive run their acceptor thread during their runs.
 *
 * Each thread allocates through its own lb_cache (unless --no-cache).
 */
#include "alloc.h"
#include "machine.h"
#include "params.h"

#include <lazybuddy.h>
#include <lazybuddy_backends.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PHYS_BASE (UINT64_C(1) << 32) /* any section-aligned address will do */

struct lazy_zone {
	struct lb_mmap_backend mb;
	struct lb_zone *z; /* NULL while no zone is set up */
	void *meta;
	size_t meta_size;
	uint64_t zone_bytes;
	bool acceptor; /* its thread is running */
};

struct lazy_state {
	struct lazy_zone own;   /* lazy-mmap */
	struct lazy_zone *zone; /* own, or the shared accepted one */
	bool no_cache;
};

/* The accepted zone the accepted allocators share, and how many do. */
static struct lazy_zone accepted_zone;
static unsigned accepted_users;

struct lazy_thread {
	struct lb_zone *z;
	struct lb_cache *c; /* NULL with --no-cache */
	unsigned char *base; /* the mapping of PHYS_BASE */
	void *mem;
};

static bool has_acceptor(int policy)
{
	return lb_policy_runs_acceptor((enum lb_policy)policy) == 1;
}

static void zone_close(struct lazy_zone *lz)
{
	if (!lz->z)
		return;
	if (lz->acceptor)
		lb_acceptor_stop(lz->z);
	lz->acceptor = false;
	lb_zone_fini(lz->z);
	lz->z = NULL;
	lb_mmap_backend_fini(&lz->mb);
}

static int fail(struct lbb_allocator *a, const char *what, int rc)
{
	snprintf(a->why, sizeof a->why, "%s: %s", what, lb_strerror(rc));
	return rc ? rc : -1;
}

/* A zone of zone_bytes, all unaccepted, under policy (eager accepts it all). */
static int zone_open(struct lbb_allocator *a, struct lazy_zone *lz, enum lb_policy policy)
{
	struct lb_range r = { PHYS_BASE, lz->zone_bytes, LB_MEM_UNACCEPTED };
	/* a CPU list per CPU: lb_alloc() and lb_free() as a guest kernel's
	 * allocator would use them, with or without the threads' caches */
	struct lb_config cfg = { .ranges = &r, .nranges = 1, .policy = policy,
				 .cpus = lbb_ncpu() < 1024 ? lbb_ncpu() : 1024 };
	size_t size;
	int rc;

	rc = lb_mmap_backend_init(&lz->mb, &r, 1, &cfg.backend);
	if (rc)
		return fail(a, "mmap backend", rc);
	rc = lb_zone_meta_size(&cfg, &size);
	if (!rc && size > lz->meta_size) {
		free(lz->meta);
		lz->meta_size = (size + 63) & ~(size_t)63;
		lz->meta = aligned_alloc(64, lz->meta_size);
		if (!lz->meta)
			lz->meta_size = 0;
	}
	if (!rc)
		rc = lz->meta ? lb_zone_init(&lz->z, lz->meta, lz->meta_size, &cfg) : LB_ENOSPACE;
	if (rc) {
		lz->z = NULL;
		lb_mmap_backend_fini(&lz->mb);
		return fail(a, "zone set-up", rc);
	}
	return 0;
}

/* Put the zone under the allocator's policy for a run. */
static int run_policy(struct lbb_allocator *a, struct lazy_zone *lz)
{
	int rc = lb_zone_set_policy(lz->z, (enum lb_policy)a->policy);

	if (!rc && has_acceptor(a->policy)) {
		rc = lb_acceptor_start(lz->z);
		lz->acceptor = rc == 0;
	}
	return rc ? fail(a, "policy", rc) : 0;
}

static int lazy_init(struct lbb_allocator *a, const struct lbb_params *p)
{
	struct lazy_state *st = calloc(1, sizeof *st);

	if (!st) {
		snprintf(a->why, sizeof a->why, "out of memory");
		return -1;
	}
	st->no_cache = p->no_cache;
	st->own.zone_bytes = p->zone_bytes;
	st->zone = &st->own;
	if (a->memory == LBB_MEM_ACCEPTED) {
		/* Accept (and populate) it all now, outside any run, once. */
		if (!accepted_users) {
			accepted_zone.zone_bytes = p->zone_bytes;
			if (zone_open(a, &accepted_zone, LB_POLICY_EAGER)) {
				free(st);
				return -1;
			}
		}
		accepted_users++;
		st->zone = &accepted_zone;
	}
	a->state = st;
	return 0;
}

static void lazy_fini(struct lbb_allocator *a)
{
	struct lazy_state *st = a->state;

	if (!st)
		return;
	if (st->zone == &accepted_zone && !--accepted_users) {
		zone_close(&accepted_zone);
		free(accepted_zone.meta);
		memset(&accepted_zone, 0, sizeof accepted_zone);
	}
	zone_close(&st->own);
	free(st->own.meta);
	free(st);
	a->state = NULL;
}

static int lazy_begin(struct lbb_allocator *a)
{
	struct lazy_state *st = a->state;
	int rc;

	if (a->memory == LBB_MEM_LAZY) {
		rc = zone_open(a, &st->own, (enum lb_policy)a->policy);
		if (rc)
			return rc;
	}
	rc = run_policy(a, st->zone);
	if (rc && a->memory == LBB_MEM_LAZY)
		zone_close(&st->own);
	return rc;
}

static void lazy_end(struct lbb_allocator *a)
{
	struct lazy_state *st = a->state;

	if (a->memory == LBB_MEM_LAZY) {
		zone_close(&st->own);
	} else if (st->zone->acceptor) {
		lb_acceptor_stop(st->zone->z);
		st->zone->acceptor = false;
	}
}

static int lazy_thread_open(struct lbb_allocator *a, void **tctx)
{
	struct lazy_state *st = a->state;
	struct lazy_thread *t = calloc(1, sizeof *t);
	size_t size = (lb_cache_size() + 63) & ~(size_t)63;
	int rc;

	if (!t)
		return -1;
	t->z = st->zone->z;
	t->base = lb_mmap_ptr(&st->zone->mb, PHYS_BASE);
	if (!st->no_cache) {
		t->mem = aligned_alloc(64, size);
		rc = t->mem ? lb_cache_init(&t->c, t->z, t->mem, size) : LB_ENOSPACE;
		if (rc) {
			free(t->mem);
			free(t);
			return rc;
		}
	}
	*tctx = t;
	return 0;
}

static void lazy_thread_close(struct lbb_allocator *a, void *tctx)
{
	struct lazy_thread *t = tctx;

	(void)a;
	if (t->c)
		lb_cache_fini(t->c);
	free(t->mem);
	free(t);
}

static int lazy_alloc(void *tctx, unsigned order, struct lbb_block *b)
{
	struct lazy_thread *t = tctx;
	uint64_t addr;
	int rc = t->c ? lb_cache_alloc(t->c, order, 0, &addr) : lb_alloc(t->z, order, 0, &addr);

	if (rc)
		return rc;
	b->h = addr;
	b->p = t->base + (addr - PHYS_BASE);
	return 0;
}

static int lazy_free(void *tctx, const struct lbb_block *b, unsigned order)
{
	struct lazy_thread *t = tctx;

	return t->c ? lb_cache_free(t->c, b->h, order) : lb_free(t->z, b->h, order);
}

const struct lbb_alloc_ops lbb_lazybuddy_ops = {
	.init = lazy_init,
	.fini = lazy_fini,
	.begin = lazy_begin,
	.end = lazy_end,
	.thread_open = lazy_thread_open,
	.thread_close = lazy_thread_close,
	.alloc = lazy_alloc,
	.free = lazy_free,
};
