/*
 * disktime.h - one raw transfer of the swap disk, timed: what a page-out
 * and a page-in cost below the pager, for the kernel benchmarks and the
 * disk tests.
 */
#ifndef PAGETRACK_DISKTIME_H
#define PAGETRACK_DISKTIME_H

#include "types.h"

/*
 * Write the frame at `frame` to disk page `page` (hw_disk_write), or read
 * that page into it (hw_disk_read), and put the TSC cycles the call took
 * in *cycles (under QEMU with -icount, guest instructions).  Returns what
 * the seam function returned: 0, -E_RANGE, -E_INVAL or -E_IO.
 */
int disk_time_write(uint32_t page, paddr_t frame, uint64_t *cycles);
int disk_time_read(uint32_t page, paddr_t frame, uint64_t *cycles);

#endif
