/* SPDX-License-Identifier: MIT */
/*
 * Cost files: one `key = value` a line, `#` to the end of a line a
 * comment. The keys are user-facing, their units in their names; each
 * fills a field of struct lbs_model (model.h). Without `preset` (first if
 * given) every key but `name` is required, so a file never silently takes
 * a figure from somewhere else.
 */
#include "cost.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/num.h"
#include "../results/result.h"

#define MAX_ORDER 31 /* bits of lb_model_params.levels: 2^31 pages, 8 TiB */
#define GRANULE_MAX_ORDER 18 /* 1 GiB */

enum kind { K_PRESET, K_NAME, K_NS, K_PCT, K_BP, K_SIZES, K_REFUSED, K_GRANULE };

#define MAX_NS UINT64_C(3600000000000)
#define LINE_MAX_BYTES 1024         /* a key, '=' and a value: far less */
#define FILE_MAX_BYTES (64 * 1024)  /* a cost file is a few lines */

#define NS(key, field) { key, K_NS, offsetof(struct lbs_model, field) }
static const struct key {
	const char *name;
	enum kind kind;
	size_t off; /* K_NS: its uint64_t field */
} keys[] = { /* preset first: at[0] is its line */
	{ "preset", K_PRESET, 0 },
	{ "name", K_NAME, 0 },
	NS("accept_call_ns", call.call_ns),
	NS("accept_page_ns", call.page_ns),
	NS("release_call_ns", call.release_call_ns),
	NS("release_page_ns", call.release_page_ns),
	NS("refused_call_ns", call.refused_ns),
	NS("host_fault_ns", call.fault_ns),
	NS("host_fault_per_vcpu_ns", call.fault_vcpu_ns),
	NS("boot_fixed_ns", boot_ns),
	NS("boot_per_gib_ns", boot_gib_ns),
	NS("first_write_per_gib_ns", write_gib_ns),
	{ "host_capacity_pct", K_PCT, 0 },
	{ "host_contention_bp", K_BP, 0 },
	{ "accept_sizes", K_SIZES, 0 },
	{ "refused_sizes", K_REFUSED, 0 },
	{ "host_granule", K_GRANULE, 0 },
};
#undef NS
enum { NKEYS = sizeof keys / sizeof keys[0] };

