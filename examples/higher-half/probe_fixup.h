/*
 * probe_fixup.h - the kernel's side of probe() (probe.c): the page-fault
 * handler asks it first, so that a ring 0 probe that faults is reported to
 * the prober instead of resolved or fatal (ring 3 probes end through
 * ring3.h).
 */
#ifndef HH_PROBE_FIXUP_H
#define HH_PROBE_FIXUP_H

#include <stdbool.h>
#include <stdint.h>
#include "idt.h"

/* Whether the fault in tf was a ring 0 probe's: then the probe returns the fault. */
bool probe_fixup(struct trap_frame *tf);

/* The physical frame of the ring 3 probe's code, for pt_paging_set_user_gate. */
uint32_t probe_gate_frame(void);

#endif
