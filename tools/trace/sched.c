/* SPDX-License-Identifier: MIT */
/*
 * The fields of a sched_switch line: which task leaves the CPU and which
 * runs next, reduced to what idleness needs (is either the idle task, pid
 * 0?). Two forms (see trace.h):
 *
 *   key=value  "prev_comm=bash prev_pid=1234 prev_prio=120 prev_state=S ==>
 *               next_comm=swapper/1 next_pid=0 next_prio=120"
 *   COMM:PID   "bash:1234 [120] S ==> swapper/1:0 [120]", or on 2.6.3x
 *              "task bash:1234 [120] (S) ==> swapper:0 [140]"
 *
 * A task name may hold spaces, colons and '=' (up to 15 bytes), so the
 * key=value pids are the last tokens "prev_pid=" and "next_pid=" that start
 * after a space on their side of " ==> ", and a COMM:PID pid is the number after the last colon of
 * its side (neither the priority nor the state holds one).
 */
#include "trace.h"

#include <string.h>

static int is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

/* DIGITS (1 to 9 of them) from p, ended by a space or e: 0 with *pid and
 * *after set, else -1. */
static int pid_at(const char *p, const char *e, int32_t *pid, const char **after)
{
	int32_t v = 0;
	const char *q = p;

	while (q < e && is_digit(*q) && q - p < 9) { /* 9 digits fit an int32_t */
		v = v * 10 + (*q - '0');
		q++;
	}
	if (q == p || (q < e && *q != ' ')) /* a tenth digit is not a space */
		return -1;
	*pid = v;
	*after = q;
	return 0;
}

/* The last token KEY... in [p, e) that follows a space (or starts it): the
 * last, as the name before it might hold such a token. NULL if none. */
static const char *key_at(const char *p, const char *e, const char *key)
{
	size_t n = strlen(key);
	const char *found = NULL;

	for (const char *q = p; (size_t)(e - q) >= n; q++)
		if ((q == p || q[-1] == ' ') && !memcmp(q, key, n))
			found = q + n;
	return found;
}

/* KEY=PID: its pid. */
static int key_pid(const char *p, const char *e, const char *key, int32_t *pid)
{
	const char *at = key_at(p, e, key), *after;

	return at ? pid_at(at, e, pid, &after) : -1;
}

/* "COMM:PID" then a space or the end, the last colon of [p, e). */
static int comm_pid(const char *p, const char *e, int32_t *pid)
{
	const char *c = e, *after;

	while (c > p && c[-1] != ':')
		c--;
	if (c == p || c - 1 == p) /* no colon, or no name before it */
		return -1;
	return pid_at(c, e, pid, &after);
}

static const char *find(const char *p, const char *e, const char *s)
{
	size_t n = strlen(s);

	for (; (size_t)(e - p) >= n; p++)
		if (*p == *s && !memcmp(p, s, n))
			return p;
	return NULL;
}

int lb_trace_parse_sched(const char *p, const char *end, struct lb_trace_event *ev)
{
	const char *arrow = find(p, end, " ==> ");
	int32_t prev, next;

	while (p < end && *p == ' ')
		p++;
	if (!arrow || arrow < p)
		return -1;
	if (key_at(p, arrow, "prev_pid=")) {
		if (key_pid(p, arrow, "prev_pid=", &prev) != 0 ||
		    key_pid(arrow + 5, end, "next_pid=", &next) != 0)
			return -1;
	} else if (comm_pid(p, arrow, &prev) != 0 || comm_pid(arrow + 5, end, &next) != 0) {
		return -1;
	}
	if (prev == 0)
		ev->flags |= LB_TRACE_EV_IDLE_PREV;
	if (next == 0)
		ev->flags |= LB_TRACE_EV_IDLE_NEXT;
	return 0;
}