struct load {
	const char *path;
	unsigned long line;
	struct lbs_model p;
	char name[LBS_NAME_MAX];
	size_t name_max;         /* characters */
	unsigned long at[NKEYS]; /* the line each key was given on; 0: not given */
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(struct load *ld, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(ld->err, ld->errlen, "%s:%lu: ", ld->path, ld->line);

	if (n >= 0 && (size_t)n < ld->errlen) {
		va_start(ap, fmt);
		vsnprintf(ld->err + n, ld->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Decimal digits only: no sign, no fraction, no hex, no overflow. */
static int parse_dec(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10u)
			return -1;
		v = v * 10u + d;
	}
	*out = v;
	return 0;
}

/* A size as lbsim's options take it ("4K", "2MiB", "4096"): its order in
 * pages, if a power of two from 4K to 2^max pages; else -1. */
static int size_order(const char *s, unsigned max)
{
	uint64_t b;
	unsigned k;

	if (lbs_parse_size(s, &b) != 0 || b < LB_PAGE_SIZE || (b & (b - 1u)))
		return -1;
	k = (unsigned)__builtin_ctzll(b) - LB_PAGE_SHIFT;
	return k <= max ? (int)k : -1;
}

static void size_text(char *buf, size_t len, unsigned order)
{
	static const char unit[] = "KMGT";
	unsigned sh = order + 2; /* 4K << order, in KiB as a power of two */
	unsigned u = sh / 10 < 3 ? sh / 10 : 3;

	snprintf(buf, len, "%lu%c", 1ul << (sh - 10 * u), unit[u]);
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* A comma list of sizes as bits of 2^k pages; -1 with the bad item in *bad. */
static int size_list(char *v, unsigned *bits, const char **bad)
{
	unsigned b = 0;

	for (;;) {
		char *comma = strchr(v, ',');
		if (comma)
			*comma = '\0';
		char *item = trim(v);
		int k = size_order(item, MAX_ORDER);
		if (k < 0) {
			*bad = item;
			return -1;
		}
		b |= 1u << k;
		if (!comma)
			break;
		v = comma + 1;
	}
	*bits = b;
	return 0;
}

/* A name's characters: one word in a table cell, a CSV field unquoted. */
static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '+';
}

static int name_ok(const char *v, size_t max)
{
	size_t n = strlen(v);

	for (size_t i = 0; i < n; i++)
		if (!name_char(v[i]))
			return 0;
	return n > 0 && n <= max;
}

static int set_key(struct load *ld, const struct key *k, char *v)
{
	const char *bad = NULL;
	uint64_t x;
	unsigned bits;
	int o;

	switch (k->kind) {
	case K_PRESET:
		if (lbs_model_preset(v, &ld->p) != LB_OK)
			return fail(ld, "unknown preset '%s'", v);
		return 0;
	case K_NAME:
		if (!name_ok(v, ld->name_max))
			return fail(ld, "name = '%s': expected 1 to %zu letters, digits or - _ . +", v,
				    ld->name_max);
		memcpy(ld->name, v, strlen(v) + 1);
		return 0;
	case K_NS:
		/* At most an hour: any more is a typo, and sums of such figures
		 * stay far from wrapping. */
		if (parse_dec(v, &x) != 0 || x > MAX_NS)
			return fail(ld, "%s = '%s': expected nanoseconds, a whole number from 0 to "
				    "%" PRIu64 " (an hour) in decimal digits", k->name, v, MAX_NS);
		memcpy((char *)&ld->p + k->off, &x, sizeof x);
		return 0;
	case K_PCT:
		/* Below 100, one accept alone would not get the figures above. */
		if (parse_dec(v, &x) != 0 || (x && x < 100u) || x > LBS_CAPACITY_MAX_PCT)
			return fail(ld, "host_capacity_pct = '%s': expected 0 (no limit) or a whole "
				    "percentage of one accept alone from 100 to %u", v,
				    LBS_CAPACITY_MAX_PCT);
		ld->p.host_capacity_pct = (unsigned)x;
		return 0;
	case K_BP:
		if (parse_dec(v, &x) != 0 || x > LBS_CONTENTION_MAX_BP)
			return fail(ld, "host_contention_bp = '%s': expected 0 (none) or a whole "
				    "number of hundredths of a percent up to %u", v,
				    LBS_CONTENTION_MAX_BP);
		ld->p.host_contention_bp = (unsigned)x;
		return 0;
	case K_SIZES:
	case K_REFUSED:
		if (k->kind == K_REFUSED && strcmp(v, "none") == 0) {
			ld->p.call.tries = 0;
			return 0;
		}
		if (size_list(v, &bits, &bad) != 0)
			return fail(ld, "%s: bad size '%s' (expected a comma list of powers of two "
				    "from 4K to 8T, e.g. 4K,2M%s)", k->name, bad,
				    k->kind == K_REFUSED ? ", or none" : "");
		if (k->kind == K_SIZES) {
			ld->p.call.levels = bits | 1u; /* 4K is always accepted */
		} else if (bits & 1u) {
			return fail(ld, "refused_sizes: 4K is always accepted (the floor), it "
				    "cannot be refused");
		} else {
			ld->p.call.tries = bits;
		}
		return 0;
	case K_GRANULE:
		o = size_order(v, GRANULE_MAX_ORDER);
		if (o < 0)
			return fail(ld, "host_granule = '%s': expected one power of two from 4K to "
				    "1G, e.g. 4K or 2M", v);
		ld->p.call.host_order = (unsigned)o;
		return 0;
	}
	return -1;
}

/* One line, comment and blanks gone and not empty. */
static int parse_line(struct load *ld, char *s)
{
	char *eq = strchr(s, '='), *v;
	size_t i;

	if (!eq)
		return fail(ld, "expected key = value, found no '='");
	*eq = '\0';
	s = trim(s);
	v = trim(eq + 1);
	for (i = 0; i < NKEYS; i++)
		if (strcmp(s, keys[i].name) == 0)
			break;
	if (i == NKEYS) {
		char list[512];
		size_t n = 0;
		for (size_t j = 0; j < NKEYS && n < sizeof list; j++)
			n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", j ? ", " : "",
					      keys[j].name);
		return fail(ld, "unknown key '%s' (expected one of: %s)", s, list);
	}
	if (ld->at[i])
		return fail(ld, "%s given twice (first on line %lu)", s, ld->at[i]);
	if (keys[i].kind == K_PRESET) {
		for (size_t j = 0; j < NKEYS; j++)
			if (ld->at[j])
				return fail(ld, "preset must come first (the keys after it override "
					    "its figures)");
	}
	ld->at[i] = ld->line;
	return set_key(ld, &keys[i], v);
}

/* After the last line: every key there (or a preset), no size both ways. */
static int finish(struct load *ld)
{
	unsigned both = ld->p.call.levels & ld->p.call.tries & ~1u;

	if (!ld->at[0]) {
		for (size_t i = 0; i < NKEYS; i++) {
			if (keys[i].kind == K_PRESET || keys[i].kind == K_NAME || ld->at[i])
				continue;
			snprintf(ld->err, ld->errlen,
				 "%s: missing key %s (give it, or start with preset = NAME)", ld->path,
				 keys[i].name);
			return -1;
		}
	}
	if (both) {
		char sz[16];
		size_text(sz, sizeof sz, (unsigned)__builtin_ctz(both));
		ld->line = 0; /* the later of the two keys, else the preset's line */
		for (size_t i = 0; i < NKEYS; i++)
			if ((keys[i].kind == K_SIZES || keys[i].kind == K_REFUSED) &&
			    ld->at[i] > ld->line)
				ld->line = ld->at[i];
		if (!ld->line)
			ld->line = ld->at[0];
		return fail(ld, "%s is in both accept_sizes and refused_sizes (a size is accepted "
			    "or refused, not both)", sz);
	}
	return 0;
}

/* The file's base name without its extension, other characters as '_'. */
static void default_name(struct load *ld)
{
	const char *b = strrchr(ld->path, '/'), *dot;
	size_t n, i;

	b = b ? b + 1 : ld->path;
	dot = strrchr(b, '.');
	n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
	if (n > ld->name_max)
		n = ld->name_max;
	for (i = 0; i < n; i++)
		ld->name[i] = name_char(b[i]) ? b[i] : '_';
	ld->name[i] = '\0';
	if (n == 0)
		snprintf(ld->name, sizeof ld->name, "%s", "file");
}

/* The next line into buf (cap bytes and a NUL), without its newline: its
 * length, READ_EOF at the end, READ_LONG when it does not fit. A NUL byte
 * ends the read too: the line is refused for it. */
#define READ_EOF (-1)
#define READ_LONG (-2)
static long next_line(FILE *f, char *buf, size_t cap)
{
	size_t n = 0;
	int c = EOF;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (n == cap)
			return READ_LONG;
		buf[n++] = (char)c;
		if (!c)
			break;
	}
	if (c == EOF && n == 0)
		return READ_EOF;
	buf[n] = '\0';
	return (long)n;
}

