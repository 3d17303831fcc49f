/* SPDX-License-Identifier: MIT */
/*
 * Text for people, made from what the core keeps as codes and numbers:
 * the checker's findings and the shadow record's notes (struct finding,
 * internal.h), and lb_zone_meminfo(). Hosted builds format the numbers
 * with snprintf. A freestanding build has no C library: a finding's text
 * is a constant naming the invariant, and meminfo is LB_ENOTSUP.
 */
#include "internal.h"

#ifndef LB_FREESTANDING
#include <stdio.h>

#define ULL(x) ((unsigned long long)(x))

static const char *list_name(uint64_t state)
{
	return state == S_UNACCEPTED ? "unaccepted" : "accepted";
}

/* " of cache tag N" for a cache's list, "" for anyone's. */
static const char *tag_text(char *buf, size_t len, uint64_t tag)
{
	if (!tag)
		return "";
	snprintf(buf, len, " of cache tag %llu", ULL(tag));
	return buf;
}

static const char *note_name(unsigned code)
{
	switch (code) {
	case FIND_NOTE_ACCEPT:
		return "accept of pages already accepted";
	case FIND_NOTE_RELEASE:
		return "release of pages not accepted";
	default:
		return "hand-out of unaccepted pages";
	}
}

void lbi_finding_text(const struct finding *f, char *msg, size_t len)
{
	const uint64_t *v = f->v;
	unsigned i = f->inv;
	char tag[48];

	if (!msg || !len)
		return;
	switch (f->code) {
	case FIND_MISPLACED:
		snprintf(msg, len, "I%u: block at 0x%llx of order %llu misplaced", i, ULL(v[0]),
			 ULL(v[1]));
		break;
	case FIND_INNER_HEAD:
		snprintf(msg, len, "I%u: page 0x%llx inside block 0x%llx is a head", i, ULL(v[0]),
			 ULL(v[1]));
		break;
	case FIND_BAD_STATE:
		snprintf(msg, len, "I%u: free block 0x%llx has bad state", i, ULL(v[0]));
		break;
	case FIND_UNMERGED:
		snprintf(msg, len, "I%u: free buddies 0x%llx and 0x%llx of order %llu not merged", i,
			 ULL(v[0]), ULL(v[1]), ULL(v[2]));
		break;
	case FIND_FREE_UNACC:
		snprintf(msg, len, "I%u: free block 0x%llx marked accepted holds unaccepted pages",
			 i, ULL(v[0]));
		break;
	case FIND_FREE_ACC:
		snprintf(msg, len, "I%u: free block 0x%llx marked unaccepted holds accepted pages",
			 i, ULL(v[0]));
		break;
	case FIND_ALLOC_UNACC:
		snprintf(msg, len, "I%u: allocated block 0x%llx holds unaccepted pages", i,
			 ULL(v[0]));
		break;
	case FIND_BAD_KIND:
		snprintf(msg, len, "I%u: page 0x%llx has unknown kind %llu", i, ULL(v[0]),
			 ULL(v[1]));
		break;
	case FIND_PRISTINE:
		snprintf(msg, len, "I%u: pristine section at 0x%llx is misfiled", i, ULL(v[0]));
		break;
	case FIND_LIST_OUTSIDE:
		snprintf(msg, len, "I%u: free list %s/%llu links outside the zone", i,
			 list_name(v[0]), ULL(v[1]));
		break;
	case FIND_LIST_CORRUPT:
		snprintf(msg, len, "I%u: free list %s/%llu%s corrupt at 0x%llx", i, list_name(v[0]),
			 ULL(v[1]), tag_text(tag, sizeof tag, v[4]), ULL(v[2]));
		break;
	case FIND_LIST_COUNT:
		snprintf(msg, len, "I%u: free list %s/%llu%s holds %llu blocks, %llu free blocks found",
			 i, list_name(v[0]), ULL(v[1]), tag_text(tag, sizeof tag, v[4]), ULL(v[2]),
			 ULL(v[3]));
		break;
	case FIND_COUNTERS:
		snprintf(msg, len,
			 "I%u: counters disagree with the walk (free %llu/%llu, allocated %llu "
			 "(cached %llu), in flight %llu, quarantined %llu, fresh %llu)",
			 i, ULL(v[0]), ULL(v[1]), ULL(v[2]), ULL(v[3]), ULL(v[4]), ULL(v[5]),
			 ULL(v[6]));
		break;
	case FIND_CURSOR:
		snprintf(msg, len,
			 "I%u: the releaser's cursor 0x%llx is not on the accepted list of order %llu",
			 i, ULL(v[0]), ULL(v[1]));
		break;
	case FIND_TAG_MASKS:
		snprintf(msg, len,
			 "I%u: the caches' masks disagree with their lists or tags (holding 0x%llx, "
			 "live 0x%llx)", i, ULL(v[0]), ULL(v[1]));
		break;
	case FIND_ACC_INFLIGHT:
		snprintf(msg, len, "I%u: the acceptor has %llu pages in flight, the zone %llu", i,
			 ULL(v[0]), ULL(v[1]));
		break;
	case FIND_PAGE_SUM:
		snprintf(msg, len, "I%u: %llu pages accounted for, %llu managed", i, ULL(v[0]),
			 ULL(v[1]));
		break;
	case FIND_NOTE_ACCEPT:
	case FIND_NOTE_RELEASE:
	case FIND_NOTE_HANDOUT:
		snprintf(msg, len, "I%u: %s: [0x%llx, 0x%llx)", i, note_name(f->code), ULL(v[0]),
			 ULL(v[1]));
		break;
	default:
		msg[0] = 0;
		break;
	}
}

