/* SPDX-License-Identifier: MIT */
/*
 * The fault-injecting backend: wraps another one and fails chosen accepts.
 *
 * Contract: accept calls are numbered from 1 in `calls` (atomically, so
 * concurrent callers get distinct numbers). Call n fails with LB_EBACKEND,
 * without reaching the inner backend, when fail_every != 0 and
 * n % fail_every == 0, or when [addr, addr + size) holds fail_addr; such
 * injected failures are counted in `failures`. Every other call is forwarded
 * and its result (errors included) returned as is. Release is forwarded.
 * The wrapper's ops has release NULL when the inner backend has none, so the
 * zone sees the same capability; were it called anyway it answers
 * LB_ENOTSUP. fail_every and fail_addr may be changed between calls.
 */
#include "lazybuddy_backends.h"

static int fault_accept(void *ctx, uint64_t addr, uint64_t size)
{
	struct lb_fault_backend *fb = ctx;
	uint64_t n = __atomic_add_fetch(&fb->calls, 1, __ATOMIC_RELAXED);
	uint64_t every = __atomic_load_n(&fb->fail_every, __ATOMIC_RELAXED);
	uint64_t at = __atomic_load_n(&fb->fail_addr, __ATOMIC_RELAXED);

	/* at - addr < size: addr <= at < addr + size without overflow. */
	if ((every != 0 && n % every == 0) || (at != UINT64_MAX && at >= addr && at - addr < size)) {
		__atomic_fetch_add(&fb->failures, 1, __ATOMIC_RELAXED);
		return LB_EBACKEND;
	}
	return fb->inner.ops->accept(fb->inner.ctx, addr, size);
}

static int fault_release(void *ctx, uint64_t addr, uint64_t size)
{
	struct lb_fault_backend *fb = ctx;

	if (!fb->inner.ops->release)
		return LB_ENOTSUP;
	return fb->inner.ops->release(fb->inner.ctx, addr, size);
}

static uint64_t fault_accept_cost(void *ctx, uint64_t size)
{
	struct lb_fault_backend *fb = ctx;

	return fb->inner.ops->accept_cost ? fb->inner.ops->accept_cost(fb->inner.ctx, size) : 0;
}

static const struct lb_backend_ops fault_ops = {
	.name = "fault",
	.accept = fault_accept,
	.release = fault_release,
	.accept_cost = fault_accept_cost,
};

static const struct lb_backend_ops fault_ops_norelease = {
	.name = "fault",
	.accept = fault_accept,
	.release = NULL,
	.accept_cost = fault_accept_cost,
};

void lb_fault_backend_init(struct lb_fault_backend *fb, struct lb_backend inner,
			   struct lb_backend *out)
{
	fb->inner = inner;
	fb->fail_every = 0;
	fb->fail_addr = UINT64_MAX;
	fb->calls = fb->failures = 0;
	out->ops = inner.ops->release ? &fault_ops : &fault_ops_norelease;
	out->ctx = fb;
}
