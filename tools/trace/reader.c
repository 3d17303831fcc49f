/* SPDX-License-Identifier: MIT */
/*
 * The trace reader: input -> lines -> parsed events -> (consistency layer)
 * -> events, keeping the summary up to date. sched_switch events bypass the
 * consistency layer.
 */
#include "trace.h"

#include <stdlib.h>
#include <string.h>

#define LINE_BUF (LB_TRACE_MAX_LINE + 1u) /* a line and its newline */

struct lb_trace_reader {
	struct lb_trace_input *in;
	struct lb_trace_check *check; /* NULL in raw mode */
	int sched;                    /* deliver sched_switch events */
	char *buf;
	size_t start, end;
	int eof;
	char err[200];
	struct lb_trace_summary sum;
};

static struct lb_trace_reader *setup(struct lb_trace_input *in, unsigned flags,
				     char *err, size_t errlen)
{
	struct lb_trace_reader *r;

	if (!in)
		return NULL;
	r = calloc(1, sizeof *r);
	if (r)
		r->buf = malloc(LINE_BUF);
	if (r && r->buf && !(flags & LB_TRACE_RAW))
		r->check = lb_trace_check_new();
	if (!r || !r->buf || (!(flags & LB_TRACE_RAW) && !r->check)) {
		if (r)
			free(r->buf);
		free(r);
		lb_trace_input_close(in);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->in = in;
	r->sched = (flags & LB_TRACE_SCHED) != 0;
	lb_trace_summary_init(&r->sum);
	r->sum.compression = lb_trace_input_compression(in);
	r->sum.checked = r->check != NULL;
	return r;
}

struct lb_trace_reader *lb_trace_open(const char *path, unsigned flags, char *err,
				      size_t errlen)
{
	return setup(lb_trace_input_open(path, err, errlen), flags, err, errlen);
}

struct lb_trace_reader *lb_trace_open_file(FILE *f, int owned, unsigned flags,
					   char *err, size_t errlen)
{
	return setup(lb_trace_input_open_file(f, owned, err, errlen), flags, err,
		     errlen);
}

void lb_trace_close(struct lb_trace_reader *r)
{
	if (!r)
		return;
	lb_trace_input_close(r->in);
	lb_trace_check_free(r->check);
	free(r->buf);
	free(r);
}

const char *lb_trace_error(const struct lb_trace_reader *r)
{
	return r->err[0] ? r->err : NULL;
}

const struct lb_trace_summary *lb_trace_get_summary(struct lb_trace_reader *r)
{
	r->sum.bytes_in = lb_trace_input_bytes_in(r->in);
	if (r->check) {
		r->sum.check = *lb_trace_check_stats(r->check);
		r->sum.pages_distinct = r->sum.check.pages_distinct;
	}
	return &r->sum;
}

/* The first unknown line's start, ready to quote: '"' and '\\' escaped,
 * bytes outside printable ASCII as \t, \r or \xNN, "..." when cut. */
static void note_unknown(struct lb_trace_summary *s, const char *line, size_t len)
{
	const size_t cap = 80; /* characters of the line kept, escapes included */
	size_t n = 0;

	s->unknown_lines++;
	if (s->first_unknown_line)
		return;
	s->first_unknown_line = s->lines;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		char piece[8];
		size_t plen;

		if (c == '"' || c == '\\')
			snprintf(piece, sizeof piece, "\\%c", c);
		else if (c == '\t')
			snprintf(piece, sizeof piece, "\\t");
		else if (c == '\r')
			snprintf(piece, sizeof piece, "\\r");
		else if (c < 0x20 || c >= 0x7f)
			snprintf(piece, sizeof piece, "\\x%02x", c);
		else
			snprintf(piece, sizeof piece, "%c", c);
		plen = strlen(piece);
		if (n + plen > cap) {
			memcpy(s->first_unknown + n, "...", 3);
			n += 3;
			break;
		}
		memcpy(s->first_unknown + n, piece, plen);
		n += plen;
	}
	s->first_unknown[n] = '\0';
}

