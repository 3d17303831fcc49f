/* SPDX-License-Identifier: MIT */
/*
 * Zone set-up: validate the memory map, lay out the metadata in the
 * caller's buffer, and place the memory.
 *
 * Set-up cost is bounded by accepted memory, not by unaccepted memory:
 * every 4 MiB section wholly inside an unaccepted range becomes one bit in
 * the pristine bitmap, and its descriptors are not written until the
 * section is first used. Sections at range edges and accepted memory are
 * activated and placed as blocks. Pieces of an unaccepted range that do not
 * fill a whole unit are accepted here, as firmware does (its bitmap cannot
 * describe them); the linux policy, like Linux, also accepts unaccepted
 * memory that does not fill a whole max-order block. Eager accepts the rest
 * here too, unless LB_CFG_SETUP_LATER leaves it to the caller's CPUs
 * (lb_zone_setup_accept()).
 */
#include "internal.h"

struct geometry {
	uint64_t base_pfn, span_pages, nsections, managed_pages;
	unsigned unit_order;
};

static bool overlaps(const struct lb_range *a, const struct lb_range *b)
{
	return a->start < b->start + b->size && b->start < a->start + a->size;
}

static int validate(const struct lb_config *cfg, struct geometry *g)
{
	uint64_t unit, lo = UINT64_MAX, hi = 0;
	const struct lb_watermarks *w;

	if (!cfg || (!cfg->ranges && cfg->nranges))
		return LB_EINVAL;
	if (!cfg->nranges)
		return LB_EEMPTY;
	unit = cfg->unit ? cfg->unit : LB_UNIT_DEFAULT;
	if ((unit & (unit - 1)) || unit < LB_PAGE_SIZE || unit > (LB_PAGE_SIZE << LB_MAX_ORDER))
		return LB_EUNIT;
	if ((unsigned)cfg->policy >= LB_POLICY_COUNT || !cfg->backend.ops ||
	    !cfg->backend.ops->accept ||
	    (cfg->flags & ~(LB_CFG_SHADOW | LB_CFG_WMARK | LB_CFG_SETUP_LATER)))
		return LB_EINVAL;
	if (cfg->cpus > CPU_LISTS_MAX)
		return LB_EINVAL;
#ifndef LB_PLATFORM_CPUS
	if (cfg->cpus)
		return LB_ENOTSUP;
#endif
	w = &cfg->wmark;
	if ((cfg->flags & LB_CFG_WMARK) &&
	    (w->min > w->low || w->low > w->high || w->high > w->promo))
		return LB_EINVAL;

	memset(g, 0, sizeof *g);
	for (size_t i = 0; i < cfg->nranges; i++) {
		const struct lb_range *r = &cfg->ranges[i];

		if ((unsigned)r->type > LB_MEM_RESERVED || !r->size)
			return LB_EINVAL;
		if ((r->start | r->size) & (LB_PAGE_SIZE - 1))
			return LB_EALIGN;
		if (r->start + r->size < r->start)
			return LB_ERANGE;
		for (size_t j = 0; j < i; j++)
			if (overlaps(r, &cfg->ranges[j]))
				return LB_EOVERLAP;
		if (r->type == LB_MEM_RESERVED)
			continue;
		if (r->start < lo)
			lo = r->start;
		if (r->start + r->size > hi)
			hi = r->start + r->size;
		g->managed_pages += r->size >> LB_PAGE_SHIFT;
	}
	if (!g->managed_pages)
		return LB_EEMPTY;
	g->base_pfn = (lo >> LB_PAGE_SHIFT) & ~(SECTION_PAGES - 1);
	g->span_pages = (hi >> LB_PAGE_SHIFT) - g->base_pfn;
	g->nsections = (g->span_pages + SECTION_PAGES - 1) / SECTION_PAGES;
	if (g->nsections > ZONE_MAX_PAGES / SECTION_PAGES) /* indices are 32-bit */
		return LB_ETOOBIG;
	g->unit_order = (unsigned)__builtin_ctzll(unit) - LB_PAGE_SHIFT;
	return 0;
}

/* Byte offsets of each metadata array from the zone, in 64 bits: a 16 TiB
 * zone needs 48 GiB, more than a 32-bit size_t holds. */
struct layout {
	uint64_t cpu, pages, pristine, active, fresh, shadow, end;
};

