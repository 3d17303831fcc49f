/* SPDX-License-Identifier: MIT */
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drive.h"

/* An id's slot: the block's address and these low bits. */
#define LIVE 0x800u      /* allocated here, not freed yet */
#define RAN 0x400u       /* the allocation has run (live, failed or freed) */
#define WAITER 0x200u    /* not run yet, and a vCPU's free waits for it
			    (the vCPU in the bits from WAITER_SHIFT) */
#define WAITER_SHIFT 16
#define ORDER_MASK 0x1fu

void lbs_replay_defaults(struct lbs_replay_config *c)
{
	memset(c, 0, sizeof *c);
	lbs_sim_defaults(&c->sim);
	c->boot = 1;
	c->acceptor_period_ns = LB_ACCEPTOR_PERIOD_NS; /* the library's threads' */
	c->releaser_period_ns = lb_releaser_nap_ns(0);
	c->tail_ns = UINT64_C(3000000000);
}

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

/*
 * The trace as a source of operations (source.h): each vCPU walks its own
 * events in order. A free whose allocation (on another vCPU) has not run
 * yet in virtual time blocks its vCPU until it has: a block is freed after
 * it was allocated, as in the kernel that was traced.
 */
struct trace_src {
	const struct lbs_tracebuf *tb;
	struct lbs_source *src;
	uint64_t *slot;        /* per allocation id: address | LIVE | RAN | order */
	uint8_t *has_alloc;    /* per id: the trace holds its allocation */
	uint32_t *next;        /* per event: its vCPU's next event, or UINT32_MAX */
	uint32_t *cur;         /* per vCPU: its next event */
	uint64_t *prev_ts;     /* per vCPU: its previous event's timestamp */
	unsigned load_pct;     /* --load, for a trace without idle periods */
	struct lbs_op *op;     /* per vCPU: it, as an operation */
	uint64_t ran;          /* events run */
	uint64_t page_events;  /* of them allocations and frees (not IDLE) */
	lbs_progress_fn progress;
	void *pctx;
};

static const struct lbs_op *trace_peek(void *ctx, unsigned v)
{
	struct trace_src *s = ctx;
	struct lbs_op *op = &s->op[v];
	const struct lbs_tev *e;
	uint64_t slot;

	if (s->cur[v] == UINT32_MAX)
		return NULL;
	e = &s->tb->ev[s->cur[v]];
	slot = s->slot[e->id];
	op->when = e->ts - s->tb->ts_first;
	/* Its CPU's work before it: what the trace recorded out of the idle
	 * task, else --load's share of the gap since its previous event. */
	op->busy = s->tb->busy ? s->tb->busy[s->cur[v]]
		 : lbs_load_share(e->ts > s->prev_ts[v] ? e->ts - s->prev_ts[v] : 0, s->load_pct);
	op->flags = 0;
	if (e->kind == LBS_EV_IDLE) {
		op->kind = LBS_OP_IDLE;
		return op;
	}
	if (e->flags & LBS_EV_TRYLOCK)
		op->flags = LB_ALLOC_NOWAIT;
	else if (e->flags & LBS_EV_ATOMIC)
		op->flags = LB_ALLOC_ATOMIC;
	if (e->kind == LBS_EV_ALLOC) {
		op->kind = LBS_OP_ALLOC;
		op->order = e->order;
		op->addr = 0;
	} else if (s->has_alloc[e->id] && !(slot & RAN)) {
		op->kind = LBS_OP_BLOCKED;
		s->slot[e->id] = WAITER | ((uint64_t)v << WAITER_SHIFT);
	} else {
		/* A free of a block whose allocation failed here changes nothing. */
		op->kind = (slot & LIVE) ? LBS_OP_FREE : LBS_OP_NOP;
		op->order = (unsigned)(slot & ORDER_MASK);
		op->addr = slot & ~(LB_PAGE_SIZE - 1u);
	}
	return op;
}

static void trace_ran(void *ctx, unsigned v, const struct lbs_op *op, int rc, uint64_t addr,
		      uint64_t end)
{
	struct trace_src *s = ctx;
	const struct lbs_tev *e = &s->tb->ev[s->cur[v]];
	uint64_t prev = s->slot[e->id];

	s->page_events += e->kind != LBS_EV_IDLE;
	(void)end;
	s->prev_ts[v] = e->ts;
	s->cur[v] = s->next[s->cur[v]];
	if (op->kind == LBS_OP_ALLOC) {
		s->slot[e->id] = RAN | (rc == 0 ? addr | LIVE | op->order : 0);
		if (prev & WAITER)
			s->src->wake(s->src->drive, (unsigned)(prev >> WAITER_SHIFT));
	} else if (op->kind == LBS_OP_FREE && rc == 0) {
		s->slot[e->id] = RAN;
	}
	if (s->progress && (++s->ran & 16383u) == 0)
		s->progress(s->pctx, s->ran);
}

