/* SPDX-License-Identifier: MIT */
/*
 * The report's results table, in HTML: the columns of the field list
 * (fields.h: the terminal table's, with the report's own RTAB columns among
 * them), each cell as the terminal prints it, and the lowest of each of the
 * summary's criteria in a workload's runs in bold.
 */
#include "parts.h"

#include <string.h>

#include "../results/fields.h"

#define MAXCOL 40
#define CELL 64

/* The text f's lowest value in g's runs shows; 0 when its highest shows
 * the same (nothing to point out). */
static int best_text(char *buf, size_t len, const struct lbs_field *f, enum lbs_mode m,
		     const struct lbs_result *r, const struct lbs_rgroup *g)
{
	size_t lo = 0, hi = 0;
	char other[CELL];

	for (size_t j = 1; j < g->n; j++) {
		uint64_t v = lbs_field_u64(f, &r[g->idx[j]], 0);
		lo = v < lbs_field_u64(f, &r[g->idx[lo]], 0) ? j : lo;
		hi = v > lbs_field_u64(f, &r[g->idx[hi]], 0) ? j : hi;
	}
	lbs_field_cell(f, m, &r[g->idx[lo]], buf, len);
	lbs_field_cell(f, m, &r[g->idx[hi]], other, sizeof other);
	return strcmp(buf, other) != 0;
}

static void heading(FILE *f, const struct lbs_field *col, enum lbs_mode m)
{
	fprintf(f, "<th data-field=\"%s\">", col->name);
	lbs_html_text(f, col->col[m].head);
	if (col->col[m].sub[0]) {
		fputs("<br/>", f);
		lbs_html_text(f, col->col[m].sub);
	}
	fputs("</th>", f);
}

/* Cell c of n for x: the first names the run, the last is the check. */
static void cell(FILE *f, const struct lbs_field *col, enum lbs_mode m, size_t c, size_t n,
		 const struct lbs_result *x, const char *best)
{
	char buf[CELL];

	lbs_field_cell(col, m, x, buf, sizeof buf);
	if (c + 1 == n) {
		const char *check = lbs_field_text(col, x);
		fputs(check && strcmp(check, "ok") == 0 ? "<td>" : "<td class=\"bad\">", f);
		lbs_html_text(f, check ? check : buf); /* in full, as the terminal prints it */
	} else if (c == 0) {
		fputs("<td class=\"run\">", f);
		lbs_html_text(f, buf);
	} else if (col->col[m].unit == LBS_COL_TEXT) {
		fputs("<td>", f);
		lbs_html_text(f, buf);
	} else {
		fputs(best && strcmp(buf, best) == 0 ? "<td class=\"num best\">" : "<td class=\"num\">",
		      f);
		lbs_html_text(f, buf);
	}
	fputs("</td>", f);
}

void lbs_report_table(FILE *f, const struct lbs_result *r, const struct lbs_rgroup *g,
		      size_t ng)
{
	const struct lbs_field *cols[MAXCOL];
	char best[MAXCOL][CELL];
	int differ[MAXCOL];
	enum lbs_mode m;
	size_t n;

	if (!ng || !g[0].n)
		return;
	m = lbs_result_mode(&r[g[0].idx[0]]);
	n = lbs_report_columns(m, cols, MAXCOL);
	if (n > MAXCOL)
		n = MAXCOL; /* a test of the list catches this */
	fputs("<div class=\"scroll\"><table class=\"results\">\n<thead><tr>", f);
	for (size_t c = 0; c < n; c++)
		heading(f, cols[c], m);
	fputs("</tr></thead>\n<tbody>\n", f);
	for (size_t k = 0; k < ng; k++) {
		for (size_t c = 0; c < n; c++)
			differ[c] = lbs_report_criterion(cols[c]) &&
				    best_text(best[c], sizeof best[c], cols[c], m, r, &g[k]);
		for (size_t j = 0; j < g[k].n; j++) {
			fputs(k && !j ? "<tr class=\"group\">" : "<tr>", f);
			for (size_t c = 0; c < n; c++)
				cell(f, cols[c], m, c, n, &r[g[k].idx[j]], differ[c] ? best[c] : NULL);
			fputs("</tr>\n", f);
		}
	}
	fputs("</tbody>\n</table></div>\n<p>The columns of the table lbsim prints, in its units, "
	      "and the report's own:", f);
	for (size_t c = 0, k = 0; c < n; c++) {
		const struct lbs_column *col = &cols[c]->col[m];
		if (!col->report_only)
			continue;
		fputs(k++ ? ", " : " ", f);
		lbs_html_text(f, col->head);
		if (col->sub[0]) {
			fputs(" (", f);
			lbs_html_text(f, col->sub);
			fputc(')', f);
		}
	}
	fputs(".</p>\n", f);
}
