/* SPDX-License-Identifier: MIT */
/*
 * The consistency layer: the rules documented in trace.h.
 *
 * Two structures, so that a block costs the same whatever its order:
 *  - page bits (pagebits.c): the rules need a page's history after its block
 *    is gone (a repeat or double free can come much later);
 *  - live blocks, one map entry each, keyed by head pfn and order (a block
 *    freed in pieces may see its head reallocated while it lives on).
 * The block holding an allocated page is the smallest live block whose
 * range covers it (any larger one had freed those pages before the smaller
 * was allocated, and an allocation over held pages frees their blocks), so
 * it is found by trying the page's aligned heads at each order that has live
 * blocks, smallest first. A block counts the live blocks inside its range
 * ("nested"); with none, every held page of its range is its own, which lets
 * whole words be freed at once.
 * A block counts its pages not yet freed; at 0 it is delivered as freed.
 */
#include "trace.h"

#include <stdlib.h>
#include <string.h>

#define PFN_LIMIT ((uint64_t)1 << 52)
#define NO_BLOCK UINT32_MAX

struct block {
	uint64_t id, pfn;
	uint32_t live;   /* pages not yet freed; 0: slot free */
	uint32_t next;   /* free list */
	uint32_t nested; /* live blocks inside its range */
	uint8_t order;
};

struct lb_trace_check {
	struct lb_trace_pages pages;
	struct lb_trace_map heads;     /* head_key() of a live block -> blocks[a] */
	uint32_t order_live[LB_TRACE_MAX_ORDER + 1]; /* live blocks by order */
	uint32_t orders;               /* bit o: order_live[o] != 0 */
	struct block *blocks;
	uint32_t nblocks, capblocks, free_head;
	uint64_t next_id;
	struct lb_trace_event *q; /* pending output */
	size_t qhead, qlen, qcap;
	struct lb_trace_check_stats st;
};

static const char *const incons_names[LB_TRACE_NINCONS] = {
	"free_unseen", "double_free", "batched_repeat", "alloc_allocated",
	"bad_pfn",
};

const char *lb_trace_incons_name(enum lb_trace_incons k)
{
	return (unsigned)k < LB_TRACE_NINCONS ? incons_names[k] : "?";
}

struct lb_trace_check *lb_trace_check_new(void)
{
	struct lb_trace_check *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	if (lb_trace_pages_init(&c->pages)) {
		free(c);
		return NULL;
	}
	if (lb_trace_map_init(&c->heads, 1 << 12)) {
		lb_trace_pages_destroy(&c->pages);
		free(c);
		return NULL;
	}
	c->free_head = UINT32_MAX;
	c->next_id = 1;
	return c;
}

void lb_trace_check_free(struct lb_trace_check *c)
{
	if (!c)
		return;
	lb_trace_pages_destroy(&c->pages);
	lb_trace_map_destroy(&c->heads);
	free(c->blocks);
	free(c->q);
	free(c);
}

const struct lb_trace_check_stats *lb_trace_check_stats(const struct lb_trace_check *c)
{
	return &c->st;
}

static int emit(struct lb_trace_check *c, const struct lb_trace_event *ev)
{
	if (c->qhead + c->qlen == c->qcap) {
		if (c->qhead) {
			memmove(c->q, c->q + c->qhead, c->qlen * sizeof *c->q);
			c->qhead = 0;
		} else {
			size_t ncap = c->qcap ? c->qcap * 2 : 64;
			struct lb_trace_event *n = realloc(c->q, ncap * sizeof *n);
			if (!n)
				return -1;
			c->q = n;
			c->qcap = ncap;
		}
	}
	c->q[c->qhead + c->qlen++] = *ev;
	c->st.delivered[ev->kind]++;
	return 0;
}

int lb_trace_check_pop(struct lb_trace_check *c, struct lb_trace_event *ev)
{
	if (!c->qlen)
		return 0;
	*ev = c->q[c->qhead++];
	if (--c->qlen == 0)
		c->qhead = 0;
	return 1;
}

/* ---- page bits ------------------------------------------------------------ */

static struct lb_trace_pword *word_of(struct lb_trace_check *c, uint64_t x)
{
	return lb_trace_pages_word(&c->pages, x);
}

