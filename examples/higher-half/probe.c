/*
 * probe.c - probe() (tests/probe.h) on this kernel: a real access at ring
 * 0 or ring 3 that reports a page fault instead of taking it.  The shared
 * test bodies use it to compare what the tables say with what the CPU
 * does; the boot suite, to see that an unmapped page faults.
 */
#include <pagetrack/layout.h>
#include <pagetrack/paging.h>
#include "probe.h"
#include "kernel.h"
#include "probe_fixup.h"

extern uint32_t probe_kernel_read(uint32_t va, uint32_t *val);
extern uint32_t probe_kernel_write(uint32_t va, uint32_t val);
extern uint32_t probe_user_enter(uint32_t va, uint32_t val, uint32_t entry);
extern _Noreturn void probe_user_leave(uint32_t result);
extern char probe_read_insn[], probe_write_insn[], probe_resume[];
extern char gate_start[], gate_read[], gate_write[];

static bool user_probing; /* a ring 3 probe runs: the gate's traps are its own */
static uint32_t user_value;

static bool in_gate(uint32_t eip)
{
	return eip - GATE_BASE < PAGE_SIZE;
}

uint32_t probe(vaddr_t va, uint32_t how, uint32_t *val)
{
	if (!(how & PROBE_USER))
		return (how & PROBE_WRITE) ? probe_kernel_write(va, *val)
					   : probe_kernel_read(va, val);
	const char *entry = (how & PROBE_WRITE) ? gate_write : gate_read;
	pt_paging_open_gate(true);
	user_probing = true;
	uint32_t r = probe_user_enter(va, *val, GATE_BASE + (uint32_t)(entry - gate_start));
	user_probing = false;
	pt_paging_open_gate(false);
	if (r == 0 && !(how & PROBE_WRITE))
		*val = user_value;
	return r;
}

bool probe_fixup(struct trap_frame *tf)
{
	if (trap_from_user(tf)) {
		if (user_probing && in_gate(tf->eip))
			probe_user_leave(PROBE_FAULTED | tf->err);
		return false;
	}
	if (tf->eip != (uint32_t)probe_read_insn && tf->eip != (uint32_t)probe_write_insn)
		return false;
	tf->eax = PROBE_FAULTED | tf->err;
	tf->eip = (uint32_t)probe_resume;
	return true;
}

void probe_returned(struct trap_frame *tf)
{
	if (!user_probing || !trap_from_user(tf) || !in_gate(tf->eip))
		return;
	user_value = tf->edx;
	probe_user_leave(0);
}

uint32_t probe_gate_frame(void)
{
	return virt_to_phys(gate_start);
}
