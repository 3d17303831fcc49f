/* SPDX-License-Identifier: MIT */
/* Tests of lbsim: option parsing, the histogram, workloads, JSON, results. */
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

/* ---------------------------------------------------------------- runs */

/* A small guest: 256 MiB, 64 MiB accepted by firmware, the rest unit-aligned. */
static void small_config(struct lbs_sim_config *c)
{
	lbs_sim_defaults(c);
	lbt_use_test_model(c);
	c->memory_bytes = UINT64_C(256) << 20;
	c->pre_accepted_bytes = UINT64_C(64) << 20;
	c->churn_ops = 20000;
}

static int same_result(const struct lbs_result *a, const struct lbs_result *b)
{
#define SAME(f) (a->f == b->f)
	return SAME(memory_bytes) && SAME(managed_bytes) && SAME(unit_bytes) && SAME(seed) &&
	       SAME(accept_calls) && SAME(arch_calls) && SAME(accepted_bytes) &&
	       SAME(setup_accepted_bytes) && SAME(over_accepted_bytes) &&
	       SAME(unaccepted_bytes_end) && SAME(allocated_bytes_end) &&
	       SAME(setup_virtual_ns) && SAME(virtual_time_ns) && SAME(lat_p50) &&
	       SAME(lat_p99) && SAME(lat_p999) && SAME(lat_max) && SAME(allocations) &&
	       SAME(alloc_failures) && SAME(frees) && SAME(ops) && SAME(rate) &&
	       SAME(vcpu_accept_ns) && SAME(wait_ns) && SAME(max_lag_ns) &&
	       SAME(acceptor_cpu_ns) && SAME(releaser_cpu_ns) && SAME(released_bytes) &&
	       SAME(committed_bytes_peak) && SAME(committed_bytes_end) &&
	       strcmp(a->policy, b->policy) == 0 && strcmp(a->workload, b->workload) == 0 &&
	       strcmp(a->backend, b->backend) == 0 && strcmp(a->check, b->check) == 0;
#undef SAME
}

TEST(lbsim_deterministic)
{
	struct lbs_sim_config c;
	struct lbs_result a, b;
	small_config(&c);
	c.memory_bytes = UINT64_C(64) << 20;
	c.pre_accepted_bytes = UINT64_C(16) << 20;
	c.churn_ops = 5000;
	for (int p = 0; p < LB_POLICY_COUNT; p++) {
		for (int w = 0; w < LBS_WL_COUNT; w++) {
			REQUIRE(lbs_sim_run(&c, (enum lb_policy)p, (enum lbs_workload)w, &a) == 0);
			REQUIRE(lbs_sim_run(&c, (enum lb_policy)p, (enum lbs_workload)w, &b) == 0);
			CHECK(same_result(&a, &b));
		}
	}
	/* Another seed draws another churn. */
	REQUIRE(lbs_sim_run(&c, LB_POLICY_EXACT, LBS_WL_CHURN, &a) == 0);
	c.seed = 2;
	REQUIRE(lbs_sim_run(&c, LB_POLICY_EXACT, LBS_WL_CHURN, &b) == 0);
	CHECK_EQ(b.seed, 2);
	CHECK(a.frees != b.frees || a.allocations != b.allocations ||
	      a.accept_calls != b.accept_calls || a.lat_p99 != b.lat_p99 ||
	      a.virtual_time_ns != b.virtual_time_ns);
}

TEST(lbsim_setup_errors)
{
	struct lbs_sim_config c;
	struct lbs_result r;
	small_config(&c);
	c.unit_bytes = 3 * 4096;
	CHECK(lbs_sim_run(&c, LB_POLICY_EXACT, LBS_WL_BOOT, &r) < 0);
	small_config(&c);
	snprintf(c.backend, sizeof c.backend, "%s", "kvm");
	c.have_model = 0;
	CHECK(lbs_sim_run(&c, LB_POLICY_EXACT, LBS_WL_BOOT, &r) < 0);
	small_config(&c);
	c.memory_bytes = 4096;
	CHECK(lbs_sim_run(&c, LB_POLICY_EXACT, LBS_WL_BOOT, &r) < 0);
	small_config(&c);
	CHECK(lbs_sim_run(&c, LB_POLICY_COUNT, LBS_WL_BOOT, &r) < 0);
	CHECK(lbs_sim_run(&c, LB_POLICY_EXACT, LBS_WL_COUNT, &r) < 0);
}

