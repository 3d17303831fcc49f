/* SPDX-License-Identifier: MIT */
/*
 * Tests of lbsim's --cost: presets, cost files (tests/fixtures/cost-*.txt
 * for the good ones, temporary files for each error), the option, and the
 * figures reaching lbs_sim_model.
 */
#include "fixture.h"
#include "harness.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tools/lbsim/cli/cli.h"
#include "../tools/lbsim/model/cost.h"
#include "../tools/lbsim/model/figures.h"
#include "../tools/lbsim/output/output.h"
#include "../tools/lbsim/run/sim.h"
#include "test_model.h"

static char tmpdir[256];

/* A file NAME holding text in a temporary folder; its path. */
static const char *tmp_file(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	if (!tmpdir[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(tmpdir, sizeof tmpdir, "%s/lbcost-XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(tmpdir)) {
			tmpdir[0] = '\0';
			return NULL;
		}
	}
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	return path;
}

static void tmp_remove(const char *path)
{
	unlink(path);
	rmdir(tmpdir); /* fails while other files are there */
	if (access(tmpdir, F_OK) != 0)
		tmpdir[0] = '\0';
}

static int same_params(const struct lbs_model *a, const struct lbs_model *b)
{
#define SAME(f) (a->call.f == b->call.f)
	return SAME(call_ns) && SAME(page_ns) && SAME(release_call_ns) && SAME(release_page_ns) &&
	       SAME(levels) && SAME(tries) && SAME(refused_ns) && SAME(host_order) &&
	       SAME(fault_ns) && SAME(fault_vcpu_ns) && a->host_capacity_pct == b->host_capacity_pct &&
	       a->host_contention_bp == b->host_contention_bp &&
	       a->boot_ns == b->boot_ns && a->boot_gib_ns == b->boot_gib_ns &&
	       a->write_gib_ns == b->write_gib_ns;
#undef SAME
}

/* ------------------------------------------------------------ presets */

/* A preset name fills the preset, whatever presets model.c has. */
TEST(lbsim_cost_presets)
{
	static const char *const names[] = {"tdx", "snp", "free", "tdx-4k", "snp-4k"};
	struct lbs_model want, got;
	char name[LBS_NAME_MAX], err[512];
	int found = 0;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (lbs_model_preset(names[i], &want) != LB_OK)
			continue;
		found++;
		memset(&got, 0, sizeof got);
		CHECK_EQ(lbs_cost_load(names[i], &got, name, sizeof name, err, sizeof err),
			 LBS_COST_PRESET);
		CHECK(same_params(&got, &want));
		CHECK(strcmp(name, names[i]) == 0);
	}
	CHECK(found >= 3);
}

/* ---------------------------------------------------------- good files */

