/* SPDX-License-Identifier: MIT */
/* Tests of lbsim's field list (fields.h): every result field reaches the
 * JSON and the CSV with its value, the tables' columns are well formed,
 * and the formatters. */
#include "harness.h"
#include "../tools/lbsim/results/criteria.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/lbsim/output/csv.h"
#include "../tools/lbsim/results/fields.h"
#include "../tools/lbsim/output/output.h"
#include "test_lbsim_json.h"

static char *capture_json(const struct lbs_result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	lbs_print_json(f, r, 1);
	fclose(f);
	return buf;
}

static char *capture_csv(const struct lbs_result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	lbs_print_csv(f, r, 1);
	fclose(f);
	return buf;
}

static const char *const words[] = {"alpha", "beta", "gamma", "delta", "epsilon"};

/* A value no other field of the list has: the field's index and part. */
static uint64_t distinct(size_t i, size_t k)
{
	return UINT64_C(1000003) * (i + 1) + k;
}

/* r with every stored field set to a value of its own (BOOL: true), as the
 * given kind of run. */
static void fill(struct lbs_result *r, int is_trace)
{
	memset(r, 0, sizeof *r);
	r->is_trace = is_trace;
	for (size_t i = 0; i < lbs_nfields; i++) {
		const struct lbs_field *f = &lbs_fields[i];
		char *p = (char *)r + f->offset;
		uint64_t v = distinct(i, 0);
		unsigned u = (unsigned)v;
		int one = 1;
		const char *s = words[i % 5];

		switch (f->type) {
		case LBS_FT_U64: memcpy(p, &v, sizeof v); break;
		case LBS_FT_SHARE: memcpy(p, &v, sizeof v); break;
		case LBS_FT_UINT: memcpy(p, &u, sizeof u); break;
		case LBS_FT_BOOL: memcpy(p, &one, sizeof one); break;
		case LBS_FT_STR: memcpy(p, &s, sizeof s); break;
		case LBS_FT_NAME:
			snprintf(p, LBS_NAME_MAX, "%.6s%u", s, (unsigned)(i % 1000));
			break;
		case LBS_FT_MSG:
			snprintf(p, LBS_CHECK_MAX, "%.6s%u", s, (unsigned)(i % 1000));
			break;
		case LBS_FT_INCONS:
			for (size_t k = 0; k < lbs_field_len(f); k++) {
				v = distinct(i, k);
				memcpy(p + k * sizeof v, &v, sizeof v);
			}
			break;
		case LBS_FT_CALC: break;
		}
	}
}

/* The value's text as JSON and CSV print it (JSON: strings quoted). */
static void expect_text(const struct lbs_field *f, const struct lbs_result *r, size_t k,
			int json, char *buf, size_t len)
{
	const char *s = lbs_field_text(f, r);
	if (s)
		snprintf(buf, len, json ? "\"%s\"" : "%s", s);
	else if (f->type == LBS_FT_BOOL && json)
		snprintf(buf, len, "%s", lbs_field_u64(f, r, k) ? "true" : "false");
	else if (f->type == LBS_FT_SHARE) /* millionths, as a fraction */
		snprintf(buf, len, "%llu.%06llu", (unsigned long long)lbs_field_u64(f, r, k) / 1000000u,
			 (unsigned long long)lbs_field_u64(f, r, k) % 1000000u);
	else
		snprintf(buf, len, "%llu", (unsigned long long)lbs_field_u64(f, r, k));
}

/* The line of the JSON object holding member key ("group.key" in the
 * group's line): where "key": follows, or NULL. */
static const char *json_member(const char *json, const char *group, size_t glen,
			       const char *key)
{
	char pat[96];
	const char *line = json, *end;

	if (group) {
		snprintf(pat, sizeof pat, "\n    \"%.*s\": {", (int)glen, group);
		line = strstr(json, pat);
		if (!line)
			return NULL;
		end = strchr(line + 1, '\n');
		snprintf(pat, sizeof pat, "\"%s\": ", key);
		const char *at = strstr(line, pat);
		return at && (!end || at < end) ? at + strlen(pat) : NULL;
	}
	snprintf(pat, sizeof pat, "\n    \"%s\": ", key);
	line = strstr(json, pat);
	return line ? line + strlen(pat) : NULL;
}

