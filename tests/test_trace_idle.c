/* SPDX-License-Identifier: MIT */
/*
 * Tests of when each trace CPU was idle: sched_switch lines in every format
 * the reader knows (tools/trace/sched.c), their path beside the page events
 * (counted apart, never through the consistency rules), and what a loaded
 * trace makes of them (tools/lbsim/run/busy.c, tracebuf.c): IDLE events and
 * busy[].
 *
 * tests/fixtures/idle-cpus.txt is written by hand, in microseconds after
 * 100 s (ts_first, its first page event, at 10):
 *
 *   CPU 0  busy at the start; a switch between two tasks (50) changes
 *          nothing; idle at 70, an allocation in the idle task at 80, busy
 *          again at 130, idle at 200 (the trace's last event)
 *   CPU 1  idle at the start (its first switch leaves pid 0): an allocation
 *          in the idle task at 20, busy at 40, idle at 160, another
 *          allocation in the idle task at 190
 *   CPU 2  switches only: busy at the start, idle at 30, busy at 90, idle at
 *          120 (a vCPU with IDLE events alone)
 *   CPU 3  no switch; its events run in the idle task: idle throughout
 *   CPU 5  no switch; its events run in a task: busy throughout
 *   CPU 7  one switch out of the idle task, at 2 (before ts_first): no kept
 *          event, no vCPU
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tools/lbsim/run/tracebuf.h"
#include "../tools/trace/trace.h"
#include "fixture.h"

#define US UINT64_C(1000)
#define T0 (UINT64_C(100000000000)) /* 100 s */

static enum lb_trace_line parse(const char *line, struct lb_trace_event *ev)
{
	uint64_t lost = 0;

	memset(ev, 0xa5, sizeof *ev); /* nothing left from before */
	return lb_trace_parse_line(line, strlen(line), ev, &lost);
}

/* A scratch directory's file NAME; the directory made on first use. */
static char scratch_dir[128];

static const char *scratch(const char *name)
{
	static char path[256];

	if (!scratch_dir[0]) {
		snprintf(scratch_dir, sizeof scratch_dir, "/tmp/lbidle-XXXXXX");
		if (!mkdtemp(scratch_dir)) {
			scratch_dir[0] = '\0';
			return "/nonexistent/lbidle";
		}
	}
	snprintf(path, sizeof path, "%s/%s", scratch_dir, name);
	return path;
}

/* NAME gone; the directory too once it is empty (a test with two files
 * calls this twice: forgetting the directory after the first would leave
 * the second file behind in /tmp). */
