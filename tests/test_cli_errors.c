/* SPDX-License-Identifier: MIT */
/*
 * Bad input to lbsim and lbbench: each is refused in one line that says
 * what was wrong (tools never print a plausible table of nothing). The
 * trace checks (lbs_tracebuf_check, lbs_tracebuf_warn), the command lines
 * (lbs_cli_parse, lbb_cli_parse), the output checks (preflight.h).
 * tests/bad_input.sh runs the programs themselves.
 */
#include "fixture.h"
#include "harness.h"
#include "test_model.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tools/lbbench/cli.h"
#include "../tools/lbsim/cli/clash.h"
#include "../tools/lbsim/model/cost.h"
#include "../tools/lbsim/output/output.h"
#include "../tools/lbsim/cli/preflight.h"
#include "../tools/lbsim/run/sim.h"
#include "../tools/lbsim/run/tracebuf.h"

/* ------------------------------------------------------------- helpers */

static char tmpdir[256];

static const char *tmp(const char *name)
{
	static char path[512];

	if (!tmpdir[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(tmpdir, sizeof tmpdir, "%s/lbcli-XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(tmpdir)) {
			tmpdir[0] = '\0';
			return "/nonexistent/lbcli";
		}
	}
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	return path;
}

/* The temporary directory, empty by now, removed. */
static void tmp_done(void)
{
	if (tmpdir[0])
		rmdir(tmpdir);
	tmpdir[0] = '\0';
}

static int spit(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	if (n && fwrite(data, 1, n, f) != n) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* One line: ends in the only newline. */
static int one_line(const char *s)
{
	const char *nl = strchr(s, '\n');
	return nl && nl[1] == '\0';
}

/* Load path and check it as lbsim does; the message, or "" when accepted. */
static int check_trace(const char *path, int allow_unknown, char *msg, size_t len)
{
	struct lbs_tracebuf tb;
	int rc;

	msg[0] = '\0';
	if (lbs_tracebuf_load(&tb, path, msg, len) != 0)
		return -2;
	rc = lbs_tracebuf_check(&tb, "shown.txt", allow_unknown, msg, len);
	lbs_tracebuf_free(&tb);
	return rc;
}

static const char *const alloc_line =
	"  x-1 [000] .... 100.%06u: mm_page_alloc: pfn=%u order=0 migratetype=0 "
	"gfp_flags=GFP_KERNEL\n";

/* ------------------------------------------------------------- traces */

TEST(cli_errors_trace_empty)
{
	char msg[1024];

	REQUIRE(spit(tmp("empty.txt"), "", 0) == 0);
	CHECK_EQ(check_trace(tmp("empty.txt"), 0, msg, sizeof msg), -1);
	CHECK(strcmp(msg, "shown.txt is empty; expected ftrace, trace-cmd or perf script text "
			  "with kmem:mm_page_alloc and mm_page_free events") == 0);
	/* --allow-unknown does not make nothing a trace */
	CHECK_EQ(check_trace(tmp("empty.txt"), 1, msg, sizeof msg), -1);
	unlink(tmp("empty.txt"));
	tmp_done();
}

/* Binary data: refused, the first line quoted with its bytes escaped. */
TEST(cli_errors_trace_binary)
{
	unsigned char bin[600];
	char msg[1024];
	uint64_t x = 88172645463325252u;

	for (size_t i = 0; i < sizeof bin; i++) { /* xorshift: no newline before 200 */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		bin[i] = (unsigned char)x;
		if (bin[i] == '\n' && i < 200)
			bin[i] = 0;
	}
	bin[0] = 'A';
	bin[1] = 0x00;
	bin[2] = 0xff;
	bin[3] = '"';
	REQUIRE(spit(tmp("garbage.bin"), bin, sizeof bin) == 0);
	CHECK_EQ(check_trace(tmp("garbage.bin"), 0, msg, sizeof msg), -1);
	CHECK(strncmp(msg, "shown.txt: not a page-allocator trace: ", 39) == 0);
	CHECK(strstr(msg, "on line 1: \"A\\x00\\xff\\\"") != NULL);
	CHECK(strstr(msg, "...\"") != NULL); /* cut, and said so */
	CHECK(strstr(msg, "expected ftrace, trace-cmd or perf script text") != NULL);
	for (const char *p = msg; *p; p++) /* printable, one line */
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) {
			lbt_fail(__FILE__, __LINE__, "a byte of the quote not escaped");
			break;
		}
	CHECK_EQ(check_trace(tmp("garbage.bin"), 1, msg, sizeof msg), -1);
	unlink(tmp("garbage.bin"));
	tmp_done();
}

/* Text of another kind: "N of N lines unknown", the first quoted. */
TEST(cli_errors_trace_random_text)
{
	char msg[1024], line[64];
	const char *text;
	FILE *f = fopen(tmp("random.txt"), "w");

	REQUIRE(f);
	for (int i = 1; i <= 983; i++) {
		snprintf(line, sizeof line, "random line %d\tof text\n", i);
		fputs(line, f);
	}
	fclose(f);
	CHECK_EQ(check_trace(tmp("random.txt"), 0, msg, sizeof msg), -1);
	CHECK(strcmp(msg, "shown.txt: not a page-allocator trace: 983 of 983 lines unknown (the "
			  "first on line 1: \"random line 1\\tof text\"); expected ftrace, "
			  "trace-cmd or perf script text with kmem:mm_page_alloc and "
			  "mm_page_free events") == 0);
	unlink(tmp("random.txt"));

	/* Comments and other events only: no unknown line, still no trace. */
	text = "# tracer: nop\n#\n  x-1 [000] .... 1.000001: sched_wakeup: comm=x\n";
	REQUIRE(spit(tmp("other.txt"), text, strlen(text)) == 0);
	CHECK_EQ(check_trace(tmp("other.txt"), 0, msg, sizeof msg), -1);
	CHECK(strstr(msg, "no page-allocator event in 3 lines (1 of other events, 2 comments)")
	      != NULL);
	unlink(tmp("other.txt"));

	/* sched_switch alone is no page-allocator trace either. */
	text = "# tracer: nop\n  x-1 [000] .... 1.000001: sched_switch: x:1 [120] S ==> "
	       "swapper/0:0 [120]\n";
	REQUIRE(spit(tmp("sched.txt"), text, strlen(text)) == 0);
	CHECK_EQ(check_trace(tmp("sched.txt"), 0, msg, sizeof msg), -1);
	CHECK(strstr(msg, "no page-allocator event in 2 lines (1 sched_switch, 0 of other "
			  "events, 1 comment)") != NULL);
	unlink(tmp("sched.txt"));
	tmp_done();
}

/* Events, but none a replay can use: failed allocations only. */
TEST(cli_errors_trace_nothing_to_replay)
{
	char msg[1024];
	const char *text = "  x-1 [000] .... 100.000001: mm_page_alloc: page=0 pfn=0 order=0 "
			   "migratetype=0 gfp_flags=GFP_KERNEL\n";

	REQUIRE(spit(tmp("failed.txt"), text, strlen(text)) == 0);
	CHECK_EQ(check_trace(tmp("failed.txt"), 1, msg, sizeof msg), -1);
	CHECK(strstr(msg, "none of its 1 page-allocator events can be replayed") != NULL);
	unlink(tmp("failed.txt"));
	tmp_done();
}

/* Mostly unknown: refused unless --allow-unknown; half is fine. */
TEST(cli_errors_trace_mostly_unknown)
{
	char msg[1024], line[160];
	FILE *f = fopen(tmp("partial.txt"), "w");

	REQUIRE(f);
	for (unsigned i = 1; i <= 4; i++) {
		snprintf(line, sizeof line, alloc_line, i, 0x1000 + i);
		fputs(line, f);
	}
	for (int i = 0; i < 5; i++)
		fputs("garbled\n", f);
	fclose(f);
	CHECK_EQ(check_trace(tmp("partial.txt"), 0, msg, sizeof msg), -1);
	CHECK(strstr(msg, "shown.txt: 5 of 9 lines unknown (the first on line 5: \"garbled\")") ==
	      msg);
	CHECK(strstr(msg, "(--allow-unknown replays the 4 events understood)") != NULL);
	CHECK_EQ(check_trace(tmp("partial.txt"), 1, msg, sizeof msg), 0);

	/* one line fewer of garbage: 4 of 8, not more than half */
	f = fopen(tmp("partial.txt"), "w");
	REQUIRE(f);
	for (unsigned i = 1; i <= 4; i++) {
		snprintf(line, sizeof line, alloc_line, i, 0x1000 + i);
		fputs(line, f);
	}
	fputs("garbled\ngarbled\ngarbled\ngarbled\n", f);
	fclose(f);
	CHECK_EQ(check_trace(tmp("partial.txt"), 0, msg, sizeof msg), 0);
	unlink(tmp("partial.txt"));
	tmp_done();
}

/* Time going backwards: one warning line, the first line and the count. */
TEST(cli_errors_trace_backwards)
{
	static const unsigned us[] = {10, 20, 5, 30, 25, 24, 40};
	char line[160], *out = NULL, msg[256];
	size_t outlen = 0;
	struct lbs_tracebuf tb;
	FILE *f = fopen(tmp("back.txt"), "w");

	REQUIRE(f);
	fputs("# tracer: nop\n", f);
	for (size_t i = 0; i < sizeof us / sizeof us[0]; i++) {
		snprintf(line, sizeof line, alloc_line, us[i], 0x1000u + (unsigned)i);
		fputs(line, f);
	}
	fclose(f);
	REQUIRE(lbs_tracebuf_load(&tb, tmp("back.txt"), msg, sizeof msg) == 0);
	CHECK_EQ(lbs_tracebuf_check(&tb, "back.txt", 0, msg, sizeof msg), 0);
	CHECK_EQ(tb.sum.ts_backwards, 3);      /* 5, 25 and 24 after 30 */
	CHECK_EQ(tb.sum.ts_backwards_line, 4); /* the comment is line 1 */
	f = open_memstream(&out, &outlen);
	REQUIRE(f);
	lbs_tracebuf_warn(&tb, "back.txt", f);
	fclose(f);
	CHECK(out && strcmp(out, "lbsim: warning: back.txt line 4: time goes backwards (an event "
				 "before it has a later timestamp), and on 2 more lines; each "
				 "CPU's events replay in file order\n") == 0);
	free(out);
	lbs_tracebuf_free(&tb);

	/* In order: no warning at all. */
	out = NULL;
	REQUIRE(lbs_tracebuf_load(&tb, fx_fixture("replay-same-moment.txt"), msg, sizeof msg) == 0);
	f = open_memstream(&out, &outlen);
	REQUIRE(f);
	lbs_tracebuf_warn(&tb, "x", f);
	fclose(f);
	CHECK(out && out[0] == '\0');
	free(out);
	lbs_tracebuf_free(&tb);
	unlink(tmp("back.txt"));
	tmp_done();
}

/* CPU numbers however sparse: each distinct one a vCPU of its own, ranked
 * by number (4096 did fold onto 0: one vCPU, false lag). */
TEST(cli_errors_trace_sparse_cpus)
{
	static const unsigned cpus[] = {4096, 0, 4096, 70000, 0};
	char msg[1024], line[160];
	struct lbs_tracebuf tb;
	FILE *f = fopen(tmp("sparse.txt"), "w");

	REQUIRE(f);
	for (unsigned i = 0; i < 5; i++) {
		snprintf(line, sizeof line,
			 "  x-1 [%u] .... 100.%06u: mm_page_alloc: pfn=%u order=0 "
			 "migratetype=0 gfp_flags=GFP_KERNEL\n", cpus[i], i + 1, 0x1000 + i);
		fputs(line, f);
	}
	fclose(f);
	REQUIRE(lbs_tracebuf_load(&tb, tmp("sparse.txt"), msg, sizeof msg) == 0);
	CHECK_EQ(tb.nvcpus, 3);
	REQUIRE(tb.n == 5);
	CHECK_EQ(tb.ev[0].vcpu, 1); /* 4096: second of 0, 4096, 70000 */
	CHECK_EQ(tb.ev[1].vcpu, 0);
	CHECK_EQ(tb.ev[2].vcpu, 1);
	CHECK_EQ(tb.ev[3].vcpu, 2);
	CHECK_EQ(tb.ev[4].vcpu, 0);
	lbs_tracebuf_free(&tb);

	/* One more distinct CPU than lbsim simulates: counted, for the refusal. */
	f = fopen(tmp("sparse.txt"), "w");
	REQUIRE(f);
	for (unsigned i = 0; i <= LBS_MAX_VCPUS; i++) {
		snprintf(line, sizeof line,
			 "  x-1 [%u] .... 100.%06u: mm_page_alloc: pfn=%u order=0 "
			 "migratetype=0 gfp_flags=GFP_KERNEL\n", i * 4096, i + 1, 0x1000 + i);
		fputs(line, f);
	}
	fclose(f);
	REQUIRE(lbs_tracebuf_load(&tb, tmp("sparse.txt"), msg, sizeof msg) == 0);
	CHECK_EQ(tb.nvcpus, LBS_MAX_VCPUS + 1);
	lbs_tracebuf_free(&tb);
	unlink(tmp("sparse.txt"));
	tmp_done();
}

/* A CPU number that does not fit: refused, naming file, line and number
 * (it was read as "no CPU column", on CPU 0). */
TEST(cli_errors_trace_cpu_out_of_range)
{
	static const char *const cpus[] = {"4294967296", "18446744073709551615",
					   "123456789012345678901234567890"};
	char msg[1024], text[400], want[300];
	struct lbs_tracebuf tb;

	for (size_t i = 0; i < 3; i++) {
		snprintf(text, sizeof text,
			 "  x-1 [000] .... 100.000001: mm_page_alloc: pfn=4096 order=0 "
			 "migratetype=0 gfp_flags=GFP_KERNEL\n"
			 "  x-1 [%s] .... 100.000002: mm_page_alloc: pfn=4097 order=0 "
			 "migratetype=0 gfp_flags=GFP_KERNEL\n", cpus[i]);
		REQUIRE(spit(tmp("cpu.txt"), text, strlen(text)) == 0);
		msg[0] = '\0';
		CHECK_EQ(lbs_tracebuf_load(&tb, tmp("cpu.txt"), msg, sizeof msg), -1);
		snprintf(want, sizeof want, "%s: line 2: CPU number %s is out of range (at most "
			 "4294967294)", tmp("cpu.txt"), cpus[i]);
		if (strcmp(msg, want) != 0)
			lbt_fail(__FILE__, __LINE__, msg);
	}
	unlink(tmp("cpu.txt"));
	tmp_done();
}

/* A directory: the message names it, as for any other trace. */
TEST(cli_errors_trace_directory)
{
	char msg[1024], want[600];
	struct lbs_tracebuf tb;

	REQUIRE(mkdir(tmp("dir"), 0700) == 0);
	CHECK_EQ(lbs_tracebuf_load(&tb, tmp("dir"), msg, sizeof msg), -1);
	snprintf(want, sizeof want, "%s: read error: Is a directory", tmp("dir"));
	CHECK(strcmp(msg, want) == 0);
	rmdir(tmp("dir"));
	tmp_done();
}

/* A "line" longer than 64 KiB is no text: refused at once, its start
 * quoted (a file of no newline, /dev/zero, read for ever before). */
TEST(cli_errors_trace_endless_line)
{
	size_t n = (64u << 10) + 1;
	char *bin = malloc(n + 1), msg[1024];
	struct lbs_tracebuf tb;

	REQUIRE(bin);
	memset(bin, 0, n);
	bin[n] = '\n';
	REQUIRE(spit(tmp("zero.bin"), bin, n + 1) == 0);
	free(bin);
	CHECK_EQ(lbs_tracebuf_load(&tb, tmp("zero.bin"), msg, sizeof msg), -1);
	CHECK(strstr(msg, ": not a page-allocator trace: line 1 is longer than 64 KiB (it "
			  "starts \"\\x00\\x00") != NULL);
	CHECK(strstr(msg, "...\"); expected ftrace, trace-cmd or perf script text") != NULL);
	CHECK(strncmp(msg, tmp("zero.bin"), strlen(tmp("zero.bin"))) == 0);
	unlink(tmp("zero.bin"));
	tmp_done();
}

/* ---------------------------------------------------------- lbsim's options */

static int parse(const char *const *args, size_t n, struct lbs_cli *cli, char *err, size_t len)
{
	err[0] = '\0';
	return lbt_parse_cli(args, n, cli, err, len);
}

TEST(cli_errors_pre_accepted_beyond_memory)
{
	static const char *const a[] = {"--pre-accepted", "32G"};
	static const char *const b[] = {"--memory=8G", "--pre-accepted", "16G"};
	static const char *const c[] = {"--pre-accepted", "8G", "--memory", "8G"};
	static const char *const d[] = {"--memory", "1G"}; /* the default 4G: all of it */
	struct lbs_cli cli;
	char err[256];

	CHECK_EQ(parse(a, 2, &cli, err, sizeof err), 2);
	CHECK(strcmp(err, "lbsim: --pre-accepted 32G is more than the guest's memory (16G, the "
			  "default; see --memory)\n") == 0);
	CHECK_EQ(parse(b, 3, &cli, err, sizeof err), 2);
	CHECK(strcmp(err, "lbsim: --pre-accepted 16G is more than the guest's memory (8G)\n") ==
	      0);
	CHECK_EQ(parse(c, 4, &cli, err, sizeof err), 0);
	CHECK(cli.sim.pre_accepted_bytes == cli.sim.memory_bytes);
	CHECK_EQ(parse(d, 2, &cli, err, sizeof err), 0);
}

/* Every option of the table but --help, --version and --json, with
 * --fidelity and with --policy-bench: refused, naming the option. */
TEST(cli_errors_fixed_runs_take_no_option)
{
	static const char *const with[][2] = {
		{"--trace", "t.txt"}, {"--workload", "fill"}, {"--allow-unknown", NULL},
		{"--memory", "1G"}, {"--pre-accepted", "0"}, {"--unit", "4K"},
		{"--policy", "unit"}, {"--cost", "snp"}, {"--backend", "null"},
		{"--accept-lock", "global"}, {"--no-boot", NULL}, {"--seed", "2"},
		{"--vcpus", "2"}, {"--ops", "5"}, {"--rate", "max"}, {"--acceptors", "2"},
		{"--reserve", "8M"}, {"--batch", "4M"}, {"--horizon", "5"}, {"--csv", "x.csv"},
		{"--report", "r"}, {"--cpus", "4"}, {"--load", "10"},
	};
	static const char *const runs[] = {"--fidelity", "--policy-bench"};
	struct lbs_cli cli;
	char err[256], want[128];

	for (size_t r = 0; r < 2; r++) {
		for (size_t i = 0; i < sizeof with / sizeof with[0]; i++) {
			const char *args[3] = {runs[r], with[i][0], with[i][1]};
			size_t n = with[i][1] ? 3 : 2;

			snprintf(want, sizeof want, "lbsim: %s does not apply to %s (", with[i][0],
				 runs[r]);
			if (parse(args, n, &cli, err, sizeof err) != 2 ||
			    strncmp(err, want, strlen(want)) != 0 || !one_line(err)) {
				char m[400];
				snprintf(m, sizeof m, "%s %s: '%s'", runs[r], with[i][0], err);
				lbt_fail(__FILE__, __LINE__, m);
			}
		}
		const char *help[] = {runs[r], "--help"};
		CHECK_EQ(parse(help, 2, &cli, err, sizeof err), 0);
		const char *json[] = {"--json", runs[r]};
		CHECK_EQ(parse(json, 2, &cli, err, sizeof err), 0);
		CHECK(cli.json == 1 && cli.fidelity == (r == 0) && cli.policy_bench == (r == 1));
		const char *more[] = {runs[r], "--json", "--seed", "3"};
		CHECK_EQ(parse(more, 4, &cli, err, sizeof err), 2);
		CHECK(strncmp(err, "lbsim: --seed does not apply to ", 32) == 0);
	}
	CHECK_EQ(parse(runs, 2, &cli, err, sizeof err), 2);
	CHECK(strstr(err, "--fidelity and --policy-bench exclude each other") != NULL);
}

TEST(cli_errors_mode_options)
{
	static const char *const refused[][4] = {
		{"--workload", "fill", "--allow-unknown", NULL},
		{"--no-boot", "--seed", "3", NULL},
		{"--rate", "5", NULL},
		{"--workload", "boot", "--no-boot", NULL},
	};
	static const char *const say[] = {
		"lbsim: --allow-unknown applies to trace replays",
		"lbsim: --seed does nothing with --no-boot",
		"lbsim: --rate applies to --workload runs",
		"lbsim: --no-boot applies to trace replays",
	};
	static const char *const fine[] = {"--allow-unknown", "--seed", "3"};
	struct lbs_cli cli;
	char err[256];

	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		size_t n = refused[i][3] ? 4 : refused[i][2] ? 3 : 2;
		CHECK_EQ(parse(refused[i], n, &cli, err, sizeof err), 2);
		CHECK(strncmp(err, say[i], strlen(say[i])) == 0 && one_line(err));
	}
	REQUIRE(parse(fine, 3, &cli, err, sizeof err) == 0);
	CHECK_EQ(cli.allow_unknown, 1);
	CHECK_EQ(cli.sim.seed, 3);
}

