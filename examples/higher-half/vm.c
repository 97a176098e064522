/*
 * vm.c - pagetrack on this kernel's frames (vm.h).
 *
 * pagetrack keeps two zones: the kernel zone [1 MiB, X), which it reaches
 * at KERNEL_BASE + pa and where its page tables and metadata live, and the
 * user zone above X, which it reaches through its kmap windows.  The frame
 * manager knows nothing of zones: each call below asks it for a frame in
 * the zone's range.
 */
#include <pagetrack/errors.h>
#include <pagetrack/frame.h>
#include <pagetrack/paging.h>
#include "console.h"
#include "cpu.h"
#include "frames.h"
#include "kernel.h"
#include "probe_fixup.h"
#include "vm.h"

#define KZONE_START 0x100000u
#define KZONE_ALIGN 0x400000u /* X on a page table's boundary */

struct vm_boot vm_boot;
static uint32_t kzone_end;

static uint32_t zone_lo(enum zone z)
{
	return z == ZONE_KERNEL ? KZONE_START : kzone_end;
}

static uint32_t zone_hi(enum zone z)
{
	return z == ZONE_KERNEL ? kzone_end : MAX_RAM;
}

static int take(enum zone z, paddr_t *pa)
{
	return frame_alloc_in(zone_lo(z), zone_hi(z), pa) == 0 ? 0 : -E_NOMEM;
}

static int take_run(uint32_t n, paddr_t *pa)
{
	return frame_alloc_run(n, KZONE_START, kzone_end, pa) == 0 ? 0 : -E_NOMEM;
}

static int extend_run(paddr_t base, uint32_t have, uint32_t more)
{
	paddr_t from = base + have * FRAME_SIZE;

	if (from + more * FRAME_SIZE > kzone_end)
		return -E_NOMEM;
	return frame_claim(from, more) == 0 ? 0 : -E_NOMEM;
}

static void give(paddr_t pa)
{
	frame_free(pa);
}

static void give_run(paddr_t pa, uint32_t n)
{
	frame_free_run(pa, n);
}

static uint32_t free_count(enum zone z)
{
	return frame_free_count_in(zone_lo(z), zone_hi(z));
}

/* The free runs of the kernel zone, for pagetrack's dumps (and the tests that fill the zone). */
static bool next_free_run(paddr_t *pa, uint32_t *n)
{
	uint32_t from = *pa > KZONE_START ? *pa : KZONE_START;

	return frame_next_free_run(from, kzone_end, pa, n);
}

static const struct pt_frame_source frame_source = {
	.take = take,
	.take_run = take_run,
	.extend_run = extend_run,
	.give = give,
	.give_run = give_run,
	.free_count = free_count,
	.next_free_run = next_free_run,
};

/* X: the boot map's end, or half of RAM on a machine with less than twice that. */
static uint32_t choose_kzone_end(void)
{
	uint32_t half = frame_top() / 2 / KZONE_ALIGN * KZONE_ALIGN;

	return half < BOOT_MAP_SIZE ? half : BOOT_MAP_SIZE;
}

void vm_init(void)
{
	int rc;

	kzone_end = choose_kzone_end();
	vm_boot.boot_cr3 = read_cr3();
	vm_boot.kzone_end = kzone_end;
	vm_boot.free_before = frame_free_count();
	if ((rc = pt_frame_init_source(&frame_source, frame_top(), kzone_end)) < 0)
		panic("vm_init: pagetrack's frames: %s", pt_err_name(rc));
	pt_paging_set_user_gate(probe_gate_frame());
	if ((rc = pt_paging_init(false)) < 0)
		panic("vm_init: pagetrack's paging: %s", pt_err_name(rc));
	vm_boot.free_after = frame_free_count();
	kprintf("hh: pagetrack started: kernel zone to 0x%08x, CR3 0x%08x (was 0x%08x), "
		"%u frames lent\n", kzone_end, read_cr3(), vm_boot.boot_cr3,
		vm_boot.free_before - vm_boot.free_after);
}
