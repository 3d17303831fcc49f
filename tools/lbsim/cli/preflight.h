/* SPDX-License-Identifier: MIT */
/*
 * What lbsim will write, checked before it runs: a --csv file or --report
 * directory that cannot be written is found in a second, not after the
 * whole run.
 */
#ifndef LBS_PREFLIGHT_H
#define LBS_PREFLIGHT_H

#include <stddef.h>

/* The directories a check created, so that a run that fails can take
 * them back. */
struct lbs_made_dirs {
	char path[4096]; /* the deepest; "" when none was created */
	size_t top;      /* path[0..top) is the first one created */
};

/*
 * Could path be written? It is opened for writing, never truncated, and
 * removed again if the check created it. 0, or -1 with "cannot write PATH:
 * REASON" (strerror) in msg.
 */
int lbs_check_writable(const char *path, char *msg, size_t len);

/*
 * Create dir (parents too) and check that dir/index.html could be written
 * (lbs_check_writable). 0, or -1 with why in msg; the directories it
 * created are noted in made (taken back already when it fails).
 */
int lbs_check_report_dir(const char *dir, struct lbs_made_dirs *made, char *msg, size_t len);

/* Remove the directories made noted, those still empty. */
void lbs_made_dirs_undo(struct lbs_made_dirs *made);

#endif
