/* SPDX-License-Identifier: MIT */
/*
 * Tests of the trace reader (tools/trace): line parsing per format
 * generation, the consistency rules, compressed input, the summary.
 *
 * Fixtures (tests/fixtures/) are written by hand in the documented formats.
 * Each encodes the same scenario (pfns from P = 0x40000), so all share one
 * set of event and inconsistency counts:
 *
 *   zone_locked P; alloc P (id 1); alloc P+8 order 3 (id 2); failed alloc;
 *   free P (id 1 freed) and its batched twin (batched_repeat); free of
 *   P+100 (free_unseen); free P again (double_free); alloc P+8 order 0
 *   (alloc_allocated: synthetic free of id 2, then id 3); drain P+64;
 *   alloc P+16 order 2 (id 4) freed in four order-0 pieces (one merged free
 *   of id 4); free P+8 (id 3); alloc P+1 order 1 (bad_pfn); alloc P+32
 *   order 5 (id 5, live at the end).
 *
 * Compressed copies are made at run time, with the libraries, in a temp dir.
 */
#include "harness.h"
#include "../tools/trace/trace.h"

#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define P 0x40000u

/* ---- helpers ---------------------------------------------------------------- */

/* tests/fixtures/NAME, found from this file's path as compiled (the tests
 * run from the top of the tree), or in $LB_TRACE_FIXTURES. */
static const char *fixture(const char *name)
{
	static char path[4096];
	const char *f = __FILE__, *slash = strrchr(f, '/');
	const char *env = getenv("LB_TRACE_FIXTURES");
	int dir = slash ? (int)(slash - f) : 0;

	if (env && *env)
		snprintf(path, sizeof path, "%s/%s", env, name);
	else if (dir)
		snprintf(path, sizeof path, "%.*s/fixtures/%s", dir, f, name);
	else
		snprintf(path, sizeof path, "fixtures/%s", name);
	return path;
}

static char tmpdir[256];

static const char *tmp_path(const char *name)
{
	static char path[512];

	if (!tmpdir[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(tmpdir, sizeof tmpdir, "%s/lbtrace-XXXXXX",
			 t && *t ? t : "/tmp");
		if (!mkdtemp(tmpdir)) {
			tmpdir[0] = 0;
			return NULL;
		}
	}
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	return path;
}

static void tmp_cleanup(const char *const *names)
{
	if (!tmpdir[0])
		return;
	for (; *names; names++) {
		const char *p = tmp_path(*names);
		if (p)
			unlink(p);
	}
	rmdir(tmpdir);
	tmpdir[0] = 0;
}

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0;

	*n = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (*n == cap) {
			unsigned char *b = realloc(buf, cap = cap ? cap * 2 : 65536);
			if (!b) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = b;
		}
		size_t k = fread(buf + *n, 1, cap - *n, f);
		if (!k)
			break;
		*n += k;
	}
	fclose(f);
	return buf;
}

static int spit(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static size_t gz(const unsigned char *in, size_t n, unsigned char *out, size_t cap)
{
	z_stream z;
	size_t r = 0;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (unsigned char *)(uintptr_t)in; /* zlib's API is not const */
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) == Z_STREAM_END)
		r = cap - z.avail_out;
	deflateEnd(&z);
	return r;
}

static size_t xz(const unsigned char *in, size_t n, unsigned char *out, size_t cap)
{
	size_t pos = 0;

	if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, in, n, out, &pos,
				    cap) != LZMA_OK)
		return 0;
	return pos;
}

static size_t zst(const unsigned char *in, size_t n, unsigned char *out, size_t cap)
{
	size_t r = ZSTD_compress(out, cap, in, n, 3);
	return ZSTD_isError(r) ? 0 : r;
}

typedef size_t (*compress_fn)(const unsigned char *, size_t, unsigned char *, size_t);

/* Read a whole trace; the summary in *s; the result of the last next(). */
static int read_all(const char *path, unsigned flags, struct lb_trace_summary *s,
		    uint64_t *delivered)
{
	char err[256];
	struct lb_trace_reader *r = lb_trace_open(path, flags, err, sizeof err);
	struct lb_trace_event ev;
	int rc;

	*delivered = 0;
	if (!r)
		return -2;
	while ((rc = lb_trace_next(r, &ev)) > 0)
		(*delivered)++;
	*s = *lb_trace_get_summary(r);
	lb_trace_close(r);
	return rc;
}

/* ---- the fixtures --------------------------------------------------------- */

struct expect {
	const char *file;
	uint64_t lines, comments, other, unknown, lost_markers, lost_events;
	int format, flag_cols, pfn_hex, cpus;
	uint64_t gfp_sym, gfp_hex, gfp_none;
	uint64_t ts_first, ts_last;
	uint64_t delivered_free, delivered_batched;
};

/* Each also holds one sched_switch line (bash into the idle task), in its
 * format's form: counted apart, not among the other events. */
static const struct expect fixtures[] = {
	{ "ftrace-2.6.32.txt", 24, 4, 0, 1, 0, 0, LB_TRACE_FMT_FTRACE, 0, 0, 2,
	  7, 0, 0, 512100001000ull, 512100130000ull, 4, 0 },
	{ "ftrace-4.19.txt", 32, 11, 0, 1, 1, 12, LB_TRACE_FMT_FTRACE, 4, 0, 4,
	  6, 0, 1, 5120100001000ull, 5120100130000ull, 3, 1 },
	{ "ftrace-6.1-instance.txt", 34, 12, 0, 2, 1, 12, LB_TRACE_FMT_FTRACE, 5,
	  1, 4, 7, 0, 0, 5120100001000ull, 5120100130000ull, 4, 0 },
	{ "trace-cmd-report.txt", 23, 2, 1, 0, 1, 12, LB_TRACE_FMT_TRACE_CMD, -1,
	  1, 4, 5, 2, 0, 5120100001000ull, 5120100130000ull, 4, 0 },
	{ "perf-script-4.x.txt", 21, 0, 0, 2, 0, 0, LB_TRACE_FMT_PERF, 0, 0, 4,
	  7, 0, 0, 5120100001000ull, 5120100130000ull, 3, 1 },
};

#define NFIX (sizeof fixtures / sizeof fixtures[0])

