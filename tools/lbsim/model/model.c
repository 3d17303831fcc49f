/* SPDX-License-Identifier: MIT */
/*
 * lbsim's figures beyond one backend call (model.h): the platform
 * presets' host capacity and boot, none for "free". Their kinds and
 * sources are docs/model.md's table ("The figures"), which
 * tests/test_cost.c keeps equal to these.
 */
#include "model.h"

#include <string.h>

int lbs_model_preset(const char *name, struct lbs_model *m)
{
	struct lbs_model p;

	memset(&p, 0, sizeof p);
	if (!m || lb_model_preset(name, &p.call) != LB_OK)
		return LB_EINVAL;
	if (strcmp(name, "free") != 0) {
		p.host_capacity_pct = 0; /* contention: no form kept (figures.c) */
		p.boot_ns = UINT64_C(6000000000);
		p.boot_gib_ns = 4650000;
		p.write_gib_ns = 100000000;
	}
	*m = p;
	return LB_OK;
}

void lbs_host_pace(const struct lbs_model *m, unsigned k, uint64_t *num, uint64_t *den)
{
	uint64_t cap = m ? m->host_capacity_pct : 0, want = UINT64_C(100) * (k ? k : 1u);
	uint64_t c = m ? m->host_contention_bp : 0, others = k > 1 ? k - 1u : 0;

	*num = *den = 1;
	if (cap && cap < want) {
		*num = cap;
		*den = want;
	}
	/* The slower of the two; a product would let k + 1 accepts do less
	 * than k past the capacity. Both sides are below 2^47. */
	if (c && others && UINT64_C(10000) * *den < (10000u + c * others) * *num) {
		*num = 10000u;
		*den = 10000u + c * others;
	}
}
