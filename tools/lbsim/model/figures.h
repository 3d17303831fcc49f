/* SPDX-License-Identifier: MIT */
/*
 * The model's figures, one table (figures.c): each platform preset's
 * value, its unit, its kind, the source it comes from and, for a fitted
 * one, the fidelity rows it was chosen to reproduce. docs/model.md's
 * table is this one printed (lbs_figures_print_md; a test keeps the two
 * equal, and the table equal to the presets), and the fidelity table's
 * row kinds are computed from it (lbs_figures_kind_of).
 */
#ifndef LBS_FIGURES_H
#define LBS_FIGURES_H

#include <stddef.h>
#include <stdio.h>

#include "model.h"

enum lbs_fig_kind {
	LBS_FIG_ASSUMPTION, /* ours: no public figure found */
	LBS_FIG_DERIVED,    /* arithmetic on a source's figure */
	LBS_FIG_FITTED,     /* chosen to reproduce a published figure */
};

struct lbs_figure {
	const char *name;      /* lb_model_params' field, or lbs_model's */
	double value;          /* every platform preset's (tdx-4k, tdx, snp-4k, snp) */
	const char *unit;      /* "ns" (a page is 4 KiB), "%" */
	enum lbs_fig_kind kind;
	const char *source;    /* the source's id ("asterinas-3640"); NULL: none */
	const char *fitted_to; /* the fidelity rows' ids it reproduces, a comma
				  list; NULL: none (it may be fitted to a figure
				  of its source that no row holds) */
	int lbsim;             /* lbsim's model of a guest, not a call's cost */
	const char *why;       /* what it stands for and where it comes from:
				  docs/model.md's text (markdown) */
	double lo, hi;         /* fitted: the whole values the fit searches */
	double prior;          /* fitted or derived: its value when its source
				  is left out (calibrate.c): the term off */
	const char *term;      /* fitted: the model term it is one form of
				  ("contention"); NULL: none. calibrate.c keeps
				  at most one form of a term, the one whose
				  cross-validated error is lowest and lower than
				  the term's off; a form not kept holds its prior */
};

extern const struct lbs_figure lbs_figures[];
extern const size_t lbs_nfigures;

/* Figure name of m: 0 with *v, or -1 for no such figure; and set it (a
 * whole number, as the presets hold them). */
int lbs_figure_get(const struct lbs_model *m, const char *name, double *v);
int lbs_figure_set(struct lbs_model *m, const char *name, double v);

/* Is g in the model: not a form of a term that calibration left out (a
 * form not kept holds its prior)? */
int lbs_figure_kept(const struct lbs_figure *g);

/* "assumption", "derived", "fitted". */
const char *lbs_fig_kind_name(enum lbs_fig_kind k);

/* The rows of docs/model.md's table of figures, one a line. */
void lbs_figures_print_md(FILE *f);

/* Does g name the fidelity row row_id among those it reproduces? */
int lbs_figure_fitted_to(const struct lbs_figure *g, const char *row_id);

/* How much the model already knows of a fidelity row (id, from source):
 * 2 if a figure was fitted to it, 1 if a fitted or derived figure comes
 * from its source (another figure of the same series or page), else 0. */
int lbs_figures_kind_of(const char *row_id, const char *source);

#endif
