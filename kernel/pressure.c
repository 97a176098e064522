/* pressure.c - the watermarks of free user frames, and reclaim (see pressure.h). */
#include "pressure.h"
#include "frame.h"
#include "lib.h"
#include "pager.h"
#include "swap.h"

#define LOW_DIVISOR 64 /* the low watermark: a 64th of the user zone */

uint32_t pressure_low_mark = PRESSURE_MIN_LOW;
static uint32_t high = 2 * PRESSURE_MIN_LOW;
static pressure_idle_fn idle_hook;
static struct pressure_stats stats;

void pressure_default_marks(void)
{
	pressure_low_mark = MAX(PRESSURE_MIN_LOW, pt_frame_total_count(ZONE_USER) / LOW_DIVISOR);
	high = 2 * pressure_low_mark;
}

void pressure_init(pressure_idle_fn idle)
{
	pressure_default_marks();
	idle_hook = idle;
}

void pressure_set_marks(uint32_t l, uint32_t h)
{
	pressure_low_mark = l;
	high = MAX(l, h);
}

uint32_t pressure_low(void)
{
	return pressure_low_mark;
}

uint32_t pressure_high(void)
{
	return high;
}

bool pressure_swap_on(void)
{
	struct swap_counts c;

	pt_swap_get_counts(&c);
	return c.total > 0;
}

uint32_t pressure_reclaim(void)
{
	uint32_t free = pt_frame_free_count(ZONE_USER), idle = 0, clock = 0;

	if (free >= high || !pressure_swap_on())
		return 0;
	if (idle_hook)
		idle = idle_hook(high - free);
	free = pt_frame_free_count(ZONE_USER);
	if (free < high)
		clock = pt_pager_reclaim(high - free);
	stats.reclaims += idle + clock > 0;
	stats.idle_frames += idle;
	stats.clock_frames += clock;
	return idle + clock;
}

void pressure_get_stats(struct pressure_stats *s)
{
	*s = stats;
}
