/* SPDX-License-Identifier: MIT */
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "lazybuddy_backends.h"
#include "replay_bg.h"

/* Low bits of an id's slot: the block is live, and its order. */
#define LIVE 0x800u
#define ORDER_MASK 0x1fu

void lbs_replay_defaults(struct lbs_replay_config *c)
{
	memset(c, 0, sizeof *c);
	lbs_sim_defaults(&c->sim);
	c->lock = LBS_LOCK_UNIT;
	c->boot = 1;
	c->acceptor_period_ns = UINT64_C(1000000);
	c->releaser_period_ns = UINT64_C(100000000);
	c->tail_ns = UINT64_C(3000000000);
}

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static uint64_t vcpu0_now(const void *ctx)
{
	const struct lbs_timed *t = ctx;
	return t->clock[0];
}

/* Everything one replay holds; freed by teardown(). */
struct replay {
	const struct lbs_replay_config *c;
	const struct lbs_tracebuf *tb;
	struct lbs_timed t;
	struct lb_zone *z;
	void *meta;
	size_t meta_size;
	uint64_t *slot;        /* per allocation id: address | LIVE | order */
	struct lbs_extra *x;
	struct lbs_bg bg;
	struct lbs_hist *lat;
	struct lbs_wl_stats *boot;
	uint64_t live_pages;   /* pages the trace holds now */
	uint64_t api_errors;
	int first_api_error;
	/* Where the replay is: advance() can be re-entered from the acceptor's
	 * backend call (in_flight()), so its state lives here. */
	struct lbs_result *out;
	lbs_progress_fn progress;
	void *pctx;
	size_t next;           /* the next event to run */
	uint64_t t1, hi;       /* virtual time the trace starts; latest event time */
	uint64_t cap;          /* no event at or after this runs now */
	unsigned depth;        /* acceptor calls in flight around us */
};

static void api_error(struct replay *r, int rc)
{
	if (r->api_errors++ == 0)
		r->first_api_error = rc;
}

static uint64_t firmware_bytes(const struct lb_range *m, size_t n)
{
	uint64_t b = 0;
	for (size_t i = 0; i < n; i++)
		if (m[i].type == LB_MEM_ACCEPTED)
			b += m[i].size;
	return b;
}

static int setup(struct replay *r, enum lb_policy p, struct lbs_result *out)
{
	const struct lbs_sim_config *sc = &r->c->sim;
	struct lb_range ranges[LBS_MAX_RANGES];
	struct lb_model_params mp;
	struct lb_config cfg;
	size_t nranges;
	uint64_t unit = sc->unit_bytes ? sc->unit_bytes : LB_UNIT_DEFAULT;
	int rc;

	rc = lbs_sim_build_map(sc, ranges, LBS_MAX_RANGES, &nranges);
	if (rc)
		return rc;
	if (strcmp(sc->backend, "null") == 0)
		rc = lb_model_preset("free", &mp);
	else
		rc = lb_model_preset(sc->backend, &mp);
	if (rc)
		return rc;
	r->x = calloc(1, sizeof *r->x);
	r->lat = r->x ? &r->x->lat : NULL;
	r->boot = malloc(sizeof *r->boot);
	r->slot = calloc((size_t)r->tb->max_id + 1u, sizeof *r->slot);
	if (!r->x || !r->boot || !r->slot)
		return LB_ENOMEM;
	lbs_series_init(&r->x->series);
	lbs_hist_init(&r->x->lat);
	/* The exact policy accepts single pages: track readiness per page. */
	rc = lbs_timed_init(&r->t, &mp, sc->memory_bytes, p == LB_POLICY_EXACT ? LB_PAGE_SIZE : unit,
			    r->tb->nvcpus, r->c->lock, &cfg.backend);
	if (rc)
		return rc;
	r->t.series = &r->x->series;
	r->x->series.base = (int64_t)firmware_bytes(ranges, nranges);
	out->pre_accepted_bytes = firmware_bytes(ranges, nranges);

	cfg.ranges = ranges;
	cfg.nranges = nranges;
	cfg.unit = unit;
	cfg.policy = p;
	cfg.flags = LB_CFG_SHADOW;
	memset(&cfg.wmark, 0, sizeof cfg.wmark);
	rc = lb_zone_meta_size(&cfg, &r->meta_size);
	if (rc)
		return rc;
	r->meta = mmap(NULL, r->meta_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->meta == MAP_FAILED) {
		r->meta = NULL;
		return LB_ENOMEM;
	}
	lbs_timed_set_actor(&r->t, 0); /* set-up runs on the boot CPU */
	uint64_t t0 = wall_ns();
	rc = lb_zone_init(&r->z, r->meta, r->meta_size, &cfg);
	out->init_ns = wall_ns() - t0;
	if (rc) {
		r->z = NULL;
		return rc;
	}
	out->unit_bytes = unit;
	out->meta_bytes = r->meta_size;
	out->setup_virtual_ns = r->t.clock[0];
	return 0;
}