static void scratch_done(const char *name)
{
	unlink(scratch(name));
	if (rmdir(scratch_dir) == 0)
		scratch_dir[0] = '\0';
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* ---- one line, each format --------------------------------------------------- */

/* The sched_switch lines of each format: which way they go. */
TEST(trace_idle_parse_forms)
{
	static const struct {
		const char *line;
		int flags; /* LB_TRACE_EV_IDLE_* */
		int format, cpu, pid, flag_cols;
		uint64_t ts;
	} ok[] = {
		/* ftrace: into the idle task, out of it, task to task */
		{ "            bash-2876    [001] d..2.  5120.100100: sched_switch: prev_comm=bash "
		  "prev_pid=2876 prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 "
		  "next_prio=120", LB_TRACE_EV_IDLE_NEXT, LB_TRACE_FMT_FTRACE, 1, 2876, 5,
		  UINT64_C(5120100100000) },
		{ "          <idle>-0       [000] d..2.  1.000002: sched_switch: prev_comm=swapper/0 "
		  "prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=kworker/0:1 next_pid=12 "
		  "next_prio=120", LB_TRACE_EV_IDLE_PREV, LB_TRACE_FMT_FTRACE, 0, 0, 5,
		  UINT64_C(1000002000) },
		{ "  bash-2876  ( 2876) [003] d..2  7.5: sched_switch: prev_comm=bash prev_pid=2876 "
		  "prev_prio=120 prev_state=R+ ==> next_comm=cc1 next_pid=2877 next_prio=120", 0,
		  LB_TRACE_FMT_FTRACE, 3, 2876, 4, UINT64_C(7500000000) },
		/* names with spaces, colons and '=' */
		{ "  Web Content-4321 [002] d..2. 9.0: sched_switch: prev_comm=Web Content "
		  "prev_pid=4321 prev_prio=120 prev_state=S ==> next_comm=a=b c:1 next_pid=0 "
		  "next_prio=120", LB_TRACE_EV_IDLE_NEXT, LB_TRACE_FMT_FTRACE, 2, 4321, 5,
		  UINT64_C(9000000000) },
		/* 2.6.3x */
		{ "            bash-2876  [001]   512.100100: sched_switch: task bash:2876 [120] (S) "
		  "==> swapper:0 [140]", LB_TRACE_EV_IDLE_NEXT, LB_TRACE_FMT_FTRACE, 1, 2876, 0,
		  UINT64_C(512100100000) },
		/* trace-cmd report: libtraceevent's plugin form, and key=value */
		{ "            bash-2876  [001]  5120.100100: sched_switch:         bash:2876 [120] "
		  "S ==> swapper/1:0 [120]", LB_TRACE_EV_IDLE_NEXT, LB_TRACE_FMT_TRACE_CMD, 1, 2876,
		  -1, UINT64_C(5120100100000) },
		{ "          <idle>-0     [000]  5120.100200: sched_switch:         swapper/0:0 [120] "
		  "R ==> kworker/0:1:25 [120]", LB_TRACE_EV_IDLE_PREV, LB_TRACE_FMT_TRACE_CMD, 0, 0,
		  -1, UINT64_C(5120100200000) },
		{ "lazybuddy:            cc1-77  [001]  5.000001: sched_switch:         cc1:77 [120] "
		  "R+ ==> as:78 [120]", 0, LB_TRACE_FMT_TRACE_CMD, 1, 77, -1, UINT64_C(5000001000) },
		{ "            bash-2876  [001]  6.0: sched_switch:         prev_comm=bash prev_pid=2876 "
		  "prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120",
		  LB_TRACE_EV_IDLE_NEXT, LB_TRACE_FMT_TRACE_CMD, 1, 2876, -1, UINT64_C(6000000000) },
		/* perf script: key=value (perf 6.1, as recorded here) and the
		 * plugin form (older perf) */
		{ "            perf 11518 [000]   775.617655: sched:sched_switch: prev_comm=perf "
		  "prev_pid=11518 prev_prio=120 prev_state=D ==> next_comm=migration/0 next_pid=18 "
		  "next_prio=0", 0, LB_TRACE_FMT_PERF, 0, 11518, 0, UINT64_C(775617655000) },
		{ "         swapper     0 [000]   775.617773: sched:sched_switch: prev_comm=swapper/0 "
		  "prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=perf-exec next_pid=11528 "
		  "next_prio=120", LB_TRACE_EV_IDLE_PREV, LB_TRACE_FMT_PERF, 0, 0, 0,
		  UINT64_C(775617773000) },
		{ "            bash  2876 [001]  5120.100100:         sched:sched_switch: bash:2876 "
		  "[120] S ==> swapper/1:0 [120]", LB_TRACE_EV_IDLE_NEXT, LB_TRACE_FMT_PERF, 1, 2876,
		  0, UINT64_C(5120100100000) },
		{ "            bash  2876 [001]  5120.100100: 1 sched:sched_switch: swapper/1:0 [120] "
		  "R ==> bash:2876 [120]", LB_TRACE_EV_IDLE_PREV, LB_TRACE_FMT_PERF, 1, 2876, 0,
		  UINT64_C(5120100100000) },
	};
	struct lb_trace_event ev;

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		CHECK_EQ(parse(ok[i].line, &ev), LB_TRACE_LINE_SCHED);
		CHECK_EQ(ev.kind, LB_TRACE_SCHED_SWITCH);
		CHECK_EQ(ev.flags, ok[i].flags);
		CHECK_EQ(ev.format, ok[i].format);
		CHECK_EQ(ev.cpu, ok[i].cpu);
		CHECK_EQ(ev.pid, ok[i].pid);
		CHECK_EQ(ev.ts_ns, ok[i].ts);
		if (ok[i].flag_cols >= 0)
			CHECK_EQ(ev.flag_cols, ok[i].flag_cols);
		/* the page fields say nothing */
		CHECK_EQ(ev.pfn, 0);
		CHECK_EQ(ev.order, 0);
		CHECK_EQ(ev.id, 0);
		CHECK_EQ(ev.failed, 0);
		CHECK_EQ(ev.gfp_form, LB_TRACE_GFP_ABSENT);
		if (lbt_failed()) {
			printf("    line %zu: %s\n", i, ok[i].line);
			return;
		}
	}
	CHECK(strcmp(lb_trace_kind_name(LB_TRACE_SCHED_SWITCH), "sched_switch") == 0);
}

/* Malformed sched_switch fields: unknown. Other events, and sched_switch
 * under another system: other events, as before. */