/* --cpus: 1 to 256, never fewer than the vCPUs (a trace's are checked
 * once it is read: main.c); --load: a whole percentage. */
TEST(cli_errors_cpus_and_load)
{
	static const char *const refused[][4] = {
		{"--cpus", "0", NULL},
		{"--cpus", "257", NULL},
		{"--workload", "fill", "--cpus", "1"}, /* fine: one vCPU */
		{"--load", "101", NULL},
		{"--load", "-1", NULL},
		{"--load", "50%", NULL},
	};
	static const char *const say[] = {
		"lbsim: --cpus '0': expected 1 to 256\n",
		"lbsim: --cpus '257': expected 1 to 256\n",
		NULL,
		"lbsim: --load '101': expected a whole percentage, 0 to 100\n",
		"lbsim: --load '-1': expected a whole percentage, 0 to 100\n",
		"lbsim: --load '50%': expected a whole percentage, 0 to 100\n",
	};
	static const char *const fewer[] = {"--workload", "fill", "--vcpus", "4", "--cpus", "3"};
	static const char *const more[] = {"--workload", "fill", "--vcpus", "4", "--cpus", "6",
					   "--load", "0"};
	struct lbs_cli cli;
	char err[256];

	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		size_t n = refused[i][2] ? 4 : 2;
		int rc = parse(refused[i], n, &cli, err, sizeof err);

		if (!say[i]) {
			CHECK_EQ(rc, 0);
			continue;
		}
		CHECK_EQ(rc, 2);
		CHECK(strcmp(err, say[i]) == 0);
	}
	CHECK_EQ(parse(fewer, 6, &cli, err, sizeof err), 2);
	CHECK(strcmp(err, "lbsim: --cpus 3 is fewer than the vCPUs (4): each vCPU's stream runs "
			  "on a CPU of its own\n") == 0);
	REQUIRE(parse(more, 8, &cli, err, sizeof err) == 0);
	CHECK_EQ(cli.sim.cpus, 6);
	CHECK_EQ(cli.sim.load_pct, 0);
	REQUIRE(parse(more, 4, &cli, err, sizeof err) == 0); /* the defaults */
	CHECK_EQ(cli.sim.cpus, 0);
	CHECK_EQ(cli.sim.load_pct, LBS_LOAD_DEFAULT);
}