static int is_ok(const struct lbs_result *r)
{
	return strcmp(r->check, "ok") == 0;
}

TEST(lbsim_small_guest_all)
{
	struct lbs_sim_config c;
	struct lbs_result res[LB_POLICY_COUNT][LBS_WL_COUNT];
	small_config(&c);
	const uint64_t unaccepted = c.memory_bytes - c.pre_accepted_bytes;
	const uint64_t managed = c.memory_bytes - (LBS_HOLE_END - LBS_HOLE_START);

	for (int p = 0; p < LB_POLICY_COUNT; p++) {
		for (int w = 0; w < LBS_WL_COUNT; w++) {
			struct lbs_result *r = &res[p][w];
			REQUIRE(lbs_sim_run(&c, (enum lb_policy)p, (enum lbs_workload)w, r) == 0);
			if (!is_ok(r)) {
				char m[LBS_CHECK_MAX + 64];
				snprintf(m, sizeof m, "%s/%s: check: %s", r->policy, r->workload,
					 r->check);
				lbt_fail(__FILE__, __LINE__, m);
			}
			CHECK(r->memory_bytes == c.memory_bytes);
			CHECK(r->managed_bytes == managed);
			CHECK(r->unit_bytes == LB_UNIT_DEFAULT);
			CHECK(r->lat_p50 <= r->lat_p99 && r->lat_p99 <= r->lat_p999 &&
			      r->lat_p999 <= r->lat_max);
			CHECK(r->virtual_time_ns >= r->setup_virtual_ns);
			CHECK(r->accepted_bytes <= unaccepted);
			CHECK(r->setup_accepted_bytes <= r->accepted_bytes);
			CHECK(r->over_accepted_bytes <= r->accepted_bytes);
			/* Conservation: no accept fails here, so every unaccepted page of
			 * the map is still unaccepted or was accepted, again after each
			 * release; the host backs firmware's part and what is accepted. */
			CHECK(r->unaccepted_bytes_end + r->accepted_bytes ==
			      unaccepted + r->released_bytes);
			CHECK(r->committed_bytes_end ==
			      r->pre_accepted_bytes + r->accepted_bytes - r->released_bytes);
			CHECK(r->committed_bytes_peak >= r->committed_bytes_end);
			/* One vCPU: its allocations' latencies add up to its accepting
			 * and waiting, and only the acceptor's batches make it wait. */
			CHECK(r->lat_max <= r->vcpu_accept_ns + r->wait_ns);
			CHECK(r->rate == lbs_workload_default_rate((enum lbs_workload)w));
			if (p != LB_POLICY_BACKGROUND && p != LB_POLICY_ADAPTIVE) {
				CHECK_EQ(r->acceptor_cpu_ns + r->releaser_cpu_ns, 0);
				CHECK_EQ(r->released_bytes, 0);
				CHECK_EQ(r->wait_ns, 0);
			}
			CHECK(r->allocations > 0);
			CHECK(r->alloc_failures <= r->allocations);
			if (r->accepted_bytes > 0)
				CHECK(r->accept_calls > 0);
		}
	}

	/* eager: everything is accepted at set-up, so allocations never wait. */
	for (int w = 0; w < LBS_WL_COUNT; w++) {
		const struct lbs_result *r = &res[LB_POLICY_EAGER][w];
		CHECK(r->setup_accepted_bytes == unaccepted);
		CHECK(r->accepted_bytes == unaccepted);
		CHECK_EQ(r->unaccepted_bytes_end, 0);
		CHECK(r->setup_virtual_ns > 0);
		CHECK_EQ(r->lat_max, 0);
		CHECK_EQ(r->vcpu_accept_ns, 0);
		CHECK_EQ(r->max_lag_ns, 0);
		/* Never behind: the run ends at its last operation's time. */
		uint64_t n = r->allocations + r->frees;
		CHECK(r->virtual_time_ns ==
		      r->setup_virtual_ns + (n - 1u) * UINT64_C(1000000000) / r->rate);
	}
	CHECK_EQ(res[LB_POLICY_EAGER][LBS_WL_CHURN].ops, c.churn_ops);
	/* On-demand policies accept nothing at set-up (the map is unit-aligned). */
	for (int w = 0; w < LBS_WL_COUNT; w++) {
		CHECK_EQ(res[LB_POLICY_UNIT][w].setup_accepted_bytes, 0);
		CHECK_EQ(res[LB_POLICY_EXACT][w].setup_accepted_bytes, 0);
	}

	/* fill: the eatmemory test must reach 90% of memory under every policy. */
	for (int p = 0; p < LB_POLICY_COUNT; p++) {
		const struct lbs_result *r = &res[p][LBS_WL_FILL];
		CHECK_EQ(r->alloc_failures, 0);
		CHECK(r->allocated_bytes_end >= managed / 10u * 9u);
		/* 90% of memory > pre-accepted: fill must accept something */
		if (p != LB_POLICY_EAGER)
			CHECK(r->accepted_bytes > 0);
	}
	/* exact never over-accepts in fill; unit needs no more calls than exact. */
	CHECK_EQ(res[LB_POLICY_EXACT][LBS_WL_FILL].over_accepted_bytes, 0);
	CHECK(res[LB_POLICY_UNIT][LBS_WL_FILL].accept_calls <=
	      res[LB_POLICY_EXACT][LBS_WL_FILL].accept_calls);
	/* exact accepts only what it hands out: never more than fill holds. */
	CHECK(res[LB_POLICY_EXACT][LBS_WL_FILL].accepted_bytes <=
	      res[LB_POLICY_EXACT][LBS_WL_FILL].allocated_bytes_end);
}