TEST(trace_idle_parse_malformed)
{
	static const char *const unknown[] = {
		"x-1 [000] 1.0: sched_switch: a=b",
		"x-1 [000] 1.0: sched_switch: prev_comm=x",
		"x-1 [000] 1.0: sched_switch: prev_comm=x prev_pid=1 prev_prio=120",
		"x-1 [000] 1.0: sched_switch: prev_comm=x prev_pid=1 ==> next_comm=y",
		"x-1 [000] 1.0: sched_switch: prev_comm=x prev_pid=1x ==> next_comm=y next_pid=0",
		"x-1 [000] 1.0: sched_switch: prev_comm=x prev_pid= ==> next_comm=y next_pid=0",
		"x-1 [000] 1.0: sched_switch: prev_comm=x prev_pid=1 ==> next_comm=y next_pid=-1",
		"x-1 [000] 1.0: sched_switch: prev_comm=x prev_pid=1234567890 ==> next_pid=0",
		"x-1 [000] 1.0: sched_switch: bash:12a [120] S ==> swapper/1:0 [120]",
		"x-1 [000] 1.0: sched_switch: bash [120] S ==> swapper/1:0 [120]",
		"x-1 [000] 1.0: sched_switch: bash:12 [120] S ==> swapper/1 [120]",
		"x-1 [000] 1.0: sched_switch: :12 [120] S ==> swapper/1:0 [120]",
		"x-1 [000] 1.0: sched_switch: bash:12 [120] S => swapper/1:0 [120]",
		"x-1 [000] 1.0: sched_switch: ",
		"x 1 [000] 1.0: sched:sched_switch: bash:12 S ==> swapper/1:",
	};
	static const char *const other[] = {
		"x-1 [000] 1.0: sched_wakeup: comm=x pid=1 prio=120 target_cpu=000",
		"x-1 [000] 1.0: sched_switch_x: prev_pid=1 ==> next_pid=0",
		"x 1 [000] 1.0: kmem:sched_switch: bash:12 [120] S ==> swapper/1:0 [120]",
		"x 1 [000] 1.0: sched:sched_wakeup: comm=x pid=1",
	};
	struct lb_trace_event ev;
	const char *at;
	const char *big = "x-1 [99999999999] 1.0: sched_switch: a:1 [120] S ==> b:0 [120]";

	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
		CHECK_EQ(parse(unknown[i], &ev), LB_TRACE_LINE_UNKNOWN);
		if (lbt_failed()) {
			printf("    %s\n", unknown[i]);
			return;
		}
	}
	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
		CHECK_EQ(parse(other[i], &ev), LB_TRACE_LINE_OTHER);
		if (lbt_failed()) {
			printf("    %s\n", other[i]);
			return;
		}
	}
	/* A CPU number out of range is flagged, and quoted, as on a page line. */
	CHECK_EQ(parse(big, &ev), LB_TRACE_LINE_SCHED);
	CHECK(ev.flags & LB_TRACE_EV_CPU_RANGE);
	CHECK_EQ(lb_trace_cpu_text(big, strlen(big), &at), 11);
	CHECK(strncmp(at, "99999999999]", 12) == 0);
}

/* ---- the reader --------------------------------------------------------------- */

static const char mixed[] =
	"# tracer: nop\n"
	"  a-1 [000] ..... 1.000001: mm_page_alloc: pfn=0x1000 order=0 migratetype=0 "
	"gfp_flags=GFP_KERNEL\n"
	"  a-1 [000] d..2. 1.000002: sched_switch: prev_comm=a prev_pid=1 prev_prio=120 "
	"prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120\n"
	"  a-1 [001] ..... 1.000003: mm_page_free: pfn=0x2000 order=0\n" /* free_unseen */
	"  <idle>-0 [000] d..2. 1.000004: sched_switch: prev_comm=swapper/0 prev_pid=0 "
	"prev_prio=120 prev_state=R ==> next_comm=a next_pid=1 next_prio=120\n"
	"  a-1 [000] ..... 1.000005: mm_page_free: pfn=0x1000 order=0\n"
	"  a-1 [000] d..2. 1.000006: sched_switch: prev_comm=a prev_pid=1 ==> next_pid=\n"
	"  a-1 [000] d..2. 1.000007: sched_wakeup: comm=b pid=2\n"
	"  b-2 [001] d..2. 0.500000: sched_switch: prev_comm=b prev_pid=2 prev_prio=120 "
	"prev_state=S ==> next_comm=c next_pid=3 next_prio=120\n";

