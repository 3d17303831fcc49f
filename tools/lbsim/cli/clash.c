/* SPDX-License-Identifier: MIT */
#include "clash.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int lbs_normalise_path(const char *path, char *out, size_t len)
{
	char abs[PATH_MAX], real[PATH_MAX];
	size_t cut, n;
	const char *rest;

	if (path[0] == '/') {
		if (strlen(path) >= sizeof abs)
			return -1;
		memcpy(abs, path, strlen(path) + 1);
	} else {
		if (!getcwd(abs, sizeof abs))
			return -1;
		n = strlen(abs);
		if ((size_t)snprintf(abs + n, sizeof abs - n, "/%s", path) >= sizeof abs - n)
			return -1;
	}
	/* The longest part that exists, cut at a '/': realpath() resolves it
	 * (the root always exists). */
	for (cut = strlen(abs);; cut--) {
		if (abs[cut] == '/' || abs[cut] == '\0') {
			char c = abs[cut];

			abs[cut] = '\0';
			if (realpath(cut ? abs : "/", real)) {
				abs[cut] = c;
				break;
			}
			abs[cut] = c;
		}
		if (cut == 0)
			return -1;
	}
	n = strlen(real);
	if (n >= len)
		return -1;
	memcpy(out, real, n + 1);
	/* The rest does not exist, so no link in it: taken as written. */
	for (rest = abs + cut; *rest;) {
		size_t k;

		while (*rest == '/')
			rest++;
		k = strcspn(rest, "/");
		if (k == 0 || (k == 1 && rest[0] == '.')) {
			/* nothing, or "." */
		} else if (k == 2 && rest[0] == '.' && rest[1] == '.') {
			char *slash = strrchr(out, '/');
			n = slash && slash > out ? (size_t)(slash - out) : 1;
			out[n] = '\0';
		} else {
			int root = n == 1;
			if (n + !root + k >= len)
				return -1;
			if (!root)
				out[n++] = '/';
			memcpy(out + n, rest, k);
			n += k;
			out[n] = '\0';
		}
		rest += k;
	}
	return 0;
}

/* a and b are one file: the same inode, or the same name. */
static int same_file(const char *a, const char *b)
{
	char na[PATH_MAX], nb[PATH_MAX];
	struct stat sa, sb;

	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	if (lbs_normalise_path(a, na, sizeof na) || lbs_normalise_path(b, nb, sizeof nb))
		return strcmp(a, b) == 0; /* too long to resolve: as written */
	return strcmp(na, nb) == 0;
}

int lbs_check_clashes(const struct lbs_named_file *f, size_t n, char *msg, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		if (!f[i].output)
			continue;
		for (size_t j = 0; j < n; j++) {
			if (j == i || (f[j].output && j < i) || !same_file(f[i].path, f[j].path))
				continue;
			snprintf(msg, len, "%s and %s are the same file (%s)", f[i].what, f[j].what,
				 f[j].output ? "two outputs may not share one"
					     : "an output may not overwrite an input");
			return -1;
		}
	}
	return 0;
}
