/* SPDX-License-Identifier: MIT */
/* lbsim's command line: sizes, numbers, and the options as a whole. */
#ifndef LBS_CLI_H
#define LBS_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../common/num.h"
#include "../run/sim.h"
#include "../run/timed.h"

struct lbs_cli {
	struct lbs_sim_config sim;
	enum lb_policy policy[LB_POLICY_COUNT];    /* in the order given, no repeats */
	size_t npolicy;
	enum lbs_workload workload[LBS_WL_COUNT];
	size_t nworkload;          /* 0: replay a trace (--trace, or the default) */
	const char *trace;         /* --trace FILE; NULL: the shipped default */
	int allow_unknown;         /* --allow-unknown: replay a trace of mostly
				      unknown lines (lbs_tracebuf_check) */
	int boot;                  /* 0 with --no-boot */
	const char *report_dir;    /* --report DIR */
	const char *csv_path;      /* --csv FILE */
	const char *cost_file;     /* --cost FILE; NULL for a preset */
	int json;
	int legend;                /* --legend: what each column means, under the table */
	int wide;                  /* --wide: every column (the default fits 100) */
	int help;
	int fidelity;              /* --fidelity: the table against measurements */
	int calibrate;             /* --calibrate: fit the fitted figures again */
	int policy_bench;          /* --policy-bench: adaptive's targets, PASS/MISS */
	int version;               /* --version */
	int no_args;               /* nothing given: the default run of `make run` */
	char command[512];         /* the command line, as a shell would take it
				      back (the report states it); "..." past 511 */
	uint64_t given;            /* the options given, by their place in the table */
	int load_given;            /* --load: refused for a trace with idle periods */
};

/*
 * Parse argv (options as "--name value" or "--name=value"). Returns 0 with
 * *cli filled (defaults for what is not given), or 2 after writing a
 * one-line reason to err (1 for a --cost file that cannot be read or used:
 * the exit status for files). The run is one of: a trace replay (the default),
 * synthetic workloads (--workload), --fidelity, --policy-bench; refused in
 * one line: two of them at once, --backend with --cost (which reads a cost
 * file here, cost.h), --pre-accepted beyond --memory, and any option that
 * does not apply to the run (--rate, --ops, --vcpus with a trace;
 * --no-boot, --allow-unknown with workloads; --seed with a trace and
 * --no-boot; the acceptor's knobs when no policy chosen has the acceptor;
 * all but --help, --version and --json with --fidelity or --policy-bench).
 */
int lbs_cli_parse(int argc, char *const argv[], struct lbs_cli *cli, FILE *err);

/* The help text, made from the option table. */
void lbs_cli_usage(FILE *f, const char *prog);

#endif
