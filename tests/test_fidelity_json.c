/* SPDX-License-Identifier: MIT */
/*
 * `lbsim --fidelity --json` (fidelity_json.c) on rows made here, so that
 * no row needs computing: valid JSON, an object per row of the text table
 * with the same PASS or MISS, exact numbers, escaped strings, null for a
 * number JSON cannot hold. tests/fidelity.sh runs the program itself.
 */
#include "harness.h"
#include "test_lbsim_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/lbsim/bench/fidelity.h"

typedef void (*printer)(FILE *, const struct lbs_fid_row *, size_t);

static char *print(printer fn, const struct lbs_fid_row *rows, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fn(f, rows, n);
	fclose(f);
	return buf;
}

/* Every kind and way of judging, PASS and MISS (pass and cv_pass as
 * given, not judged: the result is cv_pass). */
static const struct lbs_fid_row rows[] = {
	{"a fill", "a list", "s/GiB", 2.5, 1.0 / 3.0, 15, 0, "r", "s", LBS_FID_PREDICTED, 0, 0.25, 0},
	{"a ratio", "a letter", "x", 4.0, 4.2, 10, 0, "r", "s", LBS_FID_FITTED, 1, 4.2, 1},
	{"a bound above", "an issue", "s", 90.0, 134.25, 0, 1, "r", "s", LBS_FID_PREDICTED, 1, 134.25,
	 1},
	{"a bound below", "an issue", "s", 15.0, 16.0, 0, -1, "r", "s", LBS_FID_PARTLY, 0, 16.0, 0},
	{"another", "a PR", "s", 627.5, 640.0, 15, 0, "r", "s", LBS_FID_PARTLY, 1, 640.0, 1},
};
#define NROWS (sizeof rows / sizeof rows[0])

/* Row k's (from 1) object in json and its result; NULL when there is none. */
static const char *object_of(const char *json, size_t k, char *result, size_t len)
{
	char key[32];
	const char *o, *r, *end;

	snprintf(key, sizeof key, "{\"row\": %zu,", k);
	o = strstr(json, key);
	end = o ? strchr(o, '}') : NULL;
	r = o ? strstr(o, "\"result\": \"") : NULL;
	if (!r || r > end)
		return NULL;
	snprintf(result, len, "%.4s", r + strlen("\"result\": \""));
	return o;
}

/* Row k's PASS or MISS in the text table ("%2zu  " starts its line). */
static int text_result(const char *text, size_t k, char *result, size_t len)
{
	char start[16];
	const char *line, *pass, *miss, *nl;

	snprintf(start, sizeof start, "\n%2zu  ", k);
	line = strstr(text, start);
	if (!line)
		return -1;
	nl = strchr(line + 1, '\n');
	pass = strstr(line, " PASS ");
	miss = strstr(line, " MISS ");
	if (pass && (!nl || pass < nl))
		snprintf(result, len, "PASS");
	else if (miss && (!nl || miss < nl))
		snprintf(result, len, "MISS");
	else
		return -1;
	return 0;
}

TEST(fidelity_json_a_row_per_table_row)
{
	char *json = print(lbs_fidelity_print_json, rows, NROWS);
	char *text = print(lbs_fidelity_print, rows, NROWS);

	REQUIRE(json && text);
	CHECK(json_valid(json));
	CHECK(json[0] == '[' && strcmp(json + strlen(json) - 2, "]\n") == 0);
	CHECK_EQ(count_str(json, "{\"row\": "), NROWS);
	CHECK_EQ(count_str(json, "\"result\": "), NROWS);
	for (size_t k = 1; k <= NROWS; k++) {
		char want[8] = "", got[8] = "", m[128];

		if (text_result(text, k, want, sizeof want) != 0 ||
		    !object_of(json, k, got, sizeof got) || strcmp(want, got) != 0) {
			snprintf(m, sizeof m, "row %zu: the table says '%s', JSON '%s'", k, want,
				 got);
			lbt_fail(__FILE__, __LINE__, m);
		}
	}
	CHECK(!object_of(json, NROWS + 1, (char[8]){0}, 8));
	free(json);
	free(text);
}

/* Each member, its name and form, for a row judged by tolerance and one by
 * a bound. */
