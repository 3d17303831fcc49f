#!/bin/sh
# The shared library exports exactly the functions the public headers
# declare: no internal name (lbi_*, static helpers) can collide with a
# program's own. Prints "N passed, M failed" for tests/run.sh.
lib=${1:-build/liblazybuddy.so}
dir=$(dirname "$0")/..
if ! command -v nm >/dev/null 2>&1; then
	echo "skipped: nm not installed"
	echo "0 passed, 0 failed"
	exit 0
fi
exported=$(mktemp) declared=$(mktemp)
nm -D --defined-only "$lib" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort -u >"$exported"
cat "$dir"/include/*.h | tr -s ' \t' '\n\n' | sed -n 's/^\**\(lb_[a-z0-9_]*\)(.*/\1/p' |
	sort -u >"$declared"
if cmp -s "$exported" "$declared"; then
	echo "ok   exports: $(wc -l <"$exported") functions, all of them declared in include/"
	echo "1 passed, 0 failed"
	status=0
else
	echo "FAIL exports: exported (<) against declared (>):"
	diff "$exported" "$declared" | sed -n 's/^[<>]/    &/p'
	echo "0 passed, 1 failed"
	status=1
fi
rm -f "$exported" "$declared"
exit $status
