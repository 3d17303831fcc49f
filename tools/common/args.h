/* SPDX-License-Identifier: MIT */
/*
 * Reading a command line's options, the way lbsim and lbbench both take
 * them: "--name", "--name=value" or "--name value", and "-h" for
 * "--help". A value that starts with "--" is taken only after "=": "--report
 * --json" forgot the report's value, and says so.
 */
#ifndef LBTOOLS_ARGS_H
#define LBTOOLS_ARGS_H

#include <stdio.h>

struct lbtools_args {
	int argc, i;        /* i: the next argument to read (1 at first) */
	char *const *argv;
	const char *prog;   /* every message starts "PROG: " */
	FILE *err;
};

/* The tool's option name[0, len): its index in the tool's table, or -1;
 * *takes_value says whether it takes one. */
typedef int (*lbtools_find_fn)(const char *name, size_t len, int *takes_value);

/* The next option: 1 with *index (find's answer) and *val (NULL for one
 * that takes no value); 0 when none is left; -1 after one line on err
 * saying what is wrong (not an option, an unknown one, a value missing or
 * given to one that takes none). */
int lbtools_next_option(struct lbtools_args *a, lbtools_find_fn find, int *index,
			const char **val);

#endif
