/* SPDX-License-Identifier: MIT */
/* Tests of lbsim: sizes and numbers, options, the histogram, the PRNG, the
 * memory map (runs, JSON and parallel guests: test_lbsim_runs.c). */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "../tools/lbsim/cli/cli.h"
#include "../tools/lbsim/results/hist.h"
#include "../tools/lbsim/output/output.h"
#include "../tools/lbsim/run/sim.h"
#include "../tools/lbsim/run/workload.h"
#include "test_lbsim_json.h"
#include "test_model.h"

/* ------------------------------------------------------------ sizes */

TEST(lbsim_parse_size_good)
{
	static const struct {
		const char *s;
		uint64_t v;
	} ok[] = {
		{"0", 0},
		{"4096", 4096},
		{"4K", 4096},
		{"4k", 4096},
		{"640KiB", 640u * 1024u},
		{"2M", UINT64_C(2) << 20},
		{"2MB", UINT64_C(2) << 20},
		{"16G", UINT64_C(16) << 30},
		{"16g", UINT64_C(16) << 30},
		{"1T", UINT64_C(1) << 40},
		{"16777215T", UINT64_C(16777215) << 40},
		{"18446744073709551615", UINT64_MAX},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		uint64_t v = 1;
		CHECK_EQ(lbs_parse_size(ok[i].s, &v), 0);
		CHECK(v == ok[i].v);
	}
}

TEST(lbsim_parse_size_bad)
{
	static const char *const bad[] = {
		"", "G", "-1", "+1", " 1", "1 ", "1 G", "1.5G", "1X", "1Gx", "16GiBx", "1Gi",
		"1iB", "0x10", "18446744073709551616", "99999999999999999999",
		"16777216T", /* 2^64 */
		"17179869184G",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint64_t v = 7;
		if (lbs_parse_size(bad[i], &v) != -1) {
			char m[64];
			snprintf(m, sizeof m, "accepted bad size '%s'", bad[i]);
			lbt_fail(__FILE__, __LINE__, m);
		}
		CHECK_EQ(v, 7); /* untouched */
	}
	uint64_t v;
	CHECK_EQ(lbs_parse_size(NULL, &v), -1);
}

TEST(lbsim_parse_u64)
{
	uint64_t v = 0;
	CHECK_EQ(lbs_parse_u64("42", &v), 0);
	CHECK_EQ(v, 42);
	CHECK_EQ(lbs_parse_u64("0x1F", &v), 0);
	CHECK_EQ(v, 31);
	CHECK_EQ(lbs_parse_u64("18446744073709551615", &v), 0);
	CHECK(v == UINT64_MAX);
	CHECK_EQ(lbs_parse_u64("18446744073709551616", &v), -1);
	CHECK_EQ(lbs_parse_u64("", &v), -1);
	CHECK_EQ(lbs_parse_u64("0x", &v), -1);
	CHECK_EQ(lbs_parse_u64("-3", &v), -1);
	CHECK_EQ(lbs_parse_u64("12a", &v), -1);
}

/* ------------------------------------------------------------ options */

int lbt_parse_cli(const char *const *args, size_t n, struct lbs_cli *cli, char *err,
		  size_t errlen)
{
	char *argv[32];

	if (n > 30)
		return -1; /* a test's own mistake */
	argv[0] = (char *)(uintptr_t)"lbsim";
	for (size_t i = 0; i < n; i++)
		argv[i + 1] = (char *)(uintptr_t)args[i];
	argv[n + 1] = NULL;
	FILE *f = fmemopen(err, errlen, "w");
	int rc = lbs_cli_parse((int)n + 1, argv, cli, f);
	fclose(f);
	return rc;
}

