/* SPDX-License-Identifier: MIT */
#include "drive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "lazybuddy_backends.h"

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static void api_error(struct lbs_drive *d, int rc)
{
	if (d->api_errors++ == 0)
		d->first_api_error = rc;
}

static uint64_t firmware_bytes(const struct lb_range *m, size_t n)
{
	uint64_t b = 0;
	for (size_t i = 0; i < n; i++)
		if (m[i].type == LB_MEM_ACCEPTED)
			b += m[i].size;
	return b;
}

int lbs_drive_init(struct lbs_drive *d, const struct lbs_drive_config *c, enum lb_policy p,
		   struct lbs_result *out)
{
	const struct lbs_sim_config *sc = c->sim;
	struct lb_range ranges[LBS_MAX_RANGES];
	struct lb_model_params mp;
	struct lb_config cfg;
	size_t nranges;
	uint64_t unit = sc->unit_bytes ? sc->unit_bytes : LB_UNIT_DEFAULT;
	int rc;

	memset(d, 0, sizeof *d);
	d->c = c;
	d->out = out;
	if ((unsigned)p >= LB_POLICY_COUNT)
		return LB_EINVAL;
	out->policy = lb_policy_name(p);
	snprintf(out->backend, sizeof out->backend, "%s", sc->backend);
	snprintf(out->lock, sizeof out->lock, "%s", c->lock == LBS_LOCK_GLOBAL ? "global" : "unit");
	out->seed = sc->seed;
	out->memory_bytes = sc->memory_bytes;
	out->unit_bytes = unit;

	rc = lbs_sim_build_map(sc, ranges, LBS_MAX_RANGES, &nranges);
	if (!rc)
		rc = lb_model_preset(strcmp(sc->backend, "null") == 0 ? "free" : sc->backend, &mp);
	if (rc)
		return rc;
	d->x = calloc(1, sizeof *d->x);
	if (!d->x)
		return LB_ENOMEM;
	lbs_series_init(&d->x->series);
	lbs_hist_init(&d->x->lat);
	/* The exact policy accepts single pages: track readiness per page. */
	rc = lbs_timed_init(&d->t, &mp, sc->memory_bytes, p == LB_POLICY_EXACT ? LB_PAGE_SIZE : unit,
			    c->nvcpus, c->lock, &cfg.backend);
	if (rc)
		return rc;
	d->t.series = &d->x->series;
	d->x->series.base = (int64_t)firmware_bytes(ranges, nranges);
	out->pre_accepted_bytes = firmware_bytes(ranges, nranges);