static void check_fixture_summary(const struct expect *x,
				  const struct lb_trace_summary *s)
{
	uint64_t fmt_lines = 0;

	CHECK_EQ(s->lines, x->lines);
	CHECK_EQ(s->comment_lines, x->comments);
	CHECK_EQ(s->other_lines, x->other);
	CHECK_EQ(s->unknown_lines, x->unknown);
	CHECK_EQ(s->lost_markers, x->lost_markers);
	CHECK_EQ(s->lost_events, x->lost_events);
	CHECK_EQ(s->sched_lines, 1);
	CHECK_EQ(s->lines, s->comment_lines + s->other_lines + s->unknown_lines +
				   s->lost_markers + s->sched_lines + 18);

	CHECK_EQ(s->events[LB_TRACE_ALLOC], 7);
	CHECK_EQ(s->events[LB_TRACE_FREE], 8);
	CHECK_EQ(s->events[LB_TRACE_FREE_BATCHED], 1);
	CHECK_EQ(s->events[LB_TRACE_PCPU_DRAIN], 1);
	CHECK_EQ(s->events[LB_TRACE_ALLOC_ZONE_LOCKED], 1);
	CHECK_EQ(s->failed_allocs, 1);
	CHECK_EQ(s->pfn_hex_events, x->pfn_hex ? 18 : 0);
	CHECK_EQ(s->pfn_dec_events, x->pfn_hex ? 0 : 18);
	if (x->flag_cols >= 0)
		CHECK_EQ(s->flag_cols_lines[x->flag_cols == 5 ? 2 : x->flag_cols == 4],
			 18);
	CHECK_EQ(s->format_lines[x->format] > 0, 1);
	for (int f = 0; f < LB_TRACE_NFORMATS; f++)
		fmt_lines += s->format_lines[f];
	CHECK_EQ(fmt_lines, 18);
	if (x->format == LB_TRACE_FMT_PERF)
		CHECK_EQ(s->format_lines[LB_TRACE_FMT_PERF], 18);
	CHECK_EQ(s->gfp_forms[LB_TRACE_GFP_SYMBOLIC], x->gfp_sym);
	CHECK_EQ(s->gfp_forms[LB_TRACE_GFP_HEX], x->gfp_hex);
	CHECK_EQ(s->gfp_forms[LB_TRACE_GFP_NONE], x->gfp_none);

	CHECK_EQ(s->pfn_min, P);
	CHECK_EQ(s->pfn_max, P + 100);
	CHECK_EQ(s->max_order, 5);
	CHECK_EQ(s->ts_first, x->ts_first);
	CHECK_EQ(s->ts_last, x->ts_last);
	CHECK_EQ(s->ts_backwards, 0);
	CHECK_EQ(s->cpus_seen, x->cpus);
	CHECK_EQ(s->cpu_max, x->cpus - 1);

	CHECK_EQ(s->checked, 1);
	CHECK_EQ(s->check.incons[LB_TRACE_INC_FREE_UNSEEN], 1);
	CHECK_EQ(s->check.incons[LB_TRACE_INC_DOUBLE_FREE], 1);
	CHECK_EQ(s->check.incons[LB_TRACE_INC_BATCHED_REPEAT], 1);
	CHECK_EQ(s->check.incons[LB_TRACE_INC_ALLOC_ALLOCATED], 1);
	CHECK_EQ(s->check.incons[LB_TRACE_INC_BAD_PFN], 1);
	CHECK_EQ(lb_trace_summary_incons(s), 5);
	CHECK_EQ(s->check.delivered[LB_TRACE_ALLOC], 6);
	CHECK_EQ(s->check.delivered[LB_TRACE_FREE], x->delivered_free);
	CHECK_EQ(s->check.delivered[LB_TRACE_FREE_BATCHED], x->delivered_batched);
	CHECK_EQ(s->check.delivered[LB_TRACE_PCPU_DRAIN], 1);
	CHECK_EQ(s->check.delivered[LB_TRACE_ALLOC_ZONE_LOCKED], 1);
	CHECK_EQ(s->check.dropped, 7);
	CHECK_EQ(s->check.synthetic_frees, 1);
	CHECK_EQ(s->check.split_frees, 4);
	CHECK_EQ(s->check.merged_frees, 1);
	CHECK_EQ(s->check.live_blocks, 1);
	CHECK_EQ(s->check.live_pages, 32);
	CHECK_EQ(s->pages_distinct, 1 + 8 + 1 + 1 + 4 + 32);
}

TEST(trace_fixtures)
{
	for (size_t i = 0; i < NFIX; i++) {
		struct lb_trace_summary s;
		uint64_t n;

		REQUIRE(read_all(fixture(fixtures[i].file), 0, &s, &n) == 0);
		CHECK_EQ(n, 6 + 4 + 1 + 1); /* allocs (1 failed), frees, drain, zone */
		CHECK_EQ(s.compression, LB_TRACE_PLAIN);
		check_fixture_summary(&fixtures[i], &s);
		if (lbt_failed()) {
			printf("    in %s\n", fixtures[i].file);
			return;
		}
	}
}

TEST(trace_fixtures_raw)
{
	for (size_t i = 0; i < NFIX; i++) {
		char err[256];
		struct lb_trace_reader *r =
			lb_trace_open(fixture(fixtures[i].file), LB_TRACE_RAW, err,
				      sizeof err);
		struct lb_trace_event ev;
		uint64_t n = 0, prev_line = 0;

		REQUIRE(r);
		while (lb_trace_next(r, &ev) > 0) {
			n++;
			CHECK_EQ(ev.id, 0);
			CHECK(ev.line > prev_line);
			prev_line = ev.line;
		}
		CHECK_EQ(n, 18);
		CHECK_EQ(lb_trace_get_summary(r)->checked, 0);
		CHECK_EQ(lb_trace_get_summary(r)->unknown_lines, fixtures[i].unknown);
		lb_trace_close(r);
	}
}

/* The checked stream of the scenario, event by event. */
TEST(trace_fixture_stream)
{
	static const struct {
		int kind;
		uint64_t pfn, id;
		unsigned order;
		int failed, flags;
	} want[] = {
		{ LB_TRACE_ALLOC_ZONE_LOCKED, P, 0, 0, 0, 0 },
		{ LB_TRACE_ALLOC, P, 1, 0, 0, 0 },
		{ LB_TRACE_ALLOC, P + 8, 2, 3, 0, 0 },
		{ LB_TRACE_ALLOC, 0, 0, 4, 1, 0 },
		{ LB_TRACE_FREE, P, 1, 0, 0, 0 },
		{ LB_TRACE_FREE, P + 8, 2, 3, 0, LB_TRACE_EV_SYNTHETIC },
		{ LB_TRACE_ALLOC, P + 8, 3, 0, 0, 0 },
		{ LB_TRACE_PCPU_DRAIN, P + 64, 0, 0, 0, 0 },
		{ LB_TRACE_ALLOC, P + 16, 4, 2, 0, 0 },
		{ LB_TRACE_FREE, P + 16, 4, 2, 0, LB_TRACE_EV_MERGED },
		{ LB_TRACE_FREE, P + 8, 3, 0, 0, 0 },
		{ LB_TRACE_ALLOC, P + 32, 5, 5, 0, 0 },
	};
	char err[256];
	struct lb_trace_reader *r =
		lb_trace_open(fixture("ftrace-6.1-instance.txt"), 0, err, sizeof err);
	struct lb_trace_event ev;
	size_t i = 0;

	REQUIRE(r);
	while (lb_trace_next(r, &ev) > 0) {
		REQUIRE(i < sizeof want / sizeof want[0]);
		CHECK_EQ(ev.kind, want[i].kind);
		CHECK_EQ(ev.pfn, want[i].pfn);
		CHECK_EQ(ev.id, want[i].id);
		CHECK_EQ(ev.order, want[i].order);
		CHECK_EQ(ev.failed, want[i].failed);
		CHECK_EQ(ev.flags & (LB_TRACE_EV_SYNTHETIC | LB_TRACE_EV_MERGED),
			 want[i].flags);
		CHECK_EQ(ev.flags & LB_TRACE_EV_PFN_HEX, LB_TRACE_EV_PFN_HEX);
		if (lbt_failed()) {
			printf("    at event %zu\n", i);
			break;
		}
		i++;
	}
	CHECK_EQ(i, sizeof want / sizeof want[0]);
	lb_trace_close(r);
}

