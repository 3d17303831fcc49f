/* SPDX-License-Identifier: MIT */
/*
 * The host's capacity (tools/lbsim/run/timed.h, docs/model.md) cannot
 * mislead: its acceptance throughput never falls as more calls overlap,
 * for every preset and for random cost files; and while every background
 * thread has an idle CPU and the host is not saturated, adding an
 * acceptor thread never raises the vCPUs' lag.
 */
#include "fixture.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tools/lbsim/model/cost.h"
#include "../tools/lbsim/run/sched.h"
#include "../tools/lbsim/run/sim.h"
#include "../tools/lbsim/run/timed.h"
#include "../tools/lbsim/run/workload.h"

#define MIB (UINT64_C(1) << 20)
#define MAX_K 16

/* k vCPUs each accept a unit of their own at time 0. */
struct burst {
	struct lbs_sched s;
	struct lbs_timed t;
	struct lb_backend be;
};

static void accept_event(void *ctx, unsigned a)
{
	struct burst *b = ctx;

	b->be.ops->accept(b->be.ctx, (uint64_t)a * 2 * MIB, 2 * MIB);
}

/* When the last of k accepts of 2 MiB started together ends. */
static uint64_t burst_end(const struct lbs_model *mp, unsigned k)
{
	struct burst b;
	uint64_t end = 0;

	memset(&b, 0, sizeof b);
	if (lbs_timed_init(&b.t, mp, k, k, LBS_LOCK_UNIT, &b.be) ||
	    lbs_sched_init(&b.s, k, accept_event, &b))
		return 0;
	lbs_timed_attach(&b.t, &b.s);
	for (unsigned a = 0; a < k; a++)
		lbs_sched_set(&b.s, a, 0);
	lbs_sched_run(&b.s);
	for (unsigned a = 0; a < k; a++)
		if (b.t.busy[a] > end)
			end = b.t.busy[a];
	lbs_sched_fini(&b.s);
	lbs_timed_fini(&b.t);
	return end;
}

/* k / end(k) never below (k - 1) / end(k - 1), up to a nanosecond of
 * rounding per call. */
static int throughput_never_falls(const struct lbs_model *mp, const char *what)
{
	uint64_t prev = burst_end(mp, 1);

	for (unsigned k = 2; k <= MAX_K; k++) {
		uint64_t end = burst_end(mp, k);

		if ((unsigned __int128)k * prev + (unsigned __int128)k * k <
		    (unsigned __int128)(k - 1) * end) {
			char m[256];
			snprintf(m, sizeof m, "%s: %u accepts end at %llu ns, %u at %llu", what,
				 k - 1, (unsigned long long)prev, k, (unsigned long long)end);
			lbt_fail(__FILE__, __LINE__, m);
			return 0;
		}
		prev = end;
	}
	return 1;
}

TEST(host_throughput_never_falls_presets)
{
	static const char *const presets[] = {"tdx-4k", "tdx", "snp-4k", "snp", "free"};
	struct lbs_model mp;

	for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
		REQUIRE(lbs_model_preset(presets[i], &mp) == LB_OK);
		CHECK(throughput_never_falls(&mp, presets[i]));
	}
	/* the presets keep no contention: k at once end as one does */
	REQUIRE(lbs_model_preset("tdx", &mp) == LB_OK);
	CHECK(burst_end(&mp, 8) == burst_end(&mp, 1));
	/* and each form does what it says: a capacity of 2.08 saturates
	 * past 2 accepts; 2.5% each makes 4 at once take 1.075 times one */
	mp.host_capacity_pct = 208;
	CHECK(burst_end(&mp, 2) == burst_end(&mp, 1));
	CHECK(burst_end(&mp, 4) > burst_end(&mp, 1) * 190 / 100);
	mp.host_capacity_pct = 0;
	mp.host_contention_bp = 250;
	CHECK(burst_end(&mp, 4) * 1000 >= burst_end(&mp, 1) * 1074 &&
	      burst_end(&mp, 4) * 1000 <= burst_end(&mp, 1) * 1076);
	/* both: the slower rules, 4 at once as the capacity's */
	mp.host_capacity_pct = 208;
	{
		uint64_t both = burst_end(&mp, 4);

		mp.host_contention_bp = 0;
		CHECK(both == burst_end(&mp, 4));
	}
}

/* Random cost files, through the file reader: every one it accepts keeps
 * the property; a capacity below one accept is refused. */
