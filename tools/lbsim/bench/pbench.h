/* SPDX-License-Identifier: MIT */
/*
 * The parts of `lbsim --policy-bench` (policybench.h), apart so that the
 * tests can drive each: the rows (pbench_rows.c), running them in worker
 * processes (pbench_runner.c), judging them (pbench_judge.c), and printing
 * them as text (pbench_text.c) or JSON (pbench_json.c).
 *
 * Fair terms: on a row, every policy runs on the same config (guest, CPUs,
 * load, and the library's default thread budget for background and
 * adaptive alike); a row re-run at a lower rate is re-run for every policy.
 */
#ifndef LBS_PBENCH_H
#define LBS_PBENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lazybuddy.h"
#include "../output/progress.h"
#include "../run/sim.h"
#include "../run/tracebuf.h"

#define LBS_PB_TRACE (-1) /* a row's workload: the shipped trace */

/* ---- rows (pbench_rows.c) ---- */

struct lbs_pb_row {
	const char *preset;     /* the cost model (a preset name) */
	uint64_t memory;        /* guest bytes; 0: lbsim's default */
	uint64_t pre;           /* firmware's pre-accepted bytes */
	uint64_t unit;          /* acceptance unit, bytes */
	int workload;           /* enum lbs_workload, or LBS_PB_TRACE */
	unsigned vcpus;         /* a trace: its CPUs */
	uint64_t rate;          /* operations per second per vCPU; 0 for a trace */
	int rerun;              /* the re-run of a row beyond reach */
	double demand;          /* bytes/s asked of acceptance while it allocates */
	double reach;           /* bytes/s the host accepts on all the guest's CPUs */
};

/* Which rows to make: every combination of these, at each rate divisor
 * (the workload's default rate / div), then the trace per preset,
 * firmware and unit when trace is set. */
struct lbs_pb_spec {
	const char *const *presets;
	size_t npresets;
	const uint64_t *pres;
	size_t npres;
	const uint64_t *units;
	size_t nunits;
	const int *workloads;
	size_t nworkloads;
	const unsigned *vcpus;
	size_t nvcpus;
	const unsigned *rate_divs;
	size_t nrate_divs;
	uint64_t memory;        /* 0: lbsim's default */
	int trace;              /* add the trace's rows */
	unsigned trace_vcpus;   /* its CPUs */
	double trace_demand;    /* bytes/s: lbs_pb_trace_demand() */
};

/* The bench's rows: presets tdx-4k, tdx, snp-4k, snp; firmware 0, 512M, 4G;
 * unit 2M and 4K; boot, fill and churn on 1, 4 and 16 vCPUs at their
 * default rate and a tenth of it; the trace (set its fields). */
void lbs_pb_default_spec(struct lbs_pb_spec *s);

/* What k CPUs accepting at once get through, bytes/s, by the preset's
 * figures for a unit accepted whole, on the host's capacity
 * (lbs_host_pace(): k at the host's pace, its capacity or contention).
 * 0 for an unknown preset. */
double lbs_pb_reach(const char *preset, uint64_t unit, unsigned k);

/* A workload's demand on acceptance: rate x mean pages x vCPUs x 4 KiB. */
double lbs_pb_demand(int workload, uint64_t rate, unsigned vcpus);

/* The highest rate (at least 1) at which the demand is at most half of
 * reach: the rate of a re-run row. */
uint64_t lbs_pb_reduced_rate(int workload, unsigned vcpus, double reach);

/* A trace's demand: the most it holds at once over its span. */
double lbs_pb_trace_demand(const struct lbs_tracebuf *tb);

/* The rows of s, in order: per preset, firmware and unit, each workload
 * and vCPU count at each rate, followed by its re-run when any of them is
 * beyond reach (one re-run: its rate does not depend on the rate asked),
 * then the trace. NULL when out of memory; *n rows. free() it. */
struct lbs_pb_row *lbs_pb_rows(const struct lbs_pb_spec *s, size_t *n);

/* Are adaptive's targets judged on r: a re-run row, or one whose demand is
 * known and at most half of reach? */
int lbs_pb_judged(const struct lbs_pb_row *r);

/* The row's config for lbs_sim_run / lbs_replay_run: lbsim's defaults but
 * for the row's fields (acceptors 0: the library's default). */
void lbs_pb_config(const struct lbs_pb_row *r, struct lbs_sim_config *sc);

/* "fill", "trace". */
const char *lbs_pb_workload_name(const struct lbs_pb_row *r);

/* ---- runs (pbench_runner.c) ---- */