TEST(lbsim_null_backend)
{
	struct lbs_sim_config c;
	struct lbs_result r;
	small_config(&c);
	snprintf(c.backend, sizeof c.backend, "%s", "null");
	c.have_model = 0;
	REQUIRE(lbs_sim_run(&c, LB_POLICY_UNIT, LBS_WL_FILL, &r) == 0);
	CHECK(is_ok(&r));
	CHECK_EQ(r.setup_virtual_ns, 0);
	CHECK_EQ(r.lat_max, 0);
	CHECK_EQ(r.vcpu_accept_ns, 0);
	CHECK_EQ(r.max_lag_ns, 0);
	CHECK(r.accept_calls > 0);
	CHECK(strcmp(r.backend, "null") == 0);
	/* Acceptance costs nothing: the run lasts as long as its arrivals. */
	CHECK(r.virtual_time_ns == (r.allocations - 1u) * UINT64_C(1000000000) / r.rate);
}

/*
 * What the acceptor is for: fill asks for memory at 1 GiB/s, twice what one
 * actor accepts, and leaves no time idle; under unit the vCPU accepts it
 * all and falls behind, under background the acceptor takes half or more
 * of it off the vCPU, in parallel, for a reserve's worth of extra memory.
 */
TEST(lbsim_acceptor_lowers_fill_latency)
{
	struct lbs_sim_config c;
	struct lbs_result u, b;
	small_config(&c);
	c.cpus = 2; /* one idle CPU, for the acceptor thread */
	REQUIRE(lbs_sim_run(&c, LB_POLICY_UNIT, LBS_WL_FILL, &u) == 0);
	REQUIRE(lbs_sim_run(&c, LB_POLICY_BACKGROUND, LBS_WL_FILL, &b) == 0);
	REQUIRE(is_ok(&u) && is_ok(&b));
	CHECK(b.allocated_bytes_end == u.allocated_bytes_end);
	CHECK_EQ(u.acceptor_cpu_ns, 0);
	CHECK(b.acceptor_cpu_ns > 0);
	/* One vCPU: vcpu_accept_ns + wait_ns is the sum of its latencies. */
	CHECK(b.vcpu_accept_ns + b.wait_ns < u.vcpu_accept_ns / 2u);
	CHECK(b.lat_p999 < u.lat_p999);
	/* The worst allocation may accept beside the acceptor: two accepts
	 * on the test model's host of 1.5 each take 4/3 of their time. */
	CHECK(b.lat_max <= u.lat_max * 4u / 3u + 2u);
	CHECK(b.max_lag_ns < u.max_lag_ns);
	CHECK(b.virtual_time_ns < u.virtual_time_ns);
	CHECK(b.committed_bytes_peak <= u.committed_bytes_peak + (UINT64_C(64) << 20));

	/* Back to back there is no idle time, but the acceptor still works in
	 * parallel: less for the vCPU, never more. */
	c.rate = LBS_RATE_MAX;
	REQUIRE(lbs_sim_run(&c, LB_POLICY_UNIT, LBS_WL_FILL, &u) == 0);
	REQUIRE(lbs_sim_run(&c, LB_POLICY_BACKGROUND, LBS_WL_FILL, &b) == 0);
	REQUIRE(is_ok(&u) && is_ok(&b));
	CHECK_EQ(u.rate, 0);
	CHECK(u.virtual_time_ns == u.vcpu_accept_ns); /* no idle time at all */
	CHECK(b.vcpu_accept_ns + b.wait_ns < u.vcpu_accept_ns);
}

