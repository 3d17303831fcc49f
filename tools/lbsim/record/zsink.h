/* SPDX-License-Identifier: MIT */
/*
 * A stream of trace text written to a file descriptor, through libzstd or
 * as it is, counting what went in (bytes, event lines: those not starting
 * with '#', and of those the sched_switch ones) and what came out: lbsim
 * record's output.
 */
#ifndef LBS_ZSINK_H
#define LBS_ZSINK_H

#include <stddef.h>
#include <stdint.h>

struct lbs_zsink {
	int fd;
	int level;               /* zstd level; 0: plain text */
	void *zc;                /* ZSTD_CCtx */
	unsigned char *buf;      /* compressed output, before it is written */
	size_t cap;
	int bol;                 /* the next byte starts a line */
	int line_event;          /* the line now taken is an event line */
	int line_sched;          /* ... and was found to be a sched_switch */
	unsigned char tail[12];  /* its last bytes: a name split across writes */
	unsigned tail_len;
	uint64_t in, out;        /* bytes taken, bytes written */
	uint64_t events;         /* lines not starting with '#' */
	uint64_t sched;          /* of those, lines holding "sched_switch:" */
	char err[160];           /* what failed (write's strerror, libzstd's words) */
};

/* level 0 (plain) or 1..19. 0, or -1 with err set. lbs_zsink_free() after,
 * in either case. */
int lbs_zsink_init(struct lbs_zsink *s, int fd, int level);
/* 0, or -1 with err set. */
int lbs_zsink_write(struct lbs_zsink *s, const void *data, size_t n);
/* Ends the zstd frame and writes what is left. 0, or -1 with err set. */
int lbs_zsink_finish(struct lbs_zsink *s);
void lbs_zsink_free(struct lbs_zsink *s);

#endif
