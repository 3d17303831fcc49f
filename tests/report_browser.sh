#!/bin/sh
# SPDX-License-Identifier: MIT
# lbsim's HTML report in a real browser. Headless Chromium renders the
# reports of two short runs (the shipped trace; two synthetic workloads on a
# small guest): a screenshot (a PNG, well above a blank page's size) and
# the DOM as the browser built it, on which: every chart names every policy
# run in its legend; no chart is empty (no line that moves, no bar) without
# a note saying why; no NaN or Infinity anywhere; each summary names a
# winner for each criterion; the results are an HTML <table>, a row a run,
# its columns named by the field list (data-field), its "boot acc" cells
# the runs' boot_accept_vcpu_ns as --json prints it (eager's not 0), and
# the acceptance charts have an "at boot" bar for each run whose figure is
# not 0. Reports where nothing happened (a small guest firmware accepted
# whole; one policy; flat lines at two heights) get a probe script in a
# copy of the page that measures, as the browser laid them out, what each
# chart's note box covers: no text, bar, marker or line may be under it,
# and a bar chart with nothing to show has no scale of made-up values.
# Skipped (exit 0) when no Chromium is installed (CHROMIUM=path picks one).
# Prints "N passed, M failed".
lbsim=${1:-build/lbsim}

browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
	for b in chromium chromium-browser google-chrome google-chrome-stable; do
		if command -v "$b" >/dev/null 2>&1; then
			browser=$b
			break
		fi
	done
fi
if [ -z "$browser" ] || ! command -v "$browser" >/dev/null 2>&1; then
	echo "skipped: report_browser: no chromium found (make deps installs it, or set CHROMIUM)"
	echo "0 passed, 0 failed"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

ok() {
	echo "ok   report_browser: $1"
	passed=$((passed + 1))
}
fail() {
	echo "FAIL report_browser: $1"
	failed=$((failed + 1))
}

# One browser call: a fresh profile, nothing from the network.
browse() {
	timeout 90 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--no-first-run --disable-extensions --user-data-dir="$tmp/profile" "$@" \
		2>>"$tmp/browser.log"
}

