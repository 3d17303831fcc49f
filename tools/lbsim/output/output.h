/* SPDX-License-Identifier: MIT */
/*
 * lbsim's output: a table for people, or a JSON array for programs (CSV:
 * csv.h). The members, columns and cells come from the field list
 * (fields.h); the headings and legends are prose.
 */
#ifndef LBS_OUTPUT_H
#define LBS_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "../results/fields.h"
#include "../results/format.h"
#include "../run/sim.h"

/* ---- JSON (json.c) ---- */

/* s as a JSON string literal, quotes included (control characters as \u00XX). */
void lbs_json_string(FILE *f, const char *s);

/* v exactly, in the fewest digits that read back as v; null where JSON has
 * no number (infinities, NaN). */
void lbs_json_number(FILE *f, double v);

/* One JSON object per result, in a JSON array, ending with a newline: the
 * fields with a JSON key, those of the result's scope. */
void lbs_print_json(FILE *f, const struct lbs_result *r, size_t n);

/* Does the terminal's locale (LC_ALL, LC_CTYPE, LANG) write UTF-8? */
int lbs_locale_utf8(void);

/* s on f, every "µs" as "us" when ascii (a locale that is not UTF-8): the
 * same width on the screen, so columns stay aligned. */
void lbs_put_text(FILE *f, const char *s, int ascii);

/* ---- synthetic workloads (output.c) ---- */

/* What the model's name in a heading is: " (cost model)" for a preset,
 * " (cost file)", or " (no costs)" for null. */
const char *lbs_model_kind(const struct lbs_sim_config *c);

/* A heading for the run (guest, unit, backend, seed). */
void lbs_print_heading(FILE *f, const struct lbs_sim_config *c);

/* A paragraph explaining the table's columns. */
void lbs_print_legend(FILE *f);

/* ---- trace replays (output_trace.c) ---- */

/* A heading for a trace replay: the trace, then the guest. */
void lbs_print_trace_heading(FILE *f, const struct lbs_result *r, const char *path,
			     const struct lbs_sim_config *c, int boot);
void lbs_print_trace_legend(FILE *f);

/* ---- the tables (table.c) ---- */

/* The table of synthetic runs, one row per policy and workload, or of
 * trace replays, one row per policy: a header and aligned rows, the
 * columns the field list gives the mode (its WTAB ones only when wide),
 * then lbs_print_verdicts(), lbs_print_fits() and lbs_print_idle_note(). */
void lbs_print_table(FILE *f, const struct lbs_result *r, size_t n, int wide);
void lbs_print_trace_table(FILE *f, const struct lbs_result *r, size_t n, int wide);

/* A line for each run whose callers never held more than firmware
 * accepted (nothing to compare), suggesting --pre-accepted; or, when
 * allocations failed for lack of memory, one saying the guest is too
 * small for the run. */
void lbs_print_fits(FILE *f, const struct lbs_result *r, size_t n);

/* Under the table, a line per criterion (results/criteria.h) naming the
 * policies that did best on it, each workload's apart (verdict.c). */
void lbs_print_verdicts(FILE *f, const struct lbs_result *r, size_t n);

/* For a trace replay that recorded no idle periods, a line saying that
 * --load's assumption stood in for them. */
void lbs_print_idle_note(FILE *f, const struct lbs_result *r, size_t n);

/* A table of results: two header lines, then one row per result whose
 * cells row() fills; the last column is the result's check text, printed
 * in full. The first nleft columns are names (left-aligned). */
#define LBS_CELL 48
#define LBS_MAXCOL 20
struct lbs_table {
	int ncol, nleft;
	const char *const *head[2];
	enum lbs_mode mode;
	const struct lbs_field *const *cols; /* ncol of them, check last */
};
void lbs_print_cells(FILE *f, const struct lbs_table *t, const struct lbs_result *r, size_t n);
size_t lbs_display_width(const char *s);
void lbs_put_cell(FILE *f, const char *s, size_t width, int left);

#endif