	cfg.ranges = ranges;
	cfg.nranges = nranges;
	cfg.unit = unit;
	cfg.policy = p;
	cfg.flags = LB_CFG_SHADOW;
	memset(&cfg.wmark, 0, sizeof cfg.wmark);
	rc = lb_zone_meta_size(&cfg, &d->meta_size);
	if (rc)
		return rc;
	/* Anonymous memory: metadata the zone never touches costs nothing. */
	d->meta = mmap(NULL, d->meta_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (d->meta == MAP_FAILED) {
		d->meta = NULL;
		return LB_ENOMEM;
	}
	lbs_timed_set_actor(&d->t, 0); /* set-up runs on the boot CPU */
	uint64_t t0 = wall_ns();
	rc = lb_zone_init(&d->z, d->meta, d->meta_size, &cfg);
	out->init_ns = wall_ns() - t0;
	if (rc) {
		d->z = NULL;
		return rc;
	}
	out->meta_bytes = d->meta_size;
	out->setup_virtual_ns = d->t.clock[0];
	return 0;
}

uint64_t lbs_drive_managed_pages(const struct lbs_drive *d)
{
	struct lb_stats st;

	lb_zone_stats(d->z, &st);
	return st.managed_pages;
}

void lbs_drive_fini(struct lbs_drive *d)
{
	struct lbs_result *out = d->out;

	lbs_bg_fini(&d->bg);
	if (d->z)
		lb_zone_fini(d->z);
	if (d->meta)
		munmap(d->meta, d->meta_size);
	if (d->x && d->c && d->c->keep_extra && d->t.wait && out && out->check[0]) {
		d->x->vcpu_wait = calloc(d->t.nvcpus, sizeof *d->x->vcpu_wait);
		if (d->x->vcpu_wait) {
			d->x->nvcpus = d->t.nvcpus;
			memcpy(d->x->vcpu_wait, d->t.wait, d->t.nvcpus * sizeof *d->x->vcpu_wait);
		}
		out->extra = d->x;
		d->x = NULL;
	}
	lbs_timed_fini(&d->t);
	free(d->x);
	d->x = NULL;
	d->z = NULL;
	d->meta = NULL;
}

static void do_alloc(struct lbs_drive *d, const struct lbs_op *op, uint64_t when)
{
	struct lbs_timed *t = &d->t;
	struct lbs_result *out = d->out;
	uint64_t t0 = t->clock[op->vcpu], addr = 0;
	int rc = lb_alloc(d->z, op->order, op->flags, &addr);

	if (rc == 0) {
		lbs_timed_handout(t, op->vcpu, addr, LB_PAGE_SIZE << op->order);
		d->live_pages += UINT64_C(1) << op->order;
	} else if (rc != LB_ENOMEM && rc != LB_EAGAIN) {
		api_error(d, rc);
	}
	if (d->counting) {
		lbs_series_add(&d->x->series, LBS_S_ALLOCS, t0, 1);
		out->allocations++;
		if (rc) {
			out->alloc_failures++;
			out->nowait_failures += rc == LB_EAGAIN;
		}
		lbs_hist_record(&d->x->lat, t->clock[op->vcpu] - t0);
		out->max_lag_ns = max_u64(out->max_lag_ns, t->clock[op->vcpu] - when);
	}
	d->src->ran(d->src->ctx, op, rc, addr);
}

static void do_free(struct lbs_drive *d, const struct lbs_op *op)
{
	int rc = lb_free(d->z, op->addr, op->order);

	if (rc) {
		api_error(d, rc); /* the block stays the source's as far as we know */
	} else {
		d->live_pages -= UINT64_C(1) << op->order;
		d->out->frees += (uint64_t)d->counting;
	}
	d->src->ran(d->src->ctx, op, rc, 0);
}

/*
 * Could this allocation only wait for memory in flight? The library would
 * spin until the acceptor's call returns, which here is below us on the
 * stack: such an operation (and those after it) runs after the call
 * instead, and waits for the batch there. background and adaptive accept
 * on demand as unit does: any unaccepted block of the order or larger serves.
 */
static int must_wait(struct lbs_drive *d, const struct lbs_op *op)
{
	struct lb_stats st;

	if (op->kind != LBS_OP_ALLOC || (op->flags & LB_ALLOC_NOWAIT))
		return 0;
	lb_zone_stats(d->z, &st);
	for (unsigned o = op->order; o <= LB_MAX_ORDER; o++)
		if (st.free_blocks[0][o] || st.free_blocks[1][o])
			return 0;
	return st.in_flight_pages != 0;
}

/* Run the operations that happen before limit (and the enclosing cap). */
static void advance(struct lbs_drive *d, uint64_t limit)
{
	struct lbs_timed *t = &d->t;
	uint64_t saved = d->cap;
	const struct lbs_op *op;

	d->cap = limit < saved ? limit : saved;
	while ((op = d->src->peek(d->src->ctx)) != NULL) {
		uint64_t when = d->t1 + op->when;
		/* When it really happens: a vCPU still busy runs it late, and
		 * background passes up to then go first. */
		uint64_t at = max_u64(t->clock[op->vcpu], when);

		if (at >= d->cap)
			break;
		if (at > d->hi) {
			d->hi = at;
			lbs_bg_run_until(&d->bg, at); /* may run operations itself */
			continue;
		}
		if (d->depth && must_wait(d, op))
			break;
		t->clock[op->vcpu] = at;
		lbs_timed_set_actor(t, op->vcpu);
		if (op->kind == LBS_OP_ALLOC)
			do_alloc(d, op, when);
		else if (op->kind == LBS_OP_FREE)
			do_free(d, op);
		else
			d->src->ran(d->src->ctx, op, 0, 0);
	}
	d->cap = saved;
}

/* timed.h's hook: the acceptor's batch is in flight until end. */
static void in_flight(void *ctx, uint64_t end)
{
	struct lbs_drive *d = ctx;

	d->depth++;
	advance(d, end);
	d->depth--;
}

/* The phase's start: every clock moves to the latest one. */
static uint64_t phase_start(struct lbs_drive *d)
{
	uint64_t t1 = 0;

	for (unsigned a = 0; a < d->t.nactors; a++)
		t1 = max_u64(t1, d->t.clock[a]);
	lbs_timed_start(&d->t, t1);
	return t1;
}

static void phase(struct lbs_drive *d, struct lbs_source *src, uint64_t t1, uint64_t tail)
{
	d->src = src;
	d->t1 = d->hi = t1;
	d->cap = UINT64_MAX;
	d->t.in_flight = in_flight;
	d->t.in_flight_ctx = d;
	lbs_bg_run_until(&d->bg, t1); /* passes due when the phase starts go first */
	advance(d, UINT64_MAX);
	lbs_bg_run_until(&d->bg, d->hi + tail);
	d->src = NULL;
}

void lbs_drive_prelude(struct lbs_drive *d, struct lbs_source *src)
{
	d->counting = 0;
	phase(d, src, phase_start(d), 0);
}

static void finish(struct lbs_drive *d)
{
	struct lbs_timed *t = &d->t;
	struct lbs_result *out = d->out;
	struct lb_stats st;
	char msg[LBS_CHECK_MAX] = "";
	uint64_t end = 0, committed = (uint64_t)d->x->series.base, peak;
	int crc = lb_zone_check(d->z, msg, sizeof msg);

	lb_zone_stats(d->z, &st);
	if (crc)
		snprintf(out->check, sizeof out->check, "%s", msg[0] ? msg : lb_strerror(crc));
	else if (d->api_errors)
		snprintf(out->check, sizeof out->check, "lbsim: %llu unexpected API answers, first %s",
			 (unsigned long long)d->api_errors, lb_strerror(d->first_api_error));
	else if (st.allocated_pages != d->live_pages)
		snprintf(out->check, sizeof out->check,
			 "lbsim: zone counts %llu allocated pages, the run holds %llu",
			 (unsigned long long)st.allocated_pages, (unsigned long long)d->live_pages);
	else
		snprintf(out->check, sizeof out->check, "ok");

	for (unsigned a = 0; a < t->nactors; a++)
		end = max_u64(end, t->clock[a]);
	for (unsigned v = 0; v < t->nvcpus; v++) {
		out->vcpu_accept_ns += t->busy[v];
		out->wait_ns += t->wait[v];
	}
	out->acceptor_cpu_ns = t->busy[LBS_ACTOR_ACCEPTOR(t->nvcpus)];
	out->releaser_cpu_ns = t->busy[LBS_ACTOR_RELEASER(t->nvcpus)];
	lbs_series_extend(&d->x->series, end);
	peak = committed;
	for (unsigned i = 0; i < lbs_series_used(&d->x->series); i++) {
		committed += (uint64_t)d->x->series.v[LBS_S_COMMIT][i];
		peak = max_u64(peak, committed);
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
	out->lat_p50 = lbs_hist_percentile(&d->x->lat, 500000u);
	out->lat_p99 = lbs_hist_percentile(&d->x->lat, 990000u);
	out->lat_p999 = lbs_hist_percentile(&d->x->lat, 999000u);
	out->lat_max = lbs_hist_max(&d->x->lat);
}

void lbs_drive_run(struct lbs_drive *d, struct lbs_source *src)
{
	const struct lbs_drive_config *c = d->c;
	uint64_t t1 = phase_start(d);
	int rc;

	lbs_timed_reset_times(&d->t); /* what set-up and the prelude cost is boot_ns */
	d->out->boot_ns = t1;
	d->counting = 1;
	rc = lbs_bg_init(&d->bg, d->z, &d->t, lb_zone_policy(d->z), c->acceptor_period_ns,
			 c->releaser_period_ns, t1);
	if (!rc) {
		phase(d, src, t1, c->tail_ns);
		rc = lbs_bg_error(&d->bg);
	}
	if (rc)
		api_error(d, rc);
	finish(d);
}
