#!/bin/sh
# fixtures: every fixture folder gives a root through tests/fixture.sh (packed ones unpack,
# based ones find their base, SHARED sources exist); a packed tree is the canonical packing
# of its own contents (unpacked and packed again: the same bytes, so a repack never shows
# as a change); no fixture file of 1 KiB or more is stored twice (tests/fixture.py copies:
# a second use names it in SHARED). No build needed. Prints "fixtures: N passed, N failed".
cd "$(dirname "$0")/../.." || exit 3
. tests/fixture.sh
pass=0 fail=0
ok() { pass=$((pass + 1)); [ -n "${V:-}" ] && echo "ok $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
T=$(mktemp -d "${TMPDIR:-/tmp}/fixtures.XXXXXX") || exit 3
trap 'rm -rf "$T"' EXIT

for d in tests/hosts/*/ tests/fleet/hosts/*/ tests/rules/*/*/*/; do
	d=${d%/}
	[ -e "$d/proc" ] || [ -e "$d/dmesg" ] || fixture_composed "$d" || continue
	if [ -f "$d/SHARED" ]; then
		while read -r p src; do
			case $p in '' | '#'*) continue ;; esac
			[ -f "$src" ] && [ ! -L "$src" ] || bad "$d: SHARED $p names $src, not a file of the repository"
		done < "$d/SHARED"
	fi
	if ! r=$(fixture_root "$d" 2>"$T/err"); then
		bad "$d: no root: $(cat "$T/err")"
	elif [ -e "$r/proc" ] || [ -e "$r/dmesg" ]; then
		ok "$d"
	else
		bad "$d: its root $r has neither proc/ nor dmesg"
	fi
	[ -f "$d/tree.tar.xz" ] || continue
	rm -rf "$T/p"
	mkdir -p "$T/p"
	xz -dc "$d/tree.tar.xz" | (cd "$T/p" && tar -xf -)
	FIXTURE_CACHE=$T/cache fixture_pack "$T/p" > /dev/null 2>&1
	if cmp -s "$d/tree.tar.xz" "$T/p/tree.tar.xz"; then
		ok "$d"
	else
		bad "$d: tree.tar.xz is not what tests/fixture.sh pack makes of its contents (unpack and pack it)"
	fi
done
if python3 tests/fixture.py copies > "$T/copies"; then
	ok
else
	bad "stored copies:"
	sed 's/^/    /' "$T/copies"
fi
echo "fixtures: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
