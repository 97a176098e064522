/*
 * acpi.h - the CPUs and interrupt controllers the firmware's ACPI tables
 * list: the MADT (ACPI 6.5, 5.2.12), found through the RSDP (5.2.5, in
 * the first KiB of the EBDA or in the BIOS area 0xE0000-0xFFFFF) and the
 * RSDT (5.2.7).
 *
 * The tables lie where the firmware put them: page 0 holds the EBDA's
 * segment, and QEMU puts the tables at the top of RAM, in the user zone.
 * Paging maps neither for the kernel, so they are read before it is on,
 * once, and what the kernel needs is kept.
 */
#ifndef PAGETRACK_ACPI_H
#define PAGETRACK_ACPI_H

#include "types.h"

#define MADT_CPUS_MAX 32   /* local APICs kept; more are counted */
#define MADT_IOAPICS_MAX 4 /* IO APICs kept; more are counted */

struct madt_ioapic {
	uint32_t id;
	paddr_t base;     /* its registers */
	uint32_t gsi_base; /* the first global system interrupt it takes */
};

struct madt_info {
	paddr_t where;                    /* the MADT's own address */
	paddr_t lapic;                    /* every local APIC's registers, each CPU seeing its own */
	uint32_t ncpus;                   /* enabled processors' local APICs */
	uint32_t apic_ids[MADT_CPUS_MAX]; /* the first of them, in the table's order */
	uint32_t nioapics;
	struct madt_ioapic ioapics[MADT_IOAPICS_MAX];
};

/*
 * Find the MADT and read it into *m.  Paging must still be off.  Returns
 * 0, or -E_NOENT when there is no RSDP, RSDT or MADT, or one whose
 * checksum is wrong or whose length cannot be, with *why saying which.
 */
int acpi_read_madt(struct madt_info *m, const char **why);

#endif
