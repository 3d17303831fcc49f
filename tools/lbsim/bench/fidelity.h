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
	const char *unit;     /* "s", "x" (a ratio), "us" */
	double published;     /* the figure (the middle of a published range) */
	double lbsim;         /* what lbsim computes, on the model as it is */
	int tol_pct;          /* within +-tol_pct of the figure; 0 with bound */
	int bound;            /* 1: PASS when lbsim >= published; -1: <=; 0: tolerance */
	const char *id;       /* the row's, for the figures fitted to it */
	const char *source_id; /* its source's (model/figures.h) */
	enum lbs_fid_kind kind; /* computed from the model's figures */
	int pass;             /* lbsim within the tolerance or the bound */
	double cv_lbsim;      /* with every fitted figure fitted without this
				 row's source (calibrate.c); lbsim where no
				 fit used it */
	int cv_pass;          /* the row's result: cv_lbsim judged */
};

/* Compute every row (a few seconds), cv_lbsim as lbsim (calibrate.c's
 * lbs_calibrate_cross_validate() sets it). n gets the count; NULL when
 * out of memory. */
struct lbs_fid_row *lbs_fidelity_rows(size_t *n);

/* A figure of the model set otherwise, by name (model/figures.h). */
struct lbs_fid_tweak {
	const char *name;
	double value;
};

/* The rows one at a time, for calibration: how many; the row of an id
 * (-1: none); row k's id, source id and published figure; what lbsim
 * computes for it with ntw figures set otherwise. */
size_t lbs_fid_nrows(void);
int lbs_fid_row_of(const char *id);
const char *lbs_fid_id_of(size_t k);
const char *lbs_fid_source_of(size_t k);
double lbs_fid_published(size_t k);
double lbs_fid_value(size_t k, const struct lbs_fid_tweak *tw, size_t ntw);

/* Does v pass r's tolerance or bound? */
int lbs_fid_judge(const struct lbs_fid_row *r, double v);

/* "predicted", "fitted" or "partly fitted", as the table writes it. */
const char *lbs_fid_kind_name(enum lbs_fid_kind k);

/* The table (its result on cv_lbsim), then how many predicted rows pass
 * and how many of all. */
void lbs_fidelity_print(FILE *f, const struct lbs_fid_row *rows, size_t n);

/*
 * The same rows as a JSON array for programs (fidelity_json.c), one object
 * a line, ending with a newline: row (its number in the table), figure,
 * source, published, unit, lbsim, cv_lbsim, tolerance_pct (null for a
 * bound), bound ("at_least", "at_most" or null), kind (lbs_fid_kind_name),
 * result ("PASS" or "MISS", on cv_lbsim). Numbers are written exactly (the shortest form that
 * reads back as the same double); a NaN or an infinity, which JSON cannot
 * hold, as null.
 */
void lbs_fidelity_print_json(FILE *f, const struct lbs_fid_row *rows, size_t n);

#endif
