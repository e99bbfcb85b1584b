#!/usr/bin/env bash
# Fleet: Prometheus exposition (promtool check metrics on everything irqsight writes),
# alerting rules (promtool test rules), baselines and drift, systemd/grafana contrib,
# and the live tests with a real Prometheus and serve under load (tests/live/).
# Prints "fleet: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
. tests/fixture.sh
IRQSIGHT=./irqsight
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
nok() { echo "not ok - $*"; fail=$((fail + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
FLEET=tests/fleet/hosts
# $HOSTS/NAME is the root of the fleet host NAME as tests/fixture.sh gives it: its
# .empty-dirs made (raptorlake-iommu-on's sys/class/iommu/dmar0), its SHARED files (the
# real captures that tests/hosts holds) in place. A link: copy it with cp -H.
HOSTS=$tmp/hosts
mkdir -p "$HOSTS"
for d in $FLEET/*/; do
	d=${d%/}
	[ -e "$d/proc" ] || fixture_composed "$d" || continue
	r=$(fixture_root "$d") && ln -s "$(cd "$r" && pwd)" "$HOSTS/${d##*/}"
done

need() { command -v "$1" >/dev/null || { nok "$1 missing: run sudo ./tests/setup-deps.sh (tests/deps/fleet.txt)"; return 1; }; }
need promtool || { echo "fleet: $pass passed, $fail failed"; exit 1; }

# --- exposition ------------------------------------------------------------------
# Hand-built models of the unit tests (escaping, NaN, top-N, sampled rates, down).
if [ -x build/unit-tests ] && build/unit-tests prom >"$tmp/unit.log" 2>&1; then
	for f in build/prom-fixtures/*.prom; do
		promtool check metrics <"$f" >"$tmp/pc" 2>&1 && ok "promtool check metrics $f" || nok "promtool check metrics $f: $(cat "$tmp/pc")"
	done
else
	nok "unit tests of render/prom failed: $(tail -5 "$tmp/unit.log")"
fi
# Every fixture host irqsight has (fleet, golden, examples) and the live host.
roots=$(fixture_roots $FLEET/*/ tests/hosts/*/ examples/*/)
for r in $roots /; do
	r=${r%/}
	[ -e "$r/proc/interrupts" ] || [ "$r" = "" ] || continue
	root=${r:-/}
	out="$tmp/export/$(echo "$root" | tr '/' '_').prom"
	mkdir -p "$tmp/export"
	if "$IRQSIGHT" --root "$root" export "$out" 2>"$tmp/err" && promtool check metrics <"$out" >"$tmp/pc" 2>&1 &&
		grep -qx 'irqsight_up 1' "$out"; then
		ok "export --root $root: promtool check metrics"
	else
		nok "export --root $root: $(cat "$tmp/err" "$tmp/pc" 2>/dev/null | head -5)"
	fi
done
# Atomic write: no temporary file left, 0644, replaced in place.
ls -a "$tmp/export" | grep -q '\.tmp\.' && nok "temporary files left in the textfile directory" || ok "no temporary files left"
f=$(ls "$tmp"/export/*.prom | head -1)
[ "$(stat -c %a "$f")" = 644 ] && ok "textfile mode 0644" || nok "textfile mode $(stat -c %a "$f")"
"$IRQSIGHT" export "$tmp/no/such/dir/x.prom" 2>"$tmp/err"; rc=$?
[ $rc = 3 ] && grep -q "cannot write" "$tmp/err" && ok "export to a missing directory: exit 3, message" || nok "export to a missing directory: rc $rc"
"$IRQSIGHT" --root "$tmp/nothing" export "$tmp/down.prom" 2>/dev/null; rc=$?
[ $rc = 3 ] && grep -qx 'irqsight_up 0' "$tmp/down.prom" && promtool check metrics <"$tmp/down.prom" >/dev/null 2>&1 &&
	ok "unreadable root: exit 3 and a valid file with irqsight_up 0" || nok "unreadable root: rc $rc"
"$IRQSIGHT" --root $HOSTS/raptorlake-iommu-on export --top-irqs 3 - >"$tmp/top3.prom"
[ "$(grep -c '^irqsight_irq_interrupts_total{' "$tmp/top3.prom")" = 3 ] && ok "--top-irqs 3 bounds per-IRQ series" || nok "--top-irqs 3"
"$IRQSIGHT" --root $HOSTS/raptorlake-iommu-on export --top-irqs 100000 - >/dev/null 2>&1; [ $? = 3 ] && ok "--top-irqs out of range refused" || nok "--top-irqs out of range accepted"
"$IRQSIGHT" --root $HOSTS/raptorlake-iommu-on export --baseline tests/fleet/baselines/raptorlake-iommu-on.baseline - >"$tmp/drift0.prom" 2>/dev/null
grep -qx 'irqsight_drift_findings 0' "$tmp/drift0.prom" && ok "export --baseline: irqsight_drift_findings 0 on the same host" || nok "export --baseline (same host)"
"$IRQSIGHT" --root $HOSTS/raptorlake-iommu-off export --baseline tests/fleet/baselines/raptorlake-iommu-on.baseline - >"$tmp/drift1.prom" 2>/dev/null
grep -q '^irqsight_finding{id="drift-iommu",severity="critical"} 1$' "$tmp/drift1.prom" && grep -qx 'irqsight_drift_findings 3' "$tmp/drift1.prom" &&
	promtool check metrics <"$tmp/drift1.prom" >/dev/null 2>&1 && ok "export --baseline: drift findings as metrics" || nok "export --baseline (BIOS reset pair): $(grep drift "$tmp/drift1.prom" | head -5)"
if "$IRQSIGHT" check --help 2>&1 | grep -q -- '--prometheus'; then
	"$IRQSIGHT" --root $HOSTS/sysstat-desktop-no-ir check --prometheus >"$tmp/check.prom" 2>/dev/null
	promtool check metrics <"$tmp/check.prom" >/dev/null 2>&1 && grep -qx 'irqsight_interrupt_remapping 0' "$tmp/check.prom" &&
		ok "check --prometheus: promtool check metrics" || nok "check --prometheus"
fi

# --- rules -------------------------------------------------------------------------
promtool check rules contrib/prometheus/irqsight.rules.yml >"$tmp/pc" 2>&1 && ok "promtool check rules" || nok "promtool check rules: $(cat "$tmp/pc")"
promtool test rules contrib/prometheus/irqsight.rules.test.yml >"$tmp/pc" 2>&1 && ok "promtool test rules (remapping off, INTx, hot CPU, vCPU overlap, drift, stale, cannot run)" ||
	nok "promtool test rules: $(cat "$tmp/pc")"
# Every metric the rules and the dashboard use is documented and exported.
# (recording rules "instance:irqsight_...:rate5m" are names of our own, not exported)
used=$(grep -ohE '[a-z:]*irqsight_[a-z0-9_]*' contrib/prometheus/irqsight.rules.yml contrib/grafana/*.json | grep -v : | sort -u)
for m in $used; do
	grep -qE "\`$m(\{|\`)" docs/metrics.md || { nok "$m used in contrib/ but not documented in docs/metrics.md"; continue; }
	grep -qh "^# TYPE $m " build/prom-fixtures/*.prom "$tmp"/export/*.prom "$tmp/drift1.prom" && ok "$m: documented and exported" ||
		nok "$m used in contrib/ but never exported"
done
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["panels"] and d["uid"]' contrib/grafana/irqsight-dashboard.json &&
	ok "grafana dashboard is valid JSON" || nok "grafana dashboard JSON"
# docs/metrics.md states serve's limits as the code and the load test have them.
dflt=$("$IRQSIGHT" serve --help 2>&1 | sed -nE 's/.*--max-connections N .*\(default ([0-9]+),.*/\1/p')
slow=$(sed -nE 's/^socks = \[conn\(\) for _ in range\(([0-9]+)\)\]/\1/p' tests/live/serve-load.sh)
ddoc=$(grep -oE '`--max-connections` \(default [0-9]+' docs/metrics.md | grep -oE '[0-9]+$')
sdoc=$(grep -oE '[0-9]+-client slowloris' docs/metrics.md | grep -oE '^[0-9]+')
[ -n "$dflt" ] && [ "$ddoc" = "$dflt" ] && [ -n "$slow" ] && [ "$sdoc" = "$slow" ] &&
	ok "docs/metrics.md: --max-connections default $ddoc (serve --help: $dflt), $sdoc-client slowloris (serve-load.sh: $slow)" ||
	nok "docs/metrics.md says --max-connections default ${ddoc:-?} and a ${sdoc:-?}-client slowloris; serve --help ${dflt:-?}, serve-load.sh ${slow:-?}"
pdflt=$("$IRQSIGHT" serve --help 2>&1 | sed -nE 's/.*--max-per-client N .*/x/p; s/^ +\(default ([0-9]+),.*/\1/p' | grep -A1 x | tail -1)
pdoc=$(grep -oE '`--max-per-client` \(default [0-9]+' docs/metrics.md | grep -oE '[0-9]+$')
[ -n "$pdflt" ] && [ "$pdoc" = "$pdflt" ] && ok "docs/metrics.md: --max-per-client default $pdoc (serve --help: $pdflt)" ||
	nok "docs/metrics.md says --max-per-client default ${pdoc:-?}; serve --help ${pdflt:-?}"
# systemd is in tests/deps/fleet.txt: without systemd-analyze the units are not verified, a failure.
if need systemd-analyze; then
	systemd-analyze verify --man=no contrib/systemd/irqsight-check.service contrib/systemd/irqsight-check.timer >"$tmp/sa" 2>&1 &&
		ok "systemd-analyze verify units" || nok "systemd-analyze verify: $(cat "$tmp/sa")"
fi

# --- baselines ---------------------------------------------------------------------
# expect NAME ROOT BASELINE RC IDS...: `baseline check` exits RC and reports exactly IDS.
expect() {
	local name=$1 root=$2 base=$3 want_rc=$4
	shift 4
	"$IRQSIGHT" --root "$root" --json baseline check "$base" >"$tmp/bc.json" 2>"$tmp/err"
	local rc=$?
	local got
	got=$(python3 -c 'import json,sys; print(" ".join(sorted(f["id"]+"@"+(f["device"] or "") for f in json.load(open(sys.argv[1]))["findings"])))' "$tmp/bc.json" 2>/dev/null)
	local want
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ' | sed 's/ $//')
	[ "$rc" = "$want_rc" ] && [ "$got" = "$want" ] && ok "baseline $name: exit $rc, [$got]" ||
		nok "baseline $name: exit $rc (want $want_rc), got [$got], want [$want] $(cat "$tmp/err")"
}
for h in raptorlake-iommu-on raptorlake-iommu-off sysstat-desktop-no-ir; do
	"$IRQSIGHT" --root $HOSTS/$h baseline save "$tmp/$h.baseline" 2>/dev/null
	expect "save+check $h" $HOSTS/$h "$tmp/$h.baseline" 0
done
cmp -s "$tmp/raptorlake-iommu-on.baseline" tests/fleet/baselines/raptorlake-iommu-on.baseline &&
	ok "saved baseline equals tests/fleet/baselines/raptorlake-iommu-on.baseline" || nok "saved baseline differs from the stored one"
# BIOS reset / IOMMU off: the passed-through NVMe falls back to the host nvme driver.
expect "BIOS reset (raptorlake IOMMU on -> off)" $HOSTS/raptorlake-iommu-off tests/fleet/baselines/raptorlake-iommu-on.baseline 2 \
	drift-cmdline@ drift-iommu@ drift-driver@0000:03:00.0
expect "IOMMU back on" $HOSTS/raptorlake-iommu-on "$tmp/raptorlake-iommu-off.baseline" 1 \
	drift-cmdline@ drift-iommu@ drift-driver@0000:03:00.0
# The same pair as the golden fixtures of check (tests/hosts), when present.
gon=tests/hosts/raptorlake-32cpu-vfio-nvme-iommu-on goff=tests/hosts/raptorlake-32cpu-intel-iommu-off-ir-on
if [ -d "$gon" ] && [ -d "$goff" ] && gon=$(fixture_root "$gon") && goff=$(fixture_root "$goff"); then
	"$IRQSIGHT" --root "$gon" baseline save "$tmp/gon.baseline" 2>/dev/null
	expect "save+check $gon" "$gon" "$tmp/gon.baseline" 0
	# /proc/interrupts only: the IOMMU state is unknown (no drift claimed), the NVMe's
	# handlers still show vfio -> nvme.
	expect "tests/hosts raptorlake pair (interrupts only)" "$goff" "$tmp/gon.baseline" 1 drift-driver@0000:03:00.0
fi
# Kernel update whose nvme driver comes up with fewer queues: derived from the real tree.
ku=$tmp/kernel-update
cp -rH $HOSTS/raptorlake-iommu-on "$ku"
echo 6.8.0-1-amd64 >"$ku/proc/sys/kernel/osrelease"
grep -vE 'nvme2q(9|1[0-6])$' $HOSTS/raptorlake-iommu-on/proc/interrupts >"$ku/proc/interrupts"
expect "kernel update with fewer queues" "$ku" tests/fleet/baselines/raptorlake-iommu-on.baseline 1 \
	drift-kernel@ drift-vectors@0000:06:00.0
"$IRQSIGHT" --root "$ku" baseline check tests/fleet/baselines/raptorlake-iommu-on.baseline >"$tmp/bc.txt" 2>&1
grep -q 'baseline: 17' "$tmp/bc.txt" && grep -q 'now: 9' "$tmp/bc.txt" && grep -q 'likely cause: kernel update' "$tmp/bc.txt" &&
	ok "text report: old/new vectors and likely cause" || nok "text report: $(cat "$tmp/bc.txt")"
# Live: save then check (retried: other tests may move an IRQ for a moment).
"$IRQSIGHT" baseline save "$tmp/live.baseline" 2>/dev/null
for try in 1 2 3; do
	"$IRQSIGHT" baseline check "$tmp/live.baseline" >"$tmp/live.txt" 2>&1 && break
	sleep 1
done
grep -q '^No drift' "$tmp/live.txt" && ok "live save+check: no drift" || nok "live save+check: $(cat "$tmp/live.txt")"
# Bad baseline files: exit 3 with the line.
printf 'irqsight-baseline 1\niommu maybe\n' >"$tmp/bad.baseline"
"$IRQSIGHT" baseline check "$tmp/bad.baseline" 2>"$tmp/err" >/dev/null; rc=$?
[ $rc = 3 ] && grep -q "line 2: bad value for iommu" "$tmp/err" && ok "bad baseline: exit 3, line number" || nok "bad baseline: rc $rc $(cat "$tmp/err")"
"$IRQSIGHT" baseline check "$tmp/missing.baseline" 2>/dev/null >/dev/null; [ $? = 3 ] && ok "missing baseline: exit 3" || nok "missing baseline"

# --- journal priorities: `check` and `baseline check` with stdout the journal ------------
# systemd sets JOURNAL_STREAM to "<dev>:<inode>" of the stream it connects to the journal
# (StandardOutput=journal); then every non-empty line carries <2>/<4>/<6> by severity.
# journal_prefixes ROOT ARGS...: runs irqsight with stdout to a file whose dev:ino is in
# JOURNAL_STREAM, and compares with the plain run (the same text, prefixes removed), a run
# whose JOURNAL_STREAM names another file (no prefixes), and the severities of the blocks.
journal_prefixes() {
	python3 - "$IRQSIGHT" "$@" <<'PY'
import os, re, subprocess, sys, tempfile
bin_, root, args = sys.argv[1], sys.argv[2], sys.argv[3:]
cmd = [bin_, "--root", root, "--color=never"] + args
env = {k: v for k, v in os.environ.items() if k != "JOURNAL_STREAM"}
plain = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
def to_file(stream_of):
    with tempfile.TemporaryFile("w+") as f, tempfile.TemporaryFile() as other:
        st = os.fstat((f if stream_of == "self" else other).fileno())
        rc = subprocess.call(cmd, stdout=f, stderr=subprocess.DEVNULL,
                             env=dict(env, JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}"))
        f.seek(0)
        return rc, f.read()
rc, j = to_file("self")
mut = os.environ.get("JOURNAL_MUTATE")	# negative control: "FROM=TO" at line starts
if mut:
    a, b = mut.split("=", 1)
    j = re.sub("(?m)^" + re.escape(a), b, j)
orc, o = to_file("other")
text = plain.stdout.decode()
err = []
if rc != plain.returncode: err.append(f"exit {rc} with the journal, {plain.returncode} without")
if o != text: err.append("JOURNAL_STREAM naming another file changed the output")
if re.sub(r"(?m)^<[0-9]>", "", j) != text: err.append("prefixes removed, the text differs from the plain run")
lines = j.split("\n")[:-1]
bare = [l for l in lines if l and not re.match(r"<[246]>", l)]
if bare: err.append(f"{len(bare)} non-empty line(s) without a priority, first: {bare[0]!r}")
want = {"critical": "<2>", "warning": "<4>", "info": "<6>"}
blocks, cur = 0, None
for l in lines:                      # a finding block: its header line to the next blank line
    m = re.match(r"<\d>\s*(CRITICAL|WARNING|INFO|critical|warning|info)\b", l)
    if m:
        cur, blocks = want[m.group(1).lower()], blocks + 1
    if not l:
        cur = None
    elif cur and not l.startswith(cur):
        err.append(f"line in a {cur} block: {l!r}")
        cur = None
worst = {0: "<6>", 1: "<4>", 2: "<2>"}.get(plain.returncode)
last = [l for l in lines if l][-1]
if not last.startswith(worst or "?"): err.append(f"last line {last!r}: want {worst} (exit {plain.returncode})")
seen = sorted({l[:3] for l in lines if l})
print(f"{blocks} finding blocks, priorities {' '.join(seen)}, exit {rc}")
if err: print("; ".join(err)); sys.exit(1)
if not blocks or len(seen) < 2: print("nothing to tell apart"); sys.exit(1)
PY
}
jh=tests/hosts/lab-6.1-nomsi	# critical, warning and info findings
if [ -d "$jh" ] && jh=$(fixture_root "$jh"); then
	out=$(journal_prefixes "$jh" check --no-sample) && ok "check with stdout the journal: <N> per line by severity ($out)" ||
		nok "check with stdout the journal: $out"
	# Negative control: the checker must notice warning lines logged as info.
	out=$(JOURNAL_MUTATE='<4>=<6>' journal_prefixes "$jh" check --no-sample) &&
		nok "negative control: journal checker accepts warnings logged as info: $out" ||
		ok "negative control: journal checker rejects warnings logged as info"
else
	nok "journal priorities: fixture $jh missing"
fi
out=$(journal_prefixes $HOSTS/raptorlake-iommu-off baseline check tests/fleet/baselines/raptorlake-iommu-on.baseline) &&
	ok "baseline check with stdout the journal: <N> per line by severity ($out)" || nok "baseline check with stdout the journal: $out"

# --- the boot unit: contrib/systemd/irqsight-check.service's own Exec lines ------------
# tests/fleet/run-unit.py runs them with systemd's oneshot semantics ("-" prefix,
# SuccessExitStatus=, no later command after a failure, stdout+stderr to a "journal" file
# named by JOURNAL_STREAM); a drop-in's Environment= points IRQSIGHT at a wrapper that adds
# --root FIXTURE, BASELINE and TEXTFILE_DIR into $tmp.
U=contrib/systemd/irqsight-check.service
# prep NAME ROOT: the wrapper $tmp/NAME.sh and an empty textfile directory $tmp/NAME.tf
prep() {
	printf '#!/bin/sh\nexec "%s" --root "%s" "$@"\n' "$PWD/$IRQSIGHT" "$2" >"$tmp/$1.sh"
	chmod +x "$tmp/$1.sh"
	rm -rf "$tmp/$1.tf" "$tmp/$1.log"
	mkdir -p "$tmp/$1.tf"
}
# rununit NAME BASELINE [run-unit args]: $urc, $tmp/NAME.out (commands run), .log (journal)
rununit() {
	local n=$1 base=$2
	shift 2
	rm -f "$tmp/$n.log"
	python3 tests/fleet/run-unit.py "$U" "$tmp/$n.log" IRQSIGHT="$tmp/$n.sh" BASELINE="$base" \
		TEXTFILE_DIR="$tmp/$n.tf" "$@" >"$tmp/$n.out" 2>&1
	urc=$?
}
unit() { prep "$1" "$2"; rununit "$1" "${@:3}"; }	# NAME ROOT BASELINE [run-unit args]
# ran NAME: the exit statuses of the commands run, in order ("0 0 1")
ran() { sed -nE 's/^ran ([0-9]+).*/\1/p' "$tmp/$1.out" | tr '\n' ' ' | sed 's/ $//'; }
tf() { promtool check metrics <"$tmp/$1.tf/irqsight.prom" >/dev/null 2>&1 && grep -qx 'irqsight_up 1' "$tmp/$1.tf/irqsight.prom"; }
ucheck() { grep -q '^<[0-9]>irqsight check — ' "$tmp/$1.log"; }	# step 3 ran
h_on=$HOSTS/raptorlake-iommu-on
rc_on=$("$IRQSIGHT" --root $h_on check >/dev/null 2>&1; echo $?)
# healthy: no drift, check at most warnings: every step runs, the unit succeeds
unit ok $h_on tests/fleet/baselines/raptorlake-iommu-on.baseline
[ $urc = 0 ] && [ "$(ran ok)" = "0 0 $rc_on" ] && [ "$rc_on" -le 1 ] && tf ok && grep -qx 'irqsight_drift_findings 0' "$tmp/ok.tf/irqsight.prom" &&
	grep -q '^<6>No drift' "$tmp/ok.log" && ucheck ok &&
	ok "boot unit, healthy host: export (drift 0), baseline check, check ($rc_on) run; unit succeeds" ||
	nok "boot unit, healthy host: rc $urc, ran [$(ran ok)] $(cat "$tmp/ok.out")"
# warning drift (kernel update, fewer queues): exit 1 is success, check still runs
unit warn "$ku" tests/fleet/baselines/raptorlake-iommu-on.baseline
rc_ku=$("$IRQSIGHT" --root "$ku" check >/dev/null 2>&1; echo $?)
[ $urc = 0 ] && [ "$(ran warn)" = "0 1 $rc_ku" ] && ucheck warn && grep -q '^<4>warning' "$tmp/warn.log" &&
	ok "boot unit, warning drift: baseline check exits 1 (SuccessExitStatus=1), check runs, unit succeeds" ||
	nok "boot unit, warning drift: rc $urc, ran [$(ran warn)] $(cat "$tmp/warn.out")"
unit warn-nse "$ku" tests/fleet/baselines/raptorlake-iommu-on.baseline --drop SuccessExitStatus
[ $urc = 1 ] && [ "$(ran warn-nse)" = "0 1" ] && ! ucheck warn-nse &&
	ok "negative control: without SuccessExitStatus=1 the same run fails the unit" ||
	nok "negative control (SuccessExitStatus dropped): rc $urc, ran [$(ran warn-nse)]"
# critical drift (BIOS reset): the unit fails at baseline check, check does not run
unit crit-drift $HOSTS/raptorlake-iommu-off tests/fleet/baselines/raptorlake-iommu-on.baseline
[ $urc = 1 ] && [ "$(ran crit-drift)" = "0 2" ] && ! ucheck crit-drift && tf crit-drift &&
	grep -q '^irqsight_finding{id="drift-iommu",severity="critical"} 1$' "$tmp/crit-drift.tf/irqsight.prom" &&
	grep -q '^<2>critical ' "$tmp/crit-drift.log" &&
	ok "boot unit, critical drift: textfile has drift-iommu, baseline check exits 2, check skipped, unit fails" ||
	nok "boot unit, critical drift: rc $urc, ran [$(ran crit-drift)] $(cat "$tmp/crit-drift.out")"
# a critical host and no baseline file: the baseline step passes, check fails the unit
h_crit=tests/hosts/lab-6.12-intel-noir
if [ -d "$h_crit" ] && h_crit=$(fixture_root "$h_crit"); then
	unit crit $h_crit "$tmp/no-such.baseline"
	[ $urc = 1 ] && [ "$(ran crit)" = "0 0 2" ] && ucheck crit && tf crit &&
		grep -q '^irqsight_finding{id="ir-disabled",severity="critical"} 1$' "$tmp/crit.tf/irqsight.prom" &&
		! grep -q '^irqsight_drift' "$tmp/crit.tf/irqsight.prom" && grep -q '^<2>  CRITICAL ir-disabled' "$tmp/crit.log" &&
		ok "boot unit, critical host without a baseline: textfile without drift, check exits 2 (<2> in the journal), unit fails" ||
		nok "boot unit, critical host: rc $urc, ran [$(ran crit)] $(cat "$tmp/crit.out")"
else
	nok "boot unit: fixture $h_crit missing"
fi
# the textfile cannot be written: export fails (exit 3), ignored ("-"), the checks still run
B=tests/fleet/baselines/raptorlake-iommu-on.baseline
prep tfail $h_on
mkdir "$tmp/tfail.tf/irqsight.prom"	# the rename onto it fails
rununit tfail $B
[ $urc = 0 ] && [ "$(ran tfail)" = "3 0 $rc_on" ] && grep -q '^ran 3 ignored ExecStartPre' "$tmp/tfail.out" && ucheck tfail &&
	ok "boot unit: a failed textfile export is ignored (ExecStartPre=-), the checks run" ||
	nok "boot unit, textfile export failing: rc $urc, ran [$(ran tfail)] $(cat "$tmp/tfail.out")"
rununit tfail $B --no-ignore
[ $urc = 1 ] && [ "$(ran tfail)" = "3" ] && ok "negative control: without the \"-\" the failed export fails the unit" ||
	nok "negative control (no \"-\"): rc $urc, ran [$(ran tfail)]"
# no textfile directory: nothing written, the checks run
prep nodir $h_on
rmdir "$tmp/nodir.tf"
rununit nodir /nonexistent
[ $urc = 0 ] && [ "$(ran nodir)" = "0 0 $rc_on" ] && [ ! -e "$tmp/nodir.tf" ] && ucheck nodir &&
	ok "boot unit without a textfile directory: nothing written, check runs" ||
	nok "boot unit, no textfile directory: rc $urc, ran [$(ran nodir)] $(cat "$tmp/nodir.out")"

# --- static build: baseline works, serve says it is not available ----------------------
if [ "${FLEET_SKIP_STATIC:-0}" != 1 ] && make -s static >"$tmp/static.log" 2>&1; then
	./irqsight-static serve >/dev/null 2>"$tmp/err"; rc=$?
	[ $rc = 3 ] && grep -q 'not available in this build' "$tmp/err" && ok "static: serve is not available (exit 3)" || nok "static serve: rc $rc $(cat "$tmp/err")"
	./irqsight-static --root $HOSTS/raptorlake-iommu-on baseline save "$tmp/static.baseline" 2>/dev/null &&
		cmp -s "$tmp/static.baseline" tests/fleet/baselines/raptorlake-iommu-on.baseline && ok "static: baseline save" || nok "static: baseline save"
	./irqsight-static --root $HOSTS/raptorlake-iommu-on export - 2>/dev/null | promtool check metrics >/dev/null 2>&1 &&
		ok "static: export + promtool check metrics" || nok "static: export"
elif [ "${FLEET_SKIP_STATIC:-0}" != 1 ]; then
	nok "make static failed: $(tail -5 "$tmp/static.log")"
fi

# --- live: a real Prometheus, serve under load, and serve under attack (~100 s) --------
for t in tests/live/prom-scrape.sh tests/live/serve-load.sh tests/live/serve-attack.sh; do
	"$t" >"$tmp/live.log" 2>&1
	cat "$tmp/live.log" | sed 's/^/  /'
	line=$(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' "$tmp/live.log" | tail -1)
	if [ -n "$line" ]; then
		p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
		f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
		pass=$((pass + p))
		fail=$((fail + f))
	else
		nok "$t: no result line"
	fi
done

echo "fleet: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