/* The same without its sched_switch lines (the malformed one stays). */
static const char page_only[] =
	"# tracer: nop\n"
	"  a-1 [000] ..... 1.000001: mm_page_alloc: pfn=0x1000 order=0 migratetype=0 "
	"gfp_flags=GFP_KERNEL\n"
	"  a-1 [001] ..... 1.000003: mm_page_free: pfn=0x2000 order=0\n"
	"  a-1 [000] ..... 1.000005: mm_page_free: pfn=0x1000 order=0\n"
	"  a-1 [000] d..2. 1.000006: sched_switch: prev_comm=a prev_pid=1 ==> next_pid=\n"
	"  a-1 [000] d..2. 1.000007: sched_wakeup: comm=b pid=2\n";

/* With LB_TRACE_SCHED, sched_switch events come in file order among the
 * checked page events, with their line numbers; without it, only counted.
 * The page events and every page count are the same either way, and the
 * same as those of the text without sched_switch lines. */
TEST(trace_idle_reader_path)
{
	static const struct {
		int kind;
		uint64_t line, id;
		int flags;
	} want[] = {
		{ LB_TRACE_ALLOC, 2, 1, 0 },
		{ LB_TRACE_SCHED_SWITCH, 3, 0, LB_TRACE_EV_IDLE_NEXT },
		{ LB_TRACE_SCHED_SWITCH, 5, 0, LB_TRACE_EV_IDLE_PREV },
		{ LB_TRACE_FREE, 6, 1, 0 },
		{ LB_TRACE_SCHED_SWITCH, 9, 0, 0 },
	};
	struct lb_trace_summary with, without, plain;
	struct lb_trace_event ev;
	struct lb_trace_reader *r;
	char err[256];
	size_t i = 0;

	REQUIRE(write_text(scratch("mixed.txt"), mixed) == 0);
	r = lb_trace_open(scratch("mixed.txt"), LB_TRACE_SCHED, err, sizeof err);
	REQUIRE(r);
	while (lb_trace_next(r, &ev) > 0) {
		REQUIRE(i < sizeof want / sizeof want[0]);
		CHECK_EQ(ev.kind, want[i].kind);
		CHECK_EQ(ev.line, want[i].line);
		CHECK_EQ(ev.id, want[i].id);
		CHECK_EQ(ev.flags & (LB_TRACE_EV_IDLE_PREV | LB_TRACE_EV_IDLE_NEXT),
			 want[i].flags);
		i++;
	}
	CHECK_EQ(i, sizeof want / sizeof want[0]);
	with = *lb_trace_get_summary(r);
	lb_trace_close(r);

	/* Without the flag: the page events alone (the raw reader too). */
	REQUIRE(lb_trace_summarize(scratch("mixed.txt"), 0, &without, err, sizeof err) == 0);
	r = lb_trace_open(scratch("mixed.txt"), LB_TRACE_RAW, err, sizeof err);
	REQUIRE(r);
	i = 0;
	while (lb_trace_next(r, &ev) > 0) {
		CHECK(ev.kind != LB_TRACE_SCHED_SWITCH);
		i++;
	}
	CHECK_EQ(i, 3);
	CHECK_EQ(lb_trace_get_summary(r)->sched_lines, 3);
	lb_trace_close(r);

	REQUIRE(write_text(scratch("plain.txt"), page_only) == 0);
	REQUIRE(lb_trace_summarize(scratch("plain.txt"), 0, &plain, err, sizeof err) == 0);
	scratch_done("plain.txt");
	scratch_done("mixed.txt");

	CHECK_EQ(with.lines, 9);
	CHECK_EQ(with.sched_lines, 3);
	CHECK_EQ(with.other_lines, 1);   /* sched_wakeup */
	CHECK_EQ(with.unknown_lines, 1); /* the malformed sched_switch */
	CHECK_EQ(with.first_unknown_line, 7);
	CHECK_EQ(without.sched_lines, 3);
	CHECK_EQ(plain.sched_lines, 0);
	CHECK_EQ(plain.lines, 6);
	/* Every page count as without sched_switch lines. */
	for (int k = 0; k < LB_TRACE_NKINDS; k++) {
		CHECK_EQ(with.events[k], plain.events[k]);
		CHECK_EQ(with.check.delivered[k], plain.check.delivered[k]);
	}
	for (int k = 0; k < LB_TRACE_NINCONS; k++)
		CHECK_EQ(with.check.incons[k], plain.check.incons[k]);
	CHECK_EQ(with.check.incons[LB_TRACE_INC_FREE_UNSEEN], 1);
	CHECK_EQ(with.check.dropped, plain.check.dropped);
	CHECK_EQ(with.ts_first, plain.ts_first); /* page events' times only */
	CHECK_EQ(with.ts_last, plain.ts_last);
	CHECK_EQ(with.ts_backwards, 0);          /* the switch at 0.5 s is not counted */
	CHECK_EQ(with.cpus_seen, plain.cpus_seen);
	CHECK_EQ(with.other_lines, plain.other_lines);
	CHECK_EQ(with.unknown_lines, plain.unknown_lines);
	CHECK_EQ(memcmp(&with.check, &without.check, sizeof with.check), 0);
}