/* Thread each vCPU's events; note which ids the trace allocates. */
static int trace_src_init(struct trace_src *s, const struct lbs_tracebuf *tb)
{
	uint32_t *last;

	s->tb = tb;
	s->slot = calloc((size_t)tb->max_id + 1u, sizeof *s->slot);
	s->has_alloc = calloc((size_t)tb->max_id + 1u, 1);
	s->next = malloc((tb->n ? tb->n : 1u) * sizeof *s->next);
	s->cur = malloc(tb->nvcpus * sizeof *s->cur);
	s->prev_ts = malloc(tb->nvcpus * sizeof *s->prev_ts);
	s->op = calloc(tb->nvcpus, sizeof *s->op);
	last = malloc(tb->nvcpus * sizeof *last);
	if (!s->slot || !s->has_alloc || !s->next || !s->cur || !s->prev_ts || !s->op || !last) {
		free(last);
		return LB_ENOMEM;
	}
	for (unsigned v = 0; v < tb->nvcpus; v++) {
		s->cur[v] = last[v] = UINT32_MAX;
		s->prev_ts[v] = tb->ts_first; /* the replay starts for all at once */
	}
	for (size_t i = 0; i < tb->n; i++) {
		const struct lbs_tev *e = &tb->ev[i];

		s->next[i] = UINT32_MAX;
		if (last[e->vcpu] == UINT32_MAX)
			s->cur[e->vcpu] = (uint32_t)i;
		else
			s->next[last[e->vcpu]] = (uint32_t)i;
		last[e->vcpu] = (uint32_t)i;
		if (e->kind == LBS_EV_ALLOC)
			s->has_alloc[e->id] = 1;
	}
	free(last);
	return 0;
}

static void trace_src_fini(struct trace_src *s)
{
	free(s->slot);
	free(s->has_alloc);
	free(s->next);
	free(s->cur);
	free(s->prev_ts);
	free(s->op);
}

static void trace_fields(const struct lbs_tracebuf *tb, struct lbs_result *out)
{
	out->is_trace = 1;
	out->trace_events = lbs_tracebuf_events(tb);
	out->unknown_lines = tb->sum.unknown_lines;
	out->lost_events = tb->sum.lost_events;
	for (int k = 0; k < LB_TRACE_NINCONS; k++)
		out->incons[k] = tb->sum.check.incons[k];
	out->incons_total = lbs_tracebuf_incons(tb);
	out->footprint_bytes = lbs_tracebuf_footprint(tb);
	out->peak_live_bytes = tb->peak_live_bytes;
	out->trace_span_ns = tb->ts_last - tb->ts_first;
	out->trace_idle = tb->have_idle;
	out->trace_allocs_too_large = tb->too_large;
	out->vcpus = tb->nvcpus;
}

int lbs_replay_run(const struct lbs_replay_config *c, const struct lbs_tracebuf *tb,
		   enum lb_policy p, struct lbs_result *out, lbs_progress_fn progress,
		   void *progress_ctx)
{
	struct lbs_drive_config dc = {&c->sim, tb->nvcpus, c->acceptor_period_ns,
				      c->releaser_period_ns, c->tail_ns, c->keep_extra, c->boot};
	struct trace_src ts;
	struct lbs_source src = {0};
	struct lbs_drive d;
	struct lbs_wls boot;
	uint64_t w0;
	int rc;

	memset(out, 0, sizeof *out);
	memset(&boot, 0, sizeof boot);
	memset(&ts, 0, sizeof ts);
	if (tb->n > UINT32_MAX - 1u || tb->nvcpus > LBS_MAX_VCPUS)
		return LB_EINVAL;
	out->workload = "trace";
	out->with_boot = c->boot;
	trace_fields(tb, out);

	w0 = wall_ns();
	rc = lbs_drive_init(&d, &dc, p, out);
	if (!rc && c->boot) {
		/* The kernel's boot allocations, back to back, kept: before
		 * watermarks on vCPU 0, then on every vCPU. */
		struct lbs_wl_params wp = {c->sim.seed, lbs_drive_managed_pages(&d), 0,
					   LBS_RATE_MAX, tb->nvcpus, c->sim.load_pct};
		struct lbs_source bs;

		rc = lbs_wls_init(&boot, LBS_WL_BOOT, &wp);
		if (!rc) {
			lbs_wls_source(&boot, &bs);
			lbs_drive_prelude(&d, &bs);
		}
	}
	if (!rc)
		rc = trace_src_init(&ts, tb);
	if (!rc) {
		ts.load_pct = c->sim.load_pct;
		ts.progress = progress;
		ts.pctx = progress_ctx;
		ts.src = &src;
		src.nvcpus = tb->nvcpus;
		src.peek = trace_peek;
		src.ran = trace_ran;
		src.ctx = &ts;
		lbs_drive_run(&d, &src);
		if (progress)
			progress(progress_ctx, tb->n);
		out->replayed_events = ts.page_events;
	}
	out->replay_wall_ns = wall_ns() - w0;
	if (out->replay_wall_ns)
		out->events_per_sec = (uint64_t)((double)out->trace_events * 1e9 /
						 (double)out->replay_wall_ns);
	lbs_drive_fini(&d);
	lbs_wls_fini(&boot);
	trace_src_fini(&ts);
	return rc;
}