/* ---- single lines ---------------------------------------------------------- */

static enum lb_trace_line parse(const char *line, struct lb_trace_event *ev)
{
	uint64_t lost = 0;

	memset(ev, 0x5a, sizeof *ev);
	return lb_trace_parse_line(line, strlen(line), ev, &lost);
}

TEST(trace_parse_prefixes)
{
	struct lb_trace_event ev;

	/* ftrace, 5 flag columns, task name with spaces and a dash */
	REQUIRE(parse(" Web Content-pre-3001    [003] d..1.  5120.100020: "
		      "mm_page_free: page=0000000000000000 pfn=0x12 order=0",
		      &ev) == LB_TRACE_LINE_EVENT);
	CHECK_EQ(ev.pid, 3001);
	CHECK_EQ(ev.cpu, 3);
	CHECK_EQ(ev.flag_cols, 5);
	CHECK_EQ(ev.format, LB_TRACE_FMT_FTRACE);
	CHECK_EQ(ev.ts_ns, 5120100020000ull);
	CHECK_EQ(ev.kind, LB_TRACE_FREE);
	CHECK_EQ(ev.pfn, 0x12);
	CHECK_EQ(ev.id, 0);
	CHECK_EQ(ev.flags, LB_TRACE_EV_PFN_HEX);

	/* <...>, 4 flag columns, nanosecond timestamp, tgid column */
	REQUIRE(parse("  <...>-77 (   70) [012] dNh2 12.123456789: mm_page_free: "
		      "page=ffffea0000000040 pfn=1 order=0",
		      &ev) == LB_TRACE_LINE_EVENT);
	CHECK_EQ(ev.pid, 77);
	CHECK_EQ(ev.cpu, 12);
	CHECK_EQ(ev.flag_cols, 4);
	CHECK_EQ(ev.ts_ns, 12123456789ull);
	CHECK_EQ(ev.flags, 0);

	/* a task name holding "[1]" and ": 5.0: x" */
	REQUIRE(parse("  a [1] 5.0: x-9  [002]  7.5: mm_page_free: pfn=4 order=2",
		      &ev) == LB_TRACE_LINE_EVENT);
	CHECK_EQ(ev.pid, 9);
	CHECK_EQ(ev.cpu, 2);
	CHECK_EQ(ev.ts_ns, 7500000000ull);
	CHECK_EQ(ev.order, 2);

	/* trace-cmd latency form: CPU and flags in one token */
	REQUIRE(parse("    bash-2876    1d..1  5.000001: mm_page_free:        "
		      "pfn=0x40 order=0", &ev) == LB_TRACE_LINE_EVENT);
	CHECK_EQ(ev.cpu, 1);
	CHECK_EQ(ev.flag_cols, 4);
	CHECK_EQ(ev.pid, 2876);
	CHECK_EQ(ev.format, LB_TRACE_FMT_TRACE_CMD);

	/* trace-cmd, an instance name before, a "(+10)" time diff after */
	REQUIRE(parse("foo:   bash-1  [000]  5.000001: (+10)    mm_page_free:        "
		      "pfn=0x40 order=0", &ev) == LB_TRACE_LINE_EVENT);
	CHECK_EQ(ev.pid, 1);
	CHECK_EQ(ev.cpu, 0);
	CHECK_EQ(ev.format, LB_TRACE_FMT_TRACE_CMD);

	/* perf: pid/tid, period, no CPU column, a counter timestamp */
	REQUIRE(parse("  perf 10/11 [001] 3.25:   1 kmem:mm_page_free: pfn=1 order=0",
		      &ev) == LB_TRACE_LINE_EVENT);
	CHECK_EQ(ev.pid, 11);
	CHECK_EQ(ev.cpu, 1);
	CHECK_EQ(ev.format, LB_TRACE_FMT_PERF);
	REQUIRE(parse("  perf 10 123456: kmem:mm_page_free: pfn=1 order=0", &ev) ==
		LB_TRACE_LINE_EVENT);
	CHECK_EQ(ev.pid, 10);
	CHECK_EQ(ev.cpu, LB_TRACE_CPU_NONE);
	CHECK_EQ(ev.ts_ns, 123456);

	/* CRLF, tabs */
	REQUIRE(parse("\tx-1 [000] 1.0: mm_page_alloc: pfn=8 order=3 gfp_flags=GFP_ATOMIC\r\n",
		      &ev) == LB_TRACE_LINE_EVENT);
	CHECK_EQ(ev.pfn, 8);
	CHECK_EQ(ev.may_sleep, 0);
}

/* CPU numbers of any length: up to LB_TRACE_CPU_MAX taken, beyond it
 * flagged (never "no CPU column", which would put the event on CPU 0), and
 * the reader stops there naming the line and the number. */
TEST(trace_parse_cpu_numbers)
{
	static const struct {
		const char *line;
		uint32_t cpu;
		const char *digits; /* the out-of-range number, else NULL */
	} cases[] = {
		{"x-1 [4096] 1.0: mm_page_free: pfn=1 order=0", 4096, NULL},
		{"x-1 [4294967294] 1.0: mm_page_free: pfn=1 order=0", 4294967294u, NULL},
		{"x-1 [0000000000007] 1.0: mm_page_free: pfn=1 order=0", 7, NULL},
		{"x-1 [4294967295] 1.0: mm_page_free: pfn=1 order=0", LB_TRACE_CPU_NONE,
		 "4294967295"},
		{"x-1 [4294967296] d..1 1.0: mm_page_free: pfn=1 order=0", LB_TRACE_CPU_NONE,
		 "4294967296"},
		{"x-1 [18446744073709551615] 1.0: mm_page_free: pfn=1 order=0", LB_TRACE_CPU_NONE,
		 "18446744073709551615"},
		{"x-1 [99999999999999999999999] 1.0: mm_page_free: pfn=1 order=0",
		 LB_TRACE_CPU_NONE, "99999999999999999999999"},
		{"bash-2 12345678901d..1  5.000001: mm_page_free:        pfn=0x40 order=0",
		 LB_TRACE_CPU_NONE, "12345678901"},
	};
	struct lb_trace_event ev;
	char err[256], path[512];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *at = NULL;
		size_t n;

		if (parse(cases[i].line, &ev) != LB_TRACE_LINE_EVENT || ev.cpu != cases[i].cpu ||
		    !!(ev.flags & LB_TRACE_EV_CPU_RANGE) != !!cases[i].digits) {
			lbt_fail(__FILE__, __LINE__, cases[i].line);
			continue;
		}
		n = lb_trace_cpu_text(cases[i].line, strlen(cases[i].line), &at);
		if (cases[i].digits &&
		    (n != strlen(cases[i].digits) || memcmp(at, cases[i].digits, n) != 0))
			lbt_fail(__FILE__, __LINE__, cases[i].line);
	}
	CHECK_EQ(lb_trace_cpu_text("# comment", 9, &(const char *){NULL}), 0);

	/* The reader: the event before is delivered, then the error. */
	snprintf(path, sizeof path, "%s", tmp_path("cpu.txt"));
	static const char text[] =
		"x-1 [001] 1.0: mm_page_alloc: pfn=8 order=0 gfp_flags=none\n"
		"x-1 [4294967296] 1.1: mm_page_alloc: pfn=9 order=0 gfp_flags=none\n";
	REQUIRE(spit(path, text, sizeof text - 1) == 0);
	struct lb_trace_reader *r = lb_trace_open(path, 0, err, sizeof err);
	REQUIRE(r);
	CHECK_EQ(lb_trace_next(r, &ev), 1);
	CHECK_EQ(ev.cpu, 1);
	CHECK_EQ(lb_trace_next(r, &ev), -1);
	CHECK(lb_trace_error(r) && strcmp(lb_trace_error(r), "line 2: CPU number 4294967296 is "
				    "out of range (at most 4294967294)") == 0);
	lb_trace_close(r);
	unlink(path);
	rmdir(tmpdir);
	tmpdir[0] = 0;
}

