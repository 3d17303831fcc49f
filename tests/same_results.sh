#!/bin/sh
# tools/lbsim/bench/same_results.sh tells two lbsim builds apart by their
# results: the same build is "same" (wall-clock fields left out, or no run
# would match itself), a build whose results differ (here: another seed)
# is caught (only boot, fill and churn: the trace and the fidelity table
# take no seed), and one that fails is an error. Prints "N passed, M failed".
lbsim=${1:-build/lbsim}
script=tools/lbsim/bench/same_results.sh
pass=0 fail=0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# expect NAME RC PATTERN OLD NEW: the script exits RC and prints PATTERN.
expect() {
	out=$(sh "$script" "$4" "$5" 2>&1)
	rc=$?
	if [ "$rc" -eq "$2" ] && printf '%s\n' "$out" | grep -qE "$3"; then
		echo "ok   same_results: $1"
		pass=$((pass + 1))
	else
		echo "FAIL same_results: $1: exit $rc, wanted $2 and /$3/:"
		printf '%s\n' "$out" | head -n 20
		fail=$((fail + 1))
	fi
}

abs=$(cd "$(dirname "$lbsim")" && pwd)/$(basename "$lbsim")
printf '#!/bin/sh\ncase "$*" in *--workload*) exec "%s" "$@" --seed 2 ;; esac\nexec "%s" "$@"\n' "$abs" "$abs" >"$dir/seed2"
printf '#!/bin/sh\nexit 3\n' >"$dir/broken"
chmod +x "$dir/seed2" "$dir/broken"

expect "a build against itself" 0 '^same$' "$lbsim" "$lbsim"
expect "other results" 1 '^differ: boot$' "$lbsim" "$dir/seed2"
expect "a build that fails" 2 'failed' "$lbsim" "$dir/broken"
expect "no builds" 2 '^usage' "" ""
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
