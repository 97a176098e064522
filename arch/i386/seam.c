/*
 * seam.c (i386) - the hardware seam (seam.h) on the real CPU.
 *
 * The kernel zone is identity-mapped in every address space, and before
 * paging is on every address is its own physical address, so hw_phys and
 * hw_kva are plain casts.
 *
 * The disk is the ATA disk ata_init() found (ata.h).  DMA reaches a frame
 * by its physical address; PIO needs the CPU to reach it, and a user-zone
 * frame is mapped nowhere, so the PIO path borrows a kmap window for the
 * length of the transfer: the one place the seam calls back into the core.
 */
#include "seam.h"
#include "ata.h"
#include "cpu.h"
#include "cpufeat.h"
#include "gdt.h"
#include "errors.h"
#include "kmap.h"
#include "mmu.h"
#include "qemu.h"
#include "serial.h"
#include "spinlock.h"

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
	if (!cpu_features()->pge) { /* no entry is global: a CR3 load drops them all */
		write_cr3(read_cr3());
		return;
	}
	uint32_t cr4 = read_cr4();
	/* any write that changes CR4.PGE flushes the whole TLB, global entries too */
	write_cr4(cr4 ^ CR4_PGE);
	write_cr4(cr4);
}

/*
 * CR4.PGE only where CPUID reports it: an i486 has no CR4 at all.  Without
 * it the G bits of the kernel's entries mean nothing, and the CPU ignores
 * them.
 */
void hw_enable_paging(paddr_t pd)
{
	write_cr3(pd);
	write_cr0(read_cr0() | CR0_PG | CR0_WP);
	if (cpu_features()->pge)
		write_cr4(read_cr4() | CR4_PGE);
	tss_set_double_fault_cr3(pd);
}

bool hw_paging_enabled(void)
{
	return read_cr0() & CR0_PG;
}

uint32_t hw_disk_pages(void)
{
	return ata_pages();
}

/* The disk's registers: the core may ask for transfers on several CPUs at once (seam.h). */
static struct spinlock disk_lock = SPINLOCK_INIT("the disk", DISK_RANK);

static int transfer(uint32_t page, paddr_t frame, bool write)
{
	if (ata_dma_in_use())
		return ata_dma_page(page, frame, write);
	vaddr_t va = pt_kmap(frame);
	int rc = ata_pio_page(page, hw_kva(va), write);
	pt_kunmap(va);
	return rc;
}

static int disk_transfer(uint32_t page, paddr_t frame, bool write)
{
	if (page >= ata_pages())
		return -E_RANGE;
	if (!IS_ALIGNED(frame, PAGE_SIZE))
		return -E_INVAL;
	spin_lock(&disk_lock);
	int rc = transfer(page, frame, write);
	spin_unlock(&disk_lock);
	return rc;
}

int hw_disk_read(uint32_t page, paddr_t frame)
{
	return disk_transfer(page, frame, false);
}

int hw_disk_write(uint32_t page, paddr_t frame)
{
	return disk_transfer(page, frame, true);
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
