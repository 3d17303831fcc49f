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

uint64_t lbs_workload_default_rate(enum lbs_workload w)
{
	static const uint64_t rate[LBS_WL_COUNT] = {200000, 262144, 100000};
	return (unsigned)w < LBS_WL_COUNT ? rate[w] : 0;
}

/*
 * The next operation's time, floor(i * 1e9 / rate) ns for the i-th, kept
 * as a quotient and remainder: a division per operation costs more than
 * the rest of the workload's work.
 */
static uint64_t next_time(struct lbs_wl *g)
{
	uint64_t t = g->t_ns;

	g->t_ns += g->step_ns;
	g->t_rem += g->step_rem;
	if (g->t_rem >= g->rate) {
		g->t_rem -= g->rate;
		g->t_ns++;
	}
	return t;
}

static void alloc_op(struct lbs_wl *g, unsigned order)
{
	g->next.kind = LBS_OP_ALLOC;
	g->next.order = order;
	g->next.addr = 0;
}

/* churn's next operation: an allocation below the band (or with nothing to
 * free), a free above it, else a coin; the draws keep their order, so a
 * seed gives the same churn as it always has. */
static void churn_op(struct lbs_wl *g)
{
	int alloc;

	if (g->nlive == 0 || g->live_pages <= g->lo)
		alloc = 1;
	else if (g->live_pages >= g->hi || g->nlive == g->cap)
		alloc = 0;
	else
		alloc = (int)(lbs_rng_next(&g->rng) >> 63);
	if (alloc) {
		alloc_op(g, pick_order(&g->rng, churn_mix));
		return;
	}
	size_t i = (size_t)lbs_rng_below(&g->rng, g->nlive);
	uint64_t e = g->live[i];
	g->live[i] = g->live[--g->nlive];
	g->next.kind = LBS_OP_FREE;
	g->next.addr = e & ~(LB_PAGE_SIZE - 1u);
	g->next.order = (unsigned)(e & (LB_PAGE_SIZE - 1u));
}

/* Draw the next operation; 0 at the end. */
static int draw(struct lbs_wl *g)
{
	g->next_is_op = 0;
	switch (g->w) {
	case LBS_WL_BOOT:
		/* Count requested pages, not granted ones, so that failures end it too. */
		if (g->asked >= g->target)
			return 0;
		alloc_op(g, pick_order(&g->rng, boot_mix));
		g->asked += UINT64_C(1) << g->next.order;
		return 1;
	case LBS_WL_FILL:
		if (g->stop || g->live_pages >= g->target)
			return 0;
		alloc_op(g, 0);
		return 1;
	case LBS_WL_CHURN:
		if (g->asked < g->target) { /* the build-up to half of memory */
			alloc_op(g, pick_order(&g->rng, churn_mix));
			g->asked += UINT64_C(1) << g->next.order;
			return 1;
		}
		if (g->ops >= g->churn_ops)
			return 0;
		g->next_is_op = 1;
		churn_op(g);
		return 1;
	default:
		return 0;
	}
}

static const struct lbs_op *wl_peek(void *ctx)
{
	struct lbs_wl *g = ctx;

	if (!g->have) {
		if (!draw(g))
			return NULL;
		g->next.when = next_time(g);
		g->have = 1;
	}
	return &g->next;
}

static void wl_ran(void *ctx, const struct lbs_op *op, int rc, uint64_t addr)
{
	struct lbs_wl *g = ctx;

	g->have = 0;
	g->ops += (uint64_t)g->next_is_op;
	if (op->kind == LBS_OP_FREE) {
		if (rc == 0)
			g->live_pages -= UINT64_C(1) << op->order;
		return;
	}
	if (rc != 0) {
		g->stop = 1; /* fill ends at its first failure */
		return;
	}
	g->live_pages += UINT64_C(1) << op->order;
	if (g->live && g->nlive < g->cap)
		g->live[g->nlive++] = addr | op->order;
}

int lbs_wl_init(struct lbs_wl *g, enum lbs_workload w, const struct lbs_wl_params *p)
{
	uint64_t managed = p->managed_pages, band = managed / 100u; /* churn: 49%..51% */

	memset(g, 0, sizeof *g);
	if ((unsigned)w >= LBS_WL_COUNT)
		return LB_EINVAL;
	g->w = w;
	g->rate = p->rate == LBS_RATE_DEFAULT ? lbs_workload_default_rate(w) : p->rate;
	if (g->rate != LBS_RATE_MAX) { /* else every operation is due at once */
		g->step_ns = UINT64_C(1000000000) / g->rate;
		g->step_rem = UINT64_C(1000000000) % g->rate;
	}
	/* Each workload draws from its own stream of the seed. */
	lbs_rng_seed(&g->rng, p->seed ^ (UINT64_C(0x6c62736d) * ((uint64_t)w + 1u)));
	switch (w) {
	case LBS_WL_BOOT:
		g->target = UINT64_C(1) << (30 - LB_PAGE_SHIFT); /* 1 GiB */
		if (g->target > managed / 2u)
			g->target = managed / 2u;
		return 0;
	case LBS_WL_FILL:
		g->target = (managed * 9u + 9u) / 10u; /* ceil(90%) */
		return 0;
	default:
		g->target = managed / 2u;
		g->lo = g->target > band ? g->target - band : 0;
		g->hi = g->target + band;
		g->churn_ops = p->churn_ops ? p->churn_ops : lbs_churn_default_ops(managed);
		/* Never full: the build-up and allocations below hi end under
		 * hi + one max-order block. */
		g->cap = (size_t)(g->hi + (UINT64_C(1) << LB_MAX_ORDER) + 1u);
		g->live = malloc(g->cap * sizeof g->live[0]);
		return g->live ? 0 : LB_ENOMEM;
	}
}

void lbs_wl_source(struct lbs_wl *g, struct lbs_source *s)
{
	s->peek = wl_peek;
	s->ran = wl_ran;
	s->ctx = g;
}

void lbs_wl_fini(struct lbs_wl *g)
{
	free(g->live);
	g->live = NULL;
}
