/* SPDX-License-Identifier: MIT */
/* Work in progress (issue 9): the table arrives with the adaptive policy. */
#include "policybench.h"

bool lbs_policy_bench(FILE *f)
{
	fprintf(f, "lbsim: --policy-bench is not built yet\n");
	return false;
}
