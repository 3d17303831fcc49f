#!/bin/sh
# calibrate.sh LBSIM: make calibrate. Fits the model's fitted figures again
# (LBSIM --calibrate, the procedure bench/calibrate.c states) and writes
# each fit into the table, tools/lbsim/model/figures.c; on a clean checkout
# the table comes out identical. Exits 1 when a fit differs from what the
# table held: then the presets (src/backend/model.c, model/model.c) and
# docs/model.md must follow, and make test says where they do not.
lbsim=${1:-build/lbsim}
table=$(dirname "$0")/../model/figures.c
out=$(mktemp) || exit 2
trap 'rm -f "$out" "$out.c"' EXIT
"$lbsim" --calibrate >"$out"
status=$?
cat "$out"
[ $status -le 1 ] || exit 2
cp "$table" "$out.c"
# the rows "figure table fit ...": each fit written over its figure's value
awk 'NR == FNR { if ($1 ~ /^[a-z_]+$/ && $3 ~ /^[0-9]+$/) fit[$1] = $3; next }
     match($0, /^\t\{ "[a-z_]+", [0-9]+,/) {
	name = $0; sub(/^\t\{ "/, "", name); sub(/".*/, "", name)
	if (name in fit) sub(/", [0-9]+,/, "\", " fit[name] ",")
     }
     { print }' "$out" "$out.c" >"$table"
if cmp -s "$table" "$out.c"; then
	echo "tools/lbsim/model/figures.c written: identical."
else
	echo "tools/lbsim/model/figures.c written: a fitted figure changed."
fi
exit $status
