/* SPDX-License-Identifier: MIT */
/* The fidelity table as JSON (`lbsim --fidelity --json`, fidelity.h). */
#include "fidelity.h"

#include <math.h>
#include <stdlib.h>

#include "output.h"

/* v exactly: the fewest digits that read back as v (the table's three
 * would make a program's own PASS/MISS disagree with ours near the edge);
 * null for what JSON has no number for. */
static void number(FILE *f, double v)
{
	char buf[32];

	if (!isfinite(v)) {
		fputs("null", f);
		return;
	}
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(buf, sizeof buf, "%.*g", digits, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fputs(buf, f);
}

static void member(FILE *f, const char *key, const char *s)
{
	fprintf(f, ", \"%s\": ", key);
	if (s)
		lbs_json_string(f, s);
	else
		fputs("null", f);
}

void lbs_fidelity_print_json(FILE *f, const struct lbs_fid_row *rows, size_t n)
{
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		const struct lbs_fid_row *r = &rows[i];

		fprintf(f, "%s  {\"row\": %zu", i ? ",\n" : "\n", i + 1);
		member(f, "figure", r->figure);
		member(f, "source", r->source);
		fputs(", \"published\": ", f);
		number(f, r->published);
		member(f, "unit", r->unit);
		fputs(", \"lbsim\": ", f);
		number(f, r->lbsim);
		if (r->bound)
			fputs(", \"tolerance_pct\": null", f);
		else
			fprintf(f, ", \"tolerance_pct\": %d", r->tol_pct);
		member(f, "bound", !r->bound ? NULL : r->bound > 0 ? "at_least" : "at_most");
		member(f, "kind", lbs_fid_kind_name(r->kind));
		member(f, "result", r->pass ? "PASS" : "MISS");
		fputc('}', f);
	}
	fputs(n ? "\n]\n" : "]\n", f);
}
