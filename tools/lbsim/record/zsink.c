/* SPDX-License-Identifier: MIT */
#include "zsink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

static int write_all(struct lbs_zsink *s, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(s->fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			snprintf(s->err, sizeof s->err, "%s", strerror(errno));
			return -1;
		}
		p += w;
		n -= (size_t)w;
		s->out += (uint64_t)w;
	}
	return 0;
}

static int zstd_failed(struct lbs_zsink *s, size_t r)
{
	if (!ZSTD_isError(r))
		return 0;
	snprintf(s->err, sizeof s->err, "libzstd: %s", ZSTD_getErrorName(r));
	return 1;
}

int lbs_zsink_init(struct lbs_zsink *s, int fd, int level)
{
	memset(s, 0, sizeof *s);
	s->fd = fd;
	s->level = level;
	s->bol = 1;
	if (level == 0)
		return 0;
	s->zc = ZSTD_createCCtx();
	s->cap = ZSTD_CStreamOutSize();
	s->buf = malloc(s->cap);
	if (!s->zc || !s->buf) {
		snprintf(s->err, sizeof s->err, "out of memory");
		return -1;
	}
	/* On this thread (no ZSTD_c_nbWorkers): each write is compressed as
	 * it comes, so that the caller's progress line moves; the workers
	 * would take tens of MiB before a byte came out. */
	if (zstd_failed(s, ZSTD_CCtx_setParameter(s->zc, ZSTD_c_compressionLevel, level)) ||
	    zstd_failed(s, ZSTD_CCtx_setParameter(s->zc, ZSTD_c_checksumFlag, 1)))
		return -1;
	return 0;
}

#define SCHED_NAME "sched_switch:"
#define SCHED_LEN (sizeof SCHED_NAME - 1u)

/* [p, e) continues the current event line: is it a sched_switch? The name
 * may start in the tail kept from the previous write. */
static void find_sched(struct lbs_zsink *s, const unsigned char *p, const unsigned char *e)
{
	size_t n = (size_t)(e - p), k = n < SCHED_LEN ? n : SCHED_LEN;
	unsigned char join[2 * SCHED_LEN];

	if (!s->line_sched && s->tail_len) {
		memcpy(join, s->tail, s->tail_len);
		memcpy(join + s->tail_len, p, k);
		if (memmem(join, s->tail_len + k, SCHED_NAME, SCHED_LEN))
			s->line_sched = 1;
	}
	if (!s->line_sched && memmem(p, n, SCHED_NAME, SCHED_LEN))
		s->line_sched = 1;
	if (s->line_sched) {
		s->sched++;
		s->line_event = 0; /* counted: no need to look further */
		return;
	}
	/* keep the last SCHED_LEN - 1 bytes of the line */
	if (n >= sizeof s->tail) {
		memcpy(s->tail, e - sizeof s->tail, sizeof s->tail);
		s->tail_len = sizeof s->tail;
	} else {
		size_t keep = s->tail_len + n > sizeof s->tail ? sizeof s->tail - n : s->tail_len;
		memmove(s->tail, s->tail + s->tail_len - keep, keep);
		memcpy(s->tail + keep, p, n);
		s->tail_len = (unsigned)(keep + n);
	}
}

/* Count the lines of data that are events, and sched_switch ones, across
 * calls. */
static void count_events(struct lbs_zsink *s, const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n;

	while (p < end) {
		const unsigned char *nl;
		if (s->bol) {
			s->line_event = *p != '#';
			s->line_sched = 0;
			s->tail_len = 0;
			s->events += (uint64_t)s->line_event;
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		if (s->line_event)
			find_sched(s, p, nl ? nl : end);
		if (!nl) {
			s->bol = 0;
			return;
		}
		s->bol = 1;
		p = nl + 1;
	}
}

static int compress(struct lbs_zsink *s, const void *data, size_t n, ZSTD_EndDirective end)
{
	ZSTD_inBuffer in = {data, n, 0};
	size_t left;

	do {
		ZSTD_outBuffer out = {s->buf, s->cap, 0};
		left = ZSTD_compressStream2(s->zc, &out, &in, end);
		if (zstd_failed(s, left) || write_all(s, s->buf, out.pos))
			return -1;
	} while (end == ZSTD_e_end ? left != 0 : in.pos < in.size);
	return 0;
}

int lbs_zsink_write(struct lbs_zsink *s, const void *data, size_t n)
{
	count_events(s, data, n);
	s->in += n;
	if (s->level == 0)
		return write_all(s, data, n);
	return compress(s, data, n, ZSTD_e_continue);
}

int lbs_zsink_finish(struct lbs_zsink *s)
{
	if (s->level == 0)
		return 0;
	return compress(s, NULL, 0, ZSTD_e_end);
}

void lbs_zsink_free(struct lbs_zsink *s)
{
	ZSTD_freeCCtx(s->zc);
	free(s->buf);
	s->zc = NULL;
	s->buf = NULL;
}
