/*
 * cpufeat.h - what this CPU can do, found once at boot, and what pagetrack
 * takes from it.
 *
 * pagetrack runs on every CPU from the i486 up.  It needs what the i486
 * brought: invlpg (one page out of the TLB) and CR0.WP (the kernel's writes
 * obey read-only pages, which copy-on-write relies on), and an x87 (each
 * process has its registers).  It uses global pages (CR4.PGE, for the
 * kernel's mappings) only where CPUID reports them; it maps with 4 KiB
 * pages alone, so 4 MiB pages (PSE) are reported and never used.  Early
 * i486s have no CPUID: a CPU that cannot change EFLAGS.ID has none, and one
 * that cannot change EFLAGS.AC is an i386, which pagetrack cannot run on.
 */
#ifndef PAGETRACK_CPUFEAT_H
#define PAGETRACK_CPUFEAT_H

#include "types.h"

struct cpu_features {
	bool is_386;      /* EFLAGS.AC cannot be set: no invlpg, no CR0.WP */
	bool cpuid;       /* EFLAGS.ID can be changed */
	char vendor[13];  /* "GenuineIntel", or "" without CPUID */
	uint32_t family, model, stepping;
	bool fpu;         /* an x87 */
	bool pse, pge;    /* 4 MiB pages, global pages */
	bool tsc;         /* rdtsc (the benchmarks need it) */
	bool apic;        /* a local APIC, enabled (the other CPUs are started through it) */
};

/*
 * Find what the CPU has, print one line saying it and what pagetrack uses,
 * and return 0; or print why pagetrack cannot run on it and return -1.
 * Call once, early (before paging and processes).
 */
int cpu_detect(void);

/* What cpu_detect found. */
const struct cpu_features *cpu_features(void);

#endif
