/* SPDX-License-Identifier: MIT */
/*
 * Tests of the trace reader (tools/trace): line parsing per format
 * generation and the consistency rules. The fixtures, compressed input,
 * the summary and the pfn map: test_trace_input.c.
 */
#include "harness.h"
#include "trace_files.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	snprintf(path, sizeof path, "%s", trace_tmp_path("cpu.txt"));
	static const char text[] =
		"x-1 [001] 1.0: mm_page_alloc: pfn=8 order=0 gfp_flags=none\n"
		"x-1 [4294967296] 1.1: mm_page_alloc: pfn=9 order=0 gfp_flags=none\n";
	REQUIRE(trace_spit(path, text, sizeof text - 1) == 0);
	struct lb_trace_reader *r = lb_trace_open(path, 0, err, sizeof err);
	REQUIRE(r);
	CHECK_EQ(lb_trace_next(r, &ev), 1);
	CHECK_EQ(ev.cpu, 1);
	CHECK_EQ(lb_trace_next(r, &ev), -1);
	CHECK(lb_trace_error(r) && strcmp(lb_trace_error(r), "line 2: CPU number 4294967296 is "
				    "out of range (at most 4294967294)") == 0);
	lb_trace_close(r);
	trace_tmp_cleanup((const char *const[]){ "cpu.txt", NULL });
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