/* Outside comments a cost file is printable ASCII and tabs (a line may end
 * in CR LF): anything else is refused and named in hex, never quoted raw
 * (an escape sequence in a key would reach the terminal). */
static int check_text(struct load *ld, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!c)
			return fail(ld, "a NUL byte (expected text)");
		if ((c < 0x20 && c != '\t') || c >= 0x7f)
			return fail(ld, "byte 0x%02x at column %zu (expected text: printable ASCII "
				    "outside comments)", c, i + 1);
	}
	return 0;
}

static int read_file(struct load *ld, FILE *f)
{
	char buf[LINE_MAX_BYTES + 1];
	size_t total = 0;
	long len;
	int rc = 0;

	while (!rc && (len = next_line(f, buf, LINE_MAX_BYTES)) != READ_EOF) {
		ld->line++;
		if (len == READ_LONG)
			return fail(ld, "a line longer than %d bytes", LINE_MAX_BYTES);
		total += (size_t)len + 1;
		if (total > FILE_MAX_BYTES)
			return fail(ld, "longer than %d KiB (a cost file is a few lines)",
				    FILE_MAX_BYTES / 1024);
		if (memchr(buf, '\0', (size_t)len))
			return fail(ld, "a NUL byte (expected text)");
		if (len && buf[len - 1] == '\r')
			buf[len - 1] = '\0'; /* CR LF */
		char *hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		rc = check_text(ld, buf, strlen(buf));
		char *s = trim(buf);
		if (!rc && *s)
			rc = parse_line(ld, s);
	}
	if (!rc && ferror(f)) {
		snprintf(ld->err, ld->errlen, "%s: %s", ld->path, strerror(errno));
		rc = -1;
	}
	return rc ? rc : finish(ld);
}

