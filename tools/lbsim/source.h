/* SPDX-License-Identifier: MIT */
/*
 * What the driver (drive.h) runs: operations, each on a vCPU at a virtual
 * time, from a source: a trace (replay.c) or a synthetic workload
 * (workload.h). A source may decide its next operation from the results of
 * the previous ones (fill stops at the first failure, churn frees blocks it
 * was given), so the driver peeks an operation, runs it, then reports.
 */
#ifndef LBS_SOURCE_H
#define LBS_SOURCE_H

#include <stdint.h>

enum lbs_op_kind {
	LBS_OP_ALLOC,
	LBS_OP_FREE,
	LBS_OP_NOP,  /* changes nothing a caller holds; only time passes (a trace's
			free of a block whose allocation failed here) */
};

struct lbs_op {
	uint64_t when;  /* ns after the phase starts: it happens then, or when its
			   vCPU is free if that is later */
	uint64_t addr;  /* LBS_OP_FREE: the block */
	unsigned vcpu;
	unsigned order;
	unsigned flags; /* LBS_OP_ALLOC: lb_alloc()'s flags */
	enum lbs_op_kind kind;
};

struct lbs_source {
	/* The next operation, or NULL at the end: the same one, at the same
	 * place, until ran() reports it. */
	const struct lbs_op *(*peek)(void *ctx);
	/* The operation peeked last ran; for an allocation, lb_alloc()'s
	 * result and the block's address. */
	void (*ran)(void *ctx, const struct lbs_op *op, int rc, uint64_t addr);
	void *ctx;
};

#endif
