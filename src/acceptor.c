/* SPDX-License-Identifier: MIT */
/*
 * The background acceptor: accepted memory ahead of demand, bounded.
 *
 * The seed's proposal, with the answer to its objection. A pass takes free
 * unaccepted memory, up to a batch, accepts it in one backend call outside
 * the lock (inflight.c's protocol) and frees it to the FRONT of
 * the lists, where the next allocations look first; its thread makes
 * passes back to back while behind. It stops when free accepted memory
 * reaches the reserve, so the host commits only what the guest is about
 * to use. One call a pass keeps each batch in flight no longer than its
 * own acceptance, and lets a simulator interleave passes with vCPUs.
 *
 * The reserve is fixed (reserve_bytes; LB_POLICY_BACKGROUND defaults to
 * 64 MiB) or follows demand: the allocation rate, smoothed over windows
 * of at least 1 ms, times a horizon (horizon_ns, 100 ms by default), never
 * below four units nor above 1/8 of memory. The batch (pages per pass and
 * call) is fixed or a quarter of the reserve, from one unit to 16 MiB, so
 * a pass holds no memory in flight for long.
 *
 * Passes may run concurrently (lb_acceptor_cfg.threads). Each takes other
 * memory off the lists under the lock, and counts what it takes in
 * acc_inflight until its call returns; a pass accepts only while free
 * accepted memory plus acc_inflight is below the reserve, at most that
 * shortfall rounded up to a whole unit. So however many passes run at
 * once, the acceptor never lifts free accepted memory plus its batches in
 * flight above the reserve plus one unit less a page (exactly to the
 * reserve when reserve and free memory are whole units).
 *
 * A pass makes one failed backend call at most (PASS_FAILS): a batch that
 * fails goes back to the lists, and the next passes try its halves
 * (inflight.c), so a bad page costs a failed call per pass and, in the end,
 * its unit, and a failing host makes a pass answer LB_EBACKEND, on which
 * the acceptor's threads pause for a period.
 */
#include "internal.h"

#define HORIZON_NS UINT64_C(100000000)
#define RATE_WINDOW_NS UINT64_C(1000000)
#define BACKGROUND_RESERVE_PAGES (UINT64_C(64) << (20 - LB_PAGE_SHIFT))
#define MAX_BATCH_PAGES (UINT64_C(16) << (20 - LB_PAGE_SHIFT))

static bool auto_reserve(const struct lb_zone *z)
{
	return z->policy == LB_POLICY_ADAPTIVE ||
	       (z->policy != LB_POLICY_BACKGROUND && !z->acc_cfg.reserve_bytes);
}

/*
 * Update the allocation rate and return the reserve, in pages. A sample
 * covers at least RATE_WINDOW_NS: passes closer together (several threads,
 * or back to back) add to the current window rather than each weigh as
 * much as a long one, and a pass whose clock reads earlier than the last
 * sample (threads read the clock before the lock) is not a sample.
 */
uint64_t lbi_acceptor_reserve(struct lb_zone *z, uint64_t now_ns)
{
	uint64_t unit = UINT64_C(1) << z->unit_order, r, horizon;

	LB_ASSERT_LOCKED(z);
	if (!z->rate_last_ns) {
		z->rate_last_ns = now_ns;
		z->rate_last_pages = z->out_pages_total;
	} else if (now_ns > z->rate_last_ns && now_ns - z->rate_last_ns >= RATE_WINDOW_NS) {
		uint64_t dt = now_ns - z->rate_last_ns;
		uint64_t dp = z->out_pages_total - z->rate_last_pages;
		/* pages per second, without overflow for any realistic dp */
		uint64_t inst = dp < (UINT64_C(1) << 32) ? dp * UINT64_C(1000000000) / dt
							 : dp / (dt / 1000000000 + 1);

		z->rate_pps = (z->rate_pps * 3 + inst) / 4;
		z->rate_last_ns = now_ns;
		z->rate_last_pages = z->out_pages_total;
	}

	if (!auto_reserve(z)) {
		r = z->acc_cfg.reserve_bytes >> LB_PAGE_SHIFT;
		if (!r)
			r = BACKGROUND_RESERVE_PAGES;
	} else {
		horizon = z->acc_cfg.horizon_ns ? z->acc_cfg.horizon_ns : HORIZON_NS;
		if (__builtin_mul_overflow(z->rate_pps, horizon, &r))
			r = UINT64_MAX;
		else
			r /= 1000000000;
		if (r < 4 * unit)
			r = 4 * unit;
		if (r > z->managed_pages / 8)
			r = z->managed_pages / 8;
	}
	z->reserve_pages = r;
	return r;
}

static uint64_t batch_pages(const struct lb_zone *z)
{
	uint64_t unit = UINT64_C(1) << z->unit_order, b;

	if (z->acc_cfg.batch_bytes >= LB_PAGE_SIZE && z->policy != LB_POLICY_ADAPTIVE)
		return z->acc_cfg.batch_bytes >> LB_PAGE_SHIFT;
	b = z->reserve_pages / 4;
	if (b < unit)
		b = unit;
	return b < MAX_BATCH_PAGES ? b : MAX_BATCH_PAGES;
}

int64_t lb_acceptor_step(struct lb_zone *z, uint64_t now_ns)
{
	struct acc_op op = { .fails = PASS_FAILS, .why = ACC_ACCEPTOR };
	uint64_t reserve, have, want, unit;
	int64_t done = 0;

	if (!z || z->magic != LB_ZONE_MAGIC)
		return LB_EINVAL;
	zone_lock(z);
	reserve = lbi_acceptor_reserve(z, now_ns);
	unit = UINT64_C(1) << z->unit_order;
	/* Batches of other passes still in flight will be free memory soon. */
	have = z->nr_free[S_ACCEPTED] + z->acc_inflight;
	if (have < reserve) {
		want = reserve - have;
		if (want > batch_pages(z))
			want = batch_pages(z);
		want = (want + unit - 1) & ~(unit - 1); /* whole units: no 4 KiB calls */
		done = lbi_accept_call(z, want, &op);
	}
	zone_unlock(z);
	if (done < 0) /* the next pass goes on with the halves or other memory */
		return done == LB_ECORRUPT ? LB_ECORRUPT : LB_EBACKEND;
	return done << LB_PAGE_SHIFT;
}

int lb_acceptor_config(struct lb_zone *z, const struct lb_acceptor_cfg *cfg)
{
	if (!z || z->magic != LB_ZONE_MAGIC || !cfg || cfg->threads > LB_ACCEPTOR_MAX_THREADS)
		return LB_EINVAL;
	zone_lock(z);
	z->acc_cfg = *cfg;
	zone_unlock(z);
	return 0;
}
