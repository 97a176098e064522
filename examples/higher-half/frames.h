/*
 * frames.h - this kernel's physical memory manager: one bit per 4 KiB
 * frame of the first MAX_RAM bytes, set when the frame is free.
 *
 * At boot every frame is in use; frame_add_free() frees the available
 * regions of the multiboot memory map, then frame_reserve() takes back
 * what must never be handed out (the first 1 MiB, the kernel image).
 * Allocation is first fit, from the lowest address of the range asked.
 * Every call returns 0 or -1 (no such free frames), and a failing call
 * changes nothing.
 */
#ifndef HH_FRAMES_H
#define HH_FRAMES_H

#include <stdbool.h>
#include <stdint.h>

#define FRAME_SIZE 4096u
#define MAX_RAM 0x40000000u /* 1 GiB: the bitmap is 32 KiB of bss */

void frame_add_free(uint64_t base, uint64_t len);
void frame_reserve(uint32_t base, uint32_t len);

/* One past the highest frame ever freed: the top of RAM this manager owns. */
uint32_t frame_top(void);

/* One free frame anywhere. */
int frame_alloc(uint32_t *pa);

/* One free frame in [lo, hi). */
int frame_alloc_in(uint32_t lo, uint32_t hi, uint32_t *pa);

/* n contiguous free frames in [lo, hi); *pa is the first. */
int frame_alloc_run(uint32_t n, uint32_t lo, uint32_t hi, uint32_t *pa);

/* The first run of free frames in [lo, hi): its first frame in *pa, its length in *n. */
bool frame_next_free_run(uint32_t lo, uint32_t hi, uint32_t *pa, uint32_t *n);

/* Take the n frames from pa, all of which must be free. */
int frame_claim(uint32_t pa, uint32_t n);

/* Give back one frame, or n from pa; freeing a free frame is a panic (a double free). */
void frame_free(uint32_t pa);
void frame_free_run(uint32_t pa, uint32_t n);

/* Free frames in [lo, hi), and in all of RAM. */
uint32_t frame_free_count_in(uint32_t lo, uint32_t hi);
uint32_t frame_free_count(void);

#endif
