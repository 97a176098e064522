/*
 * boot.S - the multiboot v1 header and the kernel entry point.
 *
 * A multiboot loader (QEMU -kernel, GRUB) enters _start in 32-bit protected
 * mode with paging off, interrupts off, EAX = the multiboot magic and EBX =
 * the physical address of the multiboot information.  The loader's GDT may
 * lie anywhere, so we load our own before touching a segment register, set
 * up the boot stack and call kmain(magic, mbi_phys).
 */
#include "cpu.h"

#define MB_HEADER_MAGIC 0x1BADB002
#define MB_PAGE_ALIGN (1 << 0)  /* modules on page boundaries */
#define MB_MEMORY_INFO (1 << 1) /* mem_lower/mem_upper and the memory map */
#define MB_FLAGS (MB_PAGE_ALIGN | MB_MEMORY_INFO)

#define BOOT_STACK_SIZE 16384

	.section .multiboot, "a"
	.balign 4
	.long MB_HEADER_MAGIC
	.long MB_FLAGS
	.long -(MB_HEADER_MAGIC + MB_FLAGS)

	.text
	.globl _start
	.type _start, @function
_start:
	cli
	cld
	lgdt boot_gdt_desc
	ljmp $SEG_KCODE, $1f
1:	movw $SEG_KDATA, %cx
	movw %cx, %ds
	movw %cx, %es
	movw %cx, %fs
	movw %cx, %gs
	movw %cx, %ss
	movl $boot_stack_top, %esp

	/* bss is zeroed by the loader for an ELF image; make sure, keeping EAX */
	movl %eax, %edx
	movl $bss_start, %edi
	movl $bss_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb
	movl %edx, %eax

	/* EBP = 0 ends the frame-pointer chain for backtraces */
	xorl %ebp, %ebp
	pushl %ebx
	pushl %eax
	call kmain
2:	cli
	hlt
	jmp 2b
	.size _start, . - _start

/*
 * Flat 4 GiB segments.  The accessed bits are preset so that the CPU never
 * writes to the table when it loads a selector.
 */
	.data
	.balign 8
boot_gdt:
	.quad 0                  /* the null descriptor */
	.quad 0x00CF9B000000FFFF /* SEG_KCODE: base 0, limit 4 GiB, ring 0, execute/read */
	.quad 0x00CF93000000FFFF /* SEG_KDATA: base 0, limit 4 GiB, ring 0, read/write */
boot_gdt_end:

	.balign 4
	.word 0
boot_gdt_desc:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.bss
	.balign 16
	.globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
	.skip BOOT_STACK_SIZE
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
