/* fault.c - the page-fault handler (fault.h). */
#include <pagetrack/errors.h>
#include <pagetrack/mmu.h>
#include <pagetrack/vmspace.h>
#include "console.h"
#include "cpu.h"
#include "fault.h"
#include "idt.h"
#include "probe_fixup.h"
#include "ring3.h"

struct fault_counts fault_counts;
static uint32_t zero_lo, zero_hi;

void fault_set_demand_zero(uint32_t lo, uint32_t hi)
{
	zero_lo = lo;
	zero_hi = hi;
}

static bool is_demand_zero(uint32_t va)
{
	return va >= zero_lo && va < zero_hi;
}

/* pagetrack's answer to a fault at va in address space as: 0 when it was resolved. */
static int resolve(int as, uint32_t va, uint32_t err)
{
	paddr_t pa;
	int rc = pt_vm_fault(as, va, err);

	if (rc != -E_FAULT || !is_demand_zero(va))
		return rc;
	rc = pt_vm_resolve(as, va, err & (PF_W | PF_U), VM_MAP_FLAGS, &pa);
	if (rc == 0)
		fault_counts.zero_fills++;
	return rc;
}

/*
 * A ring 0 probe's fault goes back to it, and a ring 3 probe's ends it;
 * any other goes to pagetrack.  One pagetrack does not resolve ends the
 * ring 3 program that took it, and is fatal in the kernel.
 */
bool page_fault(struct trap_frame *tf)
{
	uint32_t va = read_cr2();
	int as = pt_vm_live();

	if (probe_fixup(tf))
		return true;
	if (trap_from_user(tf) && !ring3_resolves_faults())
		ring3_fault(tf);
	int rc = as > 0 ? resolve(as, va, tf->err) : -E_FAULT;
	fault_counts.last_err = tf->err;
	if (rc == 0) {
		fault_counts.resolved++;
		return true;
	}
	if (trap_from_user(tf))
		ring3_fault(tf);
	kprintf("page fault at 0x%08x in address space %d: %s (%s)\n", va, as, pt_err_name(rc),
		pt_err_cause(rc));
	return false;
}
