/* SPDX-License-Identifier: MIT */
/*
 * lbbench's options, one table: name, value, help text and parser. The
 * help is printed from it; a bad value is refused in one line that says
 * which option, which value and what was expected.
 */
#include "cli.h"
#include "../common/args.h"
#include "../common/num.h"
#include "../common/wrap.h"

#include <stdlib.h>
#include <string.h>

static const unsigned scaling_threads[] = { 1, 2, 4, 8, 16 };
static const unsigned one_thread[] = { 1 };

#define MAX_THREADS 1024
#define MAX_REPEATS 1000
#define MAX_OPS UINT64_C(1000000000) /* about 10 s a run for the fastest */
#define LIST_MAX 256                 /* bytes of a comma list */

struct opt;
typedef int (*opt_parser)(struct lbb_cli *c, const struct opt *o, const char *v, FILE *err);

struct opt {
	const char *name; /* without the "--" */
	const char *arg;  /* the value's name in the help; NULL: a flag */
	const char *help; /* {benches}, {allocators} are filled in */
	opt_parser parse;
};

/* "lbbench: --NAME VALUE: why (try --help)", always one line. */
static int refuse(FILE *err, const struct opt *o, const char *v, const char *why)
{
	fprintf(err, "lbbench: --%s %s: %s (try --help)\n", o->name, v, why);
	return -1;
}

/* A comma list with an empty item ("a,", ",a", "a,,b", ","): refused, as
 * lbsim refuses them, rather than read as the items that are there. */
static int empty_item(FILE *err, const struct opt *o, const char *v)
{
	size_t len = strlen(v);

	if (len && v[0] != ',' && v[len - 1] != ',' && !strstr(v, ",,"))
		return 0;
	return refuse(err, o, v, len ? "an empty item in the comma list" : "an empty list");
}

/* A number in [lo, hi], or a line saying the range. */
static int ranged(FILE *err, const struct opt *o, const char *v, uint64_t lo, uint64_t hi,
		  uint64_t *out)
{
	char why[96];

	if (lbs_parse_u64(v, out) == 0 && *out >= lo && *out <= hi)
		return 0;
	snprintf(why, sizeof why, "must be a whole number, %llu to %llu", (unsigned long long)lo,
		 (unsigned long long)hi);
	return refuse(err, o, v, why);
}

static int p_repeats(struct lbb_cli *c, const struct opt *o, const char *v, FILE *err)
{
	uint64_t n;

	if (ranged(err, o, v, 1, MAX_REPEATS, &n))
		return -1;
	c->p.repeats = (unsigned)n;
	return 0;
}

static int p_ops(struct lbb_cli *c, const struct opt *o, const char *v, FILE *err)
{
	c->ops_given = true;
	return ranged(err, o, v, 1, MAX_OPS, &c->p.ops);
}

static int p_seed(struct lbb_cli *c, const struct opt *o, const char *v, FILE *err)
{
	return ranged(err, o, v, 0, UINT64_MAX, &c->p.seed);
}

static int p_threads(struct lbb_cli *c, const struct opt *o, const char *v, FILE *err)
{
	char buf[LIST_MAX], *tok, *save = NULL, why[96];

	if (strlen(v) >= sizeof buf)
		return refuse(err, o, "...", "list too long");
	if (empty_item(err, o, v))
		return -1;
	snprintf(buf, sizeof buf, "%s", v);
	c->nthreads = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t n;
		size_t k = 0;

		if (lbs_parse_u64(tok, &n) == 0) { /* a count given twice runs once */
			while (k < c->nthreads && c->threads[k] != n)
				k++;
			if (k < c->nthreads)
				continue;
		}
		if (c->nthreads == LBB_MAX_THREAD_COUNTS) {
			snprintf(why, sizeof why, "at most %d thread counts", LBB_MAX_THREAD_COUNTS);
			return refuse(err, o, v, why);
		}
		if (lbs_parse_u64(tok, &n) || n == 0 || n > MAX_THREADS) {
			if (strcmp(tok, v))
				snprintf(why, sizeof why, "'%s' is not a thread count, 1 to %d", tok,
					 MAX_THREADS);
			else
				snprintf(why, sizeof why, "must be 1 to %d", MAX_THREADS);
			return refuse(err, o, v, why);
		}
		c->threads[c->nthreads++] = (unsigned)n;
	}
	if (!c->nthreads) {
		snprintf(why, sizeof why, "expected thread counts, 1 to %d, comma-separated",
			 MAX_THREADS);
		return refuse(err, o, v, why);
	}
	return 0;
}