/* --------------------------------------------------------------- JSON */

TEST(lbsim_json_validator_self_test)
{
	CHECK(json_valid("[]"));
	CHECK(json_valid("[{\"a\": 1, \"b\": {\"c\": -0.5e3}, \"d\": \"x\\u00e9\\n\"}]"));
	CHECK(!json_valid("[{\"a\": 1,}]"));
	CHECK(!json_valid("[{\"a\" 1}]"));
	CHECK(!json_valid("[\"a\nb\"]"));
	CHECK(!json_valid("[01]"));
	CHECK(!json_valid("[1] x"));
	CHECK(!json_valid("[\"\\x\"]"));
}

TEST(lbsim_json_string_escapes)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	REQUIRE(f);
	lbs_json_string(f, "I5: \"a\"\\b\n\t\x01\x7f µ");
	fclose(f);
	CHECK(strcmp(buf, "\"I5: \\\"a\\\"\\\\b\\n\\t\\u0001\\u007f µ\"") == 0);
	CHECK(json_valid(buf));
	free(buf);
}

TEST(lbsim_json_output)
{
	static const char *const keys[] = {
		"policy", "workload", "memory_bytes", "accept_calls", "accepted_bytes",
		"over_accepted_bytes", "unaccepted_bytes_end", "init_ns", "virtual_time_ns",
		"alloc_latency_ns", "lag_ns", "alloc_failures", "check",
		"unit_bytes", "backend", "seed", "setup_virtual_ns", "allocations", "wait_ns",
		"acceptor_cpu_ns", "releaser_cpu_ns", "rate_ops_per_sec", "vcpu_accept_ns",
		"committed_bytes_peak", "max_lag_ns", "vcpus", "acceptors", "fits_pre_accepted",
		"bg_tail_ns", "boot_ns", "accept_lock",
	};
	/* in alloc_latency_ns and lag_ns */
	static const char *const twice[] = {"p50", "p99", "p999", "max"};
	struct lbs_sim_config c;
	struct lbs_result r[3];
	small_config(&c);
	c.memory_bytes = UINT64_C(32) << 20;
	c.pre_accepted_bytes = UINT64_C(8) << 20;
	c.churn_ops = 2000;
	REQUIRE(lbs_sim_run(&c, LB_POLICY_EXACT, LBS_WL_BOOT, &r[0]) == 0);
	REQUIRE(lbs_sim_run(&c, LB_POLICY_UNIT, LBS_WL_FILL, &r[1]) == 0);
	r[2] = r[1];
	/* A check message needing escapes must still give valid JSON. */
	snprintf(r[2].check, sizeof r[2].check, "I5: \"quoted\" \\ and\nnewline");

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	REQUIRE(f);
	lbs_print_json(f, r, 3);
	fclose(f);
	CHECK(json_valid(buf));
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		char pat[64];
		snprintf(pat, sizeof pat, "\"%s\":", keys[k]);
		if (count_str(buf, pat) != 3) {
			char m[96];
			snprintf(m, sizeof m, "key %s: %zu times, want 3", keys[k],
				 count_str(buf, pat));
			lbt_fail(__FILE__, __LINE__, m);
		}
	}
	for (size_t k = 0; k < sizeof twice / sizeof twice[0]; k++) {
		char pat[64];
		snprintf(pat, sizeof pat, "\"%s\":", twice[k]);
		CHECK_EQ(count_str(buf, pat), 6);
	}
	CHECK(strstr(buf, "\"policy\": \"exact\"") != NULL);
	CHECK(strstr(buf, "\"workload\": \"fill\"") != NULL);
	CHECK(strstr(buf, "\"fits_pre_accepted\": false") != NULL);
	CHECK(strstr(buf, "\"check\": \"ok\"") != NULL);
	CHECK(strstr(buf, "\"alloc_latency_ns\": {\"p50\": ") != NULL);
	free(buf);

	/* An empty run is an empty array. */
	buf = NULL;
	f = open_memstream(&buf, &len);
	REQUIRE(f);
	lbs_print_json(f, r, 0);
	fclose(f);
	CHECK(json_valid(buf));
	free(buf);
}