int lb_zone_meminfo(struct lb_zone *z, char *buf, size_t len)
{
	struct lb_stats st;
	const uint64_t kb = LB_PAGE_SIZE / 1024;
	int n;

	if (!z || z->magic != LB_ZONE_MAGIC || (!buf && len))
		return LB_EINVAL;
	lb_zone_stats(z, &st);
	/* Like Linux, MemFree counts unaccepted memory: it is free, just not
	 * usable without an accept. */
	n = snprintf(buf, len,
		     "MemTotal:       %10llu kB\n"
		     "MemFree:        %10llu kB\n"
		     "MemAccepted:    %10llu kB\n"
		     "Unaccepted:     %10llu kB\n"
		     "Allocated:      %10llu kB\n"
		     "InFlight:       %10llu kB\n"
		     "Quarantined:    %10llu kB\n"
		     "OverAccepted:   %10llu kB\n"
		     "AcceptCalls:    %10llu\n",
		     ULL(st.managed_pages * kb),
		     ULL((st.free_accepted_pages + st.free_unaccepted_pages) * kb),
		     ULL((st.managed_pages - st.free_unaccepted_pages - st.in_flight_pages -
			  st.quarantined_pages) * kb),
		     ULL(st.free_unaccepted_pages * kb), ULL(st.allocated_pages * kb),
		     ULL(st.in_flight_pages * kb), ULL(st.quarantined_pages * kb),
		     ULL(st.over_accepted_pages * kb), ULL(st.accept_calls));
	return n < 0 ? LB_EINVAL : n;
}

#else /* LB_FREESTANDING */

/* What each finding is, without its numbers. */
static const char *const what[FIND_COUNT] = {
	[FIND_MISPLACED] = "a block misplaced",
	[FIND_INNER_HEAD] = "a head inside a block",
	[FIND_BAD_STATE] = "a free block of bad state",
	[FIND_UNMERGED] = "free buddies not merged",
	[FIND_FREE_UNACC] = "a free accepted block holds unaccepted pages",
	[FIND_FREE_ACC] = "a free unaccepted block holds accepted pages",
	[FIND_ALLOC_UNACC] = "an allocated block holds unaccepted pages",
	[FIND_BAD_KIND] = "a page of unknown kind",
	[FIND_PRISTINE] = "a pristine section misfiled",
	[FIND_LIST_OUTSIDE] = "a free list links outside the zone",
	[FIND_LIST_CORRUPT] = "a free list corrupt",
	[FIND_LIST_COUNT] = "a free list miscounted",
	[FIND_COUNTERS] = "counters disagree with the walk",
	[FIND_CURSOR] = "the releaser's cursor misplaced",
	[FIND_TAG_MASKS] = "the caches' list masks wrong",
	[FIND_ACC_INFLIGHT] = "the acceptor's pages in flight miscounted",
	[FIND_PAGE_SUM] = "pages lost",
	[FIND_NOTE_ACCEPT] = "accept of pages already accepted",
	[FIND_NOTE_RELEASE] = "release of pages not accepted",
	[FIND_NOTE_HANDOUT] = "hand-out of unaccepted pages",
};

/* "I<n>: what", cut to len. */
void lbi_finding_text(const struct finding *f, char *msg, size_t len)
{
	const char *s = f->code && f->code < FIND_COUNT ? what[f->code] : NULL;
	char head[4] = { 'I', (char)('0' + f->inv % 10), ':', ' ' };
	size_t n = 0;

	if (!msg || !len)
		return;
	for (size_t k = 0; s && k < sizeof head && n + 1 < len; k++)
		msg[n++] = head[k];
	for (; s && *s && n + 1 < len; s++)
		msg[n++] = *s;
	msg[n] = 0;
}

int lb_zone_meminfo(struct lb_zone *z, char *buf, size_t len)
{
	(void)z;
	(void)buf;
	(void)len;
	return LB_ENOTSUP; /* no snprintf: lb_zone_stats() has the numbers */
}

#endif
