/* SPDX-License-Identifier: MIT */
/*
 * A progress line on stderr for long runs: drawn only when stderr is a
 * terminal, and only once the run has taken a second; erased at the end.
 * Either a bar (work done of a known total) or a line of text (counts of
 * work without a known end, as lbsim record's bytes read and written).
 */
#ifndef LBS_PROGRESS_H
#define LBS_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#define LBS_PROGRESS_LINE 80 /* the longest line drawn, text included */

struct lbs_progress {
	FILE *f;
	int tty, shown;
	size_t drawn;             /* characters of the line on screen */
	uint64_t total, base;     /* base: work done by earlier runs */
	uint64_t start_ns, last_ns;
	char label[32];
};

/* tty: draw at all (the caller passes isatty(fileno(f))). */
void lbs_progress_init(struct lbs_progress *p, FILE *f, int tty, uint64_t total);
/* A new run (e.g. the next policy) begins after done units of work. */
void lbs_progress_stage(struct lbs_progress *p, uint64_t done, const char *label);
/* Matches lbs_progress_fn: ctx is the lbs_progress, done within the run. */
void lbs_progress_update(void *ctx, uint64_t done);
/* Draw text instead of a bar (cut at LBS_PROGRESS_LINE), with the same
 * delay and pace: the caller may call it for every chunk of work. */
void lbs_progress_text(struct lbs_progress *p, const char *text);
void lbs_progress_end(struct lbs_progress *p);

#endif
