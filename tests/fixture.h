/*
 * fixture.h - the state a paging test starts from, and the checks it must
 * end with.
 *
 * On the host every case gets a new simulated machine with paging on
 * (fx_boot); in the kernel the cases share the live paging system.  Either
 * way a case creates the address spaces it needs and destroys them, and
 * the teardown checks that every invariant holds and that every frame,
 * tracker and kmap slot it took is back.
 */
#ifndef PAGETRACK_FIXTURE_H
#define PAGETRACK_FIXTURE_H

#include "harness.h"
#include "types.h"

/* Frame, tracker and kmap counts, to compare before and after. */
struct fx_counts {
	uint32_t free_kernel, free_user;
	uint32_t spaces;
	uint32_t kmap_slots;
};

void fx_counts(struct fx_counts *c);

/*
 * Assert that every invariant holds (pt_vm_check) and that the counts are
 * those in `was`: every frame, address space and kmap slot taken since
 * then is back.
 */
void fx_check_back(const struct fx_counts *was);

/* Setup and teardown for suites of paging tests (fx_teardown asserts). */
void fx_setup(void);
void fx_teardown(void);

/*
 * Host only: a new machine of ram_mib MiB with a kernel zone of kzone_mib
 * MiB (0: the default), frames initialised; with `paging`, paging on too.
 */
void fx_boot(uint32_t ram_mib, uint32_t kzone_mib, bool paging);

/*
 * Host only: give the machine a model disk of `pages` pages (0: none) and
 * the swap slots over it (pt_swap_init); the slots of the disk before must
 * all be free.  The metadata's frames are taken from then on: record the
 * counts after.
 */
void fx_disk(uint32_t pages);

/*
 * Start the swap slots for a case, over a disk of at least `pages` pages:
 * on the host a new model disk of that size (fx_disk), in the kernel the
 * disk QEMU was given (the kernel starts no swap by itself).  Returns 0,
 * or -E_NOMEM when there is no such disk.  fx_swap_off gives the slots'
 * metadata back (pt_swap_fini: every slot must be free or retired).
 */
int fx_swap_on(uint32_t pages);
int fx_swap_off(void);

/* The counts recorded by fx_setup. */
extern struct fx_counts fx_start;

/* Write the dump of address space `as` into buf (NUL-terminated); returns its length. */
size_t fx_dump(int as, char *buf, size_t size);

/* Everything a failed call must leave as it was: the dump of `as` and the counts. */
struct fx_snapshot {
	char dump[16384];
	size_t len;
	struct fx_counts counts;
	paddr_t block;
	uint32_t pages;
};

void fx_snap(int as, struct fx_snapshot *s);

/* Whether the state now equals snapshot s; prints the first difference if not. */
bool fx_same(int as, const struct fx_snapshot *s);

/*
 * Whether `as` maps what snapshot s says: the same pages, frames and
 * rights, whatever the counts; prints both dumps if not.
 */
bool fx_same_maps(int as, const struct fx_snapshot *s);

/* A user frame (ref 1) holding `fill` in every word. */
paddr_t fx_user_frame(uint32_t fill);

/* Read the first word of frame pa (through kmap). */
uint32_t fx_frame_word(paddr_t pa);

/* Whether the n frames from pa are all free kernel-zone frames. */
bool fx_kframes_free(paddr_t pa, uint32_t n);

/*
 * Whether pagetrack keeps its free frames itself: the built-in frame
 * source (frame.h).  Over a kernel's own source it holds only the frames
 * in use, and a free frame is the source's, of which it knows nothing.
 */
bool fx_frames_kept_free(void);

/*
 * Whether pagetrack let frame pa go with its last reference: free (ref 0)
 * in the built-in source, given back to a source of one's own (no longer
 * held: -E_NOTOWN).
 */
bool fx_frame_let_go(paddr_t pa);

/*
 * Take the free kernel-zone frame at pa (ref 1; pt_frame_free gives it back):
 * the allocator is first fit, so the free frames below pa are taken on the
 * way and given back.  Returns 0, or -E_BUSY if pa is not a free
 * kernel-zone frame.  Lets a test put something right after a block.
 */
int fx_take_kframe(paddr_t pa);

/*
 * A new address space whose block is followed by at least `room` free
 * kernel-zone frames, so that it can grow in place: blocks created on the
 * way fill the holes below, and are destroyed again.  Returns its handle,
 * or -E_NOMEM.
 */
int fx_space_with_room(uint32_t room);

/*
 * Holding kernel-zone frames, so that an operation finds free only the
 * frames a test leaves it.  fx_hog_kzone takes every free kernel-zone
 * frame and returns how many (-E_NOMEM if they lie in more runs than it
 * can record: it then holds none); fx_hog_release gives back every held
 * frame in [pa, pa + n pages); fx_hog_holds says whether the frame at pa
 * is held; fx_unhog gives back all of them.
 */
int fx_hog_kzone(void);
void fx_hog_release(paddr_t pa, uint32_t n);
bool fx_hog_holds(paddr_t pa);
void fx_unhog(void);

/* n contiguous user-zone frames, each with ref 1, the first at *pa: 0 or -E_NOMEM. */
int fx_user_run(uint32_t n, paddr_t *pa);

/*
 * The first of n contiguous frames above the kernel zone that the
 * allocator does not own (device memory: mapped without references, never
 * touched), or 0 if none was found.
 */
paddr_t fx_unowned_frames(uint32_t n);

#endif
