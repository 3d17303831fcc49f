/* SPDX-License-Identifier: MIT */
/*
 * Tests of lbsim record's parts that need no root (its options, the output
 * check, the compressing writer), of the progress line, and of the progress
 * a synthetic run reports. tests/record.sh records for real.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "../tools/lbsim/output/progress.h"
#include "../tools/lbsim/record/record.h"
#include "../tools/lbsim/run/sim.h"
#include "../tools/lbsim/record/zsink.h"
#include "test_model.h"

/* lbs_record_parse on a list of words; err's text in msg. */
static int parse(struct lbs_record_opts *o, char *msg, size_t len, char **words)
{
	int argc = 0, rc;
	FILE *f = fmemopen(msg, len, "w");

	while (words[argc])
		argc++;
	if (!f)
		return -1;
	rc = lbs_record_parse(argc, words, o, f);
	fclose(f);
	return rc;
}

TEST(record_parse_options)
{
	struct lbs_record_opts o;
	char msg[256] = "";
	char *plain[] = {"record", "--", "sleep", "1", NULL};
	char *all[] = {"record", "-o", "t.zst", "-l", "19", "-b", "4096", "-m", "perf",
		       "true", NULL};
	char *none[] = {"record", "-z", "none", "--", "true", NULL};
	char *keep[] = {"record", "-k", "-b", "4", "--", "true", NULL};

	REQUIRE(parse(&o, msg, sizeof msg, keep) == 0);
	CHECK(o.keep_lost && strcmp(o.buf_kb, "4") == 0 && o.cmd == keep + 5);
	REQUIRE(parse(&o, msg, sizeof msg, plain) == 0);
	CHECK(!o.keep_lost);
	CHECK(strcmp(o.out, "lbsim-trace.txt.zst") == 0);
	CHECK_EQ(o.level, LBS_RECORD_LEVEL);
	CHECK(o.buf_kb == NULL && o.method == NULL && !o.help);
	CHECK(o.cmd == plain + 2 && strcmp(o.cmd[0], "sleep") == 0);

	REQUIRE(parse(&o, msg, sizeof msg, all) == 0);
	CHECK(strcmp(o.out, "t.zst") == 0);
	CHECK_EQ(o.level, 19);
	CHECK(strcmp(o.buf_kb, "4096") == 0 && strcmp(o.method, "perf") == 0);
	CHECK(o.cmd == all + 9); /* the command may follow without -- */

	REQUIRE(parse(&o, msg, sizeof msg, none) == 0);
	CHECK_EQ(o.level, 0);
	CHECK(strcmp(o.out, "lbsim-trace.txt") == 0);
	CHECK_EQ(msg[0], '\0');
}