static uint64_t word_mask(uint64_t x, uint64_t end)
{
	return lb_trace_word_mask(x, end);
}

/* The first page of the word after x's. */
static uint64_t next_word(uint64_t x)
{
	return (x | 63) + 1;
}

static void touch_bits(struct lb_trace_check *c, struct lb_trace_pword *w, uint64_t m)
{
	c->st.pages_distinct += (uint64_t)__builtin_popcountll(m & ~w->touched);
	w->touched |= m;
}

/* ---- blocks --------------------------------------------------------------- */

/* pfns are below 2^52 (bad_pfn otherwise), so head and order fit one key. */
static uint64_t head_key(uint64_t pfn, unsigned order)
{
	return pfn << 5 | order;
}

static uint64_t block_end(const struct block *b)
{
	return b->pfn + ((uint64_t)1 << b->order);
}

/* The live block holding allocated page p: the smallest covering it. */
static uint32_t block_at(const struct lb_trace_check *c, uint64_t p)
{
	for (uint32_t os = c->orders; os; os &= os - 1) {
		unsigned o = (unsigned)__builtin_ctz(os);
		const struct lb_trace_map_slot *s = lb_trace_map_find(
			&c->heads, head_key(p & ~(((uint64_t)1 << o) - 1), o));
		if (s)
			return s->a;
	}
	return NO_BLOCK;
}

/* Add delta to the nested count of each live block whose range holds
 * [pfn, pfn + 2^order): one per larger order at most. */
static void nest(struct lb_trace_check *c, uint64_t pfn, unsigned order,
		 int delta)
{
	uint32_t above = c->orders & ~((2u << order) - 1);

	for (; above; above &= above - 1) {
		unsigned o = (unsigned)__builtin_ctz(above);
		const struct lb_trace_map_slot *s = lb_trace_map_find(
			&c->heads, head_key(pfn & ~(((uint64_t)1 << o) - 1), o));
		if (s)
			c->blocks[s->a].nested += (uint32_t)delta;
	}
}

static void order_add(struct lb_trace_check *c, unsigned order, int delta)
{
	c->order_live[order] += (uint32_t)delta;
	if (c->order_live[order])
		c->orders |= 1u << order;
	else
		c->orders &= ~(1u << order);
}

static int64_t block_new(struct lb_trace_check *c, uint64_t pfn, unsigned order)
{
	struct lb_trace_map_slot *s;
	uint32_t i;

	if (c->free_head != UINT32_MAX) {
		i = c->free_head;
		c->free_head = c->blocks[i].next;
	} else {
		if (c->nblocks == c->capblocks) {
			uint32_t ncap = c->capblocks ? c->capblocks * 2 : 1024;
			struct block *n;
			if (ncap <= c->capblocks)
				return -1;
			n = realloc(c->blocks, (size_t)ncap * sizeof *n);
			if (!n)
				return -1;
			c->blocks = n;
			c->capblocks = ncap;
		}
		i = c->nblocks++;
	}
	s = lb_trace_map_get(&c->heads, head_key(pfn, order), NULL);
	if (!s) {
		c->blocks[i].next = c->free_head;
		c->free_head = i;
		return -1;
	}
	s->a = i;
	nest(c, pfn, order, 1);
	c->blocks[i].id = c->next_id++;
	c->blocks[i].pfn = pfn;
	c->blocks[i].order = (uint8_t)order;
	c->blocks[i].live = (uint32_t)1 << order;
	c->blocks[i].nested = 0;
	order_add(c, order, 1);
	c->st.live_blocks++;
	c->st.live_pages += (uint64_t)1 << order;
	return i;
}

static void block_put(struct lb_trace_check *c, uint32_t i)
{
	struct block *b = &c->blocks[i];

	lb_trace_map_remove(&c->heads, head_key(b->pfn, b->order));
	order_add(c, b->order, -1);
	nest(c, b->pfn, b->order, -1);
	b->live = 0;
	b->next = c->free_head;
	c->free_head = i;
	c->st.live_blocks--;
}

/* Of held pages m (of the word at base) in block bi's range, those that are
 * bi's own: all of them unless blocks live inside it. */
