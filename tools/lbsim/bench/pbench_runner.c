/* SPDX-License-Identifier: MIT */
/*
 * Running the bench's runs in forked worker processes. Each worker reads
 * task numbers from its own pipe and writes each result back on another;
 * the parent hands a worker its next task when the last one comes back, so
 * the long runs (fill at 16 GiB) spread themselves over the workers. A
 * run is deterministic and its result is filed under its task number:
 * the results do not depend on how many workers there are.
 */
#include "pbench.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../run/replay.h"

/* The boot's virtual time: the boot workload's whole run (set-up and its
 * allocations), else set-up (and a trace's boot allocations). */
static uint64_t boot_time(const struct lbs_pb_row *row, const struct lbs_result *r)
{
	return row->workload == LBS_WL_BOOT ? r->virtual_time_ns : r->boot_ns;
}

void lbs_pb_run_one(const struct lbs_pb_row *row, const struct lbs_tracebuf *tb,
		    enum lb_policy p, unsigned adapt_off, struct lbs_pb_run *out)
{
	struct lbs_replay_config rc;
	struct lbs_result r;

	memset(out, 0, sizeof *out);
	memset(&r, 0, sizeof r);
	lbs_replay_defaults(&rc);
	lbs_pb_config(row, &rc.sim);
	rc.sim.adapt_off = adapt_off;
	if (row->workload == LBS_PB_TRACE)
		out->rc = tb ? lbs_replay_run(&rc, tb, p, &r, NULL, NULL) : LB_EINVAL;
	else
		out->rc = lbs_sim_run(&rc.sim, p, (enum lbs_workload)row->workload, &r);
	if (out->rc) {
		snprintf(out->check, sizeof out->check, "%s", lb_strerror(out->rc));
		lbs_result_free(&r);
		return;
	}
	out->cpus = r.cpus;
	out->acceptors = r.acceptors;
	out->m[LBS_PB_P999] = r.lat_p999;
	out->m[LBS_PB_LAG] = r.max_lag_ns;
	out->m[LBS_PB_COMMITTED] = r.committed_bytes_peak;
	out->m[LBS_PB_ACCEPTED] = r.accepted_bytes;
	/* set-up's and the boot's acceptance too: eager's is all there */
	out->m[LBS_PB_CPU] = r.boot_accept_vcpu_ns + r.accept_cpu_ns;
	out->m[LBS_PB_BOOT] = boot_time(row, &r);
	out->acceptor_cpu_ns = r.acceptor_cpu_ns;
	snprintf(out->check, sizeof out->check, "%s", r.check);
	lbs_result_free(&r);
}

int lbs_pb_jobs(unsigned *jobs, char *msg, size_t len)
{
	const char *s = getenv("LBS_BENCH_JOBS");
	long n;

	if (s) {
		char *end;

		errno = 0;
		n = strtol(s, &end, 10);
		if (errno || *s < '0' || *s > '9' || *end || n < 1 ||
		    n > (long)LBS_PB_MAX_JOBS) {
			snprintf(msg, len, "LBS_BENCH_JOBS=%s: must be a whole number, 1 to %u", s,
				 LBS_PB_MAX_JOBS);
			return -1;
		}
	} else {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		if (n < 1)
			n = 1;
		if (n > (long)LBS_PB_MAX_JOBS)
			n = LBS_PB_MAX_JOBS;
	}
	*jobs = (unsigned)n;
	return 0;
}

/* What a worker sends back: a task's number and its result. */
struct msg {
	size_t task;
	struct lbs_pb_run run;
};

