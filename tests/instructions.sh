#!/bin/sh
# tools/lbbench/instructions.sh counts this checkout's order-0 paths:
# a row with two counts, the zone's above the cache's (the zone path
# takes the lock and the lists, the cache's neither). Skipped without
# valgrind. Prints "N passed, M failed" for tests/run.sh.
here=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v valgrind >/dev/null 2>&1; then
	echo "instructions.sh: skipped (no valgrind)"
	echo "0 passed, 0 failed"
	exit 0
fi
row=$(sh "$here/tools/lbbench/instructions.sh" "$here" 2>&1 | tail -1)
zone=$(echo "$row" | awk '{print $2}')
cache=$(echo "$row" | awk '{print $3}')
case "$zone$cache" in
*[!0-9]* | "") ok=0 ;;
*) [ "$zone" -gt "$cache" ] && [ "$cache" -gt 1000000 ] && ok=1 || ok=0 ;;
esac
if [ $ok = 1 ]; then
	echo "ok   instructions.sh: zone $zone, cache $cache instructions"
	echo "1 passed, 0 failed"
	exit 0
fi
echo "FAIL instructions.sh: $row"
echo "0 passed, 1 failed"
exit 1
