/* SPDX-License-Identifier: MIT */
/*
 * The null backend: accepts and releases instantly and only counts.
 *
 * Contract: a range that is empty, not page-aligned or that wraps around the
 * address space is refused with LB_EINVAL and not counted; any other call
 * succeeds and adds one call and its bytes to the counters. Counters are
 * updated with atomic adds, so concurrent calls for disjoint ranges count
 * exactly; read them once no call is in flight.
 */
#include "lazybuddy_backends.h"

static int range_ok(uint64_t addr, uint64_t size)
{
	return size != 0 && ((addr | size) & (LB_PAGE_SIZE - 1)) == 0 &&
	       addr + size > addr;
}

static int null_accept(void *ctx, uint64_t addr, uint64_t size)
{
	struct lb_null_backend *nb = ctx;

	if (!range_ok(addr, size))
		return LB_EINVAL;
	__atomic_fetch_add(&nb->accept_calls, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&nb->accepted_bytes, size, __ATOMIC_RELAXED);
	return LB_OK;
}

static int null_release(void *ctx, uint64_t addr, uint64_t size)
{
	struct lb_null_backend *nb = ctx;

	if (!range_ok(addr, size))
		return LB_EINVAL;
	__atomic_fetch_add(&nb->release_calls, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&nb->released_bytes, size, __ATOMIC_RELAXED);
	return LB_OK;
}

static const struct lb_backend_ops null_ops = {
	.name = "null",
	.accept = null_accept,
	.release = null_release,
};

void lb_null_backend_init(struct lb_null_backend *nb, struct lb_backend *out)
{
	nb->accept_calls = nb->accepted_bytes = 0;
	nb->release_calls = nb->released_bytes = 0;
	out->ops = &null_ops;
	out->ctx = nb;
}
