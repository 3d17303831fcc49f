/* SPDX-License-Identifier: MIT */
/*
 * Calibration (tools/lbsim/bench/calibrate.c): the stated procedure fits
 * each fitted figure of the model's table back to the value the table
 * holds, from the rows it names; with its source left out it has no row
 * and takes its prior; leaving a source out changes only that source's
 * rows.
 */
#include "fixture.h"
#include "harness.h"

#include <math.h>
#include <string.h>

#include "../tools/lbsim/bench/calibrate.h"
#include "../tools/lbsim/model/figures.h"

static const struct lbs_figure *figure_named(const char *name)
{
	for (size_t i = 0; i < lbs_nfigures; i++)
		if (strcmp(lbs_figures[i].name, name) == 0)
			return &lbs_figures[i];
	return NULL;
}

/* fault_vcpu_ns: the model's own charge for one fault, no guest run. */
TEST(calibrate_fit_reproduces_the_table)
{
	const struct lbs_figure *g = figure_named("fault_vcpu_ns");
	size_t n;
	double err, v;

	REQUIRE(g && g->kind == LBS_FIG_FITTED);
	v = lbs_calibrate_fit(g, NULL, &n, &err);
	CHECK_EQ(n, 1);
	CHECK(v == g->value);
	CHECK(err < 1e-6); /* 152.99 us against 153 */
	v = lbs_calibrate_fit(g, g->source, &n, &err); /* its source left out */
	CHECK_EQ(n, 0);
	CHECK(v == g->prior);
	v = lbs_calibrate_fit(g, "lkvs", &n, &err); /* another left out: the same fit */
	CHECK_EQ(n, 1);
	CHECK(v == g->value);
}

/* The forms of contention: each fits where its error is least (eager
 * boots of 8 GiB on 1, 4 and 8 vCPUs for each step of the search), and
 * neither is kept, so each holds its prior. */
TEST(calibrate_fit_host_contention)
{
	const struct lbs_figure *cap = figure_named("host_capacity_pct");
	const struct lbs_figure *amd = figure_named("host_contention_bp");
	size_t n;
	double err, v, e_lo, e_hi;

#if LB_DEBUG >= 2
	printf("    (skipped in the debug build: the full checker makes each step slow)\n");
	return;
#endif
	REQUIRE(cap && amd && cap->term && amd->term && strcmp(cap->term, amd->term) == 0);
	CHECK(!lbs_figure_kept(cap) && cap->value == cap->prior);
	CHECK(!lbs_figure_kept(amd) && amd->value == amd->prior);
	v = lbs_calibrate_fit(amd, NULL, &n, &err);
	CHECK_EQ(n, 2);
	CHECK(v > 0 && v < amd->hi);
	/* a least: a step either side is no better */
	{
		struct lbs_figure g = *amd;

		g.lo = g.hi = v - 50;
		lbs_calibrate_fit(&g, NULL, &n, &e_lo);
		g.lo = g.hi = v + 50;
		lbs_calibrate_fit(&g, NULL, &n, &e_hi);
		CHECK(err <= e_lo && err <= e_hi);
	}
	v = lbs_calibrate_fit(cap, NULL, &n, &err);
	CHECK_EQ(n, 2);
	CHECK(v >= cap->lo && v <= cap->hi);
	CHECK(lbs_calibrate_fit(cap, "asterinas-3640", &n, &err) == cap->prior && n == 0);
}

/* Every fitted figure names rows that exist, of its own source. */
TEST(calibrate_fitted_rows_exist)
{
	for (size_t i = 0; i < lbs_nfigures; i++) {
		const struct lbs_figure *g = &lbs_figures[i];
		char list[256], *save = NULL;

		if (!g->fitted_to)
			continue;
		snprintf(list, sizeof list, "%s", g->fitted_to);
		for (char *id = strtok_r(list, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
			int k = lbs_fid_row_of(id);

			if (k < 0) {
				lbt_fail(__FILE__, __LINE__, id);
				continue;
			}
			CHECK(g->source && strcmp(lbs_fid_source_of((size_t)k), g->source) == 0);
		}
	}
}