static void fail_field(const char *what, const char *name, int is_trace)
{
	char m[160];
	snprintf(m, sizeof m, "%s: %s (%s)", what, name, is_trace ? "trace" : "synthetic");
	lbt_fail(__FILE__, __LINE__, m);
}

/* Every field with a JSON key in r's scope is in r's object with its value,
 * the others not; the object has no member the list does not give. */
static void check_json(const struct lbs_result *r)
{
	char *json = capture_json(r);
	size_t members = 0;
	const char *prev = NULL;
	size_t prev_len = 0;

	REQUIRE(json);
	CHECK(json_valid(json));
	for (size_t i = 0; i < lbs_nfields; i++) {
		const struct lbs_field *f = &lbs_fields[i];
		const char *key = f->json, *group = NULL, *dot;
		size_t glen = 0;

		if (!f->json)
			continue;
		dot = strchr(key, '.');
		if (f->type == LBS_FT_INCONS) {
			group = key;
			glen = strlen(key);
		} else if (dot) {
			group = key;
			glen = (size_t)(dot - key);
			key = dot + 1;
		}
		for (size_t k = 0; k < lbs_field_len(f); k++) {
			const char *member = f->type == LBS_FT_INCONS ? lbs_field_part(f, k) : key;
			const char *at = json_member(json, group, glen, member);
			char want[LBS_CHECK_MAX + 8];

			if (!lbs_field_in_json(f, r)) {
				if (at)
					fail_field("in JSON out of scope", f->name, r->is_trace);
				continue;
			}
			expect_text(f, r, k, 1, want, sizeof want);
			if (!at)
				fail_field("missing from JSON", f->name, r->is_trace);
			else if (strncmp(at, want, strlen(want)) != 0 ||
				 strchr(",}\n", at[strlen(want)]) == NULL)
				fail_field("wrong value in JSON", f->name, r->is_trace);
		}
		if (!lbs_field_in_json(f, r))
			continue;
		/* a line per ungrouped field, one per run of a group */
		if (!group || !prev || prev_len != glen || strncmp(prev, group, glen) != 0)
			members++;
		prev = group;
		prev_len = glen;
	}
	CHECK_EQ(count_str(json, "\n    \""), members);
	free(json);
}

/* Every field with a CSV column (an INCONS field, one per kind) is in the
 * header, and the row has its value under it; nothing else is. */
static void check_csv(const struct lbs_result *r)
{
	char *csv = capture_csv(r), *row, *cols[256], *vals[256];
	size_t ncol = 0, nval = 0, want_cols = 0;

	REQUIRE(csv);
	row = strchr(csv, '\n');
	REQUIRE(row);
	*row++ = '\0';
	REQUIRE(strchr(row, '\n'));
	*strchr(row, '\n') = '\0';
	for (char *s = strtok(csv, ","); s && ncol < 256; s = strtok(NULL, ","))
		cols[ncol++] = s;
	for (char *s = strtok(row, ","); s && nval < 256; s = strtok(NULL, ","))
		vals[nval++] = s;
	CHECK_EQ(nval, ncol);
	for (size_t i = 0; i < lbs_nfields; i++) {
		const struct lbs_field *f = &lbs_fields[i];
		if (!f->csv)
			continue;
		for (size_t k = 0; k < lbs_field_len(f); k++, want_cols++) {
			char name[96], want[LBS_CHECK_MAX + 8];
			size_t c;

			lbs_field_csv_name(f, k, name, sizeof name);
			for (c = 0; c < ncol && strcmp(cols[c], name) != 0; c++)
				;
			expect_text(f, r, k, 0, want, sizeof want);
			if (c == ncol)
				fail_field("missing from CSV", f->name, r->is_trace);
			else if (c >= nval || strcmp(vals[c], want) != 0)
				fail_field("wrong value in CSV", f->name, r->is_trace);
		}
	}
	CHECK_EQ(ncol, want_cols);
	free(csv);
}