TEST(lbsim_cost_file_every_key)
{
	struct lbs_model p;
	char name[LBS_NAME_MAX], err[512] = "";

	REQUIRE(lbs_cost_load(fx_fixture("cost-every-key.txt"), &p, name, sizeof name, err,
			      sizeof err) == LBS_COST_FILE);
	CHECK(strcmp(name, "cost-every-key") == 0); /* the file's name, no extension */
	CHECK(p.call.name == name);
	CHECK_EQ(p.call.call_ns, 11);
	CHECK_EQ(p.call.page_ns, 12);
	CHECK_EQ(p.call.release_call_ns, 13);
	CHECK_EQ(p.call.release_page_ns, 14);
	CHECK_EQ(p.call.refused_ns, 15);
	CHECK_EQ(p.call.fault_ns, 16);
	CHECK_EQ(p.call.fault_vcpu_ns, 17);
	CHECK(p.boot_ns == UINT64_C(3600000000000)); /* the largest: an hour */
	CHECK_EQ(p.boot_gib_ns, 19);
	CHECK_EQ(p.write_gib_ns, 22);
	CHECK_EQ(p.host_capacity_pct, 100000);
	CHECK_EQ(p.host_contention_bp, 21);
	CHECK_EQ(p.call.levels, 1u | 1u << 1 | 1u << 9 | 1u << 31); /* 4K implied */
	CHECK_EQ(p.call.tries, 1u << 10 | 1u << 18);
	CHECK_EQ(p.call.host_order, 18);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;

	if (f && getdelim(&buf, &cap, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	if (f)
		fclose(f);
	return buf;
}

/* docs/model.md's example, word for word, reproduces the tdx preset. */
TEST(lbsim_cost_file_tdx_example)
{
	struct lbs_model p, tdx;
	char name[LBS_NAME_MAX], err[512] = "", doc_path[4200];
	char *text = slurp(fx_fixture("cost-tdx.txt")), *doc;

	snprintf(doc_path, sizeof doc_path, "%s/../../docs/model.md", fx_fixture(""));
	doc = slurp(doc_path);
	CHECK(text && doc && strstr(doc, text) != NULL);
	free(text);
	free(doc);

	REQUIRE(lbs_cost_load(fx_fixture("cost-tdx.txt"), &p, name, sizeof name, err, sizeof err) ==
		LBS_COST_FILE);
	CHECK(strcmp(name, "my-tdx") == 0);
	REQUIRE(lbs_model_preset("tdx", &tdx) == LB_OK);
	if (!same_params(&p, &tdx))
		lbt_fail(__FILE__, __LINE__, "tests/fixtures/cost-tdx.txt (docs/model.md) is not "
					     "the tdx preset any more: update both");
}

/* A figure of m by its name in the table of figures; -1 if none. */
static long long figure(const struct lbs_model *m, const char *name)
{
	static const struct {
		const char *name;
		size_t off;
	} call[] = {
#define F(f) { #f, offsetof(struct lb_model_params, f) }
		F(call_ns), F(page_ns), F(refused_ns), F(fault_ns), F(fault_vcpu_ns),
		F(release_call_ns), F(release_page_ns),
#undef F
	};

	for (size_t i = 0; i < sizeof call / sizeof call[0]; i++)
		if (strcmp(name, call[i].name) == 0)
			return (long long)*(const uint64_t *)(const void *)((const char *)&m->call +
									   call[i].off);
	if (strcmp(name, "host_capacity_pct") == 0)
		return m->host_capacity_pct;
	if (strcmp(name, "host_contention_bp") == 0)
		return m->host_contention_bp;
	if (strcmp(name, "boot_ns") == 0)
		return (long long)m->boot_ns;
	if (strcmp(name, "boot_gib_ns") == 0)
		return (long long)m->boot_gib_ns;
	if (strcmp(name, "write_gib_ns") == 0)
		return (long long)m->write_gib_ns;
	return -1;
}

/* The table of figures (model/figures.c) is every platform preset's
 * values, figure by figure, and docs/model.md prints it as it is. */
TEST(lbsim_cost_figures_table_is_the_presets_and_the_docs)
{
	static const char *const platforms[] = {"tdx-4k", "tdx", "snp-4k", "snp"};
	char doc_path[4200], *doc, *md = NULL;
	size_t len = 0;
	struct lbs_model m;
	FILE *f;

	for (size_t i = 0; i < lbs_nfigures; i++)
		for (size_t p = 0; p < sizeof platforms / sizeof platforms[0]; p++) {
			REQUIRE(lbs_model_preset(platforms[p], &m) == LB_OK);
			if (figure(&m, lbs_figures[i].name) != (long long)lbs_figures[i].value) {
				char msg[160];
				snprintf(msg, sizeof msg, "figures.c: %s = %.0f, the %s preset's %lld",
					 lbs_figures[i].name, lbs_figures[i].value, platforms[p],
					 figure(&m, lbs_figures[i].name));
				lbt_fail(__FILE__, __LINE__, msg);
			}
		}
	CHECK_EQ(lbs_nfigures, 13); /* seven a call's, six lbsim's (one a form of another) */
	snprintf(doc_path, sizeof doc_path, "%s/../../docs/model.md", fx_fixture(""));
	doc = slurp(doc_path);
	f = open_memstream(&md, &len);
	REQUIRE(doc && f);
	lbs_figures_print_md(f);
	fclose(f);
	if (!strstr(doc, md))
		lbt_fail(__FILE__, __LINE__, "docs/model.md's table of figures is not "
					     "lbs_figures_print_md()'s: paste it from there");
	free(md);
	free(doc);
}

/* The fidelity rows' kinds come from the figures: fitted where a figure
 * was fitted to the row, partly where one comes from its source. */
TEST(lbsim_cost_figures_give_the_rows_their_kinds)
{
	/* fitted to: both forms of contention, neither kept, so it knows
	 * nothing of Asterinas */
	CHECK_EQ(lbs_figures_kind_of("asterinas-1v4", "asterinas-3640"), 0);
	CHECK_EQ(lbs_figures_kind_of("asterinas-1v8", "asterinas-3640"), 0);
	CHECK_EQ(lbs_figures_kind_of("dstack-fault-248v", "dstack-1220"), 2);
	CHECK_EQ(lbs_figures_kind_of("dstack-64v", "dstack-1220"), 1);
	CHECK_EQ(lbs_figures_kind_of("lkvs-8g", "lkvs"), 0);
	CHECK_EQ(lbs_figures_kind_of("asterinas-1v", NULL), 0);
	CHECK_EQ(lbs_figures_kind_of("asterinas-1v", "asterinas"), 0); /* a whole id */
	for (size_t i = 0; i < lbs_nfigures; i++) /* every kind but an assumption has a source */
		CHECK(lbs_figures[i].kind == LBS_FIG_ASSUMPTION || lbs_figures[i].source);
}

/* preset first, the keys after it override; CRLF, tabs, comments. */
TEST(lbsim_cost_file_preset)
{
	struct lbs_model p, snp;
	char name[LBS_NAME_MAX], err[512] = "";

	REQUIRE(lbs_cost_load(fx_fixture("cost-preset.txt"), &p, name, sizeof name, err,
			      sizeof err) == LBS_COST_FILE);
	REQUIRE(lbs_model_preset("snp", &snp) == LB_OK);
	CHECK(strcmp(name, "cost-preset") == 0);
	CHECK(p.call.name == name);
	CHECK_EQ(p.call.page_ns, 9000);
	CHECK_EQ(p.call.levels, 1);
	CHECK_EQ(p.call.tries, 1u << 9);
	CHECK_EQ(p.call.host_order, 0);
	snp.call.page_ns = 9000;
	snp.call.levels = 1;
	snp.call.tries = 1u << 9;
	snp.call.host_order = 0;
	CHECK(same_params(&p, &snp)); /* the rest is snp's */
}

/* The default name: the base name without extension, cut to fit, other
 * characters as '_'; sizes in any form lbsim takes. */
TEST(lbsim_cost_file_names)
{
	static const struct {
		const char *file, *name;
	} cases[] = {
		{"a-very-long-cost-file.txt", "a-very-long-cos"},
		{"two words.cost", "two_words"},
		{"no-extension", "no-extension"},
		{"v1.2.txt", "v1.2"},
		{".hidden", ".hidden"},
	};
	struct lbs_model p;
	char name[LBS_NAME_MAX], err[512];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *path = tmp_file(cases[i].file, "preset = free\n");
		REQUIRE(path);
		err[0] = '\0';
		CHECK_EQ(lbs_cost_load(path, &p, name, sizeof name, err, sizeof err),
			 LBS_COST_FILE);
		if (strcmp(name, cases[i].name) != 0)
			lbt_fail(__FILE__, __LINE__, name);
		tmp_remove(path);
	}
	/* A name key wins; 15 characters fit. */
	const char *path = tmp_file("x.txt", "preset = free\nname = fifteen-chars.1\n"
					     "accept_sizes = 4096,2MB,1GiB\nrefused_sizes = none\n"
					     "host_granule = 4k\n");
	REQUIRE(path);
	CHECK_EQ(lbs_cost_load(path, &p, name, sizeof name, err, sizeof err), LBS_COST_FILE);
	CHECK(strcmp(name, "fifteen-chars.1") == 0);
	CHECK_EQ(p.call.levels, 1u | 1u << 9 | 1u << 18);
	CHECK_EQ(p.call.tries, 0);
	CHECK_EQ(p.call.host_order, 0);
	tmp_remove(path);
}

/* -------------------------------------------------------------- errors */

/* Every key but the sizes (12 lines), then all of them (15). */
#define ALL_FIGURES                                                                        \
	"accept_call_ns = 1\naccept_page_ns = 2\nrelease_call_ns = 3\nrelease_page_ns = 4\n" \
	"refused_call_ns = 5\nhost_fault_ns = 6\nhost_fault_per_vcpu_ns = 7\n"               \
	"boot_fixed_ns = 8\nboot_per_gib_ns = 9\nhost_capacity_pct = 110\n"        \
	"host_contention_bp = 10\nfirst_write_per_gib_ns = 11\n"
#define ALL_KEYS ALL_FIGURES "accept_sizes = 4K,2M\nrefused_sizes = 1G\nhost_granule = 2M\n"

/* Each error: one line, "FILE:LINE: " (line 0: "FILE: ") then what is
 * wrong, holding says; out and name untouched. */
TEST(lbsim_cost_errors)
{
	static const struct {
		const char *text;
		unsigned line;
		const char *says;
	} cases[] = {
		{"preset = tdx\nfoo = 1\n", 2, "unknown key 'foo' (expected one of: preset, name,"},
		{"preset = tdx\naccept_ns = 1\n", 2, "unknown key 'accept_ns'"},
		{"preset = tdx\n = 1\n", 2, "unknown key ''"},
		{"preset = tdx\naccept_call_ns 5\n", 2, "expected key = value, found no '='"},
		{"# a comment\n\npreset\n", 3, "no '='"},
		{"preset = tdx\naccept_call_ns = 1\naccept_call_ns = 2\n", 3,
		 "accept_call_ns given twice (first on line 2)"},
		{"preset = tdx\nname = a\n\nname = a\n", 4, "name given twice (first on line 2)"},
		{"accept_call_ns = 1\npreset = tdx\n", 2, "preset must come first"},
		{"# first\npreset = tdx\npreset = snp\n", 3, "preset given twice (first on line 2)"},
		{"preset = kvm\n", 1, "unknown preset 'kvm'"},
		{"preset =\n", 1, "unknown preset ''"},
		{"preset = tdx\naccept_call_ns = -1\n", 2,
		 "accept_call_ns = '-1': expected nanoseconds, a whole number from 0 to "
		 "3600000000000 (an hour) in decimal digits"},
		{"preset = tdx\nhost_fault_ns = 3600000000001\n", 2,
		 "host_fault_ns = '3600000000001': expected nanoseconds"},
		{"preset = tdx\naccept_page_ns = +1\n", 2, "accept_page_ns = '+1': expected"},
		{"preset = tdx\nrelease_call_ns = 1.5\n", 2, "release_call_ns = '1.5'"},
		{"preset = tdx\nrelease_page_ns = 18446744073709551616\n", 2,
		 "release_page_ns = '18446744073709551616'"},
		{"preset = tdx\nrefused_call_ns = 0x10\n", 2, "refused_call_ns = '0x10'"},
		{"preset = tdx\nhost_fault_ns =\n", 2, "host_fault_ns = ''"},
		{"preset = tdx\nhost_fault_per_vcpu_ns = 1 2\n", 2, "host_fault_per_vcpu_ns = '1 2'"},
		{"preset = tdx\nboot_fixed_ns = 6e9\n", 2, "boot_fixed_ns = '6e9'"},
		{"preset = tdx\nboot_per_gib_ns = 1us\n", 2, "boot_per_gib_ns = '1us'"},
		{"preset = tdx\nhost_capacity_pct = 100001\n", 2,
		 "host_capacity_pct = '100001': expected 0 (no limit) or a whole percentage of one "
		 "accept alone from 100 to 100000"},
		{"preset = tdx\nhost_capacity_pct = 99\n", 2, "host_capacity_pct = '99'"},
		{"preset = tdx\nhost_capacity_pct = -5\n", 2, "host_capacity_pct = '-5'"},
		{"preset = tdx\nhost_contention_bp = 10001\n", 2,
		 "host_contention_bp = '10001': expected 0 (none) or a whole number of hundredths "
		 "of a percent up to 10000"},
		{"preset = tdx\nhost_contention_bp = 2.5\n", 2, "host_contention_bp = '2.5'"},
		{"preset = tdx\naccept_sizes = 4K,3M\n", 2,
		 "accept_sizes: bad size '3M' (expected a comma list of powers of two from 4K to "
		 "8T, e.g. 4K,2M)"},
		{"preset = tdx\naccept_sizes = 2K\n", 2, "bad size '2K'"},
		{"preset = tdx\naccept_sizes = 16T\n", 2, "bad size '16T'"},
		{"preset = tdx\naccept_sizes = 4K,,2M\n", 2, "bad size ''"},
		{"preset = tdx\naccept_sizes = 4K,\n", 2, "bad size ''"},
		{"preset = tdx\naccept_sizes = none\n", 2, "bad size 'none'"},
		{"preset = tdx\naccept_sizes =\n", 2, "accept_sizes: bad size ''"},
		{"preset = tdx\nrefused_sizes = 3M\n", 2,
		 "refused_sizes: bad size '3M' (expected a comma list of powers of two from 4K to "
		 "8T, e.g. 4K,2M, or none)"},
		{"preset = tdx\nrefused_sizes = 4K\n", 2, "4K is always accepted"},
		{"preset = tdx\nhost_granule = 2G\n", 2,
		 "host_granule = '2G': expected one power of two from 4K to 1G, e.g. 4K or 2M"},
		{"preset = tdx\nhost_granule = 4K,2M\n", 2, "host_granule = '4K,2M'"},
		{"preset = tdx\nhost_granule = 6K\n", 2, "host_granule = '6K'"},
		{"preset = tdx\nname = two words\n", 2,
		 "name = 'two words': expected 1 to 15 letters, digits or - _ . +"},
		{"preset = tdx\nname = sixteen-chars-12\n", 2, "name = 'sixteen-chars-12'"},
		{"preset = tdx\nname =\n", 2, "name = ''"},
		/* a size both ways: on the later of the two keys' lines */
		{"preset = tdx\naccept_sizes = 4K,2M\nrefused_sizes = 2M\n", 3,
		 "2M is in both accept_sizes and refused_sizes"},
		{"preset = free\nrefused_sizes = 2M,1G\n# x\naccept_sizes = 4K,1G\n", 4,
		 "1G is in both"},
		{ALL_FIGURES "accept_sizes = 4K,1G\nrefused_sizes = 2M,1G\nhost_granule = 4K\n", 14,
		 "1G is in both"},
		{"accept_sizes = 8T\n" ALL_KEYS, 14, "accept_sizes given twice (first on line 1)"},
		{"refused_sizes = 2M\n" ALL_KEYS, 15, "refused_sizes given twice (first on line 1)"},
		/* without preset, every key but name */
		{"", 0, "missing key accept_call_ns (give it, or start with preset = NAME)"},
		{"# nothing\n\n", 0, "missing key accept_call_ns"},
		{"name = x\n", 0, "missing key accept_call_ns"},
		{ALL_KEYS "preset = tdx\n", 16, "preset must come first"},
	};
	struct lbs_model before, p;
	char name[LBS_NAME_MAX], err[1024], want[600];

	memset(&before, 0x5a, sizeof before);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *path = tmp_file("bad.txt", cases[i].text);
		REQUIRE(path);
		p = before;
		memcpy(name, "untouched", 10);
		err[0] = '\0';
		int rc = lbs_cost_load(path, &p, name, sizeof name, err, sizeof err);
		if (cases[i].line)
			snprintf(want, sizeof want, "%s:%u: ", path, cases[i].line);
		else
			snprintf(want, sizeof want, "%s: ", path);
		if (rc != -1 || strncmp(err, want, strlen(want)) != 0 ||
		    !strstr(err + strlen(want), cases[i].says)) {
			char m[4096];
			snprintf(m, sizeof m, "case %zu: rc %d, '%s', expected '%s...%s'", i, rc,
				 err, want, cases[i].says);
			lbt_fail(__FILE__, __LINE__, m);
		}
		CHECK(strchr(err, '\n') == NULL);
		CHECK(memcmp(&p, &before, sizeof p) == 0);
		CHECK(strcmp(name, "untouched") == 0);
		tmp_remove(path);
	}
}

