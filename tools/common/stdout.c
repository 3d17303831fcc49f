/* SPDX-License-Identifier: MIT */
/* Standard output's errors at the end (stdout.h). */
#include "stdout.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int lbtools_stdout_status(const char *prog, int status)
{
	int had_error = ferror(stdout), closed;

	errno = 0;
	closed = fclose(stdout) == 0;
	if (!had_error && closed)
		return status;
	fprintf(stderr, "%s: cannot write standard output: %s\n", prog,
		errno ? strerror(errno) : "write error");
	return status ? status : 1;
}
