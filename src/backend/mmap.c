/* SPDX-License-Identifier: MIT */
/*
 * The mmap backend: real memory, with the MMU standing in for the firmware.
 *
 * Contract: init reserves the span [lowest start, highest end) of the memory
 * map as one PROT_NONE, MAP_NORESERVE anonymous mapping (so unaccepted memory
 * costs nothing and any touch of it faults), then makes the ranges typed
 * LB_MEM_ACCEPTED read/write without populating them. accept makes a range
 * read/write and populates it (MADV_POPULATE_WRITE while populate_mode is 1;
 * if the kernel refuses that with EINVAL, populate_mode drops to 0 for good
 * and pages are touched one by one; a caller may set it to 0 to force that);
 * release discards the pages (they read back zero when accepted again) and
 * makes them PROT_NONE. Ranges must be non-empty and page-aligned
 * (LB_EINVAL) and inside the span (LB_ERANGE); a failed syscall gives
 * LB_EBACKEND and leaves the range PROT_NONE. Counters count successful
 * calls, by atomic adds. Needs a system page size that divides 4 KiB.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "lazybuddy_backends.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older headers lack it */
#endif

#define PAGE_MASK (LB_PAGE_SIZE - 1)
#define STEP (UINT64_C(2) << 20)

/* 0, or LB_EINVAL / LB_ERANGE; on 0, *p is the range's mapping. */
static int map_range(struct lb_mmap_backend *mb, uint64_t addr, uint64_t size,
		     unsigned char **p)
{
	if (size == 0 || ((addr | size) & PAGE_MASK))
		return LB_EINVAL;
	/* Written so that nothing can wrap around. */
	if (addr < mb->phys_base || addr - mb->phys_base > mb->size ||
	    size > mb->size - (addr - mb->phys_base))
		return LB_ERANGE;
	*p = mb->base + (addr - mb->phys_base);
	return LB_OK;
}

static int populate(struct lb_mmap_backend *mb, unsigned char *p, uint64_t size)
{
	if (__atomic_load_n(&mb->populate_mode, __ATOMIC_RELAXED)) {
		if (madvise(p, (size_t)size, MADV_POPULATE_WRITE) == 0)
			return 0;
		if (errno != EINVAL)
			return -1;
		/* Kernel older than 5.14: touch instead, from now on. */
		__atomic_store_n(&mb->populate_mode, 0, __ATOMIC_RELAXED);
	}
	for (uint64_t off = 0; off < size; off += LB_PAGE_SIZE)
		((volatile unsigned char *)p)[off] = 0; /* fresh pages are zero */
	return 0;
}

static int mmap_accept(void *ctx, uint64_t addr, uint64_t size)
{
	struct lb_mmap_backend *mb = ctx;
	unsigned char *p;
	int err = map_range(mb, addr, size, &p);

	if (err)
		return err;
	/* In steps of at most 2 MiB: mprotect takes the process's mmap lock
	 * for writing, and populating holds it for reading, so one large step
	 * would stall every other thread's accept (and page faults) until the
	 * whole range is populated. Firmware acceptance has no such lock. */
	for (uint64_t off = 0; off < size; off += STEP) {
		size_t n = (size_t)(size - off < STEP ? size - off : STEP);

		if (mprotect(p + off, n, PROT_READ | PROT_WRITE) != 0 ||
		    populate(mb, p + off, n) != 0) {
			/* The zone quarantines the range: keep it untouchable. */
			(void)madvise(p, (size_t)size, MADV_DONTNEED);
			(void)mprotect(p, (size_t)size, PROT_NONE);
			return LB_EBACKEND;
		}
	}
	__atomic_fetch_add(&mb->accept_calls, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&mb->accepted_bytes, size, __ATOMIC_RELAXED);
	return LB_OK;
}

static int mmap_release(void *ctx, uint64_t addr, uint64_t size)
{
	struct lb_mmap_backend *mb = ctx;
	unsigned char *p;
	int err = map_range(mb, addr, size, &p);

	if (err)
		return err;
	if (madvise(p, (size_t)size, MADV_DONTNEED) != 0 ||
	    mprotect(p, (size_t)size, PROT_NONE) != 0)
		return LB_EBACKEND;
	__atomic_fetch_add(&mb->release_calls, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&mb->released_bytes, size, __ATOMIC_RELAXED);
	return LB_OK;
}

static const struct lb_backend_ops mmap_ops = {
	.name = "mmap",
	.accept = mmap_accept,
	.release = mmap_release,
};

int lb_mmap_backend_init(struct lb_mmap_backend *mb, const struct lb_range *ranges,
			 size_t nranges, struct lb_backend *out)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	long psz = sysconf(_SC_PAGESIZE);
	void *base;

	if (!mb || !out || !ranges || nranges == 0)
		return LB_EINVAL;
	for (size_t i = 0; i < nranges; i++) {
		const struct lb_range *r = &ranges[i];

		if (r->size == 0 || ((r->start | r->size) & PAGE_MASK) ||
		    r->start + r->size < r->start)
			return LB_EINVAL;
		if (r->start < lo)
			lo = r->start;
		if (r->start + r->size > hi)
			hi = r->start + r->size;
	}
	if (psz <= 0 || LB_PAGE_SIZE % (uint64_t)psz)
		return LB_ENOTSUP; /* mprotect could not honour 4 KiB ranges */
	if (hi - lo > SIZE_MAX)
		return LB_EBACKEND;
	base = mmap(NULL, (size_t)(hi - lo), PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return LB_EBACKEND;
	mb->base = base;
	mb->phys_base = lo;
	mb->size = hi - lo;
	mb->populate_mode = 1;
	mb->accept_calls = mb->accepted_bytes = 0;
	mb->release_calls = mb->released_bytes = 0;
	for (size_t i = 0; i < nranges; i++) {
		if (ranges[i].type != LB_MEM_ACCEPTED)
			continue;
		if (mprotect(mb->base + (ranges[i].start - lo), (size_t)ranges[i].size,
			     PROT_READ | PROT_WRITE) != 0) {
			lb_mmap_backend_fini(mb);
			return LB_EBACKEND;
		}
	}
	out->ops = &mmap_ops;
	out->ctx = mb;
	return LB_OK;
}

void lb_mmap_backend_fini(struct lb_mmap_backend *mb)
{
	if (mb && mb->base) {
		(void)munmap(mb->base, (size_t)mb->size);
		mb->base = NULL;
		mb->size = 0;
	}
}

void *lb_mmap_ptr(const struct lb_mmap_backend *mb, uint64_t addr)
{
	if (!mb || !mb->base || addr < mb->phys_base || addr - mb->phys_base >= mb->size)
		return NULL;
	return mb->base + (addr - mb->phys_base);
}
