#!/usr/bin/env bash
# usage: kernel.sh SERIES CACHE
# Prepares a Debian kernel of SERIES (6.1 or 6.12) for the lab and prints its directory:
# CACHE/kernels/<version>/{vmlinuz,config,modules/*.ko,load-order,package}.
# The package is the candidate of Debian's meta-package (linux-image-amd64 for 6.1,
# linux-image-6.12-amd64 for 6.12), fetched with `apt-get download` into CACHE/debs.
# A kernel prepared before is reused; without apt (no lists, no network) the newest
# prepared kernel of the series is used; with neither, this fails loudly.
set -euo pipefail
series=$1
cache=$2
mkdir -p "$cache/debs" "$cache/kernels"
cache=$(cd "$cache" && pwd)
here=$(cd "$(dirname "$0")" && pwd)

# The modules the lab's devices need; their closure comes from modules.dep.
MODULES="virtio_pci virtio_blk virtio_net e1000e nvme"

case $series in
6.1)  meta=linux-image-amd64;     pat='^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
6.12) meta=linux-image-6.12-amd64; pat='^linux-image-6\.12\.[0-9]+\+deb12-amd64$' ;;
*) echo "kernel.sh: unknown series '$series' (6.1 or 6.12)" >&2; exit 2 ;;
esac

pkg=${LAB_PKG_OVERRIDE:-}
resolve() {
	apt-cache depends "$meta" 2>/dev/null | awk '/Depends:/ {print $2}' | grep -E "$pat" | head -n 1 || true
}
if [ -z "$pkg" ]; then
	pkg=$(resolve)
	# A fresh image may have every package installed but no apt lists (setup-deps.sh
	# then had nothing to install and never ran apt-get update): fetch them once.
	if [ -z "$pkg" ] && [ "$(id -u)" -eq 0 ]; then
		echo "kernel.sh: apt-cache knows no $meta; running apt-get update" >&2
		apt-get update -qq >&2 || true
		pkg=$(resolve)
	fi
fi
newest_cached() {
	local d
	for d in "$cache"/kernels/*; do
		[ -f "$d/package" ] && grep -qE "$pat" "$d/package" && echo "$d"
	done | sort -V | tail -n 1
}
if [ -z "$pkg" ]; then
	d=$(newest_cached)
	if [ -n "$d" ]; then
		echo "kernel.sh: apt-cache does not know $meta; using cached $(cat "$d/package")" >&2
		echo "$d"; exit 0
	fi
	echo "kernel.sh: cannot resolve the $series kernel: apt-cache knows no $meta (run apt-get update) and nothing is cached in $cache" >&2
	exit 1
fi
ver=${pkg#linux-image-}
kdir=$cache/kernels/$ver
if [ -f "$kdir/load-order" ] && [ -f "$kdir/vmlinuz" ]; then
	echo "$kdir"; exit 0
fi

deb=$(ls "$cache/debs/${pkg}_"*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ]; then
	echo "kernel.sh: downloading $pkg" >&2
	if ! (cd "$cache/debs" && apt-get -q -o APT::Sandbox::User=root download "$pkg" >&2); then
		d=$(newest_cached)
		if [ -n "$d" ]; then
			echo "kernel.sh: download of $pkg failed; using cached $(cat "$d/package")" >&2
			echo "$d"; exit 0
		fi
		echo "kernel.sh: cannot download $pkg (network? apt sources?)" >&2
		exit 1
	fi
	deb=$(ls "$cache/debs/${pkg}_"*.deb | head -n 1)
fi

tmp=$(mktemp -d "$cache/extract.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp"
moddir=$tmp/lib/modules/$ver
[ -d "$moddir" ] || { echo "kernel.sh: $deb has no lib/modules/$ver" >&2; exit 1; }
# The package leaves modules.dep to the installer: build it for this tree.
depmod -b "$tmp" "$ver"
rm -rf "$kdir.new"
mkdir -p "$kdir.new/modules"
cp "$tmp/boot/vmlinuz-$ver" "$kdir.new/vmlinuz"
cp "$tmp/boot/config-$ver" "$kdir.new/config"
python3 "$here/kmods.py" "$moddir" $MODULES > "$kdir.new/load-order.paths"
: > "$kdir.new/load-order"
while read -r p; do
	name=$(basename "$p"); name=${name%.xz}; name=${name%.zst}; name=${name%.ko}
	case $p in
	*.ko.xz)  xz -dc "$moddir/$p" > "$kdir.new/modules/$name.ko" ;;
	*.ko.zst) zstd -qdc "$moddir/$p" > "$kdir.new/modules/$name.ko" ;;
	*.ko)     cp "$moddir/$p" "$kdir.new/modules/$name.ko" ;;
	esac
	echo "$name" >> "$kdir.new/load-order"
done < "$kdir.new/load-order.paths"
echo "$pkg" > "$kdir.new/package"
rm -rf "$kdir"
mv "$kdir.new" "$kdir"
echo "$kdir"
