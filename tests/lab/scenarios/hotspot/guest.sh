# Pin every movable IRQ to CPU0 and keep both disks busy from CPU0 while irqsight
# takes its sample; managed queues (virtio-blk, NVMe) refuse the pinning.
lab_before() {
	lab_pin_cpu0
	lab_load_start /dev/vda /dev/nvme0n1
	sleep 3
}
lab_after() {
	lab_load_stop
}
lab_main() {
	lab_standard
}
