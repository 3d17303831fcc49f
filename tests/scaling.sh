#!/bin/sh
# tools/lbbench/scaling.sh, the prepared run for a machine with more CPUs,
# runs as a smoke test: both tables and both JSON files, with rows for one
# and two threads in each. Prints "N passed, M failed" for tests/run.sh.
out=$(mktemp -d)
ok=1
sh "$(dirname "$0")"/../tools/lbbench/scaling.sh --quick "$out" >/dev/null 2>&1 || ok=0
for m in caches lists; do
	grep -q '^churn  *lazybuddy-eager  *accepted  *2 ' "$out/$m.txt" 2>/dev/null || ok=0
	grep -q '^handoff  *lazybuddy-eager  *accepted  *1 ' "$out/$m.txt" 2>/dev/null || ok=0
	grep -q '"threads": 2,' "$out/$m.json" 2>/dev/null || ok=0
done
if [ $ok = 1 ]; then
	echo "ok   scaling.sh: tables and JSON, through caches and CPU lists"
	echo "1 passed, 0 failed"
	rm -rf "$out"
	exit 0
fi
echo "FAIL scaling.sh: a table or JSON file is missing or short (in $out)"
echo "0 passed, 1 failed"
exit 1
