/* SPDX-License-Identifier: MIT */
/*
 * Free lists, sections, split and merge: the buddy mechanics, blind to
 * policy and to acceptance (inflight.c changes a block's state). Every
 * function here runs under z->lock.
 *
 * Free blocks sit on lists by state and order, doubly linked through their
 * head descriptors, so a buddy can be unlinked in O(1) when it merges;
 * accepted ones on the lists of their tag, the cache whose refills split
 * them or whose drain gave them back (0: anyone's), so that each CPU's
 * trips to the zone work on list heads and descriptors of its own. Buddies
 * merge only when both are free, of one order and of one state (I5), which
 * keeps every free block homogeneous. Pristine sections are free unaccepted
 * max-order blocks kept in a bitmap instead of a list, so that set-up costs
 * one bit per 4 MiB; they are activated (descriptors zeroed) when taken.
 */
#include "internal.h"

void lbi_section_activate(struct lb_zone *z, uint64_t sec)
{
	uint64_t first = sec * SECTION_PAGES;

	LB_ASSERT_LOCKED(z);
	LB_DBG_ASSERT(!bit_test(z->active, sec));
	memset(&z->pages[first], 0, SECTION_PAGES * sizeof(struct lb_page));
	bits_assign(z->fresh, first, SECTION_PAGES, 0);
	if (z->shadow)
		bits_assign(z->shadow, first, SECTION_PAGES, 0);
	/* atomic: lb_cache_free() tests it without the lock */
	__atomic_fetch_or(&z->active[sec >> 6], UINT64_C(1) << (sec & 63), __ATOMIC_RELAXED);
}

/* Put free block idx on the list of its state and tag, at its head or tail. */
static inline void list_add(struct lb_zone *z, uint64_t idx, unsigned order, unsigned state,
			    unsigned tag, bool tail)
{
	unsigned id = list_id(state, tag);
	struct free_lists *l = &z->lists[id];
	struct free_area *a = &l->area[order];
	struct lb_page *p = &z->pages[idx];
	uint32_t self = (uint32_t)idx;

	LB_ASSERT_LOCKED(z);
	LB_DBG_ASSERT(tag <= TAG_COUNT && (state == S_ACCEPTED || !tag));
	pg_set_kind(p, K_FREE);
	pg_set_order(p, order);
	p->state = (uint8_t)state;
	p->flags = tag_flags(id);
	if (a->head == LB_NIL) {
		p->next = p->prev = self;
		a->head = a->tail = idx;
		if (cache_list(id)) {
			if (!l->orders)
				z->holding |= UINT64_C(1) << id;
			l->orders |= UINT32_C(1) << order;
		}
	} else if (tail) {
		p->next = self;
		p->prev = (uint32_t)a->tail;
		z->pages[a->tail].next = self;
		a->tail = idx;
	} else {
		p->prev = self;
		p->next = (uint32_t)a->head;
		z->pages[a->head].prev = self;
		a->head = idx;
	}
	a->nr++;
	z->nr_free[state] += UINT64_C(1) << order;
}

void lbi_list_del(struct lb_zone *z, uint64_t idx)
{
	struct lb_page *p = &z->pages[idx];
	unsigned o = pg_order(p);
	unsigned id = pg_tag(p);
	struct free_lists *l = &z->lists[id];
	struct free_area *a = &l->area[o];
	uint64_t prev = pg_prev(z, idx), next = pg_next(z, idx);

	LB_ASSERT_LOCKED(z);
	LB_DBG_ASSERT(pg_kind(p) == K_FREE);
	if (idx == z->rel_next) /* the releaser's cursor moves on (releaser.c) */
		z->rel_next = prev == LB_NIL ? REL_DONE : prev;
	/* A new end links to itself. */
	if (prev == LB_NIL)
		a->head = next;
	else
		z->pages[prev].next = (uint32_t)(next == LB_NIL ? prev : next);
	if (next == LB_NIL)
		a->tail = prev;
	else
		z->pages[next].prev = (uint32_t)(prev == LB_NIL ? next : prev);
	if (!--a->nr && cache_list(id)) {
		l->orders &= ~(UINT32_C(1) << o);
		if (!l->orders)
			z->holding &= ~(UINT64_C(1) << id);
	}
	z->nr_free[p->state] -= UINT64_C(1) << o;
	pg_set_kind(p, K_NONE);
	p->next = p->prev = (uint32_t)idx;
}