static void teardown(struct replay *r)
{
	lbs_bg_fini(&r->bg);
	if (r->z)
		lb_zone_fini(r->z);
	if (r->meta)
		munmap(r->meta, r->meta_size);
	lbs_timed_fini(&r->t);
	free(r->slot);
	free(r->boot);
	free(r->x);
}

/* The kernel's boot allocations, on vCPU 0, kept allocated. */
static int boot(struct replay *r, uint64_t managed_pages)
{
	struct lbs_clock clk = {vcpu0_now, &r->t};
	struct lbs_wl_params wp = {r->c->sim.seed, managed_pages, 0};

	memset(r->boot, 0, sizeof *r->boot);
	if (!r->c->boot)
		return 0;
	lbs_timed_set_actor(&r->t, 0);
	int rc = lbs_workload_run(LBS_WL_BOOT, r->z, &clk, &wp, r->boot);
	if (r->boot->api_errors)
		api_error(r, r->boot->first_api_error);
	return rc;
}

static void do_alloc(struct replay *r, const struct lbs_tev *e, struct lbs_result *out)
{
	struct lbs_timed *t = &r->t;
	uint64_t t0 = t->clock[e->vcpu], addr;
	int rc = lb_alloc(r->z, e->order, (e->flags & LBS_EV_NOWAIT) ? LB_ALLOC_NOWAIT : 0, &addr);

	lbs_series_add(&r->x->series, LBS_S_ALLOCS, t0, 1);
	out->allocations++;
	if (rc == 0) {
		lbs_timed_handout(t, e->vcpu, addr, LB_PAGE_SIZE << e->order);
		r->slot[e->id] = addr | LIVE | e->order;
		r->live_pages += UINT64_C(1) << e->order;
	} else {
		out->alloc_failures++;
		if (rc == LB_EAGAIN)
			out->nowait_failures++;
		else if (rc != LB_ENOMEM)
			api_error(r, rc);
	}
	lbs_hist_record(r->lat, t->clock[e->vcpu] - t0);
}

static void do_free(struct replay *r, const struct lbs_tev *e, struct lbs_result *out)
{
	uint64_t s = r->slot[e->id];
	int rc;

	if (!(s & LIVE))
		return; /* its allocation failed here */
	rc = lb_free(r->z, s & ~(LB_PAGE_SIZE - 1u), (unsigned)(s & ORDER_MASK));
	if (rc) {
		api_error(r, rc);
		return;
	}
	r->slot[e->id] = 0;
	r->live_pages -= UINT64_C(1) << (s & ORDER_MASK);
	out->frees++;
}

/*
 * Could this allocation only wait for memory in flight? The library would
 * spin until the acceptor's call returns, which here is below us on the
 * stack: such an event (and those after it) runs after the call instead,
 * and waits for the batch there. background and adaptive accept on demand
 * as unit does: any unaccepted block of the order or larger serves.
 */
static int must_wait(struct replay *r, const struct lbs_tev *e)
{
	struct lb_stats st;

	if (e->kind != LBS_EV_ALLOC || (e->flags & LBS_EV_NOWAIT))
		return 0;
	lb_zone_stats(r->z, &st);
	for (unsigned o = e->order; o <= LB_MAX_ORDER; o++)
		if (st.free_blocks[0][o] || st.free_blocks[1][o])
			return 0;
	return st.in_flight_pages != 0;
}