TEST(host_throughput_never_falls_cost_files)
{
	char path[] = "/tmp/lbhost-XXXXXX", name[LBS_NAME_MAX], err[512];
	struct lbs_rng rng;
	struct lbs_model mp;
	int fd = mkstemp(path), accepted = 0;

	REQUIRE(fd >= 0);
	close(fd);
	lbs_rng_seed(&rng, 20261206);
	for (int i = 0; i < 40; i++) {
		uint64_t cap = i % 8 == 0 ? 0 : 100 + lbs_rng_below(&rng, 2000);
		uint64_t cont = i % 3 == 0 ? 0 : lbs_rng_below(&rng, 10001); /* either form, or both */
		FILE *f = fopen(path, "w");
		char what[64];

		REQUIRE(f);
		fprintf(f, "preset = %s\naccept_call_ns = %llu\naccept_page_ns = %llu\n"
			   "host_fault_ns = %llu\nhost_capacity_pct = %llu\nhost_contention_bp = %llu\n",
			i % 2 ? "tdx" : "tdx-4k",
			(unsigned long long)lbs_rng_below(&rng, 100000),
			(unsigned long long)lbs_rng_below(&rng, 5000),
			(unsigned long long)lbs_rng_below(&rng, 20000), (unsigned long long)cap,
			(unsigned long long)cont);
		fclose(f);
		if (lbs_cost_load(path, &mp, name, sizeof name, err, sizeof err) != LBS_COST_FILE) {
			printf("    %s\n", err);
			lbt_fail(__FILE__, __LINE__, "a cost file in range was refused");
			continue;
		}
		accepted++;
		snprintf(what, sizeof what, "random cost file %d (capacity %llu%%, contention %llu bp)",
			 i, (unsigned long long)cap, (unsigned long long)cont);
		CHECK(throughput_never_falls(&mp, what));
	}
	CHECK_EQ(accepted, 40);
	FILE *f = fopen(path, "w");
	REQUIRE(f);
	fputs("preset = tdx\nhost_capacity_pct = 99\n", f);
	fclose(f);
	CHECK(lbs_cost_load(path, &mp, name, sizeof name, err, sizeof err) < 0);
	unlink(path);
}

/* A host of 10 accepts' worth, an idle CPU for every background thread:
 * from 1 to 5 acceptor threads the vCPU's max lag never rises, and the
 * workloads one thread cannot keep up with fall behind less with more. */
TEST(host_more_acceptors_never_raise_lag)
{
	static const struct {
		enum lbs_workload w;
		uint64_t rate;
	} loads[] = {
		{LBS_WL_FILL, 100000}, /* under one thread's 0.48 GiB/s */
		{LBS_WL_FILL, 262144}, /* over it */
		{LBS_WL_CHURN, 0},
		{LBS_WL_BOOT, 0},
	};
	struct lbs_sim_config c;
	struct lbs_result r;

#if LB_DEBUG >= 2
	/* The full checker every 64 operations makes these runs take
	 * minutes; the release and ASan builds run them. */
	printf("    (skipped in the debug build)\n");
	return;
#endif
	for (int p = LB_POLICY_BACKGROUND; p <= LB_POLICY_ADAPTIVE; p++) {
		for (size_t i = 0; i < sizeof loads / sizeof loads[0]; i++) {
			uint64_t lag[6] = {0};

			for (unsigned k = 1; k <= 5; k++) {
				lbs_sim_defaults(&c);
				REQUIRE(lbs_model_preset("tdx-4k", &c.model) == LB_OK);
				c.model.host_capacity_pct = 1000;
				c.have_model = 1;
				snprintf(c.backend, sizeof c.backend, "wide");
				c.memory_bytes = UINT64_C(1) << 30;
				c.pre_accepted_bytes = 0;
				c.churn_ops = 20000;
				c.rate = loads[i].rate;
				c.acceptors = k;
				c.cpus = 1 + k + 1;
				REQUIRE(lbs_sim_run(&c, (enum lb_policy)p, loads[i].w, &r) == 0);
				CHECK(strcmp(r.check, "ok") == 0);
				CHECK_EQ(r.stolen_ns, 0);
				lag[k] = r.max_lag_ns;
				lbs_result_free(&r);
				if (k > 1 && lag[k] > lag[k - 1]) {
					char m[256];
					snprintf(m, sizeof m, "%s %s: max lag %llu ns with %u threads, "
						 "%llu with %u", lb_policy_name((enum lb_policy)p),
						 lbs_workload_name(loads[i].w),
						 (unsigned long long)lag[k], k,
						 (unsigned long long)lag[k - 1], k - 1);
					lbt_fail(__FILE__, __LINE__, m);
				}
			}
			if (loads[i].rate != 100000)
				CHECK(lag[5] < lag[1] / 4);
		}
	}
}
