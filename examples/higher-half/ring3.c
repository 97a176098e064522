/* ring3.c - ring 3 runs (ring3.h); the assembly is in probe_cpu.S. */
#include "ring3.h"
#include "console.h"
#include "probe.h"

extern uint32_t ring3_enter(uint32_t eax, uint32_t edx, uint32_t entry);
extern _Noreturn void ring3_leave(uint32_t result);

static bool running, resolving;
static uint32_t edx_back; /* the code's EDX when it came back */

uint32_t ring3_run(uint32_t entry, uint32_t a, uint32_t d, bool resolve, uint32_t *d_out)
{
	running = true;
	resolving = resolve;
	uint32_t r = ring3_enter(a, d, entry);
	running = false;
	if (r == 0)
		*d_out = edx_back;
	return r;
}

bool ring3_resolves_faults(void)
{
	return resolving;
}

_Noreturn void ring3_fault(const struct trap_frame *tf)
{
	if (!running)
		panic("a page fault from ring 3 with nothing running there");
	ring3_leave(PROBE_FAULTED | tf->err);
}

void ring3_returned(const struct trap_frame *tf)
{
	if (!running || !trap_from_user(tf))
		return;
	edx_back = tf->edx;
	ring3_leave(0);
}
