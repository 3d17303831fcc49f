/* SPDX-License-Identifier: MIT */
/*
 * Per-page state bits for the consistency layer, in chunks of 512 pages found
 * through a pfn map keyed by pfn / 512. A block of any order is a few whole
 * words here, where a map entry per page cost 512 insertions for a huge page.
 */
#include "trace.h"

#include <stdlib.h>

#define CHUNK_SHIFT 9
#define CHUNK_WORDS (1u << (CHUNK_SHIFT - 6))
#define BROKEN UINT32_MAX /* a chunk_map slot whose chunk could not be made */

struct lb_trace_chunk {
	struct lb_trace_pword w[CHUNK_WORDS];
};

int lb_trace_pages_init(struct lb_trace_pages *pg)
{
	pg->chunks = NULL;
	pg->n = pg->cap = 0;
	pg->last_key = UINT64_MAX;
	pg->last = NULL;
	return lb_trace_map_init(&pg->map, 1 << 10);
}

void lb_trace_pages_destroy(struct lb_trace_pages *pg)
{
	for (uint32_t i = 0; i < pg->n; i++)
		free(pg->chunks[i]);
	free(pg->chunks);
	pg->chunks = NULL;
	pg->n = pg->cap = 0;
	lb_trace_map_destroy(&pg->map);
}

/* A new zeroed chunk's index, or BROKEN. */
static uint32_t chunk_new(struct lb_trace_pages *pg)
{
	struct lb_trace_chunk *ch;

	if (pg->n == pg->cap) {
		uint32_t ncap = pg->cap ? pg->cap * 2 : 256;
		struct lb_trace_chunk **n = realloc(pg->chunks,
						    (size_t)ncap * sizeof *n);
		if (!n)
			return BROKEN;
		pg->chunks = n;
		pg->cap = ncap;
	}
	ch = calloc(1, sizeof *ch);
	if (!ch)
		return BROKEN;
	pg->chunks[pg->n] = ch;
	return pg->n++;
}

struct lb_trace_pword *lb_trace_pages_word(struct lb_trace_pages *pg, uint64_t x)
{
	uint64_t key = x >> CHUNK_SHIFT;

	if (key != pg->last_key) {
		int is_new;
		struct lb_trace_map_slot *s = lb_trace_map_get(&pg->map, key, &is_new);

		if (!s)
			return NULL;
		if (is_new)
			s->a = chunk_new(pg);
		if (s->a == BROKEN)
			return NULL;
		pg->last_key = key;
		pg->last = pg->chunks[s->a];
	}
	return &pg->last->w[(x >> 6) & (CHUNK_WORDS - 1)];
}

uint64_t lb_trace_word_mask(uint64_t x, uint64_t end)
{
	unsigned lo = (unsigned)(x & 63);
	uint64_t m = ~(uint64_t)0 << lo;

	if (end - x < 64 - lo)
		m &= ~(~(uint64_t)0 << (lo + (end - x)));
	return m;
}
