/*
 * frame_util.h - what the frame allocator's tests (the frame suite, host
 * only) share: the memory maps they boot, what the allocator should own
 * by the map, snapshots, and taking and giving back frames.
 *
 * The suite's cases, one subject per file, in the order they run:
 *
 *   frame_boot.c    X (the end of the kernel zone), pt_frame_init, ownership
 *   frame_alloc.c   single frames, kernel runs, extending runs
 *   frame_bad.c     bad input: refused, and nothing changes
 *   frame_refs.c    references and pins
 *   frame_inject.c  fault injection: pt_frame_fail_nth, pt_frame_alloc_calls
 *   frame_walk.c    walking the free kernel runs; poisoning
 *   frame_random.c  random operations against a model
 *
 * Most cases run on the standard map: 64 MiB of RAM, the kernel zone ending
 * at X = 16 MiB, with every kind of region a firmware map may hold:
 *
 *   0        0x9FC00   1M    image    meta         8M   8M+16K     16M = X
 *   | avail  | resv    |     |########|####| avail  | resv | avail  |
 *
 *   X         24M    25M          40M-4K  40M+4K   63M  63M+4K    64M
 *   | avail    | resv |   avail    | gap   |  avail  | acpi | avail |
 *
 * plus a duplicate available region at 3M-5M, an empty reserved region at
 * 30M, a reserved page beyond RAM and 512 MiB above 4 GiB (all ignored).
 * The two frames around 40M are only partly covered by the regions that
 * meet there (and a sliver of available memory), so they are not owned.
 *
 * The teardown checks pt_frame_check() and that both zones have the free
 * counts they had right after pt_frame_init: every case frees what it takes.
 */
#ifndef PAGETRACK_FRAME_UTIL_H
#define PAGETRACK_FRAME_UTIL_H

#include "frame.h"
#include "harness.h"
#include "types.h"

#define MEM_RESERVED 2
#define MEM_ACPI 3

#define MAX_FRAMES (MiB(64) / PAGE_SIZE) /* the most RAM any case boots with */
#define FR(n) ((uint32_t)(n) * PAGE_SIZE) /* n frames, in bytes */

struct config {
	const struct mem_region *map;
	size_t n;
	uint32_t ram;
	paddr_t kimg_start, kimg_end, kzone_end;
};

/* The standard map, and the configuration that boots it before every case. */
#define STD_MAP_REGIONS 13
#define STD_X MiB(16)
#define STD_HOLE MiB(8) /* 4 reserved frames */

extern const struct mem_region std_map[STD_MAP_REGIONS];
extern const struct config std_cfg;

extern struct config cfg;               /* the configuration booted last */
extern uint32_t base_free[ZONE_COUNT];  /* free counts right after pt_frame_init */

/* A new machine of c's RAM, pt_frame_init on c's map; notes base_free if it worked. */
int boot(const struct config *c);

/* The frames of RAM booted last; the first frame number past the kernel zone. */
uint32_t ram_frames(void);
uint32_t kzone_pfn(void);

/* ---- what the allocator should own, worked out from the map --------------- */

/* Whether the frame lies wholly in an available region and touches no reserved one. */
bool map_available(uint32_t pfn);

/* Whether the allocator should own the frame: available, not the image, not its metadata. */
bool expect_owned(uint32_t pfn);

/* The frames of zone z the allocator should own. */
uint32_t expected_total(enum zone z);

/* pt_frame_owned agrees with the map for every frame, and the totals with it. */
void check_ownership(void);

/* ---- snapshots: a failing call must change nothing ------------------------- */

/* What snap_save saved: the free counts, and each frame's references and pins. */
extern struct snapshot {
	uint32_t free[ZONE_COUNT];
	int ref[MAX_FRAMES], pin[MAX_FRAMES];
} saved;

void snap_save(void);

/* Fail the case, as from file:line, if the allocator is not as snap_save saw it. */
void check_unchanged(const char *file, int line);

#define CHECK_UNCHANGED() RUN(check_unchanged(__FILE__, __LINE__))

/* A frame in use that cannot be freed: err from every way of freeing it. */
void check_unfreeable(paddr_t pa, int err);

/* ---- taking and giving back ------------------------------------------------ */

/*
 * Allocate single frames of zone z until there are none left, checking
 * each: distinct, owned, in its zone, ref 1; then scribble over it, which
 * must not disturb the allocator.  *count gets how many were handed out.
 */
void exhaust_zone(enum zone z, uint32_t *count);

/* Drop every pin and reference on every frame in use: gives back all a case took. */
void release_all(void);

/* Take every free kernel-zone frame. */
void fill_kzone(void);

/* Free the frames [pa, pa + n frames), each taken before. */
void give(paddr_t pa, uint32_t n);

/* The cases of each file, run in the order frame_util.c lists them. */
extern const struct test_part frame_boot_part, frame_alloc_part, frame_bad_part,
	frame_refs_part, frame_inject_part, frame_walk_part, frame_random_part;

#endif
