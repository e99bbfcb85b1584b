/*
 * The VM part of the model on its own, for `irqsight top`, which follows VMs over
 * time without building the rest of the host (docs/kernel-interfaces.md §8).
 * The readers are those of host_build() (model/build_procs.c): the same VMs, names
 * and threads, never a process's cmdline or environ.
 */
#ifndef IRQSIGHT_MODEL_VMS_H
#define IRQSIGHT_MODEL_VMS_H

#include "model/host.h"

struct source;

/*
 * A host with only online CPUs, vms[] and the irqbalance pid filled in: one pass over
 * proc/ (a comm read per process and per thread of multi-threaded processes, stat and
 * status of VM threads). Free with host_free(). 0, or -ENOENT when no process was
 * readable (h is valid and empty either way).
 */
int host_build_vms(struct host *h, const struct source *src);

/*
 * Re-read the stat of every known VM thread (last CPU, state, guest time): the cheap
 * update between full scans. A thread that is gone gets last_cpu -1 and state '\0'.
 */
void host_vms_refresh(struct host *h, const struct source *src);

/* "vcpu-kvm", "vcpu-tcg", "vcpu-firecracker", "vcpu-cloud-hypervisor", "vcpu-crosvm", "vhost", "other" */
const char *vm_thread_kind_name(enum vm_thread_kind k);

#endif
