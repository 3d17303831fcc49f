/* SPDX-License-Identifier: MIT */
/* The library's version, from the header's macros (the one place it is set;
 * the Makefile reads them too, for the soname and lazybuddy.pc). */
#include "lazybuddy.h"

#define LB_STR_(x) #x
#define LB_STR(x)  LB_STR_(x)

const char *lb_version(void)
{
	return LB_STR(LB_VERSION_MAJOR) "." LB_STR(LB_VERSION_MINOR) "." LB_STR(LB_VERSION_PATCH);
}
