/* SPDX-License-Identifier: MIT */
/* The report's summary: for each criterion, who wins, by how much, who loses. */
#include "parts.h"

#include <stdlib.h>
#include <string.h>

#include "svg.h"
#include "../results/criteria.h"

void lbs_html_text(FILE *f, const char *s)
{
	lbs_xml_text(f, s);
}

size_t lbs_rgroups(const struct lbs_result *r, size_t n, struct lbs_rgroup *g, size_t max)
{
	size_t ng = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k;
		for (k = 0; k < ng && strcmp(g[k].workload, r[i].workload) != 0; k++)
			;
		if (k == ng) {
			if (ng == max)
				continue;
			g[ng].workload = r[i].workload;
			g[ng].n = 0;
			g[ng].idx = malloc(n * sizeof *g[ng].idx);
			if (!g[ng].idx) {
				lbs_rgroups_free(g, ng);
				return 0;
			}
			ng++;
		}
		g[k].idx[g[k].n++] = i;
	}
	return ng;
}

void lbs_rgroups_free(struct lbs_rgroup *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(g[i].idx);
		g[i].idx = NULL;
	}
}

/* ----------------------------------------------------------- criteria */

int lbs_report_criterion(const struct lbs_field *f)
{
	for (size_t c = 0; c < lbs_ncriteria; c++)
		if (strcmp(f->name, lbs_criteria[c].field) == 0)
			return 1;
	return strcmp(f->name, lbs_fails_criterion.field) == 0;
}

static double value(const struct lbs_field *f, const struct lbs_result *r)
{
	return (double)lbs_field_u64(f, r, 0);
}

struct ranked {
	size_t i;      /* index into the results */
	double v;
	char text[32]; /* as shown: equal texts are a tie */
};

static int by_value(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i; /* run order among equals */
}

