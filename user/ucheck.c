/* ucheck.c - known contents in memory, and stack growth (see ucheck.h). */
#include "ucheck.h"

void pattern_fill(void *p, uint32_t n, uint32_t seed)
{
	volatile uint32_t *w = p;

	for (uint32_t i = 0; i < n * PAGE_SIZE / 4; i++)
		w[i] = pattern(&w[i], seed);
}

bool pattern_holds(const void *p, uint32_t n, uint32_t seed)
{
	const volatile uint32_t *w = p;

	for (uint32_t i = 0; i < n * PAGE_SIZE / 4; i++)
		if (w[i] != pattern(&w[i], seed))
			return false;
	return true;
}

bool pages_zero(const void *p, uint32_t n)
{
	const volatile uint32_t *w = p;

	for (uint32_t i = 0; i < n * PAGE_SIZE / 4; i++)
		if (w[i] != 0)
			return false;
	return true;
}

uint32_t stack_dive(uint32_t bytes)
{
	volatile uint8_t frame[STACK_FRAME_BYTES];
	uint32_t changed = 0;

	for (uint32_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)bytes;
	if (bytes > sizeof(frame))
		changed = stack_dive(bytes - sizeof(frame));
	for (uint32_t i = 0; i < sizeof(frame); i++)
		if (frame[i] != (uint8_t)bytes)
			return changed + 1;
	return changed;
}
