/*
 * demo_frames.h - what the demo's parts share: the free frames they count
 * before and after, to say frames_leaked.
 */
#ifndef PAGETRACK_DEMO_FRAMES_H
#define PAGETRACK_DEMO_FRAMES_H

#include "frame.h"

/* Free frames of both zones together. */
static inline uint32_t demo_free_frames(void)
{
	return pt_frame_free_count(ZONE_KERNEL) + pt_frame_free_count(ZONE_USER);
}

#endif
