/*
 * SPDX-License-Identifier: MIT
 *
 * The acceptance protocol of lazybuddy as a Promela model, checked
 * exhaustively by SPIN (tests/spin/run.sh).
 *
 * The protocol is the one stated in the header comment of src/inflight.c,
 * which owns it for accepts and releases alike (docs/protocol.md holds
 * the same tables): change them together. Under the zone lock a thread
 * claims a free block (off the lists, marked in flight); it drops the lock
 * and accepts (or releases) the block through the backend, which may
 * fail; it retakes the lock and publishes the result: the block is freed
 * to the lists as accepted or unaccepted, handed out, or quarantined.
 *
 * The zone: N blocks of one size (splitting and merging are the buddy
 * allocator's business under the lock, not the protocol's); two blocks
 * accepted by firmware, two unaccepted. The threads: two allocators (two
 * allocations held at once, then both freed), the acceptor and the
 * releaser (two passes each, taking a block whenever there is one: the
 * reserve, the floor, the releaser's delay and its scan's budget only
 * decide when they act).
 * Each step under the lock is one atomic step: the lock excludes the
 * other threads from the zone's state there anyway.
 *
 * Checked in every reachable state with the lock free (the monitor), and
 * at the backend and hand-out points:
 *   I1  a block handed out, or free on the accepted lists, is accepted;
 *   I2  no accept of an accepted block; a free unaccepted block holds
 *       nothing accepted; no two backend calls on one block at once;
 *   I6  no backend call under the zone lock;
 *   I4  nothing lost: every block is in exactly one place and the zone's
 *       counters (free by state, in flight, allocated, quarantined) match
 *       the blocks and add up to N; at the end nothing is in flight or
 *       allocated;
 * and no invalid end state (a thread blocked for ever, e.g. waiting for a
 * block in flight that never comes back).
 *
 * Each of these breaks one step, and run.sh checks that SPIN finds it:
 *   BUG_NO_INFLIGHT     the claim leaves the block on the free lists;
 *   BUG_PUBLISH_EARLY   the acceptor frees the block to the accepted lists
 *                       before the backend has accepted it;
 *   BUG_IGNORE_FAILURE  the publish step does not check the backend's
 *                       answer (a failed accept is published as accepted);
 *   BUG_RELEASE_LISTED  the releaser releases a block left on the lists;
 *   BUG_LOSE_FAILED     a failed block is dropped, not quarantined.
 */

#define N 4          /* blocks (CNT, I1_ALL and I2_ALL below list them) */
#define PASSES 2     /* acceptor and releaser passes */
#define NONE 255

#define ACC 1        /* block states, as S_ACCEPTED / S_UNACCEPTED */
#define UNACC 0

mtype = { FREE, INFLIGHT, ALLOC, QUAR };

mtype kind[N];   /* where each block is (its head descriptor's kind) */
bit st[N];       /* for FREE: on the accepted or the unaccepted lists */
byte owner[N];   /* for ALLOC: the holder's _pid + 1 */
bit acc[N];      /* the platform's truth: is the block accepted now */
byte busy[N];    /* backend calls on the block right now */

byte nr_free[2], nr_inflight, nr_alloc, nr_quar; /* the zone's counters */
byte lock;       /* the zone lock: 0, or the holder's _pid + 1 */

/* ----------------------------------------------------------- the zone */

inline lock_zone()
{
	lock == 0 -> lock = _pid + 1
}

inline unlock_zone()
{
	assert(lock == _pid + 1);
	lock = 0
}

/*
 * Under the lock: the first free block of state s, or NONE. Taking the
 * first loses nothing: two free blocks of one state are alike in every
 * variable (free accepted ones are accepted, free unaccepted ones are not,
 * neither has an owner or a backend call), so what follows a choice of
 * either is the same up to renaming the blocks, and the properties do not
 * depend on names. (Taking any of them instead multiplies the states by
 * more than ten: over 3e7, unfinished after a minute.)
 */
inline pick(s, b)
{
	b = NONE;
	i = 0;
	do
	:: i < N && kind[i] == FREE && st[i] == s -> b = i; break
	:: i < N && !(kind[i] == FREE && st[i] == s) -> i++
	:: i == N -> break
	od;
	i = 0
}