/* A CPU number above LB_TRACE_CPU_MAX: the error, the number quoted. */
static void cpu_out_of_range(struct lb_trace_reader *r, const char *line, size_t len)
{
	const char *at;
	size_t n = lb_trace_cpu_text(line, len, &at);

	snprintf(r->err, sizeof r->err, "line %llu: CPU number %.*s%s is out of range (at most "
		 "%u)", (unsigned long long)r->sum.lines, n > 30 ? 30 : (int)n, at,
		 n > 30 ? "..." : "", LB_TRACE_CPU_MAX);
}

/* The next line in *line, *len: 1; 0 at the end; -1 on an input error. */
static int next_line(struct lb_trace_reader *r, const char **line, size_t *len)
{
	for (;;) {
		char *nl = NULL;
		long n;

		if (r->end > r->start)
			nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (nl) {
			size_t s = r->start;
			r->start = (size_t)(nl - r->buf) + 1;
			*line = r->buf + s;
			*len = (size_t)(nl - r->buf) - s;
			return 1;
		}
		if (r->eof) {
			if (r->end > r->start) {
				*line = r->buf + r->start;
				*len = r->end - r->start;
				r->start = r->end;
				return 1;
			}
			return 0;
		}
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		if (r->end == LINE_BUF) {
			/* No newline in a full buffer: not text, and waiting
			 * for one could last for ever (/dev/zero). */
			r->sum.lines++;
			r->sum.long_lines++;
			note_unknown(&r->sum, r->buf, LINE_BUF);
			snprintf(r->err, sizeof r->err, "line %llu is longer than %u KiB",
				 (unsigned long long)r->sum.lines, LB_TRACE_MAX_LINE >> 10);
			return -1;
		}
		n = lb_trace_input_read(r->in, r->buf + r->end, LINE_BUF - r->end);
		if (n < 0) {
			snprintf(r->err, sizeof r->err, "%s",
				 lb_trace_input_error(r->in));
			return -1;
		}
		if (n == 0)
			r->eof = 1;
		r->end += (size_t)n;
		r->sum.bytes_out += (uint64_t)n;
	}
}

int lb_trace_next(struct lb_trace_reader *r, struct lb_trace_event *ev)
{
	for (;;) {
		const char *line;
		size_t len;
		uint64_t lost = 0;
		int rc;

		if (r->check && lb_trace_check_pop(r->check, ev))
			return 1;
		if (r->err[0])
			return -1;
		rc = next_line(r, &line, &len);
		if (rc <= 0)
			return rc;
		r->sum.lines++;
		switch (lb_trace_parse_line(line, len, ev, &lost)) {
		case LB_TRACE_LINE_EVENT:
			if (ev->flags & LB_TRACE_EV_CPU_RANGE) {
				cpu_out_of_range(r, line, len);
				break; /* deliver what is pending, then fail */
			}
			ev->line = r->sum.lines;
			lb_trace_summary_event(&r->sum, ev);
			if (!r->check)
				return 1;
			if (lb_trace_check_push(r->check, ev)) {
				snprintf(r->err, sizeof r->err,
					 "out of memory tracking pages");
				/* deliver what is pending, then fail */
			}
			break;
		case LB_TRACE_LINE_SCHED:
			/* Apart from the page events: what is pending was
			 * delivered before this line was read. */
			if (ev->flags & LB_TRACE_EV_CPU_RANGE) {
				cpu_out_of_range(r, line, len);
				break;
			}
			r->sum.sched_lines++;
			ev->line = r->sum.lines;
			if (r->sched)
				return 1;
			break;
		case LB_TRACE_LINE_COMMENT:
			r->sum.comment_lines++;
			break;
		case LB_TRACE_LINE_LOST:
			r->sum.lost_markers++;
			r->sum.lost_events += lost;
			break;
		case LB_TRACE_LINE_OTHER:
			r->sum.other_lines++;
			break;
		default:
			note_unknown(&r->sum, line, len);
			break;
		}
	}
}

int lb_trace_summarize(const char *path, unsigned flags,
		       struct lb_trace_summary *out, char *err, size_t errlen)
{
	struct lb_trace_reader *r = lb_trace_open(path, flags, err, errlen);
	struct lb_trace_event ev;
	int rc;

	if (!r)
		return -1;
	while ((rc = lb_trace_next(r, &ev)) > 0)
		;
	*out = *lb_trace_get_summary(r);
	if (rc < 0)
		snprintf(err, errlen, "%s", lb_trace_error(r));
	lb_trace_close(r);
	return rc < 0 ? -1 : 0;
}
