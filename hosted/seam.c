/*
 * seam.c (hosted) - the hardware seam on x86-64 Linux: physical memory is
 * one buffer, and the model MMU (mmu_model.c) stands in for the CPU's paging.
 * The disk functions are in disk.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "disk.h"
#include "layout.h"
#include "lib.h"
#include "machine.h"
#include "mmu_model.h"
#include "seam.h"
#include "errors.h"
#include "tlb.h"
#include "tracker.h"
#include "vmspace.h"

static uint8_t *ram;
static uint32_t ram_bytes;

void machine_reset(uint32_t bytes)
{
	if (bytes != ram_bytes) {
		machine_release();
		/* fresh anonymous pages are zero, and untouched ones cost nothing */
		void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		if (p == MAP_FAILED) {
			fprintf(stderr, "machine_reset: cannot map %u bytes of RAM\n", bytes);
			exit(2);
		}
		ram = p;
		ram_bytes = bytes;
	} else {
		memset(ram, 0, bytes);
	}
	mmu_reset();
	disk_attach(0);
}

void machine_release(void)
{
	if (ram)
		munmap(ram, ram_bytes);
	ram = NULL;
	ram_bytes = 0;
	disk_release();
}

uint32_t machine_ram_bytes(void)
{
	return ram_bytes;
}

void *hw_phys(paddr_t pa)
{
	if (pa >= ram_bytes)
		panic("hw_phys: 0x%x is outside the %u bytes of RAM", pa, ram_bytes);
	return ram + pa;
}

/*
 * Before paging is on, a higher-half kernel runs on its own boot map
 * (seam.h): the first 1 MiB and the kernel zone at kzone_va(pa).  The
 * model MMU with paging off translates nothing, so that map is this; an
 * address below PT_PHYS_OFFSET wraps past the RAM and hw_phys panics.
 */
static void *boot_map(vaddr_t va)
{
	return hw_phys(va - PT_PHYS_OFFSET);
}

void *hw_kva(vaddr_t va)
{
	if (PT_PHYS_OFFSET != 0 && !hw_paging_enabled())
		return boot_map(va);
	struct mmu_result r = mmu_access(va, 0);

	if (r.fault)
		panic("hw_kva: kernel access to 0x%x faults with error 0x%x", va, r.err);
	return hw_phys(r.pa);
}

void hw_load_cr3(paddr_t pd) { mmu_load_cr3(pd); }
paddr_t hw_cr3(void) { return mmu_cr3(); }
vaddr_t hw_cr2(void) { return mmu_cr2(); }
void hw_invlpg(vaddr_t va) { mmu_invlpg(va); }
void hw_flush_tlb(void) { mmu_load_cr3(mmu_cr3()); }
void hw_flush_tlb_global(void)
{
	uint32_t cr4 = mmu_cr4();

	mmu_set_cr4(cr4 ^ CR4_PGE);
	mmu_set_cr4(cr4);
}

void hw_enable_paging(paddr_t pd)
{
	mmu_load_cr3(pd);
	mmu_set_cr0(mmu_cr0() | CR0_PG | CR0_WP);
	mmu_set_cr4(mmu_cr4() | CR4_PGE);
}

bool hw_paging_enabled(void) { return mmu_cr0() & CR0_PG; }

static struct {
	char *buf;
	size_t size, len;
} console; /* machine_capture_console's buffer, or none */

void machine_capture_console(char *buf, size_t size)
{
	console.buf = size > 0 ? buf : NULL;
	console.size = size;
	console.len = 0;
	if (console.buf)
		buf[0] = '\0';
}

void hw_putc(char c)
{
	if (!console.buf) {
		putchar(c);
	} else if (console.len + 1 < console.size) {
		console.buf[console.len++] = c;
		console.buf[console.len] = '\0';
	}
}

_Noreturn void hw_fail(void)
{
	fflush(stdout);
	abort();
}

/* ---- several CPUs ---------------------------------------------------------- */

static uint32_t model_cpu_id(void) { return mmu_selected_cpu(); }

/* An IPI on the model: each CPU of the mask runs its handler in turn, then the sender goes on. */
static void model_send_ipi(uint32_t cpus)
{
	unsigned self = mmu_selected_cpu();

	for (unsigned c = 0; c < MMU_CPUS; c++) {
		if (!(cpus & BIT(c)))
			continue;
		mmu_select_cpu(c);
		pt_tlb_ipi();
	}
	mmu_select_cpu(self);
}

const struct pt_smp_ops machine_smp_ops = { model_cpu_id, model_send_ipi };

int machine_start_cpus(uint32_t n)
{
	uint32_t cr0 = mmu_cr0(), cr4 = mmu_cr4();
	paddr_t cr3 = pt_trk_base(pt_trk_get(TRK_MASTER));
	int rc = n <= MMU_CPUS ? pt_smp_init(n, &machine_smp_ops) : -E_INVAL;

	for (uint32_t c = 1; rc == 0 && c < n; c++) {
		mmu_select_cpu(c);
		mmu_set_cr4(cr4);
		mmu_load_cr3(cr3);
		mmu_set_cr0(cr0);
		rc = pt_vm_activate(TRK_MASTER);
	}
	mmu_select_cpu(0);
	return rc;
}

int machine_stop_cpus(void)
{
	return pt_smp_init(1, NULL);
}