/* The six counts the winner set compares, lower is better. */
enum lbs_pb_metric {
	LBS_PB_P999,            /* allocation latency p99.9, ns */
	LBS_PB_LAG,             /* max lag, ns */
	LBS_PB_COMMITTED,       /* committed peak, bytes */
	LBS_PB_ACCEPTED,        /* accepted, bytes */
	LBS_PB_CPU,             /* all acceptance CPU: boot_accept_vcpu_ns (set-up
				   and boot) + accept_cpu_ns (the run) */
	LBS_PB_BOOT,            /* the boot workload's whole time, else boot_ns */
	LBS_PB_NMETRICS
};

/* One policy's run of a row, as a worker sends it back. */
struct lbs_pb_run {
	int rc;                 /* the run's return: 0, or a negative LB_E* */
	unsigned cpus, acceptors;
	uint64_t m[LBS_PB_NMETRICS];
	uint64_t acceptor_cpu_ns;
	char check[LBS_CHECK_MAX];
};

struct lbs_pb_task {
	size_t row;
	enum lb_policy policy;
	unsigned adapt_off;     /* LB_ADAPT_* parts of adaptive left out */
};

/* Run one task here. tb: the trace, for trace rows. */
void lbs_pb_run_one(const struct lbs_pb_row *row, const struct lbs_tracebuf *tb,
		    enum lb_policy p, unsigned adapt_off, struct lbs_pb_run *out);

/* Workers: $LBS_BENCH_JOBS if set, else the CPUs online. 0, or -1 with a
 * reason in msg for a value that is not 1 to LBS_PB_MAX_JOBS. */
#define LBS_PB_MAX_JOBS 64u
int lbs_pb_jobs(unsigned *jobs, char *msg, size_t len);

/* Run tasks[0..n) in jobs forked worker processes, which send each result
 * back over a pipe: out[i] is task i's, the same whatever jobs is. pg, if
 * not NULL, counts tasks done. 0, or -1 after saying on stderr why (a
 * worker could not be started, or died). */
int lbs_pb_run_tasks(const struct lbs_pb_row *rows, const struct lbs_tracebuf *tb,
		     const struct lbs_pb_task *tasks, size_t n, unsigned jobs,
		     struct lbs_pb_run *out, struct lbs_progress *pg);

/* ---- judging (pbench_judge.c) ---- */

enum lbs_pb_target {
	LBS_PB_T_P999,          /* p99.9 <= 100 us */
	LBS_PB_T_LAG,           /* max lag <= 50 ms */
	LBS_PB_T_ACCEPTED,      /* accepted <= 1.1x exact's */
	LBS_PB_T_COMMITTED,     /* committed peak <= 1.1x exact's */
	LBS_PB_T_BOOT,          /* boot <= the fastest lazy policy's + 1% */
	LBS_PB_NTARGETS
};

enum lbs_pb_verdict { LBS_PB_UNJUDGED, LBS_PB_PASS, LBS_PB_MISS };

/* A row's policies (run[p] for policy p) and what they make of it. */
struct lbs_pb_outcome {
	struct lbs_pb_run run[LB_POLICY_COUNT];
	int win[LB_POLICY_COUNT];          /* in the winner set */
	int target[LBS_PB_NTARGETS];       /* adaptive's, enum lbs_pb_verdict */
};

/* Does q dominate p: <= on every metric and < on one? */
int lbs_pb_dominates(const struct lbs_pb_run *q, const struct lbs_pb_run *p);

/* o->win from o->run (runs that failed are neither in the set nor beat
 * anyone), and o->target for adaptive's run when judged. */
void lbs_pb_judge(struct lbs_pb_outcome *o, int judged);

/* A run that failed, or whose check is not "ok". */
int lbs_pb_run_bad(const struct lbs_pb_run *r);

extern const char *const lbs_pb_target_key[LBS_PB_NTARGETS];  /* JSON keys */
extern const char *const lbs_pb_target_text[LBS_PB_NTARGETS]; /* for people */

/* ---- output (pbench_text.c, pbench_json.c) ---- */

void lbs_pb_print_intro(FILE *f);
void lbs_pb_print_row(FILE *f, size_t i, const struct lbs_pb_row *r,
		      const struct lbs_pb_outcome *o);

/* The summary; returns whether the bench passed (exit status 0): every
 * run ok, adaptive in every row's winner set and meeting every judged
 * target. f NULL: only the answer. */
int lbs_pb_print_summary(FILE *f, const struct lbs_pb_row *rows,
			 const struct lbs_pb_outcome *o, size_t n);

/* A JSON array, an object per row and policy. */
void lbs_pb_print_json(FILE *f, const struct lbs_pb_row *rows,
		       const struct lbs_pb_outcome *o, size_t n);

#endif
