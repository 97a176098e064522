/*
 * trampoline.S - an application processor's way from real mode to the
 * kernel (trampoline.h).
 *
 * Never run where it is linked: smp.c copies it to TRAMPOLINE_PA, so every
 * address in it is computed from there (AT).  The AP arrives from a
 * startup IPI in real mode with CS = TRAMPOLINE_VECTOR << 8, IP = 0 and
 * interrupts off.  It loads a flat GDT of its own (the kernel's selectors,
 * as boot.S's), enters protected mode, turns paging on with the master
 * table the BSP uses and its paging bits (paging step 6), and calls the C
 * entry on its own stack.  The C entry loads the CPU's own GDT and TSS.
 *
 * It lives in .rodata: it is data to the kernel, and objdump -d, which
 * reads only code, would decode its 16-bit half wrongly.
 */
#include "cpu.h"
#include "trampoline.h"

#define AT(label) (TRAMPOLINE_PA + (label) - trampoline_start)

#define CR0_PE 0x00000001 /* protected mode */
#define CR0_WP 0x00010000 /* supervisor writes honour R/W, as on the BSP */
#define CR0_NW 0x20000000 /* not write-through, and... */
#define CR0_CD 0x40000000 /* ...cache disabled: what INIT leaves */
#define CR0_PG 0x80000000 /* paging */

	.section .rodata
	.balign 16
	.globl trampoline_start, trampoline_params, trampoline_end

	.code16
trampoline_start:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	lgdtl AT(tramp_gdt_desc)
	movl %cr0, %eax
	andl $~(CR0_CD | CR0_NW), %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl $SEG_KCODE, $AT(tramp_32)

	.code32
tramp_32:
	movw $SEG_KDATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	movw %ax, %ss
	/* CR4 first: an i486 has none, and there the BSP leaves 0 */
	movl AT(trampoline_params) + TP_CR4, %eax
	testl %eax, %eax
	jz 1f
	movl %eax, %cr4
1:	movl AT(trampoline_params) + TP_CR3, %eax
	movl %eax, %cr3
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP), %eax
	movl %eax, %cr0
	/* paging is on: this page and the kernel are identity-mapped in the master */
	movl AT(trampoline_params) + TP_ESP, %esp
	xorl %ebp, %ebp /* ends the frame-pointer chain */
	pushl AT(trampoline_params) + TP_ARG
	movl AT(trampoline_params) + TP_ENTRY, %eax
	call *%eax
2:	cli
	hlt
	jmp 2b

	.balign 8
tramp_gdt:
	.quad 0                  /* the null descriptor */
	.quad 0x00CF9B000000FFFF /* SEG_KCODE: base 0, limit 4 GiB, ring 0, execute/read */
	.quad 0x00CF93000000FFFF /* SEG_KDATA: base 0, limit 4 GiB, ring 0, read/write */
tramp_gdt_end:

	.balign 4
	.word 0
tramp_gdt_desc:
	.word tramp_gdt_end - tramp_gdt - 1
	.long AT(tramp_gdt)

	.balign 4
trampoline_params:
	.skip TP_SIZE
trampoline_end:

	.section .note.GNU-stack, "", @progbits
