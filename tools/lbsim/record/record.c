/* SPDX-License-Identifier: MIT */
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../cli/paths.h"
#include "../output/progress.h"
#include "zsink.h"

#define TRACE_FD 3 /* where the script writes the trace (its -F) */

static void usage(FILE *f)
{
	fputs("usage: lbsim record [-o FILE] [-l LEVEL] [-z zstd|none] [-b KB] [-m tracefs|perf]\n"
	      "                    [-k] -- COMMAND [ARG...]\n"
	      "Run COMMAND and record a Linux page-allocator trace of the whole system\n"
	      "while it runs, for lbsim --trace (root needed; tracefs is mounted for the\n"
	      "recording when it is not, and unmounted after): the kmem:mm_page_* events,\n"
	      "and sched:sched_switch, which says when each CPU was idle (left out, with\n"
	      "a warning, where the kernel lacks it).\n"
	      "\n"
	      "  -o FILE   output (default lbsim-trace.txt.zst, lbsim-trace.txt with -z none);\n"
	      "            checked before COMMAND runs, written only when the recording ends\n"
	      "  -l LEVEL  zstd level, 1 to 19 (default 3); 19 makes the file about 40%\n"
	      "            smaller but takes a few hundred times longer (20 s for 34 MB)\n"
	      "  -z        zstd (default) or none (plain text)\n"
	      "  -b KB     ring buffer per CPU in KiB, " LBS_STR(LBS_RECORD_MIN_KB) " to "
	      LBS_STR(LBS_RECORD_MAX_KB) " (default 256 MiB, at\n"
	      "            most 1/8 of the available memory in all; an event takes\n"
	      "            about 45 bytes of it, a sched_switch about 68)\n"
	      "  -m        tracefs (a tracefs instance, the default) or perf\n"
	      "  -k        keep a recording that lost events as a success: the status\n"
	      "            stays COMMAND's (the trace is marked all the same)\n"
	      "The exit status is COMMAND's, or 1 when nothing could be recorded, or 3\n"
	      "when events were lost and COMMAND succeeded (without -k; the trace says\n"
	      "how many at its end, and its replay warns). No file is written when\n"
	      "COMMAND could not be run or no page-allocator event was recorded; an\n"
	      "existing FILE is replaced, and said so.\n",
	      f);
}

static int bad(FILE *err, const char *fmt, const char *arg)
{
	fputs("lbsim record: ", err);
	fprintf(err, fmt, arg);
	fputs(" (lbsim record --help)\n", err);
	return 2;
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

/* 1..19, as digits only. */
static int parse_level(const char *s)
{
	int v = 0;

	if (!*s || strlen(s) > 2)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v >= 1 && v <= 19 ? v : -1;
}

int lbs_record_parse(int argc, char **argv, struct lbs_record_opts *o, FILE *err)
{
	int i, level = LBS_RECORD_LEVEL, plain = 0, level_given = 0;

	memset(o, 0, sizeof *o);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			o->help = 1;
			return 0;
		}
		if (a[0] != '-')
			break;
		if (strcmp(a, "-k") == 0) {
			o->keep_lost = 1;
			continue;
		}
		if (strcmp(a, "-o") && strcmp(a, "-l") && strcmp(a, "-z") && strcmp(a, "-b") &&
		    strcmp(a, "-m"))
			return bad(err, "unknown option %s", a);
		if (!v)
			return bad(err, "%s wants a value", a);
		i++;
		if (strcmp(a, "-o") == 0) {
			if (!*v)
				return bad(err, "-o wants a file name%s", "");
			o->out = v;
		} else if (strcmp(a, "-l") == 0) {
			level = parse_level(v);
			if (level < 0)
				return bad(err, "-l wants a zstd level from 1 to 19, not '%s'", v);
			level_given = 1;
		} else if (strcmp(a, "-z") == 0) {
			if (strcmp(v, "none") == 0)
				plain = 1;
			else if (strcmp(v, "zstd") == 0)
				plain = 0;
			else
				return bad(err, "-z wants zstd or none, not '%s' "
						"(tools/record/lbsim-record.sh also writes xz, gzip)", v);
		} else if (strcmp(a, "-b") == 0) {
			/* checked here, before the script mounts tracefs for it */
			if (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 9 ||
			    atol(v) < LBS_RECORD_MIN_KB || atol(v) > LBS_RECORD_MAX_KB)
				return bad(err, "-b wants a size in KiB from " LBS_STR(LBS_RECORD_MIN_KB)
					   " to " LBS_STR(LBS_RECORD_MAX_KB) ", not '%s'", v);
			o->buf_kb = v;
		} else {
			if (strcmp(v, "tracefs") && strcmp(v, "perf"))
				return bad(err, "-m wants tracefs or perf, not '%s'", v);
			o->method = v;
		}
	}
	if (plain && level_given)
		return bad(err, "-l is zstd's level: not with -z none%s", "");
	/* A name that says one form and holds the other misleads whoever reads
	 * it (zstd, lbsim --trace, a pager). */
	if (o->out && ends_with(o->out, plain ? ".zst" : ".txt"))
		return bad(err, plain ? "-o %s: a plain-text trace would be named .zst (drop -z none, "
					"or name it .txt)"
				      : "-o %s: a zstd trace would be named .txt (name it .txt.zst, or "
					"give -z none for plain text)",
			   o->out);
	if (i >= argc)
		return bad(err, "no command to record: lbsim record [options] -- COMMAND%s", "");
	o->level = plain ? 0 : level;
	if (!o->out)
		o->out = plain ? "lbsim-trace.txt" : "lbsim-trace.txt.zst";
	o->cmd = argv + i;
	return 0;
}

