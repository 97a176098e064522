/*
 * kprobe.h - the kernel's side of probe() (tests/probe.h): the fault fixup
 * the page-fault handler consults, and the user gate it needs.
 */
#ifndef PAGETRACK_KPROBE_H
#define PAGETRACK_KPROBE_H

#include "idt.h"

/* Open the gate's return vector.  Paging must map the gate (probe_gate_frame). */
void probe_init(void);

/* The frame holding the gate code, for paging initialisation to map at GATE_BASE. */
paddr_t probe_gate_frame(void);

/*
 * A page fault with error code err: if a probe caused it, make the probe
 * return PROBE_FAULTED | err and return true (or never return, for a CPL 3
 * probe); otherwise return false.
 */
bool probe_fixup(struct trap_frame *tf, uint32_t err);

#endif