/* The summary counts them apart, and says so only when there are some. */
TEST(trace_idle_summary_count)
{
	struct lb_trace_summary s;
	char err[256], *text = NULL;
	size_t n = 0;
	FILE *f;

	REQUIRE(lb_trace_summarize(fx_fixture("idle-cpus.txt"), 0, &s, err, sizeof err) == 0);
	CHECK_EQ(s.sched_lines, 10);
	CHECK_EQ(s.other_lines, 0);
	CHECK_EQ(s.unknown_lines, 0);
	CHECK_EQ(s.lines, 12 + 10 + 10); /* comments, switches, page events */
	f = open_memstream(&text, &n);
	REQUIRE(f);
	lb_trace_summary_print(&s, f);
	fclose(f);
	CHECK(strstr(text, "lines: 32 (events 10, sched_switch 10, comments 12, other events 0,")
	      != NULL);
	free(text);

	text = NULL;
	REQUIRE(lb_trace_summarize(fx_fixture("replay-atomic.txt"), 0, &s, err, sizeof err) == 0);
	CHECK_EQ(s.sched_lines, 0);
	f = open_memstream(&text, &n);
	REQUIRE(f);
	lb_trace_summary_print(&s, f);
	fclose(f);
	CHECK(strstr(text, "sched_switch") == NULL);
	free(text);
}

/* ---- the loaded trace ---------------------------------------------------------- */

/* busy[] on the hand-written fixture (see the top). */
TEST(trace_idle_busy_fixture)
{
	static const struct {
		unsigned t, vcpu;
		int kind;
		uint32_t id;
		unsigned busy;
	} want[] = {
		{ 10, 0, LBS_EV_ALLOC, 1, 0 },   /* CPU 0, at ts_first */
		{ 20, 1, LBS_EV_ALLOC, 2, 0 },   /* CPU 1, in the idle task */
		{ 30, 2, LBS_EV_IDLE, 0, 20 },   /* CPU 2, busy since ts_first */
		{ 60, 1, LBS_EV_FREE, 2, 20 },   /* CPU 1, busy since 40 */
		{ 70, 0, LBS_EV_IDLE, 0, 60 },   /* CPU 0: the task switch at 50 is no break */
		{ 80, 0, LBS_EV_ALLOC, 3, 0 },   /* an interrupt in the idle task */
		{ 100, 3, LBS_EV_ALLOC, 4, 0 },  /* CPU 3: idle throughout */
		{ 110, 4, LBS_EV_ALLOC, 5, 100 },/* CPU 5: busy throughout */
		{ 120, 2, LBS_EV_IDLE, 0, 30 },  /* busy since 90 */
		{ 150, 0, LBS_EV_FREE, 1, 20 },  /* busy since 130 */
		{ 160, 1, LBS_EV_IDLE, 0, 100 }, /* busy since its free at 60 */
		{ 170, 4, LBS_EV_FREE, 5, 60 },
		{ 180, 3, LBS_EV_FREE, 4, 0 },
		{ 190, 1, LBS_EV_ALLOC, 6, 0 },
		{ 200, 0, LBS_EV_IDLE, 0, 50 },
	};
	uint64_t sum[5] = {0};
	struct lbs_tracebuf tb;
	char err[256];

	REQUIRE(lbs_tracebuf_load(&tb, fx_fixture("idle-cpus.txt"), err, sizeof err) == 0);
	CHECK_EQ(tb.have_idle, 1);
	CHECK_EQ(tb.sched_events, 10);
	CHECK_EQ(tb.nvcpus, 5); /* CPUs 0, 1, 2, 3, 5; not 7 */
	CHECK_EQ(tb.max_id, 6);
	CHECK_EQ(tb.peak_live_bytes, 4 * 4096);
	CHECK_EQ(tb.ts_first, T0 + 10 * US);
	CHECK_EQ(tb.ts_last, T0 + 200 * US); /* an IDLE event */
	CHECK_EQ(lbs_tracebuf_events(&tb), 10);
	REQUIRE(tb.busy != NULL);
	REQUIRE(tb.n == sizeof want / sizeof want[0]);
	for (size_t i = 0; i < tb.n; i++) {
		CHECK_EQ(tb.ev[i].ts, T0 + want[i].t * US);
		CHECK_EQ(tb.ev[i].vcpu, want[i].vcpu);
		CHECK_EQ(tb.ev[i].kind, want[i].kind);
		CHECK_EQ(tb.ev[i].id, want[i].id);
		CHECK_EQ(tb.busy[i], want[i].busy * US);
		if (tb.ev[i].kind == LBS_EV_IDLE)
			CHECK(tb.ev[i].order == 0 && tb.ev[i].flags == 0);
		sum[tb.ev[i].vcpu] += tb.busy[i];
		if (lbt_failed()) {
			printf("    event %zu\n", i);
			break;
		}
	}
	/* Per CPU, the busy time in [ts_first, its last event]. */
	CHECK_EQ(sum[0], (60 + 70) * US);
	CHECK_EQ(sum[1], 120 * US);
	CHECK_EQ(sum[2], (20 + 30) * US);
	CHECK_EQ(sum[3], 0);
	CHECK_EQ(sum[4], 160 * US);
	lbs_tracebuf_free(&tb);
	CHECK(tb.busy == NULL && tb.ev == NULL);
}

