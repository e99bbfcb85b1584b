#!/bin/sh
# The one way to reach a fixture tree (a host under tests/hosts, a rule case, a fleet host).
# A fixture folder holds its notes (SOURCE.md or NOTES), its golden files (expected.*) and
# its tree in one of three forms (tests/README.md, "Fixtures"):
#
#   loose    the tree's files right there (proc/, sys/, ...) plus .empty-dirs: the root is
#            the folder itself, after the directories .empty-dirs lists are made;
#   packed   tree.tar.xz holds the tree (a host of thousands of /proc/irq files, which cost
#            a 4 KiB block each loose): unpacked once into $FIXTURE_CACHE/NAME;
#   based    BASE names another fixture folder; the root is that fixture's root with this
#            folder's own files laid over it (a scenario that adds a VM to a real host
#            stores only what it adds, never a copy of the host).
# Any form may add SHARED: lines "PATH SOURCE" put the repository file SOURCE at PATH of the
# root (a rule case whose /proc/interrupts is a host's, byte for byte, names it instead of
# holding a copy). A fixture with BASE, a tarball or SHARED is built into
# $FIXTURE_CACHE/NAME (a tests/hosts name, else the path below tests/ with _ for /).
#
# Packed and based roots are rebuilt when a file of the folder (or of its base) is newer
# than the cached root. Anything under FIXTURE_CACHE may be thrown away at any time.
#
# As a command:
#   tests/fixture.sh root DIR...    print the root to give --root, one line per DIR (a
#                                   bare NAME means tests/hosts/NAME)
#   tests/fixture.sh all            prepare every packed and based fixture (examples/ links
#                                   to the prepared roots)
#   tests/fixture.sh unpack DIR     turn a packed fixture into a loose one, to edit it
#   tests/fixture.sh pack DIR       turn a loose fixture into a packed one (reproducible
#                                   bytes: the same tree always gives the same tarball)
#   tests/fixture.sh store SRC DIR  replace DIR's tree by the tree SRC (keeps its notes and
#                                   golden files, lists empty dirs, packs when DIR is packed)
# Sourced (`. tests/fixture.sh`) it defines fixture_root and the others, and runs nothing.
# Run from the repository root. Needs local and -nt, which dash, bash and busybox sh have.
# shellcheck disable=SC3043,SC3013

FIXTURE_CACHE=${FIXTURE_CACHE:-build/fixtures}

# Files of a fixture folder that are about the tree, not part of it.
fixture_is_meta() {
	case $1 in
	SOURCE.md | NOTES | README.md | REVIEW.md | expect | expected.* | BASE | SHARED | tree.tar.xz | .empty-dirs) return 0 ;;
	esac
	return 1
}

# fixture_dir DIR|NAME: the folder, without a trailing slash
fixture_dir() {
	_d=${1%/}
	case $_d in */*) ;; *) [ -d "$_d" ] || _d=tests/hosts/$_d ;; esac
	printf '%s\n' "$_d"
}

# fixture_empty_dirs LIST ROOT: make the directories LIST names (git keeps none)
fixture_empty_dirs() {
	[ -f "$1" ] || return 0
	while IFS= read -r _e; do
		[ -n "$_e" ] && mkdir -p "$2/$_e"
	done < "$1"
}

# fixture_stale DIR OUT: true when OUT is missing or older than a file of DIR or of its
# base (whose root is brought up to date first)
fixture_stale() {
	local stamp base
	stamp=$(fixture_stamp "$2")
	[ -d "$2" ] && [ -f "$stamp" ] || return 0
	[ -n "$(find "$1" -newer "$stamp" -print 2>/dev/null | head -n 1)" ] && return 0
	if [ -f "$1/SHARED" ]; then
		while read -r _p _s; do
			[ -n "$_s" ] && [ "$_s" -nt "$stamp" ] && return 0
		done < "$1/SHARED"
	fi
	if [ -f "$1/BASE" ]; then
		base=$(fixture_root "$(cat "$1/BASE")") || return 0
		[ -n "$(find "$base" -newer "$stamp" -print 2>/dev/null | head -n 1)" ] && return 0
		[ "$(fixture_stamp "$base")" -nt "$stamp" ] && return 0
	fi
	return 1
}

# fixture_stamp OUT: when the cached root OUT was built (beside it: the root holds only the tree)
fixture_stamp() {
	printf '%s\n' "${1%/*}/.${1##*/}.stamp"
}

