/*
 * SPDX-License-Identifier: MIT
 *
 * The CPU lists of lazybuddy (src/cpulist.c, src/cache.c) as a Promela
 * model, checked exhaustively by SPIN (tests/spin/run.sh).
 *
 * A zone with two CPU lists, each a stack of at most CAP free blocks
 * behind a lock of its own. The threads: two callers, each allocating two
 * blocks and freeing them, every call through the list of whichever CPU it
 * runs on at that moment (chosen anew each call: threads move between
 * CPUs), and a third that drains every list (lb_zone_drain_lists). The
 * rules modelled:
 *   - a caller only tries its list's lock; held, it uses the zone under
 *     the zone lock, as a zone without lists does;
 *   - lock order: a list, then the zone; the zone lock's holder only
 *     tries lists;
 *   - an empty list refills from the zone; a full one drains one block to
 *     it first (a batch of one: the batch size is the cache's business);
 *   - an allocation that finds the zone empty drains every list it can
 *     lock and asks the zone again before it answers that memory is
 *     short;
 *   - the drainer waits for each list in turn, then takes the zone lock.
 * Acceptance is the protocol model's business (protocol.pml): every block
 * here is accepted.
 *
 * Checked in every reachable state with no lock held (the monitor): each
 * list's count matches the blocks on it and every block is in one place
 * (the zone, a list, or one caller's hands); when an allocation answers
 * that memory is short, every block is held by a caller, or on a list
 * whose lock was held when the drain tried it, or freed onto a list
 * since; after everything is freed the drainer
 * finds every block back in the zone; and no invalid end state (a thread
 * waiting for ever: a lock-order deadlock).
 *
 * Each of these breaks one rule, and run.sh checks that SPIN finds it:
 *   BUG_DRAIN_WAITS   the short allocation, holding the zone lock, waits
 *                     for a list's lock instead of trying it (deadlock);
 *   BUG_NO_DRAIN      memory short answers without draining the lists;
 *   BUG_LOSE_COUNT    a drain moves blocks without counting them.
 */

#define N 3          /* blocks */
#define NL 2         /* CPU lists */
#define CAP 2        /* blocks a list holds at most */
#define NONE 255
#define ZONE 100     /* where[b]: ZONE, a list (0..NL-1), or HELD + pid */
#define HELD 200

byte where[N];
byte lcount[NL];
byte llock[NL];  /* 0, or the holder's _pid + 1 */
byte zlock;      /* likewise */
byte finished;   /* callers done */
bit skipped[NL]; /* the last drain under the zone lock found the list held */
bit pushed[NL];  /* a block went onto the list since that drain tried it */

inline lock_zone()
{
	atomic { zlock == 0 -> zlock = _pid + 1 }
}

inline unlock_zone()
{
	assert(zlock == _pid + 1);
	zlock = 0
}

/* One block of list l, or NONE (list lock held). */
inline pop(l, got)
{
	atomic {
		got = NONE;
		if
		:: where[0] == l -> got = 0
		:: where[1] == l -> got = 1
		:: where[2] == l -> got = 2
		:: else -> skip
		fi;
		if
		:: got != NONE -> where[got] = HELD + _pid; lcount[l]--
		:: else -> skip
		fi
	}
}

/* One block of the zone, or NONE (zone lock held). */
inline take(got)
{
	atomic {
		got = NONE;
		if
		:: where[0] == ZONE -> got = 0
		:: where[1] == ZONE -> got = 1
		:: where[2] == ZONE -> got = 2
		:: else -> skip
		fi;
		if
		:: got != NONE -> where[got] = HELD + _pid
		:: else -> skip
		fi
	}
}

/* Every block of list m back to the zone (both locks held). */
inline drain(m)
{
	atomic {
		if :: where[0] == m -> where[0] = ZONE :: else -> skip fi;
		if :: where[1] == m -> where[1] = ZONE :: else -> skip fi;
		if :: where[2] == m -> where[2] = ZONE :: else -> skip fi;
#ifndef BUG_LOSE_COUNT
		lcount[m] = 0
#endif
	}
}

/* Under the zone lock: each list it can lock (not own, held already)
 * gives its blocks back. */
inline drain_others(own)
{
	m = 0;
	do
	:: m < NL ->
		if
		:: m != own ->
#ifdef BUG_DRAIN_WAITS
			atomic { llock[m] == 0 -> llock[m] = _pid + 1 };
			atomic { drain(m); skipped[m] = 0; pushed[m] = 0 };
			llock[m] = 0
#else
			atomic {
				if
				:: llock[m] == 0 -> llock[m] = _pid + 1; drain(m); llock[m] = 0;
					skipped[m] = 0
				:: else -> skipped[m] = 1
				fi;
				pushed[m] = 0
			}
#endif
		:: else -> atomic { skipped[m] = 1; pushed[m] = 0 }
		fi;
		m++
	:: else -> break
	od
}

