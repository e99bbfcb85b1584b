#!/usr/bin/env bash
# usage: image.sh CACHE
# Builds (once) the lab's systemd guest: a minimal Debian root of this machine's release
# (mmdebstrap from the archive apt already uses) with systemd as PID 1, udev, irqbalance,
# iproute2, kmod and the lab's 6.12 kernel's modules, as an ext4 disk image, plus a small
# busybox initramfs that loads virtio_blk and ext4 (modules in Debian's kernel) and
# switches to the disk. Prints the directory:
#   CACHE/systemd/<key>/{root.qcow2,vmlinuz,initrd.cpio.gz,kver,packages}
# <key> hashes the release, the package list, the kernel package and this directory's
# files, so a change to any of them builds a new image; older ones are removed.
set -euo pipefail
cache=$1
here=$(cd "$(dirname "$0")" && pwd)
lab=$(dirname "$here")
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
for t in mmdebstrap mke2fs qemu-img busybox cpio; do
	command -v "$t" >/dev/null || { echo "image.sh: missing '$t' (tests/deps/lab.txt)" >&2; exit 1; }
done
kdir=$("$lab/kernel.sh" 6.12 "$cache")
pkg=$(cat "$kdir/package")
kver=${pkg#linux-image-}
deb=$(ls "$cache/debs/${pkg}_"*.deb 2>/dev/null | head -n 1 || true)
[ -n "$deb" ] || { echo "image.sh: $pkg's .deb is not in $cache/debs" >&2; exit 1; }
suite=${LAB_SUITE:-$(. /etc/os-release && echo "$VERSION_CODENAME")}
mirror=${LAB_MIRROR:-http://deb.debian.org/debian}
# systemd-sysv makes systemd PID 1; procps for sysctl/pgrep, ethtool to read links. The
# guest has no network: the libraries irqsight's package depends on (its optional parts)
# are in the image, so `dpkg -i` finds them.
packages="systemd,systemd-sysv,udev,irqbalance,iproute2,kmod,procps,ethtool"
packages="$packages,libjson-c5,libmicrohttpd12,libncursesw6,libtinfo6,libtraceevent1,libsystemd0"
key=$( { echo "$suite $mirror $packages $(basename "$deb")"; cat "$here"/image.sh "$here"/init; } |
	sha256sum | cut -c1-16)
out=$cache/systemd/$key
if [ -f "$out/root.qcow2" ] && [ -f "$out/initrd.cpio.gz" ]; then
	echo "$out"; exit 0
fi
echo "image.sh: building the systemd guest image $key ($suite, $pkg)" >&2
# stdout is the image's path for run.sh: what the tools below print (mke2fs says
# "Creating regular file") goes to stderr
exec 3>&1 1>&2
find "$cache/systemd" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} + 2>/dev/null || true
tmp=$(mktemp -d "$cache/sysimg.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
# The modules come from the kernel package the lab boots (dpkg-deb -x, then depmod):
# installing the package would pull initramfs-tools and build an initramfs we do not use.
# They are extracted beside the root and moved under usr/: extracting into the root
# would turn the merged-/usr symlink /lib into a directory (and /sbin/init would dangle).
# The guest's lab.service runs the scenario from the disk whose serial is "labin".
mmdebstrap --variant=apt --mode=root --format=directory --include="$packages" \
	--customize-hook="mkdir \"\$1\"/tmp/k && dpkg-deb -x '$deb' \"\$1\"/tmp/k && mkdir -p \"\$1\"/usr/lib/modules && for d in lib usr/lib; do if [ -d \"\$1\"/tmp/k/\$d/modules/$kver ]; then mv \"\$1\"/tmp/k/\$d/modules/$kver \"\$1\"/usr/lib/modules/; fi; done && rm -rf \"\$1\"/tmp/k" \
	--customize-hook="rm -rf \"\$1\"/usr/lib/modules/$kver/kernel/sound \"\$1\"/usr/lib/modules/$kver/kernel/drivers/gpu \"\$1\"/usr/lib/modules/$kver/kernel/drivers/media \"\$1\"/usr/lib/modules/$kver/kernel/drivers/infiniband \"\$1\"/usr/lib/modules/$kver/kernel/drivers/net/wireless" \
	--customize-hook="depmod -b \"\$1\" $kver" \
	--customize-hook="cp '$here/lab-run' \"\$1\"/usr/local/sbin/lab-run && chmod 0755 \"\$1\"/usr/local/sbin/lab-run" \
	--customize-hook="cp '$here/lab.service' \"\$1\"/etc/systemd/system/lab.service" \
	--customize-hook="mkdir -p \"\$1\"/etc/systemd/system/multi-user.target.wants && ln -s /etc/systemd/system/lab.service \"\$1\"/etc/systemd/system/multi-user.target.wants/lab.service" \
	--customize-hook="echo labguest > \"\$1\"/etc/hostname && : > \"\$1\"/etc/fstab" \
	--customize-hook="for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer man-db.timer dpkg-db-backup.timer getty@tty1.service; do ln -sf /dev/null \"\$1\"/etc/systemd/system/\$u; done" \
	--customize-hook="rm -rf \"\$1\"/var/cache/apt/archives/*.deb \"\$1\"/var/lib/apt/lists/*_Packages" \
	"$suite" "$root" "$mirror" >&2
mkdir -p "$tmp/out"
# ext4 from the directory (mke2fs -d), 2 GiB sparse; qcow2 for the cache (compressed).
mke2fs -q -t ext4 -L labroot -d "$root" "$tmp/root.raw" 2G
qemu-img convert -c -O qcow2 "$tmp/root.raw" "$tmp/out/root.qcow2"
rm -f "$tmp/root.raw"
cp "$kdir/vmlinuz" "$tmp/out/vmlinuz"
echo "$kver" > "$tmp/out/kver"
dpkg-query --admindir="$root/var/lib/dpkg" -W > "$tmp/out/packages"
# initramfs: busybox, virtio_blk and ext4 with their dependencies, our init
st=$tmp/initrd
mkdir -p "$st"/{bin,proc,sys,dev,newroot,mod}
cp "$(command -v busybox)" "$st/bin/busybox"
ln -s busybox "$st/bin/sh"
cp "$here/init" "$st/init"
chmod 0755 "$st/init"
moddir=$root/usr/lib/modules/$kver
[ -d "$moddir" ] || moddir=$root/lib/modules/$kver
python3 "$lab/kmods.py" "$moddir" virtio_blk ext4 > "$tmp/paths"
while read -r p; do
	name=$(basename "$p"); name=${name%.xz}; name=${name%.zst}; name=${name%.ko}
	case $p in
	*.ko.xz)  xz -dc "$moddir/$p" > "$st/mod/$name.ko" ;;
	*.ko.zst) zstd -qdc "$moddir/$p" > "$st/mod/$name.ko" ;;
	*.ko)     cp "$moddir/$p" "$st/mod/$name.ko" ;;
	esac
	echo "$name" >> "$st/mod/load-order"
done < "$tmp/paths"
(cd "$st" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1 > "$tmp/out/initrd.cpio.gz")
rm -rf "$root"
mkdir -p "$cache/systemd"
rm -rf "$out"
mv "$tmp/out" "$out"
echo "$out" >&3