/* --ops with workloads but not churn: the message speaks of the workloads
 * chosen, not of a trace. */
TEST(cli_errors_ops_without_churn)
{
	static const char *const a[] = {"--workload", "boot", "--ops", "100"};
	static const char *const b[] = {"--workload", "fill,boot", "--ops", "100"};
	static const char *const c[] = {"--ops", "100"};
	static const char *const d[] = {"--workload", "fill,churn", "--ops", "100"};
	struct lbs_cli cli;
	char err[256];

	CHECK_EQ(parse(a, 4, &cli, err, sizeof err), 2);
	CHECK(strcmp(err, "lbsim: --ops applies to the churn workload, which --workload boot "
			  "does not run (add it to the list)\n") == 0);
	CHECK_EQ(parse(b, 4, &cli, err, sizeof err), 2);
	CHECK(strstr(err, "which --workload fill,boot does not run") != NULL && one_line(err));
	CHECK_EQ(parse(c, 2, &cli, err, sizeof err), 2);
	CHECK(strcmp(err, "lbsim: --ops applies to the churn workload (a trace has its own "
			  "operations)\n") == 0);
	CHECK_EQ(parse(d, 4, &cli, err, sizeof err), 0);
}

/* --memory beyond what one zone spans (16 TiB): refused as a usage error,
 * not after the set-up failed. */
