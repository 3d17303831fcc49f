/* SPDX-License-Identifier: MIT */
/*
 * Allocation and free: the public entry points that move blocks, and the
 * zone's run-time controls (policy, watermarks, explicit acceptance).
 *
 * A zone with CPU lists (cpulist.c) serves lb_alloc() and lb_free() from
 * the list of the caller's CPU when it can lock it; else, or without
 * lists, they take the zone lock, and an allocation is the zone's own
 * (zone_alloc.c: accepted memory first, then the policy, then memory in
 * flight). An allocation that finds no memory while per-CPU caches hold
 * some asks them to drain (they are their owners', so it cannot drain
 * them itself) and answers LB_ENOMEM: a retry finds the blocks back in the
 * zone.
 *
 * lb_free() checks the block before touching anything (every free is a
 * consistency check): the address must be the head of an allocated block
 * of exactly that order.
 */
#include "internal.h"

static bool zone_ok(const struct lb_zone *z)
{
	return z && z->magic == LB_ZONE_MAGIC;
}

/* Debug builds run the full checker every few operations. */
static void debug_check(struct lb_zone *z)
{
#if LB_DEBUG >= 2
	struct finding f;
	char msg[200];

	LB_ASSERT_LOCKED(z);
	if (++z->ops_since_check < 64)
		return;
	z->ops_since_check = 0;
	if (lbi_zone_check(z, &f, false)) {
		lbi_finding_text(&f, msg, sizeof msg);
		lb_panic(msg);
	}
#else
	(void)z;
#endif
}

/* lb_alloc() under the zone lock: a zone without CPU lists, or a caller
 * whose CPU's list is held. The list path is out of line (list_alloc), so
 * that this one keeps lb_alloc()'s frame as it was. */
static inline int zone_alloc(struct lb_zone *z, unsigned order, unsigned flags,
			     uint64_t *addr)
{
	struct acc_op op = ALLOC_OP;
	uint64_t idx = 0;
	int rc;

	zone_lock(z);
	rc = lbi_alloc(z, order, flags, &idx, &op);
	if (rc == 0)
		*addr = idx_to_addr(z, idx);
	count_alloc_failure(z, rc);
	lbi_cache_alloc_seen(z, order);
	if (rc == LB_ENOMEM)
		lbi_cache_request_drain(z, order); /* for the retry */
	debug_check(z);
	zone_unlock(z);
	return rc;
}

static __attribute__((noinline)) int list_alloc(struct lb_zone *z, unsigned order,
						unsigned flags, uint64_t *addr)
{
	int rc = lbi_cpu_list_alloc(z, order, flags, addr);

	return rc != CPU_LIST_HELD ? rc : zone_alloc(z, order, flags, addr);
}

int lb_alloc(struct lb_zone *z, unsigned order, unsigned flags, uint64_t *addr)
{
	if (!zone_ok(z) || !addr || (flags & ~LB_ALLOC_FLAGS))
		return LB_EINVAL;
	if (order > LB_MAX_ORDER)
		return LB_EORDER;
	if (__builtin_expect(z->ncpu != 0, 0))
		return list_alloc(z, order, flags, addr);
	return zone_alloc(z, order, flags, addr);
}

/* lb_free() under the zone lock (as zone_alloc()). */
static inline int zone_free(struct lb_zone *z, uint64_t addr, unsigned order)
{
	uint64_t idx;
	int rc = addr_to_idx(z, addr, order, &idx);

	if (rc)
		return rc;
	zone_lock(z);
	/* Kind and order claimed in one compare-and-swap, as lb_cache_free()
	 * does, so a double free racing through a cache is caught on one side. */
	if (bit_test(z->active, idx / SECTION_PAGES) &&
	    pg_claim(&z->pages[idx], K_ALLOC, K_NONE, order)) {
		z->nr_alloc -= UINT64_C(1) << order;
		z->frees++;
		lbi_free_block(z, idx, order, S_ACCEPTED, 0, false);
	} else {
		rc = lbi_bad_free(z, idx);
	}
	debug_check(z);
	zone_unlock(z);
	return rc;
}

