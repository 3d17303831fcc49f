/* SPDX-License-Identifier: MIT */
/*
 * Tests of the trace reader (tools/trace), its whole files: the fixtures,
 * compressed input, long and odd lines, the summary, the pfn map (line
 * parsing and the consistency rules: test_trace.c).
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
#include "trace_files.h"

#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define P 0x40000u

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

		REQUIRE(trace_read_all(trace_fixture(fixtures[i].file), 0, &s, &n) == 0);
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
			lb_trace_open(trace_fixture(fixtures[i].file), LB_TRACE_RAW, err,
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
		lb_trace_open(trace_fixture("ftrace-6.1-instance.txt"), 0, err, sizeof err);
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
		unsigned char *text = trace_slurp(trace_fixture(fixtures[f].file), &n);
		unsigned char *buf = malloc(n + 4096);
		struct lb_trace_summary plain, s;
		uint64_t k0, k;

		REQUIRE(text && buf);
		REQUIRE(trace_read_all(trace_fixture(fixtures[f].file), 0, &plain, &k0) == 0);
		for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
			size_t m = kinds[i].fn(text, n, buf, n + 4096);
			const char *path = trace_tmp_path(kinds[i].name);

			REQUIRE(m > 0 && path);
			REQUIRE(trace_spit(path, buf, m) == 0);
			REQUIRE(trace_read_all(path, 0, &s, &k) == 0);
			CHECK_EQ(s.compression, kinds[i].comp);
			CHECK_EQ(s.bytes_in, m);
			CHECK_EQ(k, k0);
			same_counts(&s, &plain);
			check_fixture_summary(&fixtures[f], &s);
		}
		/* The name plays no part: gzip bytes in a .txt, text in a .gz */
		{
			size_t m = gz(text, n, buf, n + 4096);
			REQUIRE(trace_spit(trace_tmp_path("gzip.txt"), buf, m) == 0);
			REQUIRE(trace_read_all(trace_tmp_path("gzip.txt"), 0, &s, &k) == 0);
			CHECK_EQ(s.compression, LB_TRACE_GZIP);
			same_counts(&s, &plain);
			REQUIRE(trace_spit(trace_tmp_path("plain.gz"), text, n) == 0);
			REQUIRE(trace_read_all(trace_tmp_path("plain.gz"), 0, &s, &k) == 0);
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
	trace_tmp_cleanup(tmp_names);
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
	unsigned char *text = trace_slurp(trace_fixture("ftrace-6.1-instance.txt"), &n);
	unsigned char *buf = malloc(2 * n + 8192);

	REQUIRE(text && buf);
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		struct lb_trace_summary s;
		uint64_t k;
		size_t a = kinds[i].fn(text, n, buf, n + 4096);
		size_t b = kinds[i].fn(text, n, buf + a, n + 4096);

		REQUIRE(a > 0 && b > 0);
		REQUIRE(trace_spit(trace_tmp_path(kinds[i].multi), buf, a + b) == 0);
		REQUIRE(trace_read_all(trace_tmp_path(kinds[i].multi), 0, &s, &k) == 0);
		CHECK_EQ(s.lines, 2 * 34);
		CHECK_EQ(s.events[LB_TRACE_ALLOC], 14);
		CHECK_EQ(s.bytes_out, 2 * n);

		/* cut in the middle: the lines before the cut, then an error */
		REQUIRE(trace_spit(trace_tmp_path(kinds[i].cut), buf, a / 2) == 0);
		{
			char err[256];
			struct lb_trace_reader *r =
				lb_trace_open(trace_tmp_path(kinds[i].cut), 0, err, sizeof err);
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
	trace_tmp_cleanup(tmp_names);
}

/* A gzip member followed by a zlib stream (no gzip header): `gzip -t`
 * refuses the file, and so does the reader, after the first member's
 * lines, rather than replay the events twice. */
TEST_TSAN(trace_gzip_then_zlib_refused)
{
	size_t n, a, b;
	unsigned char *text = trace_slurp(trace_fixture("ftrace-6.1-instance.txt"), &n);
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
	REQUIRE(a > 0 && trace_spit(trace_tmp_path("gz-zlib.gz"), buf, a) == 0);
	REQUIRE(trace_read_all(trace_tmp_path("gz-zlib.gz"), 0, &s, &once) == 0);
	zlen = (uLongf)(n + 4096);
	REQUIRE(a > 0 && compress2(buf + a, &zlen, text, n, 9) == Z_OK);
	b = zlen;
	REQUIRE(trace_spit(trace_tmp_path("gz-zlib.gz"), buf, a + b) == 0);
	r = lb_trace_open(trace_tmp_path("gz-zlib.gz"), 0, err, sizeof err);
	REQUIRE(r);
	while ((rc = lb_trace_next(r, &ev)) > 0)
		k++;
	CHECK_EQ(rc, -1);
	CHECK(lb_trace_error(r) && strstr(lb_trace_error(r), "gzip"));
	CHECK_EQ(k, once); /* the first member's events, once */
	lb_trace_close(r);
	free(text);
	free(buf);
	trace_tmp_cleanup(tmp_names);
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
	REQUIRE(trace_spit(trace_tmp_path("long.txt"), buf, len) == 0);
	REQUIRE(trace_read_all(trace_tmp_path("long.txt"), 0, &s, &k) == 0);
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
	REQUIRE(trace_spit(trace_tmp_path("long.txt"), buf, len) == 0);
	CHECK_EQ(trace_read_all(trace_tmp_path("long.txt"), 0, &s, &k), -1);
	CHECK_EQ(k, 1);
	CHECK_EQ(s.lines, 2);
	CHECK_EQ(s.long_lines, 1);
	CHECK_EQ(s.unknown_lines, 1);
	CHECK_EQ(s.first_unknown_line, 2);
	CHECK_EQ(s.first_unknown[0], 'a');
	{
		struct lb_trace_reader *r = lb_trace_open(trace_tmp_path("long.txt"), 0, err,
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
	REQUIRE(trace_spit(trace_tmp_path("empty"), "", 0) == 0);
	REQUIRE(trace_read_all(trace_tmp_path("empty"), 0, &s, &k) == 0);
	CHECK_EQ(s.lines, 0);
	CHECK_EQ(k, 0);
	CHECK(s.pfn_min > s.pfn_max);

	/* a missing file */
	CHECK(lb_trace_open(trace_tmp_path("no-such-file"), 0, err, sizeof err) == NULL);
	CHECK(strstr(err, "no-such-file") != NULL);
	trace_tmp_cleanup(tmp_names);
}

TEST(trace_summary_print)
{
	struct lb_trace_summary s;
	char err[256];
	char *text = NULL;
	size_t n = 0;
	FILE *f;

	REQUIRE(lb_trace_summarize(trace_fixture("ftrace-4.19.txt"), 0, &s, err,
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