int lbs_cost_load(const char *arg, struct lbs_model *out, char *name, size_t namelen,
		  char *err, size_t errlen)
{
	struct load ld;
	FILE *f;
	int rc;

	if (namelen == 0) {
		snprintf(err, errlen, "no room for the name");
		return -1;
	}
	memset(&ld, 0, sizeof ld);
	ld.path = arg;
	ld.err = err;
	ld.errlen = errlen;
	ld.name_max = (namelen < LBS_NAME_MAX ? namelen : LBS_NAME_MAX) - 1u;
	if (lbs_model_preset(arg, &ld.p) == LB_OK) {
		if (strlen(arg) > ld.name_max) {
			snprintf(err, errlen, "preset name '%s' longer than %zu characters", arg,
				 ld.name_max);
			return LBS_COST_BAD_NAME;
		}
		*out = ld.p;
		memcpy(name, arg, strlen(arg) + 1);
		return LBS_COST_PRESET;
	}
	f = fopen(arg, "r");
	if (f) {
		rc = lbs_cost_read(f, arg, out, name, namelen, err, errlen);
		fclose(f);
		return rc;
	}
	if (errno == ENOENT && !strpbrk(arg, "/.")) {
		/* Nothing of that name, and no sign of a file name: a preset
		 * misspelt, a usage error. */
		snprintf(err, errlen, "%s: not a preset (%s) nor a file", arg, LBS_COST_PRESETS);
		return LBS_COST_BAD_NAME;
	}
	snprintf(err, errlen, "%s: not a preset, and cannot be read: %s", arg, strerror(errno));
	return -1;
}

int lbs_cost_read(FILE *f, const char *path, struct lbs_model *out, char *name,
		  size_t namelen, char *err, size_t errlen)
{
	struct load ld;

	if (namelen == 0) {
		snprintf(err, errlen, "no room for the name");
		return -1;
	}
	memset(&ld, 0, sizeof ld);
	ld.path = path;
	ld.err = err;
	ld.errlen = errlen;
	ld.name_max = (namelen < LBS_NAME_MAX ? namelen : LBS_NAME_MAX) - 1u;
	default_name(&ld);
	if (read_file(&ld, f))
		return -1;
	memcpy(name, ld.name, strlen(ld.name) + 1);
	*out = ld.p;
	out->call.name = name;
	return LBS_COST_FILE;
}
