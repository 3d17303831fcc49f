/* SPDX-License-Identifier: MIT */
#include "fixture.h"

#include "../src/internal.h" /* the zone lock, for the I6 probe */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const struct lb_range fx_map16[2] = {
	{ 0, 4 * MiB, LB_MEM_ACCEPTED },
	{ 4 * MiB, 12 * MiB, LB_MEM_UNACCEPTED },
};
const struct lb_range fx_map64[2] = {
	{ 0, 4 * MiB, LB_MEM_ACCEPTED },
	{ 4 * MiB, 60 * MiB, LB_MEM_UNACCEPTED },
};
const struct lb_range fx_map1g[2] = {
	{ 0, 4 * MiB, LB_MEM_ACCEPTED },
	{ 4 * MiB, 1020 * MiB, LB_MEM_UNACCEPTED },
};
const struct lb_range fx_map4acc[1] = { { 0, 4 * MiB, LB_MEM_ACCEPTED } };

void *fx_cache_mem(void)
{
	return aligned_alloc(64, (lb_cache_size() + 63) & ~(size_t)63);
}

/* Non-empty, page-aligned and inside the span; else counted as bad. */
static bool range_ok(struct strict_backend *sb, uint64_t addr, uint64_t size)
{
	uint64_t first = (addr - sb->base) >> LB_PAGE_SHIFT, n = size >> LB_PAGE_SHIFT;

	if (size && !((addr | size) & (LB_PAGE_SIZE - 1)) && addr >= sb->base &&
	    first + n <= sb->npages)
		return true;
	__atomic_fetch_add(&sb->bad_ranges, 1, __ATOMIC_RELAXED);
	return false;
}

/* I6: the zone lock must be free while a backend call runs. */
static void probe_lock(struct strict_backend *sb)
{
	if (!sb->check_lock || !sb->zone)
		return;
	if (lb_lock_try(&sb->zone->lock))
		lb_unlock(&sb->zone->lock);
	else
		__atomic_fetch_add(&sb->lock_held, 1, __ATOMIC_RELAXED);
}

static int strict_accept(void *ctx, uint64_t addr, uint64_t size)
{
	struct strict_backend *sb = ctx;
	uint64_t first = (addr - sb->base) >> LB_PAGE_SHIFT, n = size >> LB_PAGE_SHIFT;

	__atomic_fetch_add(&sb->calls, 1, __ATOMIC_RELAXED);
	if (!range_ok(sb, addr, size))
		return LB_EINVAL;
	probe_lock(sb);
	/* A failed call accepts nothing (the backend contract): the zone may
	 * try its parts again, so only a call that succeeds is recorded. */
	if (sb->inner.ops) {
		int rc = sb->inner.ops->accept(sb->inner.ctx, addr, size);

		if (rc)
			return rc;
	}
	for (uint64_t i = first; i < first + n; i++) {
		uint64_t bit = UINT64_C(1) << (i & 63);
		uint64_t old = __atomic_fetch_or(&sb->accepted[i >> 6], bit, __ATOMIC_RELAXED);

		if (old & bit)
			__atomic_fetch_add(&sb->double_accepts, 1, __ATOMIC_RELAXED);
		if (__atomic_fetch_and(&sb->released[i >> 6], ~bit, __ATOMIC_RELAXED) & bit)
			__atomic_fetch_add(&sb->reaccepted, 1, __ATOMIC_RELAXED);
	}
	__atomic_fetch_add(&sb->pages, n, __ATOMIC_RELAXED);
	return 0;
}

/* Release: every page must be accepted (else a bad range), and becomes
 * unaccepted in the record, marked released until accepted again. */
static int strict_release(void *ctx, uint64_t addr, uint64_t size)
{
	struct strict_backend *sb = ctx;
	uint64_t first = (addr - sb->base) >> LB_PAGE_SHIFT, n = size >> LB_PAGE_SHIFT;

	if (!range_ok(sb, addr, size))
		return LB_EINVAL;
	probe_lock(sb);
	for (uint64_t i = first; i < first + n; i++) {
		uint64_t bit = UINT64_C(1) << (i & 63);
		uint64_t old = __atomic_fetch_and(&sb->accepted[i >> 6], ~bit, __ATOMIC_RELAXED);

		if (!(old & bit))
			__atomic_fetch_add(&sb->bad_ranges, 1, __ATOMIC_RELAXED);
		__atomic_fetch_or(&sb->released[i >> 6], bit, __ATOMIC_RELAXED);
	}
	__atomic_fetch_add(&sb->releases, 1, __ATOMIC_RELAXED);
	if (sb->inner.ops && sb->inner.ops->release)
		return sb->inner.ops->release(sb->inner.ctx, addr, size);
	return 0;
}

