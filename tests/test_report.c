/* SPDX-License-Identifier: MIT */
/*
 * Tests of lbsim's report that need no browser (tests/report_browser.sh
 * renders it in one): axes without "1e+06", lines that coincide named as
 * such, notes in empty charts, the summary's winners, ties and margins, the
 * results table from the field list, acceptance at boot as the runs
 * measure it and in the bars, the zoomed memory panel. (The value formats
 * are format.c's: tests/test_fields.c.)
 */
#include "harness.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../tools/lbsim/results/fields.h"
#include "../tools/lbsim/run/replay.h"
#include "../tools/lbsim/report/report.h"
#include "../tools/lbsim/report/parts.h"
#include "../tools/lbsim/report/svg.h"
#include "../tools/lbsim/run/tracebuf.h"
#include "test_lbsim_json.h"
#include "test_model.h"

#define GIB (1024.0 * 1024.0 * 1024.0)

static char *capture_chart(const struct lbs_chart *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	lbs_chart_write(f, c);
	fclose(f);
	return buf;
}

TEST(report_chart_ticks_legend_note)
{
	const double x[] = {0, 1e9, 2e9}, a[] = {1e5, 1e6, 1e7}, b[] = {0, 0, 0};
	struct lbs_axis xa = {"time", 0, 2e9, LBS_SCALE_LINEAR, LBS_UNIT_NS, 0};
	struct lbs_axis ya = {"latency", 1e3, 1e8, LBS_SCALE_LOG, LBS_UNIT_NS, 1};
	struct lbs_chart c;
	char *svg;

	lbs_chart_init(&c, "t", xa, ya);
	lbs_chart_add(&c, "unit", x, a, 3, 1);
	lbs_chart_add(&c, "exact", x, a, 3, 1);  /* the same line */
	lbs_chart_add(&c, "eager", x, b, 3, 1);  /* all zeros: on the "0" tick */
	lbs_chart_add(&c, "linux", x, a, 0, 1);  /* no data */
	svg = capture_chart(&c);
	REQUIRE(svg);
	CHECK(strstr(svg, "e+") == NULL);
	CHECK(strstr(svg, ">100 µs</text>") && strstr(svg, ">1 ms</text>") &&
	      strstr(svg, ">100 ms</text>") && strstr(svg, ">0</text>"));
	CHECK(strstr(svg, ">1.0 s</text>") && strstr(svg, ">2.0 s</text>"));
	CHECK(strstr(svg, "(same as unit)") != NULL);
	CHECK(strstr(svg, "(no data for this run)") != NULL);
	CHECK(strstr(svg, "class=\"empty-note\"") == NULL);
	/* the first of two coinciding lines is the wider, under the other */
	CHECK(strstr(svg, "stroke-width=\"4.5\"") != NULL);
	free(svg);
	c.note = "nothing <happened>";
	svg = capture_chart(&c);
	REQUIRE(svg);
	CHECK(strstr(svg, "class=\"empty-note\"") != NULL);
	CHECK(strstr(svg, "nothing &lt;happened&gt;") != NULL);
	free(svg);
	lbs_chart_free(&c);
}

/* ------------------------------------------ notes that hide nothing */

struct box {
	double x0, y0, x1, y1;
};

static double num_attr(const char *tag, const char *name)
{
	char key[32];
	const char *p;

	snprintf(key, sizeof key, " %s=\"", name);
	p = strstr(tag, key);
	return p ? atof(p + strlen(key)) : NAN;
}

/* The note's box in svg (x0 < 0 when there is none). */
static struct box note_box(const char *svg)
{
	struct box b = {-1, -1, -1, -1};
	const char *n = strstr(svg, "class=\"empty-note\"><rect ");

	if (n) {
		b.x0 = num_attr(n, "x");
		b.y0 = num_attr(n, "y");
		b.x1 = b.x0 + num_attr(n, "width");
		b.y1 = b.y0 + num_attr(n, "height");
	}
	return b;
}

