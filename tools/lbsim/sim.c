/* SPDX-License-Identifier: MIT */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive.h"
#include "lazybuddy_backends.h"

void lbs_sim_defaults(struct lbs_sim_config *c)
{
	memset(c, 0, sizeof *c);
	c->memory_bytes = UINT64_C(16) << 30;
	c->pre_accepted_bytes = UINT64_C(4) << 30;
	c->unit_bytes = LB_UNIT_DEFAULT;
	/* What KVM does today: TD private memory mapped at 4 KiB. */
	snprintf(c->backend, sizeof c->backend, "%s", "tdx-4k");
	c->seed = 1;
	c->vcpus = 1;
	c->cpus = 0; /* one per vCPU */
	c->load_pct = LBS_LOAD_DEFAULT;
	c->lock = LBS_LOCK_UNIT;
	c->acceptors = 0; /* lb_acceptor_default_threads() of the guest's CPUs */
}

int lbs_backend_valid(const char *name)
{
	struct lb_model_params mp;
	if (strcmp(name, "null") == 0)
		return 1;
	return lb_model_preset(name, &mp) == 0;
}

int lbs_sim_model(const struct lbs_sim_config *c, struct lb_model_params *out)
{
	if (c->have_model) {
		*out = c->model;
		out->name = c->backend;
		return 0;
	}
	return lb_model_preset(strcmp(c->backend, "null") == 0 ? "free" : c->backend, out) == LB_OK
		       ? 0
		       : LB_EINVAL;
}

static void add_range(struct lb_range *r, size_t max, size_t *n, int *overflow, uint64_t a,
		      uint64_t b, enum lb_mem_type t)
{
	if (a >= b)
		return;
	if (*n > 0 && r[*n - 1].type == t && r[*n - 1].start + r[*n - 1].size == a) {
		r[*n - 1].size += b - a;
		return;
	}
	if (*n == max) {
		*overflow = 1;
		return;
	}
	r[*n].start = a;
	r[*n].size = b - a;
	r[*n].type = t;
	(*n)++;
}

/* [a, b) of RAM, split where firmware's acceptance stops. */
static void add_ram(struct lb_range *r, size_t max, size_t *n, int *overflow, uint64_t a,
		    uint64_t b, uint64_t pre)
{
	uint64_t mid = pre < a ? a : pre > b ? b : pre;
	add_range(r, max, n, overflow, a, mid, LB_MEM_ACCEPTED);
	add_range(r, max, n, overflow, mid, b, LB_MEM_UNACCEPTED);
}

int lbs_sim_build_map(const struct lbs_sim_config *c, struct lb_range *ranges, size_t max,
		      size_t *n)
{
	uint64_t mem = c->memory_bytes, pre = c->pre_accepted_bytes;
	int overflow = 0;

	*n = 0;
	if (mem < LBS_MIN_MEMORY || mem % LB_PAGE_SIZE || pre % LB_PAGE_SIZE)
		return LB_EINVAL;
	add_ram(ranges, max, n, &overflow, 0, LBS_HOLE_START, pre);
	add_range(ranges, max, n, &overflow, LBS_HOLE_START, LBS_HOLE_END, LB_MEM_RESERVED);
	add_ram(ranges, max, n, &overflow, LBS_HOLE_END, mem, pre);
	return overflow ? LB_EINVAL : 0;
}

/* The workload's source, seen through a counter for the progress bar. */
struct counted_src {
	struct lbs_wls *g;
	const struct lbs_op *(*peek)(void *ctx, unsigned v);
	void (*ran)(void *ctx, unsigned v, const struct lbs_op *op, int rc, uint64_t addr,
		    uint64_t end);
	void (*progress)(void *ctx, uint64_t done);
	void *pctx;
	uint64_t ran_ops;
};

/* How far g is, in LBS_SIM_PROGRESS units: pages asked for (boot, churn's
 * build-up), held (fill), and churn's operations, against their targets. */
