/* SPDX-License-Identifier: MIT */
/*
 * The model backend: acceptance as a cost in virtual time, no memory.
 *
 * Contract: one backend call for a page-aligned range [addr, addr + size) is
 * split the way a guest kernel drives the hardware: greedily, at each page,
 * the largest chunk of 2^k pages (k a set bit of levels) that is aligned to
 * its own size and fits. Bit 0 is always implied (4 KiB is the floor). The
 * call costs arch_calls * call_ns + pages * page_ns (release likewise, with
 * the same levels and release_call_ns / release_page_ns) and that cost is
 * added to clock_ns. Clock and counters move by atomic adds, so concurrent
 * calls for disjoint ranges sum exactly. arch_calls counts accept-side
 * architectural calls only. A bad range (empty, unaligned, wrapping) is
 * refused with LB_EINVAL and charged nothing.
 *
 * Preset figures (ns; "page" is 4 KiB). Lines marked "assumption" are ours:
 * no public per-call or per-page figure was found for them.
 *
 *   preset  field            value  source
 *   tdx     levels     4K|2M|1G      TDG.MEM.PAGE.ACCEPT page levels (Intel TDX module spec)
 *   tdx     page_ns         7200     derived: ~1.9 s/GiB lazy first touch (2024 TDX
 *                                    eatmemory runs, 1 GiB 3.4 s ... 64 GiB 133 s,
 *                                    LKML 2024) / 262144 pages = 7.25 us. Linux
 *                                    accepts there in 2 MiB+ chunks, so nearly all of it is
 *                                    per-page work (host commit + zeroing included)
 *   tdx     call_ns         5000     assumption: one TDCALL plus the exit to the host that
 *                                    adds the page and re-entry. Cross-check: 4 KiB calls
 *                                    then cost 12.2 us/page = 3.2 s/GiB, the order of an
 *                                    eager 8 GiB accept on 1 vCPU in 25 s (asterinas
 *                                    PR 3640) or ~30 s (asterinas PR 1691); the call size
 *                                    used there is not stated
 *   tdx     release_call_ns 5000     assumption: one MapGPA-style hypercall round trip
 *   tdx     release_page_ns  500     assumption: host unmaps and drops, no zeroing
 *   snp     levels        4K|2M      PVALIDATE page sizes (AMD APM vol. 3)
 *   snp     call_ns         4000     assumption: one GHCB page-state-change exit +
 *                                    PVALIDATE
 *   snp     page_ns         4000     assumption: host RMPUPDATE + commit + zeroing;
 *                                    no public SNP per-page figure found
 *   snp     release_call_ns 4000     assumption: as call_ns
 *   snp     release_page_ns  500     assumption: as tdx
 *   tdx     contention_pct    31     fitted: eager acceptance of 8 GiB took 25 s on 1
 *                                    vCPU, 12 s on 4 (asterinas PR 3640); k CPUs each
 *                                    paying 1 + 0.31 (k - 1) give 12.1 s on 4 and 9.8 s
 *                                    on 8 (9 s published). Shared host work (EPT
 *                                    updates, zeroing, memory bandwidth) is the
 *                                    plausible cause; the form is our assumption
 *   snp     contention_pct    31     assumption: as tdx
 *   free    all costs          0     by definition; levels as tdx so call counts compare
 *
 * The same table is in docs/model.md.
 */
#include "lazybuddy_backends.h"

#define LV_4K (1u << 0)
#define LV_2M (1u << 9)
#define LV_1G (1u << 18)

static const struct lb_model_params presets[] = {
	{ .name = "tdx", .call_ns = 5000, .page_ns = 7200, .release_call_ns = 5000,
	  .release_page_ns = 500, .levels = LV_4K | LV_2M | LV_1G, .contention_pct = 31 },
	{ .name = "snp", .call_ns = 4000, .page_ns = 4000, .release_call_ns = 4000,
	  .release_page_ns = 500, .levels = LV_4K | LV_2M, .contention_pct = 31 },
	{ .name = "free", .levels = LV_4K | LV_2M | LV_1G },
};

/* strcmp's equality, here so that freestanding builds need no libc. */
static int same_name(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int lb_model_preset(const char *name, struct lb_model_params *p)
{
	if (!name || !p)
		return LB_EINVAL;
	for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
		if (same_name(name, presets[i].name)) {
			*p = presets[i];
			return LB_OK;
		}
	}
	return LB_EINVAL;
}

static int range_ok(uint64_t addr, uint64_t size)
{
	return size != 0 && ((addr | size) & (LB_PAGE_SIZE - 1)) == 0 &&
	       addr + size > addr;
}