/* Run the events that happen before limit (and before the enclosing cap). */
static void advance(struct replay *r, uint64_t limit)
{
	const struct lbs_tracebuf *tb = r->tb;
	struct lbs_timed *t = &r->t;
	uint64_t saved = r->cap;

	r->cap = limit < saved ? limit : saved;
	while (r->next < tb->n) {
		const struct lbs_tev *e = &tb->ev[r->next];
		uint64_t when = r->t1 + (e->ts - tb->ts_first);

		if (when >= r->cap)
			break;
		if (when > r->hi) {
			r->hi = when;
			lbs_bg_run_until(&r->bg, when); /* may run events itself */
			continue;
		}
		if (r->depth && must_wait(r, e))
			break;
		r->next++;
		if (t->clock[e->vcpu] < when)
			t->clock[e->vcpu] = when;
		lbs_timed_set_actor(t, e->vcpu);
		if (e->kind == LBS_EV_ALLOC) {
			do_alloc(r, e, r->out);
			if (t->clock[e->vcpu] - when > r->out->max_lag_ns)
				r->out->max_lag_ns = t->clock[e->vcpu] - when;
		} else {
			do_free(r, e, r->out);
		}
		if (r->progress && (r->next & 16383u) == 0)
			r->progress(r->pctx, r->next);
	}
	r->cap = saved;
}

/* timed.h's hook: the acceptor's batch is in flight until end. */
static void in_flight(void *ctx, uint64_t end)
{
	struct replay *r = ctx;

	r->depth++;
	advance(r, end);
	r->depth--;
}

static void events(struct replay *r, uint64_t t1, struct lbs_result *out,
		   lbs_progress_fn progress, void *pctx)
{
	r->out = out;
	r->progress = progress;
	r->pctx = pctx;
	r->t1 = r->hi = t1;
	r->cap = UINT64_MAX;
	r->t.in_flight = in_flight;
	r->t.in_flight_ctx = r;
	lbs_bg_run_until(&r->bg, t1); /* passes due when the trace starts go first */
	advance(r, UINT64_MAX);
	if (progress)
		progress(pctx, r->tb->n);
	out->replayed_events = r->tb->n;
	lbs_bg_run_until(&r->bg, r->hi + r->c->tail_ns);
}

static void trace_fields(const struct lbs_tracebuf *tb, struct lbs_result *out)
{
	out->is_trace = 1;
	out->trace_events = lbs_tracebuf_events(tb);
	out->unknown_lines = tb->sum.unknown_lines;
	for (int k = 0; k < LB_TRACE_NINCONS; k++)
		out->incons[k] = tb->sum.check.incons[k];
	out->incons_total = lbs_tracebuf_incons(tb);
	out->footprint_bytes = lbs_tracebuf_footprint(tb);
	out->peak_live_bytes = tb->peak_live_bytes;
	out->trace_span_ns = tb->ts_last - tb->ts_first;
	out->trace_allocs_too_large = tb->too_large;
	out->vcpus = tb->nvcpus;
}

