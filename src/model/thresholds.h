/*
 * Thresholds of the model's judgements, one #define each, so a number that decides
 * "hot" is written once and documented beside its meaning.
 */
#ifndef IRQSIGHT_MODEL_THRESHOLDS_H
#define IRQSIGHT_MODEL_THRESHOLDS_H

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
