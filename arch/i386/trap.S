/*
 * trap.S - the entry stubs of the CPU exceptions and the common trap path.
 *
 * Each stub makes the stack look the same whatever the vector: the CPU
 * pushes an error code for some exceptions only, so the others push a 0 in
 * its place.  Then the stub pushes its vector number and jumps to
 * trap_common, which saves every register, so the stack holds a complete
 * struct trap_frame (idt.h), and calls trap_dispatch(frame).  If that
 * returns, the registers come back from the frame, which the handler may
 * have changed (a fixup moves EIP), and iret resumes.
 *
 * A trap from ring 3 reads the timer first and takes the big kernel lock
 * (trap_user_enter; a page fault may go without it, spinlock.h), and a
 * return to ring 3 gives the lock back if it holds it and arms the timer
 * last (trap_user_leave): between the two, the kernel's time is not the
 * process's (timer.h).  Both paths are the same instructions every time,
 * so a process is preempted after the same number of its own
 * instructions.
 *
 * trap_stubs[] lists the stubs of all 256 vectors, in order: idt_init()
 * installs the 32 exceptions, idt_enable() the others as they get handlers.
 */
#include "cpu.h"

#define IDT_VECTORS 256
#define FRAME_CS 60 /* offsetof(struct trap_frame, cs): 4 selectors, pushal, vector, error, eip */

.macro STUB_ADDRESS vector
	.long trap_stub_\vector
.endm

/* A vector for which the CPU pushes an error code itself. */
.macro TRAP_ERRCODE vector
	.balign 16
trap_stub_\vector:
	pushl $\vector
	jmp trap_common
.endm

/* A vector without an error code: push 0 to keep the frame's shape. */
.macro TRAP_NOERRCODE vector
	.balign 16
trap_stub_\vector:
	pushl $0
	pushl $\vector
	jmp trap_common
.endm

	.text
/* vectors 8, 10-14, 17, 21, 29 and 30 push an error code (SDM vol. 3A, 6.13) */
TRAP_NOERRCODE 0
TRAP_NOERRCODE 1
TRAP_NOERRCODE 2
TRAP_NOERRCODE 3
TRAP_NOERRCODE 4
TRAP_NOERRCODE 5
TRAP_NOERRCODE 6
TRAP_NOERRCODE 7
TRAP_ERRCODE 8
TRAP_NOERRCODE 9
TRAP_ERRCODE 10
TRAP_ERRCODE 11
TRAP_ERRCODE 12
TRAP_ERRCODE 13
TRAP_ERRCODE 14
TRAP_NOERRCODE 15
TRAP_NOERRCODE 16
TRAP_ERRCODE 17
TRAP_NOERRCODE 18
TRAP_NOERRCODE 19
TRAP_NOERRCODE 20
TRAP_ERRCODE 21
TRAP_NOERRCODE 22
TRAP_NOERRCODE 23
TRAP_NOERRCODE 24
TRAP_NOERRCODE 25
TRAP_NOERRCODE 26
TRAP_NOERRCODE 27
TRAP_NOERRCODE 28
TRAP_ERRCODE 29
TRAP_ERRCODE 30
TRAP_NOERRCODE 31
/* vectors 32-255: interrupts and software traps, none with an error code */
	.altmacro
	.set vec, 32
	.rept IDT_VECTORS - 32
	TRAP_NOERRCODE %vec
	.set vec, vec + 1
	.endr
	.noaltmacro

	.balign 16
	.globl trap_common
	.type trap_common, @function
trap_common:
	pushal
	pushl %ds
	pushl %es
	pushl %fs
	pushl %gs
	/* a trap from user mode arrives with the user's data selectors */
	movw $SEG_KDATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	cld
	testb $3, FRAME_CS(%esp)
	jz 1f
	pushl %esp
	call trap_user_enter
	addl $4, %esp
1:	pushl %esp
	call trap_dispatch
	addl $4, %esp
	.globl trap_return
trap_return:
	testb $3, FRAME_CS(%esp)
	jz 2f
	pushl %esp
	call trap_user_leave
	addl $4, %esp
2:	popl %gs
	popl %fs
	popl %es
	popl %ds
	popal
	addl $8, %esp /* the vector number and the error code */
	iret
	.size trap_common, . - trap_common

	.section .rodata
	.balign 4
	.globl trap_stubs
trap_stubs:
	.altmacro
	.set vec, 0
	.rept IDT_VECTORS
	STUB_ADDRESS %vec
	.set vec, vec + 1
	.endr
	.noaltmacro

	.section .note.GNU-stack, "", @progbits