static void finish(struct replay *r, struct lbs_result *out)
{
	struct lbs_timed *t = &r->t;
	struct lb_stats st;
	char msg[LBS_CHECK_MAX] = "";
	uint64_t end = 0, committed = (uint64_t)r->x->series.base, peak;
	int crc = lb_zone_check(r->z, msg, sizeof msg);

	lb_zone_stats(r->z, &st);
	if (crc)
		snprintf(out->check, sizeof out->check, "%s", msg[0] ? msg : lb_strerror(crc));
	else if (r->api_errors)
		snprintf(out->check, sizeof out->check, "lbsim: %llu unexpected API answers, first %s",
			 (unsigned long long)r->api_errors, lb_strerror(r->first_api_error));
	else if (st.allocated_pages != r->live_pages + r->boot->live_pages)
		snprintf(out->check, sizeof out->check,
			 "lbsim: zone counts %llu allocated pages, the replay holds %llu",
			 (unsigned long long)st.allocated_pages,
			 (unsigned long long)(r->live_pages + r->boot->live_pages));
	else
		snprintf(out->check, sizeof out->check, "ok");

	for (unsigned a = 0; a < t->nactors; a++)
		if (t->clock[a] > end)
			end = t->clock[a];
	for (unsigned v = 0; v < t->nvcpus; v++) {
		out->vcpu_accept_ns += t->busy[v];
		out->wait_ns += t->wait[v];
	}
	out->acceptor_cpu_ns = t->busy[LBS_ACTOR_ACCEPTOR(t->nvcpus)];
	out->releaser_cpu_ns = t->busy[LBS_ACTOR_RELEASER(t->nvcpus)];
	lbs_series_extend(&r->x->series, end);
	peak = committed;
	for (unsigned i = 0; i < lbs_series_used(&r->x->series); i++) {
		committed += (uint64_t)r->x->series.v[LBS_S_COMMIT][i];
		if (committed > peak)
			peak = committed;
	}
	out->committed_bytes_end = committed;
	out->committed_bytes_peak = peak;
	out->virtual_time_ns = end;
	out->accept_calls = st.accept_calls;
	out->arch_calls = t->model.arch_calls;
	out->accepted_bytes = st.accepted_pages * LB_PAGE_SIZE;
	out->setup_accepted_bytes = st.setup_accepted_pages * LB_PAGE_SIZE;
	out->over_accepted_bytes = st.over_accepted_pages * LB_PAGE_SIZE;
	out->unaccepted_bytes_end = st.free_unaccepted_pages * LB_PAGE_SIZE;
	out->allocated_bytes_end = st.allocated_pages * LB_PAGE_SIZE;
	out->managed_bytes = st.managed_pages * LB_PAGE_SIZE;
	out->release_calls = st.release_calls;
	out->released_bytes = st.released_pages * LB_PAGE_SIZE;
	out->lat_p50 = lbs_hist_percentile(r->lat, 500000u);
	out->lat_p99 = lbs_hist_percentile(r->lat, 990000u);
	out->lat_p999 = lbs_hist_percentile(r->lat, 999000u);
	out->lat_max = lbs_hist_max(r->lat);
}

int lbs_replay_run(const struct lbs_replay_config *c, const struct lbs_tracebuf *tb,
		   enum lb_policy p, struct lbs_result *out, lbs_progress_fn progress,
		   void *progress_ctx)
{
	struct replay r;
	struct lb_stats st;
	int rc;

	memset(out, 0, sizeof *out);
	memset(&r, 0, sizeof r);
	if ((unsigned)p >= LB_POLICY_COUNT)
		return LB_EINVAL;
	r.c = c;
	r.tb = tb;
	out->policy = lb_policy_name(p);
	out->workload = "trace";
	snprintf(out->backend, sizeof out->backend, "%s", c->sim.backend);
	snprintf(out->lock, sizeof out->lock, "%s", c->lock == LBS_LOCK_GLOBAL ? "global" : "unit");
	out->seed = c->sim.seed;
	out->memory_bytes = c->sim.memory_bytes;
	trace_fields(tb, out);

	uint64_t w0 = wall_ns();
	rc = setup(&r, p, out);
	if (!rc) {
		lb_zone_stats(r.z, &st);
		lbs_timed_start(&r.t, r.t.clock[0]);
		rc = boot(&r, st.managed_pages);
	}
	if (!rc) {
		uint64_t t1 = r.t.clock[0];

		lbs_timed_start(&r.t, t1); /* the other vCPUs come up */
		lbs_timed_reset_times(&r.t); /* what boot cost is boot_ns */
		out->boot_ns = t1;
		rc = lbs_bg_init(&r.bg, r.z, &r.t, p, c->acceptor_period_ns,
				 c->releaser_period_ns, t1);
		if (!rc) {
			events(&r, t1, out, progress, progress_ctx);
			rc = lbs_bg_error(&r.bg);
			if (rc)
				api_error(&r, rc);
			rc = 0;
			finish(&r, out);
		}
	}
	out->replay_wall_ns = wall_ns() - w0;
	if (out->replay_wall_ns)
		out->events_per_sec = (uint64_t)((double)out->trace_events * 1e9 /
						 (double)out->replay_wall_ns);
	if (!rc && c->keep_extra) {
		r.x->vcpu_wait = calloc(r.t.nvcpus, sizeof *r.x->vcpu_wait);
		if (r.x->vcpu_wait) {
			r.x->nvcpus = r.t.nvcpus;
			memcpy(r.x->vcpu_wait, r.t.wait, r.t.nvcpus * sizeof *r.x->vcpu_wait);
		}
		out->extra = r.x;
		r.x = NULL;
	}
	teardown(&r);
	return rc;
}
