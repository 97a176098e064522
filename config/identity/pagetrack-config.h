/*
 * pagetrack-config.h (identity) - the layout pagetrack is built for: the
 * kernel identity-mapped in the first GiB, user space above it.  layout.h
 * derives everything else from these values and checks them.
 *
 *   0x00000000  not present (page 0: the null guard)
 *   0x00001000  the first 1 MiB and the kernel zone, at VA = PA
 *   0x3F800000  user gate (PDE 254)
 *   0x3FC00000  kmap window (PDE 255)
 *   0x40000000  user space, PDEs 256..1023, to 4 GiB
 */
#ifndef PAGETRACK_CONFIG_H
#define PAGETRACK_CONFIG_H

#define PT_LAYOUT_NAME "identity"
#define PT_PHYS_OFFSET 0x00000000u /* the kernel reaches physical address pa at pa + this */
#define USER_BASE 0x40000000u      /* the first user page */
#define USER_LAST 0xFFFFF000u      /* the last user page */
#define GATE_BASE 0x3F800000u      /* the user gate's page */
#define KMAP_BASE 0x3FC00000u      /* the kmap window: one page table of slots */

#endif