TEST(fidelity_json_members)
{
	char *json = print(lbs_fidelity_print_json, rows, NROWS);

	REQUIRE(json);
	CHECK(strstr(json, "\n  {\"row\": 1, \"figure\": \"a fill\", \"source\": \"a list\", "
			   "\"published\": 2.5, \"unit\": \"s/GiB\", \"lbsim\": "
			   "0.3333333333333333, \"cv_lbsim\": 0.25, \"tolerance_pct\": 15, \"bound\": null, "
			   "\"kind\": \"predicted\", \"result\": \"MISS\"},\n") != NULL);
	CHECK(strstr(json, "{\"row\": 3, \"figure\": \"a bound above\", \"source\": \"an "
			   "issue\", \"published\": 90, \"unit\": \"s\", \"lbsim\": 134.25, "
			   "\"cv_lbsim\": 134.25, \"tolerance_pct\": null, \"bound\": \"at_least\", \"kind\": "
			   "\"predicted\", \"result\": \"PASS\"}") != NULL);
	CHECK(strstr(json, "\"bound\": \"at_most\", \"kind\": \"partly fitted\", "
			   "\"result\": \"MISS\"}") != NULL);
	CHECK(strstr(json, "\"kind\": \"fitted\", \"result\": \"PASS\"}") != NULL);
	free(json);
}

/* Numbers read back as the doubles they were; JSON has no NaN nor
 * infinity: null. */
TEST(fidelity_json_numbers_exact_or_null)
{
	static const double v[] = {0.1, 1.0 / 3.0, 1e300, -2.5, 5e-324, 0.0, 627.5, 2.0 / 3.0};
	struct lbs_fid_row r = rows[0];

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char *json, *at;

		r.lbsim = v[i];
		json = print(lbs_fidelity_print_json, &r, 1);
		REQUIRE(json);
		CHECK(json_valid(json));
		at = strstr(json, "\"lbsim\": ");
		REQUIRE(at);
		if (strtod(at + strlen("\"lbsim\": "), NULL) != v[i]) {
			char m[128];
			snprintf(m, sizeof m, "%.17g printed as %.40s", v[i], at);
			lbt_fail(__FILE__, __LINE__, m);
		}
		free(json);
	}
	r.lbsim = NAN;
	r.published = INFINITY;
	char *json = print(lbs_fidelity_print_json, &r, 1);
	REQUIRE(json);
	CHECK(json_valid(json));
	CHECK(strstr(json, "\"published\": null, \"unit\": \"s/GiB\", \"lbsim\": null,") != NULL);
	free(json);
}

/* A figure or source with quotes, backslashes, control characters. */
TEST(fidelity_json_strings_escaped)
{
	struct lbs_fid_row r = rows[0];
	char *json;

	r.figure = "\"64 GiB\" \\ 1\n2\t\x01";
	r.source = "a \"PR\"";
	json = print(lbs_fidelity_print_json, &r, 1);
	REQUIRE(json);
	CHECK(json_valid(json));
	CHECK(strstr(json, "\"figure\": \"\\\"64 GiB\\\" \\\\ 1\\n2\\t\\u0001\", "
			   "\"source\": \"a \\\"PR\\\"\",") != NULL);
	free(json);
	json = print(lbs_fidelity_print_json, rows, 0);
	REQUIRE(json);
	CHECK(strcmp(json, "[]\n") == 0);
	free(json);
}

/* The result is the cross-validated one: a row that passes on the model
 * as it is but not on a fit that never saw its source is a MISS. */
TEST(fidelity_result_is_cv)
{
	struct lbs_fid_row r = rows[1]; /* PASS in-sample */
	char *json, *table;

	r.cv_lbsim = 8.0;
	r.cv_pass = 0;
	json = print(lbs_fidelity_print_json, &r, 1);
	table = print(lbs_fidelity_print, &r, 1);
	REQUIRE(json && table);
	CHECK(strstr(json, "\"lbsim\": 4.2, \"cv_lbsim\": 8, ") != NULL);
	CHECK(strstr(json, "\"result\": \"MISS\"") != NULL);
	CHECK(strstr(table, " 4.2        8          +-10%     MISS   fitted ") != NULL);
	CHECK(strstr(table, "0 of all 1 rows on a fit that never saw their source") != NULL);
	free(json);
	free(table);
}