/* Offsets from the zone, which starts on the buffer's first 64-byte
 * boundary (the buffer is 16-byte aligned: 48 bytes more leave room), so
 * that its lock, each CPU list and the descriptors start cache lines: a
 * section's descriptors (12 KiB) fill whole lines, and so does a batch of
 * 16 pages or more that a cache takes from an aligned block, so that two
 * CPUs' blocks share no line of descriptors at a batch's ends. */
#define ZONE_ALIGN_PAD 48

static void lay_out(const struct geometry *g, const struct lb_config *cfg, struct layout *l)
{
	uint64_t sec_words = LB_WORDS(g->nsections) * sizeof(uint64_t);
	uint64_t page_words = g->nsections * (SECTION_PAGES / 64) * sizeof(uint64_t);
	bool shadow = cfg->flags & LB_CFG_SHADOW;

	_Static_assert(sizeof(struct lb_zone) % 64 == 0 && sizeof(struct cpu_list) % 64 == 0,
		       "whole lines");
	l->cpu = sizeof(struct lb_zone);
	l->pages = l->cpu + (uint64_t)cfg->cpus * sizeof(struct cpu_list);
	l->pristine = l->pages + g->nsections * SECTION_PAGES * sizeof(struct lb_page);
	l->active = l->pristine + sec_words;
	l->fresh = l->active + sec_words;
	l->shadow = l->fresh + page_words;
	l->end = l->shadow + (shadow ? page_words : 0) + ZONE_ALIGN_PAD;
}

int lb_zone_meta_size(const struct lb_config *cfg, size_t *size)
{
	struct geometry g;
	struct layout l;
	int rc = validate(cfg, &g);

	if (rc)
		return rc;
	if (!size)
		return LB_EINVAL;
	lay_out(&g, cfg, &l);
	if (l.end > SIZE_MAX) /* no buffer can be large enough */
		return LB_ENOSPACE;
	*size = (size_t)l.end;
	return 0;
}

/* Activate every section that [s, e) touches and is not active yet. */
static void activate_span(struct lb_zone *z, uint64_t s, uint64_t e)
{
	for (uint64_t sec = s / SECTION_PAGES; sec * SECTION_PAGES < e; sec++)
		if (!bit_test(z->active, sec))
			lbi_section_activate(z, sec);
}

static void free_span(struct lb_zone *z, uint64_t s, uint64_t e, unsigned state)
{
	while (s < e) {
		unsigned o = carve_order(s, e);

		lbi_free_block(z, s, o, state, 0, true);
		s += UINT64_C(1) << o;
	}
}

static void place_accepted(struct lb_zone *z, uint64_t s, uint64_t e)
{
	activate_span(z, s, e);
	if (z->shadow)
		bits_assign(z->shadow, s, e - s, 1); /* accepted by firmware */
	free_span(z, s, e, S_ACCEPTED);
}

static void accept_now(struct lb_zone *z, uint64_t s, uint64_t e)
{
	if (s >= e)
		return;
	activate_span(z, s, e);
	lbi_accept_setup_range(z, s, e - s); /* a failure quarantines, loses nothing */
}

/* Unaccepted [s, e): whole sections become pristine bits; unit-aligned
 * pieces become unaccepted blocks; the rest is accepted now. */
static void place_unaccepted(struct lb_zone *z, uint64_t s, uint64_t e)
{
	uint64_t unit = UINT64_C(1) << z->unit_order;
	uint64_t us = (s + unit - 1) & ~(unit - 1), ue = e & ~(unit - 1);
	uint64_t ss = (s + SECTION_PAGES - 1) & ~(SECTION_PAGES - 1), se = e & ~(SECTION_PAGES - 1);

	if (us >= ue) {
		accept_now(z, s, e);
		return;
	}
	if (ss >= se)
		ss = se = us; /* no whole section inside */
	if (lbi_pol(z)->top_up) {
		accept_now(z, s, ss);
		accept_now(z, se, e);
	} else {
		accept_now(z, s, us);
		accept_now(z, ue, e);
		if (us < ss) {
			activate_span(z, us, ss);
			free_span(z, us, ss, S_UNACCEPTED);
		}
		if (se < ue) {
			activate_span(z, se, ue);
			free_span(z, se, ue, S_UNACCEPTED);
		}
	}
	for (uint64_t sec = ss / SECTION_PAGES; sec < se / SECTION_PAGES; sec++)
		bit_set(z->pristine, sec);
	z->nr_pristine += (se - ss) / SECTION_PAGES;
}

