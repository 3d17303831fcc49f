/* SPDX-License-Identifier: MIT */
/*
 * lbsim: run workloads against every acceptance policy of lazybuddy on a
 * modelled confidential guest and print a comparison (table or JSON).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "output.h"
#include "sim.h"

int main(int argc, char **argv)
{
	struct lbs_cli cli;
	struct lbs_result *res;
	size_t n = 0;
	int status = 0;

	if (lbs_cli_parse(argc, argv, &cli, stderr) != 0)
		return 2;
	if (cli.help) {
		lbs_cli_usage(stdout, "lbsim");
		return 0;
	}
	res = calloc(cli.npolicy * cli.nworkload, sizeof *res);
	if (!res) {
		fprintf(stderr, "lbsim: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < cli.npolicy; i++) {
		for (size_t j = 0; j < cli.nworkload; j++) {
			int rc = lbs_sim_run(&cli.sim, cli.policy[i], cli.workload[j], &res[n]);
			if (rc) {
				fprintf(stderr, "lbsim: %s/%s: zone set-up failed: %s\n",
					lb_policy_name(cli.policy[i]),
					lbs_workload_name(cli.workload[j]), lb_strerror(rc));
				free(res);
				return 1;
			}
			if (res[n].check[0] != 'o' || res[n].check[1] != 'k' || res[n].check[2])
				status = 1;
			n++;
		}
	}
	if (cli.json) {
		lbs_print_json(stdout, res, n);
	} else {
		lbs_print_heading(stdout, &cli.sim);
		lbs_print_table(stdout, res, n);
		lbs_print_legend(stdout);
	}
	free(res);
	return status;
}
