/* SPDX-License-Identifier: MIT */
/*
 * The plain driver of the fuzz target, for builds without libFuzzer (make
 * test runs it in every variant): runs the target over the files and
 * folders named (the seed corpus, or a reproducer), then over N inputs
 * from a seeded PRNG. A broken check is reported, its input saved under
 * $TMPDIR (or /tmp), and the run goes on with the next input.
 *
 *   lbfuzz [-t] [-n N] [-s SEED] [FILE|DIR]...
 *     -t  print each operation (to read a reproducer)
 *     -n  random inputs (default 2000, or 0 when files are named),
 *     -s  their seed (default 1)
 *
 * Ends with the harness's line "N passed, M failed" (one test for the
 * files, one for the random inputs).
 */
#include "fuzz.h"

#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static jmp_buf on_fail;
static unsigned failures, saved;

/* The input running now, for the watchdog. */
static const uint8_t *cur_data;
static size_t cur_size;

#define HANG_SECONDS 20

/* An input that runs for ever (a loop in the zone) cannot be longjmp'd
 * out of: save it and stop, with async-signal-safe calls only. */
static void hung(int sig)
{
	static const char msg[] = "lbfuzz: an input hung; saved as /tmp/lbfuzz-hang.bin\n";
	int fd = open("/tmp/lbfuzz-hang.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	(void)sig;
	if (fd >= 0) {
		if (write(fd, cur_data, cur_size) < 0)
			(void)0;
		close(fd);
	}
	if (write(2, msg, sizeof msg - 1) < 0)
		(void)0;
	_exit(3);
}

static void failed(void)
{
	longjmp(on_fail, 1);
}

static void save(const uint8_t *data, size_t size, const char *what)
{
	const char *dir = getenv("TMPDIR");
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/lbfuzz-repro-%ld-%u.bin", dir && *dir ? dir : "/tmp",
		 (long)time(NULL), saved++);
	f = fopen(path, "wb");
	if (f && fwrite(data, 1, size, f) == size)
		fprintf(stderr, "lbfuzz: %s failed, saved as %s (rerun: lbfuzz -t %s)\n", what,
			path, path);
	if (f)
		fclose(f);
}

/* Run one input; false (reported and saved) when a check broke. */
static bool run_one(const uint8_t *data, size_t size, const char *what, bool keep)
{
	cur_data = data;
	cur_size = size;
	alarm(HANG_SECONDS);
	if (setjmp(on_fail)) {
		alarm(0);
		failures++;
		if (keep)
			save(data, size, what);
		else
			fprintf(stderr, "lbfuzz: %s failed\n", what);
		fz_reset();
		return false;
	}
	LLVMFuzzerTestOneInput(data, size);
	alarm(0);
	return true;
}

static bool run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;
	bool ok;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "lbfuzz: cannot read %s\n", path);
		if (f)
			fclose(f);
		return false;
	}
	buf = malloc((size_t)n + 1);
	ok = buf && fread(buf, 1, (size_t)n, f) == (size_t)n;
	fclose(f);
	if (ok)
		ok = run_one(buf, (size_t)n, path, false);
	free(buf);
	return ok;
}

static bool run_path(const char *path, unsigned *files)
{
	struct stat sb;
	DIR *d;
	struct dirent *e;
	bool ok = true;

	if (stat(path, &sb)) {
		fprintf(stderr, "lbfuzz: no such file %s\n", path);
		return false;
	}
	if (!S_ISDIR(sb.st_mode)) {
		++*files;
		return run_file(path);
	}
	d = opendir(path);
	while (d && (e = readdir(d))) {
		char sub[1024];

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		ok &= run_path(sub, files);
	}
	if (d)
		closedir(d);
	return ok;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

int main(int argc, char **argv)
{
	unsigned long n = 2000, files = 0, passed = 0, failed_tests = 0;
	uint64_t seed = 1, seed0, inputs, ops;
	uint8_t buf[2048];
	int i = 1;
	bool ok = true, n_set = false;
	clock_t t0 = clock();

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-t"))
			fz_set_trace(1);
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			n = strtoul(argv[++i], NULL, 0), n_set = true;
		else if (!strcmp(argv[i], "-s") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else {
			fprintf(stderr, "usage: lbfuzz [-t] [-n N] [-s SEED] [FILE|DIR]...\n");
			return 2;
		}
	}
	fz_set_fail_handler(failed);
	signal(SIGALRM, hung);
	if (i < argc && !n_set)
		n = 0; /* files only: a reproducer */

	if (i < argc) {
		unsigned nf = 0;

		for (; i < argc; i++)
			ok &= run_path(argv[i], &nf);
		files = nf;
		printf("%s fuzz_files (%lu inputs)\n", ok ? "ok  " : "FAIL", files);
		ok ? passed++ : failed_tests++;
	}

	/* Random inputs: mostly short, some long; the first bytes (the zone)
	 * as random as the rest. */
	failures = 0;
	seed0 = seed;
	for (unsigned long k = 0; k < n; k++) {
		size_t len = 8 + splitmix(&seed) % (k % 8 ? 300 : sizeof buf - 8);
		char what[64];

		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)splitmix(&seed);
		snprintf(what, sizeof what, "random input %lu", k);
		run_one(buf, len, what, true);
	}
	if (n) {
		printf("%s fuzz_random (%lu inputs, seed %llu)\n", failures ? "FAIL" : "ok  ", n,
		       (unsigned long long)seed0);
		failures ? failed_tests++ : passed++;
	}
	fz_counts(&inputs, &ops);
	printf("lbfuzz: %llu inputs, %llu operations, %.1f s\n", (unsigned long long)inputs,
	       (unsigned long long)ops, (double)(clock() - t0) / CLOCKS_PER_SEC);
	printf("%lu passed, %lu failed\n", passed, failed_tests);
	return failed_tests ? 1 : 0;
}