TEST(trace_parse_fields)
{
	struct lb_trace_event ev;

	/* failed allocations: pfn 0, or the raw -1 */
	REQUIRE(parse("x-1 [000] 1.0: mm_page_alloc: page=(null) pfn=0 order=0 "
		      "migratetype=0 gfp_flags=GFP_KERNEL", &ev) == LB_TRACE_LINE_EVENT);
	CHECK_EQ(ev.failed, 1);
	CHECK_EQ(ev.migratetype, 0);
	CHECK_EQ(ev.may_sleep, 1);
	REQUIRE(parse("x-1 [000] 1.0: mm_page_alloc_zone_locked: page=0x0 "
		      "pfn=0xffffffffffffffff order=0 migratetype=1 percpu_refill=0",
		      &ev) == LB_TRACE_LINE_EVENT);
	CHECK_EQ(ev.failed, 1);
	CHECK_EQ(ev.pfn, 0);
	CHECK_EQ(ev.percpu_refill, 0);
	CHECK_EQ(ev.migratetype, 1);
	CHECK_EQ(ev.gfp_form, LB_TRACE_GFP_ABSENT);
	/* a free of pfn 0 is not "failed" */
	REQUIRE(parse("x-1 [000] 1.0: mm_page_free: pfn=0 order=0", &ev) ==
		LB_TRACE_LINE_EVENT);
	CHECK_EQ(ev.failed, 0);

	/* gfp flags: hex, none, symbolic */
	REQUIRE(parse("x-1 [000] 1.0: mm_page_alloc: pfn=0x10 order=0 gfp_flags=0x400dc0",
		      &ev) == LB_TRACE_LINE_EVENT);
	CHECK_EQ(ev.gfp_form, LB_TRACE_GFP_HEX);
	CHECK_EQ(ev.gfp, 0x400dc0);
	CHECK_EQ(ev.may_sleep, -1);
	CHECK_EQ(ev.migratetype, -1);
	REQUIRE(parse("x-1 [000] 1.0: mm_page_alloc: pfn=16 order=0 gfp_flags=none",
		      &ev) == LB_TRACE_LINE_EVENT);
	CHECK_EQ(ev.gfp_form, LB_TRACE_GFP_NONE);
	CHECK_EQ(ev.may_sleep, 0);
	CHECK_EQ(ev.pfn, 16);
	REQUIRE(parse("x-1 [000] 1.0: mm_page_alloc: pfn=16 order=0 gfp_flags=",
		      &ev) == LB_TRACE_LINE_EVENT);
	CHECK_EQ(ev.gfp_form, LB_TRACE_GFP_NONE);

	/* malformed kmem lines are unknown */
	CHECK_EQ(parse("x-1 [000] 1.0: mm_page_free: pfn=1a order=0", &ev),
		 LB_TRACE_LINE_UNKNOWN);
	CHECK_EQ(parse("x-1 [000] 1.0: mm_page_free: pfn=0x order=0", &ev),
		 LB_TRACE_LINE_UNKNOWN);
	CHECK_EQ(parse("x-1 [000] 1.0: mm_page_free: pfn=-1 order=0", &ev),
		 LB_TRACE_LINE_UNKNOWN);
	CHECK_EQ(parse("x-1 [000] 1.0: mm_page_free: pfn=1 order=21", &ev),
		 LB_TRACE_LINE_UNKNOWN);
	CHECK_EQ(parse("x-1 [000] 1.0: mm_page_free: pfn=1", &ev),
		 LB_TRACE_LINE_UNKNOWN);
	CHECK_EQ(parse("x-1 [000] 1.0: mm_page_free: order=1", &ev),
		 LB_TRACE_LINE_UNKNOWN);
	CHECK_EQ(parse("x-1 [000] 1.0: mm_page_free: pfn=0x12345678901234567 order=1",
		       &ev), LB_TRACE_LINE_UNKNOWN);
	CHECK_EQ(parse("x-1 [000] 1.0: mm_page_free: pfn=99999999999999999999 order=1",
		       &ev), LB_TRACE_LINE_UNKNOWN);
}

