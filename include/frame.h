/*
 * frame.h - the physical frames pagetrack holds, and where they come from.
 *
 * Physical memory below 4 GiB is cut in 4 KiB frames and split in two zones
 * at X, the end of the kernel zone (DESIGN 2-3):
 *
 *   0        1 MiB                         X                          top
 *   +--------+-----------------------------+----------------------------+
 *   | BIOS   | kernel zone                 | user zone                  |
 *   | never  | kernel image, this module's | user pages, reached by the |
 *   | handed | metadata, tracker pages,    | kernel only through kmap   |
 *   | out    | page-table blocks, stacks   | windows                    |
 *   +--------+-----------------------------+----------------------------+
 *
 * The kernel zone is mapped at one offset (PT_PHYS_OFFSET, layout.h) in
 * every address space, so a run of kernel-zone frames is also a run of
 * kernel virtual addresses: that is
 * what page-table blocks need.  The user zone hands out single frames only.
 *
 * Two parts.  A frame source lends frames and takes them back (struct
 * pt_frame_source); the core keeps what pagetrack must know of every frame
 * it holds: reference and pin counts, the swap slot a user frame keeps,
 * the I/O mark and the holder's word of a kernel-zone frame.  Every call
 * below works the same over any source.  pt_frame_init sets up the
 * built-in source, which owns all the RAM of a memory map (a free bitmap
 * for the kernel zone, a free stack for the user zone);
 * pt_frame_init_source puts the core over a kernel's own physical memory
 * manager, which lends pagetrack frames one at a time or in runs and gets
 * each back when its last reference goes.
 *
 * Owned frames: with the built-in source, the frames of the map it may
 * hand out, in use or free: never the first 1 MiB, anything outside the
 * available regions, the kernel image or the metadata.  With a source of
 * one's own, the frames the core holds now: pagetrack keeps no free frame
 * then, and a frame the source has not lent it is none of its business
 * (mapped, it is shared uncounted, as device memory is).
 *
 * Invariants (pt_frame_check() verifies them):
 *  - a free frame has ref == 0 and pin == 0; a frame in use has ref >= 1;
 *  - only a user frame in use keeps a slot; a shared copy is a slot kept
 *    by a frame with ref >= 2; no frame is under I/O between operations;
 *  - the built-in source: an owned frame is free exactly when its bit in
 *    the free bitmap is set; the free user-zone frames are exactly the
 *    entries of the free stack; the free count of each zone equals the
 *    number of its free bits;
 *  - a source of one's own: every frame the core holds lies in the zone
 *    it was asked for, above 1 MiB and outside the metadata, and the
 *    frames held of each zone are counted.
 *
 * Costs: a user-zone frame is taken from and returned to a stack, O(1).
 * Kernel-zone frames come from the bitmap, first fit from the lowest word
 * that may hold a free frame, scanning 32 frames at a time.  The core
 * calls the built-in source directly; a source of one's own costs an
 * indirect call per take and give, and a check of what it lent.
 *
 * Every function that takes a frame address checks it: unaligned gets
 * -E_INVAL, a frame not owned -E_NOTOWN, a free frame where one in use is
 * needed -E_FREE, a pinned or shared frame that is to be freed -E_BUSY.  A
 * failing call changes nothing.
 */
#ifndef PAGETRACK_FRAME_H
#define PAGETRACK_FRAME_H

#include "layout.h" /* KZONE_LIMIT */
#include "types.h"

enum zone { ZONE_KERNEL, ZONE_USER, ZONE_COUNT };

/* A region of the memory map, as multiboot gives it. */
struct mem_region {
	uint64_t base;
	uint64_t len;
	uint32_t type; /* MEM_AVAILABLE, or anything else: reserved */
};
#define MEM_AVAILABLE 1

#define FRAME_LOW_RESERVED MiB(1)     /* the first 1 MiB is never handed out */
#define KZONE_MIN MiB(16)             /* the smallest default kernel zone */

/*
 * The end of the kernel zone (X) for this memory map: `requested` if not 0,
 * rounded up to a frame, or by default a quarter of the top of RAM but at
 * least KZONE_MIN, rounded up to 4 MiB; then clamped to the top of RAM and
 * to KZONE_LIMIT.
 */
paddr_t pt_frame_choose_kzone_end(const struct mem_region *map, size_t n, paddr_t requested);

/*
 * Take over the memory described by map.  [kimg_start, kimg_end) holds the
 * kernel image; kzone_end is X.  The allocator places its metadata in the
 * kernel zone after the image.  Returns 0, -E_INVAL if the map has no
 * usable memory above 1 MiB or kzone_end is unaligned or above KZONE_LIMIT,
 * or -E_NOMEM if the metadata does not fit in the kernel zone.
 */
