/*
 * multiboot.h - what a multiboot v1 loader hands the kernel (Multiboot
 * Specification 0.6.96, section 3.3).
 *
 * The information structure, the command line and the memory map lie
 * wherever the loader put them; QEMU puts some of them just after the
 * kernel image, where the frame allocator keeps its metadata.  So the
 * kernel copies what it needs before pt_frame_init().
 */
#ifndef PAGETRACK_MULTIBOOT_H
#define PAGETRACK_MULTIBOOT_H

#include "frame.h"
#include "types.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002 /* in EAX at the entry point */

/* Which fields of struct multiboot_info are valid. */
#define MBI_MEMORY BIT(0)  /* mem_lower, mem_upper */
#define MBI_CMDLINE BIT(2) /* cmdline */
#define MBI_MMAP BIT(6)    /* mmap_length, mmap_addr */

struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower;   /* KiB of memory from 0 */
	uint32_t mem_upper;   /* KiB of memory from 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline;     /* physical address of a NUL-terminated string */
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length; /* bytes in the memory map */
	uint32_t mmap_addr;   /* physical address of the first entry */
} __attribute__((packed));

/*
 * One entry of the memory map.  `size` counts the bytes after itself, so
 * the next entry begins size + 4 bytes after this one.
 */
struct multiboot_mmap_entry {
	uint32_t size;
	uint64_t base;
	uint64_t len;
	uint32_t type;
} __attribute__((packed));

/* Memory map types. */
#define MB_MEM_AVAILABLE 1
#define MB_MEM_RESERVED 2
#define MB_MEM_ACPI_RECLAIMABLE 3
#define MB_MEM_ACPI_NVS 4
#define MB_MEM_BAD 5

/*
 * The memory map of mbi, as regions: at most max are stored in map, and
 * the number the loader gave is returned (more than max means some were
 * left out).  Without a memory map, mem_lower and mem_upper give two
 * regions.  Returns -E_INVAL when the loader gave neither.
 */
int multiboot_mem_map(const struct multiboot_info *mbi, struct mem_region *map, size_t max);

/* The command line of mbi, or "" if the loader gave none. */
const char *multiboot_cmdline(const struct multiboot_info *mbi);

/* The name of a memory map type ("available", "reserved", ...). */
const char *multiboot_mem_type_name(uint32_t type);

#endif
