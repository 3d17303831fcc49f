/* SPDX-License-Identifier: MIT */
/*
 * The table's verdicts: under it, a line per criterion (results/criteria.h,
 * the report's summary's) naming the policies that did best. Two runs tie
 * where the table shows the same figure (its column's unit and decimals);
 * a criterion the terminal's table has no column for ties at three
 * digits, as the report's summary does.
 */
#include "output.h"

#include <string.h>

#include "../results/criteria.h"

#define MAX_RUNS 64

/* How r shows on c: its table cell, or three digits where the terminal's
 * table has no column for it. */
static void shown(const struct lbs_field *fld, const struct lbs_criterion *c,
		  const struct lbs_result *r, char *buf, size_t len)
{
	enum lbs_mode m = lbs_result_mode(r);

	if (fld->col[m].unit != LBS_COL_NONE && !fld->col[m].report_only)
		lbs_field_cell(fld, m, r, buf, len);
	else
		lbs_value_text(buf, len, c->unit, (double)lbs_field_u64(fld, r, 0));
}

/* One workload's runs (r[i] with r[i].workload == w), best first on c. */
static void verdict(FILE *f, const struct lbs_criterion *c, const struct lbs_result *r,
		    size_t n, const char *w, int named)
{
	const struct lbs_field *fld = lbs_field_named(c->field);
	char best[32] = "", text[32];
	double lo = 0;
	size_t runs = 0, tied = 0, at = 0;

	if (!fld)
		return; /* a test names every criterion's field */
	for (size_t i = 0; i < n; i++) {
		double v = (double)lbs_field_u64(fld, &r[i], 0);

		if (strcmp(r[i].workload, w) != 0)
			continue;
		if (!runs++ || v < lo) {
			lo = v;
			at = i;
		}
	}
	if (runs < 2)
		return; /* nothing to compare */
	shown(fld, c, &r[at], best, sizeof best);
	fputs("best ", f);
	for (const char *k = c->key; *k; k++) /* "worst-allocation": two words */
		fputc(*k == '-' ? ' ' : *k, f);
	fprintf(f, "%s%s%s: ", named ? " (" : "", named ? w : "", named ? ")" : "");
	for (size_t i = 0; i < n; i++) {
		if (strcmp(r[i].workload, w) != 0)
			continue;
		shown(fld, c, &r[i], text, sizeof text);
		if (strcmp(text, best) != 0)
			continue;
		fprintf(f, "%s%s", tied++ ? ", " : "", r[i].policy);
	}
	lbs_value_text(text, sizeof text, c->unit, lo);
	fprintf(f, tied == runs ? " (all at %s)\n" : " (%s)\n", text);
}

void lbs_print_verdicts(FILE *f, const struct lbs_result *r, size_t n)
{
	const char *seen[MAX_RUNS];
	size_t nw = 0;

	for (size_t i = 0; i < n && nw < MAX_RUNS; i++) {
		size_t k;

		for (k = 0; k < nw && strcmp(seen[k], r[i].workload) != 0; k++)
			;
		if (k < nw)
			continue;
		seen[nw++] = r[i].workload;
	}
	for (size_t k = 0; k < nw; k++) {
		int fails = 0;

		for (size_t c = 0; c < lbs_ncriteria; c++)
			verdict(f, &lbs_criteria[c], r, n, seen[k], nw > 1);
		for (size_t i = 0; i < n; i++)
			fails |= strcmp(r[i].workload, seen[k]) == 0 && r[i].alloc_failures;
		if (fails)
			verdict(f, &lbs_fails_criterion, r, n, seen[k], nw > 1);
	}
}
