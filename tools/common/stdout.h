/* SPDX-License-Identifier: MIT */
/*
 * Results written to standard output that do not reach it are lost: a
 * tool that cannot write them must not exit 0 (`lbsim --json > /dev/full`).
 */
#ifndef LBTOOLS_STDOUT_H
#define LBTOOLS_STDOUT_H

/* At exit, close standard output; if it cannot be written or closed, say
 * so on standard error ("PROG: cannot write standard output: ...") and
 * exit 1 instead. Call once, early in main. */
void lbtools_check_stdout_at_exit(const char *prog);

#endif