/* A NUL byte: tmp_file's fputs would stop there, so fwrite. */
TEST(lbsim_cost_nul_byte)
{
	static const char text[] = "preset = tdx\nname = a\0b\n";
	struct lbs_model p;
	char name[LBS_NAME_MAX], err[512] = "";
	const char *path = tmp_file("nul.txt", "");
	FILE *f;

	REQUIRE(path);
	f = fopen(path, "w");
	REQUIRE(f);
	fwrite(text, 1, sizeof text - 1, f);
	fclose(f);
	CHECK_EQ(lbs_cost_load(path, &p, name, sizeof name, err, sizeof err), -1);
	CHECK(strstr(err, ":2: a NUL byte") != NULL);
	tmp_remove(path);
}

/* Bounded reading: /dev/zero is refused at its first byte, not read for
 * ever; a line longer than any key and value, or a file longer than any
 * cost file, is refused with its line named. */
TEST_TSAN(lbsim_cost_limits)
{
	struct lbs_model p;
	char name[LBS_NAME_MAX], err[512] = "", *text;
	const char *path;
	size_t big = 70 * 1024;

	CHECK_EQ(lbs_cost_load("/dev/zero", &p, name, sizeof name, err, sizeof err), -1);
	CHECK(strstr(err, "/dev/zero:1: a NUL byte") != NULL);
	text = malloc(big + 1);
	REQUIRE(text);
	memset(text, 'a', 2000);
	strcpy(text + 2000, " = 1\n");
	path = tmp_file("long-line.txt", text);
	REQUIRE(path);
	CHECK_EQ(lbs_cost_load(path, &p, name, sizeof name, err, sizeof err), -1);
	CHECK(strstr(err, ":1: a line longer than 1024 bytes") != NULL);
	tmp_remove(path);
	memset(text, '\n', big); /* blank lines: past the file's limit */
	text[big] = '\0';
	path = tmp_file("long-file.txt", text);
	REQUIRE(path);
	CHECK_EQ(lbs_cost_load(path, &p, name, sizeof name, err, sizeof err), -1);
	CHECK(strstr(err, "longer than 64 KiB") != NULL);
	tmp_remove(path);
	free(text);
}

