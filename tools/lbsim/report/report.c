/* SPDX-License-Identifier: MIT */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parts.h"
#include "svg.h"

#define MAX_GROUPS 16

static int mkdir_p(const char *dir)
{
	char buf[4096];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, dir, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0777) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* ------------------------------------------------------ time series */

/* The time axis: ns since the measured run started (set-up and boot not shown). */
static double span_ns(const struct lbs_result *r, const struct lbs_rgroup *g)
{
	double s = 0;
	for (size_t j = 0; j < g->n; j++) {
		const struct lbs_result *x = &r[g->idx[j]];
		double e;
		if (!x->extra)
			continue;
		e = (double)(x->virtual_time_ns + x->bg_tail_ns - x->boot_ns);
		s = e > s ? e : s;
	}
	return s > 0 ? s : 1e9;
}

/*
 * The points of one series kind, x in ns since the run started:
 * cumulative from base. Buckets ending before the run started fold into
 * the first point. Returns the count.
 */
static size_t points(const struct lbs_result *r, enum lbs_series_kind k, double base,
		     double xend, double *x, double *y)
{
	const struct lbs_series *s = &r->extra->series;
	unsigned used = lbs_series_used(s);
	double acc = base;
	size_t n = 0;

	for (unsigned i = 0; i < used; i++) {
		uint64_t end = (uint64_t)(i + 1u) * s->width;
		acc += (double)s->v[k][i];
		if (end <= r->boot_ns && i + 1u < used)
			continue;
		if (n == 0) { /* the value when the run starts */
			x[n] = 0;
			y[n++] = acc;
		}
		x[n] = (double)(end > r->boot_ns ? end - r->boot_ns : 0);
		y[n++] = acc;
	}
	if (n && x[n - 1] < xend) { /* runs end at different times: hold the last value */
		x[n] = xend;
		y[n] = y[n - 1];
		n++;
	}
	return n;
}

struct series_chart {
	const char *title, *ylabel;
	enum lbs_series_kind kind;
	enum lbs_unit unit;
	int log;
	const char *flat_note; /* when no line moves: nothing happened during the run */
	int acceptor_only;     /* only the policies with an acceptor */
};

/*
 * The zoomed panel of the memory chart: the lines whose peaks sit close
 * together (below the largest gap between peaks, when it is 5% or more),
 * from their lowest end to their highest peak, when that is too thin a
 * slice of the main panel to tell them apart.
 */
static void memory_zoom(struct lbs_chart *c, char *title, size_t len)
{
	double peak[64], end[64], lo = 0, hi = 0, cut = INFINITY, gap = 1.05;
	size_t n = c->n < 64 ? c->n : 64, in = 0;
	char a[32], b[32], out[200] = "";

	for (size_t i = 0; i < n; i++) {
		const struct lbs_line *l = &c->lines[i];
		peak[i] = 0;
		end[i] = l->n ? l->y[l->n - 1] : 0;
		for (size_t k = 0; k < l->n; k++)
			peak[i] = l->y[k] > peak[i] ? l->y[k] : peak[i];
	}
	for (size_t i = 0; i < n; i++) { /* the largest gap above a peak */
		double next = INFINITY;
		for (size_t j = 0; j < n; j++)
			if (peak[j] > peak[i] && peak[j] < next)
				next = peak[j];
		if (isfinite(next) && peak[i] > 0 && next / peak[i] >= gap) {
			gap = next / peak[i];
			cut = peak[i];
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!c->lines[i].n || peak[i] > cut)
			continue;
		lo = in == 0 || end[i] < lo ? end[i] : lo;
		hi = in == 0 || peak[i] > hi ? peak[i] : hi;
		in++;
	}
	if (in < 2 || !(hi > lo) || hi - lo > 0.2 * (c->y.hi - c->y.lo))
		return;
	for (size_t i = 0; i < n; i++) {
		c->lines[i].in_zoom = c->lines[i].n && peak[i] <= cut;
		if (c->lines[i].n && peak[i] > cut) {
			size_t o = strlen(out);
			lbs_value_text(a, sizeof a, LBS_UNIT_BYTES, peak[i]);
			snprintf(out + o, sizeof out - o, "%s%s at %s", o ? ", " : "", c->lines[i].name,
				 a);
		}
	}
	c->zoom.lo = lo - 0.12 * (hi - lo);
	c->zoom.hi = hi + 0.12 * (hi - lo);
	lbs_value_text(a, sizeof a, LBS_UNIT_BYTES, c->zoom.lo);
	lbs_value_text(b, sizeof b, LBS_UNIT_BYTES, c->zoom.hi);
	snprintf(title, len, "Zoomed in on %s to %s, where the lines end%s%s%s", a, b,
		 out[0] ? " (above it: " : "", out, out[0] ? ")" : "");
	c->zoom_title = title;
}

