/*
 * probe.S - the loads and stores behind probe() (tests/probe.h) on the
 * real CPU: at CPL 0 with a fault fixup, and at CPL 3 through the user
 * gate.
 *
 * CPL 0: probe_kernel_read/write do one 32-bit access with EAX = 0.  If it
 * faults, the page-fault handler finds EIP at probe_kread_insn or
 * probe_kwrite_insn, puts the result in EAX and resumes at
 * probe_kernel_fixup, which returns.
 *
 * CPL 3: probe_user_enter saves the callee-saved registers and ESP, points
 * the TSS's ring-0 stack just below them, and irets to ring 3 at an entry
 * of the gate page with EAX = the address and EDX = the value.  The gate
 * code does the access and executes `int $PROBE_VECTOR`; if the access
 * faults instead, the page fault arrives from ring 3 at a gate address.
 * Either way the kernel's handler calls probe_user_resume(result), which
 * drops the trap's stack and returns from probe_user_enter with it.
 */
#include "cpu.h"

#define PROBE_VECTOR 0x81

	.text
/* uint32_t probe_kernel_read(vaddr_t va, uint32_t *val) */
	.globl probe_kernel_read, probe_kread_insn
	.type probe_kernel_read, @function
probe_kernel_read:
	movl 4(%esp), %ecx
	xorl %eax, %eax
probe_kread_insn:
	movl (%ecx), %edx
	movl 8(%esp), %ecx
	movl %edx, (%ecx)
	ret
	.size probe_kernel_read, . - probe_kernel_read

/* uint32_t probe_kernel_write(vaddr_t va, uint32_t val) */
	.globl probe_kernel_write, probe_kwrite_insn, probe_kernel_fixup
	.type probe_kernel_write, @function
probe_kernel_write:
	movl 4(%esp), %ecx
	movl 8(%esp), %edx
	xorl %eax, %eax
probe_kwrite_insn:
	movl %edx, (%ecx)
probe_kernel_fixup:
	ret
	.size probe_kernel_write, . - probe_kernel_write

/* uint32_t probe_user_enter(vaddr_t va, uint32_t val, vaddr_t entry) */
	.globl probe_user_enter
	.type probe_user_enter, @function
probe_user_enter:
	pushl %ebp
	pushl %ebx
	pushl %esi
	pushl %edi
	movl %esp, probe_saved_esp
	pushl %esp
	call tss_set_kernel_stack
	addl $4, %esp
	call klock_give /* ring 3 holds no lock: the gate's trap takes it again */
	movl 20(%esp), %eax
	movl 24(%esp), %edx
	movl 28(%esp), %ecx
	movw $SEG_UDATA, %bx
	movw %bx, %ds
	movw %bx, %es
	movw %bx, %fs
	movw %bx, %gs
	pushl $SEG_UDATA /* ss */
	pushl $0         /* esp: the gate code uses no stack */
	pushl $0x2       /* eflags: interrupts off (bit 1 is always set) */
	pushl $SEG_UCODE
	pushl %ecx
	iret
	.size probe_user_enter, . - probe_user_enter

/* _Noreturn void probe_user_resume(uint32_t result): return it from probe_user_enter */
	.globl probe_user_resume
	.type probe_user_resume, @function
probe_user_resume:
	movl 4(%esp), %eax
	movl probe_saved_esp, %esp
	popl %edi
	popl %esi
	popl %ebx
	popl %ebp
	ret
	.size probe_user_resume, . - probe_user_resume

	.bss
	.balign 4
probe_saved_esp:
	.long 0

/*
 * The gate page: code that runs at CPL 3, mapped user-readable at
 * GATE_BASE.  It must not reference anything by absolute address.
 */
	.section .gate, "ax"
	.balign 4096
	.globl gate_start, gate_read, gate_write
gate_start:
gate_read:
	movl (%eax), %edx
	int $PROBE_VECTOR
gate_write:
	movl %edx, (%eax)
	int $PROBE_VECTOR
	.balign 4096
gate_end:

	.section .note.GNU-stack, "", @progbits