static uint64_t own_pages(const struct lb_trace_check *c, uint32_t bi,
			  uint64_t base, uint64_t m)
{
	if (!c->blocks[bi].nested)
		return m;
	for (uint64_t t = m; t; t &= t - 1)
		if (block_at(c, base + (uint64_t)__builtin_ctzll(t)) != bi)
			m &= ~(t & -t);
	return m;
}

/* The FREE of a whole block, stamped with the event that caused it. */
static int emit_block_free(struct lb_trace_check *c, uint32_t bi,
			   const struct lb_trace_event *cause, uint8_t kind,
			   uint8_t flags)
{
	struct lb_trace_event out = *cause;
	const struct block *b = &c->blocks[bi];

	out.kind = kind;
	out.pfn = b->pfn;
	out.order = b->order;
	out.id = b->id;
	out.failed = 0;
	out.gfp = 0;
	out.gfp_form = LB_TRACE_GFP_ABSENT;
	out.may_sleep = -1;
	out.migratetype = -1;
	out.percpu_refill = -1;
	out.flags = (uint8_t)((cause->flags & LB_TRACE_EV_PFN_HEX) | flags);
	return emit(c, &out);
}

/* ---- the rules ------------------------------------------------------------ */

/* An allocation found page(s) of block bi still allocated: free it now; its
 * pages still held become freed by both kinds. */
static int release_block(struct lb_trace_check *c, uint32_t bi,
			 const struct lb_trace_event *cause)
{
	uint64_t end = block_end(&c->blocks[bi]);

	for (uint64_t x = c->blocks[bi].pfn; x < end; x = next_word(x)) {
		struct lb_trace_pword *w = word_of(c, x); /* exists: the block holds pages */
		uint64_t m;

		if (!w)
			return -1;
		m = own_pages(c, bi, x & ~(uint64_t)63,
			      w->alloc & word_mask(x, end));
		w->alloc &= ~m;
		w->by[0] |= m;
		w->by[1] |= m;
		c->st.live_pages -= (uint64_t)__builtin_popcountll(m);
	}
	c->st.synthetic_frees++;
	if (emit_block_free(c, bi, cause, LB_TRACE_FREE, LB_TRACE_EV_SYNTHETIC))
		return -1;
	block_put(c, bi);
	return 0;
}

static int do_alloc(struct lb_trace_check *c, const struct lb_trace_event *ev)
{
	uint64_t end = ev->pfn + ((uint64_t)1 << ev->order);
	struct lb_trace_event out = *ev;
	int clash = 0;
	int64_t bi;

	for (uint64_t x = ev->pfn; x < end; x = next_word(x)) {
		uint64_t m = word_mask(x, end);
		struct lb_trace_pword *w = word_of(c, x);

		if (!w)
			return -1;
		while (w->alloc & m) { /* each live block it overlaps, in order */
			uint64_t p = (x & ~(uint64_t)63) +
				     (uint64_t)__builtin_ctzll(w->alloc & m);
			uint32_t held = block_at(c, p);

			clash = 1;
			if (held == NO_BLOCK || release_block(c, held, ev))
				return -1;
		}
	}
	if (clash)
		c->st.incons[LB_TRACE_INC_ALLOC_ALLOCATED]++;
	bi = block_new(c, ev->pfn, ev->order);
	if (bi < 0)
		return -1;
	for (uint64_t x = ev->pfn; x < end; x = next_word(x)) {
		uint64_t m = word_mask(x, end);
		struct lb_trace_pword *w = word_of(c, x);

		if (!w)
			return -1;
		touch_bits(c, w, m);
		w->alloc |= m;
		w->by[0] &= ~m;
		w->by[1] &= ~m;
	}
	out.id = c->blocks[bi].id;
	return emit(c, &out);
}

/* Free the held pages m of the word at base, block by block (*cur: the last
 * block seen); a block whose last page goes is delivered freed. */
