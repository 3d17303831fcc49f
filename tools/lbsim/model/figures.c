/* SPDX-License-Identifier: MIT */
/* The model's figures, one table (figures.h). */
#include "figures.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* In docs/model.md's order. The presets hold the same values
 * (src/backend/model.c, model.c): tests/test_cost.c keeps them equal. */
const struct lbs_figure lbs_figures[] = {
	{ "call_ns", 1000, "ns", LBS_FIG_ASSUMPTION, NULL, NULL, 0,
	  "one TDG.MEM.PAGE.ACCEPT (or PVALIDATE) round trip, no host exit; no "
	  "isolated public figure",
	  0, 0, 0, NULL },
	{ "page_ns", 500, "ns", LBS_FIG_ASSUMPTION, NULL, NULL, 0,
	  "the module (or firmware) clears and registers a 4 KiB page",
	  0, 0, 0, NULL },
	{ "refused_ns", 1000, "ns", LBS_FIG_ASSUMPTION, NULL, NULL, 0,
	  "a call refused at once",
	  0, 0, 0, NULL },
	{ "fault_ns", 6500, "ns", LBS_FIG_DERIVED, "dstack-1220", "dstack-fault-idle", 0,
	  "about 8 us per 4 KiB accept fault on an idle host (dstack PR 1220, "
	  "Granite Rapids, host kernel 7.0) less `call_ns` and `page_ns`; so a "
	  "4 KiB accept on `tdx-4k` costs 8 us and a GiB 2.1 s",
	  0, 0, 0, NULL },
	{ "fault_vcpu_ns", 587, "ns", LBS_FIG_FITTED, "dstack-1220", "dstack-fault-248v", 0,
	  "153 us per fault late in SMP bring-up at 248 vCPUs, against 8 us "
	  "(dstack PR 1220): (153 - 8) / 247. The same source's boot times are "
	  "then checks, not fits, only partly",
	  0, 100000, 0, NULL },
	{ "release_call_ns", 5000, "ns", LBS_FIG_ASSUMPTION, NULL, NULL, 0,
	  "one MapGPA / page-state-change round trip",
	  0, 0, 0, NULL },
	{ "release_page_ns", 500, "ns", LBS_FIG_ASSUMPTION, NULL, NULL, 0,
	  "the host unmaps and drops the page",
	  0, 0, 0, NULL },
	{ "host_capacity_pct", 0, "%", LBS_FIG_FITTED, "asterinas-3640",
	  "asterinas-1v4,asterinas-1v8", 1,
	  "one form of the host's contention (docs/model.md): the host does at "
	  "most this many accepts' worth at once, in percent of one, full speed "
	  "up to it and shared beyond. Fitted to [asterinas PR "
	  "3640](https://github.com/asterinas/asterinas/pull/3640)'s eager "
	  "acceptance of 8 GiB, about 25 s on 1 vCPU, 12 s on 4 and 9 s on 8, "
	  "read as whole boots; kept only if it does better cross-validated "
	  "(`lbsim --calibrate`, docs/fidelity.md)",
	  100, 100000, 0, "contention" },
	{ "host_contention_bp", 0, "bp", LBS_FIG_FITTED, "asterinas-3640",
	  "asterinas-1v4,asterinas-1v8", 1,
	  "the other form (Amdahl's): each accept in flight slows every other "
	  "by this, in hundredths of a percent, so k at once do k / (1 + c (k "
	  "- 1)) accepts' worth. Fitted to the same rows; kept only if it does "
	  "better cross-validated",
	  0, 10000, 0, "contention" },
	{ "boot_ns", 6000000000, "ns", LBS_FIG_ASSUMPTION, NULL, NULL, 1,
	  "a boot's fixed part, everything but acceptance: about 6 s, read "
	  "once as a 256 MiB kata TDX pod's boot with lazy-accept firmware in "
	  "[kata-containers issue "
	  "13535](https://github.com/kata-containers/kata-containers/issues/1353"
	  "5), which as stored here says no such thing (it gives 64 GB guests "
	  "under 15 s lazily, over 90 s eagerly): ours",
	  0, 0, 0, NULL },
	{ "boot_gib_ns", 4650000, "ns", LBS_FIG_DERIVED, "linux-deferred-init-2020", NULL, 1,
	  "struct-page initialisation per GiB and thread, 1785.7 ms for 384 "
	  "GiB on bare metal (Linux deferred page init series, 2020); lbsim "
	  "charges it once per GiB whatever the vCPUs (an *assumption*: the "
	  "kernel spreads it over few threads early in boot)",
	  0, 0, 0, NULL },
	{ "write_gib_ns", 100000000, "ns", LBS_FIG_ASSUMPTION, NULL, NULL, 1,
	  "a vCPU's first write of each GiB it is handed (clearing, or a "
	  "workload's first touch): 0.1 s, a core writing about 10 GB/s: ours. "
	  "Charged only with `--first-write`, as the fidelity table's LKVS rows "
	  "do (their clock includes it); without it lbsim's times are "
	  "acceptance alone",
	  0, 0, 0, NULL },
	{ "boot_gib_ns", 4650000, "ns", LBS_FIG_FITTED, "unaccepted-v2", "v2-4g,v2-64g", 1,
	  "the same figure as a term of its own: a boot's part that is not "
	  "acceptance growing with memory, fitted to the unaccepted-memory "
	  "series v2 cover letter's eager-over-lazy boots (2.5x at 4 GiB, 4x "
	  "at 64 GiB; the pair implies about 0.22 of the fixed boot per GiB). "
	  "Kept only if it does better cross-validated; not kept, the figure "
	  "is the derived one above",
	  0, 5000000000, 4650000, "boot per GiB" },
};
const size_t lbs_nfigures = sizeof lbs_figures / sizeof lbs_figures[0];

