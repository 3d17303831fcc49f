/* SPDX-License-Identifier: MIT */
/* The list of allocators, in the order the table shows them. */
#include "alloc.h"

#include <lazybuddy.h>
#include <stdio.h>
#include <string.h>

const char *lbb_memory_name(enum lbb_memory m)
{
	return m == LBB_MEM_LAZY ? "lazy-mmap" : "accepted";
}

static struct lbb_allocator *add(struct lbb_allocator *out, size_t cap, size_t *n,
				 const char *name, enum lbb_memory m,
				 const struct lbb_alloc_ops *ops)
{
	struct lbb_allocator *a;

	if (*n >= cap)
		return NULL;
	a = &out[(*n)++];
	memset(a, 0, sizeof *a);
	snprintf(a->name, sizeof a->name, "%s", name);
	a->memory = m;
	a->ops = ops;
	a->ops_divisor = 1;
	return a;
}

size_t lbb_allocator_list(struct lbb_allocator *out, size_t cap)
{
	size_t n = 0;
	struct lbb_allocator *a;
	char name[32];

	/* lazybuddy on memory accepted up front (every policy: the cost of its
	 * bookkeeping alone), then the lazy policies paying real acceptance. */
	for (int m = LBB_MEM_ACCEPTED; m <= LBB_MEM_LAZY; m++) {
		for (int p = 0; p < LB_POLICY_COUNT; p++) {
			if (m == LBB_MEM_LAZY && p == LB_POLICY_EAGER)
				continue; /* eager has no lazy memory */
			snprintf(name, sizeof name, "lazybuddy-%s", lb_policy_name((enum lb_policy)p));
			a = add(out, cap, &n, name, (enum lbb_memory)m, &lbb_lazybuddy_ops);
			if (a)
				a->policy = p;
		}
	}
	add(out, cap, &n, "glibc", LBB_MEM_ACCEPTED, &lbb_glibc_ops);
	add(out, cap, &n, "jemalloc", LBB_MEM_ACCEPTED, &lbb_jemalloc_ops);
	add(out, cap, &n, "mimalloc", LBB_MEM_ACCEPTED, &lbb_mimalloc_ops);
	a = add(out, cap, &n, "mmap", LBB_MEM_ACCEPTED, &lbb_mmap_ops);
	if (a)
		a->ops_divisor = 16; /* a system call and a page fault per block */
	return n;
}