/* Step 1: off the lists, in flight. */
inline claim(b)
{
#ifndef BUG_NO_INFLIGHT
	nr_free[st[b]]--;
	kind[b] = INFLIGHT;
	nr_inflight++
#else
	skip /* left on the lists while its call runs */
#endif
}

inline leave_flight(b)
{
#ifndef BUG_NO_INFLIGHT
	nr_inflight--
#else
	nr_free[st[b]]--
#endif
}

inline free_block(b, s)
{
	kind[b] = FREE;
	st[b] = s;
	nr_free[s]++
}

inline quarantine(b)
{
#ifndef BUG_LOSE_FAILED
	kind[b] = QUAR;
	nr_quar++
#else
	skip /* forgotten: neither in flight nor anywhere else */
#endif
}

/* I1 at the hand-out, as lbi_give_out() checks the shadow record. */
inline hand_out(b)
{
	assert(acc[b]);
	kind[b] = ALLOC;
	owner[b] = _pid + 1;
	nr_alloc++
}

/* -------------------------------------------------------- the backend */

/* Step 2, lock dropped: two steps, so that two calls on one block at once
 * would be seen. A failed accept accepts nothing. */
inline backend_accept(b, ok)
{
	atomic {
		assert(lock != _pid + 1);   /* I6 */
		busy[b]++
	}
	atomic {
		assert(busy[b] == 1);       /* never overlapping ranges */
		assert(!acc[b]);            /* I2 */
		if
		:: acc[b] = 1; ok = 1
		:: ok = 0
		fi;
		busy[b]--
	}
}

/* A failed release leaves the block in an unknown state: it is
 * quarantined, and what the platform says of it no longer matters. */
inline backend_release(b, ok)
{
	atomic {
		assert(lock != _pid + 1);
		busy[b]++
	}
	atomic {
		assert(busy[b] == 1);
		assert(acc[b]);             /* only accepted memory is released */
		if
		:: acc[b] = 0; ok = 1
		:: ok = 0
		fi;
		busy[b]--
	}
}

/* ------------------------------------------------------------ threads */

/*
 * lb_alloc() into b: an accepted free block if there is one (the fast
 * path); else claim an unaccepted one, accept it and hand it out (a
 * failure quarantines it and the allocation tries again); else, with
 * blocks in flight elsewhere, wait for them; else LB_ENOMEM (b = NONE).
 */
inline alloc(b)
{
	do
	:: atomic {
		lock_zone();
		pick(ACC, b);
		if
		:: b != NONE ->
			nr_free[ACC]--;
			hand_out(b);
			unlock_zone();
			break
		:: else -> pick(UNACC, b)
		fi;
		if
		:: b != NONE -> claim(b)
		:: else -> skip
		fi;
		unlock_zone();
		if
		:: b == NONE && nr_inflight == 0 -> break /* LB_ENOMEM */
		:: else -> skip
		fi
	   };
		if
		:: b != NONE ->
			backend_accept(b, ok);
			atomic {
				lock_zone();
				leave_flight(b);
#ifdef BUG_IGNORE_FAILURE
				ok = 1; /* the backend's answer is not checked */
#endif
				if
				:: ok -> hand_out(b); unlock_zone(); ok = 0; break
				:: else -> quarantine(b); unlock_zone(); b = NONE
				fi
			}
		:: else ->
			/* only memory in flight elsewhere could serve: wait */
			(nr_inflight == 0 || nr_free[ACC] + nr_free[UNACC] > 0)
		fi
	od
}

/* lb_free() of a block b held, if any. */
inline free(b)
{
	atomic {
		if
		:: b != NONE ->
			lock_zone();
			assert(kind[b] == ALLOC && owner[b] == _pid + 1 && acc[b]);
			owner[b] = 0;
			nr_alloc--;
			free_block(b, ACC);
			unlock_zone();
			b = NONE
		:: else -> skip
		fi
	}
}

/* Two allocations held at once, then both freed. */
proctype allocator()
{
	byte a0, a1, b, i;
	bit ok;

	alloc(a0);
	alloc(a1);
	free(a0);
	free(a1)
}

/* lb_acceptor_step(): accept a free unaccepted block and free it to the
 * (front of the) accepted lists. */
