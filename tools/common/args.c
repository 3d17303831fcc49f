/* SPDX-License-Identifier: MIT */
/* The tools' command lines (args.h). */
#include "args.h"

#include <string.h>

static int is_option(const char *s)
{
	return strncmp(s, "--", 2) == 0 && s[2] != '\0';
}

int lbtools_next_option(struct lbtools_args *a, lbtools_find_fn find, int *index,
			const char **val)
{
	const char *s, *eq;
	int takes = 0;
	size_t len;

	if (a->i >= a->argc)
		return 0;
	s = a->argv[a->i++];
	if (strcmp(s, "-h") == 0)
		s = "--help";
	if (!is_option(s)) {
		fprintf(a->err, "%s: unexpected argument '%s' (try --help)\n", a->prog, s);
		return -1;
	}
	s += 2;
	eq = strchr(s, '=');
	len = eq ? (size_t)(eq - s) : strlen(s);
	*index = find(s, len, &takes);
	if (*index < 0) {
		fprintf(a->err, "%s: unknown option '--%.*s' (try --help)\n", a->prog,
			len > 64 ? 64 : (int)len, s);
		return -1;
	}
	*val = NULL;
	if (!takes && eq) {
		fprintf(a->err, "%s: --%.*s takes no value\n", a->prog, (int)len, s);
		return -1;
	}
	if (!takes)
		return 1;
	if (eq) {
		*val = eq + 1;
	} else if (a->i < a->argc && is_option(a->argv[a->i])) {
		fprintf(a->err, "%s: --%.*s needs a value, not the option %s (write --%.*s=%s for "
				"a value that starts with --)\n",
			a->prog, (int)len, s, a->argv[a->i], (int)len, s, a->argv[a->i]);
		return -1;
	} else if (a->i < a->argc) {
		*val = a->argv[a->i++];
	} else {
		fprintf(a->err, "%s: --%.*s needs a value (try --help)\n", a->prog, (int)len, s);
		return -1;
	}
	return 1;
}
