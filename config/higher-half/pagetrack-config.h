/*
 * pagetrack-config.h (higher-half) - the layout pagetrack is built for: the
 * kernel at 0xC0000000, where physical address pa is at 0xC0000000 + pa,
 * user space below it.  layout.h derives everything else from these values
 * and checks them.
 *
 *   0x00000000  not present (PDE 0: the null guard, 4 MiB)
 *   0x00400000  user space, PDEs 1..767
 *   0xC0000000  the first 1 MiB (page 0 left out) and the kernel zone,
 *               at 0xC0000000 + pa
 *   0xFF800000  user gate (PDE 1022)
 *   0xFFC00000  kmap window (PDE 1023), to 4 GiB
 */
#ifndef PAGETRACK_CONFIG_H
#define PAGETRACK_CONFIG_H

#define PT_LAYOUT_NAME "higher-half"
#define PT_PHYS_OFFSET 0xC0000000u /* the kernel reaches physical address pa at pa + this */
#define USER_BASE 0x00400000u      /* the first user page */
#define USER_LAST 0xBFFFF000u      /* the last user page */
#define GATE_BASE 0xFF800000u      /* the user gate's page */
#define KMAP_BASE 0xFFC00000u      /* the kmap window: one page table of slots */

#endif