/* A byte that is not text outside a comment is refused and named in hex:
 * an escape sequence in a key never reaches the terminal. A comment may
 * hold UTF-8. */
TEST_TSAN(lbsim_cost_control_bytes)
{
	struct lbs_model p;
	char name[LBS_NAME_MAX], err[512] = "";
	const char *path = tmp_file("esc.txt", "preset = tdx # 4 \xc2\xb5s\nbad\x1b[31mkey = 1\n");

	REQUIRE(path);
	CHECK_EQ(lbs_cost_load(path, &p, name, sizeof name, err, sizeof err), -1);
	CHECK(strstr(err, ":2: byte 0x1b at column 4") != NULL);
	CHECK(strchr(err, '\x1b') == NULL);
	tmp_remove(path);
}

/* Without preset each key is required: the first one missing is named. */
TEST(lbsim_cost_missing_each_key)
{
	static const char all[] = ALL_KEYS;
	struct lbs_model p;
	char name[LBS_NAME_MAX], err[512], text[sizeof all], key[32], want[64];
	const char *path = tmp_file("all.txt", all);

	REQUIRE(path);
	CHECK_EQ(lbs_cost_load(path, &p, name, sizeof name, err, sizeof err), LBS_COST_FILE);
	tmp_remove(path);
	for (const char *line = all; *line;) {
		const char *nl = strchr(line, '\n'), *eq = strchr(line, ' ');
		size_t before = (size_t)(line - all);

		snprintf(key, sizeof key, "%.*s", (int)(eq - line), line);
		memcpy(text, all, before);
		memcpy(text + before, nl + 1, sizeof all - before - (size_t)(nl + 1 - line));
		path = tmp_file("all.txt", text);
		REQUIRE(path);
		err[0] = '\0';
		CHECK_EQ(lbs_cost_load(path, &p, name, sizeof name, err, sizeof err), -1);
		snprintf(want, sizeof want, ": missing key %s (", key);
		if (!strstr(err, want))
			lbt_fail(__FILE__, __LINE__, err);
		tmp_remove(path);
		line = nl + 1;
	}
}

