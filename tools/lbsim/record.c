/* SPDX-License-Identifier: MIT */
#include "record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>

#include "paths.h"

int lbs_record_main(int argc, char **argv)
{
	char script[4096];
	char **args;

	if (lbs_record_script(script, sizeof script) != 0) {
		fprintf(stderr,
			"lbsim record: cannot find lbsim-record.sh (looked in tools/record/ of "
			"the source tree beside this executable, in ../share/lazybuddy/ of an "
			"installed one, and beside it); set "
			"LBSIM_RECORD=/path/to/lbsim-record.sh\n");
		return 1;
	}
	if (access(script, R_OK) != 0) {
		fprintf(stderr, "lbsim record: %s: %s\n", script, strerror(errno));
		return 1;
	}
	/* sh SCRIPT ARG... : the script need not be executable. */
	args = calloc((size_t)argc + 2u, sizeof *args);
	if (!args) {
		fprintf(stderr, "lbsim record: out of memory\n");
		return 1;
	}
	args[0] = (char *)(uintptr_t)"sh";
	args[1] = script;
	for (int i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	args[argc + 1] = NULL;
	fflush(NULL);
	execv("/bin/sh", args);
	fprintf(stderr, "lbsim record: cannot run /bin/sh: %s\n", strerror(errno));
	free(args);
	return 1;
}