int lb_zone_init(struct lb_zone **out, void *meta, size_t meta_size, const struct lb_config *cfg)
{
	struct geometry g;
	struct layout l;
	unsigned char *base = (unsigned char *)meta + (-(uintptr_t)meta & 63);
	struct lb_zone *z = (struct lb_zone *)base;
	int rc;

	if (!out || !meta)
		return LB_EINVAL;
	rc = validate(cfg, &g);
	if (rc)
		return rc;
	lay_out(&g, cfg, &l);
	if (meta_size < l.end || ((uintptr_t)meta & 15))
		return LB_ENOSPACE;

	memset(z, 0, sizeof *z);
	z->drain_order = DRAIN_NONE;
	if (lb_lock_init(&z->lock))
		return LB_EINVAL;
	if (lb_wait_init(&z->wait)) {
		lb_lock_fini(&z->lock);
		return LB_EINVAL;
	}
	if (lbi_workers_init(z)) {
		lb_wait_fini(&z->wait);
		lb_lock_fini(&z->lock);
		return LB_EINVAL;
	}
	/* a cache's budget: 1/32 of memory, or an order-0 batch if more */
	z->cache_max = g.managed_pages / 32 > 64 ? g.managed_pages / 32 : 64;
	zone_lock(z);
	rc = lbi_cpu_lists_init(z, base + (size_t)l.cpu, cfg->cpus);
	zone_unlock(z);
	if (rc) {
		lbi_workers_fini(z);
		lb_wait_fini(&z->wait);
		lb_lock_fini(&z->lock);
		return rc;
	}
	z->base_pfn = g.base_pfn;
	z->span_pages = g.span_pages;
	z->nsections = g.nsections;
	z->managed_pages = g.managed_pages;
	z->unit_order = g.unit_order;
	z->pages = (struct lb_page *)(base + (size_t)l.pages);
	z->pristine = (uint64_t *)(base + (size_t)l.pristine);
	z->active = (uint64_t *)(base + (size_t)l.active);
	z->fresh = (uint64_t *)(base + (size_t)l.fresh);
	z->shadow = (cfg->flags & LB_CFG_SHADOW) ? (uint64_t *)(base + (size_t)l.shadow) : NULL;
	memset(z->pristine, 0, (size_t)(l.fresh - l.pristine)); /* pristine and active */
	for (unsigned o = 0; o < NR_ORDERS; o++) {
		z->lists[LIST_UNACC].area[o].head = z->lists[LIST_UNACC].area[o].tail = LB_NIL;
		for (unsigned t = 0; t <= TAG_COUNT; t++)
			z->lists[t].area[o].head = z->lists[t].area[o].tail = LB_NIL;
	}
	z->rel_order = LB_MAX_ORDER; /* the releaser's first round */
	z->rel_next = LB_NIL;
	z->policy = cfg->policy;
	z->pol = &lbi_policies[cfg->policy];
	z->backend = cfg->backend;
	z->flags = cfg->flags;
	if (cfg->flags & LB_CFG_WMARK)
		z->wmark = cfg->wmark;
	else
		lbi_derive_watermarks(g.managed_pages, &z->wmark);

	zone_lock(z);
	z->in_setup = true;
	for (size_t i = 0; i < cfg->nranges; i++) {
		const struct lb_range *r = &cfg->ranges[i];
		uint64_t s = (r->start >> LB_PAGE_SHIFT) - g.base_pfn;
		uint64_t e = s + (r->size >> LB_PAGE_SHIFT);

		if (r->type == LB_MEM_ACCEPTED)
			place_accepted(z, s, e);
		else if (r->type == LB_MEM_UNACCEPTED)
			place_unaccepted(z, s, e);
	}
	if (lbi_pol(z)->at_setup && !(cfg->flags & LB_CFG_SETUP_LATER))
		lbi_accept_some(z, 0); /* else shared later: lb_zone_setup_accept() */
	z->in_setup = false;
	zone_unlock(z);

	z->magic = LB_ZONE_MAGIC;
	*out = z;
	return 0;
}

void lb_zone_fini(struct lb_zone *z)
{
	if (!z || z->magic != LB_ZONE_MAGIC)
		return;
	lb_acceptor_stop(z);
	lb_releaser_stop(z);
	z->magic = 0;
	lbi_workers_fini(z);
	lbi_cpu_lists_fini(z);
	lb_wait_fini(&z->wait);
	lb_lock_fini(&z->lock);
}
