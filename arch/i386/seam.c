/*
 * seam.c (i386) - the hardware seam (seam.h) on the real CPU.
 *
 * The kernel zone is identity-mapped in every address space, and before
 * paging is on every address is its own physical address, so hw_phys and
 * hw_kva are plain casts.
 */
#include "seam.h"
#include "cpu.h"
#include "mmu.h"
#include "qemu.h"
#include "serial.h"

void *hw_phys(paddr_t pa)
{
	return (void *)(uintptr_t)pa;
}

void *hw_kva(vaddr_t va)
{
	return (void *)(uintptr_t)va;
}

void hw_load_cr3(paddr_t pd)
{
	write_cr3(pd);
}

paddr_t hw_cr3(void)
{
	return read_cr3() & PG_ADDR_MASK;
}

vaddr_t hw_cr2(void)
{
	return read_cr2();
}

void hw_invlpg(vaddr_t va)
{
	invlpg(va);
}

void hw_flush_tlb(void)
{
	write_cr3(read_cr3());
}

void hw_flush_tlb_global(void)
{
	uint32_t cr4 = read_cr4();

	/* any write that changes CR4.PGE flushes the whole TLB, global entries too */
	write_cr4(cr4 ^ CR4_PGE);
	write_cr4(cr4);
}

void hw_enable_paging(paddr_t pd)
{
	write_cr3(pd);
	write_cr0(read_cr0() | CR0_PG | CR0_WP);
	write_cr4(read_cr4() | CR4_PGE);
}

bool hw_paging_enabled(void)
{
	return read_cr0() & CR0_PG;
}

void hw_putc(char c)
{
	if (c == '\n')
		serial_putc('\r');
	serial_putc(c);
}

_Noreturn void hw_fail(void)
{
	qemu_exit(false);
}
