/* SPDX-License-Identifier: MIT */
/* The text tables: columns and cells from the field list (fields.h). */
#include "output.h"

#include <string.h>

#include "../results/format.h"
#include "../../common/wrap.h"

#include <stdarg.h>

/* Columns of the displayed width (UTF-8 continuation bytes take no column). */
size_t lbs_display_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0u) != 0x80u;
	return w;
}

void lbs_put_cell(FILE *f, const char *s, size_t width, int left)
{
	size_t w = lbs_display_width(s);
	if (!left)
		for (; w < width; w++)
			fputc(' ', f);
	fputs(s, f);
	if (left)
		for (; w < width; w++)
			fputc(' ', f);
}

/* Row x's cells but the last (check: printed from the result, untruncated). */
static void row_cells(const struct lbs_table *t, const struct lbs_result *x,
		      char cells[][LBS_CELL])
{
	for (int c = 0; c + 1 < t->ncol && c < LBS_MAXCOL; c++)
		lbs_field_cell(t->cols[c], t->mode, x, cells[c], LBS_CELL);
}

/* The cells, then "  " and the check text, untruncated. */
static void put_row(FILE *f, const struct lbs_table *t, char cells[][LBS_CELL],
		    const size_t *width, const char *check)
{
	for (int c = 0; c < t->ncol - 1; c++) {
		if (c)
			fputc(' ', f);
		lbs_put_cell(f, cells[c], width[c], c < t->nleft); /* names left, numbers right */
	}
	if (*check) {
		fputs("  ", f);
		fputs(check, f);
	}
	fputc('\n', f);
}

void lbs_print_cells(FILE *f, const struct lbs_table *t, const struct lbs_result *r, size_t n)
{
	size_t width[LBS_MAXCOL];
	char cells[LBS_MAXCOL][LBS_CELL];

	for (int c = 0; c < t->ncol; c++) {
		size_t a = lbs_display_width(t->head[0][c]), b = lbs_display_width(t->head[1][c]);
		width[c] = a > b ? a : b;
	}
	for (size_t i = 0; i < n; i++) {
		row_cells(t, &r[i], cells);
		for (int c = 0; c < t->ncol - 1; c++)
			if (lbs_display_width(cells[c]) > width[c])
				width[c] = lbs_display_width(cells[c]);
	}
	for (int l = 0; l < 2; l++) {
		for (int c = 0; c < t->ncol; c++)
			snprintf(cells[c], LBS_CELL, "%s", t->head[l][c]);
		put_row(f, t, cells, width, t->head[l][t->ncol - 1]);
	}
	for (size_t i = 0; i < n; i++) {
		row_cells(t, &r[i], cells);
		put_row(f, t, cells, width, r[i].check);
	}
}

/* Mode m's table, its columns from the list (the wide ones too if wide). */
static void mode_table(FILE *f, enum lbs_mode m, int wide, const struct lbs_result *r, size_t n)
{
	const struct lbs_field *cols[LBS_MAXCOL];
	const char *head[2][LBS_MAXCOL];
	struct lbs_table t = { 0, 0, { head[0], head[1] }, m, cols };
	size_t nc = lbs_table_columns(m, wide, cols, LBS_MAXCOL);

	if (nc == 0 || nc > LBS_MAXCOL)
		return; /* a test of the list catches this */
	for (size_t c = 0; c < nc; c++) {
		head[0][c] = cols[c]->col[m].head;
		head[1][c] = cols[c]->col[m].sub;
		if ((size_t)t.nleft == c && cols[c]->col[m].unit == LBS_COL_TEXT)
			t.nleft++; /* the leading names, left-aligned */
	}
	t.ncol = (int)nc;
	lbs_print_cells(f, &t, r, n);
	lbs_print_verdicts(f, r, n);
	lbs_print_fits(f, r, n);
	lbs_print_idle_note(f, r, n);
}

/* The tables have no wall-clock column, so that they are the same on any machine. */
void lbs_print_table(FILE *f, const struct lbs_result *r, size_t n, int wide)
{
	mode_table(f, LBS_MODE_SYNTH, wide, r, n);
}

void lbs_print_trace_table(FILE *f, const struct lbs_result *r, size_t n, int wide)
{
	mode_table(f, LBS_MODE_TRACE, wide, r, n);
}

/* "the trace (with boot)", "the trace", "fill". */
static const char *run_name(const struct lbs_result *r)
{
	if (!r->is_trace)
		return r->workload;
	return r->with_boot ? "the trace (with boot)" : "the trace";
}

/* Allocations refused for lack of memory (not atomic ones that found only
 * memory in flight). */
static uint64_t enomem_failures(const struct lbs_result *r)
{
	return r->alloc_failures - r->nowait_failures - r->busy_failures;
}

/* "note: " and the text, wrapped to the table's 100 columns. */
static void note(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(FILE *f, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	fputs("note:", f);
	lbtools_wrap(f, 5, text, 6, 100);
}

void lbs_print_idle_note(FILE *f, const struct lbs_result *r, size_t n)
{
	if (n && r[0].is_trace && !r[0].trace_idle)
		note(f, "the trace recorded no idle periods (sched_switch events), so each CPU "
		     "was taken as busy %u%% of the time between its events (--load); lbsim "
		     "record records them", r[0].load_pct);
}

void lbs_print_fits(FILE *f, const struct lbs_result *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char held[32], pre[32], mem[32];
		uint64_t most = 0, failed = 0;
		const char *worst = NULL;
		int fits = 1;
		size_t j;

		/* Once per workload. */
		for (j = 0; j < i && strcmp(r[j].workload, r[i].workload) != 0; j++)
			;
		if (j < i)
			continue;
		for (j = i; j < n; j++) {
			if (strcmp(r[j].workload, r[i].workload) != 0)
				continue;
			fits &= r[j].fits_pre_accepted;
			most = r[j].peak_held_bytes > most ? r[j].peak_held_bytes : most;
			if (enomem_failures(&r[j]) > failed) {
				failed = enomem_failures(&r[j]);
				worst = r[j].policy;
			}
		}
		if (failed) { /* what was held fits, but only because the rest failed */
			lbs_bytes_text(mem, sizeof mem, r[i].memory_bytes);
			note(f, "the %s guest is too small for %s: allocations failed for lack of "
			     "memory (%llu under %s); try a larger --memory", mem, run_name(&r[i]),
			     (unsigned long long)failed, worst);
			continue;
		}
		if (!fits || !r[i].pre_accepted_bytes)
			continue;
		lbs_bytes_text(held, sizeof held, most);
		lbs_bytes_text(pre, sizeof pre, r[i].pre_accepted_bytes);
		note(f, "%s never holds more than %s, within the %s firmware accepted, so lazy "
		     "policies never need to accept here; try --pre-accepted 0 to compare them",
		     run_name(&r[i]), held, pre);
	}
}
