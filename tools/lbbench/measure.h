/* SPDX-License-Identifier: MIT */
/*
 * One measurement: a workload on an allocator with some threads, repeated.
 *
 * A warm-up run (a quarter of the operations, discarded) comes first, then
 * `repeats` timed runs. lbbench interleaves the runs of the allocators it
 * compares (the r-th run of each before any (r+1)-th), so that a change in
 * the machine's load falls on all of them alike. Each run starts its
 * threads together (a barrier),
 * and its throughput is the wall time from the first thread's start to the
 * last one's end divided by the operations of all threads; ns_per_op is the
 * median of the runs. The latency percentiles pool the sampled operations
 * of every timed run and thread.
 *
 * Threads split the operations of a run exactly (the same total work at
 * every thread count, so ns_per_op falls as throughput grows), but each
 * thread at least fills its live set: churn gives each thread its own 4096
 * live pages; mixed and fill_drain split theirs (one block a thread at
 * least). fill_drain is one fill and one drain per run whatever --ops
 * says. lbb_result.ops is what a timed run really did.
 */
#ifndef LBB_MEASURE_H
#define LBB_MEASURE_H

#include "alloc.h"
#include "params.h"

struct lbb_result {
	enum lbb_bench bench;
	char allocator[32];
	enum lbb_memory memory;
	unsigned threads;
	double ns_per_op;   /* median over repeats of wall time / operations */
	double mops;        /* million operations per second, from ns_per_op */
	double cpus;        /* median over repeats of the threads' CPU time /
			       wall time: the CPUs a run really had (fewer than
			       its threads when they wait or the machine is busy) */
	uint64_t p50, p99, p999, max; /* ns per sampled operation */
	/* against the same allocator, bench and memory on one thread
	 * (lbb_scaling; 0 where there is none): throughput over its, and
	 * that over the CPUs had over its (1: each CPU had did as much as
	 * the one thread) */
	double scale, per_cpu;
	uint64_t ops;       /* operations per timed run, all threads */
	uint64_t samples;   /* sampled operations, all runs */
	unsigned repeats;
	char error[160];    /* empty when every run succeeded */
};

/* A measurement in progress: its runs so far. */
struct lbb_meas {
	struct lbb_allocator *a;
	double *per_op;       /* ns per operation of each timed run */
	double *cpus;         /* CPUs busy in each timed run */
	unsigned runs;
	uint64_t *lat;        /* latency samples of every timed run */
	size_t nlat, cap;
	struct lbb_result r;  /* identity, then error or figures */
};

/* Start measuring; 0, or nonzero (out of memory) with r.error set. */
int lbb_meas_begin(struct lbb_meas *m, struct lbb_allocator *a, enum lbb_bench bench,
		   unsigned threads, const struct lbb_params *p);

/* One run (a warm-up is not counted). 0, or nonzero with m->r.error set;
 * after an error the measurement runs no more. clock_overhead is
 * lbb_clock_overhead_ns(), measured once. */
int lbb_meas_run(struct lbb_meas *m, const struct lbb_params *p, uint64_t clock_overhead,
		 bool warm_up);

/* The median and the percentiles into *r; frees what m holds. */
void lbb_meas_end(struct lbb_meas *m, struct lbb_result *r);

/* All of it for one allocator: begin, a warm-up, the repeats, end.
 * 0, or nonzero with r->error saying what failed. */
int lbb_measure(struct lbb_allocator *a, enum lbb_bench bench, unsigned threads,
		const struct lbb_params *p, uint64_t clock_overhead, struct lbb_result *r);

/* Fill scale and per_cpu of every result that has a one-thread twin. */
void lbb_scaling(struct lbb_result *r, size_t n);

#endif
