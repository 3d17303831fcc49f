/* SPDX-License-Identifier: MIT */
/* lbsim's output: a table for people, or a JSON array for programs. */
#ifndef LBS_OUTPUT_H
#define LBS_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "sim.h"

/* s as a JSON string literal, quotes included (control characters as \u00XX). */
void lbs_json_string(FILE *f, const char *s);

/* One JSON object per result, in a JSON array, ending with a newline. */
void lbs_print_json(FILE *f, const struct lbs_result *r, size_t n);

/* A heading for the run (guest, unit, backend, seed). */
void lbs_print_heading(FILE *f, const struct lbs_sim_config *c);

/* The table: a header and one aligned row per result. */
void lbs_print_table(FILE *f, const struct lbs_result *r, size_t n);

/* A paragraph explaining the table's columns. */
void lbs_print_legend(FILE *f);

#endif
