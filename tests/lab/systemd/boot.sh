#!/usr/bin/env bash
# usage: boot.sh IMAGE-DIR INPUT-DIR RESULT-DIR LIMIT ACCEL SMP MEM
# Boots the systemd guest (tests/lab/systemd/image.sh) once, with its own copy-on-write
# overlay of the cached root (so reboots inside the run keep their changes and the cache
# never does), INPUT-DIR as a tar on the disk with serial "labin" (lab-run unpacks it and
# runs its guest.sh at every boot) and a 64 MiB disk with serial "labout" that the guest
# writes a tar of its results to before it powers off; that tar is unpacked into
# RESULT-DIR/out. Devices: e1000e, virtio-net, NVMe besides the virtio disks.
# QEMU runs with -no-reboot: a guest reboot (or a panic) ends it, and it is started again
# on the same overlay only when the guest's results say out/next = "reboot" (at most 4
# boots), so a guest that panics in a loop costs one boot, not the whole timeout.
# Writes RESULT-DIR/{console-N.log,qemu.log,qemu.cmd,boot.rc,boot.seconds,boots}.
set -uo pipefail
img=$(cd "$1" && pwd) in=$2 res=$3 limit=$4 accel=$5 smp=${6:-4} mem=${7:-1024}
rm -rf "$res"
mkdir -p "$res/out"
qemu-img create -q -f qcow2 -F qcow2 -b "$img/root.qcow2" "$res/root.qcow2" || exit 1
tar cf "$res/in.tar" -C "$in" . || exit 1
truncate -s 64M "$res/out.img" "$res/nvme.img"
cmd=(qemu-system-x86_64 -accel "$accel" -M q35 -smp "$smp" -m "$mem"
	-nographic -nodefaults -no-reboot -monitor none
	-kernel "$img/vmlinuz" -initrd "$img/initrd.cpio.gz"
	-append "console=ttyS0 root=/dev/vda rw loglevel=4 panic=-1 no_timer_check systemd.show_status=0"
	-drive "file=$res/root.qcow2,if=none,id=d0,format=qcow2" -device "virtio-blk-pci,drive=d0,serial=labroot"
	-drive "file=$res/in.tar,if=none,id=d1,format=raw,readonly=on" -device "virtio-blk-pci,drive=d1,serial=labin"
	-drive "file=$res/out.img,if=none,id=d2,format=raw" -device "virtio-blk-pci,drive=d2,serial=labout"
	-drive "file=$res/nvme.img,if=none,id=n0,format=raw" -device "nvme,drive=n0,serial=lab0"
	-netdev "user,id=u0,restrict=on" -device "virtio-net-pci,netdev=u0,romfile="
	-netdev "user,id=u1,restrict=on" -device "e1000e,netdev=u1,romfile=")
printf '%q ' "${cmd[@]}" > "$res/qemu.cmd"
t0=$(date +%s.%N)
start=$(date +%s)
rc=0
for boot in 1 2 3 4; do
	left=$(( limit - ($(date +%s) - start) ))
	[ "$left" -gt 5 ] || { rc=124; break; }
	timeout "$left" "${cmd[@]}" -serial "file:$res/console-$boot.log" >> "$res/qemu.log" 2>&1 < /dev/null
	rc=$?
	echo "$boot" > "$res/boots"
	rm -f "$res/out/next"
	tar xf "$res/out.img" -C "$res/out" 2>> "$res/unpack.err" || echo "boot $boot: unpack failed" >> "$res/unpack.err"
	[ "$rc" = 0 ] && [ "$(cat "$res/out/next" 2>/dev/null)" = reboot ] || break
	# the next boot's results replace these
	dd if=/dev/zero of="$res/out.img" bs=1M count=1 conv=notrunc status=none
done
t1=$(date +%s.%N)
echo "$rc" > "$res/boot.rc"
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", b - a }' > "$res/boot.seconds"
rm -f "$res/root.qcow2" "$res/in.tar" "$res/out.img" "$res/nvme.img"
exit 0