TEST(lbsim_cost_unreadable)
{
	struct lbs_model p;
	char name[LBS_NAME_MAX], err[512] = "";

	CHECK_EQ(lbs_cost_load("tests/fixtures/no-such-cost.txt", &p, name, sizeof name, err,
			       sizeof err), -1);
	CHECK(strcmp(err, "tests/fixtures/no-such-cost.txt: not a preset, and cannot be read: "
			  "No such file or directory") == 0);
	const char *path = tmp_file("d.txt", "");
	REQUIRE(path);
	unlink(path);
	REQUIRE(mkdir(path, 0700) == 0);
	err[0] = '\0';
	CHECK_EQ(lbs_cost_load(path, &p, name, sizeof name, err, sizeof err), -1);
	CHECK(strstr(err, ": Is a directory") != NULL);
	rmdir(path);
	rmdir(tmpdir);
	tmpdir[0] = '\0';
}

/* ----------------------------------------------------------- lbsim itself */

TEST(lbsim_cost_cli)
{
	struct lbs_cli cli;
	struct lbs_model p, want, file;
	char err[1024] = "", name[LBS_NAME_MAX];
	const char *every = fx_fixture("cost-every-key.txt");

	/* A preset: as --backend names it. */
	static const char *const a[] = {"--cost", "snp"};
	REQUIRE(lbt_parse_cli(a, 2, &cli, err, sizeof err) == 0);
	CHECK(strcmp(cli.sim.backend, "snp") == 0);
	CHECK_EQ(cli.sim.have_model, 0);
	REQUIRE(lbs_sim_model(&cli.sim, &p) == 0);
	REQUIRE(lbs_model_preset("snp", &want) == LB_OK);
	CHECK(same_params(&p, &want));

	/* A file: its figures reach lbs_sim_model unchanged, under its name. */
	const char *b[] = {"--workload", "fill", "--cost", every};
	REQUIRE(lbt_parse_cli(b, 4, &cli, err, sizeof err) == 0);
	CHECK_EQ(cli.sim.have_model, 1);
	CHECK(strcmp(cli.sim.backend, "cost-every-key") == 0);
	REQUIRE(lbs_cost_load(every, &file, name, sizeof name, err, sizeof err) == LBS_COST_FILE);
	REQUIRE(lbs_sim_model(&cli.sim, &p) == 0);
	CHECK(same_params(&p, &file));
	CHECK(p.call.name == cli.sim.backend);

	/* The last --cost counts: a preset after a file is the preset. */
	const char *c[] = {"--cost", every, "--cost=tdx"};
	REQUIRE(lbt_parse_cli(c, 3, &cli, err, sizeof err) == 0);
	CHECK_EQ(cli.sim.have_model, 0);
	CHECK(strcmp(cli.sim.backend, "tdx") == 0);

	/* --backend and --cost: one line, whichever comes first. */
	static const char *const both[][4] = {
		{"--cost", "tdx", "--backend", "snp"},
		{"--backend=null", "--cost", "free", NULL},
	};
	for (size_t i = 0; i < 2; i++) {
		err[0] = '\0';
		CHECK_EQ(lbt_parse_cli(both[i], both[i][3] ? 4 : 3, &cli, err, sizeof err), 2);
		CHECK(strcmp(err, "lbsim: --backend and --cost exclude each other (--cost takes a "
				  "preset name too)\n") == 0);
	}

	/* A bad name: one line, a usage error (2). */
	static const char *const bad[][2] = {
		{"--cost", "kvm"}, {"--cost", ""}, {"--cost", NULL},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		CHECK_EQ(lbt_parse_cli(bad[i], bad[i][1] ? 2 : 1, &cli, err, sizeof err), 2);
		CHECK(strncmp(err, "lbsim: --cost", 13) == 0);
		CHECK(strchr(err, '\n') == err + strlen(err) - 1);
	}
	err[0] = '\0';
	CHECK_EQ(lbt_parse_cli(bad[0], 2, &cli, err, sizeof err), 2);
	CHECK(strcmp(err, "lbsim: --cost: kvm: not a preset (tdx, tdx-4k, snp, snp-4k, free) nor "
			  "a file\n") == 0);
	/* A file that cannot be read: the exit status for files (1). */
	static const char *const missing[] = {"--cost", "tests/fixtures/no-such-cost.txt"};
	err[0] = '\0';
	CHECK_EQ(lbt_parse_cli(missing, 2, &cli, err, sizeof err), 1);
	CHECK(strcmp(err, "lbsim: --cost: tests/fixtures/no-such-cost.txt: not a preset, and "
			  "cannot be read: No such file or directory\n") == 0);
}

