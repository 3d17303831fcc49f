/* SPDX-License-Identifier: MIT */
/*
 * One text line -> one event (a page event or a sched_switch). All three
 * formats share a shape:
 *
 *   PREFIX TIMESTAMP: [EXTRA] [SYSTEM:]EVENT: FIELDS
 *
 *   ftrace     "   bash-1234    [001] d..1.  5678.123456: mm_page_alloc: ..."
 *              (flag column absent, 4 or 5 wide; "(  1234)" tgid column)
 *   trace-cmd  "   bash-1234    [001]  5678.123456: mm_page_free:        ..."
 *              (name padded to 20; "INSTANCE: " before; latency form
 *               "bash-1234    1d..1"; " (+123)" time-diff after the time)
 *   perf       "   bash  1234 [001]  5678.123456:    kmem:mm_page_free: ..."
 *              (pid after a space, or "pid/tid"; a period count after the
 *               time; CPU column optional)
 *
 * The anchor is the first token shaped "DIGITS[.DIGITS]:" that is followed by
 * an event name and a colon. What comes before it is read from the right
 * (flags, CPU, tgid, then TASK-PID), so task names may hold spaces, dashes,
 * brackets or be "<...>".
 */
#include "trace.h"

#include <string.h>

static int is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

static int is_name(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '_';
}

static int is_flag(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '.';
}

static const struct {
	const char *name;
	unsigned char len;
	unsigned char kind;
} events[] = {
	{ "mm_page_alloc", 13, LB_TRACE_ALLOC },
	{ "mm_page_free", 12, LB_TRACE_FREE },
	{ "mm_page_free_batched", 20, LB_TRACE_FREE_BATCHED },
	{ "mm_page_pcpu_drain", 18, LB_TRACE_PCPU_DRAIN },
	{ "mm_page_alloc_zone_locked", 25, LB_TRACE_ALLOC_ZONE_LOCKED },
	{ "mm_page_free_direct", 19, LB_TRACE_FREE },       /* 2.6.3x */
	{ "mm_pagevec_free", 15, LB_TRACE_FREE_BATCHED },   /* 2.6.3x */
};

static int event_kind(const char *p, size_t n)
{
	for (size_t i = 0; i < sizeof events / sizeof events[0]; i++)
		if (events[i].len == n && !memcmp(events[i].name, p, n))
			return events[i].kind;
	return -1;
}

static int is_sched_switch(const char *p, const char *e)
{
	return e - p == 12 && !memcmp(p, "sched_switch", 12);
}

/* "SYSTEM" of perf's "SYSTEM:EVENT" is [p, e). */
static int is_system(const char *p, const char *e, const char *name)
{
	size_t n = strlen(name);
	return (size_t)(e - p) == n && !memcmp(p, name, n);
}

/* A sched_switch's fields; its page fields as a line that gives none. */
static int sched_fields(const char *p, const char *e, struct lb_trace_event *ev)
{
	ev->pfn = 0;
	ev->order = 0;
	lb_trace_clear_fields(ev);
	return lb_trace_parse_sched(p, e, ev);
}

/* "DIGITS" or "DIGITS.DIGITS" exactly filling [p, e). */
static int parse_ts(const char *p, const char *e, uint64_t *ns)
{
	uint64_t secs = 0, frac = 0;
	int fd = 0;

	if (p == e || !is_digit(*p))
		return -1;
	while (p < e && is_digit(*p)) {
		if (secs > (UINT64_MAX - 9) / 10)
			return -1;
		secs = secs * 10 + (uint64_t)(*p++ - '0');
	}
	if (p == e) {
		*ns = secs; /* a counter clock: kept as it is */
		return 0;
	}
	if (*p++ != '.' || p == e)
		return -1;
	for (; p < e; p++, fd++) {
		if (!is_digit(*p))
			return -1;
		if (fd < 9)
			frac = frac * 10 + (uint64_t)(*p - '0');
	}
	for (; fd < 9; fd++)
		frac *= 10;
	if (secs > (UINT64_MAX - frac) / 1000000000u)
		return -1;
	*ns = secs * 1000000000u + frac;
	return 0;
}

static int all_digits(const char *p, const char *e, uint32_t *v)
{
	uint32_t x = 0;

	if (p == e || e - p > 9)
		return 0;
	for (; p < e; p++) {
		if (!is_digit(*p))
			return 0;
		x = x * 10 + (uint32_t)(*p - '0');
	}
	*v = x;
	return 1;
}

/* Where a line's CPU number is written, for quoting one out of range. */
struct cpu_text {
	const char *at;
	size_t len; /* 0: no CPU column */
};

/* The CPU column's digits [p, e), as many as written: ev->cpu, or
 * LB_TRACE_CPU_NONE when the number is above LB_TRACE_CPU_MAX (the caller
 * flags the event). 0 when [p, e) is not all digits. */
static int cpu_number(const char *p, const char *e, struct lb_trace_event *ev,
		      struct cpu_text *ct)
{
	uint64_t x = 0;

