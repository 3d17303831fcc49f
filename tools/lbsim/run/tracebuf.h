/* SPDX-License-Identifier: MIT */
/*
 * A trace loaded for replay: the checked stream of tools/trace reduced to
 * what the allocator sees (allocations and frees, 16 bytes each), read once
 * and replayed under every policy.
 *
 * Kept: every successful ALLOC (with its dense id, order, CPU and whether
 * it may sleep) and every FREE / FREE_BATCHED (the id of the block it
 * frees; the checked stream frees exactly one live block per FREE).
 * Dropped, counted in the summary: failed allocations, PCPU_DRAIN and
 * ALLOC_ZONE_LOCKED (they move free pages between the buddy and per-CPU
 * lists and do not change what callers hold), and blocks above order 10
 * (hugetlb gigantic pages: no buddy allocator hands those out).
 *
 * When the trace recorded sched:sched_switch, also when each CPU was idle
 * (in the idle task, pid 0): an IDLE event where a busy CPU enters it, and
 * busy[], each kept event's busy time since its CPU's previous one. Without
 * sched_switch lines the load is as it was before they were read (have_idle
 * 0, busy NULL), and the page events are the same with them as without.
 */
#ifndef LBS_TRACEBUF_H
#define LBS_TRACEBUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../trace/trace.h"

enum {
	LBS_EV_ALLOC,
	LBS_EV_FREE,
	LBS_EV_IDLE, /* this CPU enters the idle task at ts, from a task (it
			was busy); id, order and flags 0 */
};

#define LBS_EV_ATOMIC  0x1 /* the allocation may not sleep (GFP_ATOMIC...) */
#define LBS_EV_TRYLOCK 0x2 /* nor take a lock (__GFP_TRYLOCK shown) */

struct lbs_tev {
	uint64_t ts;     /* trace timestamp, ns */
	uint32_t id;     /* the block's allocation id, 1.. */
	uint16_t vcpu;   /* dense: the rank of the trace CPU among those seen */
	uint8_t kind;    /* LBS_EV_* */
	uint8_t order : 5, flags : 3;
};

struct lbs_tracebuf {
	struct lbs_tev *ev;
	size_t n, cap;
	uint32_t max_id;        /* of ALLOC and FREE events */
	unsigned nvcpus;        /* at least 1; a CPU with only IDLE events is one */
	uint64_t ts_first;      /* earliest timestamp of a kept event (IDLE too) */
	uint64_t ts_last;       /* latest */
	int have_idle;          /* the trace recorded sched_switch (at least one) */
	/* NULL unless have_idle; else per event i (ALLOC, FREE and IDLE alike):
	 * the ns its CPU spent busy (out of the idle task) since that CPU's
	 * previous event, or since ts_first for its first. A CPU is, before
	 * its first sched_switch, as that switch says (idle when it leaves
	 * pid 0); one with none, as its first event's task is (pid 0: idle).
	 * For an IDLE event: the busy stretch that just ended; for a page
	 * event in the idle task (an interrupt): the busy time since the
	 * previous event, 0 if none. Switches the trace lacks: busy.h. */
	uint64_t *busy;
	uint64_t sched_events;  /* sched_switch lines read */
	uint64_t peak_live_bytes; /* most memory the trace held at once */
	uint64_t too_large;     /* allocations above order 10, left out */
	uint64_t load_wall_ns;  /* reading and checking (not deterministic) */
	char path[256];
	struct lb_trace_summary sum;
};

/* Read path ("-": stdin). 0, or -1 with a message in err. */
int lbs_tracebuf_load(struct lbs_tracebuf *tb, const char *path, char *err, size_t errlen);
void lbs_tracebuf_free(struct lbs_tracebuf *tb);

/*
 * Is what was read a trace to replay? 0, or -1 with one line in msg (no
 * "lbsim: ", no newline) naming the file as shown and what was expected:
 * an empty file; no page-allocator event (text of another kind, binary
 * data, sched_switch alone); no page event a replay can use (IDLE events
 * do not count); more than half of the lines unknown,
 * unless allow_unknown (--allow-unknown: a partial trace). The first
 * unknown line is quoted.
 */
int lbs_tracebuf_check(const struct lbs_tracebuf *tb, const char *shown, int allow_unknown,
		       char *msg, size_t len);

/* What a replay goes on after, said on f: timestamps that go backwards
 * (the first line, and how many). */
void lbs_tracebuf_warn(const struct lbs_tracebuf *tb, const char *shown, FILE *f);

/* Trace events read (all five kinds, before the consistency rules). */
uint64_t lbs_tracebuf_events(const struct lbs_tracebuf *tb);
/* Inconsistencies that matter: all but batched_repeat, which kernels >= 3.3
 * make for every batched free (see tools/trace/trace.h). */
uint64_t lbs_tracebuf_incons(const struct lbs_tracebuf *tb);
/* Distinct pages any event touched, in bytes: the trace's footprint. */
uint64_t lbs_tracebuf_footprint(const struct lbs_tracebuf *tb);

#endif
