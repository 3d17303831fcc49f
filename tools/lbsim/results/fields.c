/* SPDX-License-Identifier: MIT */
/* The result fields' descriptions, from LBS_RESULT_FIELDS, and their values. */
#include "fields.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "result.h"

/* The CALC fields. */
static uint64_t calc_schema(const struct lbs_result *r)
{
	(void)r;
	return LBS_SCHEMA;
}

static uint64_t calc_lag_max(const struct lbs_result *r)
{
	return r->max_lag_ns; /* JSON's lag_ns.max: the lag's maximum is tracked apart */
}

static uint64_t calc_bg_cpu_ns(const struct lbs_result *r)
{
	return r->acceptor_cpu_ns + r->releaser_cpu_ns;
}

static uint64_t calc_accept_work_ns(const struct lbs_result *r)
{
	return r->boot_accept_vcpu_ns + r->vcpu_accept_ns + r->wait_ns + calc_bg_cpu_ns(r);
}

#define TAB(rank, head, sub, unit, decimals) { rank, head, sub, LBS_COL_##unit, decimals, 0, 0 }
#define RTAB(rank, head, sub, unit, decimals) { rank, head, sub, LBS_COL_##unit, decimals, 1, 0 }
#define WTAB(rank, head, sub, unit, decimals) { rank, head, sub, LBS_COL_##unit, decimals, 0, 1 }
#define NOTAB { 0, NULL, NULL, LBS_COL_NONE, 0, 0, 0 }

#define STORED(name) offsetof(struct lbs_result, name), NULL
#define WHERE_STR(name) STORED(name)
#define WHERE_NAME(name) STORED(name)
#define WHERE_MSG(name) STORED(name)
#define WHERE_U64(name) STORED(name)
#define WHERE_UINT(name) STORED(name)
#define WHERE_BOOL(name) STORED(name)
#define WHERE_SHARE(name) STORED(name)
#define WHERE_INCONS(name) STORED(name)
#define WHERE_CALC(name) 0, calc_##name