TEST(lbsim_cli_defaults)
{
	struct lbs_cli cli;
	char err[256] = "";
	REQUIRE(lbt_parse_cli(NULL, 0, &cli, err, sizeof err) == 0);
	CHECK(cli.sim.memory_bytes == UINT64_C(16) << 30);
	CHECK(cli.sim.pre_accepted_bytes == UINT64_C(4) << 30);
	CHECK(cli.sim.unit_bytes == LB_UNIT_DEFAULT);
	CHECK(strcmp(cli.sim.backend, "tdx-4k") == 0);
	CHECK_EQ(cli.sim.seed, 1);
	CHECK_EQ(cli.npolicy, LB_POLICY_COUNT);
	CHECK_EQ(cli.nworkload, 0); /* no --workload: replay a trace */
	CHECK(cli.trace == NULL);   /* the shipped one */
	CHECK_EQ(cli.sim.lock, LBS_LOCK_UNIT);
	CHECK_EQ(cli.boot, 1);
	CHECK(cli.report_dir == NULL && cli.csv_path == NULL);
	CHECK_EQ(cli.no_args, 1);
	CHECK_EQ(cli.json, 0);
	CHECK_EQ(cli.help, 0);
	CHECK(cli.sim.rate == LBS_RATE_DEFAULT); /* each workload's own */
}

TEST(lbsim_cli_trace_options)
{
	static const char *const a[] = {
		"--trace", "t.txt.zst", "--accept-lock=global", "--report", "out/r", "--csv",
		"r.csv", "--no-boot", "--memory", "1T",
	};
	struct lbs_cli cli;
	char err[256] = "";
	REQUIRE(lbt_parse_cli(a, sizeof a / sizeof a[0], &cli, err, sizeof err) == 0);
	CHECK(cli.trace && strcmp(cli.trace, "t.txt.zst") == 0);
	CHECK_EQ(cli.sim.lock, LBS_LOCK_GLOBAL);
	CHECK(cli.report_dir && strcmp(cli.report_dir, "out/r") == 0);
	CHECK(cli.csv_path && strcmp(cli.csv_path, "r.csv") == 0);
	CHECK_EQ(cli.boot, 0);
	CHECK_EQ(cli.no_args, 0);
	CHECK_EQ(cli.nworkload, 0);
	CHECK(cli.sim.memory_bytes == UINT64_C(1) << 40);

	static const char *const b[] = {"--accept-lock", "unit", "--json"};
	REQUIRE(lbt_parse_cli(b, 3, &cli, err, sizeof err) == 0);
	CHECK_EQ(cli.sim.lock, LBS_LOCK_UNIT);
	CHECK_EQ(cli.no_args, 0);

	/* A trace and synthetic workloads are one or the other. */
	static const char *const c[] = {"--trace", "t.txt", "--workload", "boot"};
	err[0] = '\0';
	CHECK_EQ(lbt_parse_cli(c, 4, &cli, err, sizeof err), 2);
	CHECK(strstr(err, "--trace and --workload") != NULL);

	/* A trace has its own times: no rate. */
	static const char *const d[] = {"--rate", "1000"};
	err[0] = '\0';
	CHECK_EQ(lbt_parse_cli(d, 2, &cli, err, sizeof err), 2);
	CHECK(strstr(err, "--rate applies to --workload") != NULL);
}

/* The vCPUs, the acceptor's knobs, and options refused where they do not
 * apply: with one line that names the option. */
