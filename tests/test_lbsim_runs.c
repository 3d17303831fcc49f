/* SPDX-License-Identifier: MIT */
/* lbsim's runs: determinism, set-up errors, every policy and workload on a
 * small guest, JSON and table output, parallel guests (the parsers, the
 * histogram, the PRNG and the memory map: test_lbsim.c). */
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

/* Every field but the wall clock's (lbs_results_same); the first that
 * differs is named. */
static int same_result(const struct lbs_result *a, const struct lbs_result *b)
{
	const struct lbs_field *f = NULL;

	if (lbs_results_same(a, b, &f))
		return 1;
	printf("    %s %s: %s differs\n", a->policy, a->workload, f->name);
	return 0;
}

/* The rule of determinism sees a change in any field but the wall clock's. */
TEST(lbsim_results_same_walks_every_field)
{
	struct lbs_sim_config c;
	struct lbs_result a, b;
	const struct lbs_field *f = NULL;

	small_config(&c);
	c.memory_bytes = UINT64_C(64) << 20;
	c.pre_accepted_bytes = UINT64_C(16) << 20;
	c.churn_ops = 2000;
	REQUIRE(lbs_sim_run(&c, LB_POLICY_UNIT, LBS_WL_CHURN, &a) == 0);
	b = a;
	b.init_ns += 12345; /* wall clock: not a difference */
	CHECK(lbs_results_same(&a, &b, &f));
	b.max_lag_ns++; /* a field, or one computed from it, is named */
	CHECK(!lbs_results_same(&a, &b, &f) && f &&
	      (strcmp(f->name, "max_lag_ns") == 0 || f->type == LBS_FT_CALC));
	b = a;
	b.check[0] ^= 1;
	CHECK(!lbs_results_same(&a, &b, &f) && f && strcmp(f->name, "check") == 0);
	for (size_t i = 0; i < lbs_nfields; i++) /* every stored number counts */
		if (lbs_fields[i].type == LBS_FT_U64 && !lbs_field_wall_clock(&lbs_fields[i])) {
			b = a;
			((uint64_t *)(void *)((char *)&b + lbs_fields[i].offset))[0]++;
			if (lbs_results_same(&a, &b, NULL))
				lbt_fail(__FILE__, __LINE__, lbs_fields[i].name);
		}
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
	lbs_print_table(f, r, 2, 1);
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
	lbs_print_table(f, r, 2, 1);
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
	REQUIRE(lbs_model_preset("tdx-4k", &c.model) == LB_OK);
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

/* vCPUs due at once take turns (sched.h): operations served from the free
 * lists take no virtual time, and by actor number vCPU 0 would empty every
 * unit another vCPU had just accepted before vCPU 1 ran once, so n vCPUs
 * filling back to back on a host without contention took far more than
 * 1/n of one vCPU's time (2 vCPUs: 0.85 of it). Now each takes its share
 * of the acceptance, and n vCPUs fill in 1/n of the time, within 3% (at
 * 8 vCPUs the last units are shared out less evenly). */
TEST(lbsim_vcpus_due_at_once_take_turns)
{
	struct lbs_sim_config c;
	struct lbs_result r;
	uint64_t one = 0;

	lbs_sim_defaults(&c);
	c.memory_bytes = UINT64_C(1) << 30;
	c.pre_accepted_bytes = 0;
	c.rate = LBS_RATE_MAX;
	for (unsigned n = 1; n <= 8; n *= 2) {
		c.vcpus = n;
		REQUIRE(lbs_sim_run(&c, LB_POLICY_UNIT, LBS_WL_FILL, &r) == 0);
		CHECK(strcmp(r.check, "ok") == 0);
		if (n == 1)
			one = r.virtual_time_ns;
		else
			CHECK(r.virtual_time_ns * n * 100 <= one * 103 &&
			      r.virtual_time_ns * n * 100 >= one * 97);
		lbs_result_free(&r);
	}
}

/* --first-write: the vCPU writes each page it is handed after the
 * allocation, on its own CPU, at the model's write_gib_ns: a fill of
 * one vCPU takes exactly that much longer per page it allocated, and its
 * allocations' latency does not change. Off by default. */
TEST(lbsim_first_write)
{
	struct lbs_sim_config c;
	struct lbs_result off, on;
	struct lbs_model m;

	lbs_sim_defaults(&c);
	c.memory_bytes = UINT64_C(256) << 20;
	c.pre_accepted_bytes = 0;
	c.rate = LBS_RATE_MAX;
	REQUIRE(lbs_model_preset("tdx-4k", &m) == LB_OK && m.write_gib_ns > 0);
	CHECK(!c.first_write);
	REQUIRE(lbs_sim_run(&c, LB_POLICY_UNIT, LBS_WL_FILL, &off) == 0);
	c.first_write = 1;
	REQUIRE(lbs_sim_run(&c, LB_POLICY_UNIT, LBS_WL_FILL, &on) == 0);
	CHECK(strcmp(on.check, "ok") == 0);
	CHECK(!off.first_write && on.first_write);
	CHECK_EQ(on.allocations, off.allocations);
	/* each order-0 page: write_gib_ns / 262144, in whole ns */
	CHECK_EQ(on.virtual_time_ns - off.virtual_time_ns,
		 on.allocations * (m.write_gib_ns / 262144));
	CHECK_EQ(on.lat_max, off.lat_max);
	lbs_result_free(&off);
	lbs_result_free(&on);
}
