/* SPDX-License-Identifier: MIT */
/* lbbench's command line. */
#ifndef LBB_CLI_H
#define LBB_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "alloc.h"
#include "params.h"

#define LBB_MAX_THREAD_COUNTS 16

struct lbb_cli {
	struct lbb_params p;
	bool bench[LBB_NBENCH];      /* which to run */
	unsigned threads[LBB_MAX_THREAD_COUNTS];
	size_t nthreads;             /* 0: each bench's default */
	const char *allocators;      /* comma list, or NULL for all */
	int memory;                  /* an enum lbb_memory, or -1 for both */
	bool json, help, version;
	bool paths;                  /* lbbench --paths (paths.h) */
	uint32_t given;              /* options on the command line, by index */
	bool ops_given;              /* --ops was on the command line */
};

/* 0, or -1 after printing why to err. */
int lbb_cli_parse(int argc, char **argv, struct lbb_cli *c, FILE *err);
void lbb_cli_usage(FILE *f);

/* Is a selected? A name in --allocator matches itself, and "lazybuddy"
 * matches every lazybuddy-<policy>. */
bool lbb_cli_wants(const struct lbb_cli *c, const struct lbb_allocator *a);

/* The thread counts to run bench with: --threads, else 1, 2, 4, 8, 16 for
 * churn and 1 for the others. */
size_t lbb_cli_threads(const struct lbb_cli *c, enum lbb_bench b, const unsigned **out);

#endif
