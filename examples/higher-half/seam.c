/*
 * seam.c - the hw_* functions pagetrack calls (pagetrack/seam.h), for a
 * higher-half kernel: physical address pa is at KERNEL_BASE + pa, in the
 * boot map and then in pagetrack's master table.  No swap disk.
 */
#include <pagetrack/errors.h>
#include <pagetrack/seam.h>
#include "console.h"
#include "cpu.h"
#include "kernel.h"

#define CPUID_PGE (1u << 13)

static bool pagetrack_tables_live; /* hw_enable_paging ran: CR3 holds pagetrack's master */

void *hw_phys(paddr_t pa)
{
	return phys_to_virt(pa);
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
	return read_cr3() & ~0xFFFu;
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

static bool cpu_has_pge(void)
{
	return has_cpuid() && (cpuid1_edx() & CPUID_PGE);
}

void hw_flush_tlb_global(void)
{
	if (!cpu_has_pge()) {
		hw_flush_tlb();
		return;
	}
	uint32_t cr4 = read_cr4();
	write_cr4(cr4 ^ CR4_GLOBAL_PAGES); /* toggling PGE drops the global entries too */
	write_cr4(cr4);
}

/*
 * Paging is on since boot.S: here we only move to pagetrack's master,
 * which maps this code at the same address, and turn on what it relies on
 * (WP: copy-on-write pages are read-only to the kernel too; PGE: its
 * kernel entries are global).
 */
void hw_enable_paging(paddr_t pd)
{
	write_cr3(pd);
	write_cr0(read_cr0() | CR0_WRITE_PROTECT);
	if (cpu_has_pge())
		write_cr4(read_cr4() | CR4_GLOBAL_PAGES);
	pagetrack_tables_live = true;
}

bool hw_paging_enabled(void)
{
	return pagetrack_tables_live;
}

uint32_t hw_disk_pages(void)
{
	return 0;
}

int hw_disk_read(uint32_t page, paddr_t frame)
{
	(void)page;
	(void)frame;
	return -E_RANGE;
}

int hw_disk_write(uint32_t page, paddr_t frame)
{
	(void)page;
	(void)frame;
	return -E_RANGE;
}

void hw_putc(char c)
{
	console_putc(c);
}

_Noreturn void hw_fail(void)
{
	qemu_exit(false);
}
