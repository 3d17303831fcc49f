/* SPDX-License-Identifier: MIT */
/*
 * The checker: walks every section and every free list and verifies the
 * invariants I1-I6 (README, "Reliability") against the descriptors, the
 * counters and (with LB_CFG_SHADOW) the shadow record of accepted pages.
 *
 *   I1  allocated blocks and free blocks marked accepted are wholly
 *       accepted in the shadow record;
 *   I2  free blocks marked unaccepted hold no accepted page (accepting one
 *       would accept a page twice); an accept the shadow refused is kept
 *       in z->corrupt and reported here;
 *   I4  blocks are aligned, inside their section, with no descriptor of
 *       their own on inner pages; each free block is on exactly the list of
 *       its order and state; counters match the walk and add up to the
 *       managed pages;
 *   I5  no two free buddies of one order and one state are left unmerged.
 * I3 and I6 hold by construction (descriptors are out of band; backend
 * calls are made between zone_unlock and zone_lock in inflight.c) and are
 * tested from outside: the mmap backend faults on any touch, a test
 * backend checks the lock is free while it runs. Debug builds also assert
 * on the fly that the lock is held where it must be, and the
 * preconditions of split, merge, accept and release (buddy.c,
 * inflight.c). docs/protocol.md lists what covers each invariant.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct tally {
	uint64_t free[2], blocks[2][NR_ORDERS];
	uint64_t pristine, alloc, cached, inflight, quarantine, fresh;
};

__attribute__((format(printf, 3, 4))) static int fail(char *msg, size_t len, const char *fmt,
						      ...)
{
	va_list ap;

	if (msg && len) {
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
	return LB_ECORRUPT;
}

#define ADDR(i) ((unsigned long long)idx_to_addr(z, (i)))

static int check_block(const struct lb_zone *z, uint64_t i, uint64_t end, struct tally *t,
		       char *msg, size_t len)
{
	const struct lb_page *p = &z->pages[i];
	uint64_t n = UINT64_C(1) << p->order, acc;

	if (p->order > LB_MAX_ORDER || (i & (n - 1)) || i + n > end)
		return fail(msg, len, "I4: block at 0x%llx of order %u misplaced", ADDR(i),
			    p->order);
	for (uint64_t j = i + 1; j < i + n; j++)
		if (pg_kind(&z->pages[j]) != K_NONE)
			return fail(msg, len, "I4: page 0x%llx inside block 0x%llx is a head",
				    ADDR(j), ADDR(i));
	acc = z->shadow ? bits_count(z->shadow, i, n) : n;
	t->fresh += bits_count(z->fresh, i, n);
	switch (pg_kind(p)) {
	case K_FREE:
		if (p->state > S_UNACCEPTED)
			return fail(msg, len, "I4: free block 0x%llx has bad state", ADDR(i));
		t->free[p->state] += n;
		t->blocks[p->state][p->order]++;
		if (p->order < LB_MAX_ORDER) {
			const struct lb_page *b = &z->pages[i ^ n];

			if (pg_kind(b) == K_FREE && b->order == p->order && b->state == p->state)
				return fail(msg, len,
					    "I5: free buddies 0x%llx and 0x%llx of order %u not merged",
					    ADDR(i), ADDR(i ^ n), p->order);
		}
		if (p->state == S_ACCEPTED && acc != n)
			return fail(msg, len, "I1: free block 0x%llx marked accepted holds "
				    "unaccepted pages", ADDR(i));
		if (p->state == S_UNACCEPTED && z->shadow && acc)
			return fail(msg, len, "I2: free block 0x%llx marked unaccepted holds "
				    "accepted pages", ADDR(i));
		break;
	case K_ALLOC:
	case K_CACHED:
		if (acc != n)
			return fail(msg, len, "I1: allocated block 0x%llx holds unaccepted pages",
				    ADDR(i));
		t->alloc += n;
		if (pg_kind(p) == K_CACHED)
			t->cached += n;
		break;
	case K_INFLIGHT:
		t->inflight += n;
		break;
	case K_QUARANTINE:
		t->quarantine += n;
		break;
	default:
		return fail(msg, len, "I4: page 0x%llx has unknown kind %u", ADDR(i), pg_kind(p));
	}
	return 0;
}

static int check_sections(const struct lb_zone *z, struct tally *t, char *msg, size_t len)
{
	for (uint64_t sec = 0; sec < z->nsections; sec++) {
		uint64_t first = sec * SECTION_PAGES, end = first + SECTION_PAGES;
		int rc;

		if (bit_test(z->pristine, sec)) {
			if (bit_test(z->active, sec) || end > z->span_pages || sec < z->pristine_hint)
				return fail(msg, len, "I4: pristine section at 0x%llx is misfiled",
					    ADDR(first));
			t->pristine++;
			continue;
		}
		if (!bit_test(z->active, sec))
			continue;
		for (uint64_t i = first; i < end;) {
			if (pg_kind(&z->pages[i]) == K_NONE) { /* reserved */
				i++;
				continue;
			}
			rc = check_block(z, i, end, t, msg, len);
			if (rc)
				return rc;
			i += UINT64_C(1) << z->pages[i].order;
		}
	}
	return 0;
}

