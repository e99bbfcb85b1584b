#!/usr/bin/env bash
# irqsight report in a real browser (issue 21): pages made from fixtures (a 2-CPU VM, the
# 80-CPU RT worker, the 112-CPU host, the synthetic 512-CPU x 8,192-IRQ host of
# bench/gen-host.py, a fix bundle with latency before/after (tests/report/make-bundle.sh),
# a hand-made bundle, and a host whose strings are
# HTML) are opened in headless chromium (tests/deps/report.txt). Each must load with no
# console message and no resource fetched, draw one heat-map cell per (row, CPU), show as
# many findings as `--json check`, stay under 3 MB and render in under 2 s; the page's own
# self-check (<pre id=selftest>) reports what it drew. Screenshots are kept in
# $REPORT_ARTEFACTS (default: a new /tmp/irqsight-report.* directory, printed).
cd "$(dirname "$0")/../.." || exit 3
. tests/fixture.sh
BIN=${IRQSIGHT:-./irqsight}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }
finish() { echo "report: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit; }

[ -x "$BIN" ] || make -s irqsight >/dev/null || { nok "build"; finish; }
BROWSER=$(command -v chromium || command -v chromium-browser)
[ -n "$BROWSER" ] || { nok "chromium missing: run sudo ./tests/setup-deps.sh (tests/deps/report.txt)"; finish; }
out=${REPORT_ARTEFACTS:-$(mktemp -d /tmp/irqsight-report.XXXXXX)}
mkdir -p "$out"
echo "# artefacts (pages, DOM dumps, screenshots): $out"

# The committed script/style strings are the ones generated from report.js/report.css.
gen=$(mktemp -d)
cp src/render/gen-assets.sh src/render/report.js src/render/report.css "$gen/"
if "$gen/gen-assets.sh" && cmp -s "$gen/html_assets.inc" src/render/html_assets.inc; then
	ok "src/render/html_assets.inc is current (src/render/gen-assets.sh)"
else
	nok "src/render/html_assets.inc is stale: run src/render/gen-assets.sh"
fi
rm -rf "$gen"

# One profile per run, no network at all: every host name resolves to nothing.
chrome() {
	local prof
	prof=$(mktemp -d)
	timeout 120 "$BROWSER" --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--host-resolver-rules="MAP * ~NOTFOUND" --user-data-dir="$prof" \
		--enable-logging=stderr --v=0 "$@"
	local rc=$?
	rm -rf "$prof"
	return $rc
}

# page NAME EXPECT_FINDINGS(or -) EXPECT_LATENCY_FILES MAX_MS [CHECK_JSON]: open $out/NAME.html
page() {
	local name=$1 want_f=$2 want_lat=$3 max_ms=$4 check=${5:-} html=$out/$1.html
	local size
	size=$(stat -c %s "$html")
	if [ "$size" -lt 3000000 ]; then ok "$name: $size bytes (< 3 MB)"; else nok "$name: $size bytes (>= 3 MB)"; fi
	if grep -Eiq "(src|href|action)=[\"']?(https?:|//)|url\((https?:|//)|@import" "$html"; then
		nok "$name: the page names an external resource"
	else
		ok "$name: no external src/href/url/@import"
	fi
	chrome --dump-dom "file://$html" >"$out/$name.dom" 2>"$out/$name.log"
	local st
	st=$(sed -n 's/.*<pre id="selftest">\([^<]*\)<\/pre>.*/\1/p' "$out/$name.dom" | python3 -c 'import html,sys; print(html.unescape(sys.stdin.read()))')
	echo "# $name selftest: $st"
	if python3 - "$st" "$want_f" "$want_lat" "$max_ms" "$check" <<'PY'; then ok "$name: self-check (cells, findings, latency, no fetch, render time)"; else nok "$name: self-check"; fi
import json, sys
st, want_f, want_lat, max_ms = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
bad = []
if not st.get("ok") or st.get("errors"): bad.append("errors: %s" % st.get("errors"))
if want_f != "-":
    if st.get("findings") != int(want_f): bad.append("findings %s, check --json says %s" % (st.get("findings"), want_f))
    if st["heat_rows"] and st["heat_cells"] != st["expected_cells"]: bad.append("cells %d of %d" % (st["heat_cells"], st["expected_cells"]))
# The map's shape from the check JSON itself: one row per numeric IRQ, or above 1,024 of
# them one per device (IRQs of no device: one per chip); one column per CPU.
if len(sys.argv) > 5 and sys.argv[5]:
    d = json.load(open(sys.argv[5]))
    irqs = [q for q in d["irqs"] if q.get("irq") is not None]
    rows = len(irqs) if len(irqs) <= 1024 else len({q["device"] or "chip " + str(q.get("chip")) for q in irqs})
    cpus = len(d["cpus"]["per_cpu"])
    if st["heat_rows"] != rows or st["heat_cpus"] != cpus:
        bad.append("map %dx%d, the JSON says %dx%d" % (st["heat_rows"], st["heat_cpus"], rows, cpus))
if st.get("latency_files") != want_lat: bad.append("latency files %s, want %d" % (st.get("latency_files"), want_lat))
if st.get("resources") != 0: bad.append("resources fetched: %s" % st.get("resources"))
if st.get("render_ms") is None or st["render_ms"] > max_ms: bad.append("render %s ms > %s" % (st.get("render_ms"), max_ms))
if st.get("page_ms") is None or st["page_ms"] > max_ms: bad.append("page %s ms > %s" % (st.get("page_ms"), max_ms))
for b in bad: print("#   " + b)
sys.exit(1 if bad else 0)
PY
	if grep -q ":CONSOLE" "$out/$name.log"; then
		nok "$name: console messages:"; grep ":CONSOLE" "$out/$name.log" | head -5 | sed 's/^/#   /'
	else
		ok "$name: no console message"
	fi
	chrome --window-size=1280,2400 --screenshot="$out/$name.png" "file://$html" >/dev/null 2>&1
	if [ -s "$out/$name.png" ]; then ok "$name: screenshot $out/$name.png"; else nok "$name: no screenshot"; fi
}

# fixture NAME ROOT: report and check of a host tree
fixture() {
	local name=$1 root=$2 nf
	if ! "$BIN" --root "$root" report -o "$out/$name.html" 2>"$out/$name.err"; then
		nok "$name: report failed: $(cat "$out/$name.err")"
		return
	fi
	"$BIN" --root "$root" --json check >"$out/$name.check.json"
	nf=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$out/$name.check.json")
	page "$name" "$nf" 0 "${3:-2000}" "$out/$name.check.json"
}

fixture vm-2cpu "$(fixture_root gce-vm-2cpu-intel-iommu-on-no-dmar-table)"
fixture rt-worker-80cpu "$(fixture_root ocp-rt-worker-80cpu-isolcpus-managed-irq)"
fixture master-112cpu "$(fixture_root ocp-master-112cpu-ice-nvme-ahci-hotspot)"

# The synthetic big host (generated, ~50 MB, not kept).
big=$(mktemp -d)
if python3 bench/gen-host.py "$big/h" >/dev/null; then
	fixture synthetic-512cpu "$big/h" 2000
	sed -n 's/.*"render_ms":\([0-9.]*\).*"page_ms":\([0-9.]*\).*/# synthetic-512cpu render time: script \1 ms, since navigation \2 ms/p' "$out/synthetic-512cpu.dom"
	# Too big to embed whole: the JSON writer (--root) and json-c (--from the saved check)
	# both keep only the IRQ keys the page draws, and give the same data.
	if "$BIN" report --from "$out/synthetic-512cpu.check.json" -o "$out/synthetic-from.html" 2>/dev/null &&
		python3 - "$out/synthetic-512cpu.html" "$out/synthetic-from.html" "$out/synthetic-512cpu.check.json" src/render/html.c <<'PY'; then
import json, re, sys
def el(f, i):
    return json.loads(re.search(r'<script type="application/json" id="%s">(.*?)</script>' % i, open(f).read(), re.S).group(1))
root, frm, full = el(sys.argv[1], "check"), el(sys.argv[2], "check"), json.load(open(sys.argv[3]))
keys = set(re.findall(r'"(\w+)"', re.search(r'html_irq_keys\[\] = \{(.*?)\};', open(sys.argv[4]).read(), re.S).group(1)))
full["irqs"] = [{k: v for k, v in q.items() if k in keys} for q in full["irqs"]]
bad = [m for m, c in (("--root page != trimmed check --json", root != full), ("--from page != --root page", frm != root),
                      ("not marked trimmed", not (el(sys.argv[1], "meta")["trimmed"] and el(sys.argv[2], "meta")["trimmed"]))) if c]
print("# %d IRQ rows, keys %s" % (len(root["irqs"]), sorted(set().union(*root["irqs"]))))
for b in bad: print("#   " + b)
sys.exit(1 if bad or len(keys) != 11 else 0)
PY
		ok "synthetic-512cpu: --root and --from embed the same trimmed check (the drawn IRQ keys only)"
	else
		nok "synthetic-512cpu: --root and --from pages differ in their check data"
	fi
	# snapshot of the big host (issue 21 item 4): progress and time left on a terminal,
	# nothing but the summary on a pipe or file.
	"$BIN" --root "$big/h" snapshot "$big/s1" 2>"$out/snapshot-pipe.err" >/dev/null
	if grep -q $'\r\|left' "$out/snapshot-pipe.err" || ! grep -q "snapshot written" "$out/snapshot-pipe.err"; then
		nok "snapshot on a pipe: progress or no summary on stderr: $(head -c 300 "$out/snapshot-pipe.err" | cat -v)"
	else
		ok "snapshot on a pipe: no progress line"
	fi
	if command -v script >/dev/null; then
		t0=$(date +%s%N)
		script -qc "$BIN --root $big/h snapshot $big/s2" /dev/null >"$out/snapshot-tty.out" 2>&1
		ms=$((($(date +%s%N) - t0) / 1000000))
		if grep -Eq $'\rsnapshot: [0-9]+% [0-9]+ (s|min) left' "$out/snapshot-tty.out"; then
			ok "snapshot on a terminal: progress line ($ms ms)"
		elif [ "$ms" -lt 3000 ]; then
			ok "snapshot on a terminal: took $ms ms, under the 2 s before a line is drawn # SKIP"
		else
			nok "snapshot on a terminal: $ms ms and no progress line"
		fi
	fi
else
	nok "bench/gen-host.py failed"
fi
rm -rf "$big"

# hists NAME: the histograms of a page made from tests/report's latency pair: one bar per
# saved non-empty bucket of every CPU drawn (up to 8 CPUs, before and after overlaid) and
# p50/p99/p99.9 marks for each CPU of each file.
hists() {
	if python3 - "$out/$1.dom" tests/report/latency-before.json tests/report/latency-after.json <<'PY'; then
import html, json, re, sys
st = json.loads(html.unescape(re.search(r'<pre id="selftest">([^<]*)</pre>', open(sys.argv[1]).read()).group(1)))
runs = [{c["cpu"]: c for c in json.load(open(f))["cpus"] if c.get("histogram")} for f in sys.argv[2:]]
# the saved buckets as docs/latency.md has them: log-spaced edges, ascending, all samples
edges = sorted({0} | {int(10 ** (k / 10)) for k in range(44)} | {20000})
for r in runs:
    for c in r.values():
        h = c["histogram"]
        if sum(b[2] for b in h) + c["overflow"] != c["samples"] or any(b[2] <= 0 for b in h) \
           or any(b[0] not in edges or b[1] != min(e for e in edges if e > b[0]) for b in h) \
           or any(a[1] > b[0] for a, b in zip(h, h[1:])):
            print("# CPU %d: buckets do not add up to the samples or are not the documented edges" % c["cpu"])
            sys.exit(1)
cpus = sorted(set().union(*runs), key=lambda c: (-max(r[c]["p99_9_us"] for r in runs if c in r), c))[:8]
want = (len(cpus), sum(len(r[c]["histogram"]) for r in runs for c in cpus if c in r), sum(3 for r in runs for c in cpus if c in r))
got = (st.get("hist_cpus"), st.get("hist_bars"), st.get("hist_marks"))
print("# bundle histograms: %s CPUs, %s bars, %s marks (want %s)" % (got + (want,)))
sys.exit(0 if want[1] and got == want else 1)
PY
		ok "$1: latency histograms drawn (CPUs, one bar per bucket, percentile marks)"
	else
		nok "$1: latency histograms not drawn as saved"
	fi
}

# A fix bundle (tests/report/make-bundle.sh: check before/after, plan, journal of a real
# apply on a copy, the latency pair, a summary): the after-check's findings and heat map,
# both histograms, and the fix summary drawn from summary.json.
if tests/report/make-bundle.sh "$BIN" "$out/fix-bundle" && "$BIN" report --from "$out/fix-bundle" -o "$out/fix-bundle.html" 2>"$out/fix-bundle.err"; then
	nf=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$out/fix-bundle/check-after.json")
	page fix-bundle "$nf" 2 2000 "$out/fix-bundle/check-after.json"
	hists fix-bundle
	if python3 - "$out/fix-bundle.dom" "$out/fix-bundle" <<'PY'; then
import html, json, re, sys
dom = open(sys.argv[1]).read()
st = json.loads(html.unescape(re.search(r'<pre id="selftest">([^<]*)</pre>', dom).group(1)))
d = sys.argv[2]
sm, before = json.load(open(d + "/summary.json")), json.load(open(d + "/check-before.json"))
f = st.get("fix") or {}
# the page's pairing (report.js fixSummary): the scalar keys of fix's before/after windows,
# and every {"before": x, "after": y} of scalars, nested up to 3 deep
def js(v): return str(int(v)) if isinstance(v, float) and v.is_integer() else ("true" if v is True else "false" if v is False else str(v))
pairs = []
def walk(o, path, depth):
    win = isinstance(o.get("before"), dict) and isinstance(o.get("after"), dict)
    if win:
        for k, v in o["before"].items():
            if not isinstance(v, (dict, list)) and k in o["after"] and not isinstance(o["after"][k], (dict, list)):
                pairs.append((path + "." + k if path else k, v, o["after"][k]))
    for k, v in o.items():
        p = path + "." + k if path else k
        if (not path and k in ("verdict", "elapsed_s")) or (win and k in ("before", "after")): continue
        if isinstance(v, dict):
            if "before" in v and "after" in v and not isinstance(v["before"], (dict, list)) and not isinstance(v["after"], (dict, list)):
                pairs.append((p, v["before"], v["after"]))
            elif depth < 3: walk(v, p, depth + 1)
walk(sm, "", 0)
bad = []
if f.get("verdict") != sm["verdict"] or not re.search(r'id="fix-verdict"[^>]*>%s<' % sm["verdict"], dom): bad.append("verdict %s" % f.get("verdict"))
el = sm["elapsed_s"]
want = "%s s" % js(round(el * 10) / 10) if el < 60 else "%d min %d s" % (el // 60, round(el % 60))
if f.get("elapsed_s") != el or "Elapsed: " + want not in dom: bad.append("elapsed %s (want %s)" % (f.get("elapsed_s"), want))
rates = [p for p in pairs if re.search("irq|interrupt", p[0], re.I) and re.search(r"rate|per_s|/s", p[0], re.I)]
if f.get("pairs") != len(pairs) + 1 or f.get("rate_pairs") != len(rates) or not rates: bad.append("pairs %s/%s, want %d/%d" % (f.get("pairs"), f.get("rate_pairs"), len(pairs) + 1, len(rates)))
for name, b, a in rates:
    if not re.search(r'%s \(interrupts per second\)</td><td>%s</td><td>%s</td>' % (re.escape(name), re.escape(js(b)), re.escape(js(a))), dom): bad.append("interrupt rate row %s" % name)
after = json.load(open(d + "/check-after.json"))
def cell(c): m = c["summary"]; return "%d (%s critical, %s warning, %s info; %s)" % (len(c["findings"]), m["critical"], m["warning"], m["info"], m["status"])
if "<td>findings</td><td>%s</td><td>%s</td>" % (cell(before), cell(after)) not in dom: bad.append("findings before/after row")
if f.get("texts") != 3: bad.append("texts %s" % f.get("texts"))
print("# fix-bundle summary: %s" % f)
for b in bad: print("#   " + b)
sys.exit(1 if bad else 0)
PY
		ok "fix-bundle: fix summary drawn (verdict, elapsed, interrupt rates and findings before/after, the texts)"
	else
		nok "fix-bundle: fix summary not drawn from summary.json"
	fi
else
	nok "fix-bundle: make-bundle.sh or report --from DIR failed: $(cat "$out/fix-bundle.err" 2>/dev/null)"
fi

# Print (issue 21): a folded <details> prints folded whatever the style sheet says, so the
# page opens them all on beforeprint and folds back on afterprint. The page's self-check
# plays both events at #selftest-print; a PDF is kept as an artefact.
if [ -s "$out/fix-bundle.html" ]; then
	chrome --dump-dom "file://$out/fix-bundle.html#selftest-print" >"$out/fix-bundle-print.dom" 2>/dev/null
	if python3 - "$out/fix-bundle-print.dom" <<'PY'; then
import html, json, re, sys
st = json.loads(html.unescape(re.search(r'<pre id="selftest">([^<]*)</pre>', open(sys.argv[1]).read()).group(1)))
p = st.get("print") or {}
print("# print: %s" % p)
# folded: the bundle's three texts and each finding's "and N more" evidence
sys.exit(0 if p.get("folded", 0) >= 4 and p.get("folded_in_print") == 0 and p.get("folded_after") == p["folded"] else 1)
PY
		ok "fix-bundle: printing opens every folded section and folds them back after"
	else
		nok "fix-bundle: folded sections stay folded in print (or stay open after)"
	fi
	chrome --print-to-pdf="$out/fix-bundle.pdf" --no-pdf-header-footer "file://$out/fix-bundle.html" >/dev/null 2>&1
	pages=$(python3 -c 'import re,sys; print(len(re.findall(rb"/Type\s*/Page\b", open(sys.argv[1], "rb").read())))' \
		"$out/fix-bundle.pdf" 2>/dev/null)
	[ "${pages:-0}" -gt 0 ] && ok "fix-bundle: printed to PDF, $pages pages ($out/fix-bundle.pdf)" || nok "fix-bundle: no PDF"
fi

# The hand-made bundle layout: check.json, latency-before.json, latency-after.json.
mkdir -p "$out/bundle"
cp tests/report/latency-before.json tests/report/latency-after.json "$out/bundle/"
"$BIN" --root "$(fixture_root ocp-rt-worker-80cpu-isolcpus-managed-irq)" --json check >"$out/bundle/check.json"
nf=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$out/bundle/check.json")
if "$BIN" report --from "$out/bundle" -o "$out/bundle.html" 2>/dev/null; then
	page bundle "$nf" 2 2000 "$out/bundle/check.json"
	hists bundle
else
	nok "bundle: report --from DIR failed"
fi
# Loose files: one latency file alone, then check + before + after as arguments.
if "$BIN" report --from tests/report/latency-before.json -o "$out/latency-only.html" 2>/dev/null; then
	page latency-only - 1 2000
else
	nok "latency-only: report --from FILE failed"
fi
"$BIN" report --from "$out/bundle/check.json" tests/report/latency-before.json tests/report/latency-after.json \
	-o "$out/loose.html" 2>/dev/null && ok "report --from with loose files" || nok "report --from with loose files"

# A sampled check (irq%/soft% per CPU, rates per IRQ), saved and read back: the bars are
# drawn, one per CPU. The numbers are made up on a copy of the 80-CPU worker's JSON.
python3 - "$out/bundle/check.json" "$out/sampled.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["host"]["sample_seconds"] = 1.0
for i, c in enumerate(d["cpus"]["per_cpu"]):
    c["irq_pct"], c["softirq_pct"] = round((i % 7) * 0.4, 2), round((i % 5) * 0.9, 2)
for q in d["irqs"]:
    q["rate"] = float(q["total"] % 1000)
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
if "$BIN" report --from "$out/sampled.json" -o "$out/sampled.html" 2>/dev/null; then
	page sampled "$nf" 0 2000 "$out/sampled.json"
	grep -q '"bars":80,' "$out/sampled.dom" && ok "sampled: 80 irq%/soft% bars" || nok "sampled: bars not drawn for 80 CPUs"
else
	nok "sampled: report --from failed"
fi

# Progress (issue 21): a live report sampling 3 s draws its time-left line on a terminal,
# nothing on a pipe or under --json. It reads this host's /proc and /sys only (--no-trace:
# no tracing switched on).
if command -v script >/dev/null; then
	script -qc "$BIN report --interval 3 --no-trace -o $out/live.html" /dev/null >"$out/live-tty.out" 2>&1
	grep -Eq $'\rreport: sampling: [0-9]+% [0-9]+ s left' "$out/live-tty.out" &&
		ok "live report on a terminal: progress line" || nok "live report on a terminal: no progress line: $(cat -v "$out/live-tty.out" | head -c 300)"
	script -qc "$BIN --json report --interval 3 --no-trace -o $out/live.html" /dev/null >"$out/live-json.out" 2>&1
	grep -q 'left' "$out/live-json.out" && nok "live report --json: progress drawn" || ok "live report --json on a terminal: no progress"
fi
"$BIN" report --interval 3 --no-trace -o "$out/live.html" 2>"$out/live-pipe.err"
grep -q $'\r\|left' "$out/live-pipe.err" && nok "live report on a pipe: progress drawn" || ok "live report on a pipe: no progress"

# Without json-c (the static binary) --from is refused and --root still works.
if [ -x ./irqsight-static ]; then
	./irqsight-static report --from tests/report/latency-before.json -o "$out/x.html" 2>"$out/static.err"
	[ $? -eq 3 ] && grep -q "not available in this build" "$out/static.err" && ok "static: --from is not available (exit 3)" ||
		nok "static: --from: $(cat "$out/static.err")"
	./irqsight-static --root "$(fixture_root gce-vm-2cpu-intel-iommu-on-no-dmar-table)" report -o "$out/static.html" 2>/dev/null &&
		"$BIN" --root "$(fixture_root gce-vm-2cpu-intel-iommu-on-no-dmar-table)" report -o "$out/dyn.html" 2>/dev/null &&
		cmp -s "$out/static.html" "$out/dyn.html" && ok "static: --root page identical to the full build's" ||
		nok "static: --root page differs or failed"
fi

# Strict JSON: text after the value, a trailing comma, bad UTF-8 are refused, and say where.
printf '{"a":1} x' >"$out/bad1.json"
printf '{"schema":"irqsight-latency","cpus":[],}' >"$out/bad2.json"
printf '{"schema":"irqsight-latency","x":"\xff"}' >"$out/bad3.json"
for f in bad1 bad2 bad3; do
	"$BIN" report --from "$out/$f.json" -o "$out/x.html" 2>"$out/$f.err"
	[ $? -eq 3 ] && grep -q "not JSON (byte [0-9]" "$out/$f.err" && ok "refuses $f.json: $(cat "$out/$f.err")" || nok "accepted $f.json"
done

# Refusals: a file that is neither, three latency files, --root with --from, a terminal.
"$BIN" report --from Makefile -o "$out/x.html" 2>/dev/null; [ $? -eq 3 ] && ok "refuses a file that is not irqsight JSON" || nok "accepted Makefile"
"$BIN" report --from tests/report/latency-before.json tests/report/latency-after.json tests/report/latency-after.json \
	-o "$out/x.html" 2>/dev/null; [ $? -eq 3 ] && ok "refuses a third latency file" || nok "accepted three latency files"
"$BIN" --root "$(fixture_root gce-vm-2cpu-intel-iommu-on-no-dmar-table)" report --from "$out/bundle" -o "$out/x.html" 2>/dev/null
[ $? -eq 3 ] && ok "refuses --root with --from" || nok "accepted --root with --from"

# Host strings that are HTML: an action name and the hostname of a copied 2-CPU host.
evil=$(mktemp -d)
cp -a "$(fixture_root gce-vm-2cpu-intel-iommu-on-no-dmar-table)" "$evil/h"
chmod -R u+w "$evil/h"
python3 - "$evil/h/proc/interrupts" <<'PY'
import sys
p = sys.argv[1]; lines = open(p).read().split("\n")
for i, l in enumerate(lines):
    if l.strip()[:1].isdigit() and ":" in l:
        lines[i] = l.rstrip() + "</script><img src=x onerror=document.title='pwned'>&amp;\"'"
        break
open(p, "w").write("\n".join(lines))
PY
mkdir -p "$evil/h/proc/sys/kernel"
printf '%s\n' "<b>host</b>&\"'" >"$evil/h/proc/sys/kernel/hostname"
if "$BIN" --root "$evil/h" report -o "$out/evil.html" 2>/dev/null; then
	page evil "$("$BIN" --root "$evil/h" --json check | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))')" 0 2000
	# the DOM after the script ran: no element made from a host string, the title unchanged
	if grep -q "<img" "$out/evil.dom" || grep -q "<b>host" "$out/evil.dom" || grep -q "<title>[^<]*pwned" "$out/evil.dom" ||
		! grep -q "<title>irqsight report: &lt;b&gt;host&lt;/b&gt;&amp;" "$out/evil.dom"; then
		nok "evil: a host string became markup"
	else
		ok "evil: host strings stayed text (title, heat-map labels, evidence)"
	fi
else
	nok "evil: report failed"
fi
rm -rf "$evil"
finish
