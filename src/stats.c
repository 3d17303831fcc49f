/* SPDX-License-Identifier: MIT */
/* Statistics and the page-state query (the meminfo text is format.c's). */
#include "internal.h"

int lb_zone_stats(struct lb_zone *z, struct lb_stats *st)
{
	if (!z || z->magic != LB_ZONE_MAGIC || !st)
		return LB_EINVAL;
	memset(st, 0, sizeof *st);
	zone_lock(z);
	st->span_pages = z->span_pages;
	st->managed_pages = z->managed_pages;
	st->reserved_pages = z->span_pages - z->managed_pages;
	for (unsigned o = 0; o < NR_ORDERS; o++) {
		st->free_blocks[S_ACCEPTED][o] = free_accepted_blocks(z, o);
		st->free_blocks[S_UNACCEPTED][o] = z->lists[LIST_UNACC].area[o].nr;
	}
	st->free_blocks[S_UNACCEPTED][LB_MAX_ORDER] += z->nr_pristine;
	st->free_accepted_pages = z->nr_free[S_ACCEPTED];
	st->free_unaccepted_pages = free_unaccepted_pages(z);
	st->cached_pages = lbi_cached_pages(z);
	st->allocated_pages = z->nr_alloc - st->cached_pages;
	st->in_flight_pages = z->nr_inflight;
	st->quarantined_pages = z->nr_quarantine;
	st->accept_calls = z->accept_calls;
	st->accepted_pages = z->accepted_pages;
	st->setup_accepted_pages = z->setup_accepted_pages;
	st->over_accepted_pages = z->over_accepted;
	st->accept_failures = z->accept_failures;
	st->allocs = z->allocs;
	st->frees = z->frees;
	for (const struct lb_cache *c = z->caches; c; c = c->next) {
		st->allocs += __atomic_load_n(&c->allocs, __ATOMIC_RELAXED);
		st->frees += __atomic_load_n(&c->frees, __ATOMIC_RELAXED);
	}
	st->background_accepted_pages = z->background_accepted;
	st->release_calls = z->release_calls;
	st->released_pages = z->released_pages;
	st->reserve_pages = z->reserve_pages;
	st->acceptor_passes = z->demand.active;
	st->acceptor_passes_peak = z->demand.active_peak;
	st->reserve_peak_pages = z->demand.reserve_max;
	st->reserve_order = lbi_demand_order(z);
	st->demand_unit_accepts = z->demand_unit_accepts;
	st->demand_own_accepts = z->demand_own_accepts;
	st->alloc_failures = z->alloc_failures;
	st->accept_waits = z->accept_waits;
	zone_unlock(z);
	return 0;
}

int lb_zone_page_state(struct lb_zone *z, uint64_t addr)
{
	uint64_t pfn = addr >> LB_PAGE_SHIFT, idx, head;
	int state = LB_PAGE_RESERVED;

	if (!z || z->magic != LB_ZONE_MAGIC)
		return LB_EINVAL;
	if (pfn < z->base_pfn || pfn - z->base_pfn >= z->span_pages)
		return LB_ERANGE;
	idx = pfn - z->base_pfn;
	zone_lock(z);
	if (bit_test(z->pristine, idx / SECTION_PAGES)) {
		state = LB_PAGE_FREE_UNACCEPTED;
	} else if (lbi_find_block(z, idx, &head)) {
		const struct lb_page *p = &z->pages[head];

		switch (pg_kind(p)) {
		case K_FREE:
			state = p->state == S_ACCEPTED ? LB_PAGE_FREE_ACCEPTED
						       : LB_PAGE_FREE_UNACCEPTED;
			break;
		case K_ALLOC:
		case K_CACHED: /* free, but out of the zone's hands */
			state = LB_PAGE_ALLOCATED;
			break;
		case K_INFLIGHT:
			state = LB_PAGE_IN_FLIGHT;
			break;
		default:
			state = LB_PAGE_QUARANTINED;
			break;
		}
	}
	zone_unlock(z);
	return state;
}
