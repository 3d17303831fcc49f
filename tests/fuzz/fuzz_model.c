/* SPDX-License-Identifier: MIT */
/*
 * The fuzz target's model: one input's state (what the caller holds, the
 * map, the zone and its backends) and the checks of the zone against it,
 * after every step (verify) and on every block handed out or given back
 * (take, drop).
 */
#include "fz_internal.h"

struct fz S;
void *cache_mem[NCACHE];

static uint64_t rnd(void)
{
	uint64_t z = (S.rnd += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint64_t pidx(uint64_t addr)
{
	return (addr - S.base) / PG;
}

bool in_span(uint64_t addr)
{
	return addr >= S.base && pidx(addr) < S.npages;
}

void stats(struct lb_stats *st)
{
	memset(st, 0, sizeof *st);
	lb_zone_stats(S.z, st);
}

/* ------------------------------------------------------------- checks */

/* Per page of the span, its state (enum lb_page_state) from the zone's
 * descriptors, walked as the checker walks them: cheap enough for every
 * step, and checked against lb_zone_page_state() on samples. */
void state_map(uint8_t *m)
{
	struct lb_zone *z = S.z;

	memset(m, LB_PAGE_RESERVED, S.npages);
	for (uint64_t sec = 0; sec * SEC < S.npages; sec++) {
		uint64_t first = sec * SEC, end = first + SEC < S.npages ? first + SEC : S.npages;

		if (bit_test(z->pristine, sec)) {
			memset(m + first, LB_PAGE_FREE_UNACCEPTED, end - first);
			continue;
		}
		if (!bit_test(z->active, sec))
			continue;
		for (uint64_t i = first; i < end;) {
			const struct lb_page *p = &z->pages[i];
			uint64_t n = UINT64_C(1) << p->order;
			unsigned k = pg_kind(p), v;

			if (k == K_NONE) {
				i++;
				continue;
			}
			v = k == K_FREE	      ? (p->state == S_ACCEPTED ? LB_PAGE_FREE_ACCEPTED
								: LB_PAGE_FREE_UNACCEPTED)
			    : k == K_INFLIGHT ? LB_PAGE_IN_FLIGHT
			    : k == K_QUARANTINE ? LB_PAGE_QUARANTINED
						: LB_PAGE_ALLOCATED;
			memset(m + i, (int)v, i + n <= end ? n : end - i);
			i += n;
		}
	}
}

/* Is there an aligned run of 2^order pages whose states are all in mask? */
bool free_run(const uint8_t *m, unsigned order, unsigned mask)
{
	uint64_t n = UINT64_C(1) << order;

	for (uint64_t s = 0; s + n <= S.npages; s += n) {
		uint64_t i = s;

		while (i < s + n && (mask >> m[i] & 1))
			i++;
		if (i == s + n)
			return true;
	}
	return false;
}

/* Page addr in state s (enum lb_page_state), against the model. */
static void check_state(uint64_t addr, int s)
{
	uint64_t i;

	if (!in_span(addr)) {
		REQUIRE(s == LB_ERANGE, "page 0x%llx outside the span: state %d", ULL(addr), s);
		return;
	}
	i = pidx(addr);
	if (!S.managed_map[i]) {
		REQUIRE(s == LB_PAGE_RESERVED, "unmanaged page 0x%llx: state %d", ULL(addr), s);
		return;
	}
	if (S.owned[i]) {
		REQUIRE(s == LB_PAGE_ALLOCATED, "held page 0x%llx: state %d", ULL(addr), s);
		return;
	}
	switch (s) {
	case LB_PAGE_FREE_ACCEPTED:
		REQUIRE(bit_test(S.rec.acc, i), "I1: page 0x%llx free accepted, backend never "
			"accepted it", ULL(addr));
		break;
	case LB_PAGE_FREE_UNACCEPTED:
		REQUIRE(!bit_test(S.rec.acc, i), "I2: page 0x%llx free unaccepted, backend has "
			"it accepted", ULL(addr));
		break;
	case LB_PAGE_ALLOCATED: /* in a cache */
		REQUIRE(bit_test(S.rec.acc, i), "I1: cached page 0x%llx not accepted", ULL(addr));
		break;
	case LB_PAGE_QUARANTINED:
		break;
	default:
		fz_fail("managed page 0x%llx, not held: state %d", ULL(addr), s);
	}
}

void check_page(uint64_t addr)
{
	check_state(addr, lb_zone_page_state(S.z, addr));
}

/* Every page of the span against the model and the statistics; the
 * public query on a sample (all of it asks up to 1024 steps a page). */
void sweep(void)
{
	uint64_t cnt[LB_PAGE_QUARANTINED + 1] = { 0 }, owned = 0;
	uint8_t *m = S.map_scratch;
	struct lb_stats st;

	state_map(m);
	for (uint64_t i = 0; i < S.npages; i++) {
		check_state(S.base + i * PG, m[i]);
		cnt[m[i]]++;
		owned += S.owned[i];
	}
	for (uint64_t k = 0; k < 256 && k < S.npages; k++) {
		uint64_t i = S.npages <= 256 ? k : rnd() % S.npages;
		int s = lb_zone_page_state(S.z, S.base + i * PG);

		REQUIRE(s == m[i], "page 0x%llx: lb_zone_page_state says %d, the descriptors %d",
			ULL(S.base + i * PG), s, m[i]);
	}
	stats(&st);
	REQUIRE(cnt[LB_PAGE_FREE_ACCEPTED] == st.free_accepted_pages &&
		cnt[LB_PAGE_FREE_UNACCEPTED] == st.free_unaccepted_pages &&
		cnt[LB_PAGE_ALLOCATED] == st.allocated_pages + st.cached_pages &&
		cnt[LB_PAGE_QUARANTINED] == st.quarantined_pages && !cnt[LB_PAGE_IN_FLIGHT] &&
		cnt[LB_PAGE_RESERVED] == S.npages - S.managed && owned == S.held_pages,
		"sweep: pages by state %llu/%llu/%llu/%llu/%llu/%llu, stats free %llu/%llu "
		"allocated %llu cached %llu quarantined %llu",
		ULL(cnt[0]), ULL(cnt[1]), ULL(cnt[2]), ULL(cnt[3]), ULL(cnt[4]), ULL(cnt[5]),
		ULL(st.free_accepted_pages), ULL(st.free_unaccepted_pages),
		ULL(st.allocated_pages), ULL(st.cached_pages), ULL(st.quarantined_pages));
	if (S.base >= PG)
		check_page(S.base - PG);
	check_page(S.base + S.npages * PG);
}

/* After every step. */
void verify(void)
{
	struct lb_zone *z = S.z;
	const struct rec_count *c = &S.rec.c;
	struct lb_stats st;
	char msg[256];
	int rc = lb_zone_check(z, msg, sizeof msg);

	REQUIRE(rc == 0, "lb_zone_check: %s", msg);
	REQUIRE(!c->double_accepts, "I2: %llu pages accepted twice", ULL(c->double_accepts));
	REQUIRE(!c->lock_held, "I6: %llu backend calls under the zone lock", ULL(c->lock_held));
	REQUIRE(!c->bad_ranges, "%llu backend calls with a bad range", ULL(c->bad_ranges));
	REQUIRE(!c->bad_releases, "%llu releases of unaccepted pages", ULL(c->bad_releases));
	REQUIRE(!c->quarantined_again, "%llu backend calls on quarantined pages",
		ULL(c->quarantined_again));

	stats(&st);
	REQUIRE(st.managed_pages == S.managed && st.span_pages == S.npages,
		"geometry: managed %llu span %llu, model %llu %llu", ULL(st.managed_pages),
		ULL(st.span_pages), ULL(S.managed), ULL(S.npages));
	REQUIRE(st.in_flight_pages == 0, "I4: %llu pages in flight between calls",
		ULL(st.in_flight_pages));
	REQUIRE(st.allocated_pages == S.held_pages, "I4: zone says %llu pages allocated, "
		"the caller holds %llu", ULL(st.allocated_pages), ULL(S.held_pages));
	REQUIRE(st.free_accepted_pages + st.free_unaccepted_pages + st.allocated_pages +
			st.cached_pages + st.in_flight_pages + st.quarantined_pages ==
		S.managed, "I4: free %llu+%llu held %llu cached %llu quarantined %llu of %llu",
		ULL(st.free_accepted_pages), ULL(st.free_unaccepted_pages),
		ULL(st.allocated_pages), ULL(st.cached_pages), ULL(st.quarantined_pages),
		ULL(S.managed));
	REQUIRE(st.quarantined_pages <= c->fail_pages, "quarantine %llu pages, failed backend "
		"calls covered %llu", ULL(st.quarantined_pages), ULL(c->fail_pages));
	REQUIRE(st.accept_failures == c->accept_fail && st.accept_calls == c->accept_ok &&
		st.accepted_pages == c->accept_ok_pages,
		"accept counters: zone %llu calls %llu pages %llu failures, backend %llu %llu %llu",
		ULL(st.accept_calls), ULL(st.accepted_pages), ULL(st.accept_failures),
		ULL(c->accept_ok), ULL(c->accept_ok_pages), ULL(c->accept_fail));
	REQUIRE(st.release_calls == c->release_ok && st.released_pages == c->release_ok_pages,
		"release counters: zone %llu calls %llu pages, backend %llu %llu",
		ULL(st.release_calls), ULL(st.released_pages), ULL(c->release_ok),
		ULL(c->release_ok_pages));
	/* Accepted, never handed out: free accepted, or quarantined by a
	 * failed release. */
	REQUIRE(st.over_accepted_pages <= st.free_accepted_pages + st.quarantined_pages,
		"over-accepted %llu pages, only %llu free accepted, %llu quarantined",
		ULL(st.over_accepted_pages), ULL(st.free_accepted_pages),
		ULL(st.quarantined_pages));

	/* The shadow record against the backend's, section by section: equal
	 * where the section is active, nothing accepted where it is pristine. */
	for (uint64_t sec = 0; sec * SEC < S.npages; sec++) {
		const uint64_t *r = &S.rec.acc[sec * SEC / 64];

		if (bit_test(z->active, sec)) {
			REQUIRE(!memcmp(&z->shadow[sec * SEC / 64], r, SEC / 8),
				"shadow record and backend disagree in section 0x%llx",
				ULL(S.base + sec * SEC * PG));
		} else {
			for (unsigned w = 0; w < SEC / 64; w++)
				REQUIRE(!r[w], "inactive section 0x%llx holds accepted pages",
					ULL(S.base + sec * SEC * PG));
		}
	}
	/* Every quarantined page was in a failed call; none is passed to the
	 * backend again (the recording backend checks against this record). */
	state_map(S.map_scratch);
	for (uint64_t i = 0, nq = 0; i <= S.npages; i++) {
		if (i == S.npages) {
			REQUIRE(nq == st.quarantined_pages, "%llu pages quarantined, counted %llu",
				ULL(nq), ULL(st.quarantined_pages));
			break;
		}
		if (S.map_scratch[i] != LB_PAGE_QUARANTINED)
			continue;
		REQUIRE(bit_test(S.rec.failed, i), "page 0x%llx quarantined, no call on it failed",
			ULL(S.base + i * PG));
		bit_set(S.rec.quar, i);
		nq++;
	}
	for (int k = 0; k < 3; k++)
		check_page(S.base + rnd() % S.npages * PG);
}

/* A block just handed out: the model takes it. */
void take(uint64_t addr, unsigned order, const char *who)
{
	uint64_t n = UINT64_C(1) << order, i;

	REQUIRE(!(addr & (n * PG - 1)), "%s: block 0x%llx of order %u misaligned", who,
		ULL(addr), order);
	REQUIRE(in_span(addr) && pidx(addr) + n <= S.npages, "%s: block 0x%llx of order %u "
		"outside the zone", who, ULL(addr), order);
	i = pidx(addr);
	for (uint64_t j = i; j < i + n; j++) {
		REQUIRE(S.managed_map[j], "%s: block 0x%llx order %u holds unmanaged page 0x%llx",
			who, ULL(addr), order, ULL(S.base + j * PG));
		REQUIRE(!S.owned[j], "%s: block 0x%llx order %u overlaps a held block at 0x%llx",
			who, ULL(addr), order, ULL(S.base + j * PG));
	}
	REQUIRE(bits_count(S.z->shadow, i, n) == n, "I1: %s: block 0x%llx order %u not "
		"accepted in the shadow record", who, ULL(addr), order);
	REQUIRE(rec_all(&S.rec, i, n), "I1: %s: block 0x%llx order %u never accepted by the "
		"backend", who, ULL(addr), order);
	memset(S.owned + i, 1, n);
	S.held[S.nheld++] = (struct blk){ addr, order };
	S.held_pages += n;
	check_page(addr);
	check_page(addr + (n - 1) * PG);
}

/* The model gives up held block k (freed). */
void drop(size_t k)
{
	struct blk b = S.held[k];
	uint64_t n = UINT64_C(1) << b.order;

	memset(S.owned + pidx(b.addr), 0, n);
	S.held_pages -= n;
	S.held[k] = S.held[--S.nheld];
	S.freed[S.nfreed++ % NFREED] = b;
}

struct lb_cache *pick_cache(unsigned sel)
{
	unsigned s = sel % NCACHE;

	return S.live[s] ? S.cache[s] : NULL;
}