static void chart_series(FILE *f, const struct lbs_result *r, const struct lbs_rgroup *g,
			 const struct series_chart *sc, const char *xlabel)
{
	double *x = malloc((LBS_SERIES_N + 3) * sizeof *x);
	double *y = malloc((LBS_SERIES_N + 3) * sizeof *y);
	struct lbs_axis xa = {xlabel, 0, span_ns(r, g), LBS_SCALE_LINEAR, LBS_UNIT_NS, 0};
	struct lbs_axis ya = {sc->ylabel, 0, 1, sc->log ? LBS_SCALE_LOG : LBS_SCALE_LINEAR,
			      sc->unit, sc->log};
	struct lbs_chart c;
	double ymax = 0;
	int moved = 0, any = 0;
	char zoom_title[320];

	lbs_chart_init(&c, sc->title, xa, ya);
	for (size_t j = 0; j < g->n && x && y; j++) {
		const struct lbs_result *rr = &r[g->idx[j]];
		size_t m = 0;
		if (sc->acceptor_only && !rr->acceptors)
			continue;
		if (rr->extra) {
			double base = sc->kind == LBS_S_COMMIT ? (double)rr->extra->series.base : 0;
			m = points(rr, sc->kind, base, xa.hi, x, y);
			any = 1;
		}
		for (size_t k = 0; k < m; k++) {
			ymax = y[k] > ymax ? y[k] : ymax;
			moved |= y[k] != y[0];
		}
		lbs_chart_add(&c, rr->policy, x, y, m, 1);
	}
	if (sc->log) {
		c.y.lo = 1;
		c.y.hi = pow(10, ceil(log10(ymax > 10 ? ymax : 10)));
	} else if (ymax > 0) {
		c.y.hi = ymax * 1.04;
	} else { /* all zero: a range in the unit's everyday size */
		c.y.hi = sc->unit == LBS_UNIT_NS ? 1e6 : sc->unit == LBS_UNIT_BYTES ? 1073741824.0 : 10;
	}
	if (!any)
		c.note = "No time series were kept for these runs.";
	else if (!moved)
		c.note = sc->flat_note;
	if (sc->kind == LBS_S_COMMIT)
		memory_zoom(&c, zoom_title, sizeof zoom_title);
	lbs_chart_write(f, &c);
	lbs_chart_free(&c);
	free(x);
	free(y);
}

/* ------------------------------------------------------ latency CDF */

