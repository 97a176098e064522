/*
 * trampoline.h - where an application processor (AP) starts, and what the
 * boot processor (BSP) leaves there for it (trampoline.S, smp.c).
 *
 * A startup IPI starts an AP in real mode at the page its vector names:
 * vector v starts it at CS = v << 8, IP = 0, physical address v << 12,
 * which must lie below 1 MiB.  The BSP copies the trampoline to that page,
 * fills in the parameters at its end, and starts one AP at a time, so one
 * page serves them all.
 */
#ifndef PAGETRACK_TRAMPOLINE_H
#define PAGETRACK_TRAMPOLINE_H

#define TRAMPOLINE_PA 0x8000 /* conventional memory, free once the boot information is copied */
#define TRAMPOLINE_VECTOR (TRAMPOLINE_PA >> 12)

/* Offsets of the parameters in the block that ends the trampoline. */
#define TP_CR3 0   /* the master table: the CR3 the BSP loaded at paging step 6 */
#define TP_CR4 4   /* the BSP's CR4 (PGE), or 0 on a CPU without CR4 */
#define TP_ESP 8   /* the top of the AP's own kernel stack */
#define TP_ENTRY 12 /* the C function it calls, with TP_ARG: it never returns */
#define TP_ARG 16
#define TP_SIZE 20

#ifndef __ASSEMBLER__

#include "types.h"

struct trampoline_params {
	uint32_t cr3, cr4, esp, entry, arg;
};
_Static_assert(sizeof(struct trampoline_params) == TP_SIZE, "trampoline.S's offsets");

/* The trampoline's code and its parameter block, as linked in the kernel image. */
extern const char trampoline_start[], trampoline_params[], trampoline_end[];

#endif /* __ASSEMBLER__ */

#endif
