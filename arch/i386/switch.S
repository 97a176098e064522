/*
 * switch.S - switching kernel stacks between the scheduler and processes.
 *
 * void context_switch(uint32_t *save_esp, uint32_t next_esp)
 *
 * Saves the callee-saved registers on the current stack, stores ESP in
 * *save_esp, loads next_esp and pops the registers saved there; the `ret`
 * then returns to wherever that stack last called context_switch.  A new
 * process's stack is laid out so that the return lands on trap_return,
 * which irets to ring 3 from the trap frame above it.
 */
	.text
	.globl context_switch
	.type context_switch, @function
context_switch:
	movl 4(%esp), %eax
	movl 8(%esp), %edx
	pushl %ebp
	pushl %ebx
	pushl %esi
	pushl %edi
	movl %esp, (%eax)
	movl %edx, %esp
	popl %edi
	popl %esi
	popl %ebx
	popl %ebp
	ret
	.size context_switch, . - context_switch

	.section .note.GNU-stack, "", @progbits
