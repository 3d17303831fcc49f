/* SPDX-License-Identifier: MIT */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "lazybuddy_backends.h"

void lbs_sim_defaults(struct lbs_sim_config *c)
{
	memset(c, 0, sizeof *c);
	c->memory_bytes = UINT64_C(16) << 30;
	c->pre_accepted_bytes = UINT64_C(4) << 30;
	c->unit_bytes = LB_UNIT_DEFAULT;
	snprintf(c->backend, sizeof c->backend, "%s", "tdx");
	c->seed = 1;
}

int lbs_backend_valid(const char *name)
{
	struct lb_model_params mp;
	if (strcmp(name, "null") == 0)
		return 1;
	return lb_model_preset(name, &mp) == 0;
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

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static uint64_t model_now(const void *ctx)
{
	return lb_model_clock(ctx);
}

int lbs_sim_run(const struct lbs_sim_config *c, enum lb_policy p, enum lbs_workload w,
		struct lbs_result *out)
{
	struct lb_range ranges[LBS_MAX_RANGES];
	struct lb_config cfg;
	struct lb_model_params mp;
	struct lb_model_backend model;
	struct lb_null_backend null;
	struct lbs_clock clk = {NULL, NULL};
	struct lb_zone *z = NULL;
	struct lb_stats st;
	struct lbs_wl_params wp;
	struct lbs_wl_stats ws; /* about 15 KiB, with its histogram */
	size_t nranges, meta_size;
	void *meta;
	int rc;

	memset(out, 0, sizeof *out);
	if ((unsigned)p >= LB_POLICY_COUNT || (unsigned)w >= LBS_WL_COUNT)
		return LB_EINVAL;
	rc = lbs_sim_build_map(c, ranges, LBS_MAX_RANGES, &nranges);
	if (rc)
		return rc;

	memset(&cfg, 0, sizeof cfg);
	cfg.ranges = ranges;
	cfg.nranges = nranges;
	cfg.unit = c->unit_bytes ? c->unit_bytes : LB_UNIT_DEFAULT;
	cfg.policy = p;
	cfg.flags = LB_CFG_SHADOW;
	if (strcmp(c->backend, "null") == 0) {
		lb_null_backend_init(&null, &cfg.backend);
	} else {
		rc = lb_model_preset(c->backend, &mp);
		if (rc)
			return rc;
		lb_model_backend_init(&model, &mp, &cfg.backend);
		clk.now = model_now;
		clk.ctx = &model;
	}

	rc = lb_zone_meta_size(&cfg, &meta_size);
	if (rc)
		return rc;
	/* Anonymous memory: metadata the zone never touches costs nothing. */
	meta = mmap(NULL, meta_size ? meta_size : 1, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (meta == MAP_FAILED)
		return LB_ENOMEM;

	uint64_t t0 = wall_ns();
	rc = lb_zone_init(&z, meta, meta_size, &cfg);
	uint64_t t1 = wall_ns();
	if (rc) {
		munmap(meta, meta_size ? meta_size : 1);
		return rc;
	}

	out->policy = lb_policy_name(p);
	out->workload = lbs_workload_name(w);
	snprintf(out->backend, sizeof out->backend, "%s", c->backend);
	out->seed = c->seed;
	out->memory_bytes = c->memory_bytes;
	out->unit_bytes = cfg.unit;
	out->pre_accepted_bytes =
		c->pre_accepted_bytes < c->memory_bytes ? c->pre_accepted_bytes : c->memory_bytes;
	out->meta_bytes = meta_size;
	out->init_ns = t1 - t0;
	out->setup_virtual_ns = clk.now ? clk.now(clk.ctx) : 0;

	lb_zone_stats(z, &st);
	out->managed_bytes = st.managed_pages * LB_PAGE_SIZE;
	wp.seed = c->seed;
	wp.managed_pages = st.managed_pages;
	wp.churn_ops = c->churn_ops;
	rc = lbs_workload_run(w, z, &clk, &wp, &ws);
	if (rc) {
		lb_zone_fini(z);
		munmap(meta, meta_size ? meta_size : 1);
		return rc;
	}

	char msg[LBS_CHECK_MAX] = "";
	int crc = lb_zone_check(z, msg, sizeof msg);
	lb_zone_stats(z, &st);
	if (crc)
		snprintf(out->check, sizeof out->check, "%s", msg[0] ? msg : lb_strerror(crc));
	else if (ws.api_errors)
		snprintf(out->check, sizeof out->check, "lbsim: %llu unexpected API answers, first %s",
			 (unsigned long long)ws.api_errors, lb_strerror(ws.first_api_error));
	else if (st.allocated_pages != ws.live_pages)
		snprintf(out->check, sizeof out->check,
			 "lbsim: zone counts %llu allocated pages, the workload holds %llu",
			 (unsigned long long)st.allocated_pages, (unsigned long long)ws.live_pages);
	else
		snprintf(out->check, sizeof out->check, "ok");

	out->accept_calls = st.accept_calls;
	out->arch_calls = clk.now ? model.arch_calls : 0;
	out->accepted_bytes = st.accepted_pages * LB_PAGE_SIZE;
	out->setup_accepted_bytes = st.setup_accepted_pages * LB_PAGE_SIZE;
	out->over_accepted_bytes = st.over_accepted_pages * LB_PAGE_SIZE;
	out->unaccepted_bytes_end = st.free_unaccepted_pages * LB_PAGE_SIZE;
	out->allocated_bytes_end = st.allocated_pages * LB_PAGE_SIZE;
	out->virtual_time_ns = clk.now ? clk.now(clk.ctx) : 0;
	out->lat_p50 = lbs_hist_percentile(&ws.lat, 500000u);
	out->lat_p99 = lbs_hist_percentile(&ws.lat, 990000u);
	out->lat_p999 = lbs_hist_percentile(&ws.lat, 999000u);
	out->lat_max = lbs_hist_max(&ws.lat);
	out->allocations = ws.allocations + ws.alloc_failures;
	out->alloc_failures = ws.alloc_failures;
	out->frees = ws.frees;
	out->ops = ws.ops;
	if (c->keep_extra) {
		out->extra = calloc(1, sizeof *out->extra);
		if (out->extra) {
			lbs_series_init(&out->extra->series);
			out->extra->lat = ws.lat;
		}
	}

	lb_zone_fini(z);
	munmap(meta, meta_size ? meta_size : 1);
	return 0;
}

void lbs_result_free(struct lbs_result *r)
{
	if (!r->extra)
		return;
	free(r->extra->vcpu_wait);
	free(r->extra);
	r->extra = NULL;
}
