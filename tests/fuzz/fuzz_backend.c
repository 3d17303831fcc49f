/* SPDX-License-Identifier: MIT */
/*
 * The fuzz target's recording backend (struct rec, fz_internal.h): checks
 * every call the zone makes (range, the zone lock, double accepts,
 * releases of unaccepted or quarantined memory), keeps its own record of
 * what is accepted and fails the calls the input's patterns pick.
 */
#include "fz_internal.h"

#include <pthread.h>

static bool rec_range_ok(struct rec *r, uint64_t addr, uint64_t size)
{
	if (size && !((addr | size) & (PG - 1)) && addr >= r->base &&
	    (addr - r->base) / PG + size / PG <= r->npages)
		return true;
	r->c.bad_ranges++;
	return false;
}

static void rec_probe_lock(struct rec *r)
{
	if (r->zone && lb_lock_try(&r->zone->lock))
		lb_unlock(&r->zone->lock);
	else if (r->zone)
		r->c.lock_held++;
}

static bool pat_fails(unsigned pat, uint64_t n)
{
	return (pat & 0x80) && (pat >> ((n - 1) % 7) & 1);
}

static int rec_accept(void *ctx, uint64_t addr, uint64_t size)
{
	struct rec *r = ctx;
	uint64_t n = ++r->c.accept_calls, first, np;
	int rc = 0;

	if (!rec_range_ok(r, addr, size))
		return LB_EINVAL;
	rec_probe_lock(r);
	first = (addr - r->base) / PG;
	np = size / PG;
	for (uint64_t i = first; i < first + np; i++)
		if (bit_test(r->acc, i))
			r->c.double_accepts++; /* I2, whatever the call's outcome */
	if (bits_count(r->quar, first, np))
		r->c.quarantined_again++;
	if (pat_fails(r->accept_fail_pat, n))
		rc = LB_EBACKEND;
	else if (r->inner.ops)
		rc = r->inner.ops->accept(r->inner.ctx, addr, size);
	if (rc) {
		r->c.accept_fail++;
		r->c.fail_pages += np;
		bits_assign(r->failed, first, np, 1);
		return rc;
	}
	bits_assign(r->acc, first, np, 1);
	r->c.accept_ok++;
	r->c.accept_ok_pages += np;
	return 0;
}

static int rec_release(void *ctx, uint64_t addr, uint64_t size)
{
	struct rec *r = ctx;
	uint64_t n = ++r->c.release_calls, first, np;
	int rc = 0;

	if (!rec_range_ok(r, addr, size))
		return LB_EINVAL;
	rec_probe_lock(r);
	first = (addr - r->base) / PG;
	np = size / PG;
	if (bits_count(r->acc, first, np) != np)
		r->c.bad_releases++;
	if (bits_count(r->quar, first, np))
		r->c.quarantined_again++;
	if (np < r->c.min_release_pages)
		r->c.min_release_pages = np;
	if (pat_fails(r->release_fail_pat, n))
		rc = LB_EBACKEND;
	else if (r->inner.ops && r->inner.ops->release)
		rc = r->inner.ops->release(r->inner.ctx, addr, size);
	if (rc) { /* the zone quarantines it; still accepted as far as we know */
		r->c.release_fail++;
		r->c.fail_pages += np;
		bits_assign(r->failed, first, np, 1);
		return rc;
	}
	bits_assign(r->acc, first, np, 0);
	r->c.release_ok++;
	r->c.release_ok_pages += np;
	return 0;
}

const struct lb_backend_ops rec_ops = {
	.name = "fuzz-rec", .accept = rec_accept, .release = rec_release
};
const struct lb_backend_ops rec_ops_norelease = {
	.name = "fuzz-rec", .accept = rec_accept, .release = NULL
};

bool rec_all(const struct rec *r, uint64_t idx, uint64_t n)
{
	return bits_count(r->acc, idx, n) == n;
}