# The checks on a dumped DOM; prints one line per problem.
check_dom() {
	tr '\n\r' '  ' <"$1" | awk '
	function attr(s, name,    m) {
		if (match(s, name "=\"[^\"]*\"") == 0)
			return ""
		m = substr(s, RSTART + length(name) + 2, RLENGTH - length(name) - 3)
		return m
	}
	# Text of each <TAG class="CLS" ...>TEXT</TAG> in s, into out[1..n].
	function texts(s, tag, cls, out,    n, t, i) {
		n = 0
		while (match(s, "<" tag " [^>]*class=\"" cls "\"[^>]*>[^<]*</" tag ">")) {
			t = substr(s, RSTART, RLENGTH)
			s = substr(s, RSTART + RLENGTH)
			i = index(t, ">")
			t = substr(t, i + 1)
			out[++n] = substr(t, 1, index(t, "<") - 1)
		}
		return n
	}
	{
		doc = $0
		if (doc ~ /NaN|Infinity/ || tolower(doc) ~ /[^a-z](-?nan|-?inf)[^a-z]/)
			print "NaN or Infinity in the page"
		if (doc ~ /<script/ || doc ~ / src="/ || doc ~ / href="/)
			print "the page is not self-contained (a script or an external file)"

		# The runs: the first cell of each row of the results table.
		if (!match(doc, /<table class="results">.*<\/table>/)) {
			print "no <table class=\"results\">"
			exit
		}
		tbl = substr(doc, RSTART, RLENGTH)
		nruns = texts(tbl, "td", "run", runs)
		if (nruns == 0)
			print "the results table has no run rows"
		for (i = 1; i <= nruns; i++)
			policy[runs[i]] = 1
		np = 0
		for (p in policy)
			np++
		if (doc ~ /<pre>[^<]*policy +accept/ && doc !~ /<details>/)
			print "the table is preformatted text"

		# The columns: named as in the field list; the boot acc cells, for
		# the shell to compare with the JSON.
		nh = 0
		s = tbl
		while (match(s, /<th [^>]*data-field="[^"]*"/)) {
			# the match kept before attr() moves RSTART
			t = substr(s, RSTART, RLENGTH)
			s = substr(s, RSTART + RLENGTH)
			field[++nh] = attr(t, "data-field")
		}
		if (nh == 0)
			print "the results table has no columns named by the field list"
		s = tbl
		while (match(s, /<tr[^>]*><td class="run">/)) {
			s = substr(s, RSTART)
			e = index(s, "</tr>")
			row = substr(s, 1, e)
			s = substr(s, e + 5)
			nc = 0
			while (match(row, /<td[^>]*>[^<]*<\/td>/)) {
				t = substr(row, RSTART, RLENGTH)
				row = substr(row, RSTART + RLENGTH)
				t = substr(t, index(t, ">") + 1)
				cellv[++nc] = substr(t, 1, index(t, "<") - 1)
			}
			if (nc != nh)
				print "a row of " nc " cells under " nh " headings"
			for (k = 1; k <= nh; k++)
				if (field[k] == "boot_accept_vcpu_ns")
					print "bootacc: " cellv[1] " " cellv[k]
		}
		n = 0
		s = doc
		while (match(s, /<rect [^>]*class="bar"[^>]*><title>at boot[^<]*<\/title>/)) {
			t = substr(s, RSTART, RLENGTH)
			s = substr(s, RSTART + RLENGTH)
			if (attr(t, "width") + 0 > 0)
				n++
		}
		print "bootbars: " n

		# Each summary: every criterion, each naming a winner that ran.
		rest = doc
		nsum = 0
		while (match(rest, /<ul class="summary">.*<\/ul>/)) {
			s = substr(rest, RSTART, RLENGTH)
			e = index(s, "</ul>")
			s = substr(s, 1, e)
			rest = substr(rest, RSTART + e)
			nsum++
			split("boot worst-allocation p99.9 lag memory acceptance-work", crit, " ")
			for (c = 1; c <= 6; c++) {
				if (!match(s, "<li data-criterion=\"" crit[c] "\">[^\n]*</li>")) {
					print "summary " nsum ": no sentence on " crit[c]
					continue
				}
				li = substr(s, RSTART, RLENGTH)
				li = substr(li, 1, index(li, "</li>"))
				nw = texts(li, "strong", "winner", w)
				named = 0
				for (k = 1; k <= nw; k++)
					named += (w[k] in policy)
				if (named == 0)
					print "summary " nsum ", " crit[c] ": no winner among the runs"
			}
		}
		if (nsum == 0)
			print "no summary"

		# Each chart: every policy in its legend (the reserve chart: those with
		# an acceptor), something drawn or a note.
		rest = doc
		ncharts = 0
		while (match(rest, /<svg [^>]*class="chart"/)) {
			rest = substr(rest, RSTART)
			e = index(rest, "</svg>")
			svg = substr(rest, 1, e)
			rest = substr(rest, e + 6)
			ncharts++
			title = svg
			sub(/^[^>]*>[ ]*<title>/, "", title)
			title = substr(title, 1, index(title, "<") - 1)
			delete seen
			n = texts(svg, "text", "run", names)
			for (k = 1; k <= n; k++)
				seen[names[k]] = 1
			for (p in policy)
				if (!(p in seen) && (title !~ /reserve/ ||
				    p == "background" || p == "adaptive"))
					print "chart \"" title "\": " p " is not in its legend"
			drawn = 0
			s = svg
			while (match(s, /<polyline [^>]*class="line"[^>]*points="[^"]*"/)) {
				pts = attr(substr(s, RSTART, RLENGTH), "points")
				s = substr(s, RSTART + RLENGTH)
				m = split(pts, xy, /[ ,]+/)
				first = ""
				for (k = 2; k <= m; k += 2) {
					if (xy[k] == "")
						continue
					if (first == "")
						first = xy[k]
					else if (xy[k] != first)
						drawn = 1
				}
			}
			s = svg
			while (match(s, /<rect [^>]*class="bar"[^>]*>/)) {
				if (attr(substr(s, RSTART, RLENGTH), "width") + 0 > 0.5)
					drawn = 1
				s = substr(s, RSTART + RLENGTH)
			}
			if (!drawn && svg !~ /class="empty-note"/)
				print "chart \"" title "\" shows nothing and has no note saying why"
		}
		if (ncharts < 5)
			print "only " ncharts " charts"
		print "info: " nruns " runs of " np " policies, " nsum " summaries, " ncharts " charts"
	}'
}

