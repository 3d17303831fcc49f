/* SPDX-License-Identifier: MIT */
/* The fidelity table as JSON (`lbsim --fidelity --json`, fidelity.h). */
#include "fidelity.h"

#include "../output/output.h"

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
		lbs_json_number(f, r->published);
		member(f, "unit", r->unit);
		fputs(", \"lbsim\": ", f);
		lbs_json_number(f, r->lbsim);
		fputs(", \"cv_lbsim\": ", f);
		lbs_json_number(f, r->cv_lbsim);
		if (r->bound)
			fputs(", \"tolerance_pct\": null", f);
		else
			fprintf(f, ", \"tolerance_pct\": %d", r->tol_pct);
		member(f, "bound", !r->bound ? NULL : r->bound > 0 ? "at_least" : "at_most");
		member(f, "kind", lbs_fid_kind_name(r->kind));
		member(f, "result", r->cv_pass ? "PASS" : "MISS");
		fputc('}', f);
	}
	fputs(n ? "\n]\n" : "]\n", f);
}