TEST(record_parse_errors)
{
	static const struct {
		const char *args[6];
		const char *says;
	} bad[] = {
		{{"record", NULL}, "no command"},
		{{"record", "--", NULL}, "no command"},
		{{"record", "-l", "0", "--", "true", NULL}, "not '0'"},
		{{"record", "-l", "20", "--", "true", NULL}, "not '20'"},
		{{"record", "-l", "3x", "--", "true", NULL}, "not '3x'"},
		{{"record", "-z", "xz", "--", "true", NULL}, "not 'xz'"},
		{{"record", "-z", "none", "-l", "5", "true"}, "not with -z none"},
		{{"record", "-b", "4M", "--", "true", NULL}, "not '4M'"},
		{{"record", "-b", "0", "--", "true", NULL}, "from 4 to 4194304, not '0'"},
		{{"record", "-b", "3", "--", "true", NULL}, "from 4 to 4194304, not '3'"},
		{{"record", "-b", "4194305", "--", "true", NULL}, "not '4194305'"},
		{{"record", "-b", "99999999999999999999", "--", "true", NULL}, "from 4 to 4194304"},
		{{"record", "-m", "ebpf", "--", "true", NULL}, "not 'ebpf'"},
		{{"record", "-o", NULL}, "-o wants a value"},
		{{"record", "-o", "", "true", NULL}, "-o wants a file name"},
		{{"record", "--out", "x", "true", NULL}, "unknown option --out"},
		{{"record", "-o", "t.txt", "--", "true", NULL}, "a zstd trace would be named .txt"},
		{{"record", "-z", "none", "-o", "t.zst", "true"}, "a plain-text trace would be named"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct lbs_record_opts o;
		char msg[256] = "";
		char *words[7] = {NULL};

		for (size_t j = 0; j < 6 && bad[i].args[j]; j++)
			words[j] = (char *)(uintptr_t)bad[i].args[j];
		CHECK_EQ(parse(&o, msg, sizeof msg, words), 2);
		/* One line, beginning with who speaks, saying what was wrong. */
		CHECK(strncmp(msg, "lbsim record: ", 14) == 0);
		CHECK(strstr(msg, bad[i].says) != NULL);
		CHECK(strchr(msg, '\n') == msg + strlen(msg) - 1);
		if (lbt_failed()) {
			printf("    case %zu: %s", i, msg);
			return;
		}
	}
}

/* A scratch directory under /tmp; its path in dir. */
static int scratch(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/lbtest-record-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

TEST(record_open_checks_output)
{
	char dir[64], path[128], tmp[256], buf[8] = "";
	struct stat st;
	mode_t mask;
	int fd;

	REQUIRE(scratch(dir, sizeof dir) == 0);
	/* A missing directory, a directory: nothing made. */
	snprintf(path, sizeof path, "%s/missing/t.zst", dir);
	errno = 0;
	CHECK_EQ(lbs_record_open(path, tmp, sizeof tmp), -1);
	CHECK_EQ(errno, ENOENT);
	CHECK_EQ(tmp[0], '\0');
	CHECK_EQ(lbs_record_open(dir, tmp, sizeof tmp), -1);
	CHECK_EQ(errno, EISDIR);

	/* An existing file stays as it is until the caller renames. */
	snprintf(path, sizeof path, "%s/t.zst", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	REQUIRE(fd >= 0);
	REQUIRE(write(fd, "old", 3) == 3);
	close(fd);
	fd = lbs_record_open(path, tmp, sizeof tmp);
	REQUIRE(fd >= 0);
	CHECK(strncmp(tmp, path, strlen(path)) == 0 && strlen(tmp) == strlen(path) + 7);
	CHECK(write(fd, "new", 3) == 3);
	close(fd);
	fd = open(path, O_RDONLY);
	REQUIRE(fd >= 0);
	CHECK(read(fd, buf, sizeof buf) == 3 && memcmp(buf, "old", 3) == 0);
	close(fd);
	/* The temporary has the mode a new file would have. */
	mask = umask(0);
	umask(mask);
	REQUIRE(stat(tmp, &st) == 0);
	CHECK_EQ(st.st_mode & 0777, 0666 & ~mask);
	CHECK(rename(tmp, path) == 0);

	/* Not a regular file: written as it is, never replaced. */
	fd = lbs_record_open("/dev/null", tmp, sizeof tmp);
	CHECK(fd >= 0);
	CHECK_EQ(tmp[0], '\0');
	if (fd >= 0)
		close(fd);

	unlink(path);
	rmdir(dir);
}

/* Text through a sink at level into a scratch file; the file's bytes. */
static unsigned char *through_sink(int level, const char *text, size_t *chunks, size_t nchunks,
				   struct lbs_zsink *z, size_t *len)
{
	char dir[64], path[128];
	unsigned char *buf = malloc(1 << 16);
	size_t off = 0;
	ssize_t r;
	int fd;

	*len = 0;
	if (!buf || scratch(dir, sizeof dir) != 0)
		goto fail;
	snprintf(path, sizeof path, "%s/out", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		goto fail;
	if (lbs_zsink_init(z, fd, level) != 0)
		goto fail_fd;
	for (size_t i = 0; i < nchunks; i++) {
		if (lbs_zsink_write(z, text + off, chunks[i]) != 0)
			goto fail_fd;
		off += chunks[i];
	}
	if (lbs_zsink_finish(z) != 0)
		goto fail_fd;
	r = pread(fd, buf, 1 << 16, 0);
	if (r < 0)
		goto fail_fd;
	*len = (size_t)r;
	close(fd);
	unlink(path);
	rmdir(dir);
	lbs_zsink_free(z);
	return buf;
fail_fd:
	close(fd);
	unlink(path);
	rmdir(dir);
fail:
	lbs_zsink_free(z);
	free(buf);
	return NULL;
}

TEST(record_zsink_compresses_and_counts)
{
	/* Two header lines, three events (the last without a newline); the
	 * writes cut lines, and one cut falls just before a '#'. */
	static const char text[] =
		"# tracer: nop\n"
		"#    TASK-PID\n"
		"   dd-1 [000] ..... 1.0: mm_page_alloc: pfn=0x1 order=0\n"
		"   dd-1 [000] ..... 1.1: mm_page_free: pfn=0x1 order=0\n"
		"   dd-1 [001] ..... 1.2: mm_page_alloc: pfn=0x2 order=0";
	size_t n = sizeof text - 1, chunks[] = {5, 9, 30, 0, n - 44}, len;
	char out[sizeof text];
	struct lbs_zsink z;
	unsigned char *f;

	f = through_sink(LBS_RECORD_LEVEL, text, chunks, 5, &z, &len);
	REQUIRE(f != NULL);
	CHECK_EQ(z.in, n);
	CHECK_EQ(z.out, len);
	CHECK_EQ(z.events, 3);
	CHECK_EQ(ZSTD_getFrameContentSize(f, len), ZSTD_CONTENTSIZE_UNKNOWN);
	CHECK_EQ(ZSTD_decompress(out, sizeof out, f, len), n);
	CHECK(memcmp(out, text, n) == 0);
	free(f);

	/* Level 0: the text as it is. */
	f = through_sink(0, text, chunks, 5, &z, &len);
	REQUIRE(f != NULL);
	CHECK_EQ(len, n);
	CHECK(memcmp(f, text, n) == 0);
	CHECK_EQ(z.events, 3);
	free(f);
}

/* sched_switch lines are counted apart, however the writes cut them. */
TEST(record_zsink_counts_sched_switch)
{
	static const char text[] =
		"# sched_switch: a header line is no event\n"
		"   dd-1 [000] d..2. 1.0: sched_switch: prev_comm=dd prev_pid=1 ==> next_pid=0\n"
		"   dd-1 [000] ..... 1.1: mm_page_free: pfn=0x1 order=0\n"
		"   dd 1 [000] 1.2: sched:sched_switch: dd:1 [120] S ==> sched_switch:0 [120]\n"
		"   dd-1 [001] ..... 1.3: mm_page_alloc: pfn=0x2 order=0\n"
		"s\n"
		"   dd-1 [001] d..2. 1.4: sched_switch: dd:1 [120] S ==> x:2 [120]";
	size_t n = sizeof text - 1, len;
	struct lbs_zsink z;
	unsigned char *f;

	/* In two writes, cut at every place; then a byte at a time. */
	for (size_t cut = 0; cut <= n; cut++) {
		size_t chunks[] = {cut, n - cut};

		f = through_sink(0, text, chunks, 2, &z, &len);
		REQUIRE(f != NULL);
		CHECK_EQ(z.events, 6);
		CHECK_EQ(z.sched, 3);
		free(f);
		if (lbt_failed()) {
			printf("    cut at %zu\n", cut);
			return;
		}
	}
	{
		size_t ones[sizeof text - 1];

		for (size_t i = 0; i < n; i++)
			ones[i] = 1;
		f = through_sink(0, text, ones, n, &z, &len);
		REQUIRE(f != NULL);
		CHECK_EQ(z.events, 6);
		CHECK_EQ(z.sched, 3);
		CHECK_EQ(len, n);
		free(f);
	}
}

TEST(record_zsink_write_error)
{
	struct lbs_zsink z;
	int fd = open("/dev/full", O_WRONLY);

	if (fd < 0)
		return; /* no /dev/full here: nothing to check against */
	REQUIRE(lbs_zsink_init(&z, fd, 0) == 0);
	CHECK_EQ(lbs_zsink_write(&z, "abc\n", 4), -1);
	CHECK(strcmp(z.err, strerror(ENOSPC)) == 0);
	lbs_zsink_free(&z);
	close(fd);
}

/* ------------------------------------------------------------ progress */

/* A progress line into a memory buffer, as if a second had passed. */
static FILE *progress_on(struct lbs_progress *p, char *buf, size_t len, uint64_t total)
{
	FILE *f = fmemopen(buf, len, "w");
	if (f) {
		setvbuf(f, NULL, _IONBF, 0);
		lbs_progress_init(p, f, 1, total);
		p->start_ns -= UINT64_C(2000000000);
	}
	return f;
}

TEST(progress_bar_and_text)
{
	struct lbs_progress p;
	char buf[1024] = "";
	FILE *f;

	/* No terminal: nothing, ever. */
	f = fmemopen(buf, sizeof buf, "w");
	REQUIRE(f != NULL);
	lbs_progress_init(&p, f, 0, 100);
	p.start_ns -= UINT64_C(2000000000);
	lbs_progress_update(&p, 50);
	lbs_progress_text(&p, "text");
	lbs_progress_end(&p);
	fclose(f);
	CHECK_EQ(buf[0], '\0');

	/* Within the first second: nothing either. */
	f = fmemopen(buf, sizeof buf, "w");
	REQUIRE(f != NULL);
	lbs_progress_init(&p, f, 1, 100);
	lbs_progress_update(&p, 50);
	lbs_progress_end(&p);
	fclose(f);
	CHECK_EQ(buf[0], '\0');

	/* Later: the bar, a long label in full, then erased. */
	f = progress_on(&p, buf, sizeof buf, 200);
	REQUIRE(f != NULL);
	lbs_progress_stage(&p, 100, "background churn");
	lbs_progress_update(&p, 50);
	CHECK(strstr(buf, " 75% background churn") != NULL);
	CHECK(strstr(buf, "[##############################..........]") != NULL);
	lbs_progress_end(&p);
	fclose(f);
	/* The erasing line covers all that was drawn. */
	{
		const char *last = strrchr(buf, '\r'), *prev;
		REQUIRE(last && last > buf);
		prev = last - 1;
		while (prev > buf && *prev != '\r')
			prev--;
		CHECK((size_t)(last - prev - 1) >= strlen("[") + 40 + strlen("]  75% background churn"));
		CHECK(strspn(prev + 1, " ") == (size_t)(last - prev - 1));
	}

	/* Text: a shorter line pads over a longer one; long text is cut. */
	f = progress_on(&p, buf, sizeof buf, 1);
	REQUIRE(f != NULL);
	lbs_progress_text(&p, "read 10.0 MiB, wrote 1.0 MiB");
	p.last_ns -= UINT64_C(1000000000);
	lbs_progress_text(&p, "read 2 KiB");
	CHECK(strstr(buf, "\rread 2 KiB                  ") != NULL);
	fclose(f);
	{
		char longtext[200];
		memset(longtext, 'x', sizeof longtext - 1);
		longtext[sizeof longtext - 1] = '\0';
		f = progress_on(&p, buf, sizeof buf, 1);
		REQUIRE(f != NULL);
		lbs_progress_text(&p, longtext);
		fclose(f);
		CHECK_EQ(strlen(buf), 1 + LBS_PROGRESS_LINE);
	}
}

/* ------------------------------------------------------- synthetic runs */

struct seen {
	uint64_t calls, last;
	int backwards, inside; /* inside: a share strictly between none and all */
};

static void note(void *ctx, uint64_t done)
{
	struct seen *s = ctx;
	if (done < s->last)
		s->backwards = 1;
	if (done > 0 && done < LBS_SIM_PROGRESS)
		s->inside = 1;
	s->last = done;
	s->calls++;
}

TEST(sim_progress_reports_each_workload)
{
	struct lbs_sim_config c;

	lbs_sim_defaults(&c);
	lbt_use_test_model(&c);
	c.memory_bytes = UINT64_C(256) << 20;
	c.pre_accepted_bytes = UINT64_C(64) << 20;
	c.churn_ops = 20000;
	c.vcpus = 2;
	for (int w = 0; w < LBS_WL_COUNT; w++) {
		struct lbs_result a, b;
		struct seen s = {0, 0, 0, 0};

		REQUIRE(lbs_sim_run_progress(&c, LB_POLICY_ADAPTIVE, (enum lbs_workload)w, &a, note,
					     &s) == 0);
		/* Along the way, forwards only, ending at the whole. */
		CHECK(s.calls >= 3);
		CHECK(s.inside);
		CHECK(!s.backwards);
		CHECK_EQ(s.last, LBS_SIM_PROGRESS);
		/* Watching changes nothing. */
		REQUIRE(lbs_sim_run(&c, LB_POLICY_ADAPTIVE, (enum lbs_workload)w, &b) == 0);
		CHECK_EQ(a.allocations, b.allocations);
		CHECK_EQ(a.frees, b.frees);
		CHECK_EQ(a.virtual_time_ns, b.virtual_time_ns);
		CHECK_EQ(a.accept_calls, b.accept_calls);
		lbs_result_free(&a);
		lbs_result_free(&b);
		if (lbt_failed()) {
			printf("    workload %s: %llu calls, last %llu\n",
			       lbs_workload_name((enum lbs_workload)w), (unsigned long long)s.calls,
			       (unsigned long long)s.last);
			return;
		}
	}
}
