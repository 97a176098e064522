/* frames.c - the bitmap frame manager (frames.h). */
#include <stdbool.h>
#include "frames.h"
#include "console.h"

#define NFRAMES (MAX_RAM / FRAME_SIZE)

static uint32_t free_bits[NFRAMES / 32];
static uint32_t top_pfn; /* one past the highest frame ever freed */

static bool is_free(uint32_t pfn)
{
	return free_bits[pfn / 32] & (1u << (pfn % 32));
}

static void set_free(uint32_t pfn, bool free)
{
	if (free)
		free_bits[pfn / 32] |= 1u << (pfn % 32);
	else
		free_bits[pfn / 32] &= ~(1u << (pfn % 32));
}

/* Frame numbers of [lo, hi), clipped to what the bitmap covers: the rounding keeps whole frames. */
static uint32_t first_pfn(uint64_t lo)
{
	uint64_t pfn = (lo + FRAME_SIZE - 1) / FRAME_SIZE;
	return pfn < NFRAMES ? (uint32_t)pfn : NFRAMES;
}

static uint32_t end_pfn(uint64_t hi)
{
	uint64_t pfn = hi / FRAME_SIZE;
	return pfn < NFRAMES ? (uint32_t)pfn : NFRAMES;
}

void frame_add_free(uint64_t base, uint64_t len)
{
	uint32_t end = end_pfn(base + len);

	for (uint32_t pfn = first_pfn(base); pfn < end; pfn++)
		set_free(pfn, true);
	if (end > top_pfn)
		top_pfn = end;
}

void frame_reserve(uint32_t base, uint32_t len)
{
	uint32_t end = end_pfn((uint64_t)base + len + FRAME_SIZE - 1);

	for (uint32_t pfn = base / FRAME_SIZE; pfn < end; pfn++)
		set_free(pfn, false);
}

uint32_t frame_top(void)
{
	return top_pfn * FRAME_SIZE;
}

/* Whether the n frames from pfn are all free. */
static bool run_free(uint32_t pfn, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (!is_free(pfn + i))
			return false;
	return true;
}

int frame_alloc_run(uint32_t n, uint32_t lo, uint32_t hi, uint32_t *pa)
{
	uint32_t end = end_pfn(hi);

	if (n == 0)
		return -1;
	for (uint32_t pfn = first_pfn(lo); pfn + n <= end && pfn + n > pfn; pfn++) {
		if (free_bits[pfn / 32] == 0 && pfn % 32 == 0) { /* a word with nothing free */
			pfn += 31;
			continue;
		}
		if (run_free(pfn, n)) {
			for (uint32_t i = 0; i < n; i++)
				set_free(pfn + i, false);
			*pa = pfn * FRAME_SIZE;
			return 0;
		}
	}
	return -1;
}

int frame_alloc_in(uint32_t lo, uint32_t hi, uint32_t *pa)
{
	return frame_alloc_run(1, lo, hi, pa);
}

int frame_alloc(uint32_t *pa)
{
	return frame_alloc_run(1, 0, MAX_RAM, pa);
}

bool frame_next_free_run(uint32_t lo, uint32_t hi, uint32_t *pa, uint32_t *n)
{
	uint32_t pfn = first_pfn(lo), end = end_pfn(hi), len = 0;

	while (pfn < end && !is_free(pfn))
		pfn++;
	while (pfn + len < end && is_free(pfn + len))
		len++;
	*pa = pfn * FRAME_SIZE;
	*n = len;
	return len > 0;
}

int frame_claim(uint32_t pa, uint32_t n)
{
	uint32_t pfn = pa / FRAME_SIZE;

	if (pa % FRAME_SIZE || pfn + n > NFRAMES || pfn + n < pfn || !run_free(pfn, n))
		return -1;
	for (uint32_t i = 0; i < n; i++)
		set_free(pfn + i, false);
	return 0;
}

void frame_free_run(uint32_t pa, uint32_t n)
{
	uint32_t pfn = pa / FRAME_SIZE;

	for (uint32_t i = 0; i < n; i++) {
		if (pa % FRAME_SIZE || pfn + i >= top_pfn || is_free(pfn + i))
			panic("frame_free: 0x%08x is not a frame in use", (pfn + i) * FRAME_SIZE);
		set_free(pfn + i, true);
	}
}

void frame_free(uint32_t pa)
{
	frame_free_run(pa, 1);
}

/* The bits set in w (no popcount instruction on an i486, and no libgcc here). */
static uint32_t bits_set(uint32_t w)
{
	uint32_t n = 0;

	for (; w; w &= w - 1)
		n++;
	return n;
}

uint32_t frame_free_count_in(uint32_t lo, uint32_t hi)
{
	uint32_t n = 0, end = end_pfn(hi);

	for (uint32_t pfn = first_pfn(lo); pfn < end; pfn++) {
		if (pfn % 32 == 0 && pfn + 32 <= end) { /* a whole word at once */
			n += bits_set(free_bits[pfn / 32]);
			pfn += 31;
			continue;
		}
		n += is_free(pfn);
	}
	return n;
}

uint32_t frame_free_count(void)
{
	return frame_free_count_in(0, MAX_RAM);
}
