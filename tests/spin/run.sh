#!/bin/sh
# SPDX-License-Identifier: MIT
# Model-check the acceptance protocol (tests/spin/protocol.pml) and the
# CPU lists (tests/spin/cpulists.pml) with SPIN:
#   1. each model as it is: an exhaustive search (safety: assertions and
#      invalid end states) must finish with no error;
#   2. each known-bad variant (-DBUG_...) must make SPIN find a violation,
#      so the model is shown able to fail.
# Prints one "ok"/"FAIL" line per check and "N passed, M failed"; exits
# non-zero on any failure. Skipped (and passes) where spin is missing.
# Usage: sh tests/spin/run.sh   (CC picks the compiler for pan, default cc)
set -u
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v spin >/dev/null 2>&1; then
	echo "skipped: spin not installed (make deps installs it)"
	echo "0 passed, 0 failed"
	exit 0
fi
cc=${CC:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
passed=0 failed=0

# verify MODEL NAME EXPECT [spin -D flags]: EXPECT is "clean" or "violation".
verify() {
	model=$1 name=$2 expect=$3
	shift 3
	dir="$work/$name"
	mkdir -p "$dir"
	cp "$here/$model" "$dir/"
	t0=$(date +%s)
	if ! (cd "$dir" && spin -a "$@" "$model" >spin.log 2>&1); then
		echo "FAIL $name: spin -a failed"
		sed 's/^/    /' "$dir/spin.log"
		failed=$((failed + 1))
		return
	fi
	# -DSAFETY: assertions and invalid end states, no cycle search; the
	# full state space is stored (no bitstate hashing): exhaustive.
	if ! (cd "$dir" && $cc -O2 -w -DSAFETY -o pan pan.c 2>cc.log); then
		echo "FAIL $name: pan does not compile"
		sed 's/^/    /' "$dir/cc.log"
		failed=$((failed + 1))
		return
	fi
	(cd "$dir" && ./pan -m1000000 -n >pan.log 2>&1)
	secs=$(($(date +%s) - t0))
	log="$dir/pan.log"
	errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
	states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$log" | tail -n 1)
	what=$(grep -m 1 -E '^pan:1: |invalid end state' "$log" | cut -c 1-110)
	if [ -z "$errors" ]; then
		echo "FAIL $name: no verdict from pan"
		sed 's/^/    /' "$log" | tail -n 20
		failed=$((failed + 1))
	elif [ "$expect" = clean ]; then
		if [ "$errors" -eq 0 ] && ! grep -q -e 'Search not completed' \
			-e 'max search depth too small' "$log"; then
			echo "ok   $name: $states states explored, exhaustively, 0 errors (${secs} s)"
			passed=$((passed + 1))
		else
			echo "FAIL $name: $errors errors after $states states (${secs} s)"
			echo "    $what"
			echo "    replay: cd $here && spin -a $model && cc -DSAFETY -o pan pan.c" \
				"&& ./pan && spin -t -p $model"
			failed=$((failed + 1))
		fi
	elif [ "$errors" -gt 0 ]; then
		echo "ok   $name: violation found after $states states (${secs} s)"
		echo "     $what"
		passed=$((passed + 1))
	else
		echo "FAIL $name: the bug went unnoticed ($states states)"
		failed=$((failed + 1))
	fi
}

verify protocol.pml spin_protocol clean
for bug in BUG_NO_INFLIGHT BUG_PUBLISH_EARLY BUG_IGNORE_FAILURE BUG_RELEASE_LISTED \
	BUG_LOSE_FAILED; do
	verify protocol.pml "spin_$(echo "$bug" | tr 'A-Z' 'a-z')" violation "-D$bug"
done
verify cpulists.pml spin_cpulists clean
for bug in BUG_DRAIN_WAITS BUG_NO_DRAIN BUG_LOSE_COUNT; do
	verify cpulists.pml "spin_cpulists_$(echo "$bug" | tr 'A-Z' 'a-z')" violation "-D$bug"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
