/*
 * crt0.S - where every user program starts.
 *
 * The kernel enters _start in ring 3 with EAX = the program's argument and
 * ESP = STACK_TOP.  main(arg) runs on that stack, and what it returns
 * becomes the exit status.
 */
	.section .text.start, "ax"
	.globl _start
	.type _start, @function
_start:
	xorl %ebp, %ebp		/* the end of the frame chain, for debuggers */
	subl $12, %esp		/* main is entered with ESP + 4 16-byte aligned */
	pushl %eax
	call main
	movl %eax, (%esp)
	call exit
1:	jmp 1b
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits
