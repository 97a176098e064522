/*
 * programs.S - the user programs' ELF files, copied into the kernel image
 * as they are, and the table programs.h describes.  The Makefile rebuilds
 * this file whenever a program changes.
 */

/* One program: its image, its name, and its entry in the table. */
.macro program name
	.section .rodata.program_images, "a"
	.balign 16
image_\name:
	.incbin "build/user/\name\().elf"
image_end_\name:

	.section .rodata.program_names, "a"
name_\name:
	.asciz "\name"

	.section .rodata.programs, "a"
	.long name_\name, image_\name, image_end_\name - image_\name
.endm

	.section .rodata.programs, "a"
	.balign 4
	.globl programs
	.type programs, @object
programs:
	program init
	program worker
	program utest
	program hello
	program forkwait
	program membench
	program kfail
	program overcommit
	program uswap
	program spin
	program cpus
	program faults
	.section .rodata.programs, "a"
	.long 0, 0, 0
	.size programs, . - programs

	.section .note.GNU-stack, "", @progbits