/* The test the list is for: a stored field the JSON or the CSV leaves out
 * (or shows another's value for) fails here. */
TEST(fields_every_result_in_json_and_csv)
{
	struct lbs_result r;

	for (size_t i = 0; i < lbs_nfields; i++) {
		const struct lbs_field *f = &lbs_fields[i];
		if (f->type == LBS_FT_CALC)
			continue;
		if (!f->json)
			fail_field("no JSON key", f->name, 0);
		if (!f->csv)
			fail_field("no CSV column", f->name, 0);
	}
	for (int t = 0; t < 2; t++) {
		fill(&r, t);
		check_json(&r);
		check_csv(&r);
	}
}

static size_t stored_size(const struct lbs_field *f)
{
	switch (f->type) {
	case LBS_FT_STR: return sizeof(const char *);
	case LBS_FT_NAME: return LBS_NAME_MAX;
	case LBS_FT_MSG: return LBS_CHECK_MAX;
	case LBS_FT_U64: return sizeof(uint64_t);
	case LBS_FT_SHARE: return sizeof(uint64_t);
	case LBS_FT_UINT: return sizeof(unsigned);
	case LBS_FT_BOOL: return sizeof(int);
	case LBS_FT_INCONS: return LB_TRACE_NINCONS * sizeof(uint64_t);
	case LBS_FT_CALC: return 0;
	}
	return 0;
}

/* struct lbs_result is the list's members then is_trace and extra: a
 * member added by hand instead of in the list leaves a hole bigger than
 * padding between them. */
TEST(fields_cover_the_struct)
{
	size_t end = 0, stored = 0;

	for (size_t i = 0; i < lbs_nfields; i++) {
		const struct lbs_field *f = &lbs_fields[i];
		if (f->type == LBS_FT_CALC) {
			CHECK(f->calc != NULL);
			continue;
		}
		stored++;
		/* members follow the list's order, as the struct declares them */
		if (f->offset < end || f->offset - end >= sizeof(uint64_t))
			fail_field("not where the list puts it", f->name, 0);
		end = f->offset + stored_size(f);
	}
	CHECK(stored > 60);
	CHECK(offsetof(struct lbs_result, is_trace) >= end);
	CHECK(offsetof(struct lbs_result, is_trace) - end < sizeof(uint64_t));
}

/* Each table: ranks 1..n once each (the report's RTAB columns counted),
 * headings for all, at most LBS_MAXCOL in the terminal's, names (TEXT)
 * first and the check text last. */
TEST(fields_table_columns)
{
	for (int m = 0; m < LBS_NMODES; m++) {
		const struct lbs_field *cols[LBS_MAXCOL + 8];
		size_t ranked = 0, n = lbs_table_columns((enum lbs_mode)m, 1, cols, LBS_MAXCOL + 8);
		int names = 1;
		unsigned last = 0;

		for (size_t i = 0; i < lbs_nfields; i++)
			ranked += lbs_fields[i].col[m].rank != 0 && !lbs_fields[i].col[m].report_only;
		CHECK_EQ(n, ranked);
		REQUIRE(n >= 2 && n <= LBS_MAXCOL);
		for (size_t c = 0; c < n; c++) {
			const struct lbs_column *col = &cols[c]->col[m];
			CHECK(col->rank > last && !col->report_only); /* in order, the report's apart */
			last = col->rank;
			CHECK(col->head && col->sub && col->unit != LBS_COL_NONE);
			if (col->unit != LBS_COL_TEXT)
				names = 0;
			else if (!names && c + 1 < n)
				fail_field("a name column after numbers", cols[c]->name, m);
		}
		CHECK(strcmp(cols[n - 1]->name, "check") == 0);
		CHECK(cols[0]->col[m].unit == LBS_COL_TEXT);
	}
	/* a table asked for fewer columns than it has says how many it has */
	const struct lbs_field *two[2];
	CHECK(lbs_table_columns(LBS_MODE_SYNTH, 1, two, 2) > 2);
	CHECK(strcmp(two[0]->name, "policy") == 0);
	CHECK(lbs_report_columns(LBS_MODE_TRACE, two, 2) > 2);
	CHECK(strcmp(two[0]->name, "policy") == 0);
}

