/*
 * probe.c - probe() (tests/probe.h) on the real CPU: real loads and stores
 * at CPL 0 with a fault fixup, and at CPL 3 through the user gate (the
 * assembly is in arch/i386/probe.S).
 */
#include "probe.h"
#include "idt.h"
#include "kprobe.h"
#include "layout.h"
#include "paging.h"
#include "spinlock.h"

#define PROBE_VECTOR 0x81 /* the gate's way back: int $0x81 */

extern uint32_t probe_kernel_read(vaddr_t va, uint32_t *val);
extern uint32_t probe_kernel_write(vaddr_t va, uint32_t val);
extern uint32_t probe_user_enter(vaddr_t va, uint32_t val, vaddr_t entry);
extern _Noreturn void probe_user_resume(uint32_t result);
extern char probe_kread_insn[], probe_kwrite_insn[], probe_kernel_fixup[];
extern char gate_start[], gate_read[], gate_write[];

static uint32_t user_value; /* what the gate's load read */
static bool user_probing;   /* a CPL 3 probe is running: the gate's traps are ours */

static bool in_gate(uint32_t eip)
{
	return eip >= GATE_BASE && eip < GATE_BASE + PAGE_SIZE;
}

static vaddr_t gate_entry(const char *label)
{
	return GATE_BASE + (vaddr_t)(label - gate_start);
}

uint32_t probe(vaddr_t va, uint32_t how, uint32_t *val)
{
	uint32_t r;

	if (!(how & PROBE_USER))
		return (how & PROBE_WRITE) ? probe_kernel_write(va, *val)
					   : probe_kernel_read(va, val);
	pt_paging_open_gate(true);
	user_probing = true;
	r = probe_user_enter(va, *val, gate_entry(how & PROBE_WRITE ? gate_write : gate_read));
	user_probing = false;
	pt_paging_open_gate(false);
	if (r == 0 && !(how & PROBE_WRITE))
		*val = user_value;
	return r;
}

/* int $PROBE_VECTOR from the gate: the access went through. */
static bool probe_returned(struct trap_frame *tf)
{
	if (!user_probing || !trap_from_user(tf) || !in_gate(tf->eip))
		return false;
	user_value = tf->edx;
	probe_user_resume(0);
}

bool probe_fixup(struct trap_frame *tf, uint32_t err)
{
	if (trap_from_user(tf)) {
		if (user_probing && in_gate(tf->eip)) {
			if (!klock_held()) /* a fault from ring 3 comes without it (spinlock.h) */
				klock_take();
			probe_user_resume(PROBE_FAULTED | err);
		}
		return false;
	}
	if (tf->eip != (uint32_t)probe_kread_insn && tf->eip != (uint32_t)probe_kwrite_insn)
		return false;
	tf->eax = PROBE_FAULTED | err;
	tf->eip = (uint32_t)probe_kernel_fixup;
	return true;
}

paddr_t probe_gate_frame(void)
{
	return (paddr_t)gate_start;
}

void probe_init(void)
{
	idt_enable(PROBE_VECTOR, 3, probe_returned);
}