# fixture_build DIR OUT: lay base, tarball and own files into a fresh OUT
fixture_build() {
	local tmp base f
	tmp=$2.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp" || return 1
	if [ -f "$1/BASE" ]; then
		base=$(fixture_root "$(cat "$1/BASE")") || return 1
		(cd "$base" && tar -cf - .) | (cd "$tmp" && tar -xf -) || return 1
		# a loose base's notes and goldens are not part of its tree
		for f in $(fixture_meta_files "$tmp"); do rm -f "$tmp/$f"; done
	fi
	if [ -f "$1/tree.tar.xz" ]; then
		xz -dc "$1/tree.tar.xz" | (cd "$tmp" && tar -xf -) || return 1
	fi
	for f in $(fixture_tree_files "$1"); do
		cp -a "$1/$f" "$tmp/" || return 1
	done
	if [ -f "$1/SHARED" ]; then
		while read -r f base; do
			case $f in '' | '#'*) continue ;; esac
			mkdir -p "$tmp/$(dirname "$f")" && cp "$base" "$tmp/$f" || return 1
		done < "$1/SHARED"
	fi
	fixture_empty_dirs "$1/.empty-dirs" "$tmp"
	rm -rf "$2"
	# a builder beside us (stages may run side by side) may have won: keep its root
	mv -T "$tmp" "$2" 2>/dev/null || rm -rf "$tmp"
	: > "$(fixture_stamp "$2")"
}

# fixture_composed DIR: true when DIR's root is built (packed, based or with shared files)
fixture_composed() {
	[ -f "$1/tree.tar.xz" ] || [ -f "$1/BASE" ] || [ -f "$1/SHARED" ]
}

