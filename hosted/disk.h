/*
 * disk.h (hosted) - the model swap disk behind the host seam's
 * hw_disk_pages, hw_disk_read and hw_disk_write (seam.h).
 *
 * A buffer of pages the test chooses, zeroed when attached, that keeps
 * what is written to it like the real disk.  Tests make it fail on demand:
 *
 *   disk_fail_nth(n, ops)     the nth transfer from now of the kinds in ops
 *                             fails (DISK_IO: reads and writes counted
 *                             together; DISK_READ or DISK_WRITE alone);
 *   disk_fail_page(p, ops)    every transfer of the kinds in ops to page p
 *                             fails, until disk_heal().
 *
 * A failure does what a real one may: a failed read leaves junk in the
 * frame, a failed write junk in the disk page, so that code which goes on
 * with the data as if it were good fails its test.
 *
 * Every transfer that passes the argument checks counts, failed or not.
 * disk_attach(0) (and machine_reset) leaves the machine with no disk.
 */
#ifndef PAGETRACK_HOSTED_DISK_H
#define PAGETRACK_HOSTED_DISK_H

#include "types.h"

enum disk_ops {
	DISK_READ = 1,
	DISK_WRITE = 2,
	DISK_IO = DISK_READ | DISK_WRITE,
};

#define DISK_BAD_PAGES 8 /* pages disk_fail_page can hold at once */
#define DISK_JUNK 0xD5   /* what a failed transfer leaves behind */

/* What the disk has done since it was attached. */
struct disk_counts {
	uint32_t reads, writes;             /* transfers tried, failed ones included */
	uint32_t read_errors, write_errors; /* of which failed */
};

/* Replace the disk by a zeroed one of `pages` pages (0: no disk), with no failures set. */
void disk_attach(uint32_t pages);

/* Give the disk's memory back (at the end of a run); the machine has no disk after. */
void disk_release(void);

/*
 * Make the nth transfer from now whose kind is in ops fail with -E_IO
 * (n = 1: the next).  One countdown per value of ops, independent of the
 * others; n = 0 turns that one off.
 */
void disk_fail_nth(uint32_t n, enum disk_ops ops);

/*
 * Make every transfer of a kind in ops to page p fail, until disk_heal.
 * Returns 0, -E_RANGE if p is past the end, or -E_NOMEM if DISK_BAD_PAGES
 * pages are failing already.  Setting a page again replaces its kinds.
 */
int disk_fail_page(uint32_t p, enum disk_ops ops);

/* Turn off every failure set by disk_fail_nth and disk_fail_page. */
void disk_heal(void);

void disk_get_counts(struct disk_counts *c);

/* The bytes of disk page p, for tests to look at or scribble on; NULL past the end. */
uint8_t *disk_page(uint32_t p);

#endif
