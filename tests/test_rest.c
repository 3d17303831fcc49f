/* SPDX-License-Identifier: MIT */
/*
 * The acceptor's and the releaser's rest (lb_acceptor_resting,
 * lb_releaser_resting): a step that would do nothing and change nothing is
 * known before it runs, so a thread or a simulator may sleep through it.
 * What must hold: everything that can give the acceptor work ends its
 * rest, at once or at the close of the window that counts it, and the steps
 * skipped while resting change nothing, down to the addresses handed out.
 */
#include "fixture.h"
#include "harness.h"

#include <string.h>

#include "../src/internal.h"

#define MS UINT64_C(1000000)

/* Step at t until a step accepts nothing. */
static void fill_reserve(struct lb_zone *z, uint64_t t)
{
	for (unsigned i = 0; i < 1000 && lb_acceptor_step(z, t) > 0; i++)
		;
}

TEST(rest_begins_at_the_reserve_and_ends_with_what_gives_work)
{
	struct lb_acceptor_cfg ac = { 0 };
	struct fx f;
	uint64_t t = MS, until = 0, a;

	REQUIRE(fx_init(&f, fx_map1g, 2, LB_POLICY_BACKGROUND) == 0);
	CHECK_EQ(lb_acceptor_resting(f.z, t, &until), 0); /* never stepped */
	fill_reserve(f.z, t);
	CHECK_EQ(lb_acceptor_resting(f.z, t, &until), 1);
	CHECK(until == UINT64_MAX); /* a fixed reserve: no window lifts it */
	CHECK_EQ(lb_acceptor_resting(f.z, t + 3600 * 1000 * MS, NULL), 1);
	CHECK_EQ(lb_alloc(f.z, 0, 0, &a), 0);
	CHECK_EQ(lb_acceptor_resting(f.z, t, NULL), 0); /* memory handed out */
	fill_reserve(f.z, t);
	CHECK_EQ(lb_free(f.z, a, 0), 0);
	CHECK_EQ(lb_acceptor_resting(f.z, t, NULL), 1); /* a free only adds */
	CHECK_EQ(lb_acceptor_config(f.z, &ac), 0);
	CHECK_EQ(lb_acceptor_resting(f.z, t, NULL), 0); /* a new configuration */
	fill_reserve(f.z, t);
	CHECK_EQ(lb_zone_set_policy(f.z, LB_POLICY_ADAPTIVE), 0);
	CHECK_EQ(lb_acceptor_resting(f.z, t, NULL), 0); /* a new policy */
	CHECK_EQ(lb_acceptor_resting(NULL, t, NULL), LB_EINVAL);
	CHECK_EQ(lb_releaser_resting(NULL, t, NULL), LB_EINVAL);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* The releaser rests for its delay after a pass; a pass that gives memory
 * back ends the acceptor's rest (less is free), one that only looks does
 * not. */
TEST(rest_releaser_delay_and_what_it_gives_back)
{
	struct lb_releaser_cfg rc = { .delay_ns = 100 * MS, .min_order = 9, .batch = 32 };
	struct fx f;
	uint64_t t = MS, until = 0, a[64];

	REQUIRE(fx_init(&f, fx_map1g, 2, LB_POLICY_BACKGROUND) == 0);
	REQUIRE(lb_releaser_config(f.z, &rc) == 0);
	for (unsigned i = 0; i < 64; i++) /* 128 MiB, then free: twice the reserve */
		REQUIRE(lb_alloc(f.z, 9, 0, &a[i]) == 0);
	for (unsigned i = 0; i < 64; i++)
		REQUIRE(lb_free(f.z, a[i], 9) == 0);
	fill_reserve(f.z, t);
	CHECK_EQ(lb_releaser_resting(f.z, t, &until), 0); /* no pass yet */
	CHECK_EQ(lb_releaser_step(f.z, t), 0);            /* marks, takes nothing */
	CHECK_EQ(lb_acceptor_resting(f.z, t, NULL), 1);
	CHECK_EQ(lb_releaser_resting(f.z, t, &until), 1);
	CHECK(until == t + 100 * MS);
	CHECK_EQ(lb_releaser_resting(f.z, until - 1, NULL), 1);
	CHECK_EQ(lb_releaser_step(f.z, until - 1), 0);
	CHECK_EQ(lb_releaser_resting(f.z, until, NULL), 0);
	CHECK(lb_releaser_step(f.z, until) > 0);
	CHECK_EQ(lb_acceptor_resting(f.z, until, NULL), 0);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* Adaptive: a burst handed out while the reserve is met is seen by the
 * next step, which rests until the end of the rate window that counts it,
 * where the reserve it lifts is behind what is free: not a period later,
 * not a period sooner. */
TEST(rest_adaptive_until_the_window_that_lifts_the_reserve)
{
	struct lb_acceptor_cfg ac = { .horizon_ns = 100 * MS, .threads = 1 };
	static uint64_t pg[4096];
	struct fx f;
	uint64_t t = 10 * MS, until = 0, a[32];

	REQUIRE(fx_init(&f, fx_map1g, 2, LB_POLICY_ADAPTIVE) == 0);
	REQUIRE(lb_acceptor_config(f.z, &ac) == 0);
	for (unsigned i = 0; i < 32; i++) /* 64 MiB accepted and free */
		REQUIRE(lb_alloc(f.z, 9, 0, &a[i]) == 0);
	for (unsigned i = 0; i < 32; i++)
		REQUIRE(lb_free(f.z, a[i], 9) == 0);
	fill_reserve(f.z, t);
	CHECK_EQ(lb_acceptor_resting(f.z, t, &until), 1);
	CHECK(until == UINT64_MAX); /* nothing handed out since the windows began */
	for (unsigned i = 0; i < 4096; i++) /* 16 MiB in the window [10, 11) ms */
		REQUIRE(lb_alloc(f.z, 0, 0, &pg[i]) == 0);
	CHECK_EQ(lb_acceptor_resting(f.z, t + MS / 2, NULL), 0);
	CHECK_EQ(lb_acceptor_step(f.z, t + MS / 2), 0); /* the reserve is still met */
	CHECK_EQ(lb_acceptor_resting(f.z, t + MS / 2, &until), 1);
	CHECK(until == 11 * MS);
	CHECK_EQ(lb_acceptor_resting(f.z, until - 1, NULL), 1);
	CHECK_EQ(lb_acceptor_resting(f.z, until, NULL), 0);
	CHECK(lb_acceptor_step(f.z, until) > 0); /* 16 MiB a ms: behind */
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* A rest that began with pages handed out in a window not yet closed
 * ends at that window's close; a step that comes 1.7 ms after it (its
 * thread found no CPU) closes that window with those pages, and the
 * next empty, as steps on time at each close would have. */
TEST(rest_late_step_closes_the_window_with_its_pages)
{
	struct fx a, b;
	uint64_t t = 10 * MS, x, y;

	REQUIRE(fx_init(&a, fx_map1g, 2, LB_POLICY_ADAPTIVE) == 0);
	REQUIRE(fx_init(&b, fx_map1g, 2, LB_POLICY_ADAPTIVE) == 0);
	fill_reserve(a.z, t);
	fill_reserve(b.z, t);
	for (unsigned i = 0; i < 100; i++) {
		REQUIRE(lb_alloc(a.z, 0, 0, &x) == 0);
		REQUIRE(lb_alloc(b.z, 0, 0, &y) == 0);
	}
	fill_reserve(a.z, t + MS / 2);
	fill_reserve(b.z, t + MS / 2);
	CHECK_EQ(lb_acceptor_resting(b.z, t + MS / 2, NULL), 1);
	for (unsigned k = 1; k <= 2; k++) { /* on time: each window at its close */
		a.z->demand.rest_on = false;
		fill_reserve(a.z, t + MS / 2 + k * MS);
	}
	fill_reserve(b.z, t + 3 * MS + MS / 5); /* late */
	CHECK(a.z->demand.rate_pps > 0);
	CHECK_EQ(a.z->demand.rate_pps, b.z->demand.rate_pps);
	CHECK_EQ(a.z->demand.last_ns, b.z->demand.last_ns);
	CHECK_EQ(a.z->demand.last_pages, b.z->demand.last_pages);
	CHECK(fx_ok(&a) && fx_ok(&b));
	fx_fini(&a);
	fx_fini(&b);
}

/* A thread that looks every 5 ms and whose step comes 3.5 ms after the
 * look that found the rest over: the windows the step would replay as
 * skipped by its rest hold the allocations that ended it, so it replays
 * none (the rest was last seen on when it began) and counts them in one
 * window of its own. Taken for empty, they took the estimate down to a
 * third of the rate at every step. */
TEST(rest_starved_steps_count_windows_they_cannot_know_empty)
{
	struct lb_acceptor_cfg ac = { .threads = 1 };
	struct fx f;
	uint64_t t = 10 * MS, step_at = 0, a;
	unsigned steps = 0;

	REQUIRE(fx_init(&f, fx_map1g, 2, LB_POLICY_ADAPTIVE) == 0);
	REQUIRE(lb_acceptor_config(f.z, &ac) == 0);
	fill_reserve(f.z, t);
	for (unsigned ms = 0; ms < 400; ms++) {
		if (step_at && step_at < t + MS) { /* before this millisecond's allocations */
			while (lb_acceptor_step(f.z, step_at) > 0)
				;
			step_at = 0;
			if (++steps > 10) {
				CHECK(f.z->demand.rate_pps > 7000 && f.z->demand.rate_pps < 13000);
			}
		}
		for (unsigned i = 0; i < 10; i++)
			REQUIRE(lb_alloc(f.z, 0, 0, &a) == 0);
		t += MS;
		if (!step_at && ms % 5 == 0 && !lb_acceptor_resting(f.z, t, NULL))
			step_at = t + 3 * MS + MS / 2;
	}
	CHECK(steps > 60);
	CHECK(fx_ok(&f));
	fx_fini(&f);
}

/* A deterministic guest: bursts of mixed orders, pauses, churn, and a
 * phase that ends, one millisecond at a time. */
struct guest {
	uint64_t rng, live[8192], pages;
	unsigned order[8192], n;
};

static uint64_t next(struct guest *g)
{
	g->rng = g->rng * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return g->rng >> 33;
}

/* What the guest does in millisecond ms, on z; the addresses it was given
 * go to out (up to 64), their number is returned, -1 on a failure. */
static int guest_ms(struct guest *g, struct lb_zone *z, unsigned ms, uint64_t *out)
{
	unsigned phase = ms / 500 % 6, k = 0, allocs, frees;

	allocs = phase == 0 ? 48 : phase == 2 ? 2 : phase == 4 ? (ms % 100 == 0 ? 64 : 0) : 0;
	if (phase == 1 && ms % 37 == 0)
		allocs = 3; /* a few pages now and then: too few to lift the reserve */
	frees = phase == 2 ? 2 : phase == 5 ? 16 : 0;
	for (unsigned i = 0; i < frees && g->n; i++) {
		unsigned j = (unsigned)(next(g) % g->n);

		if (lb_free(z, g->live[j], g->order[j]))
			return -1;
		g->pages -= UINT64_C(1) << g->order[j];
		g->n--;
		g->live[j] = g->live[g->n];
		g->order[j] = g->order[g->n];
	}
	for (unsigned i = 0; i < allocs && g->n < 8192; i++) {
		unsigned o = (unsigned)(next(g) % 10);

		if (o > 4)
			o = (unsigned)(next(g) % 2) * 9; /* mostly small, some 2 MiB */
		if (g->pages + (UINT64_C(1) << o) > 512 * MiB / LB_PAGE_SIZE)
			break; /* half the zone at most */
		if (lb_alloc(z, o, 0, &g->live[g->n]))
			return -1;
		g->pages += UINT64_C(1) << o;
		g->order[g->n] = o;
		out[k++] = g->live[g->n++];
	}
	return (int)k;
}

/* The estimate and the threads' windows, field by field: below the
 * reserve's floor a rate that differs shows in no statistic. */
static void same_estimate(const struct lb_demand *x, const struct lb_demand *y)
{
	CHECK_EQ(x->rate_pps, y->rate_pps);
	CHECK_EQ(x->trend_pps, y->trend_pps);
	CHECK_EQ(x->pred_pps, y->pred_pps);
	CHECK_EQ(x->peak_pps, y->peak_pps);
	CHECK_EQ(x->last_ns, y->last_ns);
	CHECK_EQ(x->last_pages, y->last_pages);
	CHECK_EQ(x->pred_ns, y->pred_ns);
	CHECK_EQ(x->pred_pages, y->pred_pages);
	CHECK_EQ(x->big_order, y->big_order);
	CHECK_EQ(x->big_order_last, y->big_order_last);
	CHECK_EQ(x->big_t0, y->big_t0);
	CHECK_EQ(x->active, y->active);
	CHECK_EQ(x->win_t0, y->win_t0);
	CHECK_EQ(x->pass_ns, y->pass_ns);
	CHECK_EQ(x->reserve_peak, y->reserve_peak);
	CHECK_EQ(x->use_peak, y->use_peak);
}

/* Two zones, the same guest at the same times: one steps its acceptor
 * and releaser every period, as a thread that never rests would (its
 * rest ended before each step); the other only when they are not
 * resting. Everything ends the same, every address handed out was the
 * same, and the second ran a fraction of the steps. Periods shorter and
 * longer than the rate's window (1 ms), so that a rest begins between
 * window closes too. */
static void skipped_steps_change_nothing(enum lb_policy p, uint64_t period)
{
	struct lb_releaser_cfg rc = { .delay_ns = 100 * MS, .min_order = 9, .batch = 32 };
	struct lb_acceptor_cfg ac = { .period_ns = period };
	static struct guest ga, gb;
	struct lb_stats sa, sb;
	struct fx a, b;
	uint64_t outa[64], outb[64], ran = 0, polled = 0, t = 0;
	unsigned last_ms = UINT32_MAX;

	memset(&ga, 0, sizeof ga);
	memset(&gb, 0, sizeof gb);
	ga.rng = gb.rng = 42;
	REQUIRE(fx_init(&a, fx_map1g, 2, p) == 0);
	REQUIRE(fx_init(&b, fx_map1g, 2, p) == 0);
	REQUIRE(lb_releaser_config(a.z, &rc) == 0 && lb_releaser_config(b.z, &rc) == 0);
	REQUIRE(lb_acceptor_config(a.z, &ac) == 0 && lb_acceptor_config(b.z, &ac) == 0);
	for (uint64_t k = 0; (t = k * period + 123456) < 9000 * MS; k++) { /* off the edges */
		unsigned ms = (unsigned)(t / MS);

		if (ms != last_ms) { /* the guest's millisecond, once */
			int na = guest_ms(&ga, a.z, ms, outa), nb = guest_ms(&gb, b.z, ms, outb);

			REQUIRE(na >= 0 && na == nb);
			REQUIRE(memcmp(outa, outb, (size_t)na * sizeof outa[0]) == 0);
			last_ms = ms;
		}
		a.z->demand.rest_on = false; /* no rest: every step looks */
		while (lb_acceptor_step(a.z, t) > 0) /* at once while behind */
			polled++;
		polled += 2;
		lb_releaser_step(a.z, t);
		if (!lb_acceptor_resting(b.z, t, NULL)) {
			while (lb_acceptor_step(b.z, t) > 0)
				ran++;
			ran++;
		}
		if (!lb_releaser_resting(b.z, t, NULL)) {
			lb_releaser_step(b.z, t);
			ran++;
		}
	}
	/* a last look by both, for the reserve a step sets (a resting
	 * acceptor's stays where its last step put it) */
	REQUIRE(lb_zone_set_policy(b.z, p) == 0);
	a.z->demand.rest_on = false;
	lb_acceptor_step(a.z, t);
	lb_acceptor_step(b.z, t);
	lb_zone_stats(a.z, &sa);
	lb_zone_stats(b.z, &sb);
	CHECK(memcmp(&sa, &sb, sizeof sa) == 0);
	same_estimate(&a.z->demand, &b.z->demand);
	CHECK(sa.background_accepted_pages > 0);
	CHECK(sa.released_pages > 0);
	CHECK(ran * 4 < polled);
	CHECK(fx_ok(&a) && fx_ok(&b));
	fx_fini(&a);
	fx_fini(&b);
}

TEST(rest_skipped_steps_change_nothing_background)
{
	skipped_steps_change_nothing(LB_POLICY_BACKGROUND, MS);
	skipped_steps_change_nothing(LB_POLICY_BACKGROUND, MS / 2);
}

TEST(rest_skipped_steps_change_nothing_adaptive)
{
	skipped_steps_change_nothing(LB_POLICY_ADAPTIVE, MS);
	skipped_steps_change_nothing(LB_POLICY_ADAPTIVE, MS / 2);
	skipped_steps_change_nothing(LB_POLICY_ADAPTIVE, 3 * MS);
}