/* The report's table: every rank 1..n, the terminal's columns among its
 * own in the same order, names first, the check text last; the acceptance
 * at boot and in all in both modes. */
TEST(fields_report_columns)
{
	for (int m = 0; m < LBS_NMODES; m++) {
		const struct lbs_field *cols[64], *term[64];
		size_t ranked = 0, n = lbs_report_columns((enum lbs_mode)m, cols, 64);
		size_t nt = lbs_table_columns((enum lbs_mode)m, 1, term, 64), t = 0;
		int boot_acc = 0, total = 0;

		for (size_t i = 0; i < lbs_nfields; i++)
			ranked += lbs_fields[i].col[m].rank != 0;
		CHECK_EQ(n, ranked);
		REQUIRE(n > nt && n <= 64);
		for (size_t c = 0; c < n; c++) {
			const struct lbs_column *col = &cols[c]->col[m];
			CHECK_EQ(col->rank, c + 1);
			CHECK(col->head && col->sub && col->unit != LBS_COL_NONE);
			if (t < nt && cols[c] == term[t])
				t++;
			else
				CHECK(col->report_only);
			boot_acc |= strcmp(cols[c]->name, "boot_accept_vcpu_ns") == 0;
			total |= strcmp(cols[c]->name, "accept_work_ns") == 0;
		}
		CHECK_EQ(t, nt);
		CHECK(boot_acc && total);
		CHECK(cols[0]->col[m].unit == LBS_COL_TEXT);
		CHECK(strcmp(cols[n - 1]->name, "check") == 0);
	}
}

TEST(fields_named_and_accept_work)
{
	struct lbs_result r;
	const struct lbs_field *f = lbs_field_named("accept_work_ns");

	CHECK(lbs_field_named("no_such_field") == NULL);
	REQUIRE(f && f->type == LBS_FT_CALC && !f->json && !f->csv);
	CHECK(lbs_field_named("boot_accept_vcpu_ns") &&
	      strcmp(lbs_field_named("boot_accept_vcpu_ns")->json, "boot_accept_vcpu_ns") == 0);
	memset(&r, 0, sizeof r);
	r.boot_accept_vcpu_ns = 1;
	r.vcpu_accept_ns = 20;
	r.wait_ns = 300;
	r.acceptor_cpu_ns = 4000;
	r.releaser_cpu_ns = 50000;
	CHECK_EQ(lbs_field_u64(f, &r, 0), 54321);
}

/* Cells come from the list's units: the table shows the filled values. */
TEST(fields_table_cells)
{
	struct lbs_result r[1];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	fill(&r[0], 1);
	r[0].accept_calls = 4242;
	r[0].accepted_bytes = UINT64_C(3) << 19;    /* 1.5 MiB */
	r[0].lat_p99 = 12345;                        /* 12.35 µs: two decimals */
	r[0].lag_p99 = 2500000;                      /* 2.50 ms in the trace table */
	r[0].accept_cpu_ns = 2500000;                /* acc cpu 2.5 ms */
	r[0].bg_cpu_share = 253000;                  /* 25.3 % */
	r[0].stolen_ns = 7500000;                    /* 7.5 ms */
	snprintf(r[0].check, sizeof r[0].check, "ok");
	f = open_memstream(&buf, &len);
	REQUIRE(f);
	lbs_print_trace_table(f, r, 1, 1);
	fclose(f);
	CHECK(strstr(buf, " 4242 ") != NULL);
	CHECK(strstr(buf, " 1.5 ") != NULL);
	CHECK(strstr(buf, " 12.35 ") != NULL);
	CHECK(strstr(buf, " 2.50 ") != NULL);
	CHECK(strstr(buf, " 2.5 ") != NULL);
	CHECK(strstr(buf, " 25.3 ") != NULL);
	CHECK(strstr(buf, " 7.5 ") != NULL);
	CHECK(strstr(buf, "  ok\n") != NULL);
	CHECK(strstr(buf, "workload") == NULL); /* a synthetic-only column */
	free(buf);

	char cell[64] = "";
	const struct lbs_field *cols[LBS_MAXCOL];
	size_t n = lbs_table_columns(LBS_MODE_SYNTH, 1, cols, LBS_MAXCOL);
	r[0].virtual_time_ns = UINT64_C(3690000);
	for (size_t c = 0; c < n; c++)
		if (strcmp(cols[c]->name, "virtual_time_ns") == 0)
			lbs_field_cell(cols[c], LBS_MODE_SYNTH, &r[0], cell, sizeof cell);
	CHECK(strcmp(cell, "3.69 ms") == 0);
	lbs_field_cell(lbs_field_named("policy"), LBS_MODE_SYNTH, &r[0], cell, sizeof cell);
	CHECK(strcmp(cell, lbs_field_text(lbs_field_named("policy"), &r[0])) == 0);
}

