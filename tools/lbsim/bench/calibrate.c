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
 *
 * A term (figures.h: term; one or several forms) keeps at most one form.
 * Each form, and the term off, is judged on every row's value on a model
 * fitted without the row's source (the form refit, or at its prior when
 * its source is the row's): first by the rows that miss, then by the sum
 * over rows of (ln(value / published))^2, where a bound that holds counts
 * 0. A form is kept when it is the best and better than the term off (by
 * more than TERM_MARGIN in the sum, at equal misses); else the term is
 * off. Misses come first because the table judges rows by PASS or MISS:
 * by the sum alone a term won that cut the error of two rows missing 7-
 * and 56-fold (to 2- and 23-fold: still misses) while it broke two rows
 * that pass (docs/fidelity.md). Forms of a term share rows, so each is
 * fitted with the others off.
 */
#include "calibrate.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../model/figures.h"

#define GOLDEN 0.6180339887498949
#define SEARCH_WIDTH 1e-3 /* in ln(v + 1): a tenth of a percent */
#define NEAR 3            /* whole numbers tried each side of the search's end */
#define MAX_ROWS 16
#define MAX_TWEAKS 16
#define TERM_MARGIN 1e-9  /* in squared log error: a tie keeps the term off */

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

/* The other forms of g's term, off: into tw; how many. */
static size_t others_off(const struct lbs_figure *g, struct lbs_fid_tweak *tw)
{
	size_t n = 0;

	for (size_t i = 0; i < lbs_nfigures && n < MAX_TWEAKS - 1; i++) {
		const struct lbs_figure *h = &lbs_figures[i];

		if (h != g && g->term && h->term && strcmp(h->term, g->term) == 0)
			tw[n++] = (struct lbs_fid_tweak){h->name, h->prior};
	}
	return n;
}

/* The fit's error at v: the sum of squared log errors over rows. */
static double error_at(const struct lbs_figure *g, double v, const size_t *rows, size_t n)
{
	struct lbs_fid_tweak tw[MAX_TWEAKS];
	size_t ntw = others_off(g, tw);
	double e = 0;

	tw[ntw++] = (struct lbs_fid_tweak){g->name, v};
	for (size_t i = 0; i < n; i++) {
		double got = lbs_fid_value(rows[i], tw, ntw), d;

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

/* A model to judge by cross-validation: which figures are in it, and
 * each one's value where the row's source gave it nothing. */
#define MAX_FIGURES 32
struct candidate {
	int in[MAX_FIGURES];
	double value[MAX_FIGURES];
};

/* What one calibration run computed already: a figure's fit without a
 * source, a row's value with a set of tweaks (the same inputs give the
 * same value: virtual time). */
#define MEMO_FITS 64
#define MEMO_ROWS 512
struct memo_fit {
	size_t fig;
	const char *src;
	double v;
};
struct memo {
	struct memo_fit fit[MEMO_FITS];
	size_t nfit;
	struct {
		size_t k, ntw;
		struct lbs_fid_tweak tw[MAX_TWEAKS];
		double v;
	} row[MEMO_ROWS];
	size_t nrow;
};

static double memo_fit(struct memo *m, size_t fig, const char *src)
{
	size_t nr;
	double err, v;

	for (size_t i = 0; m && i < m->nfit; i++)
		if (m->fit[i].fig == fig && strcmp(m->fit[i].src, src) == 0)
			return m->fit[i].v;
	v = lbs_calibrate_fit(&lbs_figures[fig], src, &nr, &err);
	if (m && m->nfit < MEMO_FITS)
		m->fit[m->nfit++] = (struct memo_fit){fig, src, v};
	return v;
}

static int same_tweaks(const struct lbs_fid_tweak *a, const struct lbs_fid_tweak *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i].name, b[i].name) != 0 || a[i].value != b[i].value)
			return 0;
	return 1;
}

