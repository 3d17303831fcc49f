/* SPDX-License-Identifier: MIT */
#include "tracebuf.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

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
 * vCPUs), each with the order it was first seen in. */
struct cpu_ids {
	struct lb_trace_map map; /* CPU number -> a: first seen as the a-th */
	uint32_t last_cpu;       /* the last looked up: events come in runs */
	uint16_t last_index;
	int have_last;
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

/* First-seen indices become dense vCPU numbers, in order of CPU number. 0,
 * or -1 when memory runs out. More CPUs than lbsim simulates are only
 * counted: lbsim refuses the trace. */
static int remap_cpus(struct lbs_tracebuf *tb, struct cpu_ids *c)
{
	size_t n = c->map.count, k = 0;
	struct lb_trace_map_slot *ids;
	uint16_t rank[LBS_MAX_VCPUS];

	tb->nvcpus = n ? (unsigned)n : 1u;
	if (n == 0 || n > LBS_MAX_VCPUS)
		return 0;
	ids = malloc(n * sizeof *ids);
	if (!ids)
		return -1;
	for (size_t i = 0; i < c->map.cap; i++)
		if (c->map.slots[i].key != UINT64_MAX)
			ids[k++] = c->map.slots[i];
	qsort(ids, n, sizeof *ids, by_cpu);
	for (size_t i = 0; i < n; i++)
		rank[ids[i].a] = (uint16_t)i;
	free(ids);
	for (size_t i = 0; i < tb->n; i++)
		tb->ev[i].vcpu = rank[tb->ev[i].vcpu];
	return 0;
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
	r = lb_trace_open(path, 0, err, errlen);
	if (!r) {
		lb_trace_map_destroy(&cpus.map);
		return -1;
	}
	while ((rc = lb_trace_next(r, &ev)) > 0) {
		struct lbs_tev e;

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
		if (e.ts < tb->ts_first)
			tb->ts_first = e.ts;
		if (e.ts > tb->ts_last)
			tb->ts_last = e.ts;
		if (push(tb, &e)) {
			snprintf(err, errlen, "out of memory reading %s", path);
			rc = -2;
			break;
		}
	}
	tb->sum = *lb_trace_get_summary(r);
	if (rc == -1 && tb->sum.long_lines)
		snprintf(err, errlen, "%s: not a page-allocator trace: line %llu is longer than %u "
			 "KiB (it starts \"%s\"); " EXPECTED, path,
			 (unsigned long long)tb->sum.first_unknown_line, LB_TRACE_MAX_LINE >> 10,
			 tb->sum.first_unknown);
	else if (rc == -1)
		snprintf(err, errlen, "%s: %s", path, lb_trace_error(r));
	lb_trace_close(r);
	if (rc == 0 && remap_cpus(tb, &cpus) != 0) {
		snprintf(err, errlen, "out of memory reading %s", path);
		rc = -2;
	}
	lb_trace_map_destroy(&cpus.map);
	if (rc < 0) {
		lbs_tracebuf_free(tb);
		return -1;
	}
	if (tb->ts_first == UINT64_MAX)
		tb->ts_first = 0;
	tb->load_wall_ns = wall_ns() - t0;
	return 0;
}

void lbs_tracebuf_free(struct lbs_tracebuf *tb)
{
	free(tb->ev);
	tb->ev = NULL;
	tb->n = tb->cap = 0;
}

int lbs_tracebuf_check(const struct lbs_tracebuf *tb, const char *shown, int allow_unknown,
		       char *msg, size_t len)
{
	const struct lb_trace_summary *s = &tb->sum;
	unsigned long long lines = s->lines, unknown = s->unknown_lines;
	char first[200] = "";

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
			snprintf(msg, len, "%s: no page-allocator event in %llu line%s (%llu of "
				 "other events, %llu comments); " EXPECTED, shown, lines,
				 lines == 1 ? "" : "s", (unsigned long long)s->other_lines,
				 (unsigned long long)s->comment_lines);
		return -1;
	}
	if (tb->n == 0) {
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
