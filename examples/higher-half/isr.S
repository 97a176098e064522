/*
 * isr.S - the entry stubs of the traps this kernel handles: the CPU
 * exceptions 0..31, and PROBE_RETURN_VECTOR.  Each pushes a zero where the
 * CPU pushes no error code, then its vector, and goes to trap_common,
 * which saves the registers as struct trap_frame (idt.h) and calls trap().
 */
#include "kernel.h"

.macro STUB n
	.globl isr\n
isr\n:
	.if (\n == 8 || (\n >= 10 && \n <= 14) || \n == 17)
	.else
	pushl $0
	.endif
	pushl $\n
	jmp trap_common
.endm

	.text
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	STUB \n
	.endr
	STUB PROBE_RETURN_VECTOR

trap_common:
	pushal
	pushl %ds
	pushl %es
	pushl %fs
	pushl %gs
	movw $KDATA_SEL, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	cld
	pushl %esp
	call trap
	addl $4, %esp
	popl %gs
	popl %fs
	popl %es
	popl %ds
	popal
	addl $8, %esp /* vector and error code */
	iret

/* the stubs' addresses, for idt_init() */
	.section .rodata
	.balign 4
	.globl isr_table
isr_table:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.long isr\n
	.endr

	.globl isr_probe_return
	.set isr_probe_return, isr0x81

	.section .note.GNU-stack, "", @progbits