TEST(cli_errors_memory_maximum)
{
	static const char *const big[] = {"17T", "1000T", "16777217M", "17592186048512"};
	static const char *const fine[] = {"--memory", "16T"};
	struct lbs_cli cli;
	char err[256], want[200];

	for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
		const char *a[] = {"--memory", big[i]};
		snprintf(want, sizeof want, "lbsim: --memory %s: must be a multiple of 4K, 4M to "
			 "16T (the most one lazybuddy zone spans)\n", big[i]);
		CHECK_EQ(parse(a, 2, &cli, err, sizeof err), 2);
		if (strcmp(err, want) != 0)
			lbt_fail(__FILE__, __LINE__, err);
	}
	REQUIRE(parse(fine, 2, &cli, err, sizeof err) == 0);
	CHECK(cli.sim.memory_bytes == LB_ZONE_MAX_SPAN);

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	REQUIRE(f);
	lbs_cli_usage(f, "lbsim");
	fclose(f);
	CHECK(buf && strstr(buf, "guest memory, 4M to 16T (default 16G)") != NULL);
	free(buf);
}

/* --cost: a file that cannot be read or used exits 1 (files), a name that
 * is no preset and no file 2 (usage). */
TEST(cli_errors_cost_exit_codes)
{
	static const char bad_content[] = "preset = tdx\nfrob = 1\n";
	struct lbs_cli cli;
	char err[1024], want[600];

	/* a directory */
	REQUIRE(mkdir(tmp("costdir"), 0700) == 0);
	const char *a[] = {"--cost", tmp("costdir")};
	CHECK_EQ(parse(a, 2, &cli, err, sizeof err), 1);
	CHECK(strstr(err, ": Is a directory\n") != NULL && one_line(err));
	rmdir(tmp("costdir"));
	/* bad content */
	REQUIRE(spit(tmp("cost.txt"), bad_content, sizeof bad_content - 1) == 0);
	const char *b[] = {"--cost", tmp("cost.txt")};
	CHECK_EQ(parse(b, 2, &cli, err, sizeof err), 1);
	snprintf(want, sizeof want, "lbsim: --cost: %s:2: ", tmp("cost.txt"));
	CHECK(strncmp(err, want, strlen(want)) == 0 && one_line(err));
	/* unreadable (root reads it anyway) */
	REQUIRE(chmod(tmp("cost.txt"), 0) == 0);
	if (access(tmp("cost.txt"), R_OK) != 0) {
		CHECK_EQ(parse(b, 2, &cli, err, sizeof err), 1);
		CHECK(strstr(err, ": Permission denied\n") != NULL);
	}
	unlink(tmp("cost.txt"));
	/* a file name, no such file */
	const char *c[] = {"--cost", tmp("none.txt")};
	CHECK_EQ(parse(c, 2, &cli, err, sizeof err), 1);
	CHECK(strstr(err, ": not a preset, and cannot be read: No such file or directory\n"));
	/* a misspelt preset: usage */
	static const char *const d[] = {"--cost", "tdx4k"};
	CHECK_EQ(parse(d, 2, &cli, err, sizeof err), 2);
	CHECK(strcmp(err, "lbsim: --cost: tdx4k: not a preset (" LBS_COST_PRESETS ") nor a "
			  "file\n") == 0);
	tmp_done();
}

