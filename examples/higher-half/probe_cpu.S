/*
 * probe.S - one load or store that reports a fault instead of taking it
 * (probe.c).
 *
 * Ring 0: probe_kernel_read/write make the access with EAX = 0; if it
 * faults, probe_fixup() finds EIP at the access, puts the result in EAX
 * and resumes at probe_resume, which returns it.
 *
 * Ring 3: ring3_enter saves the callee-saved registers and ESP, has the
 * TSS take the ring 0 stack from just below them, and irets to `entry` at
 * ring 3 with EAX and EDX as given: the gate page's code for a probe (the
 * address and the value), or a program's.  The code comes back with int
 * $PROBE_RETURN_VECTOR, or faults; either way the kernel calls
 * ring3_leave(result), which drops the trap's frame and returns from
 * ring3_enter.
 */
#include "kernel.h"

	.text
/* uint32_t probe_kernel_read(uint32_t va, uint32_t *val) */
	.globl probe_kernel_read, probe_read_insn
probe_kernel_read:
	movl 4(%esp), %ecx
	xorl %eax, %eax
probe_read_insn:
	movl (%ecx), %edx
	movl 8(%esp), %ecx
	movl %edx, (%ecx)
	ret

/* uint32_t probe_kernel_write(uint32_t va, uint32_t val) */
	.globl probe_kernel_write, probe_write_insn, probe_resume
probe_kernel_write:
	movl 4(%esp), %ecx
	movl 8(%esp), %edx
	xorl %eax, %eax
probe_write_insn:
	movl %edx, (%ecx)
probe_resume:
	ret

/* uint32_t ring3_enter(uint32_t eax, uint32_t edx, uint32_t entry) */
	.globl ring3_enter
ring3_enter:
	pushl %ebp
	pushl %ebx
	pushl %esi
	pushl %edi
	movl %esp, ring3_saved_esp
	pushl %esp
	call tss_set_kernel_stack
	addl $4, %esp
	movl 20(%esp), %eax
	movl 24(%esp), %edx
	movl 28(%esp), %ecx
	movw $UDATA_SEL, %bx
	movw %bx, %ds
	movw %bx, %es
	movw %bx, %fs
	movw %bx, %gs
	pushl $UDATA_SEL /* ss */
	pushl $0         /* esp: the gate's code uses no stack */
	pushl $0x2       /* eflags: interrupts off */
	pushl $UCODE_SEL
	pushl %ecx       /* eip */
	iret

/* _Noreturn void ring3_leave(uint32_t result) */
	.globl ring3_leave
ring3_leave:
	movl 4(%esp), %eax
	movl ring3_saved_esp, %esp
	popl %edi
	popl %esi
	popl %ebx
	popl %ebp
	ret

	.bss
	.balign 4
ring3_saved_esp:
	.long 0

/* The gate page: ring 3 code that pagetrack maps at GATE_BASE; no absolute addresses. */
	.section .gate, "ax"
	.balign 4096
	.globl gate_start, gate_read, gate_write
gate_start:
gate_read:
	movl (%eax), %edx
	int $PROBE_RETURN_VECTOR
gate_write:
	movl %edx, (%eax)
	int $PROBE_RETURN_VECTOR
	.balign 4096

/*
 * A ring 3 program for the boot suite, copied into a user page: store EDX
 * at EAX, load it back plus one, return.  No absolute addresses.
 */
	.section .rodata
	.globl user_program, user_program_end
user_program:
	movl %edx, (%eax)
	movl (%eax), %edx
	incl %edx
	int $PROBE_RETURN_VECTOR
user_program_end:

	.section .note.GNU-stack, "", @progbits