/* Keep lines of text that do not hold drop (all of them: NULL). */
static char *filter(const char *text, const char *drop)
{
	char *out = malloc(strlen(text) + 1), *o = out;

	if (!out)
		return NULL;
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) + 1 : strlen(text);

		if (!drop || !memmem(text, n, drop, strlen(drop))) {
			memcpy(o, text, n);
			o += n;
		}
		text += n;
	}
	*o = '\0';
	return out;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = f ? malloc(1 << 16) : NULL;
	size_t n = 0;

	if (buf)
		n = fread(buf, 1, (1 << 16) - 1, f);
	if (f)
		fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

/* The page events of a trace load the same with its sched_switch lines as
 * without; without them, nothing of the idle model is made. */
TEST(trace_idle_same_page_events)
{
	struct lbs_tracebuf with, without;
	char err[256], *text = slurp(fx_fixture("idle-cpus.txt")), *page;
	int map[5] = {-1, -1, -1, -1, -1};
	size_t j = 0;

	REQUIRE(text);
	page = filter(text, "sched_switch:");
	free(text);
	REQUIRE(page);
	REQUIRE(write_text(scratch("page.txt"), page) == 0);
	free(page);
	REQUIRE(lbs_tracebuf_load(&without, scratch("page.txt"), err, sizeof err) == 0);
	scratch_done("page.txt");
	REQUIRE(lbs_tracebuf_load(&with, fx_fixture("idle-cpus.txt"), err, sizeof err) == 0);

	CHECK_EQ(without.have_idle, 0);
	CHECK(without.busy == NULL);
	CHECK_EQ(without.sched_events, 0);
	CHECK_EQ(without.nvcpus, 4); /* CPU 2 had switches only */
	CHECK_EQ(with.max_id, without.max_id);
	CHECK_EQ(with.peak_live_bytes, without.peak_live_bytes);
	CHECK_EQ(with.too_large, without.too_large);
	CHECK_EQ(lbs_tracebuf_events(&with), lbs_tracebuf_events(&without));
	CHECK_EQ(lbs_tracebuf_incons(&with), lbs_tracebuf_incons(&without));
	CHECK_EQ(lbs_tracebuf_footprint(&with), lbs_tracebuf_footprint(&without));
	CHECK_EQ(with.ts_first, without.ts_first);
	CHECK_EQ(without.ts_last, T0 + 190 * US);
	/* Event by event, IDLE ones left out; the vCPUs are the same CPUs, in
	 * the same order (numbered around CPU 2, which has none here). */
	for (size_t i = 0; i < with.n; i++) {
		const struct lbs_tev *a = &with.ev[i], *b;

		if (a->kind == LBS_EV_IDLE)
			continue;
		REQUIRE(j < without.n);
		b = &without.ev[j++];
		CHECK(a->ts == b->ts && a->id == b->id && a->kind == b->kind &&
		      a->order == b->order && a->flags == b->flags);
		if (map[b->vcpu] < 0)
			map[b->vcpu] = a->vcpu;
		CHECK_EQ(map[b->vcpu], a->vcpu);
	}
	CHECK_EQ(j, without.n);
	CHECK(map[0] == 0 && map[1] == 1 && map[2] == 3 && map[3] == 4);
	CHECK_EQ(with.n - without.n, 5); /* the IDLE events */
	lbs_tracebuf_free(&with);
	lbs_tracebuf_free(&without);
}

/* Edge cases: IDLE events set ts_first; switches alone are no trace; a trace
 * whose only replayable events would be IDLE ones is refused. */