TEST(trace_parse_other_lines)
{
	struct lb_trace_event ev;
	uint64_t lost = 0;
	const char *l;

	CHECK_EQ(parse("", &ev), LB_TRACE_LINE_COMMENT);
	CHECK_EQ(parse("   \t ", &ev), LB_TRACE_LINE_COMMENT);
	CHECK_EQ(parse("# tracer: nop", &ev), LB_TRACE_LINE_COMMENT);
	CHECK_EQ(parse("cpus=64", &ev), LB_TRACE_LINE_COMMENT);
	CHECK_EQ(parse("lazybuddy: cpus=2", &ev), LB_TRACE_LINE_COMMENT);
	CHECK_EQ(parse("version = 6", &ev), LB_TRACE_LINE_COMMENT);
	CHECK_EQ(parse("CPU 12 is empty", &ev), LB_TRACE_LINE_COMMENT);
	CHECK_EQ(parse("x-1 [000] 1.0: sched_wakeup: a=b", &ev),
		 LB_TRACE_LINE_OTHER);
	CHECK_EQ(parse("x 1 [000] 1.0: kmem:sched_switch: a:1 ==> b:0", &ev),
		 LB_TRACE_LINE_OTHER);
	CHECK_EQ(parse("x-1 [000] 1.0: sched_switch: a=b", &ev), /* malformed */
		 LB_TRACE_LINE_UNKNOWN);
	CHECK_EQ(parse("x-1 [000] 1.0: mm_page_alloc_extfrag: page=0 pfn=1",
		       &ev), LB_TRACE_LINE_OTHER);
	CHECK_EQ(parse("x 1 [000] 1.0: kmem:kmalloc: call_site=0", &ev),
		 LB_TRACE_LINE_OTHER);
	CHECK_EQ(parse("x 1 [000] 1.0: sched:mm_page_alloc: pfn=1 order=0", &ev),
		 LB_TRACE_LINE_OTHER);
	CHECK_EQ(parse("mm_page_alloc: pfn=1 order=0", &ev), LB_TRACE_LINE_UNKNOWN);
	CHECK_EQ(parse("x-1 [000] 1.0 mm_page_alloc: pfn=1 order=0", &ev),
		 LB_TRACE_LINE_UNKNOWN);
	CHECK_EQ(parse("x-1 [000] 1.0: mm_page_alloc:pfn=1 order=0", &ev),
		 LB_TRACE_LINE_UNKNOWN);
	CHECK_EQ(parse("garbage", &ev), LB_TRACE_LINE_UNKNOWN);

	l = "CPU:3 [LOST 1234 EVENTS]";
	CHECK_EQ(lb_trace_parse_line(l, strlen(l), &ev, &lost), LB_TRACE_LINE_LOST);
	CHECK_EQ(lost, 1234);
	l = "inst: CPU:0 [77 EVENTS DROPPED]";
	CHECK_EQ(lb_trace_parse_line(l, strlen(l), &ev, &lost), LB_TRACE_LINE_LOST);
	CHECK_EQ(lost, 77);
	l = "CPU:1 [EVENTS DROPPED]";
	CHECK_EQ(lb_trace_parse_line(l, strlen(l), &ev, &lost), LB_TRACE_LINE_LOST);
	CHECK_EQ(lost, 0);
	l = "CPU:1 [SUBBUFFER START]";
	CHECK_EQ(lb_trace_parse_line(l, strlen(l), &ev, &lost),
		 LB_TRACE_LINE_UNKNOWN);
	/* not NUL-terminated: only len bytes are read */
	l = "x-1 [000] 1.0: mm_page_free: pfn=1 order=0 GARBAGE";
	CHECK_EQ(lb_trace_parse_line(l, strlen(l) - 8, &ev, &lost),
		 LB_TRACE_LINE_EVENT);
}