	if (p == e)
		return 0;
	for (const char *q = p; q < e; q++) {
		if (!is_digit(*q))
			return 0;
		if (x <= LB_TRACE_CPU_MAX)
			x = x * 10 + (uint64_t)(*q - '0');
	}
	ev->cpu = x <= LB_TRACE_CPU_MAX ? (uint32_t)x : LB_TRACE_CPU_NONE;
	ct->at = p;
	ct->len = (size_t)(e - p);
	return 1;
}

/* Read the part before the timestamp, from the right: [p, e). Returns 1 for
 * trace-cmd's latency form (CPU and flags in one token), else 0. */
static int parse_prefix(const char *p, const char *e, struct lb_trace_event *ev,
			struct cpu_text *ct)
{
	int latency = 0;
	const char *t, *d;
	uint32_t v;

	ev->cpu = LB_TRACE_CPU_NONE;
	ct->at = NULL;
	ct->len = 0;
	ev->pid = -1;
	ev->flag_cols = 0;
	while (e > p && e[-1] == ' ')
		e--;
	t = e;
	while (t > p && t[-1] != ' ')
		t--;
	/* flags "d..1" / "d..1." after "[cpu]" */
	if ((e - t == 4 || e - t == 5) && t[0] != '[') {
		const char *q = t;
		while (q < e && is_flag(*q))
			q++;
		if (q == e && !is_digit(t[0])) {
			const char *u = t;
			while (u > p && u[-1] == ' ')
				u--;
			if (u > p && u[-1] == ']') {
				ev->flag_cols = (uint8_t)(e - t);
				e = u;
				t = e;
				while (t > p && t[-1] != ' ')
					t--;
			}
		}
	}
	if (e - t >= 3 && t[0] == '[' && e[-1] == ']' && cpu_number(t + 1, e - 1, ev, ct)) {
		e = t;
	} else {
		/* trace-cmd latency form: "1d..1" (CPU then flags) */
		d = t;
		while (d < e && is_digit(*d))
			d++;
		if (d > t && (e - d == 4 || e - d == 5) && !is_digit(*d)) {
			const char *q = d;
			while (q < e && is_flag(*q))
				q++;
			if (q == e && cpu_number(t, d, ev, ct)) {
				ev->flag_cols = (uint8_t)(e - d);
				e = t;
				latency = 1;
			}
		}
	}
	while (e > p && e[-1] == ' ')
		e--;
	/* tgid column "(  1234)" or "(-------)" */
	if (e > p && e[-1] == ')') {
		const char *q = e - 1;
		while (q > p && *q != '(')
			q--;
		if (*q == '(') {
			e = q;
			while (e > p && e[-1] == ' ')
				e--;
		}
	}
	/* TASK-PID, "COMM PID" or "COMM PID/TID": the last number */
	d = e;
	while (d > p && is_digit(d[-1]))
		d--;
	if (d < e && d > p && (d[-1] == '-' || d[-1] == ' ' || d[-1] == '/') &&
	    all_digits(d, e, &v))
		ev->pid = (int32_t)v;
	else if (d < e && d == p && all_digits(d, e, &v))
		ev->pid = (int32_t)v; /* perf "PID [CPU]" with no comm */
	return latency;
}

static int find_sub(const char *p, const char *e, const char *s)
{
	size_t n = strlen(s);

	for (; (size_t)(e - p) >= n; p++)
		if (*p == *s && !memcmp(p, s, n))
			return 1;
	return 0;
}

/* "CPU:N [LOST M EVENTS]", "CPU:N [M EVENTS DROPPED]", "CPU:N [EVENTS DROPPED]" */
static int parse_lost(const char *p, const char *e, uint64_t *lost)
{
	const char *c = NULL, *q;

	for (q = p; e - q >= 4; q++)
		if (q[0] == 'C' && q[1] == 'P' && q[2] == 'U' && q[3] == ':') {
			c = q + 4;
			break;
		}
	if (!c || c == e || !is_digit(*c))
		return 0;
	while (c < e && is_digit(*c))
		c++;
	if (e - c < 2 || c[0] != ' ' || c[1] != '[')
		return 0;
	c += 2;
	if (!find_sub(c, e, "EVENTS"))
		return 0;
	if (!find_sub(c, e, "LOST") && !find_sub(c, e, "DROPPED"))
		return 0;
	if (e - c >= 5 && !memcmp(c, "LOST ", 5))
		c += 5;
	*lost = 0;
	while (c < e && is_digit(*c))
		*lost = *lost * 10 + (uint64_t)(*c++ - '0');
	return 1;
}