# $1: name, then lbsim's arguments. Builds the report, dumps its DOM.
report() {
	name=$1
	shift
	if ! "$lbsim" "$@" --report "$tmp/$name" >"$tmp/$name.out" 2>&1; then
		fail "$name: lbsim $* failed"
		cat "$tmp/$name.out"
		return 1
	fi
	if ! browse --dump-dom "file://$tmp/$name/index.html" >"$tmp/$name.dom" ||
	   ! grep -q '</html>' "$tmp/$name.dom"; then
		fail "$name: $browser could not load the report"
		tail -n 20 "$tmp/browser.log"
		return 1
	fi
	problems=$(check_dom "$tmp/$name.dom")
	info=$(printf '%s\n' "$problems" | grep '^info: ')
	# boot acc as --json has it, in the table's ms with one decimal
	if "$lbsim" "$@" --json >"$tmp/$name.json" 2>/dev/null; then
		awk -F'[:," ]+' '/"policy":/ { p = $3 }
			/"boot_accept_vcpu_ns":/ { printf "bootacc: %s %.1f\n", p, $3 / 1e6 }' \
			"$tmp/$name.json" | sort >"$tmp/$name.want"
		printf '%s\n' "$problems" | grep '^bootacc: ' | sort >"$tmp/$name.got"
		if ! [ -s "$tmp/$name.want" ] || ! cmp -s "$tmp/$name.want" "$tmp/$name.got"; then
			problems="$problems
the table's boot acc cells are not the runs' boot_accept_vcpu_ns"
		fi
		if ! grep -q '^bootacc: eager [1-9]' "$tmp/$name.got"; then
			problems="$problems
eager accepted nothing at boot"
		fi
		bars=$(printf '%s\n' "$problems" | sed -n 's/^bootbars: //p')
		want=$(grep -c '"boot_accept_vcpu_ns": [1-9]' "$tmp/$name.json")
		if [ "$bars" != "$want" ]; then
			problems="$problems
$bars \"at boot\" bars for $want runs that accepted at boot"
		fi
	else
		problems="$problems
lbsim $* --json failed"
	fi
	problems=$(printf '%s\n' "$problems" | grep -v '^info: \|^bootacc: \|^bootbars: ')
	if [ -n "$problems" ]; then
		fail "$name: the page as the browser built it:"
		printf '%s\n' "$problems" | sed 's/^/    /'
	else
		ok "$name: legends, notes, summary, table (${info#info: })"
	fi
}