TEST(lbsim_cli_vcpus_acceptor_scope)
{
	static const char *const a[] = {
		"--workload", "churn", "--vcpus", "8", "--acceptors", "4", "--reserve", "128M",
		"--batch", "4M", "--horizon", "250", "--accept-lock", "global",
	};
	/* --reserve and --batch are background's, --horizon adaptive's, --ops churn's */
	static const char *const only[][7] = {
		{"--reserve", "8M", "--policy", "adaptive", NULL},
		{"--batch", "8M", "--policy", "adaptive,unit", NULL},
		{"--horizon", "50", "--policy", "background", NULL},
		{"--ops", "10", "--workload", "boot,fill", NULL},
	};
	static const char *const refused[][5] = {
		{"--vcpus", "2", NULL},                          /* a trace has its CPUs */
		{"--ops", "10", NULL},                           /* and its operations */
		{"--no-boot", "--workload", "fill", NULL},       /* boot is a workload */
		{"--acceptors", "2", "--policy", "unit", NULL},  /* no acceptor there */
		{"--reserve", "8M", "--policy", "exact,linux"},
		{"--batch", "4M", "--workload", "fill", "--policy=eager"},
		{"--horizon", "10", "--policy", "unit", NULL},
	};
	static const char *const bad[][2] = {
		{"--vcpus", "0"}, {"--vcpus", "257"}, {"--vcpus", "x"}, {"--acceptors", "0"},
		{"--acceptors", "65"}, {"--reserve", "1000"}, {"--batch", "0"}, {"--horizon", "0"},
		{"--horizon", "1.5"},
	};
	struct lbs_cli cli;
	char err[256] = "";

	REQUIRE(lbt_parse_cli(a, sizeof a / sizeof a[0], &cli, err, sizeof err) == 0);
	CHECK_EQ(cli.sim.vcpus, 8);
	CHECK_EQ(cli.sim.acceptors, 4);
	CHECK(cli.sim.reserve_bytes == UINT64_C(128) << 20);
	CHECK(cli.sim.batch_bytes == UINT64_C(4) << 20);
	CHECK(cli.sim.horizon_ns == UINT64_C(250000000));
	CHECK_EQ(cli.sim.lock, LBS_LOCK_GLOBAL);
	/* The acceptor's knobs are fine for a trace when a policy has it. */
	static const char *const b[] = {"--acceptors", "2", "--policy", "unit,adaptive"};
	CHECK_EQ(lbt_parse_cli(b, 4, &cli, err, sizeof err), 0);
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		size_t n = 0;
		while (n < 5 && refused[i][n])
			n++;
		err[0] = '\0';
		if (lbt_parse_cli(refused[i], n, &cli, err, sizeof err) != 2) {
			char m[96];
			snprintf(m, sizeof m, "'%s %s' not refused", refused[i][0], refused[i][1]);
			lbt_fail(__FILE__, __LINE__, m);
		}
		CHECK(strncmp(err, "lbsim: ", 7) == 0 && strstr(err, refused[i][0]) != NULL);
		CHECK(strchr(err, '\n') == err + strlen(err) - 1); /* one line */
	}
	for (size_t i = 0; i < sizeof only / sizeof only[0]; i++) {
		err[0] = '\0';
		CHECK_EQ(lbt_parse_cli(only[i], 4, &cli, err, sizeof err), 2);
		CHECK(strstr(err, only[i][0]) != NULL);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		static const char *args[4] = {"--workload", "churn"};
		args[2] = bad[i][0];
		args[3] = bad[i][1];
		err[0] = '\0';
		if (lbt_parse_cli(args, 4, &cli, err, sizeof err) != 2) {
			char m[96];
			snprintf(m, sizeof m, "'%s %s' not refused", bad[i][0], bad[i][1]);
			lbt_fail(__FILE__, __LINE__, m);
		}
		CHECK(strstr(err, bad[i][0]) != NULL);
	}
}

TEST(lbsim_cli_options)
{
	static const char *const a[] = {
		"--memory=256M", "--unit", "4K", "--policy", "exact,unit,exact", "--workload",
		"churn,boot", "--backend", "snp", "--seed", "7", "--pre-accepted", "0", "--json",
		"--ops", "1000", "--rate", "50000",
	};
	struct lbs_cli cli;
	char err[256] = "";
	REQUIRE(lbt_parse_cli(a, sizeof a / sizeof a[0], &cli, err, sizeof err) == 0);
	CHECK(cli.sim.memory_bytes == UINT64_C(256) << 20);
	CHECK_EQ(cli.sim.unit_bytes, 4096);
	CHECK_EQ(cli.npolicy, 2);
	CHECK_EQ(cli.policy[0], LB_POLICY_EXACT);
	CHECK_EQ(cli.policy[1], LB_POLICY_UNIT);
	CHECK_EQ(cli.nworkload, 2);
	CHECK_EQ(cli.workload[0], LBS_WL_CHURN);
	CHECK_EQ(cli.workload[1], LBS_WL_BOOT);
	CHECK(strcmp(cli.sim.backend, "snp") == 0);
	CHECK_EQ(cli.sim.seed, 7);
	CHECK_EQ(cli.sim.pre_accepted_bytes, 0);
	CHECK_EQ(cli.sim.churn_ops, 1000);
	CHECK_EQ(cli.sim.rate, 50000);
	CHECK_EQ(cli.json, 1);

	static const char *const b[] = {"--policy", "all", "--workload", "all", "--help",
					"--rate=max"};
	REQUIRE(lbt_parse_cli(b, 6, &cli, err, sizeof err) == 0);
	CHECK_EQ(cli.npolicy, LB_POLICY_COUNT);
	CHECK_EQ(cli.nworkload, LBS_WL_COUNT);
	CHECK_EQ(cli.help, 1);
	CHECK(cli.sim.rate == LBS_RATE_MAX);
}

