/* SPDX-License-Identifier: MIT */
/*
 * When each trace CPU was busy, from its sched_switch events, while a trace
 * loads (tracebuf.c). Two passes, as a CPU's state before its first switch
 * is only known at that switch: while reading, each switch from a task into
 * the idle task becomes an LBS_EV_IDLE event, and each other change of
 * state a mark here; at the end, busy[] follows each CPU through its kept
 * events and marks in file order.
 *
 * Each switch says what its CPU ran just before it (prev_pid 0: idle). When
 * that is not what the switches before it left (a switch is missing: a lost
 * event, or a task whose switches the kernel did not trace), the CPU is
 * taken to have been so since its last sign of life (its last switch or
 * kept event): the missing switch came right after it.
 *
 * CPUs are known by their first-seen index (lbs_tev.vcpu before the dense
 * renumbering), CPUs with only switches included.
 */
#ifndef LBS_BUSY_H
#define LBS_BUSY_H

#include <stddef.h>
#include <stdint.h>

#include "tracebuf.h"

enum { LBS_BUSY_UNKNOWN, LBS_BUSY_IDLE, LBS_BUSY_RUN };

struct lbs_busy_cpu {
	uint64_t seen_ts; /* its last sign of life: a switch or a kept event */
	size_t seen_at;   /* events kept by then */
	uint8_t state;    /* after the switches read so far; UNKNOWN before the first */
	uint8_t start;    /* before its first switch (what that switch says), or,
			     for a CPU without one, its first kept event's task:
			     the idle task (pid 0) or not */
	uint8_t kept;     /* it has a kept event: it becomes a vCPU */
};

/* The CPU's state changes at ts, before kept event at, without an event. */
struct lbs_busy_mark {
	uint64_t ts;
	size_t at;
	uint16_t cpu;
	uint8_t to;       /* LBS_BUSY_IDLE or LBS_BUSY_RUN */
};

struct lbs_busy {
	struct lbs_busy_cpu *cpu; /* by first-seen index */
	size_t ncpu, cpu_cap;
	struct lbs_busy_mark *mark; /* in order of at */
	size_t nmark, mark_cap;
};

/* Room for index c (zeroed entries). 0, or -1 when memory runs out. */
int lbs_busy_room(struct lbs_busy *b, uint16_t c);
/* Kept page event number at on CPU c at ts, run by task pid (-1: not shown). */
void lbs_busy_page(struct lbs_busy *b, uint16_t c, uint64_t ts, int32_t pid, size_t at);
/* A sched_switch on CPU c at ts (its LB_TRACE_EV_IDLE_* flags), kept events
 * so far: 1 when it takes the CPU from a task into the idle task (an
 * LBS_EV_IDLE event to keep, as event number kept), 0 when not, -1 when
 * memory runs out. */
int lbs_busy_switch(struct lbs_busy *b, uint16_t c, uint64_t ts, unsigned flags, size_t kept);
/* busy[i] for ev[0..n) (vcpu: first-seen indices): the ns its CPU was busy
 * since its previous kept event, or since ts_first. 0, or -1 when memory
 * runs out. */
int lbs_busy_fill(const struct lbs_busy *b, const struct lbs_tev *ev, size_t n,
		  uint64_t ts_first, uint64_t *busy);
void lbs_busy_free(struct lbs_busy *b);

#endif