static int by_index(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* "a", "a and b", "a, b and c"; winners marked for the reader and the test. */
static void names(FILE *f, const struct lbs_result *r, const struct ranked *k, size_t from,
		  size_t to, int winner)
{
	for (size_t j = from; j < to; j++) {
		if (j > from)
			fputs(j + 1 == to ? " and " : ", ", f);
		fputs(winner ? "<strong class=\"winner\">" : "<span class=\"run\">", f);
		lbs_html_text(f, r[k[j].i].policy);
		fputs(winner ? "</strong>" : "</span>", f);
	}
}

/* End of the tie that starts at from. */
static size_t tie_end(const struct ranked *k, size_t n, size_t from)
{
	size_t j = from + 1;
	while (j < n && strcmp(k[j].text, k[from].text) == 0)
		j++;
	return j;
}

static void ratio_text(char *buf, size_t len, double a, double b)
{
	double q = a / b;
	snprintf(buf, len, q < 10 ? "%.1f×" : "%.0f×", q);
}

static void extra_text(FILE *f, const struct lbs_criterion *c, const struct lbs_result *r,
		       const struct lbs_rgroup *g, const struct ranked *k)
{
	char a[32], b[32];

	if (strcmp(c->key, "worst-allocation") == 0 && k[0].v == 0) {
		fputs(" No allocation under ", f);
		names(f, r, k, 0, tie_end(k, g->n, 0), 0);
		fputs(" had to accept memory or wait.", f);
	} else if (strcmp(c->key, "memory") == 0) {
		for (size_t j = 0; j < g->n; j++) {
			const struct lbs_result *x = &r[g->idx[j]];
			if (!x->released_bytes)
				continue;
			lbs_value_text(a, sizeof a, LBS_UNIT_BYTES, (double)x->committed_bytes_end);
			lbs_value_text(b, sizeof b, LBS_UNIT_BYTES, (double)x->released_bytes);
			fputs(" <span class=\"run\">", f);
			lbs_html_text(f, x->policy);
			fprintf(f, "</span> ends at %s, having released %s.", a, b);
		}
	} else if (strcmp(c->key, "acceptance-work") == 0) {
		for (size_t j = 0; j < g->n; j++) {
			const struct lbs_result *x = &r[g->idx[j]];
			double boot = (double)x->boot_accept_vcpu_ns;
			double all = value(lbs_field_named(c->field), x); /* sentence() found it */
			if (boot <= 0 || boot * 2 < all)
				continue;
			lbs_value_text(a, sizeof a, LBS_UNIT_NS, boot);
			fputs(" <span class=\"run\">", f);
			lbs_html_text(f, x->policy);
			fprintf(f, "</span> spends %s of it at boot%s.", a,
				boot == all ? ", none after" : "");
		}
	}
}

/* One sentence: the winners (or a tie), the margin to the next, the worst. */
static void sentence(FILE *f, const struct lbs_criterion *c, const struct lbs_result *r,
		     const struct lbs_rgroup *g, struct ranked *k)
{
	const struct lbs_field *fld = lbs_field_named(c->field);
	size_t n = g->n, w, nx, last;
	char buf[32];

	if (!fld)
		return; /* a test names every criterion's field */
	for (size_t j = 0; j < n; j++) {
		k[j].i = g->idx[j];
		k[j].v = value(fld, &r[g->idx[j]]);
	}
	qsort(k, n, sizeof *k, by_value);
	for (size_t j = 0; j < n; j++)
		lbs_value_text(k[j].text, sizeof k[j].text, c->unit, k[j].v);
	for (size_t j = 0; j < n; j = tie_end(k, n, j)) /* a tie names its runs in run order */
		qsort(k + j, tie_end(k, n, j) - j, sizeof *k, by_index);
	w = tie_end(k, n, 0);
	fprintf(f, "<li data-criterion=\"%s\"><b>%s</b>: ", c->key, c->label);
	names(f, r, k, 0, w, 1);
	if (w == n) {
		fprintf(f, n > 1 ? " tie at %s." : " at %s.", k[0].text);
		extra_text(f, c, r, g, k);
		fputs("</li>\n", f);
		return;
	}
	fprintf(f, w > 1 ? " tie at %s" : ", %s", k[0].text);
	nx = tie_end(k, n, w);
	if (k[0].v > 0) {
		double pct = (k[w].v - k[0].v) / k[w].v * 100.0;
		fprintf(f, pct < 9.95 ? ", %.1f%% below " : ", %.0f%% below ", pct);
	} else {
		fputs(", against ", f);
	}
	names(f, r, k, w, nx, 0);
	fprintf(f, " (%s)", k[w].text);
	if (nx < n) {
		last = n - 1;
		while (last > nx && strcmp(k[last - 1].text, k[last].text) == 0)
			last--;
		fputs("; the worst: ", f);
		names(f, r, k, last, n, 0);
		fprintf(f, ", %s", k[n - 1].text);
		if (k[0].v > 0) {
			ratio_text(buf, sizeof buf, k[n - 1].v, k[0].v);
			fprintf(f, " (%s %s)", buf, c->longer);
		}
	}
	fputc('.', f);
	extra_text(f, c, r, g, k);
	fputs("</li>\n", f);
}

void lbs_report_summary(FILE *f, const struct lbs_result *r, const struct lbs_rgroup *g)
{
	struct ranked *k = calloc(g->n ? g->n : 1, sizeof *k);
	int fails = 0;

	if (!k || !g->n) {
		free(k);
		return;
	}
	for (size_t j = 0; j < g->n; j++) {
		const struct lbs_result *x = &r[g->idx[j]];
		fails |= x->alloc_failures != 0;
		if (strcmp(x->check, "ok") != 0) {
			fputs("<p class=\"warn\">The run under <span class=\"run\">", f);
			lbs_html_text(f, x->policy);
			fputs("</span> failed its check; do not trust its figures: ", f);
			lbs_html_text(f, x->check);
			fputs("</p>\n", f);
		}
	}
	fputs("<ul class=\"summary\">\n", f);
	for (size_t c = 0; c < lbs_ncriteria; c++)
		sentence(f, &lbs_criteria[c], r, g, k);
	if (fails)
		sentence(f, &lbs_fails_criterion, r, g, k);
	fputs("</ul>\n", f);
	free(k);
}
