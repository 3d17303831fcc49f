/* SPDX-License-Identifier: MIT */
/*
 * The three workloads, as run by one thread on its own slots.
 *
 * An operation is one allocation (the block's first byte written, for every
 * allocator alike, so that lazy acceptance is really paid and the baselines
 * do the same work) or one free.
 *   churn       fill `live` order-0 slots, then free a random slot and
 *               allocate it again, to `ops` operations (an odd count ends
 *               with a free; never fewer than the fill);
 *   mixed       the same with orders drawn at every allocation: 70% order 0,
 *               the rest uniform over orders 1..10;
 *   fill_drain  allocate `live` order-0 pages, then free them all in the
 *               order allocated (once per run: the fill is the point);
 *   handoff     threads in pairs (an odd last one with itself): each
 *               allocates order-0 pages and hands them, through a ring of
 *               HANDOFF_RING, to its partner, which frees them, to `ops`
 *               operations, half allocations and half frees: every free
 *               is of a page another thread allocated (a producer and a
 *               consumer, both ways).
 * The fill is part of the timed run: a run starts from an empty allocator
 * (for lazy memory, from a zone with nothing accepted), so first use of
 * memory is measured as it happens. Freeing what is left at the end is not.
 */
#ifndef LBB_WORKLOAD_H
#define LBB_WORKLOAD_H

#include "alloc.h"
#include "clock.h"
#include "params.h"

#define HANDOFF_RING 256

/* handoff: the pages a worker allocated, in blk[], until its partner
 * frees them; each index on a cache line of its own */
struct lbb_ring {
	_Alignas(64) uint64_t tail; /* allocated so far: the producer's */
	_Alignas(64) uint64_t head; /* freed so far: the consumer's */
};

struct lbb_worker {
	/* set by the runner; a worker fills whole cache lines (measure.c) */
	_Alignas(64) struct lbb_allocator *a;
	void *tctx;
	enum lbb_bench bench;
	size_t live;              /* slots */
	uint64_t ops;             /* operations to run */
	uint64_t rng;             /* nonzero */
	struct lbb_sampler s;
	struct lbb_block *blk;    /* live slots have p != NULL */
	unsigned char *order;
	struct lbb_ring *ring;     /* handoff: what this worker hands out */
	struct lbb_worker *partner; /* handoff: whose pages it frees */
	/* the allocator's entry points, copied out of a->ops */
	int (*alloc)(void *tctx, unsigned order, struct lbb_block *b);
	int (*free)(void *tctx, const struct lbb_block *b, unsigned order);
	/* results */
	uint64_t done;            /* operations run */
	uint64_t t_start, t_end;  /* wall clock around them */
	uint64_t cpu_ns;          /* the thread's CPU time meanwhile */
	int err;                  /* first failure: its return code */
	const char *err_what;     /* "alloc" or "free" */
};

/* Run the timed part; returns w->err. */
int lbb_workload_run(struct lbb_worker *w);

/* Free every slot still live (untimed). */
void lbb_workload_drain(struct lbb_worker *w);

#endif