static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t k = read(fd, p, len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t k = write(fd, p, len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

struct worker {
	pid_t pid;
	int task_fd;   /* the parent writes task numbers here; -1 once closed */
	int result_fd; /* and reads results here; -1 once done */
	size_t task;   /* the task in flight */
	int busy;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The worker's loop, in the child: a task number in, a result out, until
 * the parent closes the task pipe. */
static void serve(int in, int out, const struct lbs_pb_row *rows, const struct lbs_tracebuf *tb,
		  const struct lbs_pb_task *tasks, size_t n)
{
	struct msg m;
	size_t i;

	while (read_full(in, &i, sizeof i) == 0) {
		if (i >= n)
			_exit(2);
		memset(&m, 0, sizeof m);
		m.task = i;
		lbs_pb_run_one(&rows[tasks[i].row], tb, tasks[i].policy, tasks[i].adapt_off,
			       &m.run);
		if (write_full(out, &m, sizeof m))
			_exit(1);
	}
	_exit(0);
}

/* Fork worker k; the others' pipe ends are closed in the child, or a
 * worker would hold another's task pipe open past its end. */
static int start(struct worker *w, unsigned k, const struct lbs_pb_row *rows,
		 const struct lbs_tracebuf *tb, const struct lbs_pb_task *tasks, size_t n)
{
	int tp[2], rp[2];

	if (pipe(tp))
		return -1;
	if (pipe(rp)) {
		close(tp[0]);
		close(tp[1]);
		return -1;
	}
	fflush(NULL);
	w[k].pid = fork();
	if (w[k].pid < 0) {
		close(tp[0]);
		close(tp[1]);
		close(rp[0]);
		close(rp[1]);
		return -1;
	}
	if (w[k].pid == 0) {
		for (unsigned j = 0; j < k; j++) {
			close_fd(&w[j].task_fd);
			close_fd(&w[j].result_fd);
		}
		close(tp[1]);
		close(rp[0]);
		serve(tp[0], rp[1], rows, tb, tasks, n);
	}
	close(tp[0]);
	close(rp[1]);
	w[k].task_fd = tp[1];
	w[k].result_fd = rp[0];
	w[k].busy = 0;
	return 0;
}

/* Give worker w task *next, or close its task pipe when none is left. */
static int feed(struct worker *w, size_t *next, size_t n)
{
	if (*next >= n) {
		close_fd(&w->task_fd);
		return 0;
	}
	if (write_full(w->task_fd, next, sizeof *next))
		return -1;
	w->task = (*next)++;
	w->busy = 1;
	return 0;
}

/* Wait for one result; -1 when a worker died with a task in flight. */
static int collect(struct worker *w, unsigned nw, struct lbs_pb_run *out, size_t *done,
		   size_t *next, size_t n)
{
	struct pollfd pfd[LBS_PB_MAX_JOBS];
	unsigned idx[LBS_PB_MAX_JOBS], np = 0;

	for (unsigned k = 0; k < nw; k++)
		if (w[k].result_fd >= 0) {
			pfd[np].fd = w[k].result_fd;
			pfd[np].events = POLLIN;
			idx[np++] = k;
		}
	if (np == 0)
		return -1;
	while (poll(pfd, np, -1) < 0)
		if (errno != EINTR)
			return -1;
	for (unsigned j = 0; j < np; j++) {
		struct worker *x = &w[idx[j]];
		struct msg m;

		if (!pfd[j].revents)
			continue;
		if (read_full(x->result_fd, &m, sizeof m)) {
			close_fd(&x->result_fd);
			if (x->busy) {
				fprintf(stderr, "lbsim: --policy-bench: a worker died running "
						"task %zu\n", x->task);
				return -1;
			}
			continue;
		}
		if (!x->busy || m.task != x->task) {
			fprintf(stderr, "lbsim: --policy-bench: a worker answered task %zu, "
					"not the one it was given\n", m.task);
			return -1;
		}
		out[m.task] = m.run;
		x->busy = 0;
		(*done)++;
		if (feed(x, next, n))
			return -1;
	}
	return 0;
}

static void stop(struct worker *w, unsigned nw, int kill_them)
{
	for (unsigned k = 0; k < nw; k++) {
		close_fd(&w[k].task_fd);
		close_fd(&w[k].result_fd);
		if (w[k].pid > 0 && kill_them)
			kill(w[k].pid, SIGTERM);
	}
	for (unsigned k = 0; k < nw; k++)
		if (w[k].pid > 0)
			while (waitpid(w[k].pid, NULL, 0) < 0 && errno == EINTR)
				;
}

int lbs_pb_run_tasks(const struct lbs_pb_row *rows, const struct lbs_tracebuf *tb,
		     const struct lbs_pb_task *tasks, size_t n, unsigned jobs,
		     struct lbs_pb_run *out, struct lbs_progress *pg)
{
	struct sigaction ign, old;
	struct worker *w;
	size_t next = 0, done = 0;
	unsigned nw = 0;
	int rc = 0;

	if (n == 0)
		return 0;
	if (jobs == 0)
		jobs = 1;
	if (jobs > LBS_PB_MAX_JOBS)
		jobs = LBS_PB_MAX_JOBS;
	if (jobs > n)
		jobs = (unsigned)n;
	w = calloc(jobs, sizeof *w);
	if (!w) {
		fprintf(stderr, "lbsim: out of memory\n");
		return -1;
	}
	/* A worker that died must not take the parent with it. */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	for (; nw < jobs; nw++) {
		w[nw].task_fd = w[nw].result_fd = -1;
		if (start(w, nw, rows, tb, tasks, n) || feed(&w[nw], &next, n)) {
			fprintf(stderr, "lbsim: --policy-bench: cannot start a worker: %s\n",
				strerror(errno));
			rc = -1;
			nw++;
			break;
		}
	}
	while (rc == 0 && done < n) {
		rc = collect(w, nw, out, &done, &next, n);
		if (pg)
			lbs_progress_update(pg, done);
	}
	stop(w, nw, rc != 0);
	sigaction(SIGPIPE, &old, NULL);
	free(w);
	return rc;
}
