/*
 * Every threshold a rule and a renderer (or two rules) share, once: one #define each, with
 * why it has that value. The questions that use them are model/query.h's; nothing else
 * writes these numbers.
 */
#ifndef IRQSIGHT_MODEL_THRESHOLDS_H
#define IRQSIGHT_MODEL_THRESHOLDS_H

/* ---- device-interrupt hotspots (query.c: hotspot_threshold, is_hotspot_share) */
/* "Most" of the load is this many fair shares (3 of 8 CPUs: 37.5%) ... */
#define HOTSPOT_FAIR_SHARES 3.0
/* ... but never under half of it (small hosts: 2 CPUs would call 100% "most") ... */
#define HOTSPOT_SHARE_MIN 0.5
/* ... and never over 80% (big hosts: 3 of 2 CPUs is no share at all). */
#define HOTSPOT_SHARE_MAX 0.8
/* On hosts of HOTSPOT_BIG_HOST CPUs and more a quarter of the load is a hotspot too when
 * it is at least HOTSPOT_BIG_FAIR_SHARES fair shares (one CPU of 112 taking 37%). */
#define HOTSPOT_BIG_HOST 32
#define HOTSPOT_BIG_SHARE 0.25
#define HOTSPOT_BIG_FAIR_SHARES 8

/* ---- enough load to judge at all (query.c: load_is_significant, softirq_is_significant) */
/* Rates: below this many interrupts (or softirqs) a second a skew is noise. */
#define SIGNIFICANT_RATE 500
/* Counts since boot: a million device interrupts (or softirqs) ... */
#define SIGNIFICANT_COUNT 1e6
/* ... or, device interrupts with a known uptime, at least this many at SIGNIFICANT_RATE
 * on average (a host that booted a minute ago). */
#define SIGNIFICANT_COUNT_MIN 1000

/* ---- a busy device IRQ (query.c: irq_is_busy) */
/* Sampled: this many interrupts a second ... */
#define BUSY_RATE 1000
/* ... or (tracepoints) this % of one CPU's time: a few hundred slow handlers a second
 * steal as much as thousands of fast ones. */
#define BUSY_TIME_PCT 5.0
/* Since boot: this many interrupts and at least BUSY_SHARE of all device interrupts. */
#define BUSY_COUNT 100000
#define BUSY_SHARE 0.01

/* ---- where an IRQ lands (query.c: irq_cpus with IRQ_CPUS_TARGET) */
/* An smp_affinity of at most this many CPUs is where it lands (a wider one is a default) ... */
#define TARGET_AFFINITY_MAX 4
/* ... else the CPUs that took at least 1/TARGET_COUNT_DIV (10%) of its count. */
#define TARGET_COUNT_DIV 10

/* ---- hot softirq CPUs (query.c: softirq_hot_cpus) */
/* A CPU whose NET_RX or BLOCK softirqs are at least this many fair shares ... */
#define SOFTIRQ_HOT_FAIR_SHARES 2
/* ... and this share of the total (vCPUs there are preempted by them). */
#define SOFTIRQ_HOT_SHARE 0.1

/* top (model/top.c, docs/top.md "Hotspots"): a CPU is hot when ... */
/* ... at least this % of its time goes to hardirq + softirq handlers (measured times only:
 * tracepoints or an IRQ-time-accounting /proc/stat, never a tick estimate) */
#define TOP_HOT_CPU_PCT 20.0
/* ... or it takes at least this many device IRQs (or NET_RX + BLOCK softirqs) per second ... */
#define TOP_HOT_CPU_RATE 1000.0
/* ... that are at least this share (0..1) of the host's (on a host of more than one CPU) */
#define TOP_HOT_CPU_SHARE 0.5
/* An IRQ source is hot when it fires at least TOP_HOT_CPU_RATE per second with at least
 * this share (0..1) of it on one CPU ... */
#define TOP_HOT_SRC_SHARE 0.9
/* ... or its handler takes at least this % of one CPU (tracepoints) */
#define TOP_HOT_SRC_PCT 5.0

#endif
