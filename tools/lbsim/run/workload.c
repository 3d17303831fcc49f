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

static double mix_mean_pages(const uint16_t *mix)
{
	double sum = 0;
	unsigned prev = 0;

	for (unsigned o = 0; o <= LB_MAX_ORDER; o++) {
		sum += (double)(mix[o] - prev) * (double)(UINT64_C(1) << o);
		prev = mix[o];
	}
	return sum / 10000.0;
}

double lbs_workload_mean_pages(enum lbs_workload w)
{
	switch (w) {
	case LBS_WL_BOOT:
		return mix_mean_pages(boot_mix);
	case LBS_WL_FILL:
		return 1.0;
	case LBS_WL_CHURN:
		return mix_mean_pages(churn_mix);
	default:
		return 0;
	}
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
	if (!g->draws_left)
		return 0;
	g->draws_left--;
	switch (g->w) {
	case LBS_WL_BOOT:
		/* Count requested pages, not granted ones, so that failures end
		 * it too; never past the stream's share. */
		alloc_op(g, pick_order(&g->rng, boot_mix));
		if (g->asked + (UINT64_C(1) << g->next.order) > g->target)
			return 0;
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

uint64_t lbs_load_share(uint64_t gap, unsigned pct)
{
	return gap / 100u * pct + gap % 100u * pct / 100u;
}

/* The stream's work before an operation at `when`, since its previous
 * one; nothing before its first (it starts at base_ns). */
static uint64_t stream_busy(struct lbs_wl *g, uint64_t when)
{
	uint64_t busy = g->have_prev && when > g->prev_ns
				? lbs_load_share(when - g->prev_ns, g->load_pct)
				: 0;

	g->prev_ns = when;
	g->have_prev = 1;
	return busy;
}

static const struct lbs_op *stream_peek(struct lbs_wl *g)
{
	if (!g->have) {
		if (!draw(g))
			return NULL;
		g->next.when = g->base_ns + next_time(g);
		g->next.busy = stream_busy(g, g->next.when);
		g->have = 1;
	}
	return &g->next;
}

static void stream_ran(struct lbs_wl *g, const struct lbs_op *op, int rc, uint64_t addr)
{
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

/* Stream v of n: its share of the workload, from its own seed. */
static int stream_init(struct lbs_wl *g, enum lbs_workload w, const struct lbs_wl_params *p,
		       unsigned v, unsigned n)
{
	uint64_t managed = p->managed_pages, band = managed / 100u / n; /* churn: 49%..51% */
	uint64_t ops = p->churn_ops ? p->churn_ops : lbs_churn_default_ops(managed);
	uint64_t seed = p->seed ^ (UINT64_C(0x6c62736d) * ((uint64_t)w + 1u));

	memset(g, 0, sizeof *g);
	if ((unsigned)w >= LBS_WL_COUNT)
		return LB_EINVAL;
	g->w = w;
	g->draws_left = UINT64_MAX;
	g->load_pct = p->load_pct;
	g->rate = p->rate == LBS_RATE_DEFAULT ? lbs_workload_default_rate(w) : p->rate;
	if (g->rate != LBS_RATE_MAX) { /* else every operation is due at once */
		g->step_ns = UINT64_C(1000000000) / g->rate;
		g->step_rem = UINT64_C(1000000000) % g->rate;
	}
	/* Each workload draws from its own stream of the seed, each vCPU too. */
	if (v) {
		uint64_t st = (uint64_t)v;
		seed ^= lbs_splitmix64(&st);
	}
	lbs_rng_seed(&g->rng, seed);
	switch (w) {
	case LBS_WL_BOOT:
		g->target = UINT64_C(1) << (30 - LB_PAGE_SHIFT); /* 1 GiB */
		if (g->target > managed / 2u)
			g->target = managed / 2u;
		g->target /= n;
		return 0;
	case LBS_WL_FILL:
		g->target = (managed * 9u + 9u) / 10u / n; /* ceil(90%), shared */
		return 0;
	default:
		g->target = managed / 2u / n;
		g->lo = g->target > band ? g->target - band : 0;
		g->hi = g->target + band;
		g->churn_ops = ops / n + (v < ops % n);
		/* Never full: the build-up and allocations below hi end under
		 * hi + one max-order block. */
		g->cap = (size_t)(g->hi + (UINT64_C(1) << LB_MAX_ORDER) + 1u);
		g->live = malloc(g->cap * sizeof g->live[0]);
		return g->live ? 0 : LB_ENOMEM;
	}
}

/* ---------------------------------------------- a workload on n vCPUs */

static void stage_op(struct lbs_op *op, uint64_t when, uint64_t on)
{
	memset(op, 0, sizeof *op);
	op->kind = LBS_OP_WMARKS;
	op->when = when;
	op->addr = on;
}

static const struct lbs_op *wls_peek(void *ctx, unsigned v)
{
	struct lbs_wls *g = ctx;
	const struct lbs_op *op;

	if (v >= g->n)
		return NULL;
	if (g->w != LBS_WL_BOOT || g->stage == 3)
		return stream_peek(&g->s[v]);
	if (v)
		return &g->blocked;
	switch (g->stage) {
	case 0:
		return &g->op0;
	case 1:
		/* Each vCPU comes online after the boot CPU's allocations for it. */
		if (g->online < g->n &&
		    g->early_ran >= LBS_BOOT_EARLY_ALLOCS + (uint64_t)g->online * LBS_BOOT_AP_ALLOCS) {
			if (g->op0.kind == LBS_OP_ONLINE && g->op0.addr == g->online + 1u)
				return &g->op0; /* peeked before: the same, busy time included */
			stage_op(&g->op0, g->early.base_ns + g->early.t_ns, g->online + 1u);
			g->op0.kind = LBS_OP_ONLINE;
			/* the boot CPU's work before it is before it, not
			 * before the allocation that follows at the same time */
			g->op0.busy = stream_busy(&g->early, g->op0.when);
			return &g->op0;
		}
		op = stream_peek(&g->early);
		if (op)
			return op;
		g->stage = 2;
		stage_op(&g->op0, g->early.base_ns + next_time(&g->early), 1);
		g->op0.busy = stream_busy(&g->early, g->op0.when);
		return &g->op0;
	default:
		return &g->op0;
	}
}

static void wls_ran(void *ctx, unsigned v, const struct lbs_op *op, int rc, uint64_t addr,
		    uint64_t end)
{
	struct lbs_wls *g = ctx;

	if (g->w != LBS_WL_BOOT || g->stage == 3) {
		stream_ran(&g->s[v], op, rc, addr);
		return;
	}
	switch (g->stage) {
	case 0:
		g->stage = 1;
		break;
	case 1:
		if (op->kind == LBS_OP_ONLINE) {
			g->online++;
			break;
		}
		stream_ran(&g->early, op, rc, addr);
		g->early_ran++;
		break;
	default:
		/* The watermarks are set: every vCPU's stream starts now, with
		 * its share of what the early part left of boot's budget. */
		g->stage = 3;
		for (unsigned i = 0; i < g->n; i++) {
			g->s[i].base_ns = end;
			g->s[i].target = (g->early.target - g->early.asked) / g->n;
		}
		for (unsigned i = 1; i < g->n; i++)
			g->src->wake(g->src->drive, i);
		break;
	}
}

int lbs_wls_init(struct lbs_wls *g, enum lbs_workload w, const struct lbs_wl_params *p)
{
	unsigned n = p->nvcpus ? p->nvcpus : 1u;
	int rc = 0;

	memset(g, 0, sizeof *g);
	if ((unsigned)w >= LBS_WL_COUNT)
		return LB_EINVAL;
	g->w = w;
	g->s = calloc(n, sizeof *g->s);
	if (!g->s)
		return LB_ENOMEM;
	g->n = n;
	for (unsigned v = 0; v < n && !rc; v++)
		rc = stream_init(&g->s[v], w, p, v, n);
	if (!rc && w == LBS_WL_BOOT) {
		/* Boot's allocations before watermarks: the boot mix, on vCPU 0,
		 * from a stream of the seed of their own. */
		struct lbs_wl_params ep = *p;

		ep.seed = p->seed ^ UINT64_C(0x6561726c79); /* "early" */
		rc = stream_init(&g->early, LBS_WL_BOOT, &ep, 0, 1); /* all of the budget */
		g->early.draws_left = LBS_BOOT_EARLY_ALLOCS + (uint64_t)(n - 1u) * LBS_BOOT_AP_ALLOCS;
		stage_op(&g->op0, 0, 0);
		g->blocked.kind = LBS_OP_BLOCKED;
		g->online = 1; /* the boot CPU */
	} else {
		g->stage = 3;
	}
	if (rc)
		lbs_wls_fini(g);
	return rc;
}

void lbs_wls_source(struct lbs_wls *g, struct lbs_source *s)
{
	memset(s, 0, sizeof *s);
	s->nvcpus = g->n;
	s->peek = wls_peek;
	s->ran = wls_ran;
	s->ctx = g;
	g->src = s;
}

void lbs_wls_fini(struct lbs_wls *g)
{
	for (unsigned v = 0; g->s && v < g->n; v++)
		free(g->s[v].live);
	free(g->s);
	free(g->early.live);
	g->s = NULL;
	g->early.live = NULL;
	g->n = 0;
}

uint64_t lbs_wls_ops(const struct lbs_wls *g)
{
	uint64_t n = 0;

	for (unsigned v = 0; v < g->n; v++)
		n += g->s[v].ops;
	return n;
}