/* The inner backend's cost, if it says one (the zone's lock may be held:
 * asking is not a call that accepts). */
static uint64_t strict_accept_cost(void *ctx, uint64_t size)
{
	struct strict_backend *sb = ctx;

	if (!sb->inner.ops || !sb->inner.ops->accept_cost)
		return 0;
	return sb->inner.ops->accept_cost(sb->inner.ctx, size);
}

static const struct lb_backend_ops strict_ops = {
	.name = "strict",
	.accept = strict_accept,
	.release = strict_release,
	.accept_cost = strict_accept_cost,
};

bool sb_all_accepted(const struct strict_backend *sb, uint64_t addr, uint64_t size)
{
	uint64_t first = (addr - sb->base) >> LB_PAGE_SHIFT, n = size >> LB_PAGE_SHIFT;

	for (uint64_t i = first; i < first + n; i++)
		if (!(__atomic_load_n(&sb->accepted[i >> 6], __ATOMIC_RELAXED) >> (i & 63) & 1))
			return false;
	return true;
}

int fx_init_with(struct fx *f, const struct lb_range *ranges, size_t n, enum lb_policy policy,
		 uint64_t unit, unsigned flags, struct lb_backend inner)
{
	return fx_init_cpus(f, ranges, n, policy, unit, flags, inner, 0);
}

int fx_init_cpus(struct fx *f, const struct lb_range *ranges, size_t n, enum lb_policy policy,
		 uint64_t unit, unsigned flags, struct lb_backend inner, unsigned cpus)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	size_t size;
	int rc;

	memset(f, 0, sizeof *f);
	for (size_t i = 0; i < n; i++) {
		if (ranges[i].start < lo)
			lo = ranges[i].start;
		if (ranges[i].start + ranges[i].size > hi)
			hi = ranges[i].start + ranges[i].size;
	}
	f->sb.base = lo & ~(LB_PAGE_SIZE - 1);
	f->sb.npages = n ? (hi - f->sb.base) >> LB_PAGE_SHIFT : 0;
	f->sb.accepted = calloc(LB_WORDS(f->sb.npages) + 1, sizeof(uint64_t));
	f->sb.released = calloc(LB_WORDS(f->sb.npages) + 1, sizeof(uint64_t));
	if (!f->sb.accepted || !f->sb.released)
		return LB_ENOMEM;
	f->sb.check_lock = true;
	f->sb.inner = inner;
	/* Firmware-accepted memory is accepted from the start. */
	for (size_t i = 0; i < n; i++)
		if (ranges[i].type == LB_MEM_ACCEPTED)
			for (uint64_t a = ranges[i].start; a < ranges[i].start + ranges[i].size;
			     a += LB_PAGE_SIZE) {
				uint64_t p = (a - f->sb.base) >> LB_PAGE_SHIFT;

				f->sb.accepted[p >> 6] |= UINT64_C(1) << (p & 63);
			}

	f->cfg.ranges = ranges;
	f->cfg.nranges = n;
	f->cfg.unit = unit;
	f->cfg.policy = policy;
	f->cfg.backend.ops = &strict_ops;
	f->cfg.backend.ctx = &f->sb;
	f->cfg.flags = flags | LB_CFG_SHADOW;
	f->cfg.cpus = cpus;
	rc = lb_zone_meta_size(&f->cfg, &size);
	if (rc)
		return rc;
	f->meta = aligned_alloc(64, (size + 63) & ~(size_t)63);
	memset(f->meta, 0xa5, size); /* the zone must not rely on zeroed metadata */
	/* The I6 probe needs the zone before init returns: point it at the
	 * buffer, where lb_zone_init() puts the zone. */
	f->sb.zone = f->meta;
	rc = lb_zone_init(&f->z, f->meta, size, &f->cfg);
	if (rc)
		f->sb.zone = NULL;
	return rc;
}

