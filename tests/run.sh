#!/bin/sh
# Run each test binary given ("binary [filter...]"), then print the total
# "N passed, M failed, K skipped" (K: the lines that say something was
# skipped, and why).
# Exits non-zero if any test failed or any binary did not finish.
passed=0 failed=0 skipped=0 status=0
for bin in "$@"; do
	echo "== $bin"
	log=$(mktemp)
	# shellcheck disable=SC2086 # "binary filter..." splits on purpose
	$bin >"$log" 2>&1
	rc=$?
	cat "$log"
	# what a test or script left out for want of a tool or a platform
	skipped=$((skipped + $(grep -ciE '(^|[ (])skipped([ :)]|$)' "$log")))
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	rm -f "$log"
	if [ -z "$line" ]; then
		echo "$bin: did not finish"
		failed=$((failed + 1))
		status=1
		continue
	fi
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed*}
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$rc" -ne 0 ] && status=1
done
echo "$passed passed, $failed failed, $skipped skipped (each says why above)"
exit $status
