/*
 * boot.S - multiboot entry: from physical addresses to the higher half.
 *
 * The loader enters _start at its physical address (the linker script
 * gives the ELF entry as _start - KERNEL_BASE), paging off, EAX = the
 * multiboot magic, EBX = the physical address of the multiboot info.  We
 * map the first BOOT_MAP_SIZE bytes twice, at 0 (so that the instructions
 * right after turning paging on still run) and at KERNEL_BASE, with 4 KiB
 * page tables, which every CPU QEMU emulates has; jump to the higher half;
 * load our GDT; drop the low map; and call kmain(magic, mbi).
 */
#include "kernel.h"

#define V2P(x) ((x) - KERNEL_BASE)
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x3 /* modules page aligned, memory map wanted */
#define PTE_PW 0x3   /* present, writable */
#define BOOT_TABLES (BOOT_MAP_SIZE >> 22)
#define CR0_PG 0x80000000
	.set HIGH_PDES, (KERNEL_BASE >> 22) * 4 /* byte offset of PDE 768 */

	.section .multiboot, "a"
	.balign 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.globl _start
_start:
	cli
	cld
	movl %eax, %esi              /* keep the magic and the info across the loops */
	movl %ebx, %edi

	/* a loader zeroes bss for an ELF image; make sure, since the boot map lies there */
	movl $V2P(bss_start), %edi
	movl $V2P(bss_end), %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb
	movl %ebx, %edi

	/* one PTE for each page of the boot map: pa | present | writable */
	movl $V2P(boot_tables), %edx
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $12, %eax
	orl $PTE_PW, %eax
	movl %eax, (%edx,%ecx,4)
	incl %ecx
	cmpl $(BOOT_TABLES * 1024), %ecx
	jb 1b

	/* PDEs 0.. and 768.. both point at those tables */
	movl $V2P(boot_pd), %ebx
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $12, %eax
	addl $(V2P(boot_tables) + PTE_PW), %eax
	movl %eax, (%ebx,%ecx,4)
	movl %eax, HIGH_PDES(%ebx,%ecx,4)
	incl %ecx
	cmpl $BOOT_TABLES, %ecx
	jb 2b

	movl %ebx, %cr3
	movl %cr0, %eax
	orl $CR0_PG, %eax
	movl %eax, %cr0
	movl $higher_half, %eax
	jmp *%eax

higher_half:
	lgdt gdt_desc
	ljmp $KCODE_SEL, $3f
3:	movw $KDATA_SEL, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	movw %ax, %ss
	movl $boot_stack_top, %esp
	xorl %ebp, %ebp

	/* nothing runs at low addresses any more: drop them, then flush the TLB */
	xorl %ecx, %ecx
4:	movl $0, boot_pd(,%ecx,4)
	incl %ecx
	cmpl $BOOT_TABLES, %ecx
	jb 4b
	movl %cr3, %eax
	movl %eax, %cr3

	pushl %edi
	pushl %esi
	call kmain
5:	cli
	hlt
	jmp 5b

/*
 * Flat segments for rings 0 and 3, and a TSS slot that tss_init() fills
 * (the CPU takes the ring 0 stack from the TSS when a ring 3 probe traps).
 */
	.data
	.balign 8
	.globl gdt
gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF /* kernel code */
	.quad 0x00CF92000000FFFF /* kernel data */
	.quad 0x00CFFA000000FFFF /* user code */
	.quad 0x00CFF2000000FFFF /* user data */
	.quad 0                  /* TSS */
gdt_end:
	.balign 4
	.word 0
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.bss
	.balign 4096
	.globl boot_pd
boot_pd:
	.skip 4096
boot_tables:
	.skip BOOT_TABLES * 4096
	.balign 16
boot_stack:
	.skip BOOT_STACK_SIZE
	.globl boot_stack_top
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