static int overlap(struct box a, struct box b)
{
	return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/* Every <text> and <rect> outside the note, as boxes (text: about 7 px a
 * character, 12 px above its baseline); returns how many, -1 if one
 * overlaps note; what it overlaps goes to what. */
static int others_clear_of(const char *svg, struct box note, char *what, size_t len)
{
	const char *s = svg, *skip = strstr(svg, "class=\"empty-note\"");
	const char *skip_end = skip ? strstr(skip, "</g>") : NULL;
	int n = 0;

	while ((s = strpbrk(s, "<")) != NULL) {
		const char *end = strchr(s, '>');
		struct box b;
		if (!end)
			break;
		if (skip && s > skip && s < skip_end) {
			s = skip_end;
			continue;
		}
		if (strncmp(s, "<text ", 6) == 0 && !strstr(s, "rotate(")) {
			const char *t = end + 1, *te = strstr(t, "</text>");
			double chars = 0, x = num_attr(s, "x"), y = num_attr(s, "y"), w;
			for (const char *c = t; te && c < te; c++)
				chars += ((unsigned char)*c & 0xc0u) != 0x80u;
			w = 7 * chars;
			b.x0 = strstr(s, "text-anchor=\"end\"") && strstr(s, "text-anchor=\"end\"") < end
				       ? x - w
				       : strstr(s, "text-anchor=\"middle\"") &&
						 strstr(s, "text-anchor=\"middle\"") < end
					 ? x - w / 2
					 : x;
			b.x1 = b.x0 + w;
			b.y0 = y - 12;
			b.y1 = y + 3;
		} else if (strncmp(s, "<rect ", 6) == 0 && num_attr(s, "y") > 0) {
			b.x0 = num_attr(s, "x");
			b.y0 = num_attr(s, "y");
			b.x1 = b.x0 + num_attr(s, "width");
			b.y1 = b.y0 + num_attr(s, "height");
			if (strstr(s, "fill=\"none\"") && strstr(s, "fill=\"none\"") < end) {
				s = end; /* a panel's frame: the note sits inside it */
				continue;
			}
		} else {
			s = end;
			continue;
		}
		n++;
		if (overlap(b, note)) {
			snprintf(what, len, "%.*s", (int)(end - s + 1 < 120 ? end - s + 1 : 120), s);
			return -1;
		}
		s = end;
	}
	return n;
}

/* Does any segment of a class="line" polyline cross the box? */
static int lines_cross(const char *svg, struct box b)
{
	const char *s = svg;

	while ((s = strstr(s, "class=\"line\"")) != NULL) {
		const char *p = strstr(s, "points=\"");
		double px = NAN, py = NAN, x, y;
		int used;
		if (!p)
			break;
		p += 8;
		while (*p != '"' && sscanf(p, "%lf,%lf %n", &x, &y, &used) == 2) {
			if (!isnan(px)) { /* sample the segment finely */
				for (int k = 0; k <= 200; k++) {
					double sx = px + (x - px) * k / 200.0, sy = py + (y - py) * k / 200.0;
					if (sx > b.x0 && sx < b.x1 && sy > b.y0 && sy < b.y1)
						return 1;
				}
			}
			px = x;
			py = y;
			p += used;
		}
		s = p;
	}
	return 0;
}

static char *capture_bars(const char *const *names, size_t n, const double *v)
{
	static const struct lbs_bar_seg segs[] = {{"at boot", "#8c6bb1"}, {"in the run", "#4878a8"}};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	lbs_bars(f, "Time spent", names, n, v, segs, 2, LBS_UNIT_NS,
		 "No policy spent any time on acceptance: everything the run used was accepted "
		 "by firmware.");
	fclose(f);
	return buf;
}

/* Nothing spent: no made-up scale ("0.2 ns" beside bars of "0 ms"), and
 * the note clear of the names, the totals and the legend, one row or six. */
TEST(report_bars_all_zero_note_hides_nothing)
{
	static const char *const names[] = {"eager", "unit", "exact", "linux", "background",
					    "adaptive"};
	const double zero[12] = {0}, some[12] = {1e6, 2e6};
	char what[160] = "";

	for (size_t n = 1; n <= 6; n += 5) {
		char *svg = capture_bars(names, n, zero);
		struct box nb;
		REQUIRE(svg);
		nb = note_box(svg);
		CHECK(nb.x0 >= 0);
		CHECK(strstr(svg, " ns</text>") == NULL);
		CHECK(strstr(svg, "text-anchor=\"middle\">0.") == NULL);
		what[0] = '\0';
		CHECK(others_clear_of(svg, nb, what, sizeof what) >= (int)n + 2);
		if (what[0])
			printf("    the note covers %s\n", what);
		free(svg);
	}
	{ /* something spent: a scale, no note */
		char *svg = capture_bars(names, 6, some);
		REQUIRE(svg);
		CHECK(strstr(svg, "class=\"empty-note\"") == NULL);
		CHECK(strstr(svg, ">1 ms</text>") || strstr(svg, ">1.0 ms</text>"));
		free(svg);
	}
}

/* Lines flat at different heights (nothing happened, eager's set-up
 * above the rest): the note goes where no line runs, clear of the ticks. */
TEST(report_chart_note_clear_of_lines)
{
	const double x[] = {0, 1e7, 1.5e7}, hi[] = {66.7e6, 66.7e6, 66.7e6};
	const double mid[] = {35.2e6, 35.2e6, 35.2e6}, lo[] = {0, 0, 0};
	const double *ys[3] = {hi, mid, lo};
	struct lbs_axis xa = {"time", 0, 1.5e7, LBS_SCALE_LINEAR, LBS_UNIT_NS, 0};
	struct lbs_axis ya = {"memory", 0, 69.4e6, LBS_SCALE_LINEAR, LBS_UNIT_BYTES, 0};
	char what[160] = "";

	for (int lines = 1; lines <= 3; lines++) {
		struct lbs_chart c;
		struct box nb;
		char *svg;

		lbs_chart_init(&c, "t", xa, ya);
		for (int i = 0; i < lines; i++)
			lbs_chart_add(&c, i ? "unit" : "eager", x, ys[i], 3, 1);
		c.note = "Committed memory did not change during the run under any policy: nothing "
			 "was accepted or released after it started.";
		svg = capture_chart(&c);
		REQUIRE(svg);
		nb = note_box(svg);
		CHECK(nb.x0 >= 0);
		CHECK(!lines_cross(svg, nb));
		what[0] = '\0';
		CHECK(others_clear_of(svg, nb, what, sizeof what) > 0);
		if (what[0])
			printf("    the note covers %s\n", what);
		free(svg);
		lbs_chart_free(&c);
	}
}

/* Three trace runs: eager (everything at set-up on 2 vCPUs), unit, exact. */
static void three_runs(struct lbs_result r[3])
{
	static const char *const pol[3] = {"eager", "unit", "exact"};
	static const double peak[3] = {16.0, 1.30, 1.23};

	memset(r, 0, 3 * sizeof *r);
	for (int i = 0; i < 3; i++) {
		r[i].policy = pol[i];
		r[i].workload = "trace";
		r[i].is_trace = 1;
		r[i].vcpus = 2;
		snprintf(r[i].check, sizeof r[i].check, "ok");
		r[i].boot_other_ns = 6074400000u;
		r[i].setup_virtual_ns = r[i].boot_other_ns;
		r[i].boot_ns = r[i].boot_other_ns;
		r[i].committed_bytes_peak = (uint64_t)(peak[i] * GIB);
		r[i].committed_bytes_end = r[i].committed_bytes_peak;
		r[i].lat_max = r[i].lat_p999 = i ? 5363250u : 0;
		r[i].max_lag_ns = i ? 147620000u : 0;
		r[i].vcpu_accept_ns = i ? 13662711105u : 0;
		r[i].virtual_time_ns = r[i].boot_ns + 16411431000u;
	}
	r[0].setup_virtual_ns = r[0].boot_ns = 22562039040u; /* 16.49 s on each vCPU */
	r[0].boot_accept_vcpu_ns = 2 * (r[0].boot_ns - r[0].boot_other_ns);
	r[0].virtual_time_ns = r[0].boot_ns + 16411431000u;
}

/* Does s hold word (any case) with no letter either side? */
static int has_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = s; *p; p++) {
		if (strncasecmp(p, word, n) != 0)
			continue;
		if ((p == s || !isalpha((unsigned char)p[-1])) && !isalpha((unsigned char)p[n]))
			return 1;
	}
	return 0;
}

