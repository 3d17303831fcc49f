#!/bin/sh
# lbsim --fidelity produces its table and computes every row: a number in
# each, PASS or MISS, the summary line; --fidelity --json the same rows
# with the same results. It does not require PASS: a MISS is a finding
# (docs/fidelity.md). Prints "N passed, M failed".
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

# --fidelity --json: exit 0, nothing on stderr, on stdout nothing but the
# array, an object a line (test_fidelity_json.c checks that it is JSON),
# one per row of the table with the row's number and its PASS or MISS.
json=$(mktemp) err=$(mktemp)
if ! "$lbsim" --fidelity --json >"$json" 2>"$err" || [ -s "$err" ]; then
	echo "FAIL fidelity: $lbsim --fidelity --json failed or wrote to stderr"
	cat "$err"
	fail=1
fi
objs=$(grep -cE '^  \{"row": [0-9]+, .*, "result": "(PASS|MISS)"\},?$' "$json")
lines=$(wc -l <"$json")
if [ "$(head -n 1 "$json")" != "[" ] || [ "$(tail -n 1 "$json")" != "]" ] ||
	[ "$objs" -ne "$rows" ] || [ "$lines" -ne $((rows + 2)) ]; then
	echo "FAIL fidelity: --json gave $objs row objects in $lines lines for $rows rows:"
	head -c 600 "$json"
	fail=1
fi
# Row by row: "N RESULT" from the table, then from the JSON.
awk '/^ *[0-9]+  / { for (i = 1; i <= NF; i++) if ($i == "PASS" || $i == "MISS") {
	print $1, $i; break } }' "$out" >"$err.text"
sed -nE 's/^  \{"row": ([0-9]+), .*, "result": "(PASS|MISS)"\},?$/\1 \2/p' "$json" >"$err.json"
if ! cmp -s "$err.text" "$err.json"; then
	echo "FAIL fidelity: --json's results differ from the table's (row result):"
	diff "$err.text" "$err.json"
	fail=1
fi
# docs/fidelity.md and README show the table as lbsim prints it: each
# copy, from its first line to its last, is the output itself.
for doc in docs/fidelity.md README.md; do
	copy=$(mktemp)
	sed -n '/^lbsim against published measurements/,/partly fitted ones little\.$/p' \
		"$(dirname "$0")/../$doc" >"$copy"
	"$lbsim" --fidelity 2>/dev/null >"$copy.now"
	if ! cmp -s "$copy" "$copy.now"; then
		echo "FAIL fidelity: $doc's table is not lbsim --fidelity's output (paste it):"
		diff "$copy" "$copy.now" | head -n 8
		fail=$((fail | 1))
	fi
	rm -f "$copy" "$copy.now"
done

rm -f "$out" "$json" "$err" "$err.text" "$err.json"
if [ $fail -eq 0 ]; then
	echo "ok   fidelity: $rows rows computed, the same in JSON and in the docs"
fi

# --calibrate (make calibrate): every fitted figure fitted again to the
# table's value, exit 0.
cal=$(mktemp)
if "$lbsim" --calibrate >"$cal" 2>&1 && grep -q '^Every fit reproduces the table' "$cal"; then
	echo "ok   calibrate: $(grep -c '^[a-z_]* *[0-9]' "$cal") fitted figures reproduced"
else
	echo "FAIL calibrate: $lbsim --calibrate does not reproduce the table:"
	cat "$cal"
	fail=$((fail + 2))
fi
rm -f "$cal"
passed=$(( (fail & 1 ? 0 : 1) + (fail & 2 ? 0 : 1) ))
echo "$passed passed, $((2 - passed)) failed"
[ $fail -eq 0 ]