int pt_frame_init(const struct mem_region *map, size_t n, paddr_t kimg_start, paddr_t kimg_end,
	       paddr_t kzone_end);

/*
 * Where the frames come from: a kernel's own physical memory manager,
 * lending pagetrack frames (docs/PORTING.md, "Your own physical memory
 * manager").  Frames are physical addresses, page-aligned, below the `top`
 * given to pt_frame_init_source; kernel-zone frames lie in [1 MiB, X) and
 * are mapped where the kernel zone is, user-zone frames in [X, top).
 *
 * take: one free frame of zone z into *pa; 0, or -E_NOMEM (nothing lent).
 * take_run: n >= 1 contiguous free kernel-zone frames, *pa the first.
 * extend_run: the `more` frames right after [base, base + have pages),
 *   a run it lent (with its extensions), if they are all free: 0 and they
 *   are lent, or -E_NOMEM and nothing is.  Page-table blocks grow in place
 *   with it; a source that cannot may always refuse (blocks then move).
 * give: one frame back.  give_run: the n frames from pa back, all of one
 *   zone.  Frames come back in whatever pieces the core frees them: one
 *   frame of a run alone, or a run and its extensions as one run.
 * free_count: the free frames of zone z it could lend now; the pager's
 *   watermarks and the free counts of frame.h are read from it.
 * next_free_run (may be NULL): pt_frame_next_free_run for the kernel
 *   zone, for the layout dump and the pictures.
 *
 * The core never asks for a frame it holds and never gives back one it
 * does not; a source that lends a frame outside its zone or one the core
 * holds already breaks the contract, and the core panics.  Calls come
 * from pagetrack's own calls only, never from an interrupt.
 */
struct pt_frame_source {
	int (*take)(enum zone z, paddr_t *pa);
	int (*take_run)(uint32_t n, paddr_t *pa);
	int (*extend_run)(paddr_t base, uint32_t have, uint32_t more);
	void (*give)(paddr_t pa);
	void (*give_run)(paddr_t pa, uint32_t n);
	uint32_t (*free_count)(enum zone z);
	bool (*next_free_run)(paddr_t *pa, uint32_t *n);
};

/*
 * Put the core over `src` (which must outlive it) for frames below top,
 * the kernel zone ending at kzone_end (X).  The core's metadata, which
 * covers [0, top), is one run it takes from src->take_run (DIV_ROUND_UP of
 * about 8 bytes a frame, 4 KiB each: 8 KiB a 4 MiB of RAM); it is never
 * given back.  Returns 0; -E_INVAL if a hook but next_free_run is missing,
 * top is not above 1 MiB, kzone_end is unaligned, above KZONE_LIMIT or
 * leaves no kernel zone, or the run lent is not all in the kernel zone
 * (it is given back); -E_NOMEM if the source refuses the run.  A failed
 * call changes nothing.
 */
int pt_frame_init_source(const struct pt_frame_source *src, paddr_t top, paddr_t kzone_end);

/* Allocate one frame of zone z (ref 1, not pinned, contents undefined) into *pa. */
int pt_frame_alloc(enum zone z, paddr_t *pa);

/* Allocate n >= 1 contiguous kernel-zone frames; *pa is the first. */
int pt_frame_alloc_run(uint32_t n, paddr_t *pa);

/*
 * Grow the run [base, base + have pages) in place by `more` frames: succeeds
 * only if those frames are all free kernel-zone frames, and then takes them.
 * Returns 0, -E_NOMEM if they are not all free, -E_INVAL on bad arguments
 * (unaligned, a zero count, or a run that is not all kernel-zone frames in use).
 */
int pt_frame_extend_run(paddr_t base, uint32_t have, uint32_t more);

/*
 * pt_frame_alloc_run and pt_frame_pin_run in one call: n contiguous kernel-zone
 * frames with one reference and one pin each, as page-table blocks hold
 * theirs.  pt_frame_free_pinned_run undoes it, all or nothing: every frame
 * must be in use with one reference and one pin (-E_BUSY otherwise).
 */
int pt_frame_alloc_pinned_run(uint32_t n, paddr_t *pa);
int pt_frame_free_pinned_run(paddr_t pa, uint32_t n);

/* Free one frame: it must be in use with ref 1 and not pinned. */
int pt_frame_free(paddr_t pa);

/* Free n frames from pa: every one must be freeable, or none is freed. */
int pt_frame_free_run(paddr_t pa, uint32_t n);

/* Take one more reference to a frame in use. */
int pt_frame_ref(paddr_t pa);

/*
 * Drop one reference; the frame is freed when the last goes.  Returns the
 * references left (0: freed), -E_BUSY if that would free a pinned frame or
 * one that keeps a slot (pt_frame_unref_mapping frees those).
 */
int pt_frame_unref(paddr_t pa);

/* The reference count of a frame (0 when free), or a negative error. */
int pt_frame_refcount(paddr_t pa);

