/* SPDX-License-Identifier: MIT */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const unsigned churn_threads[] = { 1, 2, 4, 8, 16 };
static const unsigned one_thread[] = { 1 };

void lbb_cli_usage(FILE *f)
{
	fprintf(f,
		"usage: lbbench [options]\n"
		"  --bench LIST       churn,mixed,fill_drain (default: all)\n"
		"  --allocator LIST   lazybuddy-<policy>, lazybuddy (all policies), glibc,\n"
		"                     jemalloc, mimalloc, mmap (default: all)\n"
		"  --memory M         accepted or lazy-mmap (default: both)\n"
		"  --threads LIST     thread counts (default: 1,2,4,8,16 for churn, 1 otherwise)\n"
		"  --repeats N        timed runs per measurement, median reported (default 7)\n"
		"  --ops N            operations per run, all threads together (default 1000000)\n"
		"  --seed N           random sequence (default 1)\n"
		"  --no-cache         lazybuddy through lb_alloc/lb_free, without lb_cache\n"
		"  --json             a JSON array instead of the table\n"
		"  --verbose          every run's ns/op on stderr (to see the noise)\n"
		"  --quick            a tiny run (for tests; figures mean nothing)\n"
		"  --help\n"
		"  --version          lbbench's version (the library's)\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	v = strtoull(s, &end, 10);
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int parse_threads(struct lbb_cli *c, const char *s)
{
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof buf, "%s", s);
	c->nthreads = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;

		if (parse_u64(tok, &v) || v == 0 || v > 1024 ||
		    c->nthreads == LBB_MAX_THREAD_COUNTS)
			return -1;
		c->threads[c->nthreads++] = (unsigned)v;
	}
	return c->nthreads ? 0 : -1;
}

static int parse_benches(struct lbb_cli *c, const char *s)
{
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof buf, "%s", s);
	memset(c->bench, 0, sizeof c->bench);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int b = lbb_bench_parse(tok);

		if (b < 0)
			return -1;
		c->bench[b] = true;
	}
	return 0;
}

/* "--name value" or "--name=value"; *i advances past what was used. */
static const char *value(int argc, char **argv, int *i, const char *name)
{
	size_t len = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, len))
		return NULL;
	if (a[len] == '=')
		return a + len + 1;
	if (a[len] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static int parse_one(struct lbb_cli *c, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v;
	uint64_t n;

	if (!strcmp(a, "--json"))
		c->json = true;
	else if (!strcmp(a, "--help") || !strcmp(a, "-h"))
		c->help = true;
	else if (!strcmp(a, "--version"))
		c->version = true;
	else if (!strcmp(a, "--quick"))
		; /* applied before the rest */
	else if (!strcmp(a, "--no-cache"))
		c->p.no_cache = true;
	else if (!strcmp(a, "--verbose"))
		c->p.verbose = true;
	else if ((v = value(argc, argv, i, "--bench")))
		return parse_benches(c, v);
	else if ((v = value(argc, argv, i, "--allocator")))
		c->allocators = v;
	else if ((v = value(argc, argv, i, "--threads")))
		return parse_threads(c, v);
	else if ((v = value(argc, argv, i, "--memory"))) {
		if (!strcmp(v, "accepted"))
			c->memory = LBB_MEM_ACCEPTED;
		else if (!strcmp(v, "lazy-mmap"))
			c->memory = LBB_MEM_LAZY;
		else
			return -1;
	} else if ((v = value(argc, argv, i, "--repeats"))) {
		if (parse_u64(v, &n) || n == 0 || n > 1000)
			return -1;
		c->p.repeats = (unsigned)n;
	} else if ((v = value(argc, argv, i, "--ops"))) {
		if (parse_u64(v, &n) || n == 0)
			return -1;
		c->p.ops = n;
	} else if ((v = value(argc, argv, i, "--seed"))) {
		if (parse_u64(v, &n))
			return -1;
		c->p.seed = n;
	} else {
		return -1;
	}
	return 0;
}

int lbb_cli_parse(int argc, char **argv, struct lbb_cli *c, FILE *err)
{
	bool quick = false;

	for (int i = 1; i < argc; i++)
		quick = quick || !strcmp(argv[i], "--quick");
	memset(c, 0, sizeof *c);
	lbb_params_default(&c->p, quick);
	for (int b = 0; b < LBB_NBENCH; b++)
		c->bench[b] = true;
	c->memory = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (parse_one(c, argc, argv, &i)) {
			fprintf(err, "lbbench: bad option or value: %s\n", a);
			lbb_cli_usage(err);
			return -1;
		}
	}
	return 0;
}

bool lbb_cli_wants(const struct lbb_cli *c, const struct lbb_allocator *a)
{
	char buf[256], *tok, *save = NULL;

	if (c->memory >= 0 && (int)a->memory != c->memory)
		return false;
	if (!c->allocators)
		return true;
	snprintf(buf, sizeof buf, "%s", c->allocators);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, a->name) ||
		    (!strcmp(tok, "lazybuddy") && !strncmp(a->name, "lazybuddy-", 10)))
			return true;
	return false;
}

size_t lbb_cli_threads(const struct lbb_cli *c, enum lbb_bench b, const unsigned **out)
{
	if (c->nthreads) {
		*out = c->threads;
		return c->nthreads;
	}
	if (b == LBB_CHURN) {
		*out = churn_threads;
		return sizeof churn_threads / sizeof churn_threads[0];
	}
	*out = one_thread;
	return 1;
}