static char *capture_summary(const struct lbs_result *r, size_t n)
{
	struct lbs_rgroup g[4];
	size_t ng = lbs_rgroups(r, n, g, 4);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f || ng != 1) {
		if (f)
			fclose(f);
		lbs_rgroups_free(g, ng);
		free(buf);
		return NULL;
	}
	lbs_report_summary(f, r, &g[0]);
	lbs_report_table(f, r, g, ng);
	fclose(f);
	lbs_rgroups_free(g, ng);
	return buf;
}

TEST(report_summary_winners)
{
	struct lbs_result r[3];
	char *s;

	three_runs(r);
	s = capture_summary(r, 3);
	REQUIRE(s);
	/* a sentence per criterion, each naming its winner */
	static const char *const keys[] = {"boot", "worst-allocation", "p99.9", "lag", "memory",
					   "acceptance-work"};
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		char li[64];
		const char *at;
		snprintf(li, sizeof li, "<li data-criterion=\"%s\">", keys[k]);
		at = strstr(s, li);
		CHECK(at && strstr(at, "class=\"winner\"") < strstr(at, "</li>"));
	}
	CHECK(strstr(s, "data-criterion=\"failures\"") == NULL); /* none failed */
	/* memory: exact wins, 5.4% below unit; eager is the worst */
	CHECK(strstr(s, "<li data-criterion=\"memory\"><b>Lowest host memory committed (peak)</b>: "
		       "<strong class=\"winner\">exact</strong>, 1.23 GiB, 5.4% below "
		       "<span class=\"run\">unit</span> (1.30 GiB); the worst: "
		       "<span class=\"run\">eager</span>, 16.0 GiB (13× as much).") != NULL);
	/* boot: unit and exact tie, in run order */
	CHECK(strstr(s, "<strong class=\"winner\">unit</strong> and <strong class=\"winner\">"
		       "exact</strong> tie at 6.07 s") != NULL);
	/* acceptance work: eager's boot counts, on both vCPUs */
	CHECK(strstr(s, "tie at 13.7 s, 59% below <span class=\"run\">eager</span> (33.0 s).") !=
	      NULL);
	CHECK(strstr(s, "eager</span> spends 33.0 s of it at boot, none after.") != NULL);
	/* worst allocation: eager at 0, against the others */
	CHECK(strstr(s, "<strong class=\"winner\">eager</strong>, 0 ms, against") != NULL);
	CHECK(strstr(s, "<table class=\"results\">") != NULL);
	free(s);
}