TEST(fields_formatters)
{
	char b[32];

	lbs_bytes_text(b, sizeof b, UINT64_C(8706220032));
	CHECK(strcmp(b, "8.1 GiB") == 0);
	lbs_bytes_text(b, sizeof b, 512);
	CHECK(strcmp(b, "512 B") == 0);
	lbs_bytes_text(b, sizeof b, UINT64_C(16) << 30);
	CHECK(strcmp(b, "16.0 GiB") == 0);
	lbs_size_text(b, sizeof b, UINT64_C(16) << 30);
	CHECK(strcmp(b, "16 GiB") == 0);
	lbs_size_text(b, sizeof b, UINT64_C(3000) << 20);
	CHECK(strcmp(b, "3000 MiB") == 0);
	lbs_size_text(b, sizeof b, 0);
	CHECK(strcmp(b, "0 B") == 0);
	lbs_size_text(b, sizeof b, UINT64_C(2048) << 40);
	CHECK(strcmp(b, "2048 TiB") == 0);
	lbs_ns_text(b, sizeof b, UINT64_C(16411431000));
	CHECK(strcmp(b, "16.41 s") == 0);
	lbs_ns_text(b, sizeof b, 3690000);
	CHECK(strcmp(b, "3.69 ms") == 0);
	lbs_ns_text(b, sizeof b, 999999);
	CHECK(strcmp(b, "1000.00 µs") == 0); /* rounds, keeps the unit it reaches */
	lbs_duration_text(b, sizeof b, 1500, 1);
	CHECK(strcmp(b, "1.5 µs") == 0);
	lbs_scaled_text(b, sizeof b, UINT64_C(3) << 19, LBS_MIB, 1);
	CHECK(strcmp(b, "1.5") == 0);
	lbs_scaled_text(b, sizeof b, 12345, 1e3, 2);
	CHECK(strcmp(b, "12.35") == 0);
	lbs_bytes_text(b, sizeof b, UINT64_C(1) << 40);
	CHECK(strcmp(b, "1.0 TiB") == 0);
	lbs_duration_text(b, sizeof b, 850, 2);
	CHECK(strcmp(b, "0.85 µs") == 0); /* tables: µs at least */
}

static int value_is(enum lbs_unit u, double v, const char *want)
{
	char buf[32];
	lbs_value_text(buf, sizeof buf, u, v);
	if (strcmp(buf, want) == 0)
		return 1;
	fprintf(stderr, "    lbs_value_text(%g) = \"%s\", want \"%s\"\n", v, buf, want);
	return 0;
}

