/*
 * kernel.h - the constants of this kernel that its assembly shares with C.
 *
 * The kernel is linked at KERNEL_BASE + 1 MiB and loaded at 1 MiB: every
 * physical address pa below BOOT_MAP_SIZE is reachable at KERNEL_BASE + pa
 * from boot.S on, and (for the kernel zone) in pagetrack's tables after.
 */
#ifndef HH_KERNEL_H
#define HH_KERNEL_H

#define KERNEL_BASE 0xC0000000
#define BOOT_MAP_SIZE 0x02000000 /* 32 MiB: the boot map, and the largest kernel zone */
#define BOOT_STACK_SIZE 16384

/* GDT selectors (boot.S builds the table; the low two bits are the ring) */
#define KCODE_SEL 0x08
#define KDATA_SEL 0x10
#define UCODE_SEL (0x18 | 3)
#define UDATA_SEL (0x20 | 3)
#define TSS_SEL 0x28

#define PROBE_RETURN_VECTOR 0x81 /* ring 3 probe code comes back with int $0x81 */

#ifndef __ASSEMBLER__
#include <stdint.h>

/* A kernel pointer to physical address pa, valid for pa below BOOT_MAP_SIZE. */
static inline void *phys_to_virt(uint32_t pa)
{
	return (void *)(uintptr_t)(pa + KERNEL_BASE);
}

static inline uint32_t virt_to_phys(const void *va)
{
	return (uint32_t)(uintptr_t)va - KERNEL_BASE;
}

/* linker script symbols: the image, page aligned at both ends (virtual addresses) */
extern char kernel_image_start[], kernel_image_end[];
#endif

#endif