#if LB_DEBUG >= 1
/* Does the shadow record agree that the block is wholly of state? */
static bool shadow_says(const struct lb_zone *z, uint64_t idx, unsigned order, unsigned state)
{
	uint64_t n = UINT64_C(1) << order, acc;

	if (!z->shadow)
		return true;
	acc = bits_count(z->shadow, idx, n);
	return state == S_ACCEPTED ? acc == n : acc == 0;
}
#endif

/* Free a block the caller holds (taken, or a cache's), merging with free
 * buddies of the same state (I5), whatever their tags, onto tag's list
 * (accepted only). A whole section stays on the cache's list too: another
 * cache's refill or an allocation that needs one finds it there before
 * anything is accepted (lbi_take_free), and keeping it off anyone's list
 * keeps that list's lines from moving between the CPUs. */
uint64_t lbi_free_block(struct lb_zone *z, uint64_t idx, unsigned order, unsigned state,
			unsigned tag, bool tail)
{
	LB_ASSERT_LOCKED(z);
	LB_DBG_ASSERT(order <= LB_MAX_ORDER && !(idx & ((UINT64_C(1) << order) - 1)) &&
		      state <= S_UNACCEPTED);
	LB_DBG_ASSERT(pg_kind(&z->pages[idx]) == K_NONE || pg_kind(&z->pages[idx]) == K_CACHED);
	LB_DBG_ASSERT(shadow_says(z, idx, order, state));
	pg_set_kind(&z->pages[idx], K_NONE); /* it may become an absorbed tail */
	while (order < LB_MAX_ORDER) {
		uint64_t buddy = idx ^ (UINT64_C(1) << order);
		const struct lb_page *b = &z->pages[buddy];

		if (pg_kind(b) != K_FREE || pg_order(b) != order || b->state != state)
			break;
		/* Merge: both free, one order, one state, and so in the shadow. */
		LB_DBG_ASSERT(shadow_says(z, buddy, order, state));
		lbi_list_del(z, buddy);
		idx &= ~(UINT64_C(1) << order);
		order++;
	}
	list_add(z, idx, order, state, tag, tail);
	zone_wake(z); /* an allocation waiting for memory in flight may take it */
	return idx;
}

/* Free n accepted blocks of order o that the cache tagged tag gives back,
 * onto its lists. When they are the pieces of one aligned block (a
 * cache's batch comes back as it was taken: a refill's pieces, freed in
 * any order) that block is freed whole, with one merge instead of one per
 * piece. n distinct heads of order o, aligned, between the block's first
 * and last piece, are all of its pieces. */
void lbi_free_pieces(struct lb_zone *z, const uint32_t *s, uint32_t n, unsigned o, unsigned tag)
{
	uint32_t lo = UINT32_MAX, hi = 0;
	unsigned k;

	LB_ASSERT_LOCKED(z);
	if (n > 1 && !(n & (n - 1))) {
		for (uint32_t i = 0; i < n; i++) {
			lo = s[i] < lo ? s[i] : lo;
			hi = s[i] > hi ? s[i] : hi;
		}
		k = (unsigned)__builtin_ctz(n);
		if (o + k <= LB_MAX_ORDER && !(lo & ((UINT32_C(1) << (o + k)) - 1)) &&
		    hi - lo == (n - 1) << o) {
			for (uint32_t i = 0; i < n; i++)
				pg_set_kind(&z->pages[s[i]], K_NONE);
			lbi_free_block(z, lo, o + k, S_ACCEPTED, tag, false);
			return;
		}
	}
	for (uint32_t i = 0; i < n; i++)
		lbi_free_block(z, s[i], o, S_ACCEPTED, tag, false);
}

/* Split a taken block (off the lists, of order from and this state) down
 * to order to; the upper halves go back on the lists of the same state
 * and tag. The block keeps its head at idx, now of order to. */
void lbi_split(struct lb_zone *z, uint64_t idx, unsigned from, unsigned to, unsigned state,
	       unsigned tag)
{
	struct lb_page *p = &z->pages[idx];

	LB_ASSERT_LOCKED(z);
	LB_DBG_ASSERT(pg_kind(p) == K_NONE && pg_order(p) == from && p->state == state &&
		      from >= to && from <= LB_MAX_ORDER && !(idx & ((UINT64_C(1) << from) - 1)));
	while (from > to) {
		from--;
		list_add(z, idx + (UINT64_C(1) << from), from, state, tag, false);
	}
	pg_set_order(p, to);
}