/* The figures by name: lb_model_params' fields (as uint64_t), then
 * lbsim's own. */
static const struct {
	const char *name;
	size_t off;
} call_fields[] = {
#define F(f) { #f, offsetof(struct lb_model_params, f) }
	F(call_ns), F(page_ns), F(refused_ns), F(fault_ns), F(fault_vcpu_ns), F(release_call_ns),
	F(release_page_ns),
#undef F
};

static void *where(struct lbs_model *m, const char *name, int *is_u64)
{
	*is_u64 = 1;
	for (size_t i = 0; i < sizeof call_fields / sizeof call_fields[0]; i++)
		if (strcmp(name, call_fields[i].name) == 0)
			return (char *)&m->call + call_fields[i].off;
	if (strcmp(name, "boot_ns") == 0)
		return &m->boot_ns;
	if (strcmp(name, "boot_gib_ns") == 0)
		return &m->boot_gib_ns;
	if (strcmp(name, "write_gib_ns") == 0)
		return &m->write_gib_ns;
	*is_u64 = 0;
	if (strcmp(name, "host_contention_bp") == 0)
		return &m->host_contention_bp;
	return strcmp(name, "host_capacity_pct") == 0 ? &m->host_capacity_pct : NULL;
}

int lbs_figure_get(const struct lbs_model *m, const char *name, double *v)
{
	int is_u64;
	void *p = where((struct lbs_model *)(uintptr_t)m, name, &is_u64);

	if (!p)
		return -1;
	*v = is_u64 ? (double)*(uint64_t *)p : (double)*(unsigned *)p;
	return 0;
}

int lbs_figure_set(struct lbs_model *m, const char *name, double v)
{
	int is_u64;
	void *p = where(m, name, &is_u64);

	if (!p || !(v >= 0) || v > (is_u64 ? 1e18 : 4e9))
		return -1;
	if (is_u64)
		*(uint64_t *)p = (uint64_t)llround(v);
	else
		*(unsigned *)p = (unsigned)llround(v);
	return 0;
}

int lbs_figure_kept(const struct lbs_figure *g)
{
	return !(g->term && g->value == g->prior);
}

const char *lbs_fig_kind_name(enum lbs_fig_kind k)
{
	return k == LBS_FIG_FITTED ? "fitted" : k == LBS_FIG_DERIVED ? "derived" : "assumption";
}

void lbs_figures_print_md(FILE *f)
{
	for (size_t i = 0; i < lbs_nfigures; i++) {
		const struct lbs_figure *g = &lbs_figures[i];

		fprintf(f, "| `%s`%s | %.0f | *%s*: %s |\n", g->name, g->lbsim ? " (lbsim)" : "",
			g->value, lbs_figure_kept(g) ? lbs_fig_kind_name(g->kind) : "not kept",
			g->why);
	}
}

/* Is id one of the comma list's? */
static int listed(const char *list, const char *id)
{
	size_t n = strlen(id);

	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, id, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

int lbs_figure_fitted_to(const struct lbs_figure *g, const char *row_id)
{
	return listed(g->fitted_to, row_id);
}

int lbs_figures_kind_of(const char *row_id, const char *source)
{
	int kind = 0;

	for (size_t i = 0; i < lbs_nfigures; i++) {
		const struct lbs_figure *g = &lbs_figures[i];

		if (!lbs_figure_kept(g))
			continue; /* not in the model: it knows nothing */
		if (lbs_figure_fitted_to(g, row_id))
			return 2;
		if (g->kind != LBS_FIG_ASSUMPTION && g->source && source &&
		    strcmp(g->source, source) == 0)
			kind = 1;
	}
	return kind;
}