static int free_held(struct lb_trace_check *c, const struct lb_trace_event *ev,
		     uint64_t base, uint64_t m, uint32_t *cur, int *partial,
		     uint64_t *emitted)
{
	while (m) {
		uint64_t p = base + (uint64_t)__builtin_ctzll(m);
		struct block *b;
		uint64_t mine, n;
		int merged;

		if (*cur == NO_BLOCK || c->blocks[*cur].nested ||
		    p - c->blocks[*cur].pfn >= (uint64_t)1 << c->blocks[*cur].order)
			*cur = block_at(c, p);
		if (*cur == NO_BLOCK)
			return -1;
		b = &c->blocks[*cur];
		/* Blocks complete in the order of their last page freed: with
		 * blocks inside this one, go page by page. */
		mine = b->nested ? m & -m : m & word_mask(p, block_end(b));
		n = (uint64_t)__builtin_popcountll(mine);
		m &= ~mine;
		c->st.live_pages -= n;
		merged = b->pfn != ev->pfn || b->order != ev->order;
		if (merged)
			*partial = 1;
		b->live -= (uint32_t)n;
		if (b->live)
			continue;
		if (emit_block_free(c, *cur, ev, ev->kind,
				    merged ? LB_TRACE_EV_MERGED : 0))
			return -1;
		(*emitted)++;
		if (merged)
			c->st.merged_frees++;
		block_put(c, *cur);
		*cur = NO_BLOCK;
	}
	return 0;
}

static int do_free(struct lb_trace_check *c, const struct lb_trace_event *ev)
{
	uint64_t end = ev->pfn + ((uint64_t)1 << ev->order);
	int own = ev->kind == LB_TRACE_FREE ? 0 : 1;
	uint64_t unseen = 0, dup = 0, repeat = 0, ok = 0, emitted = 0;
	uint32_t cur = NO_BLOCK;
	int partial = 0;

	for (uint64_t x = ev->pfn; x < end; x = next_word(x)) {
		uint64_t m = word_mask(x, end);
		struct lb_trace_pword *w = word_of(c, x);
		uint64_t held;

		if (!w)
			return -1;
		held = w->alloc & m; /* held pages have no by bits */
		unseen |= m & ~held & ~(w->by[0] | w->by[1]);
		dup |= m & w->by[own];
		repeat |= m & w->by[!own] & ~w->by[own];
		ok |= held;
		touch_bits(c, w, m);
		w->alloc &= ~m;
		w->by[own] |= m;
		if (free_held(c, ev, x & ~(uint64_t)63, held, &cur, &partial,
			      &emitted))
			return -1;
	}
	if (unseen)
		c->st.incons[LB_TRACE_INC_FREE_UNSEEN]++;
	else if (dup)
		c->st.incons[LB_TRACE_INC_DOUBLE_FREE]++;
	else if (repeat)
		c->st.incons[LB_TRACE_INC_BATCHED_REPEAT]++;
	if (partial && ok)
		c->st.split_frees++;
	if (!emitted)
		c->st.dropped++;
	return 0;
}

static int touch(struct lb_trace_check *c, const struct lb_trace_event *ev)
{
	uint64_t end = ev->pfn + ((uint64_t)1 << ev->order);

	for (uint64_t x = ev->pfn; x < end; x = next_word(x)) {
		struct lb_trace_pword *w = word_of(c, x);
		if (!w)
			return -1;
		touch_bits(c, w, word_mask(x, end));
	}
	return 0;
}

int lb_trace_check_push(struct lb_trace_check *c, const struct lb_trace_event *ev)
{
	if (ev->kind >= LB_TRACE_NKINDS)
		return 0;
	if (ev->failed) /* failed allocation: nothing to track */
		return emit(c, ev);
	if (ev->pfn >= PFN_LIMIT || ev->order > LB_TRACE_MAX_ORDER ||
	    (ev->pfn & (((uint64_t)1 << ev->order) - 1))) {
		c->st.incons[LB_TRACE_INC_BAD_PFN]++;
		c->st.dropped++;
		return 0;
	}
	if (ev->kind == LB_TRACE_ALLOC)
		return do_alloc(c, ev);
	if (ev->kind == LB_TRACE_FREE || ev->kind == LB_TRACE_FREE_BATCHED)
		return do_free(c, ev);
	if (touch(c, ev))
		return -1;
	return emit(c, ev);
}
