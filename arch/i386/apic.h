/*
 * apic.h - the local APIC of each CPU and the IO APICs, through their
 * registers in the MMIO window (layout.h, pt_paging_map_mmio).
 *
 * Device interrupts still come from the 8259 PICs, through the boot CPU's
 * local APIC as the firmware set it up (LINT0 in virtual-wire mode), which
 * the kernel leaves as it is.  The boot CPU's local APIC starts the others
 * (INIT and startup IPIs, SDM vol. 3A, 8.4.4) and sends them interrupts
 * (smp.h); an AP enables its own with LINT0, LINT1 and errors masked, and
 * uses its timer for its slices (timer.h).  The IO APICs are mapped and
 * read, not used yet.
 */
#ifndef PAGETRACK_APIC_H
#define PAGETRACK_APIC_H

#include "types.h"

#define LAPIC_SPURIOUS_VECTOR 0xFF /* never in service, so never acknowledged */

/*
 * Map the local APICs' registers (at pa, the same address on every CPU)
 * in the MMIO window.  Paging must be on.  Returns 0, or the error of
 * pt_paging_map_mmio.
 */
int lapic_map(paddr_t pa);

/* This CPU's local APIC ID (lapic_map first). */
uint32_t lapic_id(void);

/*
 * Enable this CPU's local APIC with its timer, LINT0, LINT1 and error
 * interrupts masked and nothing left to deliver but IPIs: an AP's, which
 * takes no interrupt yet.
 */
void lapic_enable_masked(void);

/*
 * Send interrupt `vector` (32-255) to the CPU whose local APIC ID is
 * apic_id: 0 once sent, or -E_IO if its delivery never completed.
 */
int lapic_send(uint32_t apic_id, uint32_t vector);

/* Tell this CPU's local APIC that the interrupt it delivered was handled. */
void lapic_eoi(void);

/*
 * This CPU's timer: a one-shot counting down at the bus clock, raising
 * `vector` when it reaches 0 (lapic_timer_vector, once per CPU); armed
 * with a count (0 stops it), and read for what is left of it.
 */
void lapic_timer_vector(uint32_t vector);
void lapic_timer_arm(uint32_t count);
uint32_t lapic_timer_left(void);

/*
 * Start the AP whose local APIC ID is apic_id at the page of vector
 * `vector` (its address is vector << 12, below 1 MiB): INIT, 10 ms, a
 * startup IPI, 200 us, a second one, 200 us, as the MP specification and
 * the SDM (vol. 3A, 8.4.4.1) have it.  Returns 0 once the IPIs are sent
 * (whether the AP started is the caller's to see), or -E_IO if the local
 * APIC never reported one delivered.
 */
int lapic_start_ap(uint32_t apic_id, uint32_t vector);

/*
 * Map the registers of the IO APIC at pa and return how many interrupt
 * inputs it has (its version register), or the error of pt_paging_map_mmio.
 */
int ioapic_map(paddr_t pa);

#endif
