/* SPDX-License-Identifier: MIT */
/*
 * What lbsim's tests share. The cost model they were written against: fixed here, so that
 * revising the shipped presets (src/backend/model.c, tools/lbsim/model/model.c) moves what lbsim
 * prints, not what its tests mean. One 2 MiB accept costs 5000 + 512 * 7200
 * ns; a 1 GiB range is one call; the host does 1.5 accepts' worth at once
 * (two at once each at 3/4 of full speed); no boot costs.
 */
#ifndef LB_TEST_MODEL_H
#define LB_TEST_MODEL_H

#include "lazybuddy_backends.h"
#include "../tools/lbsim/cli/cli.h"
#include "../tools/lbsim/run/sim.h"

static const struct lbs_model lbt_model = {
	.call = { .name = "test", .call_ns = 5000, .page_ns = 7200, .release_call_ns = 5000,
		  .release_page_ns = 500, .levels = 1u | (1u << 9) | (1u << 18) },
	.host_capacity_pct = 150,
};

/* Run c on lbt_model, as a cost file named "test" would. */
static inline void lbt_use_test_model(struct lbs_sim_config *c)
{
	c->model = lbt_model;
	c->have_model = 1;
	snprintf(c->backend, sizeof c->backend, "%s", "test");
}

/* Parse args (at most 30) as lbsim's command line; the one-line refusal,
 * if any, goes to err. lbs_cli_parse()'s answer (test_lbsim.c). */
int lbt_parse_cli(const char *const *args, size_t n, struct lbs_cli *cli, char *err,
		  size_t errlen);

#endif