/* The CDF: x log in ns (0 apart), y in nines, a vertical step at 0. */
static void chart_cdf(FILE *f, const struct lbs_result *r, const struct lbs_rgroup *g)
{
	double *x = malloc((2 * LBS_HIST_BUCKETS + 4) * sizeof *x);
	double *y = malloc((2 * LBS_HIST_BUCKETS + 4) * sizeof *y);
	struct lbs_axis xa = {"latency of one allocation (log scale; acceptance and waits "
			      "included)", 1, 10, LBS_SCALE_LOG, LBS_UNIT_NS, 1};
	struct lbs_axis ya = {"allocations at most that slow", 0, 0.9, LBS_SCALE_NINES,
			      LBS_UNIT_PLAIN, 0};
	struct lbs_chart c;
	double lo = INFINITY, hi = 0, top = 0.9;
	uint64_t allocs = 0, costly = 0;

	lbs_chart_init(&c, "Allocation latency CDF", xa, ya);
	for (size_t j = 0; j < g->n; j++) {
		const struct lbs_hist *h = r[g->idx[j]].extra ? &r[g->idx[j]].extra->lat : NULL;
		if (!h || !h->count)
			continue;
		allocs += h->count;
		costly += h->count - h->bucket[0];
		hi = (double)h->max > hi ? (double)h->max : hi;
		for (unsigned b = 1; b < LBS_HIST_BUCKETS; b++)
			if (h->bucket[b]) {
				uint64_t blo, bhi;
				lbs_hist_bucket_range(b, &blo, &bhi);
				lo = (double)blo < lo ? (double)blo : lo;
				break;
			}
		top = 1.0 - 1.0 / (double)h->count > top ? 1.0 - 1.0 / (double)h->count : top;
	}
	if (!(hi > 0))
		hi = 1e3;
	if (!(lo < hi))
		lo = hi / 10;
	c.x.lo = pow(10, floor(log10(lo)));
	c.x.hi = pow(10, ceil(log10(hi)));
	if (c.x.hi <= c.x.lo)
		c.x.hi = c.x.lo * 10;
	c.y.hi = 1.0 - pow(10, -ceil(-log10(1.0 - top)));
	for (size_t j = 0; j < g->n && x && y; j++) {
		const struct lbs_result *rr = &r[g->idx[j]];
		const struct lbs_hist *h = rr->extra ? &rr->extra->lat : NULL;
		size_t m = 0;
		uint64_t seen;

		if (h && h->count) {
			x[m] = 0; /* nothing below 0, then the allocations that cost nothing */
			y[m++] = 0;
			seen = h->bucket[0];
			x[m] = 0;
			y[m++] = (double)seen / (double)h->count;
			for (unsigned b = 1; b < LBS_HIST_BUCKETS; b++) {
				uint64_t blo, bhi;
				if (!h->bucket[b])
					continue;
				lbs_hist_bucket_range(b, &blo, &bhi);
				x[m] = (double)blo; /* the step up happens at the bucket */
				y[m++] = (double)seen / (double)h->count;
				seen += h->bucket[b];
				x[m] = (double)(bhi < h->max ? bhi : h->max);
				y[m++] = (double)seen / (double)h->count;
			}
			x[m] = c.x.hi;
			y[m++] = 1.0;
		}
		lbs_chart_add(&c, rr->policy, x, y, m, 0);
	}
	if (!allocs)
		c.note = "No allocations were made in these runs.";
	else if (!costly)
		c.note = "Every allocation took no time under every policy: none had to accept "
			 "memory or wait for it.";
	lbs_chart_write(f, &c);
	lbs_chart_free(&c);
	free(x);
	free(y);
}

/* ------------------------------------------------- acceptance bars */

