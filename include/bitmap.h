/*
 * bitmap.h - a bit per item (a frame, a swap slot) in 32-bit words.
 *
 * The frame allocator and the swap slots keep which of their items are
 * free in bitmaps, and find runs of free ones the same way: a word at a
 * time, skipping whole words that hold no bit of the kind sought.
 */
#ifndef PAGETRACK_BITMAP_H
#define PAGETRACK_BITMAP_H

#include "types.h"

static inline bool bitmap_test(const uint32_t *map, uint32_t i) { return map[i / 32] & BIT(i % 32); }
static inline void bitmap_set(uint32_t *map, uint32_t i) { map[i / 32] |= BIT(i % 32); }
static inline void bitmap_clear(uint32_t *map, uint32_t i) { map[i / 32] &= ~BIT(i % 32); }

/* The first item in [from, end) whose bit equals `want`, or end. */
static inline uint32_t bitmap_find(const uint32_t *map, uint32_t from, uint32_t end, bool want)
{
	while (from < end) {
		uint32_t w = map[from / 32];
		if (!want)
			w = ~w;
		w &= ~MASK(from % 32); /* ignore bits below `from` */
		if (w != 0)
			return MIN(ALIGN_DOWN(from, 32) + (uint32_t)__builtin_ctz(w), end);
		from = ALIGN_DOWN(from, 32) + 32;
	}
	return end;
}

/*
 * The first run of n set bits in [*hint * 32, end), first fit, or end if
 * there is none.  *hint is a word below which no bit is set; it moves up
 * to the first word that has one.
 */
static inline uint32_t bitmap_find_run(const uint32_t *map, uint32_t *hint, uint32_t end,
				       uint32_t n)
{
	uint32_t start = bitmap_find(map, *hint * 32, end, true);

	*hint = start / 32;
	while (n <= end - start) {
		uint32_t stop = bitmap_find(map, start, start + n, false);
		if (stop == start + n)
			return start;
		start = bitmap_find(map, stop, end, true);
	}
	return end;
}

#endif
