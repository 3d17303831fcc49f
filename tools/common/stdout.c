/* SPDX-License-Identifier: MIT */
/* Standard output's errors at exit (stdout.h). */
#include "stdout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *prog_name = "lbtools"; /* the process's: one tool per process */

static void check_stdout(void)
{
	int had_error = ferror(stdout), closed;

	errno = 0;
	closed = fclose(stdout) == 0;
	if (!had_error && closed)
		return;
	fprintf(stderr, "%s: cannot write standard output: %s\n", prog_name,
		errno ? strerror(errno) : "write error");
	_exit(1); /* exit() may not be called again from an exit handler */
}

void lbtools_check_stdout_at_exit(const char *prog)
{
	prog_name = prog;
	atexit(check_stdout);
}