static void chart_accept_time(FILE *f, const struct lbs_result *r, const struct lbs_rgroup *g)
{
	static const struct lbs_bar_seg segs[] = {
		{"at boot, before the run: set-up, the boot's allocations", "#8c6bb1"},
		{"in the run: vCPUs accepting", "#4878a8"},
		{"in the run: vCPUs waiting for others' acceptance", "#d8604c"},
		{"in the run: acceptor and releaser threads", "#7fb77e"},
	};
	const char **names = calloc(g->n ? g->n : 1, sizeof *names);
	double *v = calloc(g->n ? 4 * g->n : 1, sizeof *v);
	uint64_t accepted = 0; /* nothing spent: nothing accepted, or it cost nothing */

	if (names && v) {
		for (size_t j = 0; j < g->n; j++) {
			const struct lbs_result *x = &r[g->idx[j]];
			accepted += x->accept_calls;
			names[j] = x->policy;
			v[4 * j] = (double)x->boot_accept_vcpu_ns;
			v[4 * j + 1] = (double)x->vcpu_accept_ns;
			v[4 * j + 2] = (double)x->wait_ns;
			v[4 * j + 3] = (double)(x->acceptor_cpu_ns + x->releaser_cpu_ns);
		}
		lbs_bars(f, "Time spent on acceptance, all vCPUs and threads, boot included", names,
			 g->n, v, segs, 4, LBS_UNIT_NS,
			 accepted ? "No policy spent any time on acceptance: the cost model charges "
				    "nothing for it."
				  : "No policy spent any time on acceptance: everything the run used "
				    "was accepted by firmware.");
	}
	free(names);
	free(v);
}

/* ------------------------------------------------------------- page */

static const char style[] =
	"<style>\n"
	"body { font-family: sans-serif; max-width: 1240px; margin: 1em auto; padding: 0 1em; "
	"color: #222; }\n"
	"pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; font-size: 12px; }\n"
	"figure { margin: 1.2em 0; }\n"
	"figcaption { font-size: 13px; color: #444; max-width: 900px; }\n"
	"svg { max-width: 100%; height: auto; }\n"
	"ul.summary li { margin: 0.35em 0; }\n"
	"strong.winner { color: #0b6e4f; }\n"
	"p.note { background: #fffbe6; padding: 0.4em 0.6em; }\n"
	"p.warn { background: #fde8e8; padding: 0.4em 0.6em; }\n"
	"div.scroll { overflow-x: auto; }\n"
	"table.results { border-collapse: collapse; font-size: 12px; }\n"
	"table.results th, table.results td { border: 1px solid #ccc; padding: 2px 5px; "
	"white-space: nowrap; }\n"
	"table.results th { background: #eee; }\n"
	"table.results td.num { text-align: right; }\n"
	"table.results td.best { font-weight: bold; background: #e6f4ea; }\n"
	"table.results td.bad { color: #a00; }\n"
	"table.results tr.group td { border-top: 3px solid #888; }\n"
	"</style>\n";

/* The lines of text starting with prefix, as paragraphs of class note. */
static void note_lines(FILE *f, const char *text, const char *prefix)
{
	size_t pl = strlen(prefix);

	for (const char *p = text; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len > pl && strncmp(p, prefix, pl) == 0) {
			char *line = strndup(p + pl, len - pl);
			if (line) {
				fputs("<p class=\"note\">", f);
				lbs_html_text(f, line);
				fputs("</p>\n", f);
				free(line);
			}
		}
		p = e ? e + 1 : NULL;
	}
}

static const struct series_chart memory_chart = {
	"Host-committed (accepted) memory", "memory the host backs", LBS_S_COMMIT,
	LBS_UNIT_BYTES, 0,
	"Committed memory did not change during the run under any policy: nothing was "
	"accepted or released after it started (firmware's part and eager's set-up are the "
	"starting values).", 0};
static const struct series_chart calls_chart = {
	"Accept calls so far (log scale)", "accept calls", LBS_S_ACCEPTS, LBS_UNIT_COUNT, 1,
	"No policy made an accept call during the run: everything it used had been accepted "
	"before it started (by firmware, or by eager's set-up).", 0};
static const struct series_chart wait_chart = {
	"vCPU time lost waiting, all vCPUs, so far", "time lost waiting", LBS_S_WAIT, LBS_UNIT_NS,
	0,
	"No vCPU waited under any policy: no allocation needed memory that another vCPU or "
	"the acceptor was still accepting, and no accept lock was contended.", 0};