static int check_lists(const struct lb_zone *z, const struct tally *t, char *msg, size_t len)
{
	for (unsigned s = 0; s < 2; s++) {
		for (unsigned o = 0; o < NR_ORDERS; o++) {
			const struct free_area *a = &z->area[s][o];
			uint64_t count = 0;
			uint64_t prev = LB_NIL;

			for (uint64_t i = a->head; i != LB_NIL; i = pg_next(z, i)) {
				const struct lb_page *p;

				if (i >= z->nsections * SECTION_PAGES)
					return fail(msg, len, "I4: free list %s/%u links outside "
						    "the zone", s ? "unaccepted" : "accepted", o);
				p = &z->pages[i];
				if (pg_kind(p) != K_FREE || p->order != o || p->state != s ||
				    pg_prev(z, i) != prev || ++count > t->blocks[s][o])
					return fail(msg, len, "I4: free list %s/%u corrupt at 0x%llx",
						    s ? "unaccepted" : "accepted", o, ADDR(i));
				prev = i;
			}
			if (prev != a->tail || count != a->nr || count != t->blocks[s][o])
				return fail(msg, len, "I4: free list %s/%u holds %llu blocks, "
					    "%llu free blocks found", s ? "unaccepted" : "accepted",
					    o, (unsigned long long)count,
					    (unsigned long long)t->blocks[s][o]);
		}
	}
	return 0;
}

/* quiescent: no cache is in use, so cached blocks can be matched against
 * the caches' counts (a cache flips K_ALLOC and K_CACHED without the lock). */
int lbi_zone_check(struct lb_zone *z, char *msg, size_t len, bool quiescent)
{
	struct tally t;
	uint64_t sum;
	int rc;

	LB_ASSERT_LOCKED(z);
	if (z->corrupt[0])
		return fail(msg, len, "%s", z->corrupt);
	memset(&t, 0, sizeof t);
	rc = check_sections(z, &t, msg, len);
	if (!rc)
		rc = check_lists(z, &t, msg, len);
	if (rc)
		return rc;
	if (t.free[0] != z->nr_free[0] || t.free[1] != z->nr_free[1] ||
	    t.pristine != z->nr_pristine || t.alloc != z->nr_alloc ||
	    t.inflight != z->nr_inflight || t.quarantine != z->nr_quarantine ||
	    t.fresh != z->over_accepted || (quiescent && t.cached != lbi_cached_pages(z)))
		return fail(msg, len, "I4: counters disagree with the walk (free %llu/%llu, "
			    "allocated %llu (cached %llu), in flight %llu, quarantined %llu, "
			    "fresh %llu)",
			    (unsigned long long)t.free[0], (unsigned long long)t.free[1],
			    (unsigned long long)t.alloc, (unsigned long long)t.cached,
			    (unsigned long long)t.inflight,
			    (unsigned long long)t.quarantine, (unsigned long long)t.fresh);
	if (z->rel_next < z->nsections * SECTION_PAGES &&
	    (pg_kind(&z->pages[z->rel_next]) != K_FREE ||
	     z->pages[z->rel_next].state != S_ACCEPTED ||
	     z->pages[z->rel_next].order != z->rel_order))
		return fail(msg, len, "I4: the releaser's cursor 0x%llx is not on the accepted "
			    "list of order %u", ADDR(z->rel_next), z->rel_order);
	if (z->acc_inflight > z->nr_inflight)
		return fail(msg, len, "I4: the acceptor has %llu pages in flight, the zone %llu",
			    (unsigned long long)z->acc_inflight,
			    (unsigned long long)z->nr_inflight);
	sum = t.free[0] + t.free[1] + t.pristine * SECTION_PAGES + t.alloc + t.inflight +
	      t.quarantine;
	if (sum != z->managed_pages)
		return fail(msg, len, "I4: %llu pages accounted for, %llu managed",
			    (unsigned long long)sum, (unsigned long long)z->managed_pages);
	if (msg && len)
		msg[0] = 0;
	return 0;
}

int lb_zone_check(struct lb_zone *z, char *msg, size_t len)
{
	int rc;

	if (!z || z->magic != LB_ZONE_MAGIC)
		return LB_EINVAL;
	zone_lock(z);
	rc = lbi_zone_check(z, msg, len, true);
	zone_unlock(z);
	return rc;
}
