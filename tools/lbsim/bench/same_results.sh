#!/bin/sh
# same_results.sh OLD NEW [TRACE]: do two lbsim builds give the same
# results? For a change meant to move code, not results (a refactor): every
# JSON field of boot, fill and churn (2 GiB, every policy: on tdx-4k with
# 3 vCPUs, and on tdx with a 4 KiB unit, 6 vCPUs on 8 CPUs), of
# the trace's replay (TRACE, or lbsim's default) and of --fidelity is
# compared line by line, but the wall clock's fields, as
# lbs_field_wall_clock() in ../results/fields.c lists them (init_ns,
# replay_wall_ns, events_per_sec): the one list, read from there.
# Prints "same" or each run's differences; exits 0 if the same, 1 if not,
# 2 if a run failed.
usage="usage: same_results.sh OLD_LBSIM NEW_LBSIM [TRACE]"
[ $# -ge 2 ] && [ $# -le 3 ] && [ -n "$1" ] && [ -n "$2" ] || { echo "$usage" >&2; exit 2; }
old=$1 new=$2 trace=${3:-}
dir=$(mktemp -d) || exit 2
trap 'rm -rf "$dir"' EXIT
names=$(sed -n 's/.* wall\[\] = { *\(.*\) *};/\1/p' "$(dirname "$0")/../results/fields.c" |
	tr -d ' "' | tr ',' '|')
[ -n "$names" ] || { echo "same_results: no wall-clock list in fields.c" >&2; exit 2; }
wall="\"($names)\":"
status=0

# run NAME ARGS...: both builds, the JSON without the wall clock, compared.
run() {
	name=$1
	shift
	for b in old new; do
		eval "bin=\$$b"
		if ! "$bin" "$@" >"$dir/$b.json" 2>"$dir/$b.err"; then
			echo "same_results: $bin $*: failed" >&2
			cat "$dir/$b.err" >&2
			exit 2
		fi
		grep -vE "$wall" "$dir/$b.json" >"$dir/$b.kept"
	done
	if ! cmp -s "$dir/old.kept" "$dir/new.kept"; then
		echo "differ: $name"
		diff "$dir/old.kept" "$dir/new.kept" | head -n 20
		status=1
	fi
}

for w in boot fill churn; do
	run "$w" --workload "$w" --memory 2G --pre-accepted 256M --vcpus 3 --json
	run "$w on tdx, 4 KiB unit" --workload "$w" --cost tdx --unit 4K --memory 2G \
		--pre-accepted 0 --vcpus 6 --cpus 8 --json
done
if [ -n "$trace" ]; then
	run trace --trace "$trace" --json
else
	run trace --json
fi
run fidelity --fidelity --json
[ $status -eq 0 ] && echo same
exit $status