static const struct series_chart reserve_chart = {
	"The acceptor's reserve", "accepted memory kept ahead", LBS_S_RESERVE, LBS_UNIT_BYTES, 0,
	"The reserve did not change during the run.", 1};

static int any_acceptor(const struct lbs_result *r, const struct lbs_rgroup *g)
{
	for (size_t j = 0; j < g->n; j++)
		if (r[g->idx[j]].acceptors)
			return 1;
	return 0;
}

static void group_charts(FILE *f, const struct lbs_result *r, const struct lbs_rgroup *g)
{
	int trace = r[g->idx[0]].is_trace;
	const char *xlabel = trace ? "time since the trace started (set-up and boot before it)"
				   : "time since the workload started (set-up before it)";

	fputs("<h3>Memory the host backs</h3>\n<figure>\n", f);
	chart_series(f, r, g, &memory_chart, xlabel);
	fputs("<figcaption>Memory accepted and not released, firmware's part included: what the "
	      "host must back. eager holds everything from the start; on-demand policies grow "
	      "with use; the releaser (background, adaptive) gives idle memory back after its "
	      "delay. The lower panel, when there is one, zooms in on the lines that end close "
	      "together.</figcaption>\n</figure>\n", f);
	if (any_acceptor(r, g)) {
		fputs("<h3>Accepted memory kept ahead</h3>\n<figure>\n", f);
		chart_series(f, r, g, &reserve_chart, xlabel);
		fputs("<figcaption>The free accepted memory the acceptor keeps ahead of demand, "
		      "as each of its passes sets it: background's is fixed; adaptive's follows "
		      "the allocation rate over a horizon from the acceptor's measured response, "
		      "in blocks of the largest order demand took lately (docs/adaptive.md). "
		      "Before the run: set-up and boot.</figcaption>\n</figure>\n", f);
	}
	fputs("<h3>Allocation latency</h3>\n<figure>\n", f);
	chart_cdf(f, r, g);
	fputs("<figcaption>Fraction of allocations that took at most a given time, on a scale "
	      "that spreads the tail (90%, 99%, 99.9%...). Latency is the vCPU's virtual time "
	      "across lb_alloc(): its own acceptance, the lock and any wait for memory another "
	      "vCPU or the acceptor was still accepting. Allocations that cost nothing are the "
	      "step at 0. Acceptance at boot is not in these latencies: see the boot time and "
	      "the time spent on acceptance.</figcaption>\n</figure>\n", f);
	fputs("<h3>Accept calls</h3>\n<figure>\n", f);
	chart_series(f, r, g, &calls_chart, xlabel);
	fputs("<figcaption>Backend accept calls, cumulative; the value at 0 is what set-up and "
	      "boot made. exact makes one call per allocation that needs fresh memory; unit one "
	      "per unit; linux one per 4 MiB block; the acceptor batches.</figcaption>\n"
	      "</figure>\n", f);
	fputs("<h3>Time spent on acceptance</h3>\n<figure>\n", f);
	chart_accept_time(f, r, g);
	fputs("</figure>\n<figure>\n", f);
	chart_series(f, r, g, &wait_chart, xlabel);
	fputs("<figcaption>The bars: every cost of acceptance, as vCPU and thread time. At boot: "
	      "the time each vCPU spent accepting before the run, summed (eager's set-up, "
	      "which every vCPU shares, the boot's own allocations, what zone set-up accepted "
	      "on the boot CPU). In the run: vCPUs accepting memory themselves, vCPUs waiting "
	      "(for a unit another vCPU was still accepting, for the global lock with "
	      "--accept-lock global, or for the acceptor's batch when nothing else was left), "
	      "and the acceptor's and releaser's threads. The line chart: the waits over "
	      "time.</figcaption>\n"
	      "</figure>\n", f);
}