TEST(report_memory_zoom_and_boot_bars)
{
	struct lbs_result r[3];
	struct lbs_extra x[3];
	char dir[256], path[512];
	const char *t = getenv("TMPDIR");
	char *html = NULL;
	FILE *f;
	long n;

	three_runs(r);
	memset(x, 0, sizeof x);
	for (int i = 0; i < 3; i++) {
		uint64_t start = (uint64_t)(4.0 * GIB);
		lbs_series_init(&x[i].series);
		lbs_hist_init(&x[i].lat);
		lbs_hist_record(&x[i].lat, i ? 5363250u : 0);
		x[i].series.base = (int64_t)(i ? start : r[i].committed_bytes_peak);
		if (i)
			lbs_series_add(&x[i].series, LBS_S_COMMIT, r[i].boot_ns + 8000000000u,
				       (int64_t)(r[i].committed_bytes_peak - start));
		lbs_series_extend(&x[i].series, r[i].virtual_time_ns);
		r[i].extra = &x[i];
	}
	snprintf(dir, sizeof dir, "%s/lbreport-XXXXXX", t && *t ? t : "/tmp");
	REQUIRE(mkdtemp(dir));
	REQUIRE(lbs_write_report(dir, "heading\n", "table\nnote: a note\n", "legend\n", NULL, r,
				 3, path, sizeof path) == 0);
	f = fopen(path, "rb");
	REQUIRE(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	html = calloc(1, (size_t)n + 1);
	if (html && fread(html, 1, (size_t)n, f) != (size_t)n)
		html[0] = '\0';
	fclose(f);
	unlink(path);
	rmdir(dir);
	REQUIRE(html);
	/* 1.23 and 1.30 GiB cannot be told apart on a 16 GiB axis: a zoomed panel */
	CHECK(strstr(html, "Zoomed in on") != NULL);
	CHECK(strstr(html, "above it: eager at 16.0 GiB") != NULL);
	/* eager's acceptance at boot is a bar, not 0 */
	CHECK(strstr(html, "at boot, before the run") != NULL);
	CHECK(strstr(html, ">33.0 s</text>") != NULL);
	CHECK(strstr(html, "<p class=\"note\">a note</p>") != NULL);
	/* nobody waited: that chart says so */
	CHECK(strstr(html, "No vCPU waited under any policy") != NULL);
	CHECK(!has_word(html, "nan") && !has_word(html, "inf") && !has_word(html, "infinity"));
	free(html);
}

/* The report of r[0..n) as a string (NULL on failure). */
static char *report_html(const struct lbs_result *r, size_t n)
{
	char dir[256], path[512];
	const char *t = getenv("TMPDIR");
	char *html = NULL;
	FILE *f;
	long len;

	snprintf(dir, sizeof dir, "%s/lbreport-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(dir))
		return NULL;
	if (lbs_write_report(dir, "heading\n", "table\n", "legend\n", NULL, r, n, path,
			     sizeof path) == 0 && (f = fopen(path, "rb")) != NULL) {
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fseek(f, 0, SEEK_SET);
		html = len > 0 ? calloc(1, (size_t)len + 1) : NULL;
		if (html && fread(html, 1, (size_t)len, f) != (size_t)len)
			html[0] = '\0';
		fclose(f);
		unlink(path);
	}
	rmdir(dir);
	return html;
}

/* Nothing spent on acceptance: the note says why, firmware or a free cost
 * model (memory was accepted, at no cost). */
TEST(report_accept_time_note_says_why)
{
	struct lbs_result r[3];
	char *html;

	three_runs(r);
	for (int i = 0; i < 3; i++) {
		r[i].boot_accept_vcpu_ns = r[i].vcpu_accept_ns = r[i].wait_ns = 0;
		r[i].acceptor_cpu_ns = r[i].releaser_cpu_ns = 0;
	}
	html = report_html(r, 3);
	REQUIRE(html);
	/* (the note is wrapped: a line of text each) */
	CHECK(strstr(html, "by firmware") != NULL);
	CHECK(strstr(html, "charges nothing") == NULL);
	free(html);
	r[1].accept_calls = 12;
	html = report_html(r, 3);
	REQUIRE(html);
	CHECK(strstr(html, "charges nothing") != NULL);
	CHECK(strstr(html, "by firmware") == NULL);
	free(html);
}

/* ---------------------------------------------- the table, from the list */

static char *capture_table(const struct lbs_result *r, size_t n)
{
	struct lbs_rgroup g[4];
	size_t ng = lbs_rgroups(r, n, g, 4);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		lbs_rgroups_free(g, ng);
		return NULL;
	}
	lbs_report_table(f, r, g, ng);
	fclose(f);
	lbs_rgroups_free(g, ng);
	return buf;
}

/* s with & < > escaped as HTML, in place (len bytes at most). */
static void html_escape(char *s, size_t len)
{
	char out[256] = "";
	size_t o = 0;

	for (const char *p = s; *p && o + 6 < sizeof out; p++) {
		const char *e = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" : NULL;
		if (e) {
			memcpy(out + o, e, strlen(e));
			o += strlen(e);
		} else {
			out[o++] = *p;
		}
	}
	if (len) {
		o = o < len - 1 ? o : len - 1;
		memcpy(s, out, o);
		s[o] = '\0';
	}
}

static void fail_at(const char *field, const char *what)
{
	char m[160];
	snprintf(m, sizeof m, "%s: %s", what, field);
	lbt_fail(__FILE__, __LINE__, m);
}

/* The text of the next <tag ...>TEXT</tag> from *s on (no markup inside
 * but <br/>, kept), its opening tag in open; 0 when there is none. */
static int next_cell(const char **s, const char *tag, char *open, size_t olen, char *text,
		     size_t tlen)
{
	char start[16], end[16];
	const char *a, *gt, *e;

	snprintf(start, sizeof start, "<%s", tag);
	snprintf(end, sizeof end, "</%s>", tag);
	for (a = strstr(*s, start); a && a[strlen(start)] != ' ' && a[strlen(start)] != '>';)
		a = strstr(a + 1, start); /* <th, not <thead */
	if (!a || !(gt = strchr(a, '>')) || !(e = strstr(gt, end)))
		return 0;
	snprintf(open, olen, "%.*s", (int)(gt + 1 - a), a);
	snprintf(text, tlen, "%.*s", (int)(e - gt - 1), gt + 1);
	*s = e + strlen(end);
	return 1;
}

/* The table's headings are lbs_report_columns()'s, in order (the terminal
 * table's among them, in its order); each row's cells are
 * lbs_field_cell()'s texts. Returns the table for more checks. */
static char *check_table_is_the_list(const struct lbs_result *r, size_t n)
{
	enum lbs_mode m = lbs_result_mode(&r[0]);
	const struct lbs_field *cols[48], *term[48];
	size_t nc = lbs_report_columns(m, cols, 48), nt = lbs_table_columns(m, 1, term, 48), t = 0;
	char *html = capture_table(r, n), open[96], text[96], want[96];
	const char *p, *body;

	if (!html)
		return NULL;
	CHECK(nc > nt && nc <= 48);
	p = html;
	body = strstr(html, "<tbody>");
	for (size_t c = 0; c < nc; c++) {
		char attr[64];
		if (!next_cell(&p, "th", open, sizeof open, text, sizeof text) || (body && p > body)) {
			fail_at(cols[c]->name, "no heading");
			break;
		}
		snprintf(attr, sizeof attr, "data-field=\"%s\"", cols[c]->name);
		snprintf(want, sizeof want, "%s%s%s", cols[c]->col[m].head,
			 cols[c]->col[m].sub[0] ? "<br/>" : "", cols[c]->col[m].sub);
		if (!strstr(open, attr) || strcmp(text, want) != 0)
			fail_at(cols[c]->name, "heading not the list's");
		if (t < nt && cols[c] == term[t])
			t++;
	}
	CHECK_EQ(t, nt); /* every terminal column, in the terminal's order */
	CHECK(next_cell(&p, "th", open, sizeof open, text, sizeof text) == 0 || (body && p > body));
	p = body ? body : html;
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < nc; c++) {
			if (!next_cell(&p, "td", open, sizeof open, text, sizeof text)) {
				fail_at(cols[c]->name, "no cell");
				break;
			}
			lbs_field_cell(cols[c], m, &r[i], want, sizeof want);
			html_escape(want, sizeof want);
			if (strcmp(text, want) != 0)
				fail_at(cols[c]->name, "cell not lbs_field_cell()'s");
		}
	}
	CHECK(next_cell(&p, "td", open, sizeof open, text, sizeof text) == 0);
	return html;
}

