#!/bin/sh
# Golden tests: run `check` on every fixture host (tests/hosts/*/, see each SOURCE.md) and
# compare text, JSON and exit status with the expected.txt / expected.json / expected.rc
# stored beside it. The text and the exit status are compared whole; expected.json is the
# golden view of the JSON (tests/golden_view.py: findings, summary, the sections a verdict
# rests on, the objects the findings point at, and the selectors of the host's
# expected.paths), and the whole JSON must keep the shape of tests/hosts/check-shape.txt.
# With every host run, one more case: each path of the shape file occurs in some output.
#
#   IRQSIGHT=./irqsight   the binary to test (the sanitizer stage passes its own build)
#   HOSTS_DIR=tests/hosts where the fixtures are
#   UPDATE=1              rewrite the expected files instead of comparing (review the diff!)
#   GOLDEN_ONLY=NAME      run only the hosts whose name contains NAME
#
# Prints "golden: N passed, N failed"; exits 1 when anything failed.
set -u
LC_ALL=C; export LC_ALL
unset NO_COLOR CLICOLOR CLICOLOR_FORCE 2>/dev/null || true

IRQSIGHT=${IRQSIGHT:-./irqsight}
HOSTS_DIR=${HOSTS_DIR:-tests/hosts}
UPDATE=${UPDATE:-0}
GOLDEN_ONLY=${GOLDEN_ONLY:-}

if [ ! -x "$IRQSIGHT" ]; then
	echo "golden: cannot run '$IRQSIGHT': not an executable (run make first)" >&2
	echo "golden: 0 passed, 1 failed"
	exit 1
fi

. tests/fixture.sh

TMP=$(mktemp -d "${TMPDIR:-/tmp}/golden.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM

pass=0
fail=0
failed=""
fulls=""
SHAPE=${SHAPE:-tests/hosts/check-shape.txt}
[ -f "$SHAPE" ] || : > "$SHAPE"

# run NAME KIND OUTFILE RCFILE ARGS...: one run of the tool, stdout+stderr kept apart
run() {
	_out=$1; _rc=$2; shift 2
	"$IRQSIGHT" "$@" > "$_out" 2> "$_out.err"
	echo $? > "$_rc"
}

# same A B LABEL: compare, print a diff when different
same() {
	if cmp -s "$1" "$2"; then return 0; fi
	echo "--- $3 differs (expected vs actual):"
	diff -u "$1" "$2" | head -n "${GOLDEN_DIFF_LINES:-80}"
	return 1
}

for dir in "$HOSTS_DIR"/*/; do
	dir=${dir%/}
	name=$(basename "$dir")
	[ "$name" = tools ] && continue
	[ -e "$dir/SOURCE.md" ] || continue
	case $name in *"$GOLDEN_ONLY"*) ;; *) continue ;; esac

	t=$TMP/$name
	mkdir -p "$t"
	# the tree as check reads it: loose, unpacked or laid over its base (tests/fixture.sh)
	if ! root=$(fixture_root "$dir"); then
		fail=$((fail + 1))
		failed="$failed $name"
		echo "FAIL $name: no root"
		continue
	fi
	run "$t/text" "$t/rc" --root "$root" --color=never check --no-sample
	run "$t/full.json" "$t/rc.json" --root "$root" --json check --no-sample
	# The report names its root; make that independent of where the checkout lives.
	abs=$(cd "$root" && pwd -P)
	for f in "$t/text" "$t/full.json"; do
		sed -e "s|$abs|@HOST@|g" -e "s|$root|@HOST@|g" "$f" > "$f.n" && mv "$f.n" "$f"
	done
	paths=
	[ -f "$dir/expected.paths" ] && paths=$dir/expected.paths
	shape_ok=1
	python3 tests/golden_view.py check "$t/full.json" "$SHAPE" $paths > "$t/json" 2> "$t/shape" || shape_ok=0
	fulls="$fulls $t/full.json"

	if [ "$UPDATE" = 1 ]; then
		cp "$t/text" "$dir/expected.txt"
		cp "$t/json" "$dir/expected.json"
		cp "$t/rc" "$dir/expected.rc"
		echo "golden: updated $name (rc $(cat "$t/rc"))"
		pass=$((pass + 1))
		continue
	fi

	ok=1
	log=$t/log
	: > "$log"
	for f in expected.txt expected.json expected.rc; do
		if [ ! -f "$dir/$f" ]; then
			echo "--- $dir/$f is missing (run UPDATE=1 tests/golden.sh and review it)" >> "$log"
			ok=0
		fi
	done
	if [ $ok = 1 ]; then
		same "$dir/expected.txt" "$t/text" "text" >> "$log" || ok=0
		same "$dir/expected.json" "$t/json" "json" >> "$log" || ok=0
		same "$dir/expected.rc" "$t/rc" "exit status" >> "$log" || ok=0
		if [ $shape_ok = 0 ]; then
			echo "--- the whole JSON leaves the shape of $SHAPE:" >> "$log"
			head -n 20 "$t/shape" >> "$log"
			ok=0
		fi
		if ! cmp -s "$t/rc" "$t/rc.json"; then
			echo "--- exit status differs between text ($(cat "$t/rc")) and --json ($(cat "$t/rc.json"))" >> "$log"
			ok=0
		fi
	fi
	# A crash is never a golden result, whatever the expected files say.
	for r in "$t/rc" "$t/rc.json"; do
		if [ "$(cat "$r")" -ge 128 ]; then
			echo "--- killed by signal $(( $(cat "$r") - 128 ))" >> "$log"
			sed 's/^/    stderr: /' "$t/text.err" "$t/json.err" | head -20 >> "$log"
			ok=0
		fi
	done
	if [ $ok = 1 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "FAIL $name"
		sed 's/^/    /' "$log"
	fi
done

# The shape file: written from every output on UPDATE (keeping the types it names), and
# never naming a path that no fixture shows (a key gone from the output is noticed).
if [ -z "$GOLDEN_ONLY" ] && [ -n "$fulls" ]; then
	if [ "$UPDATE" = 1 ]; then
		# shellcheck disable=SC2086 # temporary paths without blanks
		python3 tests/golden_view.py shape --merge "$SHAPE" $fulls > "$TMP/shape.txt" &&
			cp "$TMP/shape.txt" "$SHAPE" && echo "golden: updated $SHAPE"
	# shellcheck disable=SC2086
	elif python3 tests/golden_view.py cover "$SHAPE" $fulls 2> "$TMP/cover"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		failed="$failed shape-cover"
		echo "FAIL shape-cover"
		sed 's/^/    /' "$TMP/cover"
	fi
fi

[ -n "$failed" ] && echo "golden: failed:$failed"
echo "golden: $pass passed, $fail failed"
[ $fail -eq 0 ]