TEST(trace_gfp_may_sleep)
{
	static const struct {
		const char *flags;
		int sleep;
	} cases[] = {
		{ "GFP_KERNEL", 1 },
		{ "GFP_KERNEL_ACCOUNT|__GFP_ZERO", 1 },
		{ "GFP_HIGHUSER_MOVABLE|__GFP_COMP", 1 },
		{ "GFP_TRANSHUGE", 1 },
		{ "GFP_TRANSHUGE_LIGHT", 0 },
		{ "GFP_ATOMIC|__GFP_NOWARN", 0 },
		{ "GFP_NOWAIT|__GFP_COMP", 0 },
		{ "__GFP_IO|__GFP_FS|__GFP_DIRECT_RECLAIM", 1 },
		{ "__GFP_KSWAPD_RECLAIM|__GFP_IO", 0 },
		{ "__GFP_RECLAIM", 1 },
		{ "GFP_NOFS|__GFP_NOFAIL", 1 },
		{ "GFP_WAIT|GFP_IO", 1 },        /* 2.6.3x names */
		{ "GFP_HIGH|GFP_NOWARN", 0 },
		{ "GFP_KERNELX", 0 },
		{ "", 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *f = cases[i].flags;
		int got = lb_trace_gfp_may_sleep(f, f + strlen(f));
		if (got != cases[i].sleep)
			printf("    gfp %s\n", f);
		CHECK_EQ(got, cases[i].sleep);
	}
}

/* ---- the consistency layer ----------------------------------------------- */

static struct lb_trace_event mk(int kind, uint64_t pfn, unsigned order)
{
	struct lb_trace_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = (uint8_t)kind;
	ev.pfn = pfn;
	ev.order = (uint8_t)order;
	ev.cpu = 0;
	ev.pid = -1;
	ev.may_sleep = -1;
	ev.migratetype = -1;
	ev.percpu_refill = -1;
	return ev;
}

/* Push one event, pop what comes out into out[] (at most max). */
static int step(struct lb_trace_check *c, struct lb_trace_event ev,
		struct lb_trace_event *out, int max)
{
	int n = 0;
	struct lb_trace_event o;

	if (lb_trace_check_push(c, &ev))
		return -1;
	while (lb_trace_check_pop(c, &o))
		if (n < max)
			out[n++] = o;
		else
			n++;
	return n;
}

TEST(trace_check_batched_first)
{
	/* 4.x: mm_page_free_batched before mm_page_free of the same page */
	struct lb_trace_check *c = lb_trace_check_new();
	struct lb_trace_event o[4];
	const struct lb_trace_check_stats *st;

	REQUIRE(c);
	CHECK_EQ(step(c, mk(LB_TRACE_ALLOC, 100, 0), o, 4), 1);
	CHECK_EQ(o[0].id, 1);
	CHECK_EQ(step(c, mk(LB_TRACE_FREE_BATCHED, 100, 0), o, 4), 1);
	CHECK_EQ(o[0].kind, LB_TRACE_FREE_BATCHED);
	CHECK_EQ(o[0].id, 1);
	CHECK_EQ(step(c, mk(LB_TRACE_FREE, 100, 0), o, 4), 0);
	CHECK_EQ(step(c, mk(LB_TRACE_FREE_BATCHED, 100, 0), o, 4), 0);
	CHECK_EQ(step(c, mk(LB_TRACE_FREE, 100, 0), o, 4), 0);
	/* reallocated: a fresh start for the page */
	CHECK_EQ(step(c, mk(LB_TRACE_ALLOC, 100, 0), o, 4), 1);
	CHECK_EQ(o[0].id, 2);
	CHECK_EQ(step(c, mk(LB_TRACE_FREE, 100, 0), o, 4), 1);
	CHECK_EQ(step(c, mk(LB_TRACE_FREE_BATCHED, 100, 0), o, 4), 0);
	st = lb_trace_check_stats(c);
	CHECK_EQ(st->incons[LB_TRACE_INC_BATCHED_REPEAT], 2);
	CHECK_EQ(st->incons[LB_TRACE_INC_DOUBLE_FREE], 2);
	CHECK_EQ(st->incons[LB_TRACE_INC_FREE_UNSEEN], 0);
	CHECK_EQ(st->dropped, 4);
	CHECK_EQ(st->live_blocks, 0);
	CHECK_EQ(st->live_pages, 0);
	lb_trace_check_free(c);
}

TEST(trace_check_thp_split)
{
	/* an order-9 block freed as 512 order-0 pages, the head reallocated
	 * while the rest is still held */
	struct lb_trace_check *c = lb_trace_check_new();
	struct lb_trace_event o[4];
	const struct lb_trace_check_stats *st;

	REQUIRE(c);
	CHECK_EQ(step(c, mk(LB_TRACE_ALLOC, 512, 9), o, 4), 1);
	CHECK_EQ(o[0].id, 1);
	CHECK_EQ(step(c, mk(LB_TRACE_FREE, 512, 0), o, 4), 0);
	CHECK_EQ(step(c, mk(LB_TRACE_ALLOC, 512, 0), o, 4), 1); /* the head again */
	CHECK_EQ(o[0].id, 2);
	for (uint64_t x = 513; x < 1023; x++)
		REQUIRE(step(c, mk(LB_TRACE_FREE, x, 0), o, 4) == 0);
	CHECK_EQ(step(c, mk(LB_TRACE_FREE, 1023, 0), o, 4), 1);
	CHECK_EQ(o[0].id, 1);
	CHECK_EQ(o[0].pfn, 512);
	CHECK_EQ(o[0].order, 9);
	CHECK_EQ(o[0].flags, LB_TRACE_EV_MERGED);
	CHECK_EQ(step(c, mk(LB_TRACE_FREE, 512, 0), o, 4), 1);
	CHECK_EQ(o[0].id, 2);
	CHECK_EQ(o[0].flags, 0);
	st = lb_trace_check_stats(c);
	CHECK_EQ(lb_trace_check_stats(c)->incons[LB_TRACE_INC_ALLOC_ALLOCATED], 0);
	CHECK_EQ(st->split_frees, 512);
	CHECK_EQ(st->merged_frees, 1);
	CHECK_EQ(st->live_blocks, 0);
	CHECK_EQ(st->live_pages, 0);
	CHECK_EQ(st->pages_distinct, 512);
	lb_trace_check_free(c);
}

TEST(trace_check_overlaps)
{
	struct lb_trace_check *c = lb_trace_check_new();
	struct lb_trace_event o[8];
	const struct lb_trace_check_stats *st;

	REQUIRE(c);
	/* two order-0 blocks, then an order-1 allocation over both */
	CHECK_EQ(step(c, mk(LB_TRACE_ALLOC, 8, 0), o, 8), 1);
	CHECK_EQ(step(c, mk(LB_TRACE_ALLOC, 9, 0), o, 8), 1);
	CHECK_EQ(step(c, mk(LB_TRACE_ALLOC, 8, 1), o, 8), 3);
	CHECK_EQ(o[0].kind, LB_TRACE_FREE);
	CHECK_EQ(o[0].id, 1);
	CHECK_EQ(o[0].flags, LB_TRACE_EV_SYNTHETIC);
	CHECK_EQ(o[1].id, 2);
	CHECK_EQ(o[1].pfn, 9);
	CHECK_EQ(o[2].kind, LB_TRACE_ALLOC);
	CHECK_EQ(o[2].id, 3);
	/* a free larger than the blocks it covers frees each */
	CHECK_EQ(step(c, mk(LB_TRACE_ALLOC, 10, 0), o, 8), 1);
	CHECK_EQ(step(c, mk(LB_TRACE_ALLOC, 11, 0), o, 8), 1);
	CHECK_EQ(step(c, mk(LB_TRACE_FREE, 8, 2), o, 8), 3);
	CHECK_EQ(o[0].id, 3);
	CHECK_EQ(o[1].id, 4);
	CHECK_EQ(o[2].id, 5);
	CHECK_EQ(o[2].flags, LB_TRACE_EV_MERGED);
	/* misaligned and out-of-range pfns */
	CHECK_EQ(step(c, mk(LB_TRACE_FREE, 9, 1), o, 8), 0);
	CHECK_EQ(step(c, mk(LB_TRACE_ALLOC, (uint64_t)1 << 52, 0), o, 8), 0);
	/* drains and zone_locked pass through, failed allocations too */
	CHECK_EQ(step(c, mk(LB_TRACE_PCPU_DRAIN, 64, 3), o, 8), 1);
	CHECK_EQ(o[0].id, 0);
	{
		struct lb_trace_event f = mk(LB_TRACE_ALLOC, 0, 2);
		f.failed = 1;
		CHECK_EQ(step(c, f, o, 8), 1);
		CHECK_EQ(o[0].failed, 1);
		CHECK_EQ(o[0].id, 0);
	}
	st = lb_trace_check_stats(c);
	CHECK_EQ(st->incons[LB_TRACE_INC_ALLOC_ALLOCATED], 1);
	CHECK_EQ(st->incons[LB_TRACE_INC_BAD_PFN], 2);
	CHECK_EQ(st->synthetic_frees, 2);
	CHECK_EQ(st->live_blocks, 0);
	CHECK_EQ(st->pages_distinct, 4 + 8);
	lb_trace_check_free(c);
}

TEST(trace_check_nested_blocks)
{
	/* blocks live inside the range of a block freed in part: each page
	 * stays with its own block, and one free over several delivers them in
	 * the order of their last pages */
	struct lb_trace_check *c = lb_trace_check_new();
	struct lb_trace_event o[8];
	const struct lb_trace_check_stats *st;

	REQUIRE(c);
	CHECK_EQ(step(c, mk(LB_TRACE_ALLOC, 512, 9), o, 8), 1);
	CHECK_EQ(step(c, mk(LB_TRACE_FREE, 512, 3), o, 8), 0);
	CHECK_EQ(step(c, mk(LB_TRACE_ALLOC, 512, 3), o, 8), 1); /* same head */
	CHECK_EQ(o[0].id, 2);
	CHECK_EQ(step(c, mk(LB_TRACE_FREE, 0, 10), o, 8), 2);
	CHECK_EQ(o[0].id, 2);
	CHECK_EQ(o[0].pfn, 512);
	CHECK_EQ(o[0].order, 3);
	CHECK_EQ(o[0].flags, LB_TRACE_EV_MERGED);
	CHECK_EQ(o[1].id, 1);
	CHECK_EQ(o[1].order, 9);
	CHECK_EQ(o[1].flags, LB_TRACE_EV_MERGED);

	/* orders above 10: a block inside an order-12 one survives the
	 * synthetic free of its container */
	CHECK_EQ(step(c, mk(LB_TRACE_ALLOC, 4096, 12), o, 8), 1);
	CHECK_EQ(o[0].id, 3);
	CHECK_EQ(step(c, mk(LB_TRACE_FREE, 6144, 11), o, 8), 0);
	CHECK_EQ(step(c, mk(LB_TRACE_ALLOC, 6144, 11), o, 8), 1);
	CHECK_EQ(o[0].id, 4);
	CHECK_EQ(step(c, mk(LB_TRACE_ALLOC, 4096, 10), o, 8), 2);
	CHECK_EQ(o[0].id, 3);
	CHECK_EQ(o[0].order, 12);
	CHECK_EQ(o[0].flags, LB_TRACE_EV_SYNTHETIC);
	CHECK_EQ(o[1].id, 5);
	CHECK_EQ(step(c, mk(LB_TRACE_FREE, 6144 + 2047, 0), o, 8), 0);
	/* the synthetic free left its pages freed by both kinds */
	CHECK_EQ(step(c, mk(LB_TRACE_FREE_BATCHED, 5120, 10), o, 8), 0);
	CHECK_EQ(step(c, mk(LB_TRACE_FREE, 6144, 11), o, 8), 1); /* 8191 twice */
	CHECK_EQ(o[0].id, 4);
	CHECK_EQ(o[0].flags, 0);
	st = lb_trace_check_stats(c);
	CHECK_EQ(st->incons[LB_TRACE_INC_FREE_UNSEEN], 1);
	CHECK_EQ(st->incons[LB_TRACE_INC_ALLOC_ALLOCATED], 1);
	CHECK_EQ(st->incons[LB_TRACE_INC_BATCHED_REPEAT], 0);
	CHECK_EQ(st->incons[LB_TRACE_INC_DOUBLE_FREE], 2);
	CHECK_EQ(st->split_frees, 4);
	CHECK_EQ(st->merged_frees, 2);
	CHECK_EQ(st->synthetic_frees, 1);
	CHECK_EQ(st->live_blocks, 1);
	CHECK_EQ(st->live_pages, 1024);
	CHECK_EQ(st->pages_distinct, 1024 + 4096);
	lb_trace_check_free(c);
}

/* ---- compressed input ----------------------------------------------------- */

static const char *const tmp_names[] = {
	"t.gz", "t.xz", "t.zst", "plain.gz", "gzip.txt", "multi.gz", "multi.xz",
	"multi.zst", "cut.gz", "cut.xz", "cut.zst", "long.txt", "empty", "gz-zlib.gz", NULL,
};

static void same_counts(const struct lb_trace_summary *a,
			const struct lb_trace_summary *b)
{
	CHECK_EQ(a->lines, b->lines);
	CHECK_EQ(a->unknown_lines, b->unknown_lines);
	CHECK_EQ(a->comment_lines, b->comment_lines);
	CHECK_EQ(a->bytes_out, b->bytes_out);
	CHECK(!memcmp(a->events, b->events, sizeof a->events));
	CHECK(!memcmp(&a->check, &b->check, sizeof a->check));
	CHECK_EQ(a->ts_last, b->ts_last);
}

TEST(trace_compressed)
{
	static const struct {
		const char *name;
		compress_fn fn;
		enum lb_trace_compression comp;
	} kinds[] = {
		{ "t.gz", gz, LB_TRACE_GZIP },
		{ "t.xz", xz, LB_TRACE_XZ },
		{ "t.zst", zst, LB_TRACE_ZSTD },
	};

	for (size_t f = 0; f < NFIX; f++) {
		size_t n;
		unsigned char *text = slurp(fixture(fixtures[f].file), &n);
		unsigned char *buf = malloc(n + 4096);
		struct lb_trace_summary plain, s;
		uint64_t k0, k;

		REQUIRE(text && buf);
		REQUIRE(read_all(fixture(fixtures[f].file), 0, &plain, &k0) == 0);
		for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
			size_t m = kinds[i].fn(text, n, buf, n + 4096);
			const char *path = tmp_path(kinds[i].name);

			REQUIRE(m > 0 && path);
			REQUIRE(spit(path, buf, m) == 0);
			REQUIRE(read_all(path, 0, &s, &k) == 0);
			CHECK_EQ(s.compression, kinds[i].comp);
			CHECK_EQ(s.bytes_in, m);
			CHECK_EQ(k, k0);
			same_counts(&s, &plain);
			check_fixture_summary(&fixtures[f], &s);
		}
		/* The name plays no part: gzip bytes in a .txt, text in a .gz */
		{
			size_t m = gz(text, n, buf, n + 4096);
			REQUIRE(spit(tmp_path("gzip.txt"), buf, m) == 0);
			REQUIRE(read_all(tmp_path("gzip.txt"), 0, &s, &k) == 0);
			CHECK_EQ(s.compression, LB_TRACE_GZIP);
			same_counts(&s, &plain);
			REQUIRE(spit(tmp_path("plain.gz"), text, n) == 0);
			REQUIRE(read_all(tmp_path("plain.gz"), 0, &s, &k) == 0);
			CHECK_EQ(s.compression, LB_TRACE_PLAIN);
			same_counts(&s, &plain);
		}
		free(text);
		free(buf);
		if (lbt_failed()) {
			printf("    in %s\n", fixtures[f].file);
			break;
		}
	}
	tmp_cleanup(tmp_names);
}