TEST(report_table_from_the_list)
{
	struct lbs_result r[3];
	char *html;

	/* a trace: the trace table's columns and the report's own */
	three_runs(r);
	r[1].alloc_failures = 3;
	snprintf(r[2].check, sizeof r[2].check, "I3 broken <here>");
	html = check_table_is_the_list(r, 3);
	REQUIRE(html);
	CHECK(strstr(html, "data-field=\"workload\"") == NULL);
	CHECK(strstr(html, "data-field=\"boot_accept_vcpu_ns\"") != NULL);
	/* the best of a criterion in bold: exact's peak (1.23 GiB), unit and
	 * exact's boot; not eager's 16 GiB, nor a column that does not differ */
	CHECK(strstr(html, "<td class=\"num best\">1259.5</td>") != NULL);
	CHECK(count_str(html, "<td class=\"num best\">6.07</td>") == 2);
	CHECK(strstr(html, "<td class=\"num best\">16384.0</td>") == NULL);
	CHECK(count_str(html, "<td class=\"num best\">0</td>") == 2); /* alloc fails */
	CHECK(strstr(html, "<td class=\"num\">3</td>") != NULL);
	/* acceptance in all: eager's boot, 2 x 16.49 s */
	CHECK(count_str(html, "<td class=\"num\">32975.3</td>") == 2);
	CHECK(strstr(html, "<td class=\"bad\">I3 broken &lt;here&gt;</td>") != NULL);
	CHECK(strstr(html, "<td class=\"run\">eager</td>") != NULL);
	free(html);

	/* synthetic workloads: their table, grouped by workload */
	three_runs(r);
	for (int i = 0; i < 3; i++) {
		r[i].is_trace = 0;
		r[i].workload = i < 2 ? "fill" : "churn";
	}
	html = check_table_is_the_list(r, 3);
	REQUIRE(html);
	CHECK(strstr(html, "data-field=\"workload\"") != NULL);
	CHECK(strstr(html, "data-field=\"boot_ns\"") != NULL); /* the report's own here */
	CHECK(strstr(html, "<tr class=\"group\">") != NULL);
	CHECK(strstr(html, "best\">0</td>") == NULL); /* no failures: nothing to mark */
	free(html);
}

