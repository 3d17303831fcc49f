/* SPDX-License-Identifier: MIT */
#include "workload.h"

#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------------- PRNG */

uint64_t lbs_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

void lbs_rng_seed(struct lbs_rng *r, uint64_t seed)
{
	uint64_t st = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = lbs_splitmix64(&st);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t lbs_rng_next(struct lbs_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5u, 7) * 9u;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t lbs_rng_below(struct lbs_rng *r, uint64_t n)
{
	/* Rejection sampling: unbiased and deterministic. */
	uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
	uint64_t x;
	do
		x = lbs_rng_next(r);
	while (x >= limit);
	return x % n;
}

/* ------------------------------------------------------------ workloads */

static const char *const wl_names[LBS_WL_COUNT] = {"boot", "fill", "churn"};

const char *lbs_workload_name(enum lbs_workload w)
{
	return (unsigned)w < LBS_WL_COUNT ? wl_names[w] : "?";
}

int lbs_workload_parse(const char *name)
{
	for (int i = 0; i < LBS_WL_COUNT; i++)
		if (strcmp(name, wl_names[i]) == 0)
			return i;
	return -1;
}

uint64_t lbs_churn_default_ops(uint64_t managed_pages)
{
	uint64_t n = managed_pages / 4u; /* 1M for 16 GiB */
	if (n > (UINT64_C(1) << 20))
		n = UINT64_C(1) << 20;
	if (n < 4096u)
		n = 4096u;
	return n;
}

/* Order mixes, as cumulative weights out of 10000 for orders 0..10. */
static const uint16_t boot_mix[LB_MAX_ORDER + 1] = {
	8700, 9400, 9750, 9985, 9985, 9985, 9985, 9985, 9985, 9995, 10000,
};
static const uint16_t churn_mix[LB_MAX_ORDER + 1] = {
	6500, 7900, 8800, 9400, 9650, 9800, 9880, 9930, 9960, 9990, 10000,
};

static unsigned pick_order(struct lbs_rng *r, const uint16_t *mix)
{
	uint64_t x = lbs_rng_below(r, 10000u);
	unsigned o = 0;
	while (o < LB_MAX_ORDER && x >= mix[o])
		o++;
	return o;
}

struct run {
	struct lb_zone *z;
	const struct lbs_clock *clk;
	struct lbs_wl_stats *st;
};

static uint64_t clock_now(const struct lbs_clock *c)
{
	return c && c->now ? c->now(c->ctx) : 0;
}

static void api_error(struct lbs_wl_stats *st, int rc)
{
	if (st->api_errors++ == 0)
		st->first_api_error = rc;
}

/* The one place workloads allocate: the backend time charged to the call
 * is the clock's advance across it. */
static int timed_alloc(struct run *r, unsigned order, uint64_t *addr)
{
	uint64_t t0 = clock_now(r->clk);
	int rc = lb_alloc(r->z, order, 0, addr);
	uint64_t t1 = clock_now(r->clk);
	lbs_hist_record(&r->st->lat, t1 - t0);
	if (rc == 0) {
		r->st->allocations++;
		r->st->live_pages += UINT64_C(1) << order;
		r->st->live_blocks++;
		return 0;
	}
	r->st->alloc_failures++;
	if (rc != LB_ENOMEM && rc != LB_EAGAIN)
		api_error(r->st, rc);
	return rc;
}

static void do_free(struct run *r, uint64_t addr, unsigned order)
{
	int rc = lb_free(r->z, addr, order);
	if (rc != 0) {
		api_error(r->st, rc);
		return; /* the block stays ours as far as we know */
	}
	r->st->frees++;
	r->st->live_pages -= UINT64_C(1) << order;
	r->st->live_blocks--;
}

static void run_boot(struct run *r, struct lbs_rng *rng, uint64_t managed)
{
	uint64_t target = UINT64_C(1) << (30 - LB_PAGE_SHIFT); /* 1 GiB */
	if (target > managed / 2u)
		target = managed / 2u;
	/* Count requested pages, not granted ones, so that failures end it too. */
	for (uint64_t asked = 0; asked < target;) {
		unsigned o = pick_order(rng, boot_mix);
		uint64_t addr;
		asked += UINT64_C(1) << o;
		(void)timed_alloc(r, o, &addr);
	}
}

static void run_fill(struct run *r, uint64_t managed)
{
	uint64_t target = (managed * 9u + 9u) / 10u; /* ceil(90%) */
	while (r->st->live_pages < target) {
		uint64_t addr;
		if (timed_alloc(r, 0, &addr) != 0)
			break;
	}
}

/* Live blocks of churn: address | order in the low bits (page-aligned). */
struct live {
	uint64_t *v;
	size_t n, cap;
};

static int churn_alloc(struct run *r, struct live *lv, struct lbs_rng *rng, unsigned *order)
{
	unsigned o = pick_order(rng, churn_mix);
	uint64_t addr;
	*order = o;
	if (lv->n == lv->cap)
		return -1;
	if (timed_alloc(r, o, &addr) != 0)
		return -1;
	lv->v[lv->n++] = addr | o;
	return 0;
}

static void churn_free(struct run *r, struct live *lv, struct lbs_rng *rng)
{
	size_t i = (size_t)lbs_rng_below(rng, lv->n);
	uint64_t e = lv->v[i];
	lv->v[i] = lv->v[--lv->n];
	do_free(r, e & ~(LB_PAGE_SIZE - 1u), (unsigned)(e & (LB_PAGE_SIZE - 1u)));
}

static int run_churn(struct run *r, struct lbs_rng *rng, uint64_t managed, uint64_t ops)
{
	uint64_t target = managed / 2u;
	uint64_t band = managed / 100u; /* keep within 49%..51% */
	uint64_t lo = target > band ? target - band : 0, hi = target + band;
	struct live lv = {0};

	lv.cap = (size_t)(hi + (UINT64_C(1) << LB_MAX_ORDER) + 1u);
	lv.v = malloc(lv.cap * sizeof lv.v[0]);
	if (!lv.v)
		return LB_ENOMEM;

	for (uint64_t asked = 0; asked < target;) {
		unsigned o;
		(void)churn_alloc(r, &lv, rng, &o);
		asked += UINT64_C(1) << o;
	}
	for (uint64_t i = 0; i < ops; i++) {
		int alloc;
		if (lv.n == 0 || r->st->live_pages <= lo)
			alloc = 1;
		else if (r->st->live_pages >= hi || lv.n == lv.cap)
			alloc = 0;
		else
			alloc = (int)(lbs_rng_next(rng) >> 63);
		if (alloc) {
			unsigned o;
			(void)churn_alloc(r, &lv, rng, &o);
		} else {
			churn_free(r, &lv, rng);
		}
		r->st->ops++;
	}
	free(lv.v);
	return 0;
}

int lbs_workload_run(enum lbs_workload w, struct lb_zone *z, const struct lbs_clock *clk,
		     const struct lbs_wl_params *p, struct lbs_wl_stats *out)
{
	struct lbs_rng rng;
	struct run r = {z, clk, out};

	memset(out, 0, sizeof *out);
	lbs_hist_init(&out->lat);
	/* Each workload draws from its own stream of the seed. */
	lbs_rng_seed(&rng, p->seed ^ (UINT64_C(0x6c62736d) * ((uint64_t)w + 1u)));
	switch (w) {
	case LBS_WL_BOOT:
		run_boot(&r, &rng, p->managed_pages);
		return 0;
	case LBS_WL_FILL:
		run_fill(&r, p->managed_pages);
		return 0;
	case LBS_WL_CHURN:
		return run_churn(&r, &rng, p->managed_pages,
				 p->churn_ops ? p->churn_ops : lbs_churn_default_ops(p->managed_pages));
	default:
		return LB_EINVAL;
	}
}