/* Take up to max_sections contiguous pristine sections, lowest first, and
 * activate them. Returns how many; *first gets the first section. */
uint64_t lbi_take_pristine_run(struct lb_zone *z, uint64_t max_sections, uint64_t *first)
{
	uint64_t s, n = 0;

	LB_ASSERT_LOCKED(z);
	s = bits_next_set(z->pristine, z->pristine_hint, z->nsections);
	z->pristine_hint = s;
	while (n < max_sections && s + n < z->nsections && bit_test(z->pristine, s + n)) {
		struct lb_page *head = &z->pages[(s + n) * SECTION_PAGES];

		bit_clear(z->pristine, s + n);
		lbi_section_activate(z, s + n);
		/* taken: a max-order unaccepted block, as if off a list */
		pg_set_order(head, LB_MAX_ORDER);
		head->state = S_UNACCEPTED;
		n++;
	}
	z->nr_pristine -= n;
	*first = s;
	return n;
}

/* The smallest order >= min_order, and below best, of a free block on
 * the lists of the caches' ids in m, and the lowest such id: best if none. */
static unsigned smallest_in(const struct lb_zone *z, uint64_t m, unsigned min_order,
			    unsigned best, unsigned *id)
{
	for (m &= z->holding; m && best > min_order; m &= m - 1) {
		unsigned t = (unsigned)__builtin_ctzll(m);
		uint32_t r = z->lists[t].orders >> min_order;

		if (r && min_order + (unsigned)__builtin_ctz(r) < best) {
			best = min_order + (unsigned)__builtin_ctz(r);
			*id = t;
		}
	}
	return best;
}

/* The smallest order >= min_order of a block on list id (anyone's, or
 * the unaccepted), head by head: NR_ORDERS if none. */
static unsigned smallest_on(const struct lb_zone *z, unsigned id, unsigned min_order)
{
	unsigned o = min_order;

	while (o < NR_ORDERS && z->lists[id].area[o].head == LB_NIL)
		o++;
	return o;
}

/* Take the head of list id's list of order o off it. */
static void take_head(struct lb_zone *z, unsigned id, unsigned o, uint64_t *idx,
		      unsigned *order)
{
	*idx = z->lists[id].area[o].head;
	*order = o;
	lbi_list_del(z, *idx);
}

/* Take the smallest free block of the given state with order >= min_order
 * off its list (accepted: anyone's, or the lowest tag's at a smaller
 * order; unaccepted: lists first, then a pristine section). */
bool lbi_take_free(struct lb_zone *z, unsigned state, unsigned min_order, uint64_t *idx,
		 unsigned *order)
{
	unsigned id = list_id(state, 0), o = smallest_on(z, id, min_order);

	LB_ASSERT_LOCKED(z);
	if (state == S_ACCEPTED && z->holding)
		o = smallest_in(z, CACHE_LISTS, min_order, o, &id);
	if (o < NR_ORDERS) {
		take_head(z, id, o, idx, order);
		return true;
	}
	if (state == S_UNACCEPTED && min_order <= LB_MAX_ORDER) {
		uint64_t sec;

		if (lbi_take_pristine_run(z, 1, &sec)) {
			*idx = sec * SECTION_PAGES;
			*order = LB_MAX_ORDER;
			return true;
		}
	}
	return false;
}

/* Take a free accepted block of order >= min_order for the cache tagged
 * tag: the smallest on its own lists, anyone's or a finished cache's
 * (its own first at one order, then anyone's), else the smallest of any,
 * as lbi_take_free() (another cache's blocks serve before any memory is
 * accepted). */
bool lbi_take_free_near(struct lb_zone *z, unsigned min_order, unsigned tag, uint64_t *idx,
			unsigned *order)
{
	unsigned id = 0, o = smallest_on(z, 0, min_order), mine;

	LB_ASSERT_LOCKED(z);
	o = smallest_in(z, ~z->live_tags & CACHE_LISTS, min_order, o, &id);
	mine = smallest_in(z, UINT64_C(1) << tag, min_order, o + 1, &id); /* a tie: its own */
	o = mine < o ? mine : o;
	if (o < NR_ORDERS) {
		take_head(z, id, o, idx, order);
		return true;
	}
	return lbi_take_free(z, S_ACCEPTED, min_order, idx, order);
}

