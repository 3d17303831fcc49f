/* SPDX-License-Identifier: MIT */
/*
 * Calibration (calibrate.h): the fitted figures of the model's table
 * (model/figures.c) fitted again to the fidelity rows each one names, and
 * each source left out in turn, so that its rows are judged on a model
 * that never saw them: its fitted figures fitted without its rows, its
 * derived ones (arithmetic on its figures) back to their priors.
 *
 * The procedure, for one fitted figure: the whole number v in its range
 * [lo, hi] with the least sum, over the rows it is fitted to, of
 * (ln(lbsim(v) / published))^2, the other figures as the table has them;
 * found by golden-section search over ln(v + 1) (the ranges span decades)
 * down to a thousandth of that, then among the whole numbers around the
 * search's end. Fitted figures share no row, so each is fitted alone.
 * With no row left to fit it to (its source left out), a figure takes its
 * prior: the term switched off.
 */
#include "calibrate.h"

#include <math.h>
#include <string.h>

#include "../model/figures.h"

#define GOLDEN 0.6180339887498949
#define SEARCH_WIDTH 1e-3 /* in ln(v + 1): a tenth of a percent */
#define NEAR 3            /* whole numbers tried each side of the search's end */
#define MAX_ROWS 16

/* The rows g is fitted to, but those of source skip (NULL: none). */
static size_t rows_of(const struct lbs_figure *g, const char *skip, size_t rows[MAX_ROWS])
{
	size_t n = 0;

	for (size_t k = 0; k < lbs_fid_nrows() && n < MAX_ROWS; k++)
		if (lbs_figure_fitted_to(g, lbs_fid_id_of(k)) &&
		    !(skip && strcmp(lbs_fid_source_of(k), skip) == 0))
			rows[n++] = k;
	return n;
}

/* The fit's error at v: the sum of squared log errors over rows. */
static double error_at(const struct lbs_figure *g, double v, const size_t *rows, size_t n)
{
	struct lbs_fid_tweak tw = {g->name, v};
	double e = 0;

	for (size_t i = 0; i < n; i++) {
		double got = lbs_fid_value(rows[i], &tw, 1), d;

		if (!(got > 0))
			return HUGE_VAL;
		d = log(got / lbs_fid_published(rows[i]));
		e += d * d;
	}
	return e;
}

double lbs_calibrate_fit(const struct lbs_figure *g, const char *skip, size_t *nrows,
			 double *err)
{
	size_t rows[MAX_ROWS], n = rows_of(g, skip, rows);
	double a = log(g->lo + 1), b = log(g->hi + 1), c, d, ec, ed, mid;
	double best = g->prior, best_e = HUGE_VAL;

	*nrows = n;
	*err = 0;
	if (!n)
		return g->prior;
	c = b - GOLDEN * (b - a);
	d = a + GOLDEN * (b - a);
	ec = error_at(g, exp(c) - 1, rows, n);
	ed = error_at(g, exp(d) - 1, rows, n);
	while (b - a > SEARCH_WIDTH) {
		if (ec <= ed) { /* the least is in [a, d] */
			b = d;
			d = c;
			ed = ec;
			c = b - GOLDEN * (b - a);
			ec = error_at(g, exp(c) - 1, rows, n);
		} else {
			a = c;
			c = d;
			ec = ed;
			d = a + GOLDEN * (b - a);
			ed = error_at(g, exp(d) - 1, rows, n);
		}
	}
	mid = floor(exp((a + b) / 2) - 1);
	for (double v = mid - NEAR; v <= mid + NEAR + 1; v++) {
		double e;

		if (v < g->lo || v > g->hi)
			continue;
		e = error_at(g, v, rows, n);
		if (e < best_e) {
			best = v;
			best_e = e;
		}
	}
	*err = best_e;
	return best;
}

int lbs_calibrate_print(FILE *f)
{
	int same = 1;

	fprintf(f, "The model's fitted figures, fitted again to their rows of --fidelity "
		   "(tools/lbsim/bench/calibrate.c states how)\n\n");
	fprintf(f, "%-18s %-8s %-8s %-10s %s\n", "figure", "table", "fit", "log error",
		"rows fitted to");
	for (size_t i = 0; i < lbs_nfigures; i++) {
		const struct lbs_figure *g = &lbs_figures[i];
		size_t n;
		double err, v;

		if (g->kind != LBS_FIG_FITTED)
			continue;
		v = lbs_calibrate_fit(g, NULL, &n, &err);
		fprintf(f, "%-18s %-8.0f %-8.0f %-10.2g %s\n", g->name, g->value, v, sqrt(err),
			n ? g->fitted_to : "none");
		same = same && v == g->value;
	}
	fprintf(f, "\n%s\n", same ? "Every fit reproduces the table (tools/lbsim/model/figures.c)."
				   : "A fit differs from the table: change tools/lbsim/model/figures.c, "
				     "the presets and docs/model.md together.");
	return same ? 0 : 1;
}

void lbs_calibrate_cross_validate(struct lbs_fid_row *rows, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		const char *src = rows[k].source_id;
		struct lbs_fid_tweak tw[8];
		size_t ntw = 0;

		/* Every figure this row's source gave the model: a fitted one
		 * fitted again without the source's rows, a derived one, which
		 * is arithmetic on the source, back to its prior. */
		for (size_t i = 0; i < lbs_nfigures && ntw < 8; i++) {
			const struct lbs_figure *g = &lbs_figures[i];
			size_t all[MAX_ROWS], nr;
			double err;

			if (g->kind == LBS_FIG_ASSUMPTION ||
			    ((!g->source || strcmp(g->source, src) != 0) &&
			     rows_of(g, src, all) == rows_of(g, NULL, all)))
				continue;
			tw[ntw].name = g->name;
			tw[ntw++].value = g->kind == LBS_FIG_FITTED
						  ? lbs_calibrate_fit(g, src, &nr, &err)
						  : g->prior;
		}
		if (!ntw)
			continue; /* the model owes this source nothing: cv_lbsim is lbsim */
		rows[k].cv_lbsim = lbs_fid_value(k, tw, ntw);
		rows[k].cv_pass = lbs_fid_judge(&rows[k], rows[k].cv_lbsim);
	}
}
