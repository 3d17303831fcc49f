/* SPDX-License-Identifier: MIT */
/*
 * The files a run reads and writes, told apart before it starts: an output
 * named like an input (`--csv` onto the trace) would destroy it, and two
 * outputs of one name (`--report d --csv d/index.html`) keep only the last.
 */
#ifndef LBS_CLASH_H
#define LBS_CLASH_H

#include <stddef.h>

struct lbs_named_file {
	const char *what; /* as the user named it: "--csv out.csv" */
	const char *path; /* the file itself */
	int output;       /* written by the run, else only read */
};

/*
 * Is no output one of the other files? Two paths are one file when both
 * exist and have the same device and inode (links included), or when
 * their absolute forms, symbolic links resolved as far as the path exists,
 * are equal (a file not yet written). 0, or -1 with "A and B are the same
 * file; ..." in msg.
 */
int lbs_check_clashes(const struct lbs_named_file *f, size_t n, char *msg, size_t len);

/* path made absolute: its longest existing part resolved by realpath(),
 * the rest with "." and ".." and repeated '/' taken out. 0, or -1. */
int lbs_normalise_path(const char *path, char *out, size_t len);

#endif