static int p_bench(struct lbb_cli *c, const struct opt *o, const char *v, FILE *err)
{
	char buf[LIST_MAX], *tok, *save = NULL;
	bool any = false;

	if (strlen(v) >= sizeof buf)
		return refuse(err, o, "...", "list too long");
	if (empty_item(err, o, v))
		return -1;
	snprintf(buf, sizeof buf, "%s", v);
	memset(c->bench, 0, sizeof c->bench);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int b = lbb_bench_parse(tok);

		if (b < 0)
			break;
		c->bench[b] = any = true;
	}
	if (tok || !any) {
		fprintf(err, "lbbench: --%s %s: expected a comma list of:", o->name, v);
		for (int b = 0; b < LBB_NBENCH; b++)
			fprintf(err, " %s", lbb_bench_name((enum lbb_bench)b));
		fprintf(err, " (try --help)\n");
		return -1;
	}
	return 0;
}

/* Every name --allocator takes, once each: "lazybuddy", then the list's. */
static size_t allocator_names(const char **names, size_t cap, struct lbb_allocator *al, size_t na)
{
	size_t n = 0;

	names[n++] = "lazybuddy";
	for (size_t i = 0; i < na && n < cap; i++) {
		size_t k = 0;

		while (k < n && strcmp(names[k], al[i].name))
			k++;
		if (k == n)
			names[n++] = al[i].name;
	}
	return n;
}

static int p_allocator(struct lbb_cli *c, const struct opt *o, const char *v, FILE *err)
{
	struct lbb_allocator al[LBB_MAX_ALLOCATORS];
	const char *names[LBB_MAX_ALLOCATORS + 1];
	size_t na = lbb_allocator_list(al, LBB_MAX_ALLOCATORS);
	size_t nn = allocator_names(names, LBB_MAX_ALLOCATORS + 1, al, na);
	char buf[LIST_MAX], *tok, *save = NULL;
	bool any = false;

	if (strlen(v) >= sizeof buf)
		return refuse(err, o, "...", "list too long");
	if (empty_item(err, o, v))
		return -1;
	snprintf(buf, sizeof buf, "%s", v);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t k = 0;

		while (k < nn && strcmp(tok, names[k]))
			k++;
		if (k == nn)
			break;
		any = true;
	}
	if (tok || !any) {
		fprintf(err, "lbbench: --%s %s: %s%s%sexpected a comma list of:", o->name, v,
			tok ? "unknown allocator '" : "", tok ? tok : "", tok ? "'; " : "");
		for (size_t k = 0; k < nn; k++)
			fprintf(err, " %s", names[k]);
		fprintf(err, " (try --help)\n");
		return -1;
	}
	c->allocators = v;
	return 0;
}

static int p_memory(struct lbb_cli *c, const struct opt *o, const char *v, FILE *err)
{
	if (!strcmp(v, lbb_memory_name(LBB_MEM_ACCEPTED)))
		c->memory = LBB_MEM_ACCEPTED;
	else if (!strcmp(v, lbb_memory_name(LBB_MEM_LAZY)))
		c->memory = LBB_MEM_LAZY;
	else
		return refuse(err, o, v, "expected accepted or lazy-mmap");
	return 0;
}

static int p_flag(struct lbb_cli *c, const struct opt *o, const char *v, FILE *err)
{
	(void)v;
	(void)err;
	if (!strcmp(o->name, "json"))
		c->json = true;
	else if (!strcmp(o->name, "help"))
		c->help = true;
	else if (!strcmp(o->name, "version"))
		c->version = true;
	else if (!strcmp(o->name, "no-cache"))
		c->p.no_cache = true;
	else if (!strcmp(o->name, "verbose"))
		c->p.verbose = true;
	else if (!strcmp(o->name, "paths"))
		c->paths = true;
	/* --quick: applied before the rest (lbb_cli_parse) */
	return 0;
}

_Static_assert(MAX_THREADS == 1024 && MAX_REPEATS == 1000 && MAX_OPS == 1000000000,
	       "the help texts give the ranges");

