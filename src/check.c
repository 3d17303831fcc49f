/* SPDX-License-Identifier: MIT */
/*
 * The checker: walks every section and every free list and verifies the
 * invariants I1-I6 (README, "Reliability") against the descriptors, the
 * counters and (with LB_CFG_SHADOW) the shadow record of accepted pages.
 *
 *   I1  allocated blocks and free blocks marked accepted are wholly
 *       accepted in the shadow record;
 *   I2  free blocks marked unaccepted hold no accepted page (accepting one
 *       would accept a page twice); what the shadow record refused or
 *       saw on the fly is kept in z->note and reported here first;
 *   I4  blocks are aligned, inside their section, with no descriptor of
 *       their own on inner pages; each free block is on exactly the list of
 *       its order and state; counters match the walk and add up to the
 *       managed pages;
 *   I5  no two free buddies of one order and one state are left unmerged.
 * I3 and I6 hold by construction (descriptors are out of band; backend
 * calls are made between zone_unlock and zone_lock in retry.c and
 * release.c) and are
 * tested from outside: the mmap backend faults on any touch, a test
 * backend checks the lock is free while it runs. Debug builds also assert
 * on the fly that the lock is held where it must be, and the
 * preconditions of split, merge, accept and release (buddy.c, retry.c,
 * release.c). docs/protocol.md lists what covers each invariant.
 *
 * A finding is a code and numbers (struct finding); format.c makes the
 * text, in hosted builds only: the core has no printf.
 */
#include "internal.h"

struct tally {
	uint64_t free[2], blocks[2][NR_ORDERS];
	uint64_t pristine, alloc, cached, inflight, quarantine, fresh;
};

/* Record what was found: its code, the invariant, its numbers. The text is
 * format.c's. */
static int found(struct finding *f, unsigned code, unsigned inv, const uint64_t *v)
{
	f->code = code;
	f->inv = inv;
	memcpy(f->v, v, sizeof f->v);
	return LB_ECORRUPT;
}

#define FOUND(f, code, inv, ...) found(f, code, inv, (const uint64_t[FIND_VALUES]){ __VA_ARGS__ })
#define ADDR(i) idx_to_addr(z, (i))

static int check_block(const struct lb_zone *z, uint64_t i, uint64_t end, struct tally *t,
		       struct finding *f)
{
	const struct lb_page *p = &z->pages[i];
	/* a cache writes kind and order without the lock: atomic reads */
	unsigned o = pg_order(p);
	uint64_t n = UINT64_C(1) << (o & 63), acc;

	if (o > LB_MAX_ORDER || (i & (n - 1)) || i + n > end)
		return FOUND(f, FIND_MISPLACED, 4, ADDR(i), o);
	for (uint64_t j = i + 1; j < i + n; j++)
		if (pg_kind(&z->pages[j]) != K_NONE)
			return FOUND(f, FIND_INNER_HEAD, 4, ADDR(j), ADDR(i));
	acc = z->shadow ? bits_count(z->shadow, i, n) : n;
	t->fresh += bits_count(z->fresh, i, n);
	switch (pg_kind(p)) {
	case K_FREE:
		if (p->state > S_UNACCEPTED)
			return FOUND(f, FIND_BAD_STATE, 4, ADDR(i));
		t->free[p->state] += n;
		t->blocks[p->state][o]++;
		if (o < LB_MAX_ORDER) {
			const struct lb_page *b = &z->pages[i ^ n];

			if (pg_kind(b) == K_FREE && pg_order(b) == o && b->state == p->state)
				return FOUND(f, FIND_UNMERGED, 5, ADDR(i), ADDR(i ^ n), o);
		}
		if (p->state == S_ACCEPTED && acc != n)
			return FOUND(f, FIND_FREE_UNACC, 1, ADDR(i));
		if (p->state == S_UNACCEPTED && z->shadow && acc)
			return FOUND(f, FIND_FREE_ACC, 2, ADDR(i));
		break;
	case K_ALLOC:
	case K_CACHED:
		if (acc != n)
			return FOUND(f, FIND_ALLOC_UNACC, 1, ADDR(i));
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
		return FOUND(f, FIND_BAD_KIND, 4, ADDR(i), pg_kind(p));
	}
	return 0;
}

static int check_sections(const struct lb_zone *z, struct tally *t, struct finding *f)
{
	for (uint64_t sec = 0; sec < z->nsections; sec++) {
		uint64_t first = sec * SECTION_PAGES, end = first + SECTION_PAGES;
		int rc;

		if (bit_test(z->pristine, sec)) {
			if (bit_test(z->active, sec) || end > z->span_pages || sec < z->pristine_hint)
				return FOUND(f, FIND_PRISTINE, 4, ADDR(first));
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
			rc = check_block(z, i, end, t, f);
			if (rc)
				return rc;
			i += UINT64_C(1) << pg_order(&z->pages[i]);
		}
	}
	return 0;
}

/* The list of state s, tag and order o: every block on it free, of that
 * state and order, saying it is on this list, linked both ways, counted
 * in a->nr and in the mask of lists not empty; *seen adds them up, at
 * most the walk's count. */
