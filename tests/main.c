/* SPDX-License-Identifier: MIT */
/* Test runner: runs registered tests (--tsan: the TEST_TSAN ones), prints
 * "N passed, M failed". */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#define LBT_MAX 512

static struct {
	const char *name;
	lbt_fn fn;
	int tsan; /* TEST_TSAN */
} tests[LBT_MAX];
static int ntests;
static int cur_failures;

void lbt_register(const char *name, lbt_fn fn, int tsan)
{
	if (ntests == LBT_MAX) {
		fprintf(stderr, "harness: too many tests\n");
		exit(2);
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	tests[ntests].tsan = tsan;
	ntests++;
}

void lbt_fail(const char *file, int line, const char *expr)
{
	if (cur_failures++ < 5)
		printf("    %s:%d: %s\n", file, line, expr);
	fflush(stdout);
}

int lbt_failed(void)
{
	return cur_failures != 0;
}

static int by_name(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	return strcmp(x, y);
}

/* No filter, or the name contains one of them. */
static int selected(const char *name, int nfilters, char **filters)
{
	for (int i = 0; i < nfilters; i++)
		if (strstr(name, filters[i]))
			return 1;
	return nfilters == 0;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, tsan = argc > 1 && strcmp(argv[1], "--tsan") == 0;

	/* Constructors run in link order; sort for a stable report. */
	qsort(tests, (size_t)ntests, sizeof tests[0], by_name);
	for (int i = 0; i < ntests; i++) {
		if ((tsan && !tests[i].tsan) ||
		    !selected(tests[i].name, argc - 1 - tsan, argv + 1 + tsan))
			continue;
		cur_failures = 0;
		tests[i].fn();
		if (cur_failures) {
			printf("FAIL %s\n", tests[i].name);
			failed++;
		} else {
			printf("ok   %s\n", tests[i].name);
			passed++;
		}
		fflush(stdout);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
