/* SPDX-License-Identifier: MIT */
#include "busy.h"

#include <stdlib.h>
#include <string.h>

int lbs_busy_room(struct lbs_busy *b, uint16_t c)
{
	if (c < b->ncpu)
		return 0;
	if (c >= b->cpu_cap) {
		size_t ncap = b->cpu_cap ? b->cpu_cap * 2u : 16u;
		struct lbs_busy_cpu *n;

		while (ncap <= c)
			ncap *= 2u;
		n = realloc(b->cpu, ncap * sizeof *n);
		if (!n)
			return -1;
		b->cpu = n;
		b->cpu_cap = ncap;
	}
	memset(b->cpu + b->ncpu, 0, ((size_t)c + 1u - b->ncpu) * sizeof *b->cpu);
	b->ncpu = (size_t)c + 1u;
	return 0;
}

void lbs_busy_page(struct lbs_busy *b, uint16_t c, uint64_t ts, int32_t pid, size_t at)
{
	struct lbs_busy_cpu *p = &b->cpu[c];

	p->kept = 1;
	p->seen_ts = ts;
	p->seen_at = at + 1u;
	/* Only for a CPU that never switches: in the idle task (an
	 * interrupt's allocation), or running something. */
	if (p->state == LBS_BUSY_UNKNOWN && p->start == LBS_BUSY_UNKNOWN)
		p->start = pid == 0 ? LBS_BUSY_IDLE : LBS_BUSY_RUN;
}

/* A mark for CPU c: to at ts, before kept event at. Marks of other CPUs may
 * already lie after at (a CPU's own never do): it goes in order. */
static int add_mark(struct lbs_busy *b, uint16_t c, uint64_t ts, size_t at, uint8_t to)
{
	size_t k;

	if (b->nmark == b->mark_cap) {
		size_t ncap = b->mark_cap ? b->mark_cap * 2u : 4096u;
		struct lbs_busy_mark *n = realloc(b->mark, ncap * sizeof *n);
		if (!n)
			return -1;
		b->mark = n;
		b->mark_cap = ncap;
	}
	for (k = b->nmark; k > 0 && b->mark[k - 1].at > at; k--)
		;
	memmove(b->mark + k + 1, b->mark + k, (b->nmark - k) * sizeof *b->mark);
	b->mark[k] = (struct lbs_busy_mark){ts, at, c, to};
	b->nmark++;
	return 0;
}

int lbs_busy_switch(struct lbs_busy *b, uint16_t c, uint64_t ts, unsigned flags, size_t kept)
{
	struct lbs_busy_cpu *p = &b->cpu[c];
	uint8_t from = (flags & LB_TRACE_EV_IDLE_PREV) ? LBS_BUSY_IDLE : LBS_BUSY_RUN;
	uint8_t to = (flags & LB_TRACE_EV_IDLE_NEXT) ? LBS_BUSY_IDLE : LBS_BUSY_RUN;
	int idle = from == LBS_BUSY_RUN && to == LBS_BUSY_IDLE;

	if (p->state == LBS_BUSY_UNKNOWN)
		p->start = from;
	else if (p->state != from && add_mark(b, c, p->seen_ts, p->seen_at, from) != 0)
		return -1; /* a switch is missing: so since its last sign */
	if (from == LBS_BUSY_IDLE && to == LBS_BUSY_RUN && add_mark(b, c, ts, kept, to) != 0)
		return -1;
	p->state = to;
	p->kept |= (uint8_t)idle;
	p->seen_ts = ts;
	p->seen_at = kept + (size_t)idle;
	return idle;
}

static uint64_t later(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

int lbs_busy_fill(const struct lbs_busy *b, const struct lbs_tev *ev, size_t n,
		  uint64_t ts_first, uint64_t *busy)
{
	/* Per CPU: running or not; since when its busy time is not counted
	 * yet (times that go backwards count nothing); and what was counted
	 * and not yet given to an event (a stretch ended by a mark). */
	size_t nc = b->ncpu ? b->ncpu : 1u, m = 0;
	uint8_t *run = malloc(nc);
	uint64_t *since = malloc(nc * sizeof *since), *acc = calloc(nc, sizeof *acc);

	if (!run || !since || !acc) {
		free(run);
		free(since);
		free(acc);
		return -1;
	}
	for (size_t c = 0; c < b->ncpu; c++) {
		run[c] = b->cpu[c].start != LBS_BUSY_IDLE;
		since[c] = ts_first;
	}
	for (size_t i = 0; i < n; i++) {
		uint16_t c = ev[i].vcpu;

		for (; m < b->nmark && b->mark[m].at <= i; m++) {
			const struct lbs_busy_mark *k = &b->mark[m];
			uint16_t u = k->cpu;

			if (k->to == LBS_BUSY_RUN && !run[u]) {
				since[u] = later(since[u], k->ts);
				run[u] = 1;
			} else if (k->to == LBS_BUSY_IDLE && run[u]) {
				acc[u] += k->ts > since[u] ? k->ts - since[u] : 0;
				since[u] = later(since[u], k->ts);
				run[u] = 0;
			}
		}
		busy[i] = acc[c] + (run[c] && ev[i].ts > since[c] ? ev[i].ts - since[c] : 0);
		acc[c] = 0;
		since[c] = later(since[c], ev[i].ts);
		if (ev[i].kind == LBS_EV_IDLE)
			run[c] = 0;
	}
	free(run);
	free(since);
	free(acc);
	return 0;
}

void lbs_busy_free(struct lbs_busy *b)
{
	free(b->cpu);
	free(b->mark);
	memset(b, 0, sizeof *b);
}
