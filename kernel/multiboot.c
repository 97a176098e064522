/* multiboot.c - reading what the multiboot loader hands the kernel. */
#include "multiboot.h"
#include "errors.h"
#include "seam.h"

_Static_assert(MB_MEM_AVAILABLE == MEM_AVAILABLE, "frame.h and multiboot agree on 'available'");

/* The memory map proper: one region per entry, as many as fit. */
static int read_mmap(const struct multiboot_info *mbi, struct mem_region *map, size_t max)
{
	uint32_t off = 0;
	int n = 0;

	while (off + sizeof(struct multiboot_mmap_entry) <= mbi->mmap_length) {
		const struct multiboot_mmap_entry *e = hw_phys(mbi->mmap_addr + off);
		if (e->size < sizeof(*e) - sizeof(e->size))
			break; /* a malformed entry: stepping by it would loop or misread */
		if ((size_t)n < max)
			map[n] = (struct mem_region){ e->base, e->len, e->type };
		n++;
		off += e->size + (uint32_t)sizeof(e->size);
	}
	return n;
}

/* The older, coarser report: conventional memory and memory from 1 MiB. */
static int read_mem_fields(const struct multiboot_info *mbi, struct mem_region *map, size_t max)
{
	struct mem_region r[2] = {
		{ 0, (uint64_t)mbi->mem_lower << 10, MB_MEM_AVAILABLE },
		{ MiB(1), (uint64_t)mbi->mem_upper << 10, MB_MEM_AVAILABLE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(r) && i < max; i++)
		map[i] = r[i];
	return (int)ARRAY_SIZE(r);
}

int multiboot_mem_map(const struct multiboot_info *mbi, struct mem_region *map, size_t max)
{
	if (mbi->flags & MBI_MMAP)
		return read_mmap(mbi, map, max);
	if (mbi->flags & MBI_MEMORY)
		return read_mem_fields(mbi, map, max);
	return -E_INVAL;
}

const char *multiboot_cmdline(const struct multiboot_info *mbi)
{
	if (!(mbi->flags & MBI_CMDLINE) || mbi->cmdline == 0)
		return "";
	return hw_phys(mbi->cmdline);
}

const char *multiboot_mem_type_name(uint32_t type)
{
	switch (type) {
	case MB_MEM_AVAILABLE:
		return "available";
	case MB_MEM_RESERVED:
		return "reserved";
	case MB_MEM_ACPI_RECLAIMABLE:
		return "ACPI reclaimable";
	case MB_MEM_ACPI_NVS:
		return "ACPI NVS";
	case MB_MEM_BAD:
		return "bad memory";
	default:
		return "unknown (reserved)";
	}
}
