/* SPDX-License-Identifier: MIT */
/* The results as JSON, their members from the field list (fields.h). */
#include "output.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void lbs_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* The fewest digits that read back as v: a table's three would make a
 * program's own PASS/MISS disagree with ours near the edge. */
void lbs_json_number(FILE *f, double v)
{
	char buf[32];

	if (!isfinite(v)) {
		fputs("null", f);
		return;
	}
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(buf, sizeof buf, "%.*g", digits, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fputs(buf, f);
}

static void value(FILE *f, const struct lbs_field *fd, const struct lbs_result *x, size_t k)
{
	const char *s = lbs_field_text(fd, x);
	char num[32];

	if (s) {
		lbs_json_string(f, s);
	} else if (fd->type == LBS_FT_BOOL) {
		fputs(lbs_field_u64(fd, x, k) ? "true" : "false", f);
	} else {
		lbs_field_number(num, sizeof num, fd, x, k);
		fputs(num, f);
	}
}

/* One result's object: a member a line, but a group's members ("group.key"
 * keys, INCONS fields) together in an object on one line. */
static void object(FILE *f, const struct lbs_result *x)
{
	const char *open = NULL; /* the group whose object is open */
	size_t open_len = 0;
	int first = 1;

	fputs("  {\n", f);
	for (size_t i = 0; i < lbs_nfields; i++) {
		const struct lbs_field *fd = &lbs_fields[i];
		const char *key, *group = NULL, *dot;
		size_t group_len = 0;

		if (!lbs_field_in_json(fd, x))
			continue;
		key = fd->json;
		dot = strchr(key, '.');
		if (fd->type == LBS_FT_INCONS) {
			group = key;
			group_len = strlen(key);
		} else if (dot) {
			group = key;
			group_len = (size_t)(dot - key);
			key = dot + 1;
		}
		for (size_t k = 0; k < lbs_field_len(fd); k++) {
			if (group && open && group_len == open_len &&
			    strncmp(group, open, open_len) == 0) {
				fputs(", ", f);
			} else {
				if (open)
					fputc('}', f);
				fputs(first ? "    " : ",\n    ", f);
				if (group)
					fprintf(f, "\"%.*s\": {", (int)group_len, group);
				open = group;
				open_len = group_len;
			}
			first = 0;
			fprintf(f, "\"%s\": ",
				fd->type == LBS_FT_INCONS ? lbs_field_part(fd, k) : key);
			value(f, fd, x, k);
		}
	}
	if (open)
		fputc('}', f);
	fputs("\n  }", f);
}

void lbs_print_json(FILE *f, const struct lbs_result *r, size_t n)
{
	fputs("[", f);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",\n" : "\n", f);
		object(f, &r[i]);
	}
	fputs(n ? "\n]\n" : "]\n", f);
}