static double memo_row(struct memo *m, size_t k, const struct lbs_fid_tweak *tw, size_t ntw)
{
	double v;

	for (size_t i = 0; m && i < m->nrow; i++)
		if (m->row[i].k == k && m->row[i].ntw == ntw && same_tweaks(m->row[i].tw, tw, ntw))
			return m->row[i].v;
	v = lbs_fid_value(k, tw, ntw);
	if (m && m->nrow < MEMO_ROWS) {
		m->row[m->nrow].k = k;
		m->row[m->nrow].ntw = ntw;
		memcpy(m->row[m->nrow].tw, tw, ntw * sizeof *tw);
		m->row[m->nrow++].v = v;
	}
	return v;
}

/* The table as it is. */
static void table_model(struct candidate *c)
{
	for (size_t i = 0; i < lbs_nfigures && i < MAX_FIGURES; i++) {
		c->in[i] = lbs_figure_kept(&lbs_figures[i]);
		c->value[i] = lbs_figures[i].value;
	}
}

/* Does g owe anything to source src (a figure from it, or a fit to a row
 * of it)? */
static int owes(const struct lbs_figure *g, const char *src)
{
	size_t all[MAX_ROWS];

	return g->kind != LBS_FIG_ASSUMPTION &&
	       ((g->source && strcmp(g->source, src) == 0) ||
		rows_of(g, src, all) != rows_of(g, NULL, all));
}

/* Row k on model c fitted without the row's source: every figure c holds
 * that the source gave (a fitted one fitted again without its rows, a
 * derived one back to its prior), every form c leaves out at its prior.
 * *owed: whether any figure owed the source anything. */
static double cv_value(size_t k, const struct candidate *c, struct memo *memo, int *owed)
{
	const char *src = lbs_fid_source_of(k);
	struct lbs_fid_tweak tw[MAX_TWEAKS];
	size_t ntw = 0;

	*owed = 0;
	for (size_t i = 0; i < lbs_nfigures && i < MAX_FIGURES && ntw < MAX_TWEAKS; i++) {
		const struct lbs_figure *g = &lbs_figures[i];
		double v = c->value[i];

		if (!c->in[i])
			v = g->prior;
		else if (owes(g, src)) {
			*owed = 1;
			v = g->kind == LBS_FIG_FITTED ? memo_fit(memo, i, src) : g->prior;
		}
		if (v != g->value)
			tw[ntw++] = (struct lbs_fid_tweak){g->name, v};
	}
	return memo_row(memo, k, tw, ntw);
}

/* A row's share of the cross-validated error. */
static double row_error(const struct lbs_fid_row *r, double v)
{
	double d;

	if (!(v > 0))
		return 100; /* not computed: far worse than any fit */
	if (r->bound && lbs_fid_judge(r, v))
		return 0;
	d = log(v / r->published);
	return d * d;
}

/* Model c's cross-validated error over the rows; *passed: rows passing. */
static double cv_error(const struct candidate *c, const struct lbs_fid_row *rows, size_t n,
		       struct memo *memo, unsigned *passed)
{
	double e = 0;
	int owed;

	*passed = 0;
	for (size_t k = 0; k < n; k++) {
		double v = cv_value(k, c, memo, &owed);

		e += row_error(&rows[k], v);
		*passed += (unsigned)lbs_fid_judge(&rows[k], v);
	}
	return e;
}

/* Judge each term's forms and the term off; print them; 0 when the table
 * keeps what cross-validation chose, else 1. */
