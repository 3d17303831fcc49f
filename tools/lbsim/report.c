/* SPDX-License-Identifier: MIT */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "svg.h"

#define W 900
#define H 340

/* One colour and dash per policy, readable in grey too. */
static const char *const colors[] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a",
				     "#66a61e", "#1f78b4", "#666666", "#a6761d"};
static const char *const dashes[] = {NULL, "6 3", "2 2", "10 3 2 3", NULL, "12 4 2 4", "2 2", "6 3"};
#define NSTYLE (sizeof colors / sizeof colors[0])

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

/* A run's name in legends: the policy, and the workload when not a trace. */
static void run_name(char *buf, size_t len, const struct lbs_result *r)
{
	if (r->is_trace)
		snprintf(buf, len, "%s", r->policy);
	else
		snprintf(buf, len, "%s/%s", r->policy, r->workload);
}

struct legend {
	char names[16][40];
	const char *np[16], *cp[16], *dp[16];
	size_t n;
};

static void legend_add(struct legend *l, const struct lbs_result *r, size_t i)
{
	if (l->n == 16)
		return;
	run_name(l->names[l->n], sizeof l->names[0], r);
	l->np[l->n] = l->names[l->n];
	l->cp[l->n] = colors[i % NSTYLE];
	l->dp[l->n] = dashes[i % NSTYLE];
	l->n++;
}

/* The time axis: seconds since the trace started (boot not shown). */
static double span_s(const struct lbs_result *r, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		if (!r[i].extra)
			continue;
		double e = (double)(r[i].virtual_time_ns - r[i].boot_ns) / 1e9;
		if (e > s)
			s = e;
	}
	return s > 0 ? s : 1;
}

/*
 * The points of one series kind, x in seconds since the trace started:
 * cumulative (with start value base) or per bucket. Buckets ending before
 * the trace started fold into the first point. Returns the count.
 */
static size_t points(const struct lbs_result *r, enum lbs_series_kind k, double base,
		     double scale, double xend, double *x, double *y)
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
		if (n == 0) { /* the value when the trace starts */
			x[n] = 0;
			y[n++] = acc * scale;
		}
		x[n] = (double)(end > r->boot_ns ? end - r->boot_ns : 0) / 1e9;
		y[n++] = acc * scale;
	}
	if (n && x[n - 1] < xend) { /* runs end at different times: hold the last value */
		x[n] = xend;
		y[n] = y[n - 1];
		n++;
	}
	return n;
}

static void chart_series(FILE *f, const struct lbs_result *r, size_t n, const char *title,
			 const char *ylabel, enum lbs_series_kind k, double scale, int logy)
{
	static double x[LBS_SERIES_N + 3], y[LBS_SERIES_N + 3];
	struct lbs_chart c = {f, title, {"time since the trace started (s)", 0, span_s(r, n),
					 LBS_SCALE_LINEAR},
			      {ylabel, 0, 1, LBS_SCALE_LINEAR}, W, H};
	struct legend l = {.n = 0};
	double ymax = 0;

	for (size_t i = 0; i < n; i++) {
		if (!r[i].extra)
			continue;
		double base = k == LBS_S_COMMIT ? (double)r[i].extra->series.base : 0;
		size_t m = points(&r[i], k, base, scale, c.x.hi, x, y);
		for (size_t j = 0; j < m; j++)
			if (y[j] > ymax)
				ymax = y[j];
	}
	if (logy) {
		c.y.scale = LBS_SCALE_LOG;
		c.y.lo = 1;
		c.y.hi = pow(10, ceil(log10(ymax > 10 ? ymax : 10)));
	} else {
		c.y.hi = ymax > 0 ? ymax * 1.05 : 1;
	}
	lbs_chart_begin(&c);
	for (size_t i = 0; i < n; i++) {
		char name[40];
		if (!r[i].extra)
			continue;
		double base = k == LBS_S_COMMIT ? (double)r[i].extra->series.base : 0;
		size_t m = points(&r[i], k, base, scale, c.x.hi, x, y);
		run_name(name, sizeof name, &r[i]);
		lbs_chart_line(&c, x, y, m, colors[i % NSTYLE], dashes[i % NSTYLE], 1, name);
		legend_add(&l, &r[i], i);
	}
	lbs_chart_end(&c, l.np, l.cp, l.dp, l.n);
}

