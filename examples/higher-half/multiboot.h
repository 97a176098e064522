/* multiboot.h - the parts of the multiboot v1 information this kernel reads. */
#ifndef HH_MULTIBOOT_H
#define HH_MULTIBOOT_H

#include <stdint.h>

#define MULTIBOOT_MAGIC 0x2BADB002 /* in EAX at entry */
#define MB_INFO_MMAP (1u << 6)

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device, cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

/* One entry of the memory map; `size` does not count itself. */
struct mb_mmap_entry {
	uint32_t size;
	uint64_t base, len;
	uint32_t type; /* 1: available RAM */
} __attribute__((packed));

#endif