/* A value forgotten before the next option is not taken as the value. */
TEST(cli_errors_value_is_an_option)
{
	static const char *const a[] = {"--report", "--json"};
	static const char *const b[] = {"--report=--json"};
	struct lbs_cli cli;
	char err[256];

	CHECK_EQ(parse(a, 2, &cli, err, sizeof err), 2);
	CHECK(strcmp(err, "lbsim: --report needs a value, not the option --json (write "
			  "--report=--json for a value that starts with --)\n") == 0);
	REQUIRE(parse(b, 1, &cli, err, sizeof err) == 0);
	CHECK(cli.report_dir && strcmp(cli.report_dir, "--json") == 0);
	CHECK_EQ(cli.json, 0);
}

/* The help comes from the table: every option, where it applies, no line
 * wider than 79 columns. */
TEST(cli_errors_help_from_table)
{
	static const char *const shown[] = {
		"  --trace FILE ", "  --allow-unknown ", "  --pre-accepted SIZE ",
		"  --fidelity ", "  --policy-bench ", "  --version ",
		"  --reserve SIZE       background: ", "  --horizon MS         adaptive: ",
		"  --acceptors N        background, adaptive: ",
		"  --ops N              churn workload: ", "  --no-boot            trace replay: ",
		"  --rate N|max         synthetic workloads: ",
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	REQUIRE(f);
	lbs_cli_usage(f, "lbsim");
	fclose(f);
	REQUIRE(buf);
	for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++)
		if (!strstr(buf, shown[i]))
			lbt_fail(__FILE__, __LINE__, shown[i]);
	CHECK(strstr(buf, "exact linux background adaptive") != NULL); /* filled in */
	CHECK(strchr(buf, '{') == NULL && strchr(buf, '~') == NULL);
	for (char *line = buf, *nl; (nl = strchr(line, '\n')); line = nl + 1)
		if (nl - line > 79) {
			lbt_fail(__FILE__, __LINE__, "a help line wider than 79 columns");
			break;
		}
	free(buf);
}

