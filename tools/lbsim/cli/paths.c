/* SPDX-License-Identifier: MIT */
#include "paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int lbs_exe_dir(char *buf, size_t len)
{
	ssize_t n;
	char *slash;

	if (len < 2)
		return -1;
	n = readlink("/proc/self/exe", buf, len - 1u);
	if (n <= 0 || (size_t)n >= len - 1u)
		return -1;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return -1;
	if (slash == buf)
		slash[1] = '\0';
	else
		*slash = '\0';
	return 0;
}

int lbs_find_file(const char *env, const char *const *rel, size_t n, char *buf, size_t len)
{
	const char *e = env ? getenv(env) : NULL;
	char dir[4096];

	if (e && *e) {
		if ((size_t)snprintf(buf, len, "%s", e) >= len)
			return -1;
		return 0;
	}
	if (lbs_exe_dir(dir, sizeof dir) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if ((size_t)snprintf(buf, len, "%s/%s", dir, rel[i]) >= len)
			continue;
		if (access(buf, R_OK) == 0)
			return 0;
	}
	return -1;
}

int lbs_default_trace(char *buf, size_t len)
{
	static const char *const rel[] = {
		"../data/traces/default.txt.zst", /* build/lbsim in the source tree */
		"../../data/traces/default.txt.zst", /* build/debug/lbsim, build/asan/lbsim */
		"../share/lazybuddy/default.txt.zst", /* PREFIX/bin/lbsim (make install) */
	};
	return lbs_find_file("LBSIM_TRACE", rel, sizeof rel / sizeof rel[0], buf, len);
}

int lbs_record_script(char *buf, size_t len)
{
	static const char *const rel[] = {
		"../tools/record/lbsim-record.sh", /* build/lbsim in the source tree */
		"../../tools/record/lbsim-record.sh",
		"../share/lazybuddy/lbsim-record.sh", /* PREFIX/bin/lbsim (make install) */
		"lbsim-record.sh", /* copied beside lbsim */
	};
	return lbs_find_file("LBSIM_RECORD", rel, sizeof rel / sizeof rel[0], buf, len);
}

void lbs_display_path(const char *path, char *buf, size_t len)
{
	char real[4096], cwd[4096];
	size_t n;

	if (!realpath(path, real) || !getcwd(cwd, sizeof cwd)) {
		snprintf(buf, len, "%s", path);
		return;
	}
	n = strlen(cwd);
	if (strncmp(real, cwd, n) == 0 && real[n] == '/')
		snprintf(buf, len, "%s", real + n + 1);
	else
		snprintf(buf, len, "%s", real);
}
