/* SPDX-License-Identifier: MIT */
#include "tracebuf.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "busy.h"
#include "lazybuddy.h"
#include "sim.h"

#define EXPECTED "expected ftrace, trace-cmd or perf script text with kmem:mm_page_alloc " \
		 "and mm_page_free events"

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static int push(struct lbs_tracebuf *tb, const struct lbs_tev *e)
{
	if (tb->n == tb->cap) {
		size_t ncap = tb->cap ? tb->cap * 2u : 65536u;
		struct lbs_tev *n = realloc(tb->ev, ncap * sizeof *n);
		if (!n)
			return -1;
		tb->ev = n;
		tb->cap = ncap;
	}
	tb->ev[tb->n++] = *e;
	return 0;
}

/* The distinct CPU numbers of a trace, however sparse (0 and 4096 are two
 * vCPUs), each with the order it was first seen in; with the state of each
 * (busy.h), which also says which have kept events. */
struct cpu_ids {
	struct lb_trace_map map; /* CPU number -> a: first seen as the a-th */
	uint32_t last_cpu;       /* the last looked up: events come in runs */
	uint16_t last_index;
	int have_last;
	struct lbs_busy busy;
};

/* cpu's index, saturated at UINT16_MAX (so many CPUs are refused anyway:
 * LBS_MAX_VCPUS); -1 when memory runs out. */
static int cpu_index(struct cpu_ids *c, uint32_t cpu, uint16_t *index)
{
	struct lb_trace_map_slot *s;
	int is_new;

	if (c->have_last && c->last_cpu == cpu) {
		*index = c->last_index;
		return 0;
	}
	s = lb_trace_map_get(&c->map, cpu, &is_new);
	if (!s)
		return -1;
	if (is_new)
		s->a = c->map.count - 1u < UINT16_MAX ? (uint32_t)(c->map.count - 1u) : UINT16_MAX;
	if (lbs_busy_room(&c->busy, (uint16_t)s->a) != 0)
		return -1;
	c->last_cpu = cpu;
	c->last_index = *index = (uint16_t)s->a;
	c->have_last = 1;
	return 0;
}

static int by_cpu(const void *a, const void *b)
{
	uint64_t x = ((const struct lb_trace_map_slot *)a)->key;
	uint64_t y = ((const struct lb_trace_map_slot *)b)->key;
	return (x > y) - (x < y);
}

/* First-seen indices of CPUs with kept events become dense vCPU numbers,
 * in order of CPU number (a CPU whose switches only left the idle task has
 * none, and is no vCPU). 0, or -1 when memory runs out. More CPUs than
 * lbsim simulates are only counted: lbsim refuses the trace. */
static int remap_cpus(struct lbs_tracebuf *tb, struct cpu_ids *c)
{
	size_t n = c->map.count, k = 0;
	struct lb_trace_map_slot *ids;
	uint16_t *rank;

	if (n > UINT16_MAX) { /* indices saturated: refused */
		tb->nvcpus = (unsigned)n;
		return 0;
	}
	for (size_t i = 0; i < c->busy.ncpu; i++)
		k += c->busy.cpu[i].kept;
	tb->nvcpus = k ? (unsigned)k : 1u;
	if (k == 0 || k > LBS_MAX_VCPUS)
		return 0;
	ids = malloc(k * sizeof *ids);
	rank = malloc(n * sizeof *rank);
	if (!ids || !rank) {
		free(ids);
		free(rank);
		return -1;
	}
	k = 0;
	for (size_t i = 0; i < c->map.cap; i++)
		if (c->map.slots[i].key != UINT64_MAX && c->busy.cpu[c->map.slots[i].a].kept)
			ids[k++] = c->map.slots[i];
	qsort(ids, k, sizeof *ids, by_cpu);
	for (size_t i = 0; i < k; i++)
		rank[ids[i].a] = (uint16_t)i;
	free(ids);
	for (size_t i = 0; i < tb->n; i++)
		tb->ev[i].vcpu = rank[tb->ev[i].vcpu];
	free(rank);
	return 0;
}

static void note_ts(struct lbs_tracebuf *tb, uint64_t ts)
{
	if (ts < tb->ts_first)
		tb->ts_first = ts;
	if (ts > tb->ts_last)
		tb->ts_last = ts;
}

/* A sched_switch: an IDLE event when it takes its CPU from a task into the
 * idle task. 0, or -1 when memory runs out. */
