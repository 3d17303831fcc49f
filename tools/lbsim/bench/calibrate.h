/* SPDX-License-Identifier: MIT */
/*
 * Calibration (`lbsim --calibrate`, make calibrate): the model's fitted
 * figures fitted again, by a stated procedure (calibrate.c), to the
 * fidelity rows each names; and the rows judged on a fit that left their
 * own source out (cv_lbsim).
 */
#ifndef LBS_CALIBRATE_H
#define LBS_CALIBRATE_H

#include <stddef.h>
#include <stdio.h>

#include "fidelity.h"

struct lbs_figure;

/* Fitted figure g fitted to its rows but those of source skip (NULL:
 * none): the value, *nrows the rows it was fitted to (0: none were left,
 * the value is g's prior), *err the sum of squared log errors. */
double lbs_calibrate_fit(const struct lbs_figure *g, const char *skip, size_t *nrows,
			 double *err);

/* Every fitted figure's fit beside the table's value: 0 when each fit
 * reproduces the table, else 1. */
int lbs_calibrate_print(FILE *f);

/* Each row whose source a fit used: cv_lbsim and cv_pass with every
 * fitted figure fitted without that source. */
void lbs_calibrate_cross_validate(struct lbs_fid_row *rows, size_t n);

#endif
