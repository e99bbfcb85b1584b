/*
 * Baselines: the interrupt profile of a known-good host, saved as a small versioned
 * text file (docs/baseline.md) and compared later — on the same host after a reboot,
 * BIOS or kernel update, or on another host of the same model — to report drift.
 *
 * The file is a line format parsed strictly (every line known, every value checked),
 * not JSON: it works in the libc-only static build (initramfs, boot-time assertion),
 * diffs well under version control, and the parser is small enough to be obviously
 * right. Values are %-encoded so that no value can contain a space or newline.
 *
 * Invariants: everything of a baseline lives in b->arena; "unknown" is kept as
 * unknown (NULL, -1, TRI_UNKNOWN) and never compared: an unknown value is no drift.
 *
 * This file is the format's data and parser; model/baseline.h takes a profile from a host,
 * rules/drift.h compares two, render/baseline.h writes the file and the check's report.
 */
#ifndef IRQSIGHT_PARSE_BASELINE_H
#define IRQSIGHT_PARSE_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse/modes.h"
#include "util/arena.h"
#include "util/compat.h"

#define BASELINE_VERSION 1

struct baseline_dev {
	const char *bdf;
	bool has_ids;
	uint16_t vendor, device;
	const char *driver;	/* "" when no driver is bound, NULL unknown */
	enum irq_mode irq_mode;	/* IRQ_MODE_UNKNOWN when unknown */
	int msix_table;		/* MSI-X table size, 0 = no MSI-X capability, -1 unknown */
	int vectors;		/* Linux IRQs in use, -1 unknown */
	int rx_queues, tx_queues;	/* network queues, -1 unknown / not a NIC */
	/* Affinity policy in force, from smp_affinity_list of the device's vectors in
	 * vector order: "default" (every vector allowed on every online CPU), "managed"
	 * (kernel-managed spreading), or the per-vector CPU lists joined by '/'. NULL unknown. */
	const char *affinity;
	/* Name pattern of the device's first interrupt handler, digits as 'N' and any
	 * "[..]"/"(..)" suffix cut ("nvmeNqN", "vfio-msix"): tells a driver change
	 * when sysfs (the bound driver) could not be read. NULL unknown. */
	const char *handler;
};

struct baseline {
	struct arena arena;
	int version;
	const char *kernel;		/* osrelease, NULL unknown */
	const char **cmdline;		/* kernel parameters that matter (raw "key=val"), sorted */
	int ncmdline;
	bool has_cmdline;
	enum tri iommu, interrupt_remapping, x2apic;
	enum ir_mode ir_mode;
	int online_cpus;		/* -1 unknown */
	enum tri irqbalance;		/* running */
	const char *irqbalance_banned;	/* cpu list of the ban in force, NULL unknown */
	struct baseline_dev *devs;	/* sorted by bdf */
	int ndevs;
};

/*
 * Parse the file format strictly. 0, or -EINVAL with a message "line N: ..." in
 * err (unknown key, bad value, duplicate device, missing or newer version).
 */
int baseline_parse(struct baseline *b, const char *text, size_t len, char *err, size_t errlen);
void baseline_free(struct baseline *b);
/* The order a baseline keeps: cmdline[] and devs[] (by bdf) sorted. */
void baseline_sort_cmdline(struct baseline *b);
void baseline_sort_devs(struct baseline *b);

#endif