static void page(FILE *f, const char *heading, const char *table, const char *legend,
		 const char *command, const struct lbs_result *r, const struct lbs_rgroup *g,
		 size_t ng)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
	      "<title>lazybuddy: acceptance policies compared</title>\n", f);
	fputs(style, f);
	fputs("</head>\n<body>\n<h1>lazybuddy: acceptance policies compared</h1>\n", f);
	fputs("<p class=\"made\">Made by <code>", f); /* which run this page is, and what made it */
	lbs_html_text(f, command && *command ? command : "lbsim");
	fprintf(f, "</code>, lbsim %s, on the cost model ", lb_version());
	lbs_html_text(f, ng ? r[g[0].idx[0]].backend : "none");
	fputs(".</p>\n", f);
	fputs("<h2>Summary</h2>\n<p>Lower is better on every line. Figures are virtual time "
	      "from the cost model (docs/model.md); ties are figures equal to three "
	      "digits.</p>\n", f);
	note_lines(f, table, "note: ");
	for (size_t k = 0; k < ng; k++) {
		if (ng > 1) {
			fputs("<h3>Workload ", f);
			lbs_html_text(f, g[k].workload);
			fputs("</h3>\n", f);
		}
		lbs_report_summary(f, r, &g[k]);
	}
	fputs("<h2>The run</h2>\n<pre>", f);
	lbs_html_text(f, heading);
	fputs("</pre>\n", f);
	for (size_t k = 0; k < ng; k++) {
		fputs("<section class=\"workload\" data-workload=\"", f);
		lbs_html_text(f, g[k].workload);
		fputs("\">\n<h2>", f);
		if (r[g[k].idx[0]].is_trace)
			fputs("Charts: the trace", f);
		else {
			fputs("Charts: workload ", f);
			lbs_html_text(f, g[k].workload);
		}
		fputs("</h2>\n", f);
		group_charts(f, r, &g[k]);
		fputs("</section>\n", f);
	}
	fputs("<h2>The table</h2>\n", f);
	lbs_report_table(f, r, g, ng);
	fputs("<p>Bold: the lowest of its column among the runs of a workload, on the criteria "
	      "of the summary. \"boot acc\" is the vCPU time spent accepting before the run, "
	      "\"acc total\" every cost of acceptance: the bars above. \"boot\" is virtual "
	      "time, set-up's costs that are not acceptance included.</p>\n<p>", f);
	lbs_html_text(f, legend);
	fputs("</p>\n<details><summary>The table as lbsim prints it</summary>\n<pre>", f);
	lbs_html_text(f, table);
	fputs("</pre>\n</details>\n<p>Generated by <code>lbsim</code>; virtual times come from "
	      "the cost model (docs/model.md). Same inputs, same page.</p>\n"
	      "</body>\n</html>\n", f);
}

int lbs_write_report(const char *dir, const char *heading, const char *table,
		     const char *legend, const char *command, const struct lbs_result *r,
		     size_t n, char *path, size_t len)
{
	struct lbs_rgroup g[MAX_GROUPS];
	char tmp[4200];
	size_t ng;
	FILE *f;
	int bad;

	ng = lbs_rgroups(r, n, g, MAX_GROUPS);
	if (n && !ng) {
		snprintf(path, len, "out of memory");
		return -1;
	}
	if (mkdir_p(dir) != 0) {
		snprintf(path, len, "cannot create %s: %s", dir, strerror(errno));
		lbs_rgroups_free(g, ng);
		return -1;
	}
	snprintf(tmp, sizeof tmp, "%s/index.html", dir);
	f = fopen(tmp, "w");
	if (!f) {
		snprintf(path, len, "cannot write %s: %s", tmp, strerror(errno));
		lbs_rgroups_free(g, ng);
		return -1;
	}
	page(f, heading, table, legend, command, r, g, ng);
	lbs_rgroups_free(g, ng);
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		snprintf(path, len, "writing %s failed", tmp);
		return -1;
	}
	snprintf(path, len, "%s", tmp);
	return 0;
}
