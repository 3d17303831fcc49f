/* SPDX-License-Identifier: MIT */
/*
 * lbbench's machinery, never its timings: every allocator hands out
 * distinct, aligned, writable blocks; a --quick run goes through every
 * benchmark function; the JSON carries the keys; the percentile and median
 * helpers agree with a sorted array; --paths runs every path and takes only
 * its own options.
 */
#include "harness.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/lbbench/alloc.h"
#include "../tools/lbbench/cli.h"
#include "../tools/lbbench/clock.h"
#include "../tools/lbbench/measure.h"
#include "../tools/lbbench/output.h"
#include "../tools/lbbench/params.h"
#include "../tools/lbbench/paths.h"
#include "../tools/lbbench/stats.h"

/* The dlopen'ed baselines may be missing (or, for jemalloc, need a larger
 * static TLS surplus than this process has); the others must work. */
static bool optional(const struct lbb_allocator *a)
{
	return !strcmp(a->name, "jemalloc") || !strcmp(a->name, "mimalloc");
}

TEST(bench_percentile_nearest_rank)
{
	uint64_t v[1000], one = 7, four[] = { 1, 2, 3, 4 };
	double odd[] = { 3, 1, 2 }, even[] = { 4, 1, 3, 2 };

	for (int i = 0; i < 1000; i++)
		v[i] = (uint64_t)(i + 1);
	CHECK_EQ(lbb_percentile(v, 1000, 500000), 500);
	CHECK_EQ(lbb_percentile(v, 1000, 990000), 990);
	CHECK_EQ(lbb_percentile(v, 1000, 999000), 999);
	CHECK_EQ(lbb_percentile(v, 1000, 1000000), 1000);
	CHECK_EQ(lbb_percentile(v, 1000, 0), 1);
	CHECK_EQ(lbb_percentile(v, 0, 500000), 0);
	CHECK_EQ(lbb_percentile(&one, 1, 999000), 7);
	CHECK_EQ(lbb_percentile(four, 4, 500000), 2);
	CHECK_EQ(lbb_percentile(four, 4, 500001), 3);
	CHECK(lbb_median(odd, 3) == 2.0);
	CHECK(lbb_median(even, 4) == 2.5);
	CHECK(lbb_median(odd, 0) == 0.0);
}

/* Against the definition on shuffled data with duplicates: v is the
 * percentile iff at least rank values are <= v and fewer are < v. */
TEST(bench_percentile_matches_definition)
{
	enum { N = 997 };
	static const uint32_t ppm[] = { 1, 250000, 500000, 900000, 990000, 999000, 1000000 };
	uint64_t v[N], rng = 42;

	for (int i = 0; i < N; i++)
		v[i] = lbb_rand(&rng) % 300;
	lbb_sort_u64(v, N);
	for (int i = 1; i < N; i++)
		REQUIRE(v[i - 1] <= v[i]);
	for (size_t k = 0; k < sizeof ppm / sizeof ppm[0]; k++) {
		uint64_t p = lbb_percentile(v, N, ppm[k]);
		uint64_t rank = ((uint64_t)N * ppm[k] + 999999) / 1000000, le = 0, lt = 0;

		for (int i = 0; i < N; i++) {
			le += v[i] <= p;
			lt += v[i] < p;
		}
		CHECK(le >= rank);
		CHECK(lt < rank);
	}
}

struct span {
	uintptr_t lo, hi;
};

