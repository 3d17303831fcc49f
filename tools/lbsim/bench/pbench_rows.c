/* SPDX-License-Identifier: MIT */
/* The policy bench's rows: what runs, and what the host can follow. */
#include "pbench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lazybuddy_backends.h"
#include "../model/model.h"
#include "../run/workload.h"

static const char *const default_presets[] = {"tdx-4k", "tdx", "snp-4k", "snp"};
static const uint64_t default_pres[] = {0, UINT64_C(512) << 20, UINT64_C(4) << 30};
static const uint64_t default_units[] = {UINT64_C(2) << 20, UINT64_C(4) << 10};
static const int default_workloads[] = {LBS_WL_BOOT, LBS_WL_FILL, LBS_WL_CHURN};
static const unsigned default_vcpus[] = {1, 4, 16};
static const unsigned default_divs[] = {1, 10};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

void lbs_pb_default_spec(struct lbs_pb_spec *s)
{
	memset(s, 0, sizeof *s);
	s->presets = default_presets;
	s->npresets = COUNT(default_presets);
	s->pres = default_pres;
	s->npres = COUNT(default_pres);
	s->units = default_units;
	s->nunits = COUNT(default_units);
	s->workloads = default_workloads;
	s->nworkloads = COUNT(default_workloads);
	s->vcpus = default_vcpus;
	s->nvcpus = COUNT(default_vcpus);
	s->rate_divs = default_divs;
	s->nrate_divs = COUNT(default_divs);
	s->trace = 1;
}

/* One CPU alone: a unit accepted whole, as the model charges it (one vCPU
 * online, as after boot). */
static double one_cpu_bytes_per_s(const struct lb_model_params *mp, uint64_t unit)
{
	struct lb_model_backend m;
	struct lb_backend b;
	uint64_t t0;

	lb_model_backend_init(&m, mp, &b);
	t0 = lb_model_clock(&m);
	if (b.ops->accept(b.ctx, 0, unit) != 0 || lb_model_clock(&m) == t0)
		return 0;
	return (double)unit * 1e9 / (double)(lb_model_clock(&m) - t0);
}

double lbs_pb_reach(const char *preset, uint64_t unit, unsigned k)
{
	struct lbs_model mp;
	uint64_t num, den;

	if (k == 0 || lbs_model_preset(preset, &mp) != LB_OK)
		return 0;
	lbs_host_pace(&mp, k, &num, &den);
	return one_cpu_bytes_per_s(&mp.call, unit) * k * (double)num / (double)den;
}

double lbs_pb_demand(int workload, uint64_t rate, unsigned vcpus)
{
	if (workload < 0)
		return 0;
	return (double)rate * lbs_workload_mean_pages((enum lbs_workload)workload) *
	       LB_PAGE_SIZE * vcpus;
}

uint64_t lbs_pb_reduced_rate(int workload, unsigned vcpus, double reach)
{
	double half = reach / 2, per_op = lbs_pb_demand(workload, 1, vcpus);
	uint64_t r;

	if (per_op <= 0 || half <= per_op)
		return 1;
	r = (uint64_t)floor(half / per_op);
	/* The division's rounding, either way: the last rate within half. */
	while (lbs_pb_demand(workload, r + 1, vcpus) <= half)
		r++;
	while (r > 1 && lbs_pb_demand(workload, r, vcpus) > half)
		r--;
	return r;
}

double lbs_pb_trace_demand(const struct lbs_tracebuf *tb)
{
	uint64_t span = tb->ts_last - tb->ts_first;

	return span ? (double)tb->peak_live_bytes * 1e9 / (double)span : 0;
}

int lbs_pb_judged(const struct lbs_pb_row *r)
{
	return r->rerun || (r->demand > 0 && r->demand * 2 <= r->reach);
}

void lbs_pb_config(const struct lbs_pb_row *r, struct lbs_sim_config *sc)
{
	lbs_sim_defaults(sc);
	if (r->memory)
		sc->memory_bytes = r->memory;
	snprintf(sc->backend, sizeof sc->backend, "%s", r->preset);
	sc->pre_accepted_bytes = r->pre;
	sc->unit_bytes = r->unit;
	sc->vcpus = r->workload == LBS_PB_TRACE ? 0 : r->vcpus;
	sc->rate = r->rate;
}

const char *lbs_pb_workload_name(const struct lbs_pb_row *r)
{
	return r->workload == LBS_PB_TRACE ? "trace"
					   : lbs_workload_name((enum lbs_workload)r->workload);
}

struct rows {
	struct lbs_pb_row *r;
	size_t n, cap;
};

static int push(struct rows *rs, const struct lbs_pb_row *r)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		struct lbs_pb_row *p = realloc(rs->r, cap * sizeof *p);

		if (!p)
			return -1;
		rs->r = p;
		rs->cap = cap;
	}
	rs->r[rs->n++] = *r;
	return 0;
}

/* A workload on some vCPUs at each rate, then its re-run if one is
 * beyond reach. */
static int workload_rows(struct rows *rs, const struct lbs_pb_spec *s, struct lbs_pb_row base)
{
	int beyond = 0;

	/* The guest has a CPU per vCPU, and all of them may accept. */
	base.reach = lbs_pb_reach(base.preset, base.unit, base.vcpus);
	for (size_t d = 0; d < s->nrate_divs; d++) {
		struct lbs_pb_row r = base;
		uint64_t def = lbs_workload_default_rate((enum lbs_workload)r.workload);

		r.rate = def / s->rate_divs[d] ? def / s->rate_divs[d] : 1;
		r.demand = lbs_pb_demand(r.workload, r.rate, r.vcpus);
		beyond |= r.demand > r.reach;
		if (push(rs, &r))
			return -1;
	}
	if (beyond) {
		struct lbs_pb_row r = base;

		r.rerun = 1;
		r.rate = lbs_pb_reduced_rate(r.workload, r.vcpus, r.reach);
		r.demand = lbs_pb_demand(r.workload, r.rate, r.vcpus);
		if (push(rs, &r))
			return -1;
	}
	return 0;
}

struct lbs_pb_row *lbs_pb_rows(const struct lbs_pb_spec *s, size_t *n)
{
	struct rows rs = {NULL, 0, 0};

	for (size_t p = 0; p < s->npresets; p++)
		for (size_t f = 0; f < s->npres; f++)
			for (size_t u = 0; u < s->nunits; u++) {
				struct lbs_pb_row base;

				memset(&base, 0, sizeof base);
				base.preset = s->presets[p];
				base.memory = s->memory;
				base.pre = s->pres[f];
				base.unit = s->units[u];
				for (size_t w = 0; w < s->nworkloads; w++)
					for (size_t v = 0; v < s->nvcpus; v++) {
						base.workload = s->workloads[w];
						base.vcpus = s->vcpus[v];
						if (workload_rows(&rs, s, base))
							goto fail;
					}
				if (!s->trace)
					continue;
				base.workload = LBS_PB_TRACE;
				base.vcpus = s->trace_vcpus;
				base.rate = 0;
				base.demand = s->trace_demand;
				base.reach = lbs_pb_reach(base.preset, base.unit, base.vcpus);
				if (push(&rs, &base))
					goto fail;
			}
	*n = rs.n;
	return rs.r ? rs.r : calloc(1, sizeof *rs.r);
fail:
	free(rs.r);
	return NULL;
}