static const struct opt opts[] = {
	{"bench", "LIST", "{benches} (default: all)", p_bench},
	{"allocator", "LIST", "{allocators} (default: all; lazybuddy: every lazybuddy-<policy>)",
	 p_allocator},
	{"memory", "M", "accepted or lazy-mmap (default: both)", p_memory},
	{"threads", "LIST", "thread counts, 1 to 1024 (default: 1,2,4,8,16, 1 for "
	 "fill_drain)", p_threads},
	{"repeats", "N", "timed runs per measurement, 1 to 1000, median reported (default 7)",
	 p_repeats},
	{"ops", "N", "churn, mixed and handoff: operations per run, all threads together, 1 "
	 "to 1000000000 (default 1000000); at least what fills each thread's live set (churn: "
	 "4096 pages a thread; mixed: 1024 blocks split among the threads, one at least; "
	 "handoff: a ring of 256 pages a thread, and an even count: each page allocated "
	 "is freed); "
	 "mmap runs 1/16 of it; fill_drain ignores it (one fill of 131072 pages and its "
	 "drain); each row's count is its ops column", p_ops},
	{"seed", "N", "random sequence (default 1)", p_seed},
	{"no-cache", NULL, "lazybuddy through lb_alloc/lb_free, without lb_cache (lazybuddy "
	 "allocators only)", p_flag},
	{"paths", NULL, "the library's own paths in a minimal loop instead (cache churn, cache "
	 "mixed, zone churn, against a reference loop and recorded ratios; "
	 "tools/lbbench/paths.h); takes --repeats, --ops (default 4000000), --seed, --json",
	 p_flag},
	{"json", NULL, "a JSON array instead of the table", p_flag},
	{"verbose", NULL, "every run's ns/op on stderr (to see the noise)", p_flag},
	{"quick", NULL, "a tiny run (for tests; figures mean nothing)", p_flag},
	{"help", NULL, "this text (-h too)", p_flag},
	{"version", NULL, "lbbench's version (the library's)", p_flag},
};

#define NOPTS (sizeof opts / sizeof opts[0])
_Static_assert(NOPTS <= 32, "lbb_cli.given holds a bit per option");

#define HELP_COL 21
#define HELP_WIDTH 79

/* o's help with {names} filled in. */
static void help_text(char *out, size_t len, const struct opt *o)
{
	struct lbb_allocator al[LBB_MAX_ALLOCATORS];
	const char *names[LBB_MAX_ALLOCATORS + 1];
	const char *h = o->help, *rest = h;
	size_t n = 0;

	out[0] = '\0';
	if (!strncmp(h, "{benches}", 9)) {
		for (int b = 0; b < LBB_NBENCH; b++)
			n += (size_t)snprintf(out + n, len - n, "%s%s", b ? "," : "",
					      lbb_bench_name((enum lbb_bench)b));
		rest = h + 9;
	} else if (!strncmp(h, "{allocators}", 12)) {
		size_t nn = allocator_names(names, LBB_MAX_ALLOCATORS + 1, al,
					    lbb_allocator_list(al, LBB_MAX_ALLOCATORS));
		for (size_t k = 0; k < nn && n < len; k++) {
			/* lazybuddy-<policy> for the policies */
			if (!strncmp(names[k], "lazybuddy-", 10))
				continue;
			n += (size_t)snprintf(out + n, len - n, "%s%s", k ? ", " : "",
					      k ? names[k] : "lazybuddy-<policy>, lazybuddy");
		}
		rest = h + 12;
	}
	if (n < len)
		snprintf(out + n, len - n, "%s", rest);
}

void lbb_cli_usage(FILE *f)
{
	fprintf(f, "usage: lbbench [options]\n");
	for (size_t k = 0; k < NOPTS; k++) {
		char text[512];
		int col = fprintf(f, "  --%s%s%s", opts[k].name, opts[k].arg ? " " : "",
				  opts[k].arg ? opts[k].arg : "");

		help_text(text, sizeof text, &opts[k]);
		lbtools_wrap(f, col, text, HELP_COL, HELP_WIDTH);
	}
}

static const struct opt *find_opt(const char *name, size_t len)
{
	for (size_t k = 0; k < NOPTS; k++)
		if (strlen(opts[k].name) == len && !strncmp(opts[k].name, name, len))
			return &opts[k];
	return NULL;
}

