/*
 * main.c - from boot.S on: the console, the trap table, physical memory
 * from the multiboot map, then pagetrack on top, then the suites.  The
 * run ends through QEMU's exit device: success if every suite passed.
 */
#include "console.h"
#include "cpu.h"
#include "frames.h"
#include "idt.h"
#include "kernel.h"
#include "multiboot.h"
#include "vm.h"
#include "hhtest.h"

#define LOW_MEMORY 0x100000u /* BIOS, VGA, the loader's tables: never handed out */

/* Hand every available region of the map to the frame manager. */
static void read_memory_map(const struct mb_info *mbi)
{
	if (!(mbi->flags & MB_INFO_MMAP))
		panic("the loader gave no memory map");
	uint32_t at = mbi->mmap_addr, end = at + mbi->mmap_length;
	while (at < end) {
		const struct mb_mmap_entry *e = phys_to_virt(at);
		if (e->type == 1)
			frame_add_free(e->base, e->len);
		at += e->size + sizeof(e->size);
	}
}

void kmain(uint32_t magic, uint32_t mbi_pa)
{
	console_init();
	kprintf("hh: higher-half kernel at %p, pagetrack as a library\n", (void *)kmain);
	if (magic != MULTIBOOT_MAGIC)
		panic("not started by a multiboot loader (EAX = 0x%08x)", magic);
	idt_init();
	read_memory_map(phys_to_virt(mbi_pa));
	frame_reserve(0, LOW_MEMORY);
	frame_reserve(virt_to_phys(kernel_image_start),
		      (uint32_t)(kernel_image_end - kernel_image_start));
	kprintf("hh: %u MiB of RAM, %u frames free\n", frame_top() >> 20, frame_free_count());
	vm_init();
	int failed = run_suites();
	kprintf("hh: %s\n", failed ? "FAIL" : "pass");
	qemu_exit(failed == 0);
}