int fx_init(struct fx *f, const struct lb_range *ranges, size_t n, enum lb_policy policy)
{
	struct lb_backend none = { 0 };

	return fx_init_with(f, ranges, n, policy, 0, 0, none);
}

void fx_fini(struct fx *f)
{
	if (f->z)
		lb_zone_fini(f->z);
	free(f->meta);
	free(f->sb.accepted);
	free(f->sb.released);
	memset(f, 0, sizeof *f);
}

bool fx_claim(uint8_t *owned, const uint8_t *managed, uint64_t base, uint64_t npages,
	      uint64_t addr, unsigned order)
{
	uint64_t n = UINT64_C(1) << order, first = (addr - base) >> LB_PAGE_SHIFT;

	if ((addr & ((n << LB_PAGE_SHIFT) - 1)) || addr < base || first + n > npages) {
		printf("    block 0x%llx order %u misplaced\n", (unsigned long long)addr, order);
		return false;
	}
	for (uint64_t i = first; i < first + n; i++)
		if (!managed[i] || owned[i]) {
			printf("    block 0x%llx order %u: page 0x%llx %s\n",
			       (unsigned long long)addr, order,
			       (unsigned long long)(base + (i << LB_PAGE_SHIFT)),
			       managed[i] ? "already owned" : "not managed");
			return false;
		}
	memset(owned + first, 1, n);
	return true;
}

bool fx_ok(struct fx *f)
{
	char msg[256];
	int rc = lb_zone_check(f->z, msg, sizeof msg);

	if (rc) {
		printf("    check: %s\n", msg);
		return false;
	}
	if (f->sb.double_accepts || f->sb.lock_held || f->sb.bad_ranges) {
		printf("    strict backend: %llu double accepts, %llu calls under the lock, "
		       "%llu bad ranges\n",
		       (unsigned long long)f->sb.double_accepts,
		       (unsigned long long)f->sb.lock_held, (unsigned long long)f->sb.bad_ranges);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ the gate */

static struct timespec deadline_in(uint64_t ns)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ns += (uint64_t)ts.tv_nsec;
	ts.tv_sec += (time_t)(ns / 1000000000u);
	ts.tv_nsec = (long)(ns % 1000000000u);
	return ts;
}

static int gate_accept(void *ctx, uint64_t addr, uint64_t size)
{
	struct gate_backend *g = ctx;
	struct timespec until = deadline_in(UINT64_C(3000000000));

	(void)addr;
	(void)size;
	pthread_mutex_lock(&g->mu);
	g->calls++;
	g->held++;
	pthread_cond_broadcast(&g->cv);
	while (!g->open)
		if (pthread_cond_timedwait(&g->cv, &g->mu, &until)) {
			g->timed_out = true;
			break;
		}
	g->held--;
	pthread_mutex_unlock(&g->mu);
	return 0;
}

static const struct lb_backend_ops gate_ops = { .name = "gate", .accept = gate_accept };

void gate_init(struct gate_backend *g, struct lb_backend *out)
{
	memset(g, 0, sizeof *g);
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	out->ops = &gate_ops;
	out->ctx = g;
}

void gate_fini(struct gate_backend *g)
{
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
}

bool gate_wait_held(struct gate_backend *g, unsigned n)
{
	struct timespec until = deadline_in(UINT64_C(2000000000));
	bool ok = true;

	pthread_mutex_lock(&g->mu);
	while (g->held < n && ok)
		ok = pthread_cond_timedwait(&g->cv, &g->mu, &until) == 0 || g->held >= n;
	ok = g->held >= n;
	pthread_mutex_unlock(&g->mu);
	return ok;
}

void gate_open(struct gate_backend *g)
{
	pthread_mutex_lock(&g->mu);
	g->open = true;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

const char *fx_fixture(const char *name)
{
	static char path[4096];
	const char *f = __FILE__, *slash = strrchr(f, '/');

	if (slash)
		snprintf(path, sizeof path, "%.*s/fixtures/%s", (int)(slash - f), f, name);
	else
		snprintf(path, sizeof path, "fixtures/%s", name);
	return path;
}
