/* SPDX-License-Identifier: MIT */
/*
 * The in-flight protocol's verbs (inflight.c), for the code that drives
 * it: accept.c and retry.c (accepts), release.c (releases), handout.c
 * (blocks leaving the zone). Private to those.
 */
#ifndef LB_INFLIGHT_H
#define LB_INFLIGHT_H

#include "internal.h"

/* A block's head takes kind and order (quarantine counted). */
static inline void block_mark(struct lb_zone *z, uint64_t idx, unsigned order, unsigned kind)
{
	pg_set_kind(&z->pages[idx], kind);
	pg_set_order(&z->pages[idx], order);
	if (kind == K_QUARANTINE)
		z->nr_quarantine += UINT64_C(1) << order;
}

#if LB_DEBUG >= 1
/* Is [s, e) wholly blocks in flight, all in state? */
static inline bool inflight_all(const struct lb_zone *z, uint64_t s, uint64_t e, unsigned state)
{
	uint64_t i = s;

	while (i < e) {
		const struct lb_page *p = &z->pages[i];

		if (pg_kind(p) != K_INFLIGHT || p->state != state)
			return false;
		i += UINT64_C(1) << pg_order(p);
	}
	return i == e;
}
#endif

/* inflight.c: the protocol's steps, under the zone lock */
void lbi_claim(struct lb_zone *z, uint64_t idx, unsigned order, unsigned state,
	       const struct acc_op *op);
void lbi_inflight_set_state(struct lb_zone *z, uint64_t s, uint64_t e, unsigned state);
void lbi_publish(struct lb_zone *z, uint64_t s, uint64_t e, const struct acc_op *op);
void lbi_publish_kept(struct lb_zone *z, uint64_t idx, unsigned order, const struct acc_op *op);
void lbi_quarantine(struct lb_zone *z, uint64_t s, uint64_t e, const struct acc_op *op);

/* retry.c: the call for [s, e), unaccepted blocks in flight, and its
 * failures */
int lbi_accept_inflight(struct lb_zone *z, uint64_t s, uint64_t e, struct acc_op *op);

#endif