/* Two streams one after the other (gzip members, xz streams, zstd frames),
 * as `cat a.gz b.gz` makes: both are read. Truncated ones are errors. */
TEST(trace_compressed_concat_and_truncated)
{
	static const struct {
		const char *multi, *cut;
		compress_fn fn;
	} kinds[] = {
		{ "multi.gz", "cut.gz", gz },
		{ "multi.xz", "cut.xz", xz },
		{ "multi.zst", "cut.zst", zst },
	};
	size_t n;
	unsigned char *text = slurp(fixture("ftrace-6.1-instance.txt"), &n);
	unsigned char *buf = malloc(2 * n + 8192);

	REQUIRE(text && buf);
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		struct lb_trace_summary s;
		uint64_t k;
		size_t a = kinds[i].fn(text, n, buf, n + 4096);
		size_t b = kinds[i].fn(text, n, buf + a, n + 4096);

		REQUIRE(a > 0 && b > 0);
		REQUIRE(spit(tmp_path(kinds[i].multi), buf, a + b) == 0);
		REQUIRE(read_all(tmp_path(kinds[i].multi), 0, &s, &k) == 0);
		CHECK_EQ(s.lines, 2 * 34);
		CHECK_EQ(s.events[LB_TRACE_ALLOC], 14);
		CHECK_EQ(s.bytes_out, 2 * n);

		/* cut in the middle: the lines before the cut, then an error */
		REQUIRE(spit(tmp_path(kinds[i].cut), buf, a / 2) == 0);
		{
			char err[256];
			struct lb_trace_reader *r =
				lb_trace_open(tmp_path(kinds[i].cut), 0, err, sizeof err);
			struct lb_trace_event ev;
			int rc;

			REQUIRE(r);
			while ((rc = lb_trace_next(r, &ev)) > 0)
				;
			CHECK_EQ(rc, -1);
			CHECK(lb_trace_error(r) != NULL);
			lb_trace_close(r);
		}
	}
	free(text);
	free(buf);
	tmp_cleanup(tmp_names);
}

/* A gzip member followed by a zlib stream (no gzip header): `gzip -t`
 * refuses the file, and so does the reader, after the first member's
 * lines, rather than replay the events twice. */
TEST(trace_gzip_then_zlib_refused)
{
	size_t n, a, b;
	unsigned char *text = slurp(fixture("ftrace-6.1-instance.txt"), &n);
	unsigned char *buf = malloc(2 * n + 8192);
	uLongf zlen;
	char err[256];
	struct lb_trace_reader *r;
	struct lb_trace_event ev;
	struct lb_trace_summary s;
	int rc;
	uint64_t k = 0, once;

	REQUIRE(text && buf);
	a = gz(text, n, buf, n + 4096);
	REQUIRE(a > 0 && spit(tmp_path("gz-zlib.gz"), buf, a) == 0);
	REQUIRE(read_all(tmp_path("gz-zlib.gz"), 0, &s, &once) == 0);
	zlen = (uLongf)(n + 4096);
	REQUIRE(a > 0 && compress2(buf + a, &zlen, text, n, 9) == Z_OK);
	b = zlen;
	REQUIRE(spit(tmp_path("gz-zlib.gz"), buf, a + b) == 0);
	r = lb_trace_open(tmp_path("gz-zlib.gz"), 0, err, sizeof err);
	REQUIRE(r);
	while ((rc = lb_trace_next(r, &ev)) > 0)
		k++;
	CHECK_EQ(rc, -1);
	CHECK(lb_trace_error(r) && strstr(lb_trace_error(r), "gzip"));
	CHECK_EQ(k, once); /* the first member's events, once */
	lb_trace_close(r);
	free(text);
	free(buf);
	tmp_cleanup(tmp_names);
}

