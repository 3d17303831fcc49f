/* SPDX-License-Identifier: MIT */
/*
 * Private definitions shared by the core's source files.
 *
 * Memory is described in page indices relative to base_pfn, which is
 * aligned to a section (one max-order block, 1024 pages), so that buddy
 * arithmetic on indices equals buddy arithmetic on physical addresses.
 *
 * Out-of-band metadata, all inside the caller's buffer:
 *   pages[]   one 12-byte descriptor per page; only the first page (head)
 *             of a block carries kind and order, the others are K_NONE;
 *   pristine  one bit per section: free, unaccepted, never touched. Such a
 *             section is a free max-order block that is on no list and
 *             whose descriptors have never been written;
 *   active    one bit per section: its descriptors are valid. A section is
 *             activated (descriptors zeroed) the first time any block in it
 *             is formed, so set-up never writes per-page metadata for
 *             memory that has never been accepted;
 *   fresh     one bit per page: accepted by the zone, not handed out since
 *             (over-acceptance);
 *   shadow    one bit per page: accepted (LB_CFG_SHADOW only), the record
 *             the checker trusts to catch double accepts and unaccepted
 *             hand-outs.
 * fresh and shadow bits of a section are valid only while it is active.
 *
 * Naming: functions shared between the core's files carry the private
 * prefix lbi_ (never exported: src/lazybuddy.map exports lb_* alone);
 * the rest are static.
 *
 * Locking: z->lock protects everything in the zone; it is taken and
 * dropped only through zone_lock() and zone_unlock(). Every lbi_ function,
 * and every static function of the core, expects it held unless its
 * comment says otherwise (Linux marks these "__name"; that prefix is
 * reserved to the C implementation); debug builds assert it
 * (LB_ASSERT_LOCKED). Backend calls are made with it dropped: the block
 * is first marked K_INFLIGHT, so no other thread can take or merge it
 * (inflight.c).
 */
#ifndef LB_INTERNAL_H
#define LB_INTERNAL_H

/* base.h, page.h, zone_types.h, cache_types.h: the types, from the
 * ground up; below, what each source file gives the others. */
#include "cache_types.h"

/* buddy.c: free lists, sections, split and merge */
void lbi_section_activate(struct lb_zone *z, uint64_t sec);
void lbi_list_del(struct lb_zone *z, uint64_t idx);
uint64_t lbi_free_block(struct lb_zone *z, uint64_t idx, unsigned order, unsigned state,
			unsigned tag, bool tail);
void lbi_free_pieces(struct lb_zone *z, const uint32_t *s, uint32_t n, unsigned o, unsigned tag);
void lbi_split(struct lb_zone *z, uint64_t idx, unsigned from, unsigned to, unsigned state,
	       unsigned tag);
bool lbi_take_free_near(struct lb_zone *z, unsigned min_order, unsigned tag, uint64_t *idx,
			unsigned *order);
bool lbi_take_free(struct lb_zone *z, unsigned state, unsigned min_order, uint64_t *idx,
		 unsigned *order);
bool lbi_take_largest_unaccepted(struct lb_zone *z, uint64_t *idx, unsigned *order);
uint64_t lbi_take_pristine_run(struct lb_zone *z, uint64_t max_sections, uint64_t *first);
bool lbi_find_block(const struct lb_zone *z, uint64_t idx, uint64_t *head);
bool lbi_unaccepted_fits(const struct lb_zone *z, unsigned order);
bool lbi_find_mixed(const struct lb_zone *z, unsigned order, uint64_t *run);

/* inflight.c: the in-flight protocol (accept and release), the batch
 * accept engine, the shadow record, quarantine, hand-out */
enum { ACC_CALLER, ACC_ACCEPTOR, ACC_SETUP, ACC_RELEASER }; /* on whose behalf a call runs */
/* One operation's backend calls: its budget of failed accepts (*_FAILS),
 * on whose behalf, the pages a partial accept freed to the lists, its
 * error. */
struct acc_op {
	unsigned fails;    /* failed calls it may still make */
	unsigned why;
	uint64_t accepted;
	int err;
	unsigned failures; /* failed calls it made */
	bool halving;      /* its one refill for a full suspect table is spent */
};
#define ALLOC_OP { .fails = ALLOC_FAILS, .why = ACC_CALLER } /* an allocation's */
int lbi_accept_blocks(struct lb_zone *z, uint64_t idx, unsigned order, uint64_t count,
		      struct acc_op *op, bool keep);
int lbi_accept_mixed(struct lb_zone *z, uint64_t r, unsigned order, struct acc_op *op);
int lbi_accept_setup_range(struct lb_zone *z, uint64_t idx, uint64_t npages);
int64_t lbi_accept_call(struct lb_zone *z, uint64_t left, struct acc_op *op);
int64_t lbi_accept_some(struct lb_zone *z, uint64_t max_pages);
#define RELEASE_MAX_BATCH 64 /* blocks a releaser pass may take */
#define REL_SCAN_BUDGET 1024 /* free blocks a releaser pass looks at, at most */
void lbi_release_claim(struct lb_zone *z, uint64_t idx);
uint64_t lbi_release_blocks(struct lb_zone *z, const uint32_t *idx, unsigned n);
void lbi_note_corrupt(struct lb_zone *z, unsigned code, unsigned inv, uint64_t idx,
		      uint64_t npages);
