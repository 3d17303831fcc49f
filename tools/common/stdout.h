/* SPDX-License-Identifier: MIT */
/*
 * Results written to standard output that do not reach it are lost: a
 * tool that cannot write them must not exit 0 (`lbsim --json > /dev/full`).
 */
#ifndef LBTOOLS_STDOUT_H
#define LBTOOLS_STDOUT_H

/* At the end of main: close standard output; if it cannot be written or
 * closed, say so on standard error ("PROG: cannot write standard output:
 * ...") and turn a status of 0 into 1 (another stays: a usage error is
 * still 2). Returns the status to exit with. */
int lbtools_stdout_status(const char *prog, int status);

#endif
