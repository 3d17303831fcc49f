/* SPDX-License-Identifier: MIT */
/*
 * What the driver (drive.h) runs: for each vCPU, a sequence of operations
 * at virtual times, from a source: a trace (replay.c), a synthetic workload
 * (workload.h) or the zone's set-up work. A source may decide a vCPU's next
 * operation from the results of its previous ones (fill stops at the first
 * failure, churn frees blocks it was given), so the driver peeks one,
 * runs it, then reports.
 *
 * A vCPU's operations run in their order. Across vCPUs the driver runs
 * them in virtual-time order: one meant for time w after the phase starts
 * happens at w, or later when its vCPU is still busy. An operation that
 * cannot happen before another vCPU's (a trace's free of a block another
 * vCPU has not allocated yet, in virtual time) is LBS_OP_BLOCKED: the
 * vCPU waits, and the source calls wake() for it when that has happened.
 *
 * Between its operations a vCPU's CPU is busy for part of the time (cpus.h):
 * each operation says for how long before it (op->busy), since its vCPU's
 * previous one: the run's --load share of the gap between their times, or
 * what a trace recorded out of the idle task. The source knows its clock:
 * a stream that starts late (boot's after the watermarks) owes nothing for
 * the time before it started.
 */
#ifndef LBS_SOURCE_H
#define LBS_SOURCE_H

#include <stdint.h>

enum lbs_op_kind {
	LBS_OP_ALLOC,
	LBS_OP_FREE,
	LBS_OP_NOP,     /* changes nothing a caller holds; only time passes (a
			   trace's free of a block whose allocation failed here) */
	LBS_OP_IDLE,    /* the vCPU's CPU goes idle: its busy time before this
			   ends here (a trace's switch into the idle task) */
	LBS_OP_BLOCKED, /* not yet: another vCPU must go first (see above) */
	LBS_OP_SETUP,   /* a share of eager's set-up: lb_zone_setup_accept() */
	LBS_OP_WMARKS,  /* watermarks: none yet (addr 0), or the zone's own (1) */
	LBS_OP_ONLINE,  /* boot: addr vCPUs are online now (their idle exits make
			   the host's faults dearer: lb_model_params.fault_vcpu_ns) */
};

struct lbs_op {
	uint64_t when;  /* ns after the phase starts: it happens then, or when its
			   vCPU is free if that is later */
	uint64_t addr;  /* LBS_OP_FREE: the block; LBS_OP_SETUP: bytes at most;
			   LBS_OP_WMARKS: 0 or 1 */
	unsigned order;
	unsigned flags; /* LBS_OP_ALLOC: lb_alloc()'s flags (LB_ALLOC_ATOMIC,
			   LB_ALLOC_NOWAIT) */
	uint64_t busy;  /* ns its CPU is busy right before it, since its vCPU's
			   previous operation (the stream's own work) */
	enum lbs_op_kind kind;
};

struct lbs_source {
	unsigned nvcpus;
	/* vCPU v's next operation, or NULL when it has no more: the same one
	 * until ran() reports it. */
	const struct lbs_op *(*peek)(void *ctx, unsigned v);
	/* v's operation peeked last ran, ending at `end` ns after the phase
	 * started; for an allocation, the result and the block's address
	 * (LBS_OP_SETUP: the bytes accepted, in addr). */
	void (*ran)(void *ctx, unsigned v, const struct lbs_op *op, int rc, uint64_t addr,
		    uint64_t end);
	void *ctx;
	/* Set by the driver: what a source calls when a blocked vCPU may go. */
	void (*wake)(void *drive, unsigned v);
	void *drive;
};

#endif