static int judge_terms(FILE *f, const struct lbs_fid_row *rows, size_t n, struct memo *memo)
{
	int same = 1;

	for (size_t t = 0; t < lbs_nfigures && t < MAX_FIGURES; t++) {
		const char *term = lbs_figures[t].term;
		struct candidate c;
		double best_e, e, fit, err;
		size_t best = SIZE_MAX, nr, first = t;
		unsigned passed, best_passed;

		if (!term)
			continue;
		for (size_t i = 0; i < t; i++)
			if (lbs_figures[i].term && strcmp(lbs_figures[i].term, term) == 0)
				first = i;
		if (first != t)
			continue; /* judged with the term's first form */
		table_model(&c);
		for (size_t i = 0; i < lbs_nfigures; i++)
			if (lbs_figures[i].term && strcmp(lbs_figures[i].term, term) == 0)
				c.in[i] = 0;
		best_e = cv_error(&c, rows, n, memo, &best_passed);
		fprintf(f, "%-12s %-20s %-10s %-10s %-10.4f %u of %zu\n", term, "off", "-", "-", best_e,
			best_passed, n);
		for (size_t i = t; i < lbs_nfigures; i++) {
			const struct lbs_figure *g = &lbs_figures[i];

			if (!g->term || strcmp(g->term, term) != 0)
				continue;
			fit = lbs_calibrate_fit(g, NULL, &nr, &err);
			c.in[i] = 1;
			c.value[i] = fit;
			e = cv_error(&c, rows, n, memo, &passed);
			c.in[i] = 0;
			fprintf(f, "%-12s %-20s %-10.0f %-10.2g %-10.4f %u of %zu\n", term, g->name, fit,
				sqrt(err), e, passed, n);
			if (passed > best_passed || (passed == best_passed && e < best_e - TERM_MARGIN)) {
				best = i;
				best_e = e;
				best_passed = passed;
			}
		}
		fprintf(f, "%-12s kept: %s\n", term,
			best == SIZE_MAX ? "off (no form does better cross-validated)"
					 : lbs_figures[best].name);
		for (size_t i = t; i < lbs_nfigures; i++)
			if (lbs_figures[i].term && strcmp(lbs_figures[i].term, term) == 0)
				same = same && lbs_figure_kept(&lbs_figures[i]) == (i == best);
	}
	return same ? 0 : 1;
}

int lbs_calibrate_print(FILE *f)
{
	int same = 1;
	size_t nrows_all;
	struct lbs_fid_row *rows = lbs_fidelity_rows(&nrows_all);
	struct memo *memo = calloc(1, sizeof *memo);

	if (!rows || !memo) {
		free(rows);
		free(memo);
		fprintf(f, "out of memory\n");
		return 2;
	}
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
		if (!lbs_figure_kept(g) && g->term) {
			/* a form not kept holds its prior, whatever its fit */
			fprintf(f, "%-18s %-8.0f %-8.0f %-10s not kept (its fit: %.0f)\n", g->name,
				g->value, g->prior, "-", v);
			continue;
		}
		fprintf(f, "%-18s %-8.0f %-8.0f %-10.2g %s\n", g->name, g->value, v, sqrt(err),
			n ? g->fitted_to : "none");
		same = same && v == g->value;
	}
	fprintf(f, "\nEach term's forms and the term off, each row on a model fitted without its "
		   "source\n(cross-validated): judged by the rows that pass, then by the cv error, "
		   "the sum\nover all %zu rows of squared log errors (a bound that holds: 0)\n\n",
		nrows_all);
	fprintf(f, "%-12s %-20s %-10s %-10s %-10s %s\n", "term", "form", "fit", "log error",
		"cv error", "cv passes");
	if (judge_terms(f, rows, nrows_all, memo) != 0) {
		fprintf(f, "The table keeps another form: change tools/lbsim/model/figures.c.\n");
		same = 0;
	}
	free(rows);
	free(memo);
	fprintf(f, "\nThe table of figures as docs/model.md shows it (make calibrate pastes it "
		   "there):\n\n");
	lbs_figures_print_md(f);
	fprintf(f, "\n%s\n", same ? "Every fit reproduces the table (tools/lbsim/model/figures.c)."
				   : "A fit differs from the table: change tools/lbsim/model/figures.c, "
				     "the presets and docs/model.md together.");
	return same ? 0 : 1;
}

void lbs_calibrate_cross_validate(struct lbs_fid_row *rows, size_t n)
{
	struct candidate c;
	struct memo *memo = calloc(1, sizeof *memo); /* NULL: computed, not kept */

	table_model(&c);
	for (size_t k = 0; k < n; k++) {
		int owed;
		double v = cv_value(k, &c, memo, &owed);

		if (!owed)
			continue; /* the model owes this source nothing: cv_lbsim is lbsim */
		rows[k].cv_lbsim = v;
		rows[k].cv_pass = lbs_fid_judge(&rows[k], v);
	}
	free(memo);
}