/* lbtools_next_option()'s look-up: the table's index, or -1. */
static int opt_index(const char *name, size_t len, int *takes_value)
{
	const struct opt *o = find_opt(name, len);

	*takes_value = o && o->arg;
	return o ? (int)(o - opts) : -1;
}

/* At least one allocator is chosen, or a line saying why none is. */
static int chooses_some(const struct lbb_cli *c, FILE *err)
{
	struct lbb_allocator al[LBB_MAX_ALLOCATORS];
	size_t na = lbb_allocator_list(al, LBB_MAX_ALLOCATORS);

	for (size_t i = 0; i < na; i++)
		if (lbb_cli_wants(c, &al[i]))
			return 0;
	fprintf(err, "lbbench: --allocator %s --memory %s: none of those runs on %s memory (those "
		"that do:", c->allocators, lbb_memory_name((enum lbb_memory)c->memory),
		lbb_memory_name((enum lbb_memory)c->memory));
	for (size_t i = 0; i < na; i++)
		if ((int)al[i].memory == c->memory)
			fprintf(err, " %s", al[i].name);
	fprintf(err, ")\n");
	return -1;
}

/* --ops and --no-cache apply to the run chosen, or a line saying why not. */
static int applies(const struct lbb_cli *c, FILE *err)
{
	static const char *const paths_take[] = { "paths", "repeats", "ops", "seed", "json",
						   "quick" };

	if (c->paths) {
		for (size_t k = 0; k < NOPTS; k++) {
			bool ok = false;

			for (size_t j = 0; j < sizeof paths_take / sizeof *paths_take; j++)
				ok = ok || !strcmp(opts[k].name, paths_take[j]);
			if (!ok && (c->given >> k & 1)) {
				fprintf(err, "lbbench: --%s does not apply to --paths (it takes "
					"--repeats, --ops, --seed and --json)\n", opts[k].name);
				return -1;
			}
		}
		return 0;
	}
	struct lbb_allocator al[LBB_MAX_ALLOCATORS];
	size_t na = lbb_allocator_list(al, LBB_MAX_ALLOCATORS);
	bool lazy = false;

	if (c->ops_given && !c->bench[LBB_CHURN] && !c->bench[LBB_MIXED] &&
	    !c->bench[LBB_HANDOFF]) {
		fprintf(err, "lbbench: --ops applies to churn, mixed and handoff (fill_drain runs "
			"one fill of %zu pages and its drain, whatever --ops says)\n",
			c->p.fill_pages);
		return -1;
	}
	for (size_t i = 0; i < na; i++)
		lazy = lazy || (lbb_cli_wants(c, &al[i]) && !strncmp(al[i].name, "lazybuddy-", 10));
	if (c->p.no_cache && !lazy) {
		fprintf(err, "lbbench: --no-cache applies to lazybuddy allocators (--allocator %s "
			"chooses none)\n", c->allocators ? c->allocators : "");
		return -1;
	}
	return 0;
}

int lbb_cli_parse(int argc, char **argv, struct lbb_cli *c, FILE *err)
{
	struct lbtools_args args = {argc, 1, argv, "lbbench", err};
	bool quick = false;
	const char *v;
	int k, got;

	for (int i = 1; i < argc; i++)
		quick = quick || !strcmp(argv[i], "--quick");
	memset(c, 0, sizeof *c);
	lbb_params_default(&c->p, quick);
	for (int b = 0; b < LBB_NBENCH; b++)
		c->bench[b] = true;
	c->memory = -1;
	while ((got = lbtools_next_option(&args, opt_index, &k, &v)) > 0) {
		if (opts[k].parse(c, &opts[k], v, err))
			return -1;
		c->given |= UINT32_C(1) << k;
	}
	if (got < 0)
		return -1;
	if (c->allocators && c->memory >= 0 && chooses_some(c, err))
		return -1;
	return applies(c, err);
}

bool lbb_cli_wants(const struct lbb_cli *c, const struct lbb_allocator *a)
{
	char buf[LIST_MAX], *tok, *save = NULL;

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
	if (b != LBB_FILL_DRAIN) {
		*out = scaling_threads;
		return sizeof scaling_threads / sizeof scaling_threads[0];
	}
	*out = one_thread;
	return 1;
}
