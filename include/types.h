/*
 * types.h - the few types and helpers every part of pagetrack shares.
 *
 * Physical and virtual addresses are both 32-bit words on i386.  They get
 * separate names so that a signature says which one it wants; the page-table
 * entry words get one-member structs (mmu.h) so that the compiler catches a
 * PDE passed where a PTE is expected.
 */
#ifndef PAGETRACK_TYPES_H
#define PAGETRACK_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t paddr_t; /* a physical address */
typedef uint32_t vaddr_t; /* a virtual (linear) address */

#define PAGE_SHIFT 12
#define PAGE_SIZE (1u << PAGE_SHIFT)
#define PAGE_MASK (PAGE_SIZE - 1)

#define BIT(n) (1u << (n))
#define MASK(n) (BIT(n) - 1u) /* the low n bits; n < 32 */

#define IS_ALIGNED(x, a) (((x) & ((a) - 1)) == 0)
#define ALIGN_DOWN(x, a) ((x) & ~((a) - 1))
#define ALIGN_UP(x, a) ALIGN_DOWN((x) + (a) - 1, (a))
#define DIV_ROUND_UP(x, d) (((x) + (d) - 1) / (d))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define KiB(n) ((uint32_t)(n) << 10)
#define MiB(n) ((uint32_t)(n) << 20)

/* Page frame number of a physical address, and back. */
static inline uint32_t pa_to_pfn(paddr_t pa) { return pa >> PAGE_SHIFT; }
static inline paddr_t pfn_to_pa(uint32_t pfn) { return pfn << PAGE_SHIFT; }

#endif