static int check_list(const struct lb_zone *z, unsigned s, unsigned tag, unsigned o,
		      const struct tally *t, uint64_t *seen, struct finding *f)
{
	unsigned id = list_id(s, tag);
	const struct free_area *a = &z->lists[id].area[o];
	uint64_t count = 0, prev = LB_NIL;

	for (uint64_t i = a->head; i != LB_NIL; i = pg_next(z, i)) {
		const struct lb_page *p;

		if (i >= z->nsections * SECTION_PAGES)
			return FOUND(f, FIND_LIST_OUTSIDE, 4, s, o);
		p = &z->pages[i];
		if (pg_kind(p) != K_FREE || pg_order(p) != o || p->state != s ||
		    pg_tag(p) != id || pg_prev(z, i) != prev || ++*seen > t->blocks[s][o])
			return FOUND(f, FIND_LIST_CORRUPT, 4, s, o, ADDR(i), 0, tag);
		prev = i;
		count++;
	}
	if (prev != a->tail || count != a->nr ||
	    (cache_list(id) && (!(z->lists[id].orders >> o & 1) != !count ||
				!(z->holding >> id & 1) != !z->lists[id].orders)))
		return FOUND(f, FIND_LIST_COUNT, 4, s, o, a->nr, count, tag);
	return 0;
}

/* The masks no list's walk covers: holding and live_tags name caches'
 * tags only, live_tags those a cache has, no list's orders a bit past the
 * largest order. */
static int check_tag_masks(const struct lb_zone *z, struct finding *f)
{
	bool bad = (z->holding | z->live_tags) & ~CACHE_LISTS;

	for (unsigned t = 1; t <= TAG_COUNT; t++)
		bad |= !(z->live_tags >> t & 1) != !z->tag_users[t] ||
		       z->lists[t].orders >> NR_ORDERS;
	return bad ? FOUND(f, FIND_TAG_MASKS, 4, z->holding, z->live_tags) : 0;
}

static int check_lists(const struct lb_zone *z, const struct tally *t, struct finding *f)
{
	int rc = check_tag_masks(z, f);

	if (rc)
		return rc;
	for (unsigned s = 0; s < 2; s++) {
		for (unsigned o = 0; o < NR_ORDERS; o++) {
			uint64_t seen = 0;

			for (unsigned tag = 0; tag <= (s == S_ACCEPTED ? TAG_COUNT : 0); tag++) {
				rc = check_list(z, s, tag, o, t, &seen, f);
				if (rc)
					return rc;
			}
			if (seen != t->blocks[s][o])
				return FOUND(f, FIND_LIST_COUNT, 4, s, o, seen, t->blocks[s][o]);
		}
	}
	return 0;
}

/* quiescent: no cache is in use, so cached blocks can be matched against
 * the caches' counts (a cache flips K_ALLOC and K_CACHED without the lock). */
int lbi_zone_check(struct lb_zone *z, struct finding *f, bool quiescent)
{
	struct tally t;
	uint64_t sum;
	int rc;

	LB_ASSERT_LOCKED(z);
	f->code = FIND_NONE;
	if (z->note.code) {
		*f = z->note;
		return LB_ECORRUPT;
	}
	memset(&t, 0, sizeof t);
	rc = check_sections(z, &t, f);
	if (!rc)
		rc = check_lists(z, &t, f);
	if (rc)
		return rc;
	if (t.free[0] != z->nr_free[0] || t.free[1] != z->nr_free[1] ||
	    t.pristine != z->nr_pristine || t.alloc != z->nr_alloc ||
	    t.inflight != z->nr_inflight || t.quarantine != z->nr_quarantine ||
	    t.fresh != z->over_accepted || (quiescent && t.cached != lbi_cached_pages(z)))
		return FOUND(f, FIND_COUNTERS, 4, t.free[0], t.free[1], t.alloc, t.cached,
			     t.inflight, t.quarantine, t.fresh);
	if (z->rel_next < z->nsections * SECTION_PAGES &&
	    (pg_kind(&z->pages[z->rel_next]) != K_FREE ||
	     z->pages[z->rel_next].state != S_ACCEPTED ||
	     pg_order(&z->pages[z->rel_next]) != z->rel_order ||
	     pg_tag(&z->pages[z->rel_next]) != z->rel_tag))
		return FOUND(f, FIND_CURSOR, 4, ADDR(z->rel_next), z->rel_order);
	if (z->acc_inflight > z->nr_inflight)
		return FOUND(f, FIND_ACC_INFLIGHT, 4, z->acc_inflight, z->nr_inflight);
	sum = t.free[0] + t.free[1] + t.pristine * SECTION_PAGES + t.alloc + t.inflight +
	      t.quarantine;
	if (sum != z->managed_pages)
		return FOUND(f, FIND_PAGE_SUM, 4, sum, z->managed_pages);
	return 0;
}

int lb_zone_check(struct lb_zone *z, char *msg, size_t len)
{
	struct finding f;
	int rc;

	if (!z || z->magic != LB_ZONE_MAGIC)
		return LB_EINVAL;
	zone_lock(z);
	rc = lbi_zone_check(z, &f, true);
	zone_unlock(z);
	lbi_finding_text(&f, msg, len);
	return rc;
}
