/*
 * ring3.h - running code at ring 3 until it comes back: the ring 3 probes
 * (probe.c) and the boot suite's program.  The code comes back with int
 * $PROBE_RETURN_VECTOR, or a page fault ends it.
 */
#ifndef HH_RING3_H
#define HH_RING3_H

#include <stdbool.h>
#include <stdint.h>
#include "idt.h"

/*
 * Run from entry at ring 3 with EAX = a and EDX = d.  Returns 0 and the
 * code's EDX in *d_out when it came back; PROBE_FAULTED | the error code
 * when a page fault ended it.  With `resolve` its page faults go to
 * pagetrack first, as a process's do, and only one that is not resolved
 * ends it; without, every fault does (a probe).
 */
uint32_t ring3_run(uint32_t entry, uint32_t a, uint32_t d, bool resolve, uint32_t *d_out);

/* Whether a page fault from ring 3 goes to pagetrack: the run resolves faults. */
bool ring3_resolves_faults(void);

/* End the ring 3 run with the page fault in tf; for a trap from ring 3. */
_Noreturn void ring3_fault(const struct trap_frame *tf);

/* int $PROBE_RETURN_VECTOR: ends the ring 3 run, if the trap is its. */
void ring3_returned(const struct trap_frame *tf);

#endif
