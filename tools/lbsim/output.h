/* SPDX-License-Identifier: MIT */
/* lbsim's output: a table for people, or a JSON array for programs. */
#ifndef LBS_OUTPUT_H
#define LBS_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "sim.h"

/* s as a JSON string literal, quotes included (control characters as \u00XX). */
void lbs_json_string(FILE *f, const char *s);

/* "    "k": v,\n" (last: no comma), the members of lbs_print_json's objects. */
void lbs_json_key_str(FILE *f, const char *k, const char *v, int last);
void lbs_json_key_u64(FILE *f, const char *k, uint64_t v);

/* One JSON object per result, in a JSON array, ending with a newline.
 * Trace replays add the members of lbs_print_json_trace. */
void lbs_print_json(FILE *f, const struct lbs_result *r, size_t n);

/* What the model's name in a heading is: " (cost model)" for a preset,
 * " (cost file)", or " (no costs)" for null. */
const char *lbs_model_kind(const struct lbs_sim_config *c);

/* A heading for the run (guest, unit, backend, seed). */
void lbs_print_heading(FILE *f, const struct lbs_sim_config *c);

/* The table: a header and one aligned row per result. */
void lbs_print_table(FILE *f, const struct lbs_result *r, size_t n);

/* A paragraph explaining the table's columns. */
void lbs_print_legend(FILE *f);

/* A line for each run whose callers never held more than firmware
 * accepted (nothing to compare), suggesting --pre-accepted. */
void lbs_print_fits(FILE *f, const struct lbs_result *r, size_t n);

/* ---- trace replays (output_trace.c) ---- */

/* The members a trace replay adds to its JSON object (each ending ",\n"). */
void lbs_print_json_trace(FILE *f, const struct lbs_result *r);

/* A heading for a trace replay: the trace, then the guest. */
void lbs_print_trace_heading(FILE *f, const struct lbs_result *r, const char *path,
			     const struct lbs_sim_config *c, int boot);

/* The table of trace replays, one row per policy. */
void lbs_print_trace_table(FILE *f, const struct lbs_result *r, size_t n);
void lbs_print_trace_legend(FILE *f);

/* Sizes and times as people read them: "8.0 GiB", "3.69 ms". */
void lbs_bytes_text(char *buf, size_t len, uint64_t bytes);
void lbs_ns_text(char *buf, size_t len, uint64_t ns);

/* The table's cell helpers, shared by both tables. */
/* A table of results: two header lines, then one row per result whose
 * cells row() fills; the last column is the result's check text, printed
 * in full. The first nleft columns are names (left-aligned). */
#define LBS_CELL 48
#define LBS_MAXCOL 20
struct lbs_table {
	int ncol, nleft;
	const char *const *head[2];
	void (*row)(const struct lbs_result *x, char cells[][LBS_CELL]);
};
void lbs_print_cells(FILE *f, const struct lbs_table *t, const struct lbs_result *r, size_t n);
size_t lbs_display_width(const char *s);
void lbs_put_cell(FILE *f, const char *s, size_t width, int left);

#endif
