/*
 * fault.h - the page-fault handler: pagetrack's fault path for the live
 * address space, demand-zero memory where the kernel says there is some,
 * and the probes' faults first (probe.c, ring3.h).
 */
#ifndef HH_FAULT_H
#define HH_FAULT_H

#include <stdbool.h>
#include <stdint.h>

/* Faults at [lo, hi) of a live address space get a zeroed page (lo == hi: none). */
void fault_set_demand_zero(uint32_t lo, uint32_t hi);

/* Faults resolved since boot, and of them the ones that mapped a zeroed page. */
struct fault_counts {
	uint32_t resolved, zero_fills;
	uint32_t last_err; /* the error code of the last fault that went to pagetrack */
};
extern struct fault_counts fault_counts;

#endif