TEST(lbsim_table_output)
{
	struct lbs_sim_config c;
	struct lbs_result r[2];
	small_config(&c);
	c.memory_bytes = UINT64_C(32) << 20;
	c.pre_accepted_bytes = UINT64_C(8) << 20;
	c.churn_ops = 2000;
	REQUIRE(lbs_sim_run(&c, LB_POLICY_EAGER, LBS_WL_CHURN, &r[0]) == 0);
	REQUIRE(lbs_sim_run(&c, LB_POLICY_LINUX, LBS_WL_FILL, &r[1]) == 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	REQUIRE(f);
	lbs_print_heading(f, &c);
	lbs_print_table(f, r, 2);
	lbs_print_legend(f);
	fclose(f);
	CHECK(strstr(buf, "32 MiB guest") != NULL);
	CHECK(strstr(buf, "\neager  churn ") != NULL);
	CHECK(strstr(buf, "\nlinux  fill ") != NULL);
	CHECK(strstr(buf, "over-acc") != NULL);
	/* Every row of the table is as wide as the header up to the check column. */
	const char *h = strstr(buf, "policy");
	REQUIRE(h);
	size_t hw = (size_t)(strstr(h, "  check") - h);
	const char *row = strstr(buf, "\neager");
	REQUIRE(row);
	row++;
	CHECK(strstr(row, "  ok\n") != NULL && (size_t)(strstr(row, "  ok\n") - row) == hw);
	free(buf);
}

/* -------------------------------------------------- parallel guests */

/* churn on 8 vCPUs, each its stream: every stream runs and the zone checks
 * out. On 2 vCPUs, on a host that can take them all (and an idle CPU
 * each), 4 acceptor threads keep the vCPUs less far behind than 1 (one
 * cannot keep up). */
TEST(lbsim_vcpus_and_acceptors)
{
	struct lbs_sim_config c;
	struct lbs_result a, b, one;

	small_config(&c);
	c.memory_bytes = UINT64_C(1) << 30;
	c.pre_accepted_bytes = 0;
	c.vcpus = 8;
	c.cpus = 16; /* 2 vCPUs below, 4 acceptors and the releaser: idle CPUs for all */
	c.model.host_capacity_pct = 800; /* and a host that can take them all */
	REQUIRE(lbs_sim_run(&c, LB_POLICY_UNIT, LBS_WL_CHURN, &one) == 0);
	CHECK(strcmp(one.check, "ok") == 0);
	CHECK_EQ(one.vcpus, 8);
	CHECK_EQ(one.acceptors, 0);
	CHECK_EQ(one.ops, c.churn_ops);
	CHECK_EQ(one.alloc_failures, 0);
	c.vcpus = 2;
	for (int p = LB_POLICY_BACKGROUND; p <= LB_POLICY_ADAPTIVE; p++) {
		c.acceptors = 1;
		REQUIRE(lbs_sim_run(&c, (enum lb_policy)p, LBS_WL_CHURN, &a) == 0);
		c.acceptors = 4;
		REQUIRE(lbs_sim_run(&c, (enum lb_policy)p, LBS_WL_CHURN, &b) == 0);
		CHECK(strcmp(a.check, "ok") == 0 && strcmp(b.check, "ok") == 0);
		CHECK_EQ(b.acceptors, 4);
		CHECK(b.max_lag_ns < a.max_lag_ns);
		CHECK(b.vcpu_accept_ns < a.vcpu_accept_ns);
		CHECK(b.acceptor_cpu_ns > a.acceptor_cpu_ns);
		CHECK_EQ(a.alloc_failures + b.alloc_failures, 0);
	}
}

/* Eager's set-up shared by 8 vCPUs: faster than on one, slower than an
 * eighth of it (host contention). */
TEST(lbsim_eager_parallel_setup)
{
	struct lbs_sim_config c;
	struct lbs_result one, eight;

	small_config(&c);
	c.pre_accepted_bytes = 0;
	REQUIRE(lbs_sim_run(&c, LB_POLICY_EAGER, LBS_WL_FILL, &one) == 0);
	c.vcpus = 8;
	REQUIRE(lbs_sim_run(&c, LB_POLICY_EAGER, LBS_WL_FILL, &eight) == 0);
	CHECK(strcmp(one.check, "ok") == 0 && strcmp(eight.check, "ok") == 0);
	CHECK(one.setup_accepted_bytes == eight.setup_accepted_bytes);
	CHECK(eight.setup_accepted_bytes > (UINT64_C(250) << 20));
	CHECK(eight.setup_virtual_ns < one.setup_virtual_ns);
	CHECK(eight.setup_virtual_ns > one.setup_virtual_ns / 8);
	/* afterwards nobody accepts */
	CHECK_EQ(eight.vcpu_accept_ns, 0);
	CHECK_EQ(eight.lat_max, 0);
}

/* One global accept lock: the more vCPUs fault at once, the longer they
 * wait for it; per-block locking makes no one wait here. */
TEST(lbsim_global_lock_waits_grow)
{
	struct lbs_sim_config c;
	struct lbs_result two, eight, free8;

	small_config(&c);
	c.pre_accepted_bytes = 0;
	c.lock = LBS_LOCK_GLOBAL;
	c.vcpus = 2;
	REQUIRE(lbs_sim_run(&c, LB_POLICY_UNIT, LBS_WL_FILL, &two) == 0);
	c.vcpus = 8;
	REQUIRE(lbs_sim_run(&c, LB_POLICY_UNIT, LBS_WL_FILL, &eight) == 0);
	c.lock = LBS_LOCK_UNIT;
	REQUIRE(lbs_sim_run(&c, LB_POLICY_UNIT, LBS_WL_FILL, &free8) == 0);
	CHECK(two.wait_ns > 0);
	CHECK(eight.wait_ns > two.wait_ns);
	CHECK(strcmp(eight.lock, "global") == 0);
	CHECK_EQ(free8.wait_ns, 0);
}

/* Linux before watermarks: boot's early allocations on the boot CPU
 * accept a 4 MiB block each, however much accepted memory is free; 13
 * more for each other vCPU brought up. Nothing else accepts that early. */
TEST(lbsim_linux_early_boot_storm)
{
	struct lbs_sim_config c;
	struct lbs_result r;

	small_config(&c);
	c.memory_bytes = UINT64_C(1) << 30;
	c.pre_accepted_bytes = UINT64_C(640) << 20; /* boot's 512 MiB fit in it */
	c.vcpus = 2;
	REQUIRE(lbs_sim_run(&c, LB_POLICY_LINUX, LBS_WL_BOOT, &r) == 0);
	CHECK(strcmp(r.check, "ok") == 0);
	CHECK_EQ(r.setup_accepted_bytes, 0); /* the unaccepted range is unit-aligned */
	CHECK_EQ(r.accept_calls, LBS_BOOT_EARLY_ALLOCS + LBS_BOOT_AP_ALLOCS);
	CHECK_EQ(r.accepted_bytes,
		 (UINT64_C(4) << 20) * (LBS_BOOT_EARLY_ALLOCS + LBS_BOOT_AP_ALLOCS));
	CHECK(r.fits_pre_accepted);
	REQUIRE(lbs_sim_run(&c, LB_POLICY_UNIT, LBS_WL_BOOT, &r) == 0);
	CHECK_EQ(r.accepted_bytes - r.setup_accepted_bytes, 0);
}

/* A run that fits in what firmware accepted says so, once per workload. */
TEST(lbsim_fits_note)
{
	struct lbs_sim_config c;
	struct lbs_result r[2];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	small_config(&c);
	c.pre_accepted_bytes = UINT64_C(192) << 20; /* boot holds 128 MiB */
	REQUIRE(lbs_sim_run(&c, LB_POLICY_UNIT, LBS_WL_BOOT, &r[0]) == 0);
	REQUIRE(lbs_sim_run(&c, LB_POLICY_EXACT, LBS_WL_BOOT, &r[1]) == 0);
	CHECK(r[0].fits_pre_accepted && r[1].fits_pre_accepted);
	f = open_memstream(&buf, &len);
	REQUIRE(f);
	lbs_print_table(f, r, 2);
	fclose(f);
	CHECK_EQ(count_str(buf, "note: boot never holds more than"), 1);
	CHECK(strstr(buf, "--pre-accepted 0") != NULL);
	free(buf);
	c.pre_accepted_bytes = 0;
	REQUIRE(lbs_sim_run(&c, LB_POLICY_UNIT, LBS_WL_BOOT, &r[0]) == 0);
	CHECK(!r[0].fits_pre_accepted);
}

/* A cost file with a preset's figures gives the preset's results. */
TEST(lbsim_cost_file_runs_as_its_preset)
{
	struct lbs_sim_config c;
	struct lbs_result a, b;

	small_config(&c);
	c.have_model = 0;
	snprintf(c.backend, sizeof c.backend, "%s", "tdx-4k");
	REQUIRE(lbs_sim_run(&c, LB_POLICY_UNIT, LBS_WL_FILL, &a) == 0);
	REQUIRE(lb_model_preset("tdx-4k", &c.model) == LB_OK);
	c.have_model = 1;
	snprintf(c.backend, sizeof c.backend, "%s", "mine");
	REQUIRE(lbs_sim_run(&c, LB_POLICY_UNIT, LBS_WL_FILL, &b) == 0);
	CHECK(strcmp(b.backend, "mine") == 0);
	snprintf(b.backend, sizeof b.backend, "%s", a.backend);
	CHECK(same_result(&a, &b));
	CHECK(a.vcpu_accept_ns > 0);
}

/*
 * The accept storm of SMP bring-up on a host that maps 4 KiB (dstack PR
 * 1220): before watermarks the boot CPU accepts a 4 MiB block for every
 * allocation, 13 for each vCPU it brings up, and each fault costs more
 * with every vCPU online. So the storm grows with the square of the vCPU
 * count: 4x the vCPUs cost well over 4x the time.
 */
TEST(lbsim_bring_up_storm_grows_with_the_square)
{
	struct lbs_sim_config c;
	struct lbs_result r8, r32;

	small_config(&c);
	c.have_model = 0;
	snprintf(c.backend, sizeof c.backend, "%s", "tdx-4k");
	c.memory_bytes = UINT64_C(4) << 30;
	c.pre_accepted_bytes = UINT64_C(1) << 30; /* the storm has room; boot's burst fits after */
	c.rate = LBS_RATE_MAX;
	c.vcpus = 8;
	REQUIRE(lbs_sim_run(&c, LB_POLICY_LINUX, LBS_WL_BOOT, &r8) == 0);
	c.vcpus = 32;
	REQUIRE(lbs_sim_run(&c, LB_POLICY_LINUX, LBS_WL_BOOT, &r32) == 0);
	CHECK(strcmp(r8.check, "ok") == 0 && strcmp(r32.check, "ok") == 0);
	CHECK_EQ(r8.accept_calls, LBS_BOOT_EARLY_ALLOCS + 7 * LBS_BOOT_AP_ALLOCS);
	CHECK_EQ(r32.accept_calls, LBS_BOOT_EARLY_ALLOCS + 31 * LBS_BOOT_AP_ALLOCS);
	uint64_t storm8 = r8.vcpu_accept_ns, storm32 = r32.vcpu_accept_ns;
	CHECK(storm32 > 4 * storm8);
	/* The first 64 blocks cost the same; the APs' part would grow 31/7 =
	 * 4.4 times with a constant fault cost, and grows 7.6 times. */
	uint64_t block = 1024 * UINT64_C(8000) + 2 * UINT64_C(1000);
	uint64_t early = LBS_BOOT_EARLY_ALLOCS * block;
	CHECK_EQ(r8.vcpu_accept_ns - early, 13 * 1024 * (7 * UINT64_C(8000) + 21 * UINT64_C(587)) +
						     7 * 13 * 2 * UINT64_C(1000));
	CHECK((storm32 - early) > 7 * (storm8 - early));
}