int lbi_give_out(struct lb_zone *z, uint64_t idx, unsigned order, unsigned kind);
unsigned lbi_give_out_pieces(struct lb_zone *z, uint64_t idx, unsigned from, unsigned order,
			     unsigned kind, uint32_t *out);
int lbi_hand_out(struct lb_zone *z, uint64_t idx, unsigned order);

/* zone_alloc.c: the zone's own allocation, and why a free was refused */
#define LB_ALLOC_FLAGS (LB_ALLOC_NOWAIT | LB_ALLOC_ATOMIC) /* every valid flag */
int lbi_alloc(struct lb_zone *z, unsigned order, unsigned flags, uint64_t *idx,
	      struct acc_op *op);
int lbi_bad_free(const struct lb_zone *z, uint64_t idx);

/* drain.c: blocks back from the caches to the zone, the zone lock held */
uint64_t lbi_cached_pages(const struct lb_zone *z);
void lbi_cache_request_drain(struct lb_zone *z, unsigned order);
void lbi_cache_alloc_seen(struct lb_zone *z, unsigned order);
void lbi_cache_drain(struct lb_cache *c, unsigned o, uint32_t n);
uint64_t lbi_cache_drain_all(struct lb_cache *c);
uint64_t lbi_cpu_lists_drain(struct lb_zone *z);

/* cache.c */
void lbi_cache_setup(struct lb_cache *c, struct lb_zone *z, bool cpu_list);
/* the public calls on a valid cache, without the lock: a CPU list's
 * holder makes them */
int lbi_cache_alloc(struct lb_cache *c, unsigned order, unsigned flags, uint64_t *addr);
int lbi_cache_free(struct lb_cache *c, uint64_t addr, unsigned order);
/* cpulist.c: lbi_cpu_list_alloc() and _free() without the zone lock: the
 * call's answer through the caller's CPU's list, or CPU_LIST_HELD where
 * that list is held (then the zone serves it); lbi_cpu_lists_drain()
 * with the zone lock */
#define CPU_LISTS_MAX 1024
#define CPU_LIST_HELD 1 /* not an answer: answers are 0 or negative */
int lbi_cpu_list_alloc(struct lb_zone *z, unsigned order, unsigned flags, uint64_t *addr);
int lbi_cpu_list_free(struct lb_zone *z, uint64_t addr, unsigned order);
int lbi_cpu_lists_init(struct lb_zone *z, void *mem, unsigned n);
void lbi_cpu_lists_fini(struct lb_zone *z);
#define DRAIN_NONE 0xff
#define DRAIN_HOLD_ALLOCS 64

/* demand.c: the acceptor's reserve, from the allocation rate */
uint64_t lbi_acceptor_reserve(struct lb_zone *z, uint64_t now_ns);
struct demand_view {
	uint64_t reserve; /* pages */
	unsigned order;   /* lbi_demand_order() */
};
void lbi_demand_view(const struct lb_zone *z, uint64_t now_ns, struct demand_view *v);
uint64_t lbi_demand_set_reserve(struct lb_zone *z, uint64_t r);
uint64_t lbi_demand_free(const struct lb_zone *z);
uint64_t lbi_demand_free_in(const struct lb_zone *z, unsigned order);
unsigned lbi_demand_order(const struct lb_zone *z);
/* scale.c: the acceptor's passes allowed at once, and its rests */
bool lbi_acceptor_resting(struct lb_zone *z, uint64_t now_ns);
void lbi_acceptor_rest(struct lb_zone *z, uint64_t now_ns, uint64_t have);
unsigned lbi_demand_passes(struct lb_zone *z, uint64_t now_ns, bool behind);
void lbi_acceptor_wake(struct lb_zone *z, uint64_t now_ns);
/* keep.c: what the releaser leaves accepted */
uint64_t lbi_demand_keep(const struct lb_zone *z, const struct demand_view *v);
void lbi_demand_use_pass(struct lb_zone *z, uint64_t reserve);

/* thread.c: the workers' synchronisation, set up and torn down with the
 * zone (no lock needed: nothing else runs on the zone then) */
int lbi_workers_init(struct lb_zone *z);
void lbi_workers_fini(struct lb_zone *z);

/* policy.c (lbi_derive_watermarks: arithmetic only, no lock needed) */
static inline const struct lbi_policy *lbi_pol(const struct lb_zone *z)
{
	return z->pol;
}
void lbi_derive_watermarks(uint64_t managed_pages, struct lb_watermarks *w);
int lbi_policy_accept(struct lb_zone *z, unsigned order, uint64_t *idx, struct acc_op *op);
void lbi_policy_top_up(struct lb_zone *z, unsigned order, struct acc_op *op);
/* adaptive: the order the backend accepts cheapest per page, and the
 * order an allocation of 2^order pages accepts on demand */
unsigned lbi_cheapest_order(const struct lb_zone *z);
unsigned lbi_adaptive_want(const struct lb_zone *z, unsigned order);

/* check.c: 0, or LB_ECORRUPT with *f the first broken invariant */
int lbi_zone_check(struct lb_zone *z, struct finding *f, bool quiescent);

/* format.c: f as text in msg (NUL-terminated, cut to len; "" for
 * FIND_NONE); hosted builds write the numbers, freestanding ones a
 * constant. No lock needed. */
void lbi_finding_text(const struct finding *f, char *msg, size_t len);

#endif /* LB_INTERNAL_H */
