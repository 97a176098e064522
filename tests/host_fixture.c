/* host_fixture.c - a fresh simulated machine for each host paging test. */
#include "disk.h"
#include "fixture.h"
#include "frame.h"
#include "machine.h"
#include "paging.h"
#include "swap.h"

#define FX_KIMG_START MiB(1)
#define FX_KIMG_END (MiB(1) + KiB(256)) /* a pretend kernel image */

void fx_boot(uint32_t ram_mib, uint32_t kzone_mib, bool paging)
{
	const struct mem_region map[] = {
		{ 0, KiB(640), MEM_AVAILABLE },
		{ KiB(640), KiB(384), 2 },
		{ MiB(1), (uint64_t)MiB(ram_mib) - MiB(1), MEM_AVAILABLE },
	};

	machine_reset(MiB(ram_mib));
	paddr_t x = pt_frame_choose_kzone_end(map, ARRAY_SIZE(map), MiB(kzone_mib));
	if (pt_frame_init(map, ARRAY_SIZE(map), FX_KIMG_START, FX_KIMG_END, x) < 0)
		panic("fx_boot: pt_frame_init failed");
	if (pt_swap_init() < 0) /* the new machine has no disk: this forgets the old one's slots */
		panic("fx_boot: pt_swap_init failed");
	if (paging && pt_paging_init(false) < 0)
		panic("fx_boot: pt_paging_init failed");
}

void fx_setup(void)
{
	fx_boot(64, 16, true);
	fx_counts(&fx_start);
}

void fx_disk(uint32_t pages)
{
	if (pt_swap_fini() < 0)
		panic("fx_disk: swap slots are still in use");
	disk_attach(pages);
	if (pt_swap_init() < 0)
		panic("fx_disk: pt_swap_init found no room for the metadata of %u slots", pages);
}

int fx_swap_on(uint32_t pages)
{
	fx_disk(pages);
	return 0;
}

int fx_swap_off(void)
{
	return pt_swap_fini();
}