static int is_header(const char *p, const char *e)
{
	const char *t = e;

	/* "cpus=N", possibly after a trace-cmd instance name */
	while (t > p && t[-1] != ' ')
		t--;
	if (e - t > 5 && !memcmp(t, "cpus=", 5)) {
		const char *q = t + 5;
		while (q < e && is_digit(*q))
			q++;
		if (q == e)
			return 1;
	}
	if (e - p >= 9 && !memcmp(p, "version =", 9))
		return 1;
	/* trace-cmd: "CPU 3 is empty" */
	if (e - p > 9 && !memcmp(p, "CPU ", 4) && !memcmp(e - 9, " is empty", 9))
		return 1;
	return 0;
}

static enum lb_trace_line parse_line(const char *line, size_t len, struct lb_trace_event *ev,
				     uint64_t *lost, struct cpu_text *ct)
{
	const char *p = line, *e = line + len;
	const char *c;

	while (e > p && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' ||
			 e[-1] == '\t'))
		e--;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if (p == e || *p == '#')
		return LB_TRACE_LINE_COMMENT;

	/* Find "TIMESTAMP: [EXTRA] NAME:" */
	for (c = p; (c = memchr(c, ':', (size_t)(e - c))) != NULL; c++) {
		const char *ts, *q, *n0, *n1, *sys0 = NULL, *sys1 = NULL;
		int kind, pad;

		if (c + 1 >= e || c[1] != ' ' || c == p || !is_digit(c[-1]))
			continue;
		ts = c;
		while (ts > p && (is_digit(ts[-1]) || ts[-1] == '.'))
			ts--;
		if (ts > p && ts[-1] != ' ')
			continue;
		if (parse_ts(ts, c, &ev->ts_ns))
			continue;
		q = c + 1;
		while (q < e && *q == ' ')
			q++;
		/* perf's period count, or trace-cmd's "(+N)" time diff */
		if (q < e && (is_digit(*q) || *q == '(')) {
			const char *r = q;
			while (r < e && *r != ' ')
				r++;
			if (r < e && (is_digit(*q) || r[-1] == ')')) {
				int ok = 1;
				if (*q != '(')
					for (const char *s = q; s < r; s++)
						ok &= is_digit(*s);
				if (ok) {
					q = r;
					while (q < e && *q == ' ')
						q++;
				}
			}
		}
		n0 = q;
		while (q < e && is_name(*q))
			q++;
		if (q < e && *q == ':' && q + 1 < e && is_name(q[1]) && q > n0) {
			sys0 = n0;
			sys1 = q;
			n0 = ++q;
			while (q < e && is_name(*q))
				q++;
		}
		n1 = q;
		if (n1 == n0 || q >= e || *q != ':' ||
		    (q + 1 < e && q[1] != ' '))
			continue;
		/* It is an event line. */
		kind = event_kind(n0, (size_t)(n1 - n0));
		if (kind < 0 && is_sched_switch(n0, n1))
			kind = LB_TRACE_SCHED_SWITCH;
		if (kind < 0 || (sys0 && !is_system(sys0, sys1, kind == LB_TRACE_SCHED_SWITCH
								 ? "sched" : "kmem")))
			return LB_TRACE_LINE_OTHER;
		ev->kind = (uint8_t)kind;
		q++;
		pad = 0;
		while (q < e && *q == ' ') {
			q++;
			pad++;
		}
		if (sys0)
			ev->format = LB_TRACE_FMT_PERF;
		else if (pad > 1)
			ev->format = LB_TRACE_FMT_TRACE_CMD;
		else
			ev->format = LB_TRACE_FMT_FTRACE;
		if (parse_prefix(p, ts, ev, ct) && !sys0)
			ev->format = LB_TRACE_FMT_TRACE_CMD;
		ev->line = 0;
		ev->id = 0;
		ev->flags = ct->len && ev->cpu == LB_TRACE_CPU_NONE ? LB_TRACE_EV_CPU_RANGE : 0;
		if (kind == LB_TRACE_SCHED_SWITCH)
			return sched_fields(q, e, ev) ? LB_TRACE_LINE_UNKNOWN : LB_TRACE_LINE_SCHED;
		if (lb_trace_parse_fields(q, e, ev))
			return LB_TRACE_LINE_UNKNOWN;
		return LB_TRACE_LINE_EVENT;
	}
	if (parse_lost(p, e, lost))
		return LB_TRACE_LINE_LOST;
	if (is_header(p, e))
		return LB_TRACE_LINE_COMMENT;
	return LB_TRACE_LINE_UNKNOWN;
}

enum lb_trace_line lb_trace_parse_line(const char *line, size_t len,
				       struct lb_trace_event *ev, uint64_t *lost)
{
	struct cpu_text ct;

	return parse_line(line, len, ev, lost, &ct);
}

size_t lb_trace_cpu_text(const char *line, size_t len, const char **at)
{
	struct lb_trace_event ev;
	struct cpu_text ct;
	uint64_t lost = 0;
	enum lb_trace_line kind = parse_line(line, len, &ev, &lost, &ct);

	if (kind != LB_TRACE_LINE_EVENT && kind != LB_TRACE_LINE_SCHED)
		ct.len = 0;
	*at = ct.len ? ct.at : line;
	return ct.len;
}