#define LBS_CSV 1
#define LBS_NOCSV 0
#define FIELD(type, name, json, scope, csv, synth, trace)                                  \
	{ #name, json, LBS_##csv, LBS_FT_##type, LBS_IN_##scope, WHERE_##type(name), { synth, trace } },

const struct lbs_field lbs_fields[] = { LBS_RESULT_FIELDS(FIELD) };
const size_t lbs_nfields = sizeof lbs_fields / sizeof lbs_fields[0];

enum lbs_mode lbs_result_mode(const struct lbs_result *r)
{
	return r->is_trace ? LBS_MODE_TRACE : LBS_MODE_SYNTH;
}

int lbs_field_in_json(const struct lbs_field *f, const struct lbs_result *r)
{
	if (!f->json)
		return 0;
	if (f->scope == LBS_IN_ANY)
		return 1;
	return (f->scope == LBS_IN_TRACE) == (r->is_trace != 0);
}

int lbs_field_wall_clock(const struct lbs_field *f)
{
	static const char *const wall[] = { "init_ns", "replay_wall_ns", "events_per_sec" };

	for (size_t i = 0; i < sizeof wall / sizeof wall[0]; i++)
		if (strcmp(f->name, wall[i]) == 0)
			return 1;
	return 0;
}

int lbs_results_same(const struct lbs_result *a, const struct lbs_result *b,
		     const struct lbs_field **differs)
{
	for (size_t i = 0; i < lbs_nfields; i++) {
		const struct lbs_field *f = &lbs_fields[i];
		const char *ta = lbs_field_text(f, a), *tb = lbs_field_text(f, b);
		int same = 1;

		if (lbs_field_wall_clock(f))
			continue;
		if (ta || tb)
			same = ta && tb && strcmp(ta, tb) == 0;
		for (size_t k = 0; same && !ta && k < lbs_field_len(f); k++)
			same = lbs_field_u64(f, a, k) == lbs_field_u64(f, b, k);
		if (!same) {
			if (differs)
				*differs = f;
			return 0;
		}
	}
	return 1;
}

size_t lbs_field_len(const struct lbs_field *f)
{
	return f->type == LBS_FT_INCONS ? LB_TRACE_NINCONS : 1;
}

const char *lbs_field_part(const struct lbs_field *f, size_t k)
{
	if (f->type != LBS_FT_INCONS || k >= LB_TRACE_NINCONS)
		return NULL;
	return lb_trace_incons_name((enum lb_trace_incons)k);
}

void lbs_field_csv_name(const struct lbs_field *f, size_t k, char *buf, size_t len)
{
	const char *part = lbs_field_part(f, k);
	size_t n = 0;

	for (const char *c = f->json; *c && n + 1 < len; c++)
		buf[n++] = *c == '.' ? '_' : *c;
	buf[n] = '\0';
	if (part)
		snprintf(buf + n, len - n, "_%s", part);
}

uint64_t lbs_field_u64(const struct lbs_field *f, const struct lbs_result *r, size_t k)
{
	const char *p = (const char *)r + f->offset;
	uint64_t v = 0;
	unsigned u;
	int b;

	switch (f->type) {
	case LBS_FT_U64:
	case LBS_FT_SHARE:
		memcpy(&v, p, sizeof v);
		break;
	case LBS_FT_INCONS:
		if (k < LB_TRACE_NINCONS)
			memcpy(&v, p + k * sizeof v, sizeof v);
		break;
	case LBS_FT_UINT:
		memcpy(&u, p, sizeof u);
		v = u;
		break;
	case LBS_FT_BOOL:
		memcpy(&b, p, sizeof b);
		v = b != 0;
		break;
	case LBS_FT_CALC:
		v = f->calc(r);
		break;
	case LBS_FT_STR:
	case LBS_FT_NAME:
	case LBS_FT_MSG:
		break;
	}
	return v;
}

void lbs_field_number(char *buf, size_t len, const struct lbs_field *f,
		      const struct lbs_result *r, size_t k)
{
	uint64_t v = lbs_field_u64(f, r, k);

	if (f->type == LBS_FT_SHARE)
		snprintf(buf, len, "%" PRIu64 ".%06" PRIu64, v / LBS_PPM, v % LBS_PPM);
	else
		snprintf(buf, len, "%" PRIu64, v);
}

const char *lbs_field_text(const struct lbs_field *f, const struct lbs_result *r)
{
	const char *p = (const char *)r + f->offset, *s;

	switch (f->type) {
	case LBS_FT_STR:
		memcpy(&s, p, sizeof s);
		return s ? s : "";
	case LBS_FT_NAME:
	case LBS_FT_MSG:
		return p;
	default:
		return NULL;
	}
}

/* The columns in rank order: the terminal's (show 0), with its wide ones
 * (1), or the report's (2: all). */
static size_t columns(enum lbs_mode m, int show, const struct lbs_field **cols, size_t max)
{
	size_t n = 0;

	for (unsigned rank = 1;; rank++) {
		size_t i;
		for (i = 0; i < lbs_nfields && lbs_fields[i].col[m].rank != rank; i++)
			;
		if (i == lbs_nfields)
			return n;
		if ((lbs_fields[i].col[m].report_only && show < 2) ||
		    (lbs_fields[i].col[m].wide_only && show < 1))
			continue;
		if (n < max)
			cols[n] = &lbs_fields[i];
		n++;
	}
}

size_t lbs_table_columns(enum lbs_mode m, int wide, const struct lbs_field **cols, size_t max)
{
	return columns(m, wide ? 1 : 0, cols, max);
}

size_t lbs_report_columns(enum lbs_mode m, const struct lbs_field **cols, size_t max)
{
	return columns(m, 2, cols, max);
}

const struct lbs_field *lbs_field_named(const char *name)
{
	for (size_t i = 0; i < lbs_nfields; i++)
		if (strcmp(lbs_fields[i].name, name) == 0)
			return &lbs_fields[i];
	return NULL;
}

void lbs_field_cell(const struct lbs_field *f, enum lbs_mode m, const struct lbs_result *r,
		    char *buf, size_t len)
{
	const struct lbs_column *c = &f->col[m];
	const char *text = lbs_field_text(f, r);
	uint64_t v = lbs_field_u64(f, r, 0);

	if (len)
		buf[0] = '\0';
	switch (c->unit) {
	case LBS_COL_NONE:
		break;
	case LBS_COL_TEXT:
		if (text)
			snprintf(buf, len, "%s", text);
		else
			snprintf(buf, len, "%" PRIu64, v);
		break;
	case LBS_COL_INT:
		snprintf(buf, len, "%" PRIu64, v);
		break;
	case LBS_COL_TIME:
		lbs_duration_text(buf, len, v, c->decimals);
		break;
	case LBS_COL_MIB:
		lbs_scaled_text(buf, len, v, LBS_MIB, c->decimals);
		break;
	case LBS_COL_S:
		lbs_scaled_text(buf, len, v, 1e9, c->decimals);
		break;
	case LBS_COL_MS:
		lbs_scaled_text(buf, len, v, 1e6, c->decimals);
		break;
	case LBS_COL_US:
		lbs_scaled_text(buf, len, v, 1e3, c->decimals);
		break;
	case LBS_COL_PCT:
		lbs_scaled_text(buf, len, v, (double)LBS_PPM / 100.0, c->decimals);
		break;
	}
}
