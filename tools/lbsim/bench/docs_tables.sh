#!/bin/sh
# docs_tables.sh LBSIM: the tables the docs show, pasted from the run (make
# calibrate calls it after the table of figures is written and lbsim
# rebuilt): the fidelity table in docs/fidelity.md and README.md, the
# terms judged by cross-validation in docs/fidelity.md, the table of
# figures in docs/model.md. A block is found by its first line; the text
# around it is never touched. Exits 1 when a block is missing.
lbsim=${1:-build/lbsim}
root=$(dirname "$0")/../../..
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
"$lbsim" --fidelity >"$tmp/fidelity" || exit 2
"$lbsim" --calibrate >"$tmp/cal"
[ $? -le 1 ] || exit 2
sed -n '/^term  /,/^$/p' "$tmp/cal" | sed '$d' >"$tmp/terms"
grep '^| `' "$tmp/cal" >"$tmp/figures"

# paste FILE NEW FIRST: the fenced block whose first line begins with FIRST
# becomes NEW.
paste_block() {
	awk -v first="$3" -v new="$2" '
		skip { if (/^```/) { skip = 0; fenced = 0; print }; next }
		opened && index($0, first) == 1 && !found {
			while ((getline l < new) > 0) print l
			found = 1; skip = 1; opened = 0; next
		}
		/^```/ { fenced = !fenced; opened = fenced; print; next }
		{ opened = 0; print }
		END { exit !found }' "$1" >"$tmp/out" && cp "$tmp/out" "$1" ||
		{ echo "docs_tables.sh: no block starting '$3' in $1"; status=1; }
}
status=0
paste_block "$root/docs/fidelity.md" "$tmp/fidelity" "lbsim against published measurements"
paste_block "$root/README.md" "$tmp/fidelity" "lbsim against published measurements"
paste_block "$root/docs/fidelity.md" "$tmp/terms" "term  "
# docs/model.md: the table's rows, from its first figure to its last line
awk -v new="$tmp/figures" '
	/^\| `call_ns` / && !done { while ((getline l < new) > 0) print l; skip = 1; done = 1; next }
	skip && /^\| `/ { next }
	{ skip = 0; print }
	END { exit !done }' "$root/docs/model.md" >"$tmp/out" && cp "$tmp/out" "$root/docs/model.md" ||
	{ echo "docs_tables.sh: no table of figures in docs/model.md"; status=1; }
[ $status -eq 0 ] && echo "docs tables pasted: docs/fidelity.md, docs/model.md, README.md"
exit $status
