/* SPDX-License-Identifier: MIT */
/*
 * lbsim against published measurements (`lbsim --fidelity`): for each
 * figure, its source, the value lbsim computes for the same situation on
 * the matching preset, the tolerance, and PASS or MISS. Each row says
 * whether the model was fitted to it (then it proves nothing), partly (a
 * fitted or derived figure comes from its source) or predicts it: computed
 * from the model's table of figures (model/figures.c), never written by
 * hand. docs/fidelity.md explains every row.
 */
#ifndef LBS_FIDELITY_H
#define LBS_FIDELITY_H

#include <stdio.h>

enum lbs_fid_kind { LBS_FID_PREDICTED, LBS_FID_FITTED, LBS_FID_PARTLY };

struct lbs_fid_row {
	const char *figure;   /* what was measured, in a few words */
	const char *source;   /* where it was published */
	const char *unit;     /* "s", "x" (a ratio) */
	double published;     /* the figure (the middle of a published range) */
	double lbsim;         /* what lbsim computes */
	int tol_pct;          /* within +-tol_pct of the figure; 0 with bound */
	int bound;            /* 1: PASS when lbsim >= published; -1: <=; 0: tolerance */
	const char *id;       /* the row's, for the figures fitted to it */
	const char *source_id; /* its source's (model/figures.h) */
	enum lbs_fid_kind kind; /* computed from the model's figures */
	int pass;
};

/* Compute every row (a few seconds). n gets the count; NULL when out of memory. */
struct lbs_fid_row *lbs_fidelity_rows(size_t *n);

/* "predicted", "fitted" or "partly fitted", as the table writes it. */
const char *lbs_fid_kind_name(enum lbs_fid_kind k);

/* The table, then how many predicted rows pass. */
void lbs_fidelity_print(FILE *f, const struct lbs_fid_row *rows, size_t n);

/*
 * The same rows as a JSON array for programs (fidelity_json.c), one object
 * a line, ending with a newline: row (its number in the table), figure,
 * source, published, unit, lbsim, tolerance_pct (null for a bound), bound
 * ("at_least", "at_most" or null), kind (lbs_fid_kind_name), result
 * ("PASS" or "MISS"). Numbers are written exactly (the shortest form that
 * reads back as the same double); a NaN or an infinity, which JSON cannot
 * hold, as null.
 */
void lbs_fidelity_print_json(FILE *f, const struct lbs_fid_row *rows, size_t n);

#endif