# fixture_root DIR|NAME: print the directory to pass to --root
fixture_root() {
	local dir out
	dir=$(fixture_dir "$1")
	if [ ! -d "$dir" ]; then
		echo "fixture: no fixture $1" >&2
		return 1
	fi
	if ! fixture_composed "$dir"; then
		fixture_empty_dirs "$dir/.empty-dirs" "$dir"
		printf '%s\n' "$dir"
		return 0
	fi
	# examples/NAME links to a tests/hosts folder: one cached root under the real name
	[ -L "$dir" ] && dir=$(cd -P "$dir" && pwd)
	out=${dir#"$PWD"/}
	case $out in
	tests/hosts/*) out=${out#tests/hosts/} ;;
	*) out=$(printf '%s' "${out#tests/}" | tr / _) ;;
	esac
	out=$FIXTURE_CACHE/$out
	mkdir -p "$FIXTURE_CACHE" || return 1
	if fixture_stale "$dir" "$out"; then
		fixture_build "$dir" "$out" || { echo "fixture: cannot build $dir" >&2; return 1; }
	fi
	printf '%s\n' "$out"
}

# fixture_all: prepare every packed and based fixture
fixture_all() {
	for _a in tests/hosts/*/ tests/fleet/hosts/*/ tests/rules/*/*/*/; do
		fixture_composed "$_a" || continue
		fixture_root "$_a" > /dev/null || return 1
	done
}

# fixture_roots DIR...: fixture_root of each DIR that is a fixture (has a tree), after
# fixture_all (so that examples/ links to unpacked roots resolve); the others are skipped
fixture_roots() {
	local d
	fixture_all || return 1
	for d in "$@"; do
		d=${d%/}
		[ -d "$d" ] || continue
		[ -e "$d/proc" ] || [ -e "$d/dmesg" ] || fixture_composed "$d" || continue
		fixture_root "$d" || return 1
	done
}

# fixture_tree_files DIR: the top-level entries of DIR that belong to the tree
fixture_tree_files() {
	local f
	for f in "$1"/* "$1"/.[!.]*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		fixture_is_meta "${f##*/}" || printf '%s\n' "${f##*/}"
	done
}

# fixture_meta_files DIR: the top-level entries of DIR that are about the tree
fixture_meta_files() {
	local f
	for f in "$1"/* "$1"/.[!.]*; do
		[ -e "$f" ] || continue
		fixture_is_meta "${f##*/}" && [ "${f##*/}" != .empty-dirs ] && printf '%s\n' "${f##*/}"
	done
	return 0
}

# fixture_pack DIR: loose tree -> DIR/tree.tar.xz (sorted, no owners or times: reproducible)
fixture_pack() {
	_dir=$(fixture_dir "$1")
	[ -f "$_dir/tree.tar.xz" ] && { echo "fixture: $_dir is packed already" >&2; return 1; }
	[ -f "$_dir/BASE" ] && { echo "fixture: $_dir is based on $(cat "$_dir/BASE"); pack that one" >&2; return 1; }
	fixture_empty_dirs "$_dir/.empty-dirs" "$_dir"
	_list=$(fixture_tree_files "$_dir")
	[ -n "$_list" ] || { echo "fixture: $_dir has no tree" >&2; return 1; }
	# shellcheck disable=SC2086 # names of a tree's top level (proc, sys, dmesg) have no blanks
	(cd "$_dir" && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --mode=u+rwX,go+rX,go-w \
		--format=gnu -cf - $_list) | xz -9 -T1 > "$_dir/tree.tar.xz.tmp" || return 1
	mv "$_dir/tree.tar.xz.tmp" "$_dir/tree.tar.xz"
	(cd "$_dir" && rm -rf $_list)
	rm -f "$_dir/.empty-dirs"
	echo "fixture: packed $_dir ($(wc -c < "$_dir/tree.tar.xz") bytes)"
}

# fixture_unpack DIR: packed -> loose, with .empty-dirs written for git
fixture_unpack() {
	_dir=$(fixture_dir "$1")
	[ -f "$_dir/tree.tar.xz" ] || { echo "fixture: $_dir is not packed" >&2; return 1; }
	xz -dc "$_dir/tree.tar.xz" | (cd "$_dir" && tar -xf -) || return 1
	rm -f "$_dir/tree.tar.xz"
	fixture_list_empty "$_dir"
	echo "fixture: unpacked $_dir; edit it, then: tests/fixture.sh pack $_dir"
}

# fixture_list_empty DIR: write DIR/.empty-dirs (none: no file)
fixture_list_empty() {
	(cd "$1" && find . -mindepth 1 -type d -empty | sed 's|^\./||' | LC_ALL=C sort) > "$1/.empty-dirs"
	[ -s "$1/.empty-dirs" ] || rm -f "$1/.empty-dirs"
}

# fixture_store SRC DIR: DIR's tree becomes SRC's; its notes and goldens stay
fixture_store() {
	_dir=$(fixture_dir "$2")
	mkdir -p "$_dir" || return 1
	_packed=0
	[ -f "$_dir/tree.tar.xz" ] && _packed=1
	rm -f "$_dir/tree.tar.xz" "$_dir/.empty-dirs"
	(cd "$_dir" && fixture_tree_files . | while IFS= read -r _x; do rm -rf "./$_x"; done)
	cp -a "$1/." "$_dir/" || return 1
	fixture_list_empty "$_dir"
	[ $_packed = 1 ] && fixture_pack "$_dir" > /dev/null
	return 0
}

case ${0##*/} in
fixture.sh)
	set -u
	cmd=${1:-}
	[ $# -gt 0 ] && shift
	case $cmd in
	root)
		for a in "$@"; do fixture_root "$a" || exit 1; done
		;;
	all) fixture_all ;;
	pack) for a in "$@"; do fixture_pack "$a" || exit 1; done ;;
	unpack) for a in "$@"; do fixture_unpack "$a" || exit 1; done ;;
	store) [ $# -eq 2 ] || { echo "usage: tests/fixture.sh store SRC DIR" >&2; exit 2; }; fixture_store "$1" "$2" ;;
	*)
		sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
		exit 2
		;;
	esac
	;;
esac