/* The latency CDF: x log in µs, y in nines. */
static void chart_cdf(FILE *f, const struct lbs_result *r, size_t n)
{
	static double x[LBS_HIST_BUCKETS + 1], y[LBS_HIST_BUCKETS + 1];
	struct lbs_chart c = {f, "Allocation latency CDF",
			      {"latency (µs, log scale), acceptance and waits included", 0.1, 10,
			       LBS_SCALE_LOG},
			      {"allocations at most that slow", 0, 0.9, LBS_SCALE_NINES}, W, H};
	struct legend l = {.n = 0};
	double lo = 1e300, hi = 0, top = 0.9;

	for (size_t i = 0; i < n; i++) {
		const struct lbs_hist *h;
		if (!r[i].extra || !r[i].extra->lat.count)
			continue;
		h = &r[i].extra->lat;
		if (h->max > 0 && (double)h->max / 1e3 > hi)
			hi = (double)h->max / 1e3;
		for (unsigned b = 1; b < LBS_HIST_BUCKETS; b++)
			if (h->bucket[b]) {
				uint64_t blo, bhi;
				lbs_hist_bucket_range(b, &blo, &bhi);
				if ((double)blo / 1e3 < lo)
					lo = (double)blo / 1e3;
				break;
			}
		double t = 1.0 - 1.0 / (double)h->count;
		if (t > top)
			top = t;
	}
	if (hi <= 0)
		hi = 1;
	if (lo > hi)
		lo = hi / 10;
	c.x.lo = pow(10, floor(log10(lo)));
	c.x.hi = pow(10, ceil(log10(hi)));
	if (c.x.hi <= c.x.lo)
		c.x.hi = c.x.lo * 10;
	c.y.hi = 1.0 - pow(10, -ceil(-log10(1.0 - top)));
	lbs_chart_begin(&c);
	for (size_t i = 0; i < n; i++) {
		const struct lbs_hist *h;
		char name[40];
		size_t m = 0;
		uint64_t seen = 0;
		if (!r[i].extra || !r[i].extra->lat.count)
			continue;
		h = &r[i].extra->lat;
		x[m] = c.x.lo;
		y[m++] = (double)h->bucket[0] / (double)h->count;
		seen = h->bucket[0];
		for (unsigned b = 1; b < LBS_HIST_BUCKETS; b++) {
			uint64_t blo, bhi;
			if (!h->bucket[b])
				continue;
			lbs_hist_bucket_range(b, &blo, &bhi);
			x[m] = (double)blo / 1e3; /* the step up happens at the bucket */
			y[m++] = (double)seen / (double)h->count;
			seen += h->bucket[b];
			x[m] = (double)(bhi < h->max ? bhi : h->max) / 1e3;
			y[m++] = (double)seen / (double)h->count;
			if (m + 2 >= sizeof x / sizeof x[0])
				break;
		}
		x[m] = c.x.hi;
		y[m++] = 1.0;
		run_name(name, sizeof name, &r[i]);
		lbs_chart_line(&c, x, y, m, colors[i % NSTYLE], dashes[i % NSTYLE], 0, name);
		legend_add(&l, &r[i], i);
	}
	lbs_chart_end(&c, l.np, l.cp, l.dp, l.n);
}

static void chart_lost(FILE *f, const struct lbs_result *r, size_t n)
{
	double a[16], b[16];
	char names[16][40];
	const char *np[16];
	size_t m = 0;

	for (size_t i = 0; i < n && m < 16; i++) {
		if (!r[i].is_trace)
			continue;
		run_name(names[m], sizeof names[0], &r[i]);
		np[m] = names[m];
		a[m] = (double)r[i].vcpu_accept_ns / 1e6;
		b[m] = (double)r[i].wait_ns / 1e6;
		m++;
	}
	lbs_bars(f, "vCPU time spent on acceptance, all vCPUs (ms)", np, a, b, m,
		 "accepting (own calls)", "waiting (for another's acceptance or the lock)", "ms");
}

static void html_text(FILE *f, const char *s)
{
	lbs_xml_text(f, s);
}

static int any_series(const struct lbs_result *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].extra && r[i].is_trace)
			return 1;
	return 0;
}