static int on_switch(struct lbs_tracebuf *tb, struct cpu_ids *cpus,
		     const struct lb_trace_event *ev)
{
	struct lbs_tev e;
	uint16_t c;
	int rc;

	if (cpu_index(cpus, ev->cpu == LB_TRACE_CPU_NONE ? 0u : ev->cpu, &c) != 0)
		return -1;
	rc = lbs_busy_switch(&cpus->busy, c, ev->ts_ns, ev->flags, tb->n);
	if (rc <= 0)
		return rc;
	memset(&e, 0, sizeof e);
	e.ts = ev->ts_ns;
	e.vcpu = c;
	e.kind = LBS_EV_IDLE;
	note_ts(tb, e.ts);
	return push(tb, &e);
}

/* Page events kept (IDLE ones left out). */
static size_t page_events(const struct lbs_tracebuf *tb)
{
	size_t n = tb->n;

	if (tb->have_idle)
		for (size_t i = 0; i < tb->n; i++)
			n -= tb->ev[i].kind == LBS_EV_IDLE;
	return n;
}

int lbs_tracebuf_load(struct lbs_tracebuf *tb, const char *path, char *err, size_t errlen)
{
	struct cpu_ids cpus = {0};
	struct lb_trace_reader *r;
	struct lb_trace_event ev;
	uint64_t t0 = wall_ns(), live = 0;
	int rc;

	memset(tb, 0, sizeof *tb);
	snprintf(tb->path, sizeof tb->path, "%s", path);
	tb->ts_first = UINT64_MAX;
	if (lb_trace_map_init(&cpus.map, 16) != 0) {
		snprintf(err, errlen, "out of memory reading %s", path);
		return -1;
	}
	r = lb_trace_open(path, LB_TRACE_SCHED, err, errlen);
	if (!r) {
		lb_trace_map_destroy(&cpus.map);
		return -1;
	}
	while ((rc = lb_trace_next(r, &ev)) > 0) {
		struct lbs_tev e;

		if (ev.kind == LB_TRACE_SCHED_SWITCH) {
			if (on_switch(tb, &cpus, &ev) == 0)
				continue;
			snprintf(err, errlen, "out of memory reading %s", path);
			rc = -2;
			break;
		}
		if (ev.failed || (ev.kind != LB_TRACE_ALLOC && ev.kind != LB_TRACE_FREE &&
				  ev.kind != LB_TRACE_FREE_BATCHED))
			continue;
		if (ev.order > LB_MAX_ORDER) {
			/* Larger than any buddy block (hugetlb gigantic pages): its
			 * FREE has the same order, so both are left out. */
			tb->too_large += ev.kind == LB_TRACE_ALLOC;
			continue;
		}
		if (ev.id > UINT32_MAX) {
			snprintf(err, errlen, "%s line %llu: more than 2^32 allocations", path,
				 (unsigned long long)ev.line);
			rc = -2;
			break;
		}
		memset(&e, 0, sizeof e);
		if (cpu_index(&cpus, ev.cpu == LB_TRACE_CPU_NONE ? 0u : ev.cpu, &e.vcpu) != 0) {
			snprintf(err, errlen, "out of memory reading %s", path);
			rc = -2;
			break;
		}
		e.ts = ev.ts_ns;
		e.id = (uint32_t)ev.id;
		e.order = ev.order & 31u;
		if (ev.kind == LB_TRACE_ALLOC) {
			e.kind = LBS_EV_ALLOC;
			e.flags = ev.may_sleep == 0 ? LBS_EV_ATOMIC : 0;
			if (ev.flags & LB_TRACE_EV_TRYLOCK)
				e.flags |= LBS_EV_TRYLOCK;
			live += UINT64_C(1) << ev.order;
			if (live * 4096u > tb->peak_live_bytes)
				tb->peak_live_bytes = live * 4096u;
			if (e.id > tb->max_id)
				tb->max_id = e.id;
		} else {
			e.kind = LBS_EV_FREE;
			live -= UINT64_C(1) << ev.order;
		}
		lbs_busy_page(&cpus.busy, e.vcpu, e.ts, ev.pid, tb->n);
		note_ts(tb, e.ts);
		if (push(tb, &e)) {
			snprintf(err, errlen, "out of memory reading %s", path);
			rc = -2;
			break;
		}
	}
	tb->sum = *lb_trace_get_summary(r);
	tb->sched_events = tb->sum.sched_lines;
	tb->have_idle = tb->sched_events > 0;
	if (rc == -1 && tb->sum.long_lines)
		snprintf(err, errlen, "%s: not a page-allocator trace: line %llu is longer than %u "
			 "KiB (it starts \"%s\"); " EXPECTED, path,
			 (unsigned long long)tb->sum.first_unknown_line, LB_TRACE_MAX_LINE >> 10,
			 tb->sum.first_unknown);
	else if (rc == -1)
		snprintf(err, errlen, "%s: %s", path, lb_trace_error(r));
	lb_trace_close(r);
	if (tb->ts_first == UINT64_MAX)
		tb->ts_first = 0;
	if (rc == 0 && tb->have_idle) {
		/* before remap_cpus: busy.h knows CPUs by first-seen index */
		tb->busy = malloc((tb->n ? tb->n : 1u) * sizeof *tb->busy);
		if (!tb->busy || lbs_busy_fill(&cpus.busy, tb->ev, tb->n, tb->ts_first,
					       tb->busy) != 0)
			rc = -3;
	}
	if (rc == 0 && remap_cpus(tb, &cpus) != 0)
		rc = -3;
	if (rc == -3)
		snprintf(err, errlen, "out of memory reading %s", path);
	lb_trace_map_destroy(&cpus.map);
	lbs_busy_free(&cpus.busy);
	if (rc < 0) {
		lbs_tracebuf_free(tb);
		return -1;
	}
	tb->load_wall_ns = wall_ns() - t0;
	return 0;
}