/* --version, like --help: no value, and the run's own rules still apply. */
TEST(lbsim_cli_version)
{
	static const char *const a[] = {"--version"};
	static const char *const b[] = {"--workload", "fill", "--version"};
	static const char *const bad[] = {"--version=1"};
	static const char *const inapplicable[] = {"--version", "--vcpus", "2"};
	struct lbs_cli cli;
	char err[256] = "";

	REQUIRE(lbt_parse_cli(NULL, 0, &cli, err, sizeof err) == 0);
	CHECK_EQ(cli.version, 0);
	REQUIRE(lbt_parse_cli(a, 1, &cli, err, sizeof err) == 0);
	CHECK_EQ(cli.version, 1);
	CHECK_EQ(cli.help, 0);
	CHECK_EQ(cli.no_args, 0);
	REQUIRE(lbt_parse_cli(b, 3, &cli, err, sizeof err) == 0);
	CHECK_EQ(cli.version, 1);
	CHECK_EQ(lbt_parse_cli(bad, 1, &cli, err, sizeof err), 2);
	CHECK(strstr(err, "--version takes no value") != NULL);
	CHECK_EQ(lbt_parse_cli(inapplicable, 3, &cli, err, sizeof err), 2);
	CHECK(strstr(err, "--vcpus") != NULL);
}

TEST(lbsim_cli_bad)
{
	static const char *const bad[][2] = {
		{"--memory", "lots"},  {"--memory", "1M"},      {"--memory", "5000"},
		{"--memory", ""},      {"--unit", "3K"},        {"--unit", "8M"},
		{"--unit", "2K"},      {"--unit", "0"},         {"--policy", "lazy"},
		{"--policy", "exact,"}, {"--policy", ""},       {"--workload", "boot,x"},
		{"--backend", "kvm"},  {"--seed", "-1"},        {"--seed", "x"},
		{"--pre-accepted", "1000"}, {"--ops", "0"},     {"--frobnicate", "1"},
		{"memory", "16G"},     {"--json=1", NULL},      {"--memory", NULL},
		{"-m", "1G"},          {"--", NULL},            {"--accept-lock", "none"},
		{"--accept-lock", ""}, {"--trace", ""},         {"--report", ""},
		{"--csv", ""},         {"--no-boot=1", NULL},   {"--trace", NULL},
		{"--rate", "0"},       {"--rate", "x"},         {"--rate", "1000000001"},
		{"--rate", ""},        {"--rate", "-5"},        {"--rate", NULL},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct lbs_cli cli;
		char err[256] = "";
		size_t n = bad[i][1] ? 2 : 1;
		int rc = lbt_parse_cli(bad[i], n, &cli, err, sizeof err);
		if (rc != 2) {
			char m[96];
			snprintf(m, sizeof m, "'%s %s' not refused", bad[i][0],
				 bad[i][1] ? bad[i][1] : "");
			lbt_fail(__FILE__, __LINE__, m);
		}
		CHECK(strncmp(err, "lbsim: ", 7) == 0);
		CHECK(strchr(err, '\n') != NULL);
	}
}

/* ---------------------------------------------------------- histogram */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t nearest_rank(const uint64_t *sorted, size_t n, uint32_t ppm)
{
	uint64_t rank = ((uint64_t)n * ppm + 999999u) / 1000000u;
	if (rank == 0)
		rank = 1;
	return sorted[rank - 1];
}

static int close_enough(uint64_t got, uint64_t want)
{
	uint64_t d = got > want ? got - want : want - got;
	return want < LBS_HIST_EXACT ? d == 0 : d * 32u <= want; /* 1/32 < 4% */
}

