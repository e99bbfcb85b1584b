#!/usr/bin/env bash
# The Debian package (packaging/deb, `make deb`): built into a scratch directory,
# lintian clean at warning level (overrides listed in packaging/deb/README), the files
# it must hold, a Depends naming every library the binary links, and bash completion
# that offers every command and option `irqsight --help`, `irqsight CMD --help` and the
# man page name. Install, upgrade, remove and purge run in the systemd lab guest
# (tests/lab/scenarios/systemd): never on this host.
# Prints "deb: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
nok() { echo "not ok - $*"; fail=$((fail + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
end() { echo "deb: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

for t in dpkg-deb dpkg-shlibdeps lintian fakeroot; do
	command -v "$t" >/dev/null || { nok "$t missing: run sudo ./tests/setup-deps.sh (tests/deps/deb.txt)"; end; }
done
if deb=$(packaging/deb/build.sh "$tmp/out" 2>"$tmp/build.log" | tail -n 1) && [ -f "$deb" ]; then
	ok "make deb built $(basename "$deb")"
else
	nok "make deb: $(tail -n 5 "$tmp/build.log")"
	end
fi
upstream=$(sed -n 's/^#define IRQSIGHT_VERSION "\(.*\)"$/\1/p' src/version.h)
[ "$(dpkg-deb -f "$deb" Version)" = "$upstream-1" ] && ok "version $upstream-1 from src/version.h" ||
	nok "version $(dpkg-deb -f "$deb" Version), src/version.h says $upstream"

# lintian as root warns that it should not run as root; that line is not a finding
if lintian --fail-on warning "$deb" >"$tmp/lintian" 2>&1; then
	ok "lintian --fail-on warning"
else
	nok "lintian: $(grep -v 'root privileges' "$tmp/lintian")"
fi
grep -q '^[EW]: ' "$tmp/lintian" && nok "lintian printed errors or warnings: $(grep '^[EW]: ' "$tmp/lintian")"

x=$tmp/x
dpkg-deb -x "$deb" "$x"
dpkg-deb -e "$deb" "$x/DEBIAN"
for f in usr/sbin/irqsight usr/share/man/man8/irqsight.8.gz lib/systemd/system/irqsight-apply.service \
	usr/share/irqsight/prometheus/irqsight.rules.yml usr/share/irqsight/grafana/irqsight-dashboard.json \
	usr/share/bash-completion/completions/irqsight usr/share/doc/irqsight/copyright \
	usr/share/doc/irqsight/changelog.Debian.gz DEBIAN/md5sums DEBIAN/postinst DEBIAN/prerm DEBIAN/postrm; do
	[ -s "$x/$f" ] || { nok "the package lacks $f"; continue; }
	ok "holds $f"
done
for u in contrib/systemd/*.service contrib/systemd/*.timer; do
	b=$(basename "$u")
	[ -f "$x/lib/systemd/system/$b" ] || { nok "unit $b not packaged"; continue; }
	if grep -q /usr/local "$x/lib/systemd/system/$b"; then
		nok "packaged $b still runs /usr/local"
	else
		ok "unit $b packaged with /usr/sbin paths"
	fi
done
(cd "$x" && md5sum --quiet -c DEBIAN/md5sums) >"$tmp/md5" 2>&1 && ok "md5sums match the files" ||
	nok "md5sums: $(cat "$tmp/md5")"
[ "$("$x/usr/sbin/irqsight" --version 2>&1 | grep -cF "$upstream")" -ge 1 ] &&
	ok "packaged binary says $upstream" || nok "packaged binary: $("$x/usr/sbin/irqsight" --version 2>&1)"
# every library the binary links comes from a package named in Depends
depends=$(dpkg-deb -f "$deb" Depends)
for lib in $(objdump -p "$x/usr/sbin/irqsight" | awk '/NEEDED/ {print $2}'); do
	path=$(ldd "$x/usr/sbin/irqsight" | awk -v l="$lib" '$1 == l {print $3}')
	p=
	for q in "$path" "$(realpath "$path" 2>/dev/null)" "${path#/usr}" "/usr$path"; do
		[ -n "$q" ] && p=$(dpkg -S "$q" 2>/dev/null | head -n 1 | cut -d: -f1) && [ -n "$p" ] && break
	done
	if [ -z "$p" ]; then
		nok "no package on this host ships $lib"
	elif [[ ", $depends" == *", $p "* || ", $depends" == *", $p,"* || ", $depends" == *", $p" ]]; then
		ok "Depends names $p ($lib)"
	else
		nok "Depends ($depends) lacks $p for $lib"
	fi
done

# --- bash completion -----------------------------------------------------------------
comp=$x/usr/share/bash-completion/completions/irqsight
bin=$x/usr/sbin/irqsight
# complete WORD...: what the completion offers for the last word
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _irqsight; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$comp" "$@"
}
cmds=$("$bin" --help | sed -n '/^Commands:/,/^$/p' | awk '/^  [a-z]+ / {print $1}')
[ -n "$cmds" ] || nok "no commands in irqsight --help"
for c in $cmds; do
	complete_words irqsight "${c:0:2}" | grep -qx "$c" && ok "completes command $c" || nok "does not complete command $c"
	# options: the option table lines and the Usage lines after the command's name
	opts=$("$bin" "$c" --help 2>&1 | awk -v c="$c" '
		/^Usage:/ || (u && /^ +(irqsight|\[)/) { u = 1; i = index($0, " " c " "); if (i) print substr($0, i); next }
		{ u = 0 } /^ +-/ { sub(/^ +/, ""); sub(/   .*/, ""); print }' | grep -oE '(^|[][ ,|])--?[a-zA-Z][a-zA-Z0-9-]*' | sed 's/^[][ ,|]//' | sort -u)
	for o in $opts; do
		complete_words irqsight "$c" "$o" | grep -qx -- "$o" && ok "completes $c $o" || nok "does not complete $c $o"
	done
done
for o in $("$bin" --help | awk '/^Global options:/ {g = 1; next} g && /^ +-/ { sub(/^ +/, ""); sub(/   .*/, ""); print }' | grep -oE -- '--?[a-z][a-z-]*'); do
	complete_words irqsight "$o" | grep -qx -- "$o" && ok "completes global $o" || nok "does not complete global $o"
done
# The man page: every command it describes, and every long option it names, is
# offered somewhere (as a command's option or a global one).
mcmds=$(sed -n '/^\.SH COMMANDS/,/^\.SH [^C]/p' docs/irqsight.8 | sed -n 's/^\.B \([a-z][a-z]*\).*/\1/p; s/^\.B top\\fR, \\fB\(.*\)/top \1/p' |
	sed 's/\\fR, \\fB/ /g; s/\\f[BRI]//g' | tr ' ' '\n' | grep -E '^[a-z]+$' | grep -vx irqsight | sort -u)
for c in $mcmds; do
	complete_words irqsight "$c" | grep -qx "$c" && ok "man page command $c completes" || nok "man page command $c does not complete"
done
for o in $(grep -oE '\\-\\-[a-z]+(\\-[a-z]+)*' docs/irqsight.8 | sed 's/\\//g' | sort -u); do
	found=
	for c in "" $cmds; do
		if [ -z "$c" ]; then r=$(complete_words irqsight "$o"); else r=$(complete_words irqsight "$c" "$o"); fi
		grep -qx -- "$o" <<<"$r" && { found=$c; break; }
	done
	if [ -n "$found" ] || complete_words irqsight "$o" | grep -qx -- "$o"; then
		ok "man page option $o completes"
	else
		nok "man page option $o is not completed for any command"
	fi
done
# arguments: a directory for --root, a keyword for --color=
mkdir -p "$tmp/cdir/sub"
(cd "$tmp/cdir" && complete_words irqsight --root s) | grep -qx sub && ok "--root completes directories" || nok "--root DIR"
complete_words irqsight --color = al | grep -qx always && ok "--color= completes always" || nok "--color=WHEN"
end