/* -------------------------------------------------------- lbsim's outputs */

TEST(cli_errors_outputs_checked_first)
{
	char msg[4400], path[600];
	struct lbs_made_dirs made;
	FILE *f;

	/* A file in a directory that does not exist. */
	snprintf(path, sizeof path, "%s", tmp("missing/x.csv"));
	CHECK_EQ(lbs_check_writable(path, msg, sizeof msg), -1);
	CHECK(strstr(msg, "cannot write ") == msg && strstr(msg, ": No such file or directory"));
	/* A directory. */
	snprintf(path, sizeof path, "%s", tmp(""));
	CHECK_EQ(lbs_check_writable(path, msg, sizeof msg), -1);
	CHECK(strstr(msg, ": Is a directory") != NULL);
	/* A new file: possible, and not left behind. */
	snprintf(path, sizeof path, "%s", tmp("new.csv"));
	CHECK_EQ(lbs_check_writable(path, msg, sizeof msg), 0);
	CHECK(!exists(path));
	/* An old one: possible, and left as it was. */
	REQUIRE(spit(path, "keep\n", 5) == 0);
	CHECK_EQ(lbs_check_writable(path, msg, sizeof msg), 0);
	f = fopen(path, "r");
	REQUIRE(f);
	CHECK(fgets(msg, sizeof msg, f) && strcmp(msg, "keep\n") == 0);
	fclose(f);

	/* A report directory under a file: refused, nothing made. */
	char under[600];
	snprintf(under, sizeof under, "%s", tmp("new.csv/sub"));
	CHECK_EQ(lbs_check_report_dir(under, &made, msg, sizeof msg), -1);
	CHECK(strstr(msg, "cannot create ") == msg && strstr(msg, ": Not a directory"));
	unlink(path);

	/* New directories: made, then taken back. */
	char deep[600], top[600];
	snprintf(top, sizeof top, "%s", tmp("a"));
	snprintf(deep, sizeof deep, "%s", tmp("a/b/c"));
	REQUIRE(lbs_check_report_dir(deep, &made, msg, sizeof msg) == 0);
	CHECK(exists(deep));
	snprintf(path, sizeof path, "%s", tmp("a/b/c/index.html"));
	CHECK(!exists(path)); /* the probe is gone */
	lbs_made_dirs_undo(&made);
	CHECK(!exists(top));
	CHECK(exists(tmp(""))); /* not what was there before */

	/* A directory the run wrote into is kept. */
	REQUIRE(lbs_check_report_dir(deep, &made, msg, sizeof msg) == 0);
	REQUIRE(spit(path, "x", 1) == 0);
	lbs_made_dirs_undo(&made);
	CHECK(exists(path));
	unlink(path);
	rmdir(tmp("a/b/c"));
	rmdir(tmp("a/b"));
	rmdir(top);
	tmp_done();
}

/* An output onto an input or onto another output: refused before the run
 * (--csv onto the trace replaced it; --report d --csv d/index.html kept
 * only the report). */