/* Memory short: every block is held by a caller, or on a list the drain
 * found held (the caller's own included), or freed onto a list since the
 * drain tried it (a free racing with the answer, as in any allocator). */
#define AWAY(b) (where[b] >= HELD || \
		 (where[b] < NL && (skipped[where[b]] || pushed[where[b]])))
bit short_is_true = 1;

/* The zone's path, zone lock held: take, or drain the lists and retry. */
inline zone_take(own, got)
{
	take(got);
	if
	:: got == NONE ->
#ifndef BUG_NO_DRAIN
		drain_others(own);
		take(got);
#else
		skipped[0] = 0;
		skipped[1] = 0;
		pushed[0] = 0;
		pushed[1] = 0;
#endif
		if
		:: got == NONE ->
			short_is_true = AWAY(0) && AWAY(1) && AWAY(2);
			assert(short_is_true)
		:: else -> skip
		fi
	:: else -> skip
	fi
}

/* lb_alloc() on the list of CPU l, or the zone where it is held. */
inline alloc(l, got)
{
	atomic {
		if
		:: llock[l] == 0 -> llock[l] = _pid + 1; ok = 1
		:: else -> ok = 0
		fi
	};
	if
	:: ok ->
		pop(l, got);
		if
		:: got == NONE -> /* empty: the zone's slow path, list held */
			lock_zone();
			zone_take(l, got);
			unlock_zone()
		:: else -> skip
		fi;
		llock[l] = 0
	:: else ->
		lock_zone();
		zone_take(NL, got);
		unlock_zone()
	fi
}

/* lb_free() of block b on the list of CPU l, or the zone. */
inline free(b, l)
{
	assert(where[b] == HELD + _pid);
	atomic {
		if
		:: llock[l] == 0 -> llock[l] = _pid + 1; ok = 1
		:: else -> ok = 0
		fi
	};
	if
	:: ok ->
		if
		:: lcount[l] == CAP -> /* full: one block back to the zone first */
			lock_zone();
			atomic {
				if
				:: where[0] == l -> where[0] = ZONE
				:: where[1] == l -> where[1] = ZONE
				:: where[2] == l -> where[2] = ZONE
				fi;
				lcount[l]--
			};
			unlock_zone()
		:: else -> skip
		fi;
		atomic { where[b] = l; lcount[l]++; pushed[l] = 1 };
		llock[l] = 0
	:: else ->
		lock_zone();
		where[b] = ZONE;
		unlock_zone()
	fi
}

inline some_cpu(l)
{
	if
	:: l = 0
	:: l = 1
	fi
}

proctype caller()
{
	byte a, b, l, m;
	bit ok;

	some_cpu(l);
	alloc(l, a);
	some_cpu(l);
	alloc(l, b);
	if
	:: a != NONE -> some_cpu(l); free(a, l)
	:: else -> skip
	fi;
	if
	:: b != NONE -> some_cpu(l); free(b, l)
	:: else -> skip
	fi;
	finished++
}

/* lb_zone_drain_lists(): each list in turn, waited for, then the zone. */
inline drain_all()
{
	m = 0;
	do
	:: m < NL ->
		atomic { llock[m] == 0 -> llock[m] = _pid + 1 };
		lock_zone();
		drain(m);
		unlock_zone();
		llock[m] = 0;
		m++
	:: else -> break
	od
}

proctype drainer()
{
	byte m;

	drain_all();
	finished == 2; /* then once more, with everything freed */
	drain_all();
	assert(where[0] == ZONE && where[1] == ZONE && where[2] == ZONE)
}

#define ON(b, l) (where[b] == l)
#define COUNTED (lcount[0] == ON(0, 0) + ON(1, 0) + ON(2, 0) && \
		 lcount[1] == ON(0, 1) + ON(1, 1) + ON(2, 1))

bit counted = 1;

proctype monitor()
{
end:	atomic {
		zlock == 0 && llock[0] == 0 && llock[1] == 0 && !COUNTED ->
		counted = COUNTED;
		assert(counted)
	}
}

init
{
	atomic {
		where[0] = ZONE;
		where[1] = ZONE;
		where[2] = ZONE;
		run monitor();
		run caller();
		run caller();
		run drainer()
	}
}
