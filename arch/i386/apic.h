/*
 * apic.h - the local APIC of each CPU and the IO APICs, through their
 * registers in the MMIO window (layout.h, pt_paging_map_mmio).
 *
 * Interrupts still come from the 8259 PICs, through the boot CPU's local
 * APIC as the firmware set it up (LINT0 in virtual-wire mode), which the
 * kernel leaves as it is.  The boot CPU's local APIC serves to start the
 * others (INIT and startup IPIs, SDM vol. 3A, 8.4.4); an AP enables its
 * own with every local interrupt masked.  The IO APICs are mapped and
 * read, not used yet.
 */
#ifndef PAGETRACK_APIC_H
#define PAGETRACK_APIC_H

#include "types.h"

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
