/*
 * pressure.h - the kernel's side of paging out: the watermarks of free
 * user frames, and the reclaim that brings them back up (pager.h does the
 * paging; this decides when).
 *
 * Below the low watermark, before a user-frame allocation (a fault or a
 * pt_vm_resolve through ufault.c, loading a program, a fork), the kernel
 * frees frames up to the high watermark: first whole processes that sleep
 * or wait (the hook proc.c registers pages out their blocks, those idle
 * the longest first), then pages of any space, by the pager's clock.
 * Without swap slots nothing is done, and the kernel runs as it did
 * before paging out existed.
 *
 *   low  = max(PRESSURE_MIN_LOW, user-zone frames / 64)
 *   high = 2 * low
 */
#ifndef PAGETRACK_PRESSURE_H
#define PAGETRACK_PRESSURE_H

#include "frame.h"
#include "types.h"

#define PRESSURE_MIN_LOW 16u /* frames: the least low watermark, for a small user zone */

/*
 * A hook that pages out whole processes that do not run (sleeping or
 * waiting), until `want` frames are freed: the frames it freed.  proc.c
 * registers it (the process table is its own).
 */
typedef uint32_t (*pressure_idle_fn)(uint32_t want);

/* Set the watermarks from the user zone's size, and the hook (NULL: none). */
void pressure_init(pressure_idle_fn idle);

uint32_t pressure_low(void);
uint32_t pressure_high(void);

/*
 * Tests: set the watermarks (low <= high), so that a test holding most of
 * the user zone leaves its processes room to work; pressure_default_marks
 * sets those of pressure_init again.
 */
void pressure_set_marks(uint32_t low, uint32_t high);
void pressure_default_marks(void);

/* Whether there are swap slots to page out to. */
bool pressure_swap_on(void);

/*
 * After an allocation failed: free frames up to the high watermark
 * whatever the count is now.  Returns the frames freed (0: nothing could
 * go, or the zone is at the high watermark already).
 */
uint32_t pressure_reclaim(void);

/* The low watermark, published for pressure_before_alloc; pressure.c alone writes it. */
extern uint32_t pressure_low_mark;

/*
 * Before a user-frame allocation: below the low watermark, free frames up
 * to the high one (idle processes, then the clock).  Returns the frames
 * freed (0 above the watermark, or when nothing could go).  Inline: every
 * user fault asks, and above the watermark the answer is one compare.
 */
static inline uint32_t pressure_before_alloc(void)
{
	return pt_frame_user_free() < pressure_low_mark ? pressure_reclaim() : 0;
}

/* Reclaims done and frames they freed, since boot. */
struct pressure_stats {
	uint32_t reclaims;     /* calls that found the count low and freed something */
	uint32_t idle_frames;  /* frames freed by paging out idle processes */
	uint32_t clock_frames; /* frames freed by the clock */
};

void pressure_get_stats(struct pressure_stats *s);

#endif