static uint64_t wls_progress(const struct lbs_wls *g)
{
	uint64_t done = 0, total = 0;

	if (g->w == LBS_WL_BOOT) {
		/* early.target is boot's whole budget; the streams share what
		 * the early part left of it. */
		done = g->early.asked;
		total = g->early.target;
	}
	for (unsigned v = 0; v < g->n; v++) {
		const struct lbs_wl *s = &g->s[v];
		switch (g->w) {
		case LBS_WL_BOOT:
			done += s->asked;
			break;
		case LBS_WL_FILL:
			done += s->live_pages < s->target ? s->live_pages : s->target;
			total += s->target;
			break;
		default:
			done += (s->asked < s->target ? s->asked : s->target) + s->ops;
			total += s->target + s->churn_ops;
			break;
		}
	}
	if (total == 0 || done >= total)
		return LBS_SIM_PROGRESS;
	return (uint64_t)((double)done / (double)total * (double)LBS_SIM_PROGRESS);
}

static const struct lbs_op *counted_peek(void *ctx, unsigned v)
{
	struct counted_src *s = ctx;
	return s->peek(s->g, v);
}

static void counted_ran(void *ctx, unsigned v, const struct lbs_op *op, int rc, uint64_t addr,
			uint64_t end)
{
	struct counted_src *s = ctx;

	s->ran(s->g, v, op, rc, addr, end);
	if ((++s->ran_ops & 4095u) == 0)
		s->progress(s->pctx, wls_progress(s->g));
}

int lbs_sim_run(const struct lbs_sim_config *c, enum lb_policy p, enum lbs_workload w,
		struct lbs_result *out)
{
	return lbs_sim_run_progress(c, p, w, out, NULL, NULL);
}

int lbs_sim_run_progress(const struct lbs_sim_config *c, enum lb_policy p, enum lbs_workload w,
			 struct lbs_result *out, void (*progress)(void *ctx, uint64_t done),
			 void *ctx)
{
	/* Background threads as in a trace replay (replay.h's periods),
	 * stopping with the workload's last operation. */
	struct lbs_drive_config dc = {c, c->vcpus ? c->vcpus : 1u, LB_ACCEPTOR_PERIOD_NS,
				      lb_releaser_nap_ns(0), 0, c->keep_extra, w == LBS_WL_BOOT};
	struct lbs_drive d;
	struct lbs_wl_params wp;
	struct lbs_wls g;
	struct lbs_source src;
	struct counted_src cs;
	int rc;

	memset(out, 0, sizeof *out);
	memset(&g, 0, sizeof g);
	if ((unsigned)w >= LBS_WL_COUNT)
		return LB_EINVAL;
	out->workload = lbs_workload_name(w);
	rc = lbs_drive_init(&d, &dc, p, out);
	if (!rc) {
		wp.seed = c->seed;
		wp.managed_pages = lbs_drive_managed_pages(&d);
		wp.churn_ops = c->churn_ops;
		wp.rate = c->rate;
		wp.nvcpus = dc.nvcpus;
		wp.load_pct = c->load_pct;
		rc = lbs_wls_init(&g, w, &wp);
	}
	if (!rc) {
		lbs_wls_source(&g, &src);
		if (progress) {
			/* In place: the workload wakes vCPUs through this source. */
			cs = (struct counted_src){&g, src.peek, src.ran, progress, ctx, 0};
			src.peek = counted_peek;
			src.ran = counted_ran;
			src.ctx = &cs;
		}
		lbs_drive_run(&d, &src);
		if (progress)
			progress(ctx, LBS_SIM_PROGRESS);
		out->ops = lbs_wls_ops(&g);
		out->rate = g.s[0].rate == LBS_RATE_MAX ? 0 : g.s[0].rate;
	}
	lbs_wls_fini(&g);
	lbs_drive_fini(&d);
	return rc;
}

void lbs_result_free(struct lbs_result *r)
{
	if (!r->extra)
		return;
	free(r->extra->vcpu_wait);
	free(r->extra);
	r->extra = NULL;
}