static void page(FILE *f, const char *heading, const char *table, const char *legend,
		 const struct lbs_result *r, size_t n)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
	      "<title>lazybuddy: acceptance policies compared</title>\n"
	      "<style>\nbody { font-family: sans-serif; max-width: 1100px; margin: 1em auto; "
	      "padding: 0 1em; color: #222; }\n"
	      "pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; font-size: 12px; }\n"
	      "figure { margin: 1.2em 0; }\nfigcaption { font-size: 13px; color: #444; "
	      "max-width: 900px; }\nsvg { max-width: 100%; height: auto; }\n</style>\n"
	      "</head>\n<body>\n<h1>lazybuddy: acceptance policies compared</h1>\n<pre>",
	      f);
	html_text(f, heading);
	fputs("</pre>\n", f);
	if (any_series(r, n)) {
		fputs("<h2>Memory the host backs</h2>\n<figure>\n", f);
		chart_series(f, r, n, "Host-committed (accepted) memory", "GiB", LBS_S_COMMIT,
			     1.0 / (1024.0 * 1024.0 * 1024.0), 0);
		fputs("<figcaption>Memory accepted and not released, firmware's part included: "
		      "what the host must back. eager holds everything from the start; on-demand "
		      "policies grow with use; the releaser (background, adaptive) gives idle "
		      "memory back after its delay.</figcaption>\n</figure>\n", f);
	}
	fputs("<h2>Allocation latency</h2>\n<figure>\n", f);
	chart_cdf(f, r, n);
	fputs("<figcaption>Fraction of allocations that took at most a given time, on a "
	      "scale that spreads the tail (90%, 99%, 99.9%...). Latency is the vCPU's virtual "
	      "time across lb_alloc(): its own acceptance, the lock and any wait for memory "
	      "another vCPU or the acceptor was still accepting. Allocations that cost nothing "
	      "start each curve at the left edge.</figcaption>\n</figure>\n",
	      f);
	if (any_series(r, n)) {
		fputs("<h2>Accept calls</h2>\n<figure>\n", f);
		chart_series(f, r, n, "Accept calls so far (log scale)", "calls", LBS_S_ACCEPTS,
			     1.0, 1);
		fputs("<figcaption>Backend accept calls, cumulative, set-up excluded. exact makes "
		      "one call per allocation that needs fresh memory; unit one per unit; linux "
		      "one per 4 MiB block; the acceptor batches.</figcaption>\n</figure>\n", f);
		fputs("<h2>vCPU time lost</h2>\n<figure>\n", f);
		chart_lost(f, r, n);
		fputs("</figure>\n<figure>\n", f);
		chart_series(f, r, n, "vCPU time lost waiting, all vCPUs, so far", "ms", LBS_S_WAIT,
			     1e-6, 0);
		fputs("<figcaption>Time vCPUs spent accepting memory themselves, and time they "
		      "waited: for a unit another vCPU was still accepting, for the global lock "
		      "(--accept-lock global), or for the acceptor's batch when nothing else was "
		      "left. As in the threaded allocator, a batch is off the lists until its "
		      "acceptance completes: meanwhile vCPUs take other accepted memory or accept "
		      "a unit themselves.</figcaption>\n"
		      "</figure>\n",
		      f);
	}
	fputs("<h2>The table</h2>\n<pre>", f);
	html_text(f, table);
	html_text(f, legend);
	fputs("</pre>\n<p>Generated by <code>lbsim</code>; virtual times come from the cost model "
	      "(docs/model.md). Same inputs, same page, apart from wall-clock figures.</p>\n"
	      "</body>\n</html>\n", f);
}

int lbs_write_report(const char *dir, const char *heading, const char *table,
		     const char *legend, const struct lbs_result *r, size_t n, char *path,
		     size_t len)
{
	char tmp[4200];
	FILE *f;
	int bad;

	if (mkdir_p(dir) != 0) {
		snprintf(path, len, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(tmp, sizeof tmp, "%s/index.html", dir);
	f = fopen(tmp, "w");
	if (!f) {
		snprintf(path, len, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	page(f, heading, table, legend, r, n);
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		snprintf(path, len, "writing %s failed", tmp);
		return -1;
	}
	snprintf(path, len, "%s", tmp);
	return 0;
}