static __attribute__((noinline)) int list_free(struct lb_zone *z, uint64_t addr, unsigned order)
{
	int rc = lbi_cpu_list_free(z, addr, order);

	return rc != CPU_LIST_HELD ? rc : zone_free(z, addr, order);
}

int lb_free(struct lb_zone *z, uint64_t addr, unsigned order)
{
	if (!zone_ok(z))
		return LB_EINVAL;
	if (__builtin_expect(z->ncpu != 0, 0))
		return list_free(z, addr, order);
	return zone_free(z, addr, order);
}

int lb_zone_set_policy(struct lb_zone *z, enum lb_policy p)
{
	if (!zone_ok(z) || (unsigned)p >= LB_POLICY_COUNT)
		return LB_EINVAL;
	zone_lock(z);
	z->policy = p;
	z->pol = &lbi_policies[p];
	z->demand.rest_on = false;
	if (lbi_pol(z)->at_setup)
		lbi_accept_some(z, 0);
	zone_unlock(z);
	return 0;
}

int lb_zone_policy(struct lb_zone *z)
{
	enum lb_policy p;

	if (!zone_ok(z))
		return LB_EINVAL;
	zone_lock(z);
	p = z->policy;
	zone_unlock(z);
	return (int)p;
}

int lb_zone_set_watermarks(struct lb_zone *z, const struct lb_watermarks *w)
{
	/* Above all of memory a watermark means nothing, and its sums wrap. */
	if (!zone_ok(z) || !w || w->min > w->low || w->low > w->high || w->high > w->promo ||
	    w->promo > z->managed_pages)
		return LB_EINVAL;
	zone_lock(z);
	z->wmark = *w;
	zone_unlock(z);
	return 0;
}

int lb_zone_watermarks(struct lb_zone *z, struct lb_watermarks *w)
{
	if (!zone_ok(z) || !w)
		return LB_EINVAL;
	zone_lock(z);
	*w = z->wmark;
	zone_unlock(z);
	return 0;
}

int64_t lb_zone_accept(struct lb_zone *z, uint64_t max_bytes)
{
	uint64_t pages = (max_bytes >> LB_PAGE_SHIFT) + !!(max_bytes & (LB_PAGE_SIZE - 1));
	int64_t done;

	if (!zone_ok(z))
		return LB_EINVAL;
	zone_lock(z);
	done = lbi_accept_some(z, pages);
	zone_unlock(z);
	if (done < 0)
		return done == LB_ECORRUPT ? LB_ECORRUPT : LB_EBACKEND;
	return done * (int64_t)LB_PAGE_SIZE;
}

/*
 * One share of set-up: one backend call on memory taken off the lists
 * under the lock, so concurrent callers accept different memory. 0 means
 * nothing is left to take (what is left may still be in flight on other
 * threads). A failed call is retried in halves within CALL_FAILS, as any
 * accept: the share answers what it accepted, or the error if nothing.
 */
int64_t lb_zone_setup_accept(struct lb_zone *z, uint64_t max_bytes)
{
	struct acc_op op = { .fails = CALL_FAILS, .why = ACC_SETUP };
	uint64_t pages;
	int64_t got;

	if (!zone_ok(z))
		return LB_EINVAL;
	if (!max_bytes)
		max_bytes = UINT64_C(1) << 30;
	pages = (max_bytes >> LB_PAGE_SHIFT) + !!(max_bytes & (LB_PAGE_SIZE - 1));
	zone_lock(z);
	got = lbi_accept_call(z, pages, &op);
	debug_check(z);
	zone_unlock(z);
	if (got < 0)
		return got == LB_ECORRUPT ? LB_ECORRUPT : LB_EBACKEND;
	return got * (int64_t)LB_PAGE_SIZE;
}