static int by_lo(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* Blocks of every order from one thread: distinct, aligned, writable. */
static void check_blocks(struct lbb_allocator *a)
{
	enum { NB = 33 };
	struct lbb_block b[NB];
	struct span s[NB];
	void *t;
	int n = 0;

	REQUIRE(a->ops->begin(a) == 0);
	if (a->ops->thread_open(a, &t)) {
		lbt_fail(__FILE__, __LINE__, a->name);
		a->ops->end(a);
		return;
	}
	for (; n < NB; n++) {
		unsigned order = (unsigned)n % 11;
		size_t size = (size_t)4096 << order;
		unsigned char *p;

		if (a->ops->alloc(t, order, &b[n])) {
			lbt_fail(__FILE__, __LINE__, a->name);
			break;
		}
		p = b[n].p;
		CHECK(p != NULL);
		CHECK((uintptr_t)p % 4096 == 0);
		if (!strncmp(a->name, "lazybuddy-", 10))
			CHECK(b[n].h % size == 0); /* buddy blocks are naturally aligned */
		p[0] = 0x5a;
		p[size - 1] = 0xa5;
		if (order <= 2)
			memset(p, n, size);
		s[n].lo = (uintptr_t)p;
		s[n].hi = (uintptr_t)p + size;
	}
	qsort(s, (size_t)n, sizeof s[0], by_lo);
	for (int i = 1; i < n; i++)
		CHECK(s[i - 1].hi <= s[i].lo);
	for (int i = 0; i < n; i++)
		CHECK(a->ops->free(t, &b[i], (unsigned)i % 11) == 0);
	a->ops->thread_close(a, t);
	a->ops->end(a);
}

TEST(bench_allocators_give_distinct_aligned_writable_blocks)
{
	struct lbb_allocator al[LBB_MAX_ALLOCATORS];
	struct lbb_params p;
	size_t n = lbb_allocator_list(al, LBB_MAX_ALLOCATORS);
	size_t lazy = 0;

	lbb_params_default(&p, true);
	CHECK(n >= 14); /* 11 lazybuddy, glibc, mmap, and the optional two */
	for (size_t i = 0; i < n; i++) {
		if (al[i].ops->init(&al[i], &p)) {
			if (!optional(&al[i]))
				lbt_fail(__FILE__, __LINE__, al[i].why);
			continue;
		}
		lazy += !strncmp(al[i].name, "lazybuddy-", 10);
		check_blocks(&al[i]);
		al[i].ops->fini(&al[i]);
	}
	CHECK_EQ(lazy, 11);
}

TEST(bench_quick_run_through_every_workload)
{
	struct lbb_allocator al[LBB_MAX_ALLOCATORS];
	struct lbb_params p;
	size_t n = lbb_allocator_list(al, LBB_MAX_ALLOCATORS);
	uint64_t overhead = lbb_clock_overhead_ns();

	lbb_params_default(&p, true);
	p.repeats = 2;
	for (size_t i = 0; i < n; i++) {
		if (al[i].ops->init(&al[i], &p)) {
			CHECK(optional(&al[i]));
			continue;
		}
		for (int b = 0; b < LBB_NBENCH; b++) {
			/* handoff on 3: a pair, and one thread that is its own partner */
			unsigned threads = b == LBB_CHURN || b == LBB_HANDOFF ? 3 : 1;
			struct lbb_result r;
			int rc = lbb_measure(&al[i], (enum lbb_bench)b, threads, &p, overhead, &r);

			if (rc || r.error[0]) {
				printf("    %s %s: %s\n", al[i].name, lbb_bench_name((enum lbb_bench)b),
				       r.error);
				lbt_fail(__FILE__, __LINE__, "lbb_measure");
				continue;
			}
			CHECK_EQ(r.threads, threads);
			CHECK_EQ(r.repeats, 2);
			CHECK(r.ops > 0);
			CHECK(r.samples > 0);
			CHECK(r.ns_per_op > 0);
			CHECK(r.cpus > 0);
			CHECK(r.p50 <= r.p99 && r.p99 <= r.p999 && r.p999 <= r.max);
			CHECK(!strcmp(r.allocator, al[i].name));
			CHECK(r.memory == al[i].memory);
		}
		al[i].ops->fini(&al[i]);
	}
}

TEST(bench_json_has_the_keys)
{
	static const char *const keys[] = {
		"\"bench\": \"churn\"", "\"allocator\": \"lazybuddy-unit\"",
		"\"memory\": \"lazy-mmap\"", "\"threads\": 4", "\"ns_per_op\": 12.50",
		"\"mops_per_s\": 80.00", "\"cpus\": 3.50",
		"\"p50\": 10", "\"p99\": 20", "\"p999\": 30", "\"max\": 40",
		"\"bench\": \"fill_drain\"", "\"memory\": \"accepted\"",
		"\"error\": null", "\"error\": \"free: \\\"x\\\"\\\\\"",
	};
	struct lbb_result r[2];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	REQUIRE(f);
	memset(r, 0, sizeof r);
	r[0].bench = LBB_CHURN;
	snprintf(r[0].allocator, sizeof r[0].allocator, "lazybuddy-unit");
	r[0].memory = LBB_MEM_LAZY;
	r[0].threads = 4;
	r[0].ns_per_op = 12.5;
	r[0].mops = 80;
	r[0].cpus = 3.5;
	r[0].p50 = 10;
	r[0].p99 = 20;
	r[0].p999 = 30;
	r[0].max = 40;
	r[1].bench = LBB_FILL_DRAIN;
	snprintf(r[1].allocator, sizeof r[1].allocator, "glibc");
	r[1].memory = LBB_MEM_ACCEPTED;
	snprintf(r[1].error, sizeof r[1].error, "free: \"x\"\\");
	lbb_print_json(f, r, 2);
	fclose(f);
	REQUIRE(buf);
	CHECK(buf[0] == '[');
	CHECK(len >= 2 && !strcmp(buf + len - 2, "]\n"));
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
		if (!strstr(buf, keys[k]))
			lbt_fail(__FILE__, __LINE__, keys[k]);
	free(buf);
}

TEST(bench_cli_options)
{
	char *argv[] = { "lbbench", "--quick", "--bench", "churn,fill_drain", "--threads=1,3",
			 "--allocator", "lazybuddy,glibc", "--memory", "lazy-mmap", "--json",
			 "--repeats", "3", NULL };
	struct lbb_allocator al[LBB_MAX_ALLOCATORS];
	struct lbb_cli c;
	const unsigned *t;
	size_t n = lbb_allocator_list(al, LBB_MAX_ALLOCATORS), wanted = 0;
	FILE *devnull = fopen("/dev/null", "w");

	REQUIRE(devnull);
	REQUIRE(lbb_cli_parse(12, argv, &c, devnull) == 0);
	CHECK(c.json);
	CHECK(c.bench[LBB_CHURN] && !c.bench[LBB_MIXED] && c.bench[LBB_FILL_DRAIN]);
	CHECK_EQ(c.p.repeats, 3);
	CHECK_EQ(c.p.churn_live, 256); /* --quick */
	CHECK_EQ(lbb_cli_threads(&c, LBB_MIXED, &t), 2);
	CHECK(t[0] == 1 && t[1] == 3);
	for (size_t i = 0; i < n; i++)
		wanted += lbb_cli_wants(&c, &al[i]);
	CHECK_EQ(wanted, 5); /* the lazy-mmap lazybuddy policies; glibc is accepted */

	char *bad[] = { "lbbench", "--bench", "nope", NULL };
	CHECK(lbb_cli_parse(3, bad, &c, devnull) != 0);
	char *defaults[] = { "lbbench", NULL };
	REQUIRE(lbb_cli_parse(1, defaults, &c, devnull) == 0);
	CHECK_EQ(lbb_cli_threads(&c, LBB_CHURN, &t), 5);
	CHECK_EQ(lbb_cli_threads(&c, LBB_MIXED, &t), 5);
	CHECK_EQ(lbb_cli_threads(&c, LBB_FILL_DRAIN, &t), 1);
	CHECK_EQ(c.p.ops, 1000000);
	fclose(devnull);
}

/* Every path of --paths runs, with no error, and times something; the
 * ratios in its output are against the reference loop. */
TEST(bench_paths_run)
{
	struct lbb_path_result r[LBB_NPATHS];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	REQUIRE(lbb_paths_measure(3, 2000, 1, r) == 0);
	for (unsigned p = 0; p < LBB_NPATHS; p++) {
		CHECK_EQ(r[p].err, 0);
		CHECK(r[p].ns > 0 && r[p].min <= r[p].ns && r[p].ns <= r[p].max);
		CHECK(r[p].name && *r[p].name);
	}
	f = open_memstream(&buf, &len);
	REQUIRE(f);
	lbb_paths_print(f, r, true, 3, 2000);
	fclose(f);
	CHECK(strstr(buf, "\"path\": \"cache churn\"") && strstr(buf, "\"path\": \"zone churn\""));
	CHECK(strstr(buf, "\"ratio\": 1.000")); /* the reference against itself */
	free(buf);
}

TEST(bench_paths_options)
{
	char *ok[] = { "lbbench", "--paths", "--repeats", "3", "--ops", "1000", "--json", NULL };
	char *bad[] = { "lbbench", "--paths", "--threads", "2", NULL };
	char *bad2[] = { "lbbench", "--no-cache", "--paths", NULL };
	char *plain[] = { "lbbench", "--paths", NULL };
	struct lbb_cli c;
	FILE *devnull = fopen("/dev/null", "w");

	REQUIRE(devnull);
	REQUIRE(lbb_cli_parse(7, ok, &c, devnull) == 0);
	CHECK(c.paths && c.json && c.ops_given);
	CHECK_EQ(c.p.repeats, 3);
	CHECK_EQ(c.p.ops, 1000);
	CHECK(lbb_cli_parse(4, bad, &c, devnull) != 0);
	CHECK(lbb_cli_parse(3, bad2, &c, devnull) != 0);
	REQUIRE(lbb_cli_parse(2, plain, &c, devnull) == 0);
	CHECK(c.paths && !c.ops_given);
	CHECK_EQ(c.p.paths_ops, 4000000);
	fclose(devnull);
}

TEST(bench_cli_version)
{
	char *argv[] = { "lbbench", "--version", NULL };
	char *bad[] = { "lbbench", "--version=1", NULL };
	char *none[] = { "lbbench", NULL };
	struct lbb_cli c;
	FILE *devnull = fopen("/dev/null", "w");

	REQUIRE(devnull);
	REQUIRE(lbb_cli_parse(2, argv, &c, devnull) == 0);
	CHECK(c.version && !c.help);
	CHECK(lbb_cli_parse(2, bad, &c, devnull) != 0);
	REQUIRE(lbb_cli_parse(1, none, &c, devnull) == 0);
	CHECK(!c.version);
	fclose(devnull);
}

/* --ops is what a churn or mixed run does, all threads together, exactly
 * (odd counts, counts that do not divide among the threads), down to the
 * fill of the live sets; fill_drain is one fill and its drain whatever it
 * says. The table's ops column is the count that ran. */
TEST(bench_ops_honoured)
{
	struct lbb_allocator al[LBB_MAX_ALLOCATORS], *glibc = NULL;
	struct lbb_params p;
	size_t n = lbb_allocator_list(al, LBB_MAX_ALLOCATORS);
	uint64_t overhead = lbb_clock_overhead_ns();
	static const struct {
		enum lbb_bench b;
		unsigned threads;
		uint64_t ops, want; /* want 0: the live sets' fill */
	} cases[] = {
		{LBB_CHURN, 1, 4001, 4001}, {LBB_CHURN, 3, 4001, 4001},
		{LBB_CHURN, 2, 1, 0},       {LBB_MIXED, 3, 1000, 1000},
		{LBB_MIXED, 1, 5, 0},       {LBB_FILL_DRAIN, 2, 7, 0},
		{LBB_HANDOFF, 3, 1001, 1000}, /* 334, 334, 333: half of each allocated, freed */
	};

	lbb_params_default(&p, true);
	p.repeats = 1;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(al[i].name, "glibc"))
			glibc = &al[i];
	REQUIRE(glibc && glibc->ops->init(glibc, &p) == 0);
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct lbb_result r;
		uint64_t want = cases[k].want;
		char *buf = NULL, line[64];
		size_t len = 0;
		FILE *f;

		if (!want) /* churn: its live pages a thread; the others split theirs */
			want = cases[k].b == LBB_CHURN ? cases[k].threads * p.churn_live
			       : cases[k].b == LBB_MIXED ? p.mixed_live
							 : 2 * p.fill_pages;
		p.ops = cases[k].ops;
		REQUIRE(lbb_measure(glibc, cases[k].b, cases[k].threads, &p, overhead, &r) == 0);
		if (r.ops != want) {
			snprintf(line, sizeof line, "case %zu: %llu operations, want %llu", k,
				 (unsigned long long)r.ops, (unsigned long long)want);
			lbt_fail(__FILE__, __LINE__, line);
		}
		f = open_memstream(&buf, &len);
		REQUIRE(f);
		lbb_print_table(f, &r, 1);
		fclose(f);
		REQUIRE(buf);
		snprintf(line, sizeof line, " %llu\n", (unsigned long long)r.ops);
		CHECK(strstr(buf, " ops\n") != NULL);
		CHECK(len > strlen(line) && !strcmp(buf + len - strlen(line), line));
		free(buf);
	}
	glibc->ops->fini(glibc);
}

/* --help gives the live sets and the fill as the full run has them. */
TEST(bench_help_gives_the_minimums)
{
	struct lbb_params p;
	char *buf = NULL, want[64], flat[4096];
	size_t len = 0, k = 0;
	FILE *f = open_memstream(&buf, &len);

	REQUIRE(f);
	lbb_cli_usage(f);
	fclose(f);
	REQUIRE(buf);
	for (size_t i = 0; buf[i] && k + 1 < sizeof flat; i++) { /* unwrapped */
		if (buf[i] == '\n' || buf[i] == ' ') {
			if (k && flat[k - 1] != ' ')
				flat[k++] = ' ';
		} else {
			flat[k++] = buf[i];
		}
	}
	flat[k] = '\0';
	lbb_params_default(&p, false);
	snprintf(want, sizeof want, "churn: %zu pages a thread", p.churn_live);
	CHECK(strstr(flat, want) != NULL);
	snprintf(want, sizeof want, "mixed: %zu blocks split", p.mixed_live);
	CHECK(strstr(flat, want) != NULL);
	snprintf(want, sizeof want, "one fill of %zu pages", p.fill_pages);
	CHECK(strstr(flat, want) != NULL);
	free(buf);
}
