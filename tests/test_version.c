/* SPDX-License-Identifier: MIT */
/* lb_version(): the library's version is the header's. */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "lazybuddy.h"

TEST(version_matches_header)
{
	char want[32];

	snprintf(want, sizeof want, "%d.%d.%d", LB_VERSION_MAJOR, LB_VERSION_MINOR,
		 LB_VERSION_PATCH);
	REQUIRE(lb_version() != NULL);
	CHECK(strcmp(lb_version(), want) == 0);
}