TEST(trace_long_and_odd_input)
{
	struct lb_trace_summary s;
	uint64_t k;
	char err[256];
	size_t big = (2u << 20) + 100;
	char *buf = malloc(big + 400);
	const char *ok = "x-1 [000] 1.0: mm_page_alloc: pfn=8 order=0 gfp_flags=none\n";
	size_t len;

	REQUIRE(buf);
	/* a line of LB_TRACE_MAX_LINE between two good ones, no final
	 * newline: unknown, and the reading goes on */
	strcpy(buf, ok);
	len = strlen(ok);
	memset(buf + len, 'a', LB_TRACE_MAX_LINE);
	len += LB_TRACE_MAX_LINE;
	buf[len++] = '\n';
	memcpy(buf + len, ok, strlen(ok) - 1); /* no newline at the end */
	buf[len + 10] = '2';                     /* 1.0 -> 2.0 */
	len += strlen(ok) - 1;
	REQUIRE(spit(tmp_path("long.txt"), buf, len) == 0);
	REQUIRE(read_all(tmp_path("long.txt"), 0, &s, &k) == 0);
	CHECK_EQ(s.lines, 3);
	CHECK_EQ(s.long_lines, 0);
	CHECK_EQ(s.unknown_lines, 1);
	CHECK_EQ(s.first_unknown_line, 2);
	CHECK_EQ(s.first_unknown[0], 'a');
	CHECK_EQ(s.events[LB_TRACE_ALLOC], 2);
	CHECK_EQ(s.check.incons[LB_TRACE_INC_ALLOC_ALLOCATED], 1);
	CHECK_EQ(s.ts_last, 2000000000ull);

	/* one byte longer (here 2 MiB): not text; the reading stops there,
	 * after the events before it, with an error naming the line */
	len = strlen(ok);
	memset(buf + len, 'a', big);
	len += big;
	buf[len++] = '\n';
	memcpy(buf + len, ok, strlen(ok));
	len += strlen(ok);
	REQUIRE(spit(tmp_path("long.txt"), buf, len) == 0);
	CHECK_EQ(read_all(tmp_path("long.txt"), 0, &s, &k), -1);
	CHECK_EQ(k, 1);
	CHECK_EQ(s.lines, 2);
	CHECK_EQ(s.long_lines, 1);
	CHECK_EQ(s.unknown_lines, 1);
	CHECK_EQ(s.first_unknown_line, 2);
	CHECK_EQ(s.first_unknown[0], 'a');
	{
		struct lb_trace_reader *r = lb_trace_open(tmp_path("long.txt"), 0, err,
							  sizeof err);
		struct lb_trace_event ev;
		REQUIRE(r);
		while (lb_trace_next(r, &ev) > 0)
			;
		CHECK(lb_trace_error(r) &&
		      strcmp(lb_trace_error(r), "line 2 is longer than 64 KiB") == 0);
		lb_trace_close(r);
	}
	free(buf);

	/* an empty file */
	REQUIRE(spit(tmp_path("empty"), "", 0) == 0);
	REQUIRE(read_all(tmp_path("empty"), 0, &s, &k) == 0);
	CHECK_EQ(s.lines, 0);
	CHECK_EQ(k, 0);
	CHECK(s.pfn_min > s.pfn_max);

	/* a missing file */
	CHECK(lb_trace_open(tmp_path("no-such-file"), 0, err, sizeof err) == NULL);
	CHECK(strstr(err, "no-such-file") != NULL);
	tmp_cleanup(tmp_names);
}

TEST(trace_summary_print)
{
	struct lb_trace_summary s;
	char err[256];
	char *text = NULL;
	size_t n = 0;
	FILE *f;

	REQUIRE(lb_trace_summarize(fixture("ftrace-4.19.txt"), 0, &s, err,
				   sizeof err) == 0);
	f = open_memstream(&text, &n);
	REQUIRE(f);
	lb_trace_summary_print(&s, f);
	fclose(f);
	CHECK(strstr(text, "lines: 32 (events 18,") != NULL);
	CHECK(strstr(text, "unknown 1,") != NULL);
	CHECK(strstr(text, "free_unseen 1, double_free 1, batched_repeat 1, "
			   "alloc_allocated 1, bad_pfn 1") != NULL);
	CHECK(strstr(text, "format: ftrace") != NULL);
	CHECK(strstr(text, "cpus: 4 seen") != NULL);
	free(text);
}

/* ---- the pfn map ---------------------------------------------------------- */

TEST(trace_pfn_map)
{
	struct lb_trace_map m;
	int is_new;

	REQUIRE(lb_trace_map_init(&m, 4) == 0);
	for (uint64_t i = 0; i < 100000; i++) {
		struct lb_trace_map_slot *s = lb_trace_map_get(&m, i * 7, &is_new);
		REQUIRE(s && is_new);
		s->a = (uint32_t)i;
	}
	CHECK_EQ(m.count, 100000);
	CHECK(m.count * 2 <= m.cap);
	for (uint64_t i = 0; i < 100000; i++) {
		struct lb_trace_map_slot *s = lb_trace_map_find(&m, i * 7);
		REQUIRE(s);
		CHECK_EQ(s->a, i);
		CHECK(lb_trace_map_find(&m, i * 7 + 1) == NULL);
	}
	CHECK(lb_trace_map_get(&m, 7, &is_new) != NULL && !is_new);
	CHECK(lb_trace_map_get(&m, UINT64_MAX, &is_new) == NULL);
	/* removal keeps every other key reachable (runs shift back) */
	for (uint64_t i = 0; i < 100000; i += 3)
		CHECK_EQ(lb_trace_map_remove(&m, i * 7), 1);
	CHECK_EQ(lb_trace_map_remove(&m, 0), 0);
	CHECK_EQ(lb_trace_map_remove(&m, UINT64_MAX), 0);
	CHECK_EQ(m.count, 100000 - 33334);
	for (uint64_t i = 0; i < 100000; i++) {
		struct lb_trace_map_slot *s = lb_trace_map_find(&m, i * 7);
		if (i % 3 == 0) {
			CHECK(s == NULL);
		} else {
			REQUIRE(s);
			CHECK_EQ(s->a, i);
		}
	}
	CHECK(lb_trace_map_get(&m, 0, &is_new) != NULL && is_new);
	lb_trace_map_destroy(&m);
}