TEST(cli_errors_outputs_clash)
{
	char msg[9000], trace[600], csv[600], link_[600], hard[600], index[600], other[600];
	struct lbs_named_file f[3];

	snprintf(trace, sizeof trace, "%s", tmp("t.txt"));
	REQUIRE(spit(trace, "x\n", 2) == 0);
	snprintf(link_, sizeof link_, "%s", tmp("link.txt"));
	snprintf(hard, sizeof hard, "%s", tmp("hard.txt"));
	REQUIRE(symlink("t.txt", link_) == 0);
	REQUIRE(link(trace, hard) == 0);

	/* the same name, a symbolic link, a hard link, a detour */
	snprintf(other, sizeof other, "%s/./../%s/t.txt", tmp(""), strrchr(tmpdir, '/') + 1);
	const char *const same[] = {trace, link_, hard, other};
	for (size_t i = 0; i < 4; i++) {
		f[0] = (struct lbs_named_file){"--csv C", same[i], 1};
		f[1] = (struct lbs_named_file){"--trace T", trace, 0};
		msg[0] = '\0';
		CHECK_EQ(lbs_check_clashes(f, 2, msg, sizeof msg), -1);
		if (strcmp(msg, "--csv C and --trace T are the same file (an output may not "
				"overwrite an input)") != 0)
			lbt_fail(__FILE__, __LINE__, same[i]);
	}
	/* another file: fine, and nothing touched */
	snprintf(csv, sizeof csv, "%s", tmp("out.csv"));
	f[0] = (struct lbs_named_file){"--csv C", csv, 1};
	CHECK_EQ(lbs_check_clashes(f, 2, msg, sizeof msg), 0);
	CHECK(!exists(csv));

	/* two outputs, neither there yet: by the name they will have */
	snprintf(index, sizeof index, "%s", tmp("d/index.html"));
	snprintf(other, sizeof other, "%s", tmp("d//./index.html"));
	f[0] = (struct lbs_named_file){"--report D", index, 1};
	f[1] = (struct lbs_named_file){"--csv C", other, 1};
	f[2] = (struct lbs_named_file){"--trace T", trace, 0};
	CHECK_EQ(lbs_check_clashes(f, 3, msg, sizeof msg), -1);
	CHECK(strcmp(msg, "--report D and --csv C are the same file (two outputs may not share "
			  "one)") == 0);
	CHECK(!exists(tmp("d")));
	f[1].path = tmp("d/index.htm");
	CHECK_EQ(lbs_check_clashes(f, 3, msg, sizeof msg), 0);

	/* an input alone is no clash (two inputs may be one file) */
	f[0] = (struct lbs_named_file){"--trace T", trace, 0};
	f[1] = (struct lbs_named_file){"--cost K", hard, 0};
	CHECK_EQ(lbs_check_clashes(f, 2, msg, sizeof msg), 0);

	/* the normalised form */
	char cwd[600], got[4096], want[700];
	REQUIRE(getcwd(cwd, sizeof cwd));
	REQUIRE(lbs_normalise_path("no/such/../dir//./x.csv", got, sizeof got) == 0);
	snprintf(want, sizeof want, "%s/no/dir/x.csv", cwd);
	CHECK(strcmp(got, want) == 0);
	REQUIRE(lbs_normalise_path(link_, got, sizeof got) == 0);
	REQUIRE(lbs_normalise_path(trace, want, sizeof want) == 0);
	CHECK(strcmp(got, want) == 0);
	REQUIRE(lbs_normalise_path("/../..", got, sizeof got) == 0);
	CHECK(strcmp(got, "/") == 0);
	unlink(link_);
	unlink(hard);
	unlink(trace);
	tmp_done();
}

/* The note under a table: a run whose allocations failed for lack of
 * memory does not "fit" (it held little because the rest failed), and
 * "(with boot)" only when the boot allocations ran. */
TEST(cli_errors_fits_note)
{
	struct lbs_result r[2];
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	memset(r, 0, sizeof r);
	for (int i = 0; i < 2; i++) {
		r[i].policy = i ? "eager" : "unit";
		r[i].workload = "trace";
		r[i].is_trace = 1;
		r[i].with_boot = 1;
		r[i].memory_bytes = UINT64_C(4) << 20;
		r[i].pre_accepted_bytes = UINT64_C(3) << 20;
		r[i].peak_held_bytes = UINT64_C(3) << 20;
		r[i].fits_pre_accepted = 1;
	}
	r[1].alloc_failures = 546;
	f = open_memstream(&out, &len);
	REQUIRE(f);
	lbs_print_fits(f, r, 2);
	fclose(f);
	/* wrapped to 100 columns, the next line indented under the text */
	CHECK(out && strcmp(out, "note: the 4.0 MiB guest is too small for the trace (with "
				 "boot): allocations failed for lack of\n      memory (546 under "
				 "eager); try a larger --memory\n") == 0);
	free(out);

	/* atomic allocations that found memory only in flight: not a lack of
	 * memory; and without boot, no "(with boot)" */
	r[1].nowait_failures = 500;
	r[1].busy_failures = 46;
	r[0].with_boot = r[1].with_boot = 0;
	out = NULL;
	f = open_memstream(&out, &len);
	REQUIRE(f);
	lbs_print_fits(f, r, 2);
	fclose(f);
	CHECK(out && strncmp(out, "note: the trace never holds more than 3.0 MiB, within the "
				  "3.0 MiB firmware accepted", 83) == 0);
	free(out);
}

/* ------------------------------------------------------ lbbench's options */

static int bench_parse(const char *const *args, size_t n, struct lbb_cli *c, char *err,
		       size_t len)
{
	char *argv[16];
	FILE *f;
	int rc;

	if (n > 14)
		return 99;
	argv[0] = (char *)(uintptr_t)"lbbench";
	for (size_t i = 0; i < n; i++)
		argv[i + 1] = (char *)(uintptr_t)args[i];
	argv[n + 1] = NULL;
	err[0] = '\0';
	f = fmemopen(err, len, "w");
	if (!f)
		return 98;
	rc = lbb_cli_parse((int)n + 1, argv, c, f);
	fclose(f);
	return rc;
}