/* Pin a frame in use (a pinned frame is never freed or paged out). */
int pt_frame_pin(paddr_t pa);

/* Undo one pt_frame_pin; -E_INVAL if the frame is not pinned. */
int pt_frame_unpin(paddr_t pa);

/*
 * pt_frame_pin and pt_frame_unpin for the n frames from pa, all or nothing:
 * nothing changes unless every frame can be (un)pinned.
 */
int pt_frame_pin_run(paddr_t pa, uint32_t n);
int pt_frame_unpin_run(paddr_t pa, uint32_t n);

/* The pin count of a frame, or a negative error. */
int pt_frame_pincount(paddr_t pa);

/*
 * What the pager keeps per user frame (pager.h).
 *
 * The clean copy: a user frame in use may keep a swap slot (swap.h) that
 * holds a copy of it, with one reference to the slot (the swap cache of
 * one).  A frame brought back from a slot keeps that slot when it was the
 * slot's only holder; the pager gives a shared frame one when it pages
 * out one of its mappings.  The copy is good as long as no write reached
 * the frame since; every write sets D in a PTE that maps it (the CPU's,
 * or pt_vm_resolve's for the kernel's), and the copy is let go whenever such
 * an entry goes while the frame stays (pt_frame_unref_mapping), so a frame
 * whose one mapping has D clear equals its copy.  Freeing the frame lets
 * the copy go with it: the caller drops that slot reference.
 *
 * A copy written while the frame was shared (`shared`) stays good, D or
 * not, for as long as the frame stays shared: a frame shared copy-on-write
 * is read-only in every entry.  The mark goes when its second-last
 * reference does.
 *
 * The frame allocator keeps the slot's number and calls the slot
 * allocator only to give an entry a reference to a shared copy
 * (pt_frame_ref_copy): whoever takes a frame's slot (pt_frame_take_slot,
 * pt_frame_unref_mapping) holds its reference after.
 *
 * Under I/O: set only while the frame is moved to or from the disk, which
 * is synchronous; the pager's clock passes over such frames.
 */

/* The slot user frame pa keeps a clean copy in, or 0 (none, or not a user frame in use). */
uint32_t pt_frame_slot(paddr_t pa);

/* Whether that copy was written while pa was shared, as it is still. */
bool pt_frame_copy_shared(paddr_t pa);

/*
 * If user frame pa keeps a copy written while it was shared, as it still
 * is, one more reference to that slot, for an entry that is to name it
 * instead of the frame: the slot's number, or 0 (no such copy, or the slot
 * at its limit).  In one step under the frame's lock: with several CPUs
 * the frame may stop being shared, and its slot go, between a look at the
 * copy and the reference.
 */
uint32_t pt_frame_ref_copy(paddr_t pa);

/*
 * User frame pa, in use, keeps `slot` (not 0), taking over a reference the
 * caller holds; `shared` when the copy was written while the frame is
 * shared (ref >= 2).  0, -E_INVAL, or -E_EXIST if it keeps one already.
 */
int pt_frame_keep_slot(paddr_t pa, uint32_t slot, bool shared);

/* User frame pa lets go of its slot: its number (the caller holds its reference), or 0. */
uint32_t pt_frame_take_slot(paddr_t pa);

/*
 * pt_frame_unref for a reference a page-table entry held: when the frame is
 * freed, or stays after a dirty entry (D set) went, it lets go of its slot
 * into *slot (0 if it kept none), whose reference the caller drops.
 * Returns the references left (0: freed), -E_BUSY for the last reference
 * to a pinned frame, or the errors of pt_frame_unref.
 */
int pt_frame_unref_mapping(paddr_t pa, bool dirty, uint32_t *slot);

/*
 * pt_frame_unref_mapping for a frame that keeps no slot, which is all it has
 * to do then: the references left (0: freed).  A frame that keeps a slot
 * is left as it was, with -E_BUSY, as is the last reference to a pinned
 * frame; the other errors are pt_frame_unref's.  Nothing changes on an
 * error, so the caller may hand any of them to pt_frame_unref_mapping.
 */
int pt_frame_unref_slotless(paddr_t pa);

/*
 * pt_frame_unref_slotless for a caller that knows the core serves one CPU
 * (pt_one_cpu, cpus.h), and so needs no lock: it tests nothing more.  The
 * unmap of one page comes here, where one load and test more shows
 * (docs/PERFORMANCE.md).
 */
int pt_frame_unref_slotless_alone(paddr_t pa);

/*
 * Mark a frame in use under I/O (a transfer's start): 0, -E_INVAL
 * (unaligned), -E_NOTOWN or -E_FREE (not a frame in use).
 */
int pt_frame_set_io(paddr_t pa);

