/* SPDX-License-Identifier: MIT */
/* The report's results table: HTML, every figure in its unit, the best in bold. */
#include "report_parts.h"

#include <string.h>

#include "svg.h"

enum col_kind { COL_NAME, COL_WORKLOAD, COL_VALUE, COL_CHECK };

struct column {
	const char *head, *sub;  /* header and what it is */
	enum col_kind kind;
	enum lbs_unit unit;
	int best;                /* lower is better: mark each group's lowest */
	double (*get)(const struct lbs_result *);
};

#define GET(name, expr) \
	static double name(const struct lbs_result *r) { return (double)(expr); }
GET(g_boot, r->boot_ns)
GET(g_calls, r->accept_calls)
GET(g_accepted, r->accepted_bytes)
GET(g_released, r->released_bytes)
GET(g_peak, r->committed_bytes_peak)
GET(g_end, r->committed_bytes_end)
GET(g_over, r->over_accepted_bytes)
GET(g_vacc, r->vcpu_accept_ns)
GET(g_wait, r->wait_ns)
GET(g_bg, r->acceptor_cpu_ns + r->releaser_cpu_ns)
GET(g_p50, r->lat_p50)
GET(g_p99, r->lat_p99)
GET(g_p999, r->lat_p999)
GET(g_max, r->lat_max)
GET(g_lag99, r->lag_p99)
GET(g_lag, r->max_lag_ns)
GET(g_fails, r->alloc_failures)
#undef GET

static const struct column cols[] = {
	{"policy", "", COL_NAME, LBS_UNIT_PLAIN, 0, NULL},
	{"workload", "", COL_WORKLOAD, LBS_UNIT_PLAIN, 0, NULL},
	{"boot", "virtual time until the run starts", COL_VALUE, LBS_UNIT_NS, 1, g_boot},
	{"boot acc", "vCPU time accepting at boot", COL_VALUE, LBS_UNIT_NS, 0, lbs_boot_accept_ns},
	{"accept calls", "", COL_VALUE, LBS_UNIT_COUNT, 0, g_calls},
	{"accepted", "by the zone, set-up included", COL_VALUE, LBS_UNIT_BYTES, 0, g_accepted},
	{"released", "", COL_VALUE, LBS_UNIT_BYTES, 0, g_released},
	{"committed peak", "what the host backed at most", COL_VALUE, LBS_UNIT_BYTES, 1, g_peak},
	{"committed end", "", COL_VALUE, LBS_UNIT_BYTES, 0, g_end},
	{"over-acc", "accepted, not handed out", COL_VALUE, LBS_UNIT_BYTES, 0, g_over},
	{"vCPU acc", "after boot", COL_VALUE, LBS_UNIT_NS, 0, g_vacc},
	{"wait", "", COL_VALUE, LBS_UNIT_NS, 0, g_wait},
	{"bg cpu", "acceptor and releaser", COL_VALUE, LBS_UNIT_NS, 0, g_bg},
	{"acceptance total", "boot acc + vCPU acc + wait + bg cpu", COL_VALUE, LBS_UNIT_NS, 1,
	 lbs_accept_work_ns},
	{"p50", "allocation latency", COL_VALUE, LBS_UNIT_NS, 0, g_p50},
	{"p99", "", COL_VALUE, LBS_UNIT_NS, 0, g_p99},
	{"p99.9", "", COL_VALUE, LBS_UNIT_NS, 1, g_p999},
	{"max", "", COL_VALUE, LBS_UNIT_NS, 1, g_max},
	{"lag p99", "", COL_VALUE, LBS_UNIT_NS, 0, g_lag99},
	{"max lag", "", COL_VALUE, LBS_UNIT_NS, 1, g_lag},
	{"alloc fails", "", COL_VALUE, LBS_UNIT_COUNT, 1, g_fails},
	{"check", "", COL_CHECK, LBS_UNIT_PLAIN, 0, NULL},
};
#define NCOLS (sizeof cols / sizeof cols[0])

/* The text the group's lowest value of column c shows; 0 when every run
 * shows the same (nothing to point out). */
static int best_text(char *buf, size_t len, const struct column *c, const struct lbs_result *r,
		     const struct lbs_rgroup *g)
{
	double best = 0, worst = 0;
	char other[32];

	for (size_t j = 0; j < g->n; j++) {
		double v = c->get(&r[g->idx[j]]);
		best = j == 0 || v < best ? v : best;
		worst = j == 0 || v > worst ? v : worst;
	}
	lbs_fmt_value(buf, len, c->unit, best);
	lbs_fmt_value(other, sizeof other, c->unit, worst);
	return strcmp(buf, other) != 0;
}

static void cell(FILE *f, const struct column *c, const struct lbs_result *x,
		 const char *best)
{
	char buf[32];

	switch (c->kind) {
	case COL_NAME:
		fputs("<td class=\"run\">", f);
		lbs_html_text(f, x->policy);
		break;
	case COL_WORKLOAD:
		fputs("<td>", f);
		lbs_html_text(f, x->workload);
		break;
	case COL_CHECK:
		fputs(strcmp(x->check, "ok") == 0 ? "<td>" : "<td class=\"bad\">", f);
		lbs_html_text(f, x->check);
		break;
	default:
		lbs_fmt_value(buf, sizeof buf, c->unit, c->get(x));
		fputs(c->best && best && strcmp(buf, best) == 0 ? "<td class=\"num best\">"
								 : "<td class=\"num\">", f);
		lbs_html_text(f, buf);
	}
	fputs("</td>", f);
}

void lbs_report_table(FILE *f, const struct lbs_result *r, const struct lbs_rgroup *g,
		      size_t ng)
{
	char best[NCOLS][32];
	int differ[NCOLS];
	int trace = ng == 1 && r[g[0].idx[0]].is_trace;

	fputs("<div class=\"scroll\"><table class=\"results\">\n<thead><tr>", f);
	for (size_t c = 0; c < NCOLS; c++) {
		if (trace && cols[c].kind == COL_WORKLOAD)
			continue;
		fputs(cols[c].sub[0] ? "<th title=\"" : "<th>", f);
		if (cols[c].sub[0]) {
			lbs_html_text(f, cols[c].sub);
			fputs("\">", f);
		}
		for (const char *h = cols[c].head; *h; h++) { /* narrow columns: a word a line */
			if (*h == ' ' && strcmp(cols[c].head, "max lag") != 0)
				fputs("<br/>", f);
			else
				fputc(*h, f);
		}
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
	for (size_t k = 0; k < ng; k++) {
		for (size_t c = 0; c < NCOLS; c++)
			differ[c] = cols[c].best &&
				    best_text(best[c], sizeof best[c], &cols[c], r, &g[k]);
		for (size_t j = 0; j < g[k].n; j++) {
			fputs(k && !j ? "<tr class=\"group\">" : "<tr>", f);
			for (size_t c = 0; c < NCOLS; c++)
				if (!(trace && cols[c].kind == COL_WORKLOAD))
					cell(f, &cols[c], &r[g[k].idx[j]],
					     differ[c] ? best[c] : NULL);
			fputs("</tr>\n", f);
		}
	}
	fputs("</tbody>\n</table></div>\n", f);
}
