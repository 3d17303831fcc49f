/* SPDX-License-Identifier: MIT */
/*
 * `lbsim record [-o FILE] [-l LEVEL] [-z zstd|none] [-b KB] [-m tracefs|perf]
 * -- COMMAND [ARG...]`: record a page-allocator trace of COMMAND.
 *
 * tools/record/lbsim-record.sh (found beside the executable, or at
 * $LBSIM_RECORD) does the tracing (the kmem:mm_page_* events and, where the
 * kernel has it, sched:sched_switch): it hands the trace's text to lbsim on a
 * pipe once the command has ended, and lbsim compresses it as it arrives
 * (libzstd, level 3 unless -l says otherwise), with a progress line on a
 * terminal and a summary line at the end. The output is checked before the
 * command runs and written under a temporary name, renamed at the end: a
 * failed or interrupted recording leaves nothing, nor does one of a command
 * that could not be run (status 126 or 127) or one without any
 * page-allocator event (sched_switch lines alone are no trace).
 */
#ifndef LBS_RECORD_H
#define LBS_RECORD_H

#include <stdio.h>

#define LBS_RECORD_LEVEL 3 /* zstd's own default: fast, 1/14 of the text */
/* -b: one page per CPU at least, 4 GiB at most (tools/record/lbsim-record.sh
 * checks the same range) */
#define LBS_RECORD_MIN_KB 4
#define LBS_RECORD_MAX_KB 4194304
#define LBS_STR_(x) #x
#define LBS_STR(x) LBS_STR_(x)

struct lbs_record_opts {
	const char *out;    /* -o; default lbsim-trace.txt.zst (.txt with -z none) */
	int level;          /* zstd level 1..19; 0: -z none */
	const char *buf_kb; /* -b, for the script; NULL: its default */
	int keep_lost;      /* -k: events lost is not a failure (status not 3) */
	const char *method; /* -m, for the script; NULL: tracefs */
	int help;
	char **cmd;         /* the command: the rest of argv (NULL-terminated) */
};

/* argv[0] is "record". 0, or 2 after a one-line message on err. */
int lbs_record_parse(int argc, char **argv, struct lbs_record_opts *o, FILE *err);

/* Make a file that will become path: path.XXXXXX beside it, with path's
 * mode (0666 less the umask). Writes directly (no temporary) to what exists
 * and is not a regular file (/dev/null, a FIFO). The descriptor, or -1 with
 * errno set (EISDIR for a directory); tmp gets the temporary's name, or "". */
int lbs_record_open(const char *path, char *tmp, size_t len);

/* Exit status: the command's, 1 when the recording failed, 2 for usage. */
int lbs_record_main(int argc, char **argv);

#endif
