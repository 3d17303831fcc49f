/* SPDX-License-Identifier: MIT */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive.h"
#include "lazybuddy_backends.h"

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