TEST(lbsim_hist_buckets)
{
	uint64_t prev_hi = 0;
	for (unsigned b = 0; b < LBS_HIST_BUCKETS; b++) {
		uint64_t lo, hi;
		lbs_hist_bucket_range(b, &lo, &hi);
		CHECK(lo <= hi);
		if (b)
			CHECK(lo == prev_hi + 1u); /* contiguous, no gaps */
		CHECK_EQ(lbs_hist_bucket_of(lo), b);
		CHECK_EQ(lbs_hist_bucket_of(hi), b);
		if (lo >= LBS_HIST_EXACT)
			CHECK((hi - lo + 1u) * 32u <= lo); /* width <= 1/32 of the value */
		prev_hi = hi;
		if (lbt_failed())
			return;
	}
	CHECK(prev_hi == UINT64_MAX);
}

TEST(lbsim_hist_percentiles)
{
	struct lbs_hist h;
	struct lbs_rng r;
	enum { N = 20011 };
	uint64_t *v = malloc(N * sizeof *v);
	REQUIRE(v);
	static const uint32_t q[] = {1, 100000, 500000, 900000, 990000, 999000, 999999};

	for (int trial = 0; trial < 4; trial++) {
		lbs_hist_init(&h);
		lbs_rng_seed(&r, (uint64_t)trial);
		for (size_t i = 0; i < N; i++) {
			/* Mostly zero (allocations that accepted nothing), log-spread rest. */
			uint64_t x = lbs_rng_next(&r);
			if (trial > 0 && (x & 3u) != 0)
				v[i] = 0;
			else
				v[i] = (x >> 8) >> lbs_rng_below(&r, trial == 3 ? 56 : 40);
			lbs_hist_record(&h, v[i]);
		}
		qsort(v, N, sizeof *v, cmp_u64);
		CHECK_EQ(lbs_hist_count(&h), N);
		CHECK(lbs_hist_max(&h) == v[N - 1]);
		CHECK(lbs_hist_percentile(&h, 1000000u) == v[N - 1]);
		CHECK(lbs_hist_percentile(&h, 0) == v[0]);
		for (size_t k = 0; k < sizeof q / sizeof q[0]; k++) {
			uint64_t want = nearest_rank(v, N, q[k]), got = lbs_hist_percentile(&h, q[k]);
			if (!close_enough(got, want)) {
				char m[128];
				snprintf(m, sizeof m, "trial %d ppm %u: got %llu want %llu", trial,
					 (unsigned)q[k], (unsigned long long)got,
					 (unsigned long long)want);
				lbt_fail(__FILE__, __LINE__, m);
			}
		}
	}
	free(v);
}

TEST(lbsim_hist_exact_small)
{
	struct lbs_hist h;
	lbs_hist_init(&h);
	CHECK_EQ(lbs_hist_percentile(&h, 500000u), 0);
	CHECK_EQ(lbs_hist_max(&h), 0);
	for (int i = 0; i < 98; i++)
		lbs_hist_record(&h, 0);
	lbs_hist_record(&h, 63);
	lbs_hist_record(&h, 1000000);
	CHECK_EQ(lbs_hist_percentile(&h, 500000u), 0);  /* zeros are exact */
	CHECK_EQ(lbs_hist_percentile(&h, 980000u), 0);
	CHECK_EQ(lbs_hist_percentile(&h, 990000u), 63); /* exact below 64 */
	CHECK_EQ(lbs_hist_percentile(&h, 999000u), 1000000); /* one value: exact */
	CHECK_EQ(lbs_hist_max(&h), 1000000);
	for (int i = 0; i < 100; i++)
		lbs_hist_record(&h, 12200); /* a bucket of one distinct value is exact */
	CHECK_EQ(lbs_hist_percentile(&h, 990000u), 12200);
}

/* ---------------------------------------------------------------- PRNG */

TEST(lbsim_rng)
{
	uint64_t st = 0;
	/* Reference outputs of splitmix64 from state 0. */
	CHECK(lbs_splitmix64(&st) == UINT64_C(0xe220a8397b1dcdaf));
	CHECK(lbs_splitmix64(&st) == UINT64_C(0x6e789e6aa1b965f4));
	struct lbs_rng a, b;
	lbs_rng_seed(&a, 99);
	lbs_rng_seed(&b, 99);
	for (int i = 0; i < 1000; i++)
		CHECK(lbs_rng_next(&a) == lbs_rng_next(&b));
	for (int i = 0; i < 1000; i++)
		CHECK(lbs_rng_below(&a, 7) < 7);
	CHECK_EQ(lbs_workload_parse("boot"), LBS_WL_BOOT);
	CHECK_EQ(lbs_workload_parse("fill"), LBS_WL_FILL);
	CHECK_EQ(lbs_workload_parse("churn"), LBS_WL_CHURN);
	CHECK_EQ(lbs_workload_parse("Churn"), -1);
}

