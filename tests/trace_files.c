/* SPDX-License-Identifier: MIT */
/* Files for the trace reader's tests (trace_files.h). */
#include "trace_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* tests/fixtures/NAME, found from this file's path as compiled (the tests
 * run from the top of the tree), or in $LB_TRACE_FIXTURES. */

const char *trace_fixture(const char *name)
{
	static char path[4096];
	const char *f = __FILE__, *slash = strrchr(f, '/');
	const char *env = getenv("LB_TRACE_FIXTURES");
	int dir = slash ? (int)(slash - f) : 0;

	if (env && *env)
		snprintf(path, sizeof path, "%s/%s", env, name);
	else if (dir)
		snprintf(path, sizeof path, "%.*s/fixtures/%s", dir, f, name);
	else
		snprintf(path, sizeof path, "fixtures/%s", name);
	return path;
}

static char tmpdir[256];

const char *trace_tmp_path(const char *name)
{
	static char path[512];

	if (!tmpdir[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(tmpdir, sizeof tmpdir, "%s/lbtrace-XXXXXX",
			 t && *t ? t : "/tmp");
		if (!mkdtemp(tmpdir)) {
			tmpdir[0] = 0;
			return NULL;
		}
	}
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	return path;
}

void trace_tmp_cleanup(const char *const *names)
{
	if (!tmpdir[0])
		return;
	for (; *names; names++) {
		const char *p = trace_tmp_path(*names);
		if (p)
			unlink(p);
	}
	rmdir(tmpdir);
	tmpdir[0] = 0;
}

unsigned char *trace_slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0;

	*n = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (*n == cap) {
			unsigned char *b = realloc(buf, cap = cap ? cap * 2 : 65536);
			if (!b) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = b;
		}
		size_t k = fread(buf + *n, 1, cap - *n, f);
		if (!k)
			break;
		*n += k;
	}
	fclose(f);
	return buf;
}

int trace_spit(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Read a whole trace; the summary in *s; the result of the last next(). */

int trace_read_all(const char *path, unsigned flags, struct lb_trace_summary *s,
		   uint64_t *delivered)
{
	char err[256];
	struct lb_trace_reader *r = lb_trace_open(path, flags, err, sizeof err);
	struct lb_trace_event ev;
	int rc;

	*delivered = 0;
	if (!r)
		return -2;
	while ((rc = lb_trace_next(r, &ev)) > 0)
		(*delivered)++;
	*s = *lb_trace_get_summary(r);
	lb_trace_close(r);
	return rc;
}
