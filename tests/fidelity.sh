#!/bin/sh
# lbsim --fidelity produces its table and computes every row: a number in
# each, PASS or MISS, the summary line. It does not require PASS: a MISS
# is a finding (docs/fidelity.md). Prints "N passed, M failed".
lbsim=${1:-build/lbsim}
out=$(mktemp)
fail=0
if ! "$lbsim" --fidelity >"$out" 2>&1; then
	echo "FAIL fidelity: $lbsim --fidelity exited non-zero"
	cat "$out"
	fail=1
fi
rows=$(grep -cE '^ *[0-9]+  ' "$out")
judged=$(grep -cE '^ *[0-9]+  .* (PASS|MISS) ' "$out")
if [ "$rows" -lt 10 ] || [ "$rows" -ne "$judged" ]; then
	echo "FAIL fidelity: $rows rows, $judged with PASS or MISS"
	fail=1
fi
# lbsim's column (the fourth) is a positive number in every row.
bad=$(awk '/ (PASS|MISS) / && !($4 + 0 > 0) { print }' "$out")
if [ -n "$bad" ]; then
	echo "FAIL fidelity: a row was not computed:"
	echo "$bad"
	fail=1
fi
if ! grep -qE '^[0-9]+ of [0-9]+ predicted figures pass' "$out"; then
	echo "FAIL fidelity: no summary line"
	fail=1
fi
rm -f "$out"
if [ $fail -eq 0 ]; then
	echo "ok   fidelity: $rows rows computed"
	echo "1 passed, 0 failed"
else
	echo "0 passed, 1 failed"
fi
exit $fail