int lbs_record_open(const char *path, char *tmp, size_t len)
{
	struct stat st;
	mode_t mask;
	int fd;

	tmp[0] = '\0';
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			return -1;
		}
		if (!S_ISREG(st.st_mode)) /* a device or a FIFO: never replaced */
			return open(path, O_WRONLY | O_CLOEXEC);
		/* rename() would replace a file this user may not write. */
		if (access(path, W_OK) != 0)
			return -1;
	}
	if ((size_t)snprintf(tmp, len, "%s.XXXXXX", path) >= len) {
		tmp[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		tmp[0] = '\0';
		return -1;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		tmp[0] = '\0';
		errno = e;
		return -1;
	}
	return fd;
}

/* ------------------------------------------------------------ the run */

static volatile sig_atomic_t stop_signal;
static volatile pid_t child_pid;

/* Ctrl-C reaches the script and COMMAND from the terminal; TERM and HUP,
 * sent to lbsim alone, are passed on, so that the script cleans up. */
static void on_signal(int sig)
{
	stop_signal = sig;
	if (sig != SIGINT && child_pid > 0)
		kill(child_pid, sig);
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: read() returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* "12.3 MiB", or "840 KiB" under a MiB. */
static const char *size_text(char *buf, size_t len, uint64_t bytes)
{
	if (bytes < 1024u)
		snprintf(buf, len, "%u bytes", (unsigned)bytes);
	else if (bytes < (UINT64_C(1) << 20))
		snprintf(buf, len, "%.0f KiB", (double)bytes / 1024.0);
	else
		snprintf(buf, len, "%.1f MiB", (double)bytes / (1024.0 * 1024.0));
	return buf;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* sh SCRIPT -F 3 [-b KB] [-m M] -- COMMAND..., the trace on pipe_w. */
static pid_t start_script(const char *script, const struct lbs_record_opts *o, int pipe_w)
{
	const char *args[16];
	size_t n = 0, ncmd = 0;
	char **argv;
	pid_t pid;

	args[n++] = "sh";
	args[n++] = script;
	args[n++] = "-F";
	args[n++] = "3";
	if (o->buf_kb) {
		args[n++] = "-b";
		args[n++] = o->buf_kb;
	}
	if (o->method) {
		args[n++] = "-m";
		args[n++] = o->method;
	}
	if (o->keep_lost)
		args[n++] = "-k";
	args[n++] = "--";
	while (o->cmd[ncmd])
		ncmd++;
	argv = calloc(n + ncmd + 1u, sizeof *argv);
	if (!argv)
		return -1;
	for (size_t i = 0; i < n; i++)
		argv[i] = (char *)(uintptr_t)args[i];
	for (size_t i = 0; i < ncmd; i++)
		argv[n + i] = o->cmd[i];
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (pipe_w == TRACE_FD)
			fcntl(TRACE_FD, F_SETFD, 0); /* keep it across exec */
		else if (dup2(pipe_w, TRACE_FD) < 0)
			_exit(127);
		execv("/bin/sh", argv);
		fprintf(stderr, "lbsim record: cannot run /bin/sh: %s\n", strerror(errno));
		_exit(127);
	}
	free(argv);
	return pid;
}

/* The trace from fd into the sink until the script closes it; *secs: from
 * its first byte to the end. 0, or -1 (the sink's error, a read error, or a
 * signal). */
static int take_trace(int fd, struct lbs_zsink *z, double *secs, char *err, size_t errlen)
{
	static unsigned char buf[1 << 16];
	struct lbs_progress pg;
	char line[160], a[32], b[32]; /* drawn cut to LBS_PROGRESS_LINE */
	double t0 = 0;
	int rc = 0;

	*secs = 0;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (stop_signal) {
			rc = -1;
			break;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "reading the trace: %s", strerror(errno));
			rc = -1;
			break;
		}
		if (r == 0)
			break;
		if (z->in == 0) { /* COMMAND has ended: the script reads the buffer */
			t0 = now_s();
			lbs_progress_init(&pg, stderr, isatty(STDERR_FILENO), 1);
		}
		if (lbs_zsink_write(z, buf, (size_t)r) != 0) {
			snprintf(err, errlen, "%s", z->err);
			rc = -1;
			break;
		}
		if (z->level)
			snprintf(line, sizeof line, "lbsim record: %s of trace read, %s written "
				 "(zstd -%d)", size_text(a, sizeof a, z->in),
				 size_text(b, sizeof b, z->out), z->level);
		else
			snprintf(line, sizeof line, "lbsim record: %s of trace written",
				 size_text(a, sizeof a, z->in));
		lbs_progress_text(&pg, line);
	}
	if (z->in == 0)
		return rc;
	lbs_progress_end(&pg);
	if (rc == 0 && lbs_zsink_finish(z) != 0) {
		snprintf(err, errlen, "%s", z->err);
		rc = -1;
	}
	*secs = now_s() - t0;
	return rc;
}