TEST(cli_errors_lbbench_values)
{
	static const char *const bad[][3] = {
		{"--allocator", "bogus",
		 "lbbench: --allocator bogus: unknown allocator 'bogus'; expected a comma list of: "
		 "lazybuddy lazybuddy-eager "},
		{"--allocator", "glibc,lazybuddy-bogus",
		 "lbbench: --allocator glibc,lazybuddy-bogus: unknown allocator 'lazybuddy-bogus';"},
		{"--allocator", ",", "lbbench: --allocator ,: an empty item in the comma list"},
		{"--allocator", "glibc,", "lbbench: --allocator glibc,: an empty item in the comma "
					  "list (try --help)\n"},
		{"--bench", "churn,", "lbbench: --bench churn,: an empty item in the comma list"},
		{"--bench", ",churn", "lbbench: --bench ,churn: an empty item in the comma list"},
		{"--bench", "", "lbbench: --bench : an empty list"},
		{"--threads", "1,", "lbbench: --threads 1,: an empty item in the comma list"},
		{"--threads", "1,,2", "lbbench: --threads 1,,2: an empty item in the comma list"},
		{"--ops", "99999999999999999999999",
		 "lbbench: --ops 99999999999999999999999: must be a whole number, 1 to 1000000000 "
		 "(try --help)\n"},
		{"--ops", "0", "lbbench: --ops 0: must be a whole number, 1 to 1000000000"},
		{"--threads", "0", "lbbench: --threads 0: must be 1 to 1024 (try --help)\n"},
		{"--threads", "1,2,x", "lbbench: --threads 1,2,x: 'x' is not a thread count, 1 to 1024"},
		{"--threads", "1025", "lbbench: --threads 1025: must be 1 to 1024"},
		{"--repeats", "1001", "lbbench: --repeats 1001: must be a whole number, 1 to 1000"},
		{"--seed", "-1", "lbbench: --seed -1: must be a whole number, 0 to "},
		{"--seed", "18446744073709551616", "lbbench: --seed 18446744073709551616: must be"},
		{"--bench", "nope", "lbbench: --bench nope: expected a comma list of: churn mixed "
				    "fill_drain handoff (try --help)\n"},
		{"--memory", "lazy", "lbbench: --memory lazy: expected accepted or lazy-mmap"},
		{"--json=yes", NULL, "lbbench: --json takes no value\n"},
		{"--frob", NULL, "lbbench: unknown option '--frob' (try --help)\n"},
		{"--ops", NULL, "lbbench: --ops needs a value (try --help)\n"},
	};
	struct lbb_cli c;
	char err[1024];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *args[2] = {bad[i][0], bad[i][1]};
		if (bench_parse(args, bad[i][1] ? 2 : 1, &c, err, sizeof err) != -1 ||
		    strncmp(err, bad[i][2], strlen(bad[i][2])) != 0 || !one_line(err)) {
			char m[1200];
			snprintf(m, sizeof m, "%s %s: got '%s'", bad[i][0],
				 bad[i][1] ? bad[i][1] : "", err);
			lbt_fail(__FILE__, __LINE__, m);
		}
	}
	/* The largest values still fit. */
	static const char *const edge[] = {"--ops", "1000000000", "--seed",
					   "18446744073709551615", "--threads", "1024,1"};
	REQUIRE(bench_parse(edge, 6, &c, err, sizeof err) == 0);
	CHECK(c.p.ops == UINT64_C(1000000000) && c.p.seed == UINT64_MAX);
	CHECK(c.nthreads == 2 && c.threads[0] == 1024);
}

/* A thread count given twice runs once, as a bench or an allocator given
 * twice does; --ops and --no-cache where they change nothing: refused. */
TEST(cli_errors_lbbench_duplicates_and_inapplicable)
{
	static const char *const dup[] = {"--threads", "2,2,1,2", "--bench", "churn,churn"};
	static const char *const ops[] = {"--bench", "fill_drain", "--ops", "5"};
	static const char *const ops_ok[] = {"--bench", "fill_drain,mixed", "--ops", "5"};
	static const char *const nc[] = {"--no-cache", "--allocator", "glibc,mmap"};
	static const char *const nc_ok[] = {"--no-cache", "--allocator", "glibc,lazybuddy-unit"};
	struct lbb_cli c;
	char err[1024];
	const unsigned *t;

	REQUIRE(bench_parse(dup, 4, &c, err, sizeof err) == 0);
	CHECK_EQ(lbb_cli_threads(&c, LBB_CHURN, &t), 2);
	CHECK(t[0] == 2 && t[1] == 1);
	CHECK_EQ(bench_parse(ops, 4, &c, err, sizeof err), -1);
	CHECK(strstr(err, "lbbench: --ops applies to churn, mixed and handoff (fill_drain runs one fill "
			  "of 131072 pages") == err && one_line(err));
	CHECK_EQ(bench_parse(ops_ok, 4, &c, err, sizeof err), 0);
	CHECK_EQ(bench_parse(nc, 3, &c, err, sizeof err), -1);
	CHECK(!strcmp(err, "lbbench: --no-cache applies to lazybuddy allocators (--allocator "
			   "glibc,mmap chooses none)\n"));
	CHECK_EQ(bench_parse(nc_ok, 3, &c, err, sizeof err), 0);
	CHECK(c.p.no_cache);
}

/* Allocators that run on none of the memory chosen: refused, not an empty
 * table. */
TEST(cli_errors_lbbench_nothing_chosen)
{
	static const char *const a[] = {"--allocator", "glibc,mmap", "--memory", "lazy-mmap"};
	static const char *const b[] = {"--allocator", "glibc,lazybuddy", "--memory", "lazy-mmap"};
	struct lbb_cli c;
	char err[1024];

	CHECK_EQ(bench_parse(a, 4, &c, err, sizeof err), -1);
	CHECK(strncmp(err, "lbbench: --allocator glibc,mmap --memory lazy-mmap: none of those "
			   "runs on lazy-mmap memory (those that do: lazybuddy-unit ", 95) == 0);
	CHECK(one_line(err));
	CHECK_EQ(bench_parse(b, 4, &c, err, sizeof err), 0);
}

/* lbsim and lbbench read a command line alike (tools/common/args.c): -h
 * is --help, and a value forgotten before the next option is said so. */
TEST(cli_errors_both_tools_read_options_alike)
{
	static const char *const h[] = {"-h"};
	static const char *const forgot[] = {"--ops", "--json"};
	struct lbs_cli cli;
	struct lbb_cli bc;
	char err[256];

	REQUIRE(parse(h, 1, &cli, err, sizeof err) == 0);
	CHECK_EQ(cli.help, 1);
	REQUIRE(bench_parse(h, 1, &bc, err, sizeof err) == 0);
	CHECK(bc.help);
	CHECK_EQ(bench_parse(forgot, 2, &bc, err, sizeof err), -1);
	CHECK(strcmp(err, "lbbench: --ops needs a value, not the option --json (write "
			  "--ops=--json for a value that starts with --)\n") == 0);
	CHECK_EQ(parse(forgot + 1, 1, &cli, err, sizeof err), 0);
	CHECK_EQ(parse(forgot, 1, &cli, err, sizeof err), 2);
	CHECK(strcmp(err, "lbsim: --ops needs a value (try --help)\n") == 0);
}
