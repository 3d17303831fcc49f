/* SPDX-License-Identifier: MIT */
/*
 * The consistency layer: the rules documented in trace.h, over a map of every
 * page (pfn) an event touched and a pool of live allocated blocks.
 *
 * Per page (map slot): a = state | freed-by bits, b = block (pool index) while
 * allocated. A block keeps its pfn, order, id and the count of its pages not
 * yet freed; it is delivered as freed when that count reaches 0.
 */
#include "trace.h"

#include <stdlib.h>
#include <string.h>

enum {
	ST_SEEN = 0,  /* touched by a drain/zone_locked event only */
	ST_ALLOC = 1,
	ST_FREED = 2,
	ST_MASK = 3,
	BY_FREE = 4,  /* freed by mm_page_free since its last allocation */
	BY_BATCH = 8, /* freed by mm_page_free_batched since then */
};

#define PFN_LIMIT ((uint64_t)1 << 52)

struct block {
	uint64_t id, pfn;
	uint32_t live; /* pages not yet freed; 0: slot free */
	uint32_t next; /* free list */
	uint8_t order;
};

struct lb_trace_check {
	struct lb_trace_map pages;
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
	if (lb_trace_map_init(&c->pages, 1 << 16)) {
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
	lb_trace_map_destroy(&c->pages);
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

static int64_t block_new(struct lb_trace_check *c, uint64_t pfn, unsigned order)
{
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
	c->blocks[i].id = c->next_id++;
	c->blocks[i].pfn = pfn;
	c->blocks[i].order = (uint8_t)order;
	c->blocks[i].live = (uint32_t)1 << order;
	c->st.live_blocks++;
	c->st.live_pages += (uint64_t)1 << order;
	return i;
}

static void block_put(struct lb_trace_check *c, uint32_t i)
{
	c->blocks[i].live = 0;
	c->blocks[i].next = c->free_head;
	c->free_head = i;
	c->st.live_blocks--;
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

/* An allocation found page(s) of block bi still allocated: free it now. */
static int release_block(struct lb_trace_check *c, uint32_t bi,
			 const struct lb_trace_event *cause)
{
	const struct block *b = &c->blocks[bi];
	uint64_t n = (uint64_t)1 << b->order;

	for (uint64_t x = b->pfn; x < b->pfn + n; x++) {
		struct lb_trace_map_slot *s = lb_trace_map_find(&c->pages, x);
		if (s && (s->a & ST_MASK) == ST_ALLOC && s->b == bi) {
			s->a = ST_FREED | BY_FREE | BY_BATCH;
			c->st.live_pages--;
		}
	}
	c->st.synthetic_frees++;
	if (emit_block_free(c, bi, cause, LB_TRACE_FREE, LB_TRACE_EV_SYNTHETIC))
		return -1;
	block_put(c, bi);
	return 0;
}

static int do_alloc(struct lb_trace_check *c, const struct lb_trace_event *ev)
{
	uint64_t n = (uint64_t)1 << ev->order;
	struct lb_trace_event out = *ev;
	int clash = 0;
	int64_t bi;

	for (uint64_t x = ev->pfn; x < ev->pfn + n; x++) {
		struct lb_trace_map_slot *s = lb_trace_map_find(&c->pages, x);
		if (s && (s->a & ST_MASK) == ST_ALLOC) {
			clash = 1;
			if (release_block(c, s->b, ev))
				return -1;
		}
	}
	if (clash)
		c->st.incons[LB_TRACE_INC_ALLOC_ALLOCATED]++;
	bi = block_new(c, ev->pfn, ev->order);
	if (bi < 0)
		return -1;
	for (uint64_t x = ev->pfn; x < ev->pfn + n; x++) {
		struct lb_trace_map_slot *s = lb_trace_map_get(&c->pages, x, NULL);
		if (!s)
			return -1;
		s->a = ST_ALLOC;
		s->b = (uint32_t)bi;
	}
	out.id = c->blocks[bi].id;
	return emit(c, &out);
}

static int do_free(struct lb_trace_check *c, const struct lb_trace_event *ev)
{
	uint64_t n = (uint64_t)1 << ev->order;
	uint32_t bit = ev->kind == LB_TRACE_FREE ? BY_FREE : BY_BATCH;
	uint64_t unseen = 0, dup = 0, repeat = 0, ok = 0, emitted = 0;
	int partial = 0;

	for (uint64_t x = ev->pfn; x < ev->pfn + n; x++) {
		int is_new;
		struct lb_trace_map_slot *s = lb_trace_map_get(&c->pages, x, &is_new);
		struct block *b;

		if (!s)
			return -1;
		switch (s->a & ST_MASK) {
		case ST_SEEN:
			unseen++;
			s->a = ST_FREED | bit;
			break;
		case ST_FREED:
			if (s->a & bit)
				dup++;
			else
				repeat++;
			s->a |= bit;
			break;
		default: /* ST_ALLOC */
			ok++;
			s->a = ST_FREED | bit;
			c->st.live_pages--;
			b = &c->blocks[s->b];
			if (b->pfn != ev->pfn || b->order != ev->order)
				partial = 1;
			if (--b->live == 0) {
				uint32_t bi = s->b;
				int merged = b->pfn != ev->pfn || b->order != ev->order;
				if (emit_block_free(c, bi, ev, ev->kind,
						    merged ? LB_TRACE_EV_MERGED : 0))
					return -1;
				emitted++;
				if (merged)
					c->st.merged_frees++;
				block_put(c, bi);
			}
			break;
		}
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
	uint64_t n = (uint64_t)1 << ev->order;

	for (uint64_t x = ev->pfn; x < ev->pfn + n; x++)
		if (!lb_trace_map_get(&c->pages, x, NULL))
			return -1;
	return 0;
}

int lb_trace_check_push(struct lb_trace_check *c, const struct lb_trace_event *ev)
{
	int rc;

	if (ev->kind >= LB_TRACE_NKINDS)
		return 0;
	if (ev->failed) /* failed allocation: nothing to track */
		rc = emit(c, ev);
	else if (ev->pfn >= PFN_LIMIT || ev->order > LB_TRACE_MAX_ORDER ||
		 (ev->pfn & (((uint64_t)1 << ev->order) - 1))) {
		c->st.incons[LB_TRACE_INC_BAD_PFN]++;
		c->st.dropped++;
		rc = 0;
	} else if (ev->kind == LB_TRACE_ALLOC) {
		rc = do_alloc(c, ev);
	} else if (ev->kind == LB_TRACE_FREE || ev->kind == LB_TRACE_FREE_BATCHED) {
		rc = do_free(c, ev);
	} else {
		rc = touch(c, ev);
		if (!rc)
			rc = emit(c, ev);
	}
	c->st.pages_distinct = c->pages.count;
	return rc;
}
