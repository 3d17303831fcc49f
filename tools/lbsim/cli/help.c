/* SPDX-License-Identifier: MIT */
/* lbsim's help, printed from the option table (opts.h). */
#include "opts.h"
#include "../../common/wrap.h"

#include <string.h>

/* ------------------------------------------------------------- the help */

/* Help texts wrap at spaces; "~" is a space they do not wrap at. */
#define HELP_COL 23
#define HELP_WIDTH 79

/* The help text with its {names} filled in. */
static void expand(char *out, size_t len, const char *help)
{
	struct lbs_sim_config def;
	size_t n = 0;

	lbs_sim_defaults(&def);
	out[0] = '\0';
	while (*help && n + 1 < len) {
		const char *end = help[0] == '{' ? strchr(help, '}') : NULL;
		size_t klen = end ? (size_t)(end - help - 1) : 0;

		if (end && klen == 8 && strncmp(help + 1, "policies", klen) == 0) {
			for (int p = 0; p < LB_POLICY_COUNT; p++)
				n += (size_t)snprintf(out + n, n < len ? len - n : 0, " %s",
						      lb_policy_name((enum lb_policy)p));
		} else if (end && klen == 9 && strncmp(help + 1, "workloads", klen) == 0) {
			for (int w = 0; w < LBS_WL_COUNT; w++)
				n += (size_t)snprintf(out + n, n < len ? len - n : 0, " %s",
						      lbs_workload_name((enum lbs_workload)w));
		} else if (end && klen == 4 && strncmp(help + 1, "cost", klen) == 0) {
			n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s", def.backend);
		} else {
			out[n++] = *help++;
			out[n] = '\0';
			continue;
		}
		help = end + 1;
	}
	if (n >= len)
		out[len - 1] = '\0';
}

/* Where an option applies, for the help ("background, adaptive: "). */
static void scope_note(char *out, size_t len, const struct lbs_opt *o)
{
	size_t n = 0;

	out[0] = '\0';
	if (o->selects || (o->modes & M_RUN) == 0)
		return;
	if (o->modes == M_TRACE)
		n += (size_t)snprintf(out + n, len - n, "trace replay");
	if (o->modes == M_WORKLOAD && !o->workloads)
		n += (size_t)snprintf(out + n, len - n, "synthetic workloads");
	for (int w = 0, first = 1; o->workloads && w < LBS_WL_COUNT && n < len; w++) {
		if (!(o->workloads & WL(w)))
			continue;
		n += (size_t)snprintf(out + n, len - n, "%s%s", first ? "" : ", ",
				      lbs_workload_name((enum lbs_workload)w));
		first = 0;
	}
	if (o->workloads && n < len)
		n += (size_t)snprintf(out + n, len - n, " workload");
	for (int p = 0, first = 1; o->policies && p < LB_POLICY_COUNT && n < len; p++) {
		if (!(o->policies & POL(p)))
			continue;
		n += (size_t)snprintf(out + n, len - n, "%s%s", first ? "" : ", ", lb_policy_name((enum lb_policy)p));
		first = 0;
	}
	if (n && n < len)
		snprintf(out + n, len - n, ": ");
}

/* "  --name ARG" and the text beside it, words wrapped at HELP_WIDTH. */
static void print_opt(FILE *f, const struct lbs_opt *o)
{
	char text[1024], note[128];
	int col;

	scope_note(note, sizeof note, o);
	expand(text + strlen(note), sizeof text - strlen(note), o->help);
	memcpy(text, note, strlen(note));
	col = fprintf(f, "  --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	if (col >= HELP_COL - 1) {
		fputc('\n', f);
		col = 0;
	}
	lbtools_wrap(f, col, text, HELP_COL, HELP_WIDTH);
}

void lbs_cli_usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [options]\n"
		"       %s record [options] -- COMMAND [ARG...]   (record --help lists them)\n"
		"Replay a Linux page-allocator trace (or run synthetic workloads) through\n"
		"lazybuddy's acceptance policies on a modelled confidential guest and\n"
		"compare them. With no options: the shipped trace, every policy, a 16 GiB\n"
		"guest, the report written to build/report/index.html (an installed lbsim:\n"
		"./lbsim-report/index.html). An option that does not apply to the run is\n"
		"refused.\n"
		"\n",
		prog, prog);
	for (size_t k = 0; k < lbs_nopts; k++)
		print_opt(f, &lbs_opts[k]);
}