/*
 * Unmark frame pa, which pt_frame_set_io marked and is still in use: a
 * transfer's end, which need not look the frame up again.
 */
void pt_frame_end_io(paddr_t pa);

/*
 * Whether pa is a user frame in use that the pager may page out: one
 * reference, not pinned, not under I/O.
 */
bool pt_frame_evictable(paddr_t pa);

/*
 * The first user frame at or after *pa that keeps a slot: sets *pa and
 * *slot and returns true, or returns false when there is none.
 */
bool pt_frame_next_kept(paddr_t *pa, uint32_t *slot);


/* Whether the frame at pa is owned: the built-in source may hand it out, or the core holds it. */
bool pt_frame_owned(paddr_t pa);

/*
 * Whether a frame of [pa, pa + n pages) is free in the built-in source
 * (frames it does not own never are).  Reads the free bitmap 32 frames at
 * a time.  Always false over a source of one's own: pagetrack keeps no
 * free frames then, and cannot say which of the source's are.
 */
bool pt_frame_any_free(paddr_t pa, uint32_t n);

/*
 * Free frames of a zone, and all its frames.  Over a source of one's own:
 * what its free_count says, and that plus the frames the core holds.
 */
uint32_t pt_frame_free_count(enum zone z);
uint32_t pt_frame_total_count(enum zone z);

/*
 * What the inline queries below read: the built-in source's free bitmap
 * and free counts (NULL and 0 over a source of one's own) and the count
 * of pinned user frames, published by frame.c, which alone writes them.
 * The calls on one page ask them on every call (is the frame to map free?
 * may an unmap drop a pinned frame?), and a function call would cost more
 * than the question.
 */
struct pt_frame_public {
	const uint32_t *free_bits; /* bit pfn % 32 of word pfn / 32: frame pfn is free */
	uint32_t nframes;          /* the frames free_bits covers */
	uint32_t user_pinned;      /* user-zone frames with a pin */
	const uint32_t *free;      /* the free frames of each zone, or NULL: ask the source */
};

extern struct pt_frame_public pt_frame_public;

/* pt_frame_any_free of one frame. */
static inline bool pt_frame_is_free(paddr_t pa)
{
	uint32_t pfn = pa_to_pfn(pa);

	return pfn < pt_frame_public.nframes && (pt_frame_public.free_bits[pfn / 32] & BIT(pfn % 32));
}

/* How many frames of the user zone are pinned now. */
static inline uint32_t pt_frame_user_pinned(void)
{
	return pt_frame_public.user_pinned;
}

/* pt_frame_free_count(ZONE_USER): asked before every allocation a user fault may make. */
static inline uint32_t pt_frame_user_free(void)
{
	return pt_frame_public.free ? pt_frame_public.free[ZONE_USER] : pt_frame_free_count(ZONE_USER);
}

/* Whether pa lies in the kernel zone. */
bool pt_frame_in_kzone(paddr_t pa);

/* X: the first address past the kernel zone. */
paddr_t pt_frame_kzone_end(void);

/*
 * The holder's words: 16 bits for each frame of the kernel zone, indexed by
 * frame number (pa_to_pfn, below pt_frame_kzone_end()), in which whoever holds
 * the frame keeps what it must know about it.  Page-table blocks keep there
 * how many entries of each table are live (ptblock.h), as OpenBSD's pmap
 * keeps that count in the page's own vm_page: a count that stays with the
 * frame, found from the frame's address alone.  All zero after pt_frame_init;
 * the allocator never reads or writes them again.
 */
uint16_t *pt_frame_kzone_words(void);

/* Where the core's metadata lies (with the built-in source's), for the kernel-zone layout dump. */
void pt_frame_metadata(paddr_t *base, uint32_t *nframes);

/*
 * The first run of free kernel-zone frames at or after *pa: sets *pa and
 * *n and returns true, or returns false when there is none.  Over a source
 * of one's own, its next_free_run hook answers; without one, false, and
 * pt_frame_free_runs_known says so.
 */
bool pt_frame_next_free_run(paddr_t *pa, uint32_t *n);

/* Whether pt_frame_next_free_run can answer: the built-in source, or one with the hook. */
bool pt_frame_free_runs_known(void);

/*
 * Fault injection: make the nth allocation from now fail with -E_NOMEM
 * (every call of pt_frame_alloc, pt_frame_alloc_run and pt_frame_extend_run that
 * passes its argument checks counts as one).  0 turns it off.
 * pt_frame_alloc_calls counts the calls since pt_frame_init.
 */
void pt_frame_fail_nth(uint32_t n);
uint32_t pt_frame_alloc_calls(void);

/*
 * Verify the invariants above; returns 0 or -E_INVAL after printing the
 * first broken one.  Over a source of one's own, what the core keeps of
 * every frame: the free bits are the source's, not checked here.
 */
int pt_frame_check(void);

#endif
