/* SPDX-License-Identifier: MIT */
#include "preflight.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int lbs_check_writable(const char *path, char *msg, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666), created = fd >= 0;

	if (fd < 0 && errno == EEXIST)
		fd = open(path, O_WRONLY | O_CLOEXEC); /* there: writable, left as it is */
	if (fd < 0) {
		snprintf(msg, len, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	if (created)
		unlink(path);
	return 0;
}

void lbs_made_dirs_undo(struct lbs_made_dirs *made)
{
	char *p = made->path;

	/* Deepest first; rmdir leaves a directory that is not empty. */
	while (p[0] && strlen(p) >= made->top && made->top > 0) {
		char *slash;

		if (rmdir(p) != 0)
			break;
		slash = strrchr(p, '/');
		if (!slash)
			break;
		while (slash > p && slash[-1] == '/')
			slash--;
		*slash = '\0';
	}
	made->path[0] = '\0';
	made->top = 0;
}

/* mkdir -p, noting where it started creating. */
static int make_dirs(const char *dir, struct lbs_made_dirs *made, char *msg, size_t len)
{
	char *buf = made->path;
	size_t n = strlen(dir);

	made->path[0] = '\0';
	made->top = 0;
	if (n == 0 || n >= sizeof made->path) {
		snprintf(msg, len, "cannot create %s: %s", dir, strerror(ENAMETOOLONG));
		return -1;
	}
	memcpy(buf, dir, n + 1);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	for (char *p = buf + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) == 0) {
			if (!made->top)
				made->top = strlen(buf);
		} else if (errno != EEXIST) {
			int e = errno;

			snprintf(msg, len, "cannot create %s: %s", buf, strerror(e));
			*p = c;
			if (made->top) { /* take back what was made, up to here */
				*p = '\0';
				*strrchr(buf, '/') = '\0';
				lbs_made_dirs_undo(made);
			}
			made->path[0] = '\0';
			made->top = 0;
			return -1;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	if (!made->top)
		made->path[0] = '\0';
	return 0;
}

int lbs_check_report_dir(const char *dir, struct lbs_made_dirs *made, char *msg, size_t len)
{
	char page[4200];
	struct stat st;

	if (make_dirs(dir, made, msg, len))
		return -1;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(msg, len, "cannot create %s: %s", dir, strerror(ENOTDIR));
		lbs_made_dirs_undo(made);
		return -1;
	}
	snprintf(page, sizeof page, "%s/index.html", dir);
	if (lbs_check_writable(page, msg, len)) {
		lbs_made_dirs_undo(made);
		return -1;
	}
	return 0;
}
