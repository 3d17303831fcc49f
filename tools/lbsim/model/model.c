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
		p.host_capacity_pct = 208;
		p.boot_ns = UINT64_C(6000000000);
		p.boot_gib_ns = 4650000;
	}
	*m = p;
	return LB_OK;
}

void lbs_host_pace(unsigned capacity_pct, unsigned k, uint64_t *num, uint64_t *den)
{
	uint64_t cap = capacity_pct, want = UINT64_C(100) * (k ? k : 1u);

	*num = *den = 1;
	if (cap && cap < want) {
		*num = cap;
		*den = want;
	}
}
