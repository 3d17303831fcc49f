/* SPDX-License-Identifier: MIT */
/* The results as CSV, their columns from the field list (fields.h). */
#include "csv.h"

#include <inttypes.h>
#include <string.h>

/* A field quoted when it holds a comma, a quote or a line break. */
static void field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void header(FILE *f)
{
	const char *sep = "";

	for (size_t i = 0; i < lbs_nfields; i++) {
		const struct lbs_field *fd = &lbs_fields[i];
		if (!fd->csv)
			continue;
		for (size_t k = 0; k < lbs_field_len(fd); k++, sep = ",") {
			char name[96];

			lbs_field_csv_name(fd, k, name, sizeof name);
			fprintf(f, "%s%s", sep, name);
		}
	}
	fputc('\n', f);
}

static void row(FILE *f, const struct lbs_result *x)
{
	const char *sep = "";

	for (size_t i = 0; i < lbs_nfields; i++) {
		const struct lbs_field *fd = &lbs_fields[i];
		const char *text = lbs_field_text(fd, x);
		char num[32];

		if (!fd->csv)
			continue;
		for (size_t k = 0; k < lbs_field_len(fd); k++, sep = ",") {
			fputs(sep, f);
			if (text) {
				field(f, text);
			} else {
				lbs_field_number(num, sizeof num, fd, x, k);
				fputs(num, f);
			}
		}
	}
	fputc('\n', f);
}

void lbs_print_csv(FILE *f, const struct lbs_result *r, size_t n)
{
	header(f);
	for (size_t i = 0; i < n; i++)
		row(f, &r[i]);
}

int lbs_write_csv(const char *path, const struct lbs_result *r, size_t n)
{
	FILE *f = fopen(path, "w");
	int bad;

	if (!f)
		return -1;
	lbs_print_csv(f, r, n);
	bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return -1;
	return 0;
}