/* ------------------------------------------------------------ the map */

TEST(lbsim_memory_map)
{
	struct lbs_sim_config c;
	struct lb_range r[LBS_MAX_RANGES];
	size_t n;
	lbs_sim_defaults(&c);
	REQUIRE(lbs_sim_build_map(&c, r, LBS_MAX_RANGES, &n) == 0);
	/* [0,640K) acc, hole, [1M,4G) acc, [4G,16G) unacc */
	REQUIRE(n == 4);
	CHECK(r[0].start == 0 && r[0].size == LBS_HOLE_START && r[0].type == LB_MEM_ACCEPTED);
	CHECK(r[1].start == LBS_HOLE_START && r[1].type == LB_MEM_RESERVED);
	CHECK(r[2].start == LBS_HOLE_END && r[2].start + r[2].size == UINT64_C(4) << 30);
	CHECK(r[2].type == LB_MEM_ACCEPTED);
	CHECK(r[3].start == UINT64_C(4) << 30 && r[3].size == UINT64_C(12) << 30);
	CHECK(r[3].type == LB_MEM_UNACCEPTED);

	c.memory_bytes = UINT64_C(256) << 20; /* smaller than pre-accepted: all accepted */
	REQUIRE(lbs_sim_build_map(&c, r, LBS_MAX_RANGES, &n) == 0);
	CHECK_EQ(n, 3);
	CHECK(r[2].type == LB_MEM_ACCEPTED && r[2].start + r[2].size == c.memory_bytes);

	c.pre_accepted_bytes = 0;
	REQUIRE(lbs_sim_build_map(&c, r, LBS_MAX_RANGES, &n) == 0);
	CHECK_EQ(n, 3);
	CHECK(r[0].type == LB_MEM_UNACCEPTED && r[2].type == LB_MEM_UNACCEPTED);

	c.memory_bytes = 4096 * 3;
	CHECK_EQ(lbs_sim_build_map(&c, r, LBS_MAX_RANGES, &n), LB_EINVAL);
}

/* --calibrate is a run of its own, with a table only. */
TEST(lbsim_cli_calibrate_alone)
{
	static const char *const pb[] = {"--calibrate", "--policy-bench"};
	static const char *const js[] = {"--calibrate", "--json"};
	static const char *const wl[] = {"--calibrate", "--workload", "fill"};
	struct lbs_cli cli;
	char err[256];

	REQUIRE(lbt_parse_cli(pb, 1, &cli, err, sizeof err) == 0);
	CHECK(cli.calibrate && cli.fidelity);
	CHECK_EQ(lbt_parse_cli(pb, 2, &cli, err, sizeof err), 2);
	CHECK(strstr(err, "--calibrate and --policy-bench exclude each other") != NULL);
	CHECK_EQ(lbt_parse_cli(js, 2, &cli, err, sizeof err), 2);
	CHECK(strstr(err, "--calibrate prints a table, not JSON") != NULL);
	CHECK_EQ(lbt_parse_cli(wl, 3, &cli, err, sizeof err), 2);
}

/* The command line as the report states it: a shell reads it back. */
TEST(lbsim_cli_command_text)
{
	static const char *const a[] = {"--trace", "my trace.txt", "--report", "it's",
					"--policy", "unit,exact"};
	struct lbs_cli cli;
	char err[256];

	REQUIRE(lbt_parse_cli(a, 6, &cli, err, sizeof err) == 0);
	CHECK(strcmp(cli.command, "lbsim --trace 'my trace.txt' --report 'it'\\''s' --policy "
				  "unit,exact") == 0);
	REQUIRE(lbt_parse_cli(a, 0, &cli, err, sizeof err) == 0);
	CHECK(strcmp(cli.command, "lbsim") == 0);
}