TEST(trace_idle_edges)
{
	struct lbs_tracebuf tb;
	char err[256], msg[512];

	REQUIRE(write_text(scratch("first.txt"),
			   "  a-1 [001] d..2. 1.000001: sched_switch: a:1 [120] S ==> swapper/1:0 "
			   "[120]\n"
			   "  a-1 [000] ..... 1.000003: mm_page_alloc: pfn=0x1000 order=0 "
			   "migratetype=0 gfp_flags=GFP_KERNEL\n"
			   "  a-1 [000] ..... 1.000007: mm_page_free: pfn=0x1000 order=0\n") == 0);
	REQUIRE(lbs_tracebuf_load(&tb, scratch("first.txt"), err, sizeof err) == 0);
	CHECK_EQ(tb.ts_first, UINT64_C(1000001000));
	CHECK_EQ(tb.nvcpus, 2);
	REQUIRE(tb.n == 3 && tb.busy);
	CHECK_EQ(tb.ev[0].kind, LBS_EV_IDLE);
	CHECK_EQ(tb.ev[0].vcpu, 1);
	CHECK_EQ(tb.busy[0], 0);    /* busy from ts_first, which it is */
	CHECK_EQ(tb.busy[1], 2000); /* CPU 0: no switch, a task: busy */
	CHECK_EQ(tb.busy[2], 4000);
	CHECK_EQ(lbs_tracebuf_check(&tb, "first.txt", 0, msg, sizeof msg), 0);
	lbs_tracebuf_free(&tb);

	/* A failed allocation and a switch into the idle task: one IDLE event,
	 * no page event to replay. */
	REQUIRE(write_text(scratch("first.txt"),
			   "  a-1 [000] ..... 1.000003: mm_page_alloc: pfn=0 order=0 "
			   "migratetype=0 gfp_flags=GFP_KERNEL\n"
			   "  a-1 [000] d..2. 1.000004: sched_switch: a:1 [120] S ==> swapper/0:0 "
			   "[120]\n") == 0);
	REQUIRE(lbs_tracebuf_load(&tb, scratch("first.txt"), err, sizeof err) == 0);
	CHECK_EQ(tb.n, 1);
	CHECK_EQ(lbs_tracebuf_check(&tb, "first.txt", 1, msg, sizeof msg), -1);
	CHECK(strstr(msg, "none of its 1 page-allocator events can be replayed") != NULL);
	lbs_tracebuf_free(&tb);

	/* sched_switch alone */
	REQUIRE(write_text(scratch("first.txt"),
			   "  a-1 [000] d..2. 1.000004: sched_switch: a:1 [120] S ==> swapper/0:0 "
			   "[120]\n") == 0);
	REQUIRE(lbs_tracebuf_load(&tb, scratch("first.txt"), err, sizeof err) == 0);
	CHECK_EQ(tb.n, 1);
	CHECK_EQ(lbs_tracebuf_check(&tb, "first.txt", 1, msg, sizeof msg), -1);
	CHECK(strstr(msg, "no page-allocator event in 1 line (1 sched_switch, 0 of other "
			  "events, 0 comments)") != NULL);
	lbs_tracebuf_free(&tb);
	scratch_done("first.txt");
}

/* A switch the trace lacks (a lost event; on some machines the switches out
 * of a task the kernel does not trace): the next switch says what the CPU
 * ran before it, and the CPU is taken to have done so since its last sign
 * of life. */