/* The report's figures: three significant digits in the unit that fits. */
TEST(fields_value_text)
{
	const double gib = 1024.0 * 1024.0 * 1024.0;

	CHECK(value_is(LBS_UNIT_NS, 0, "0 ms"));
	CHECK(value_is(LBS_UNIT_NS, 850, "850 ns"));
	CHECK(value_is(LBS_UNIT_NS, 5363250, "5.36 ms"));
	CHECK(value_is(LBS_UNIT_NS, 22562039040.0, "22.6 s"));
	CHECK(value_is(LBS_UNIT_NS, 999.7e6, "1.00 s"));
	CHECK(value_is(LBS_UNIT_BYTES, 1.23 * gib, "1.23 GiB"));
	CHECK(value_is(LBS_UNIT_BYTES, 384.0 * 1024 * 1024, "384 MiB"));
	CHECK(value_is(LBS_UNIT_BYTES, 1023.9 * 1024 * 1024, "1.00 GiB"));
	CHECK(value_is(LBS_UNIT_BYTES, 0, "0 B"));
	CHECK(value_is(LBS_UNIT_COUNT, 2578, "2.58 k"));
	CHECK(value_is(LBS_UNIT_COUNT, 16, "16"));
	CHECK(value_is(LBS_UNIT_NS, NAN, "n/a"));
	/* the units axis labels share */
	CHECK(strcmp(lbs_unit_for(LBS_UNIT_NS, 2e9)->suffix, " s") == 0);
	CHECK(strcmp(lbs_unit_for(LBS_UNIT_BYTES, 512)->suffix, " B") == 0);
	CHECK(strcmp(lbs_unit_for(LBS_UNIT_COUNT, 5e6)->suffix, " M") == 0);
	CHECK(lbs_unit_for(LBS_UNIT_NS, 0.5)->div == 1); /* below every unit: the smallest */
}

/* The CSV names a value as the JSON does ("." as "_"), no two columns
 * alike, and each result says which version of the format it is in. */
TEST(fields_csv_named_as_json_with_a_schema)
{
	struct lbs_result r;
	char *buf = NULL, *line;
	size_t len = 0, ncol = 0;
	char *cols[256];
	FILE *f;

	fill(&r, 1);
	f = open_memstream(&buf, &len);
	REQUIRE(f);
	lbs_print_csv(f, &r, 1);
	fclose(f);
	line = strtok(buf, "\n");
	REQUIRE(line);
	for (char *s = strtok(line, ","); s && ncol < 256; s = strtok(NULL, ","))
		cols[ncol++] = s;
	REQUIRE(ncol > 1);
	CHECK(strcmp(cols[0], "schema") == 0);
	for (size_t i = 0; i < ncol; i++) {
		CHECK(strchr(cols[i], '.') == NULL);
		for (size_t j = 0; j < i; j++)
			if (strcmp(cols[i], cols[j]) == 0)
				fail_field("two CSV columns named", cols[i], 1);
	}
	free(buf);
	for (size_t i = 0; i < lbs_nfields; i++) {
		const struct lbs_field *fd = &lbs_fields[i];
		char name[96], want[96];
		size_t n = 0;

		if (!fd->csv || fd->type == LBS_FT_INCONS)
			continue;
		for (const char *c = fd->json; *c; c++)
			want[n++] = *c == '.' ? '_' : *c;
		want[n] = '\0';
		lbs_field_csv_name(fd, 0, name, sizeof name);
		CHECK(strcmp(name, want) == 0);
	}
	buf = NULL;
	f = open_memstream(&buf, &len);
	REQUIRE(f);
	lbs_print_json(f, &r, 1);
	fclose(f);
	CHECK(strncmp(buf, "[\n  {\n    \"schema\": 1,\n", 23) == 0);
	CHECK_EQ(LBS_SCHEMA, 1);
	free(buf);
}

/* What the verdicts judge stays in the default table: no criterion's
 * column is one only --wide shows (a tie is judged on the cell shown). */
TEST(fields_criteria_never_wide_only)
{
	for (size_t i = 0; i < lbs_ncriteria; i++) {
		const struct lbs_field *f = lbs_field_named(lbs_criteria[i].field);

		REQUIRE(f);
		for (int m = 0; m < LBS_NMODES; m++)
			if (f->col[m].wide_only)
				fail_field("a criterion's column only with --wide", f->name, m);
	}
}