struct split {
	uint64_t calls, refused;
};

/*
 * The architectural calls for pages [s, e): at each page the largest size
 * of levels | tries that is aligned and fits; a size in tries is refused
 * and the same memory is tried with the smaller sizes. The greedy walk
 * uses the top size K exactly on [alignup(s), aligndown(e)) of 2^K:
 * smaller chunks are self-aligned and never straddle a 2^K boundary. So
 * count that stretch (and, for a refused K, walk it again below K) and
 * recurse on the head and the tail: O(levels^2), not O(pages).
 */
static void arch_split(uint64_t s, uint64_t e, unsigned levels, unsigned tries, struct split *out)
{
	unsigned k, refused;
	uint64_t chunk, a, b;

	if (s >= e)
		return;
	k = 31u - (unsigned)__builtin_clz(levels | tries | 1u);
	if (k == 0) {
		out->calls += e - s; /* 4 KiB: always accepted */
		return;
	}
	refused = !(levels & (1u << k));
	chunk = UINT64_C(1) << k;
	a = (s + chunk - 1) & ~(chunk - 1);
	b = e & ~(chunk - 1);
	levels &= ~(1u << k);
	tries &= ~(1u << k);
	if (a >= b) {
		arch_split(s, e, levels, tries, out);
		return;
	}
	if (refused) {
		out->refused += (b - a) >> k;
		arch_split(a, b, levels, tries, out);
	} else {
		out->calls += (b - a) >> k;
	}
	arch_split(s, a, levels, tries, out);
	arch_split(b, e, levels, tries, out);
}

static struct split split_range(uint64_t addr, uint64_t size, unsigned levels, unsigned tries)
{
	struct split sp = { 0, 0 };
	uint64_t s = addr >> LB_PAGE_SHIFT;

	arch_split(s, s + (size >> LB_PAGE_SHIFT), levels, tries, &sp);
	return sp;
}

/* What the host's faults cost for pages accepted: a fault per granule,
 * growing with the vCPUs online. */
static uint64_t fault_cost(const struct lb_model_backend *m, uint64_t pages)
{
	unsigned v = __atomic_load_n(&m->vcpus, __ATOMIC_RELAXED);
	uint64_t f = m->p.fault_ns + m->p.fault_vcpu_ns * (v > 1 ? v - 1u : 0u);

	return pages * f >> (m->p.host_order < 64 ? m->p.host_order : 63);
}

static int model_accept(void *ctx, uint64_t addr, uint64_t size)
{
	struct lb_model_backend *m = ctx;
	uint64_t pages = size >> LB_PAGE_SHIFT;
	struct split sp;

	if (!range_ok(addr, size))
		return LB_EINVAL;
	sp = split_range(addr, size, m->p.levels, m->p.tries);
	__atomic_fetch_add(&m->clock_ns,
			   sp.calls * m->p.call_ns + sp.refused * m->p.refused_ns +
				   pages * m->p.page_ns + fault_cost(m, pages),
			   __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->accept_calls, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->arch_calls, sp.calls, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->refused_calls, sp.refused, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->accepted_pages, pages, __ATOMIC_RELAXED);
	return LB_OK;
}

static int model_release(void *ctx, uint64_t addr, uint64_t size)
{
	struct lb_model_backend *m = ctx;
	uint64_t pages = size >> LB_PAGE_SHIFT;
	struct split sp;

	if (!range_ok(addr, size))
		return LB_EINVAL;
	sp = split_range(addr, size, m->p.levels, 0);
	__atomic_fetch_add(&m->clock_ns,
			   sp.calls * m->p.release_call_ns + pages * m->p.release_page_ns,
			   __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->release_calls, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->released_pages, pages, __ATOMIC_RELAXED);
	return LB_OK;
}

static const struct lb_backend_ops model_ops = {
	.name = "model",
	.accept = model_accept,
	.release = model_release,
};

/* p NULL: the "free" preset. */
void lb_model_backend_init(struct lb_model_backend *m, const struct lb_model_params *p,
			   struct lb_backend *out)
{
	if (p)
		m->p = *p;
	else
		(void)lb_model_preset("free", &m->p);
	m->clock_ns = 0;
	m->accept_calls = m->arch_calls = m->accepted_pages = m->refused_calls = 0;
	m->release_calls = m->released_pages = 0;
	m->vcpus = 1;
	out->ops = &model_ops;
	out->ctx = m;
}

uint64_t lb_model_clock(const struct lb_model_backend *m)
{
	return __atomic_load_n(&m->clock_ns, __ATOMIC_RELAXED);
}
