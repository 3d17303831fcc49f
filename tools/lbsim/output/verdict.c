/* SPDX-License-Identifier: MIT */
/*
 * The table's verdicts: under it, a line per criterion (results/criteria.h,
 * the report's summary's) naming the policies that did best, ties being
 * figures equal to three digits, as the table shows them.
 */
#include "output.h"

#include <string.h>

#include "../results/criteria.h"

#define MAX_RUNS 64

/* One workload's runs (r[i] with r[i].workload == w), best first on c. */
static void verdict(FILE *f, const struct lbs_criterion *c, const struct lbs_result *r,
		    size_t n, const char *w, int named)
{
	const struct lbs_field *fld = lbs_field_named(c->field);
	char best[32] = "", text[32];
	double lo = 0;
	size_t runs = 0, tied = 0;

	if (!fld)
		return; /* a test names every criterion's field */
	for (size_t i = 0; i < n; i++) {
		double v = (double)lbs_field_u64(fld, &r[i], 0);

		if (strcmp(r[i].workload, w) != 0)
			continue;
		if (!runs++ || v < lo)
			lo = v;
	}
	if (runs < 2)
		return; /* nothing to compare */
	lbs_value_text(best, sizeof best, c->unit, lo);
	fputs("best ", f);
	for (const char *k = c->key; *k; k++) /* "worst-allocation": two words */
		fputc(*k == '-' ? ' ' : *k, f);
	fprintf(f, "%s%s%s: ", named ? " (" : "", named ? w : "", named ? ")" : "");
	for (size_t i = 0; i < n; i++) {
		if (strcmp(r[i].workload, w) != 0)
			continue;
		lbs_value_text(text, sizeof text, c->unit, (double)lbs_field_u64(fld, &r[i], 0));
		if (strcmp(text, best) != 0)
			continue;
		fprintf(f, "%s%s", tied++ ? ", " : "", r[i].policy);
	}
	fprintf(f, tied == runs ? " (all at %s)\n" : " (%s)\n", best);
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