static int wait_for(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static int find_script(char *script, size_t len)
{
	if (lbs_record_script(script, len) != 0) {
		fprintf(stderr,
			"lbsim record: cannot find lbsim-record.sh (looked in tools/record/ of "
			"the source tree beside this executable, in ../share/lazybuddy/ of an "
			"installed one, and beside it); set "
			"LBSIM_RECORD=/path/to/lbsim-record.sh\n");
		return -1;
	}
	if (access(script, R_OK) != 0) {
		fprintf(stderr, "lbsim record: %s: %s\n", script, strerror(errno));
		return -1;
	}
	return 0;
}

int lbs_record_main(int argc, char **argv)
{
	struct lbs_record_opts o;
	struct lbs_zsink z;
	char script[4096], shown[4096], tmp[4200], err[256] = "", a[32], b[32];
	int out_fd, pipefd[2], status, failed;
	double secs;
	pid_t pid;

	if (lbs_record_parse(argc, argv, &o, stderr) != 0)
		return 2;
	if (o.help) {
		usage(stdout);
		if (find_script(script, sizeof script) != 0)
			return 1;
		lbs_display_path(script, shown, sizeof shown);
		printf("The recording is done by %s.\n", shown);
		return 0;
	}
	if (find_script(script, sizeof script) != 0)
		return 1;
	out_fd = lbs_record_open(o.out, tmp, sizeof tmp);
	if (out_fd < 0) {
		fprintf(stderr, "lbsim record: cannot write %s: %s\n", o.out, strerror(errno));
		return 1;
	}
	if (tmp[0] && access(o.out, F_OK) == 0)
		fprintf(stderr, "lbsim record: %s exists: replaced when the recording ends\n",
			o.out);
	if (lbs_zsink_init(&z, out_fd, o.level) != 0 || pipe2(pipefd, O_CLOEXEC) != 0) {
		fprintf(stderr, "lbsim record: %s\n", z.err[0] ? z.err : strerror(errno));
		status = 1;
		goto fail;
	}
	catch_signals();
	pid = start_script(script, &o, pipefd[1]);
	close(pipefd[1]);
	if (pid < 0) {
		fprintf(stderr, "lbsim record: cannot start the recording: %s\n", strerror(errno));
		close(pipefd[0]);
		status = 1;
		goto fail;
	}
	child_pid = pid;
	failed = take_trace(pipefd[0], &z, &secs, err, sizeof err);
	/* A reader that stopped early makes the script's writer fail. */
	close(pipefd[0]);
	status = wait_for(pid);
	child_pid = 0;
	if (stop_signal) {
		fprintf(stderr, "lbsim record: interrupted; %s not written\n", o.out);
		status = 128 + stop_signal;
		goto fail;
	}
	if (failed) {
		fprintf(stderr, "lbsim record: cannot write %s: %s\n", o.out, err);
		status = 1;
		goto fail;
	}
	if (z.in == 0) {
		/* The script said why (not root, no tracefs, ...). */
		if (status == 0) {
			fprintf(stderr, "lbsim record: the recorder wrote no trace\n");
			status = 1;
		}
		goto fail;
	}
	/* The shell's statuses for a command it could not run: a trace of the
	 * system while nothing ran is no trace of it. */
	if (status == 126 || status == 127) {
		fprintf(stderr, "lbsim record: %s could not be run (status %d: %s); %s not "
			"written\n", o.cmd[0], status, status == 127 ? "not found" : "not executable",
			o.out);
		goto fail;
	}
	if (z.events == z.sched) { /* lbsim --trace would refuse it */
		fprintf(stderr, "lbsim record: no page-allocator event was recorded; %s not "
			"written\n", o.out);
		status = status ? status : 1;
		goto fail;
	}
	if (close(out_fd) != 0 || (tmp[0] && rename(tmp, o.out) != 0)) {
		fprintf(stderr, "lbsim record: cannot write %s: %s\n", o.out, strerror(errno));
		out_fd = -1;
		status = 1;
		goto fail;
	}
	fprintf(stderr, "lbsim record: wrote %s: %llu events", o.out,
		(unsigned long long)(z.events - z.sched));
	if (z.sched)
		fprintf(stderr, " and %llu sched_switch", (unsigned long long)z.sched);
	if (z.level)
		fprintf(stderr, ", %s of text in %s (zstd -%d), read in %.1f s\n",
			size_text(a, sizeof a, z.in), size_text(b, sizeof b, z.out), z.level, secs);
	else
		fprintf(stderr, ", %s of text, read in %.1f s\n", size_text(a, sizeof a, z.in),
			secs);
	lbs_zsink_free(&z);
	return status;
fail:
	lbs_zsink_free(&z);
	if (out_fd >= 0)
		close(out_fd);
	if (tmp[0])
		unlink(tmp);
	return status;
}