TEST(trace_idle_missed_switch)
{
	static const struct {
		unsigned t, vcpu;
		int kind;
		unsigned busy;
	} want[] = {
		{ 1, 0, LBS_EV_ALLOC, 0 },
		{ 2, 0, LBS_EV_IDLE, 1 },
		{ 3, 1, LBS_EV_IDLE, 2 },
		{ 5, 0, LBS_EV_ALLOC, 1 },  /* in tokio, busy since 4 */
		{ 20, 1, LBS_EV_ALLOC, 0 }, /* in the idle task */
		{ 30, 1, LBS_EV_IDLE, 10 }, /* c ran since 20, its switch in unseen */
		{ 60, 0, LBS_EV_FREE, 10 }, /* idle from 5 (tokio's switch out unseen) to 50 */
		{ 70, 0, LBS_EV_IDLE, 10 },
	};
	static const char text[] =
		"  a-1 [000] ..... 1.000001: mm_page_alloc: pfn=0x1000 order=0 migratetype=0 "
		"gfp_flags=GFP_KERNEL\n"
		"  a-1 [000] d..2. 1.000002: sched_switch: a:1 [120] S ==> swapper/0:0 [120]\n"
		"  b-2 [001] d..2. 1.000003: sched_switch: b:2 [120] S ==> swapper/1:0 [120]\n"
		"  <idle>-0 [000] d..2. 1.000004: sched_switch: swapper/0:0 [120] R ==> "
		"tokio:92 [110]\n"
		"  tokio-92 [000] ..... 1.000005: mm_page_alloc: pfn=0x2000 order=0 "
		"migratetype=0 gfp_flags=GFP_KERNEL\n"
		"  <idle>-0 [001] ..s1. 1.000020: mm_page_alloc: pfn=0x3000 order=0 "
		"migratetype=0 gfp_flags=GFP_ATOMIC\n"
		"  c-3 [001] d..2. 1.000030: sched_switch: c:3 [120] S ==> swapper/1:0 [120]\n"
		"  <idle>-0 [000] d..2. 1.000050: sched_switch: swapper/0:0 [120] R ==> "
		"sleep:7 [120]\n"
		"  sleep-7 [000] ..... 1.000060: mm_page_free: pfn=0x1000 order=0\n"
		"  sleep-7 [000] d..2. 1.000070: sched_switch: sleep:7 [120] Z ==> swapper/0:0 "
		"[120]\n";
	struct lbs_tracebuf tb;
	char err[256];

	REQUIRE(write_text(scratch("missed.txt"), text) == 0);
	REQUIRE(lbs_tracebuf_load(&tb, scratch("missed.txt"), err, sizeof err) == 0);
	scratch_done("missed.txt");
	CHECK_EQ(tb.sched_events, 6);
	REQUIRE(tb.busy);
	REQUIRE(tb.n == sizeof want / sizeof want[0]);
	for (size_t i = 0; i < tb.n; i++) {
		CHECK_EQ(tb.ev[i].ts, UINT64_C(1000000000) + want[i].t * US);
		CHECK_EQ(tb.ev[i].vcpu, want[i].vcpu);
		CHECK_EQ(tb.ev[i].kind, want[i].kind);
		CHECK_EQ(tb.busy[i], want[i].busy * US);
		if (lbt_failed()) {
			printf("    event %zu\n", i);
			break;
		}
	}
	lbs_tracebuf_free(&tb);
}

/* Real recordings of `sleep 0.3` on a 2-vCPU machine (tests/fixtures/
 * README.md): every line understood, one IDLE event per switch from a task
 * into the idle task, and each CPU busy for a few ms of the 0.3 s. The
 * busy totals are what busy.c made of them when they were recorded. */
TEST(trace_idle_recorded)
{
	static const struct {
		const char *file;
		uint64_t events, sched, into_idle, kept;
		int format;
		uint64_t busy[2];
	} rec[] = {
		{ "recorded-tracefs-sleep.txt.zst", 231, 39, 19, 72, LB_TRACE_FMT_FTRACE,
		  { 2098 * US, 256 * US } },
		{ "recorded-perf-sleep.txt.zst", 242, 53, 20, 113, LB_TRACE_FMT_PERF,
		  { 3099 * US, 249 * US } },
	};

	for (size_t r = 0; r < sizeof rec / sizeof rec[0]; r++) {
		struct lbs_tracebuf tb;
		uint64_t sum[2] = {0}, last[2] = {0};
		size_t idle = 0;
		char err[256], msg[512];

		REQUIRE(lbs_tracebuf_load(&tb, fx_fixture(rec[r].file), err, sizeof err) == 0);
		CHECK_EQ(lbs_tracebuf_check(&tb, rec[r].file, 0, msg, sizeof msg), 0);
		CHECK_EQ(tb.sum.unknown_lines, 0);
		CHECK_EQ(tb.sum.other_lines, 0);
		CHECK_EQ(tb.sum.format_lines[rec[r].format], rec[r].events);
		CHECK_EQ(lbs_tracebuf_events(&tb), rec[r].events);
		CHECK_EQ(tb.sched_events, rec[r].sched);
		CHECK_EQ(tb.have_idle, 1);
		CHECK_EQ(tb.n, rec[r].kept);
		REQUIRE(tb.busy && tb.nvcpus == 2);
		for (size_t i = 0; i < tb.n; i++) {
			unsigned v = tb.ev[i].vcpu;

			idle += tb.ev[i].kind == LBS_EV_IDLE;
			CHECK(tb.busy[i] <= tb.ev[i].ts - tb.ts_first);
			sum[v] += tb.busy[i];
			last[v] = tb.ev[i].ts;
		}
		CHECK_EQ(idle, rec[r].into_idle);
		for (unsigned v = 0; v < 2; v++) {
			CHECK(sum[v] > 0 && sum[v] <= last[v] - tb.ts_first);
			CHECK_EQ(sum[v], rec[r].busy[v]);
		}
		lbs_tracebuf_free(&tb);
		if (lbt_failed()) {
			printf("    in %s\n", rec[r].file);
			return;
		}
	}
}
