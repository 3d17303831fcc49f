/* SPDX-License-Identifier: MIT */
/* The guest lbsim runs: defaults, cost model, memory map (guest.h). */
#include "guest.h"

#include <stdio.h>
#include <string.h>

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
	struct lbs_model mp;

	if (strcmp(name, "null") == 0)
		return 1;
	return lbs_model_preset(name, &mp) == 0;
}

int lbs_sim_model(const struct lbs_sim_config *c, struct lbs_model *out)
{
	if (c->have_model) {
		*out = c->model;
		out->call.name = c->backend;
		return 0;
	}
	return lbs_model_preset(strcmp(c->backend, "null") == 0 ? "free" : c->backend, out) == LB_OK
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