proctype acceptor()
{
	byte b, i, pass;
	bit ok;

	do
	:: pass < PASSES ->
		atomic {
			lock_zone();
			pick(UNACC, b);
			if
			:: b != NONE ->
#ifdef BUG_PUBLISH_EARLY
				/* on the accepted lists before it is accepted */
				nr_free[UNACC]--;
				free_block(b, ACC)
#else
				claim(b)
#endif
			:: else -> pass++
			fi;
			unlock_zone()
		};
		if
		:: b != NONE ->
			backend_accept(b, ok);
#ifndef BUG_PUBLISH_EARLY
			atomic {
				lock_zone();
				leave_flight(b);
#ifdef BUG_IGNORE_FAILURE
				ok = 1;
#endif
				if
				:: ok -> free_block(b, ACC)
				:: else -> quarantine(b)
				fi;
				unlock_zone();
				ok = 0;
				b = NONE;
				pass++
			}
#else
			atomic { ok = 0; b = NONE; pass++ }
#endif
		:: else -> skip
		fi
	:: pass == PASSES -> break
	od
}

/* lb_releaser_step(): release a free accepted block and free it to the
 * (tail of the) unaccepted lists; a failed release quarantines it. */
proctype releaser()
{
	byte b, i, pass;
	bit ok;

	do
	:: pass < PASSES ->
		atomic {
			lock_zone();
			pick(ACC, b);
			if
			:: b != NONE ->
#ifndef BUG_RELEASE_LISTED
				claim(b)
#else
				skip /* released while still on the lists */
#endif
			:: else -> pass++
			fi;
			unlock_zone()
		};
		if
		:: b != NONE ->
			backend_release(b, ok);
			atomic {
				lock_zone();
#ifndef BUG_RELEASE_LISTED
				leave_flight(b);
#else
				assert(kind[b] == FREE); /* still ours to take */
				nr_free[ACC]--;
#endif
				if
				:: ok -> free_block(b, UNACC)
				:: else -> quarantine(b)
				fi;
				unlock_zone();
				ok = 0;
				b = NONE;
				pass++
			}
		:: else -> skip
		fi
	:: pass == PASSES -> break
	od
}

/* ----------------------------------------------------------- checking */

#define FA(b) (kind[b] == FREE && st[b] == ACC)
#define FU(b) (kind[b] == FREE && st[b] == UNACC)
#define IF(b) (kind[b] == INFLIGHT)
#define AL(b) (kind[b] == ALLOC)
#define QU(b) (kind[b] == QUAR)
#define CNT(P) (P(0) + P(1) + P(2) + P(3))
#define COUNTED (CNT(FA) == nr_free[ACC] && CNT(FU) == nr_free[UNACC] && \
		 CNT(IF) == nr_inflight && CNT(AL) == nr_alloc && CNT(QU) == nr_quar && \
		 nr_free[ACC] + nr_free[UNACC] + nr_inflight + nr_alloc + nr_quar == N)
#define I1_AT(b) ((!FA(b) || acc[b]) && (!AL(b) || (acc[b] && owner[b] != 0)))
#define I2_AT(b) (!FU(b) || !acc[b])
#define I1_ALL (I1_AT(0) && I1_AT(1) && I1_AT(2) && I1_AT(3))
#define I2_ALL (I2_AT(0) && I2_AT(1) && I2_AT(2) && I2_AT(3))
#define INV (COUNTED && I1_ALL && I2_ALL)

/* Named, so that pan's report says which property broke. */
bit nothing_lost = 1, i1_accepted = 1, i2_unaccepted = 1;

/* Fires in any state, with the lock free, where an invariant is broken. */
proctype monitor()
{
end:	atomic {
		lock == 0 && !INV ->
		nothing_lost = COUNTED;
		i1_accepted = I1_ALL;
		i2_unaccepted = I2_ALL;
		assert(nothing_lost);
		assert(i1_accepted);
		assert(i2_unaccepted)
	}
}

init
{
	atomic {
		/* two blocks accepted by firmware, two not */
		free_block(0, ACC); acc[0] = 1;
		free_block(1, ACC); acc[1] = 1;
		free_block(2, UNACC);
		free_block(3, UNACC);
		run monitor();
		run allocator();
		run allocator();
		run acceptor();
		run releaser()
	}
	_nr_pr == 2; /* the workers are done (the monitor and init remain) */
	assert(INV && nr_inflight == 0 && nr_alloc == 0)
}