/* LBS_COST_PRESETS, named in messages, lists what lbs_model_preset() knows. */
TEST(lbsim_cost_preset_list)
{
	char list[] = LBS_COST_PRESETS;
	struct lbs_model p;
	size_t n = 0;

	for (char *name = strtok(list, ", "); name; name = strtok(NULL, ", "), n++)
		if (lbs_model_preset(name, &p) != LB_OK)
			lbt_fail(__FILE__, __LINE__, name);
	CHECK_EQ(n, 5); /* src/backend/model.c's presets[] */
}

/* lbs_sim_model without a file: the preset backend names, free for null. */
TEST(lbsim_cost_sim_model)
{
	struct lbs_sim_config c;
	struct lbs_model p, want;

	lbs_sim_defaults(&c);
	CHECK_EQ(c.have_model, 0);
	REQUIRE(lbs_sim_model(&c, &p) == 0);
	REQUIRE(lbs_model_preset(c.backend, &want) == LB_OK);
	CHECK(same_params(&p, &want));
	snprintf(c.backend, sizeof c.backend, "%s", "null");
	REQUIRE(lbs_sim_model(&c, &p) == 0);
	REQUIRE(lbs_model_preset("free", &want) == LB_OK);
	CHECK(same_params(&p, &want));
	snprintf(c.backend, sizeof c.backend, "%s", "kvm");
	CHECK_EQ(lbs_sim_model(&c, &p), LB_EINVAL);
}

/* Headings name the model, and say when its figures came from a file. */
TEST(lbsim_cost_heading)
{
	struct lbs_cli cli;
	char err[512] = "", *buf = NULL;
	size_t len = 0;
	const char *a[] = {"--workload", "fill", "--cost", fx_fixture("cost-tdx.txt")};

	REQUIRE(lbt_parse_cli(a, 4, &cli, err, sizeof err) == 0);
	FILE *f = open_memstream(&buf, &len);
	REQUIRE(f);
	lbs_print_heading(f, &cli.sim);
	fclose(f);
	CHECK(strstr(buf, ", backend my-tdx (cost file), ") != NULL);
	free(buf);
	lbs_sim_defaults(&cli.sim);
	CHECK(strcmp(lbs_model_kind(&cli.sim), " (cost model)") == 0);
	snprintf(cli.sim.backend, sizeof cli.sim.backend, "%s", "null");
	CHECK(strcmp(lbs_model_kind(&cli.sim), " (no costs)") == 0);
}
