/* SPDX-License-Identifier: MIT */
/*
 * lbsim's option table, shared by the parser (cli.c) and the help
 * (help.c): each option's name, its value (if any), its help text,
 * where it applies (the run it belongs to, the policies or workloads one
 * of which must be chosen) and its parser (opts.c).
 */
#ifndef LBS_CLI_OPTS_H
#define LBS_CLI_OPTS_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"

/* The run an option belongs to (lbs_cli_parse's comment). */
#define M_TRACE    0x1u
#define M_WORKLOAD 0x2u
#define M_FIDELITY 0x4u
#define M_PBENCH   0x8u
#define M_RUN      (M_TRACE | M_WORKLOAD)
#define M_ANY      (M_RUN | M_FIDELITY | M_PBENCH)

#define POL(p) (1u << (p))
#define WL(w) (1u << (w))

struct lbs_opt;

/* What the parsers share while one command line is read. */
struct lbs_opt_state {
	struct lbs_cli *cli;
	FILE *err;
	const char *memory_arg, *pre_arg; /* as given, for messages */
};

/* 0, or 2 after a line on s->err saying why val is refused (1 when val
 * names a file that cannot be read or used: --cost's). */
typedef int (*lbs_opt_parser)(struct lbs_opt_state *s, const struct lbs_opt *o,
			      const char *val);

struct lbs_opt {
	const char *name; /* without the "--" */
	const char *arg;  /* the value's name in the help; NULL: a flag, no value */
	const char *help; /* {policies}, {workloads}, {cost} are filled in */
	unsigned modes;   /* M_*: the runs it applies to */
	unsigned policies, workloads; /* 0, or one of these must be chosen */
	int selects;      /* it chooses the run (no "applies to" note in the help) */
	const char *why;  /* said when given where it does not apply */
	lbs_opt_parser parse;
};

/* The table, in the order of the help. */
extern const struct lbs_opt *const lbs_opts;
extern const size_t lbs_nopts;

#endif