/* Take the largest free unaccepted block: a max-order one from the list
 * (released memory), else a pristine section in address order (the way
 * Linux keeps its unaccepted list), else the largest fragment. */
bool lbi_take_largest_unaccepted(struct lb_zone *z, uint64_t *idx, unsigned *order)
{
	uint64_t sec;

	LB_ASSERT_LOCKED(z);
	if (z->lists[LIST_UNACC].area[LB_MAX_ORDER].head == LB_NIL &&
	    lbi_take_pristine_run(z, 1, &sec)) {
		*idx = sec * SECTION_PAGES;
		*order = LB_MAX_ORDER;
		return true;
	}
	for (unsigned o = NR_ORDERS; o-- > 0;) {
		uint64_t head = z->lists[LIST_UNACC].area[o].head;

		if (head != LB_NIL) {
			lbi_list_del(z, head);
			*idx = head;
			*order = o;
			return true;
		}
	}
	return false;
}

/* Find the head of the block holding page idx, walking its section from
 * the start (heads only, so at most 1024 steps). False for reserved pages
 * and pages of sections never activated. */
bool lbi_find_block(const struct lb_zone *z, uint64_t idx, uint64_t *head)
{
	uint64_t sec = idx / SECTION_PAGES, i = sec * SECTION_PAGES;

	LB_ASSERT_LOCKED(z);
	if (!bit_test(z->active, sec))
		return false;
	while (i <= idx) {
		const struct lb_page *p = &z->pages[i];
		unsigned o = pg_order(p);

		if (pg_kind(p) == K_NONE) { /* a reserved page */
			i++;
			continue;
		}
		if (idx < i + (UINT64_C(1) << o)) {
			*head = i;
			return true;
		}
		i += UINT64_C(1) << o;
	}
	return false;
}

/* Is there a free unaccepted block of at least this order? */
bool lbi_unaccepted_fits(const struct lb_zone *z, unsigned order)
{
	LB_ASSERT_LOCKED(z);
	if (z->nr_pristine)
		return true;
	for (unsigned o = order; o < NR_ORDERS; o++)
		if (z->lists[LIST_UNACC].area[o].head != LB_NIL)
			return true;
	return false;
}

/*
 * Is the aligned run of 2^order pages around the free block b, of state s,
 * all free, with blocks of the other state too? Only the lowest block of
 * state s in the run walks it to the end, so a run is walked once.
 */
static bool mixed_run_at(const struct lb_zone *z, uint64_t b, unsigned s, unsigned order)
{
	uint64_t e = (b | ((UINT64_C(1) << order) - 1)) + 1;
	bool other = false;

	for (uint64_t i = e - (UINT64_C(1) << order); i < e;) {
		const struct lb_page *p = &z->pages[i];

		if (pg_kind(p) != K_FREE || i + (UINT64_C(1) << pg_order(p)) > e)
			return false;
		if (p->state != s)
			other = true;
		else if (i < b)
			return false;
		i += UINT64_C(1) << pg_order(p);
	}
	return other;
}

/*
 * Find a free aligned run of 2^order pages made of blocks of both states,
 * when no free block of either state is that large (I5 keeps such blocks
 * apart: accepting the unaccepted ones is what merges them). The blocks
 * of the state with fewer below that order are the candidates.
 */
bool lbi_find_mixed(const struct lb_zone *z, unsigned order, uint64_t *run)
{
	uint64_t n[2] = { 0, 0 };
	unsigned s;

	LB_ASSERT_LOCKED(z);
	for (unsigned o = 0; o < order; o++) {
		n[S_ACCEPTED] += free_accepted_blocks(z, o);
		n[S_UNACCEPTED] += z->lists[LIST_UNACC].area[o].nr;
	}
	if (!n[S_ACCEPTED] || !n[S_UNACCEPTED])
		return false;
	s = n[S_ACCEPTED] <= n[S_UNACCEPTED] ? S_ACCEPTED : S_UNACCEPTED;
	for (unsigned o = 0; o < order; o++)
		for (unsigned t = 0; t <= (s == S_ACCEPTED ? TAG_COUNT : 0); t++)
			for (uint64_t i = z->lists[list_id(s, t)].area[o].head; i != LB_NIL;
			     i = pg_next(z, i))
				if (mixed_run_at(z, i, s, order)) {
					*run = i & ~((UINT64_C(1) << order) - 1);
					return true;
				}
	return false;
}