void lbs_tracebuf_free(struct lbs_tracebuf *tb)
{
	free(tb->ev);
	free(tb->busy);
	tb->ev = NULL;
	tb->busy = NULL;
	tb->n = tb->cap = 0;
}

int lbs_tracebuf_check(const struct lbs_tracebuf *tb, const char *shown, int allow_unknown,
		       char *msg, size_t len)
{
	const struct lb_trace_summary *s = &tb->sum;
	unsigned long long lines = s->lines, unknown = s->unknown_lines;
	char first[200] = "", sched[40] = "";

	if (s->sched_lines)
		snprintf(sched, sizeof sched, "%llu sched_switch, ",
			 (unsigned long long)s->sched_lines);
	if (unknown)
		snprintf(first, sizeof first, "%s on line %llu: \"%s\"",
			 unknown == 1 ? "it is" : "the first",
			 (unsigned long long)s->first_unknown_line, s->first_unknown);
	if (lines == 0) {
		snprintf(msg, len, "%s is empty; " EXPECTED, shown);
		return -1;
	}
	if (lbs_tracebuf_events(tb) == 0) {
		if (unknown)
			snprintf(msg, len, "%s: not a page-allocator trace: %llu of %llu line%s "
				 "unknown (%s); " EXPECTED, shown, unknown, lines,
				 lines == 1 ? "" : "s", first);
		else
			snprintf(msg, len, "%s: no page-allocator event in %llu line%s (%s%llu of "
				 "other events, %llu comment%s); " EXPECTED, shown, lines,
				 lines == 1 ? "" : "s", sched, (unsigned long long)s->other_lines,
				 (unsigned long long)s->comment_lines, s->comment_lines == 1 ? "" : "s");
		return -1;
	}
	if (page_events(tb) == 0) {
		snprintf(msg, len, "%s: none of its %llu page-allocator events can be replayed "
			 "(failed allocations, per-CPU list moves, frees of pages never allocated "
			 "in it, blocks above order 10)", shown,
			 (unsigned long long)lbs_tracebuf_events(tb));
		return -1;
	}
	if (!allow_unknown && unknown > lines / 2) {
		snprintf(msg, len, "%s: %llu of %llu lines unknown (%s); " EXPECTED " (--allow-unknown "
			 "replays the %llu events understood)", shown, unknown, lines, first,
			 (unsigned long long)lbs_tracebuf_events(tb));
		return -1;
	}
	return 0;
}

void lbs_tracebuf_warn(const struct lbs_tracebuf *tb, const char *shown, FILE *f)
{
	unsigned long long n = tb->sum.ts_backwards;

	if (!n)
		return;
	fprintf(f, "lbsim: warning: %s line %llu: time goes backwards (an event before it has a "
		"later timestamp)", shown, (unsigned long long)tb->sum.ts_backwards_line);
	if (n > 1)
		fprintf(f, ", and on %llu more line%s", n - 1, n == 2 ? "" : "s");
	fprintf(f, "; each CPU's events replay in file order\n");
}

uint64_t lbs_tracebuf_events(const struct lbs_tracebuf *tb)
{
	uint64_t n = 0;
	for (int k = 0; k < LB_TRACE_NKINDS; k++)
		n += tb->sum.events[k];
	return n;
}

uint64_t lbs_tracebuf_incons(const struct lbs_tracebuf *tb)
{
	return lb_trace_summary_incons(&tb->sum) -
	       tb->sum.check.incons[LB_TRACE_INC_BATCHED_REPEAT];
}

uint64_t lbs_tracebuf_footprint(const struct lbs_tracebuf *tb)
{
	return tb->sum.pages_distinct * 4096u;
}
