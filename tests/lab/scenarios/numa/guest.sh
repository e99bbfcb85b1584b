# Two NUMA nodes, a multiqueue virtio-net on node 1: record the topology the kernel
# built (node CPU lists, each PCI device's numa_node and local_cpulist), then plan with
# housekeeping CPUs on both nodes (0,2), on node 1 twice (0,2,3) and on node 0 only
# (VM CPUs 2-3: node 1 has no housekeeping CPU left).
lab_numa_dump() {
	for n in /sys/devices/system/node/node[0-9]*; do
		echo "${n##*/} $(cat $n/cpulist)"
	done > /out/nodes
	for p in /sys/bus/pci/devices/*; do
		drv=-
		[ -L $p/driver ] && drv=$(basename "$(readlink $p/driver)")
		echo "${p##*/} $(cat $p/numa_node) $(cat $p/local_cpulist) $drv"
	done > /out/pci-numa
}

# lab_plan NAME ARGS...: the plan file, the table and the JSON of one plan
lab_plan() {
	_n=$1; shift
	irqsight plan "$@" -o /out/plan-$_n.plan > /out/plan-$_n.table 2>&1
	echo $? > /out/plan-$_n.rc
	irqsight --json plan "$@" > /out/plan-$_n.json 2> /out/plan-$_n.err
}

lab_after() {
	lab_numa_dump
	lab_plan hk02 --housekeeping 0,2
	lab_plan vm1 --vm-cpus 1
	lab_plan vm23 --vm-cpus 2-3
}

lab_main() {
	lab_standard
}
