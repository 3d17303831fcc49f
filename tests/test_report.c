/* SPDX-License-Identifier: MIT */
/*
 * Tests of lbsim's report that need no browser (tests/report_browser.sh
 * renders it in one): values in their units, axes without "1e+06", lines
 * that coincide named as such, notes in empty charts, the summary's
 * winners, ties and margins, eager's acceptance at boot in the bars, the
 * zoomed memory panel.
 */
#include "harness.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../tools/lbsim/report.h"
#include "../tools/lbsim/report_parts.h"
#include "../tools/lbsim/svg.h"

#define GIB (1024.0 * 1024.0 * 1024.0)

static int fmt_is(enum lbs_unit u, double v, const char *want)
{
	char buf[32];
	lbs_fmt_value(buf, sizeof buf, u, v);
	if (strcmp(buf, want) == 0)
		return 1;
	fprintf(stderr, "    lbs_fmt_value(%g) = \"%s\", want \"%s\"\n", v, buf, want);
	return 0;
}

TEST(report_units)
{
	CHECK(fmt_is(LBS_UNIT_NS, 0, "0 ms"));
	CHECK(fmt_is(LBS_UNIT_NS, 850, "850 ns"));
	CHECK(fmt_is(LBS_UNIT_NS, 5363250, "5.36 ms"));
	CHECK(fmt_is(LBS_UNIT_NS, 22562039040.0, "22.6 s"));
	CHECK(fmt_is(LBS_UNIT_NS, 999.7e6, "1.00 s"));
	CHECK(fmt_is(LBS_UNIT_BYTES, 1.23 * GIB, "1.23 GiB"));
	CHECK(fmt_is(LBS_UNIT_BYTES, 384.0 * 1024 * 1024, "384 MiB"));
	CHECK(fmt_is(LBS_UNIT_COUNT, 2578, "2.58 k"));
	CHECK(fmt_is(LBS_UNIT_COUNT, 16, "16"));
}

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
	CHECK_EQ((long long)lbs_boot_accept_ns(&r[0]), 2LL * (22562039040LL - 6074400000LL));
	CHECK_EQ((long long)lbs_boot_accept_ns(&r[1]), 0);
	s = capture_summary(r, 3);
	REQUIRE(s);
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
	CHECK(strstr(s, "<td class=\"num best\">1.23 GiB</td>") != NULL);
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
	REQUIRE(lbs_write_report(dir, "heading\n", "table\nnote: a note\n", "legend\n", r, 3,
				 path, sizeof path) == 0);
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