/* ------------------------------------------- acceptance at boot, measured */

/* Eager's set-up with no memory accepted by firmware: each vCPU accepts its
 * shares, so the vCPUs' acceptance at boot is about vCPUs x the boot; a
 * lazy policy accepts at set-up only what lb_zone_init() does, on the boot
 * CPU: all of its (synthetic) boot. The bars show the runs' figure. */
TEST(report_boot_acceptance_measured)
{
	struct lbs_sim_config c;
	struct lbs_result e, u;

	lbs_sim_defaults(&c);
	lbt_use_test_model(&c);
	c.memory_bytes = UINT64_C(512) << 20;
	c.pre_accepted_bytes = 0;
	c.vcpus = 2;
	c.churn_ops = 2000;
	REQUIRE(lbs_sim_run(&c, LB_POLICY_EAGER, LBS_WL_CHURN, &e) == 0);
	REQUIRE(lbs_sim_run(&c, LB_POLICY_UNIT, LBS_WL_CHURN, &u) == 0);
	CHECK(strcmp(e.check, "ok") == 0 && strcmp(u.check, "ok") == 0);
	CHECK(e.boot_accept_vcpu_ns > 0);
	CHECK(e.boot_accept_vcpu_ns <= 2 * e.boot_ns);
	CHECK(e.boot_accept_vcpu_ns >= 2 * e.boot_ns * 9 / 10);
	CHECK_EQ(e.vcpu_accept_ns, 0); /* nothing left to accept in the run */
	CHECK(u.boot_accept_vcpu_ns > 0); /* the pieces around the hole */
	CHECK_EQ(u.boot_accept_vcpu_ns, u.boot_ns);
	CHECK(u.boot_accept_vcpu_ns * 100 < e.boot_accept_vcpu_ns);
	lbs_result_free(&e);
	lbs_result_free(&u);
}

