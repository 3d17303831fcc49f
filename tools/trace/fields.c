/* SPDX-License-Identifier: MIT */
/*
 * The fields of a kmem:mm_page_* line: "page=P pfn=N order=K migratetype=M
 * gfp_flags=F percpu_refill=R cold=C cpu=X". Only pfn and order are required;
 * unknown keys and page= (hashed "00000000a1b2c3d4", raw "ffffea0001234567",
 * pfn-valued "0x1234" from perf/trace-cmd, "(null)", "(____ptrval____)") are
 * skipped.
 */
#include "trace.h"

#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "0x" hex or decimal, filling [p, e) exactly. *hex says which. */
static int parse_num(const char *p, const char *e, uint64_t *out, int *hex)
{
	uint64_t v = 0;

	*hex = 0;
	if (e - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		p += 2;
		if (e - p > 16)
			return -1;
		*hex = 1;
		for (; p < e; p++) {
			int d = hexval(*p);
			if (d < 0)
				return -1;
			v = v << 4 | (uint64_t)d;
		}
		*out = v;
		return 0;
	}
	if (p == e)
		return -1;
	for (; p < e; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int parse_int(const char *p, const char *e, long *out)
{
	uint64_t v;
	int neg = 0, hex;

	if (p < e && *p == '-') {
		neg = 1;
		p++;
	}
	if (parse_num(p, e, &v, &hex) || hex || v > 1000000)
		return -1;
	*out = neg ? -(long)v : (long)v;
	return 0;
}

static int token_is(const char *p, const char *e, const char *s)
{
	size_t n = strlen(s);
	return (size_t)(e - p) == n && !memcmp(p, s, n);
}

int lb_trace_gfp_may_sleep(const char *p, const char *e)
{
	/* Flags (or masks holding one) that let an allocation enter direct
	 * reclaim, i.e. sleep: __GFP_DIRECT_RECLAIM (4.4+, in __GFP_RECLAIM),
	 * __GFP_WAIT before it, printed "GFP_WAIT" by 2.6.3x kernels. */
	static const char *const sleepers[] = {
		"GFP_KERNEL", "GFP_KERNEL_ACCOUNT", "GFP_USER", "GFP_HIGHUSER",
		"GFP_HIGHUSER_MOVABLE", "GFP_NOFS", "GFP_NOIO", "GFP_TEMPORARY",
		"GFP_TRANSHUGE", "__GFP_RECLAIM", "__GFP_DIRECT_RECLAIM",
		"__GFP_WAIT", "GFP_WAIT",
	};

	while (p < e) {
		const char *t = p;
		while (t < e && *t != '|')
			t++;
		for (size_t i = 0; i < sizeof sleepers / sizeof sleepers[0]; i++)
			if (token_is(p, t, sleepers[i]))
				return 1;
		p = t < e ? t + 1 : t;
	}
	return 0;
}

static int has_token(const char *p, const char *e, const char *name)
{
	while (p < e) {
		const char *t = p;
		while (t < e && *t != '|')
			t++;
		if (token_is(p, t, name))
			return 1;
		p = t < e ? t + 1 : t;
	}
	return 0;
}

static void parse_gfp(const char *p, const char *e, struct lb_trace_event *ev)
{
	uint64_t v;
	int hex;

	if (p == e || token_is(p, e, "none")) {
		ev->gfp_form = LB_TRACE_GFP_NONE;
		ev->may_sleep = 0;
	} else if (!parse_num(p, e, &v, &hex) && hex) {
		ev->gfp_form = LB_TRACE_GFP_HEX;
		ev->gfp = v;
		ev->may_sleep = v ? -1 : 0; /* bit positions change across kernels */
		if (!v)
			ev->gfp_form = LB_TRACE_GFP_NONE;
	} else {
		ev->gfp_form = LB_TRACE_GFP_SYMBOLIC;
		ev->may_sleep = (int8_t)lb_trace_gfp_may_sleep(p, e);
		if (has_token(p, e, "__GFP_TRYLOCK"))
			ev->flags |= LB_TRACE_EV_TRYLOCK;
	}
}

void lb_trace_clear_fields(struct lb_trace_event *ev)
{
	ev->gfp = 0;
	ev->gfp_form = LB_TRACE_GFP_ABSENT;
	ev->may_sleep = -1;
	ev->migratetype = -1;
	ev->percpu_refill = -1;
	ev->failed = 0;
}

int lb_trace_parse_fields(const char *p, const char *end, struct lb_trace_event *ev)
{
	int have_pfn = 0, have_order = 0;
	uint64_t pfn = 0;
	long v;

	lb_trace_clear_fields(ev);
	while (p < end) {
		const char *t, *eq;
		size_t kl;

		while (p < end && *p == ' ')
			p++;
		t = p;
		while (t < end && *t != ' ')
			t++;
		eq = memchr(p, '=', (size_t)(t - p));
		if (!eq) {
			p = t;
			continue;
		}
		kl = (size_t)(eq - p);
		eq++;
		if (kl == 3 && !memcmp(p, "pfn", 3)) {
			int hex;
			if (parse_num(eq, t, &pfn, &hex))
				return -1;
			have_pfn = 1;
			if (hex)
				ev->flags |= LB_TRACE_EV_PFN_HEX;
		} else if (kl == 5 && !memcmp(p, "order", 5)) {
			if (parse_int(eq, t, &v) || v < 0 || v > LB_TRACE_MAX_ORDER)
				return -1;
			ev->order = (uint8_t)v;
			have_order = 1;
		} else if (kl == 11 && !memcmp(p, "migratetype", 11)) {
			if (!parse_int(eq, t, &v) && v >= -1 && v < 127)
				ev->migratetype = (int8_t)v;
		} else if (kl == 9 && !memcmp(p, "gfp_flags", 9)) {
			parse_gfp(eq, t, ev);
		} else if (kl == 13 && !memcmp(p, "percpu_refill", 13)) {
			if (!parse_int(eq, t, &v))
				ev->percpu_refill = v != 0;
		}
		p = t;
	}
	if (!have_pfn || !have_order)
		return -1;
	ev->pfn = pfn;
	if (ev->kind == LB_TRACE_ALLOC || ev->kind == LB_TRACE_ALLOC_ZONE_LOCKED) {
		/* No page: the kernel prints pfn 0 (page "(null)" or zeros);
		 * a reader evaluating the raw field may show the -1 stored. */
		if (pfn == 0 || pfn == UINT64_MAX) {
			ev->failed = 1;
			ev->pfn = 0;
		}
	}
	return 0;
}
