/* SPDX-License-Identifier: MIT */
/*
 * A small open-addressing hash map keyed by pfn: linear probing, Fibonacci
 * hashing (neighbouring pfns land far apart), grown to keep the load under
 * 1/2. Removal moves later entries of the run back into the hole, so there
 * are no tombstones and lookups stay short.
 */
#include "trace.h"

#include <stdlib.h>

#define EMPTY UINT64_MAX

static size_t slot_of(const struct lb_trace_map *m, uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> m->shift);
}

static int alloc_slots(struct lb_trace_map *m, size_t cap)
{
	unsigned lg = 0;

	while (((size_t)1 << lg) < cap)
		lg++;
	cap = (size_t)1 << lg;
	m->slots = malloc(cap * sizeof *m->slots);
	if (!m->slots)
		return -1;
	for (size_t i = 0; i < cap; i++)
		m->slots[i].key = EMPTY;
	m->cap = cap;
	m->shift = 64 - lg;
	m->count = 0;
	return 0;
}

int lb_trace_map_init(struct lb_trace_map *m, size_t initial)
{
	return alloc_slots(m, initial < 16 ? 16 : initial);
}

void lb_trace_map_destroy(struct lb_trace_map *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->count = 0;
}

struct lb_trace_map_slot *lb_trace_map_find(const struct lb_trace_map *m,
					    uint64_t key)
{
	size_t mask = m->cap - 1, i = slot_of(m, key);

	for (;;) {
		struct lb_trace_map_slot *s = &m->slots[i];
		if (s->key == key)
			return s;
		if (s->key == EMPTY)
			return NULL;
		i = (i + 1) & mask;
	}
}

static int grow(struct lb_trace_map *m)
{
	struct lb_trace_map old = *m;

	if (alloc_slots(m, old.cap * 2)) {
		*m = old;
		return -1;
	}
	for (size_t i = 0; i < old.cap; i++) {
		size_t j;

		if (old.slots[i].key == EMPTY)
			continue;
		j = slot_of(m, old.slots[i].key);
		while (m->slots[j].key != EMPTY)
			j = (j + 1) & (m->cap - 1);
		m->slots[j] = old.slots[i];
	}
	m->count = old.count;
	free(old.slots);
	return 0;
}

struct lb_trace_map_slot *lb_trace_map_get(struct lb_trace_map *m, uint64_t key,
					   int *is_new)
{
	size_t mask, i;

	if (key == EMPTY)
		return NULL;
	if ((m->count + 1) * 2 > m->cap && grow(m))
		return NULL;
	mask = m->cap - 1;
	i = slot_of(m, key);
	for (;;) {
		struct lb_trace_map_slot *s = &m->slots[i];
		if (s->key == key) {
			if (is_new)
				*is_new = 0;
			return s;
		}
		if (s->key == EMPTY) {
			s->key = key;
			s->a = s->b = 0;
			m->count++;
			if (is_new)
				*is_new = 1;
			return s;
		}
		i = (i + 1) & mask;
	}
}

int lb_trace_map_remove(struct lb_trace_map *m, uint64_t key)
{
	size_t mask = m->cap - 1, hole, j;
	struct lb_trace_map_slot *s;

	if (key == EMPTY || !(s = lb_trace_map_find(m, key)))
		return 0;
	hole = (size_t)(s - m->slots);
	for (j = (hole + 1) & mask; m->slots[j].key != EMPTY; j = (j + 1) & mask) {
		size_t home = slot_of(m, m->slots[j].key);
		/* j may fill the hole if its probe from home passes the hole */
		if (((j - home) & mask) >= ((j - hole) & mask)) {
			m->slots[hole] = m->slots[j];
			hole = j;
		}
	}
	m->slots[hole].key = EMPTY;
	m->count--;
	return 1;
}
