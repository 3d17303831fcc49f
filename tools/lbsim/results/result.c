/* SPDX-License-Identifier: MIT */
/* One run's results (result.h). */
#include "result.h"

#include <stdlib.h>

void lbs_result_free(struct lbs_result *r)
{
	if (!r->extra)
		return;
	free(r->extra->vcpu_wait);
	free(r->extra);
	r->extra = NULL;
}
