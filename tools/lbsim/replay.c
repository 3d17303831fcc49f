/* SPDX-License-Identifier: MIT */
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drive.h"

/* Low bits of an id's slot: the block is live, and its order. */
#define LIVE 0x800u
#define ORDER_MASK 0x1fu

void lbs_replay_defaults(struct lbs_replay_config *c)
{
	memset(c, 0, sizeof *c);
	lbs_sim_defaults(&c->sim);
	c->lock = LBS_LOCK_UNIT;
	c->boot = 1;
	c->acceptor_period_ns = UINT64_C(1000000);
	c->releaser_period_ns = UINT64_C(100000000);
	c->tail_ns = UINT64_C(3000000000);
}

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

/* The trace as a source of operations (source.h). */
struct trace_src {
	const struct lbs_tracebuf *tb;
	uint64_t *slot;        /* per allocation id: address | LIVE | order */
	size_t next;           /* the next event */
	struct lbs_op op;      /* it, as an operation */
	lbs_progress_fn progress;
	void *pctx;
};

static const struct lbs_op *trace_peek(void *ctx)
{
	struct trace_src *s = ctx;
	struct lbs_op *op = &s->op;
	const struct lbs_tev *e;
	uint64_t slot;

	if (s->next >= s->tb->n)
		return NULL;
	e = &s->tb->ev[s->next];
	slot = s->slot[e->id];
	op->when = e->ts - s->tb->ts_first;
	op->vcpu = e->vcpu;
	op->flags = (e->flags & LBS_EV_NOWAIT) ? LB_ALLOC_NOWAIT : 0;
	if (e->kind == LBS_EV_ALLOC) {
		op->kind = LBS_OP_ALLOC;
		op->order = e->order;
		op->addr = 0;
	} else {
		/* A free of a block whose allocation failed here changes nothing. */
		op->kind = (slot & LIVE) ? LBS_OP_FREE : LBS_OP_NOP;
		op->order = (unsigned)(slot & ORDER_MASK);
		op->addr = slot & ~(LB_PAGE_SIZE - 1u);
	}
	return op;
}

static void trace_ran(void *ctx, const struct lbs_op *op, int rc, uint64_t addr)
{
	struct trace_src *s = ctx;
	const struct lbs_tev *e = &s->tb->ev[s->next++];

	if (op->kind == LBS_OP_ALLOC && rc == 0)
		s->slot[e->id] = addr | LIVE | op->order;
	else if (op->kind == LBS_OP_FREE && rc == 0)
		s->slot[e->id] = 0;
	if (s->progress && (s->next & 16383u) == 0)
		s->progress(s->pctx, s->next);
}

static void trace_fields(const struct lbs_tracebuf *tb, struct lbs_result *out)
{
	out->is_trace = 1;
	out->trace_events = lbs_tracebuf_events(tb);
	out->unknown_lines = tb->sum.unknown_lines;
	for (int k = 0; k < LB_TRACE_NINCONS; k++)
		out->incons[k] = tb->sum.check.incons[k];
	out->incons_total = lbs_tracebuf_incons(tb);
	out->footprint_bytes = lbs_tracebuf_footprint(tb);
	out->peak_live_bytes = tb->peak_live_bytes;
	out->trace_span_ns = tb->ts_last - tb->ts_first;
	out->trace_allocs_too_large = tb->too_large;
	out->vcpus = tb->nvcpus;
}

int lbs_replay_run(const struct lbs_replay_config *c, const struct lbs_tracebuf *tb,
		   enum lb_policy p, struct lbs_result *out, lbs_progress_fn progress,
		   void *progress_ctx)
{
	struct lbs_drive_config dc = {&c->sim, tb->nvcpus, c->lock, c->acceptor_period_ns,
				      c->releaser_period_ns, c->tail_ns, c->keep_extra};
	struct trace_src ts = {tb, NULL, 0, {0}, progress, progress_ctx};
	struct lbs_source src = {trace_peek, trace_ran, &ts};
	struct lbs_drive d;
	struct lbs_wl boot;
	int rc;

	memset(out, 0, sizeof *out);
	memset(&boot, 0, sizeof boot);
	out->workload = "trace";
	trace_fields(tb, out);

	uint64_t w0 = wall_ns();
	rc = lbs_drive_init(&d, &dc, p, out);
	if (!rc && c->boot) {
		/* The kernel's boot allocations, on vCPU 0, back to back, kept. */
		struct lbs_wl_params wp = {c->sim.seed, lbs_drive_managed_pages(&d), 0,
					   LBS_RATE_MAX};
		struct lbs_source bs;

		rc = lbs_wl_init(&boot, LBS_WL_BOOT, &wp);
		if (!rc) {
			lbs_wl_source(&boot, &bs);
			lbs_drive_prelude(&d, &bs);
		}
	}
	if (!rc) {
		ts.slot = calloc((size_t)tb->max_id + 1u, sizeof *ts.slot);
		rc = ts.slot ? 0 : LB_ENOMEM;
	}
	if (!rc) {
		lbs_drive_run(&d, &src);
		if (progress)
			progress(progress_ctx, tb->n);
		out->replayed_events = tb->n;
	}
	out->replay_wall_ns = wall_ns() - w0;
	if (out->replay_wall_ns)
		out->events_per_sec = (uint64_t)((double)out->trace_events * 1e9 /
						 (double)out->replay_wall_ns);
	lbs_drive_fini(&d);
	lbs_wl_fini(&boot);
	free(ts.slot);
	return rc;
}