/* A trace's boot allocations run on its vCPUs: their acceptance counts,
 * summed over them, within vCPUs x the boot's acceptance time. */
TEST(report_boot_acceptance_trace)
{
	struct lbs_replay_config c;
	struct lbs_tracebuf tb;
	struct lbs_result r;
	char err[256], path[4096];
	const char *slash = strrchr(__FILE__, '/');

	snprintf(path, sizeof path, "%.*sfixtures/replay-same-moment.txt",
		 slash ? (int)(slash + 1 - __FILE__) : 0, __FILE__);
	REQUIRE(lbs_tracebuf_load(&tb, path, err, sizeof err) == 0);
	lbs_replay_defaults(&c);
	lbt_use_test_model(&c.sim);
	c.sim.memory_bytes = UINT64_C(64) << 20;
	c.sim.pre_accepted_bytes = 0;
	for (int p = 0; p < LB_POLICY_COUNT; p++) {
		uint64_t boot;
		REQUIRE(lbs_replay_run(&c, &tb, (enum lb_policy)p, &r, NULL, NULL) == 0);
		boot = r.boot_ns - r.boot_other_ns;
		CHECK(strcmp(r.check, "ok") == 0);
		CHECK(r.boot_accept_vcpu_ns > 0);
		CHECK(r.boot_accept_vcpu_ns <= (uint64_t)tb.nvcpus * boot);
		if (p == LB_POLICY_UNIT) /* both vCPUs allocate at boot */
			CHECK(r.boot_accept_vcpu_ns > boot);
		lbs_result_free(&r);
	}
	lbs_tracebuf_free(&tb);
}
