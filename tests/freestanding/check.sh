#!/bin/sh
# A freestanding build of the core (make freestanding), linked into one
# relocatable object, against its allow-list: it may leave undefined only
# the symbols given (memset, memcpy, memmove and the platform's hooks, what
# the embedder supplies), and define globally only lb_* and lbi_* names,
# so that it links into a kernel or firmware beside anything.
# Usage: check.sh NAME OBJECT ALLOWED... Prints "N passed, M failed" for
# tests/run.sh.
name=$1 obj=$2
shift 2
if ! command -v nm >/dev/null 2>&1; then
	echo "skipped: nm not installed"
	echo "0 passed, 0 failed"
	exit 0
fi
if [ ! -f "$obj" ]; then
	echo "FAIL freestanding $name: $obj not built (make freestanding)"
	echo "0 passed, 1 failed"
	exit 1
fi
undef=$(nm -u "$obj" | awk '{ print $NF }' | sort -u | tr '\n' ' ')
defined=$(nm -g --defined-only "$obj" | awk '{ print $NF }' | sort -u)
bad="" foreign=""
for s in $undef; do
	case " $* " in
	*" $s "*) ;;
	*) bad="$bad $s" ;;
	esac
done
for s in $defined; do
	case $s in
	lb_* | lbi_*) ;;
	*) foreign="$foreign $s" ;;
	esac
done
status=0
if [ -n "$bad" ]; then
	echo "FAIL freestanding $name: the core calls$bad, not on the allow-list:"
	echo "     $*"
	echo "     (a freestanding core may call only what its embedder supplies: src/platform.h)"
	status=1
fi
if [ -n "$foreign" ]; then
	echo "FAIL freestanding $name: the core defines$foreign, outside lb_* and lbi_*"
	status=1
fi
if [ $status -eq 0 ]; then
	echo "ok   freestanding $name: needs only ${undef% }"
	echo "1 passed, 0 failed"
else
	echo "0 passed, 1 failed"
fi
exit $status
