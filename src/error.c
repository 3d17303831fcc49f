/* SPDX-License-Identifier: MIT */
#include "lazybuddy.h"

static const char *const messages[LB_ERRNO_COUNT] = {
	[0] = "LB_OK: success",
	[-LB_EINVAL] = "LB_EINVAL: invalid argument",
	[-LB_ENOMEM] = "LB_ENOMEM: no free memory of that order",
	[-LB_EAGAIN] = "LB_EAGAIN: memory must be accepted first (no-wait allocation)",
	[-LB_ERANGE] = "LB_ERANGE: address outside the zone",
	[-LB_EALIGN] = "LB_EALIGN: address not aligned to the page or block order",
	[-LB_EORDER] = "LB_EORDER: order above LB_MAX_ORDER",
	[-LB_EDOUBLEFREE] = "LB_EDOUBLEFREE: block is already free",
	[-LB_ENOTALLOC] = "LB_ENOTALLOC: not the start of an allocated block of that order",
	[-LB_EOVERLAP] = "LB_EOVERLAP: memory map ranges overlap",
	[-LB_EUNIT] = "LB_EUNIT: unit is not a power of two between 4 KiB and 4 MiB",
	[-LB_ENOSPACE] = "LB_ENOSPACE: metadata buffer too small or not 16-byte aligned",
	[-LB_EBACKEND] = "LB_EBACKEND: the backend failed to accept or release",
	[-LB_ECORRUPT] = "LB_ECORRUPT: an invariant is broken",
	[-LB_ENOTSUP] = "LB_ENOTSUP: not supported",
	[-LB_EEMPTY] = "LB_EEMPTY: the memory map holds no usable memory",
	[-LB_EBUSY] = "LB_EBUSY: only memory being accepted elsewhere could serve",
	[-LB_ETOOBIG] = "LB_ETOOBIG: zone spans more than 16 TiB; split the map into zones",
};

const char *lb_strerror(int err)
{
	if (err > 0 || err <= -LB_ERRNO_COUNT || !messages[-err])
		return "unknown lazybuddy error";
	return messages[-err];
}
