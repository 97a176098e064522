/*
 * probe.c - probe() (tests/probe.h) on this kernel: a real access at ring
 * 0 or ring 3 that reports a page fault instead of taking it.  The shared
 * test bodies use it to compare what the tables say with what the CPU
 * does; the boot suite, to see that an unmapped page faults.  At ring 3
 * the access is made by the gate's code (probe_cpu.S), which pagetrack
 * maps at GATE_BASE and opens to ring 3 for the length of the probe.
 */
#include <pagetrack/layout.h>
#include <pagetrack/paging.h>
#include "probe.h"
#include "kernel.h"
#include "probe_fixup.h"
#include "ring3.h"

extern uint32_t probe_kernel_read(uint32_t va, uint32_t *val);
extern uint32_t probe_kernel_write(uint32_t va, uint32_t val);
extern char probe_read_insn[], probe_write_insn[], probe_resume[];
extern char gate_start[], gate_read[], gate_write[];

static uint32_t probe_user(vaddr_t va, uint32_t how, uint32_t *val)
{
	const char *entry = (how & PROBE_WRITE) ? gate_write : gate_read;
	uint32_t back;

	pt_paging_open_gate(true);
	uint32_t r = ring3_run(GATE_BASE + (uint32_t)(entry - gate_start), va, *val, false, &back);
	pt_paging_open_gate(false);
	if (r == 0 && !(how & PROBE_WRITE))
		*val = back;
	return r;
}

uint32_t probe(vaddr_t va, uint32_t how, uint32_t *val)
{
	if (how & PROBE_USER)
		return probe_user(va, how, val);
	return (how & PROBE_WRITE) ? probe_kernel_write(va, *val) : probe_kernel_read(va, val);
}

bool probe_fixup(struct trap_frame *tf)
{
	if (trap_from_user(tf))
		return false;
	if (tf->eip != (uint32_t)probe_read_insn && tf->eip != (uint32_t)probe_write_insn)
		return false;
	tf->eax = PROBE_FAULTED | tf->err;
	tf->eip = (uint32_t)probe_resume;
	return true;
}

uint32_t probe_gate_frame(void)
{
	return virt_to_phys(gate_start);
}