case $tmp in
/*) ;;
*) tmp=$PWD/$tmp ;;
esac

report trace --policy all
report synthetic --workload boot,churn --memory 1G --pre-accepted 0 --ops 20000 --vcpus 2

# The probe: appended to a copy of a report; writes its findings into
# <pre id="probe"> for --dump-dom.
cat >"$tmp/probe.js" <<'EOF_PROBE'
<script>
(function () {
	var out = [], charts = document.querySelectorAll('svg.chart');
	function hit(a, b) {
		return a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
		       a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
	}
	function covers_line(svg, e, nb) {
		var pts = e.points, m = svg.getScreenCTM();
		for (var j = 1; j < pts.numberOfItems; j++) {
			var a = pts.getItem(j - 1), b = pts.getItem(j);
			for (var s = 0; s <= 50; s++) {
				var x = a.x + (b.x - a.x) * s / 50, y = a.y + (b.y - a.y) * s / 50;
				var px = m.a * x + m.c * y + m.e, py = m.b * x + m.d * y + m.f;
				if (px > nb.left && px < nb.right && py > nb.top && py < nb.bottom)
					return 1;
			}
		}
		return 0;
	}
	for (var i = 0; i < charts.length; i++) {
		var svg = charts[i], note = svg.querySelector('.empty-note rect');
		var title = svg.querySelector('title').textContent;
		var bars = !svg.querySelector('polyline.line');
		if (!note)
			continue;
		var nb = note.getBoundingClientRect();
		var els = svg.querySelectorAll('text, rect, circle, path.marker, polyline.line');
		for (var k = 0; k < els.length; k++) {
			var e = els[k], what = (e.textContent || '').slice(0, 40);
			if (e.closest('.empty-note') || e.closest('clipPath'))
				continue;
			if (bars && e.tagName === 'text' && /^[0-9.]+ ?[^ ]*$/.test(what) &&
			    !/^0( ms)?$/.test(what))
				out.push('scale: "' + title + '": nothing to show, yet a tick ' + what);
			if (e.tagName === 'rect' && (e.getAttribute('fill') === 'none' ||
			    e.getAttribute('fill') === '#fff'))
				continue;
			if (e.tagName === 'polyline' ? covers_line(svg, e, nb) :
			    hit(nb, e.getBoundingClientRect()))
				out.push('overlap: "' + title + '": the note covers <' + e.tagName + '> ' +
					 what);
		}
	}
	var pre = document.createElement('pre');
	pre.id = 'probe';
	pre.textContent = 'probed ' + charts.length + ' charts\n' + out.join('\n');
	document.body.appendChild(pre);
})();
</script>
EOF_PROBE

# $1: name, then lbsim's arguments: a run where nothing happens. Its notes
# cover nothing and it has no made-up scale.
notes_clear() {
	name=$1
	shift
	if ! "$lbsim" "$@" --report "$tmp/$name" >"$tmp/$name.out" 2>&1; then
		fail "$name: lbsim $* failed"
		cat "$tmp/$name.out"
		return 1
	fi
	{
		sed '/<\/body>/,$d' "$tmp/$name/index.html"
		cat "$tmp/probe.js"
		echo '</body></html>'
	} >"$tmp/$name/probed.html"
	browse --dump-dom "file://$tmp/$name/probed.html" >"$tmp/$name.dom"
	found=$(sed -n '/<pre id="probe">/,/<\/pre>/p' "$tmp/$name.dom" | sed 's/<[^>]*>//g')
	notes=$(grep -c 'class="empty-note"' "$tmp/$name/index.html")
	case $(printf '%s\n' "$found" | head -n 1) in
	"probed "[5-9]*" charts") ;;
	*)
		fail "$name: the probe did not run"
		return 1
		;;
	esac
	problems=$(printf '%s\n' "$found" | grep '^overlap: \|^scale: ')
	if [ "$notes" -lt 3 ]; then
		fail "$name: only $notes notes in a run where nothing happened"
	elif [ -n "$problems" ]; then
		fail "$name: as the browser laid it out:"
		printf '%s\n' "$problems" | sed 's/&lt;/</g; s/&gt;/>/g; s/^/    /'
	else
		ok "$name: $notes notes, none covers a label, bar, marker or line; no made-up scale"
	fi
}

notes_clear nothing-happens --workload boot --memory 64M
notes_clear nothing-one-policy --workload boot --memory 64M --policy unit
notes_clear nothing-two-heights --workload boot --memory 64M --pre-accepted 34M --policy eager,unit

# The screenshot: a PNG of the requested size, far from a blank page's.
png=$tmp/trace.png
if browse --screenshot="$png" --window-size=1200,3000 "file://$tmp/trace/index.html" \
	>/dev/null && [ -s "$png" ]; then
	sig=$(od -An -tx1 -N8 "$png" | tr -d ' \n')
	dims=$(od -An -tu1 -j16 -N8 "$png" | awk '{ print $3 * 256 + $4 "x" $7 * 256 + $8 }')
	size=$(wc -c <"$png")
	if [ "$sig" != 89504e470d0a1a0a ]; then
		fail "screenshot: not a PNG"
	elif [ "$dims" != 1200x3000 ]; then
		fail "screenshot: $dims, asked for 1200x3000"
	elif [ "$size" -lt 150000 ]; then
		fail "screenshot: only $size bytes (a blank page is about 17 KB; the report ~900 KB)"
	else
		ok "screenshot: $dims, $size bytes"
	fi
else
	fail "screenshot: $browser wrote none"
	tail -n 20 "$tmp/browser.log"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
