/*
 * test_frame.c - the physical frame allocator (core/frame.c) on made-up
 * memory maps.
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
 * The teardown checks frame_check() and that both zones have the free
 * counts they had right after frame_init: every case frees what it takes.
 */
#include "frame.h"
#include "harness.h"
#include "machine.h"
#include "seam.h"
#include "suites.h"

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

static const struct mem_region std_map[] = {
	{ 0, 0x9FC00, MEM_AVAILABLE },
	{ 0x9FC00, 0x400, MEM_RESERVED },
	{ 0xE8000, 0x18000, MEM_RESERVED },
	{ MiB(8) + 0x10, 0x3000, MEM_RESERVED }, /* before the region it cuts */
	{ MiB(1), MiB(39) - 0x123, MEM_AVAILABLE },
	{ MiB(3), MiB(2), MEM_AVAILABLE },
	{ MiB(24), MiB(1), MEM_RESERVED },
	{ MiB(30) + 0x123, 0, MEM_RESERVED },
	{ MiB(40) + 0x800, MiB(24) - 0x800, MEM_AVAILABLE },
	{ MiB(40) + 0x100, 0x400, MEM_AVAILABLE }, /* a sliver of one frame */
	{ MiB(63), 0x1000, MEM_ACPI },
	{ 0xFEC00000, 0x1000, MEM_RESERVED },
	{ 0x100000000ull, MiB(512), MEM_AVAILABLE },
};

#define STD_X MiB(16)
#define STD_HOLE MiB(8) /* 4 reserved frames */

static const struct config std_cfg = {
	std_map, ARRAY_SIZE(std_map), MiB(64), MiB(1), MiB(1) + 0x2345A, STD_X,
};

static struct config cfg;               /* the configuration booted last */
static uint8_t seen[MAX_FRAMES];        /* frames handed out by exhaust_zone */
static uint32_t base_free[ZONE_COUNT];  /* free counts right after frame_init */

/* ---- booting ------------------------------------------------------------ */

static int boot(const struct config *c)
{
	int rc;

	cfg = *c;
	memset(seen, 0, sizeof(seen));
	machine_reset(c->ram);
	rc = frame_init(c->map, c->n, c->kimg_start, c->kimg_end, c->kzone_end);
	if (rc == 0) {
		base_free[ZONE_KERNEL] = frame_free_count(ZONE_KERNEL);
		base_free[ZONE_USER] = frame_free_count(ZONE_USER);
	}
	return rc;
}

/* frame_init on c's map without resetting the machine: for calls that must fail. */
static int init_only(const struct config *c)
{
	return frame_init(c->map, c->n, c->kimg_start, c->kimg_end, c->kzone_end);
}

static void setup(void)
{
	CHECK_OK(boot(&std_cfg));
}

static void teardown(void)
{
	frame_fail_nth(0);
	CHECK_EQ(frame_check(), 0);
	CHECK_EQ(frame_free_count(ZONE_KERNEL), base_free[ZONE_KERNEL]);
	CHECK_EQ(frame_free_count(ZONE_USER), base_free[ZONE_USER]);
}

static uint32_t ram_frames(void) { return cfg.ram / PAGE_SIZE; }
static uint32_t kzone_pfn(void) { return pa_to_pfn(frame_kzone_end()); }

/* ---- what the allocator should own, worked out from the map --------------- */

static bool touches(const struct mem_region *r, uint64_t lo, uint64_t hi)
{
	return r->len != 0 && r->base < hi && lo < r->base + r->len;
}

static bool covers(const struct mem_region *r, uint64_t lo, uint64_t hi)
{
	return r->base <= lo && r->base + r->len >= hi;
}

/* Whether the frame lies wholly in an available region and touches no reserved one. */
static bool map_available(uint32_t pfn)
{
	uint64_t lo = (uint64_t)pfn << PAGE_SHIFT, hi = lo + PAGE_SIZE;
	bool avail = false;

	for (size_t i = 0; i < cfg.n; i++) {
		const struct mem_region *r = &cfg.map[i];
		if (r->type != MEM_AVAILABLE && touches(r, lo, hi))
			return false;
		if (r->type == MEM_AVAILABLE && covers(r, lo, hi))
			avail = true;
	}
	return avail;
}

static bool in_metadata(uint32_t pfn)
{
	paddr_t base;
	uint32_t n;

	frame_metadata(&base, &n);
	return pfn >= pa_to_pfn(base) && pfn < pa_to_pfn(base) + n;
}

static bool expect_owned(uint32_t pfn)
{
	uint64_t lo = (uint64_t)pfn << PAGE_SHIFT, hi = lo + PAGE_SIZE;

	if (lo < FRAME_LOW_RESERVED || in_metadata(pfn))
		return false;
	if (lo < cfg.kimg_end && hi > cfg.kimg_start)
		return false;
	return map_available(pfn);
}

static enum zone zone_of(uint32_t pfn) { return pfn < kzone_pfn() ? ZONE_KERNEL : ZONE_USER; }

static uint32_t expected_total(enum zone z)
{
	uint32_t n = 0;

	for (uint32_t p = 0; p < ram_frames(); p++)
		if (expect_owned(p) && zone_of(p) == z)
			n++;
	return n;
}

/* The lowest owned kernel frame that is free now, at or after pfn. */
static uint32_t first_free_kernel(uint32_t pfn)
{
	while (pfn < kzone_pfn() && !(expect_owned(pfn) && frame_refcount(pfn_to_pa(pfn)) == 0))
		pfn++;
	return pfn;
}

/* ---- snapshots: a failing call must change nothing ------------------------- */

static struct {
	uint32_t free[ZONE_COUNT];
	int ref[MAX_FRAMES], pin[MAX_FRAMES];
} snap;

static void snap_save(void)
{
	snap.free[ZONE_KERNEL] = frame_free_count(ZONE_KERNEL);
	snap.free[ZONE_USER] = frame_free_count(ZONE_USER);
	for (uint32_t p = 0; p < ram_frames(); p++) {
		snap.ref[p] = frame_refcount(pfn_to_pa(p));
		snap.pin[p] = frame_pincount(pfn_to_pa(p));
	}
}

static void check_unchanged(int line)
{
	if (frame_check() != 0) {
		test_fail(__FILE__, line, "frame_check failed");
		return;
	}
	for (int z = 0; z < ZONE_COUNT; z++) {
		if (frame_free_count(z) != snap.free[z]) {
			test_fail(__FILE__, line, "free count of zone %d changed: %u, was %u", z,
				  frame_free_count(z), snap.free[z]);
			return;
		}
	}
	for (uint32_t p = 0; p < ram_frames(); p++) {
		int ref = frame_refcount(pfn_to_pa(p)), pin = frame_pincount(pfn_to_pa(p));
		if (ref != snap.ref[p] || pin != snap.pin[p]) {
			test_fail(__FILE__, line, "frame 0x%x changed: ref %d pin %d, was %d %d",
				  pfn_to_pa(p), ref, pin, snap.ref[p], snap.pin[p]);
			return;
		}
	}
}

#define CHECK_UNCHANGED() RUN(check_unchanged(__LINE__))

/* ---- taking and giving back ------------------------------------------------ */

/*
 * Allocate single frames of zone z until there are none left, checking
 * each: distinct, owned, in its zone, ref 1; then scribble over it, which
 * must not disturb the allocator.  *count gets how many were handed out.
 */
static void exhaust_zone(enum zone z, uint32_t *count)
{
	paddr_t pa;
	int rc;

	*count = 0;
	while ((rc = frame_alloc(z, &pa)) == 0) {
		uint32_t p = pa_to_pfn(pa);
		CHECK(IS_ALIGNED(pa, PAGE_SIZE));
		CHECK_LT(p, ram_frames());
		CHECK_EQ(seen[p], 0);
		seen[p] = 1;
		CHECK(expect_owned(p));
		CHECK(frame_owned(pa));
		CHECK_EQ(zone_of(p), z);
		CHECK_EQ(frame_in_kzone(pa), z == ZONE_KERNEL);
		CHECK_EQ(frame_refcount(pa), 1);
		CHECK_EQ(frame_pincount(pa), 0);
		memset(hw_phys(pa), 0xA5, PAGE_SIZE);
		(*count)++;
		CHECK_LE(*count, frame_total_count(z));
	}
	CHECK_EQ(rc, -E_NOMEM);
	CHECK_EQ(frame_free_count(z), 0);
}

/* Drop every pin and reference on every frame in use: gives back all a case took. */
static void release_all(void)
{
	for (uint32_t p = 0; p < ram_frames(); p++) {
		paddr_t pa = pfn_to_pa(p);
		int pins = frame_pincount(pa);
		if (frame_refcount(pa) <= 0)
			continue;
		while (pins-- > 0)
			CHECK_OK(frame_unpin(pa));
		int left;
		while ((left = frame_unref(pa)) > 0)
			;
		CHECK_EQ(left, 0);
	}
	memset(seen, 0, sizeof(seen));
}

/* Take every free kernel-zone frame. */
static void fill_kzone(void)
{
	uint32_t n;

	RUN(exhaust_zone(ZONE_KERNEL, &n));
	CHECK_EQ(n, base_free[ZONE_KERNEL]);
}

/* Free the frames [pa, pa + n frames), each taken before. */
static void give(paddr_t pa, uint32_t n)
{
	CHECK_OK(frame_free_run(pa, n));
}

/* ---- X, the end of the kernel zone --------------------------------------- */

static paddr_t choose(const struct mem_region *map, size_t n, paddr_t requested)
{
	return frame_choose_kzone_end(map, n, requested);
}

static void kzone_end_defaults_to_a_quarter_of_ram(void)
{
	const struct mem_region big[] = { { MiB(1), MiB(255), MEM_AVAILABLE } };
	const struct mem_region two_gib[] = { { 0, 0x80000000u, MEM_AVAILABLE } };

	CHECK_EQ(choose(big, 1, 0), MiB(64));
	CHECK_EQ(choose(two_gib, 1, 0), MiB(512));
	CHECK_EQ(choose(std_map, ARRAY_SIZE(std_map), 0), MiB(16));
}

static void default_kzone_end_is_rounded_up_to_4_mib(void)
{
	/* 127 MiB 896 KiB of RAM, as QEMU gives with -m 128: a quarter is just under 32 MiB */
	const struct mem_region qemu[] = { { MiB(1), 0x07fe0000u - MiB(1), MEM_AVAILABLE } };
	const struct mem_region odd[] = { { MiB(1), MiB(100), MEM_AVAILABLE } };

	CHECK_EQ(choose(qemu, 1, 0), MiB(32));
	CHECK_EQ(choose(odd, 1, 0), MiB(28)); /* a quarter of 101 MiB, rounded up */
}

static void kzone_end_is_at_least_16_mib(void)
{
	const struct mem_region m32[] = { { MiB(1), MiB(31), MEM_AVAILABLE } };
	const struct mem_region m40[] = { { MiB(1), MiB(39), MEM_AVAILABLE } };
	const struct mem_region m68[] = { { MiB(1), MiB(67), MEM_AVAILABLE } };

	CHECK_EQ(choose(m32, 1, 0), KZONE_MIN);
	CHECK_EQ(choose(m40, 1, 0), KZONE_MIN);
	CHECK_EQ(choose(m68, 1, 0), MiB(20)); /* 17 MiB, rounded up to 4 MiB */
}

static void kzone_end_is_clamped_to_the_top_of_ram(void)
{
	const struct mem_region m8[] = {
		{ 0, 0x9F000, MEM_AVAILABLE },
		{ MiB(1), MiB(7), MEM_AVAILABLE },
		{ MiB(8), MiB(100), MEM_RESERVED }, /* reserved memory is not RAM */
	};

	CHECK_EQ(choose(m8, ARRAY_SIZE(m8), 0), MiB(8));
	CHECK_EQ(choose(m8, ARRAY_SIZE(m8), MiB(100)), MiB(8));
	CHECK_EQ(choose(std_map, ARRAY_SIZE(std_map), MiB(100)), MiB(64));
	CHECK_EQ(choose(std_map, ARRAY_SIZE(std_map), 0xFFFFFFFFu), MiB(64));
	CHECK_EQ(choose(NULL, 0, 0), 0);
}

static void kzone_end_honours_a_request(void)
{
	CHECK_EQ(choose(std_map, ARRAY_SIZE(std_map), MiB(20)), MiB(20));
	CHECK_EQ(choose(std_map, ARRAY_SIZE(std_map), MiB(2)), MiB(2));
	CHECK_EQ(choose(std_map, ARRAY_SIZE(std_map), MiB(64)), MiB(64));
}

static void kzone_end_rounds_up_to_a_frame(void)
{
	/* top = 64 MiB + 12 KiB: a quarter is 16 MiB + 3 KiB, and the default rounds to 4 MiB */
	const struct mem_region odd[] = { { MiB(1), MiB(63) + KiB(12), MEM_AVAILABLE } };

	CHECK_EQ(choose(odd, 1, 0), MiB(20));
	CHECK_EQ(choose(std_map, ARRAY_SIZE(std_map), MiB(20) + 1), MiB(20) + KiB(4));
	CHECK_EQ(choose(std_map, ARRAY_SIZE(std_map), MiB(20) + 0xFFF), MiB(20) + KiB(4));
	CHECK_EQ(choose(std_map, ARRAY_SIZE(std_map), MiB(20) - 0xFFF), MiB(20));
}

static void kzone_end_stays_below_the_kmap_window(void)
{
	const struct mem_region all[] = { { MiB(1), 0x100000000ull, MEM_AVAILABLE } };
	const struct mem_region two_gib[] = { { 0, 0x80000000u, MEM_AVAILABLE } };

	CHECK_EQ(choose(all, 1, 0), KZONE_LIMIT);
	CHECK_EQ(choose(all, 1, 0xFFFFFFFFu), KZONE_LIMIT);
	CHECK_EQ(choose(two_gib, 1, KZONE_LIMIT + 1), KZONE_LIMIT);
	CHECK_EQ(choose(two_gib, 1, KZONE_LIMIT - KiB(4)), KZONE_LIMIT - KiB(4));
}

static void kzone_end_ignores_memory_it_cannot_own(void)
{
	const struct mem_region m[] = {
		{ MiB(1), MiB(63) + 0x800, MEM_AVAILABLE }, /* the last half frame does not count */
		{ MiB(64), MiB(960), MEM_RESERVED },
		{ 0x100000000ull, 0x100000000ull, MEM_AVAILABLE },
		{ 0xFFFFFFFFFFFFF000ull, 0x2000, MEM_AVAILABLE }, /* wraps */
	};

	CHECK_EQ(choose(m, ARRAY_SIZE(m), 0), MiB(16));
	CHECK_EQ(choose(m, ARRAY_SIZE(m), MiB(100)), MiB(64));
}

/* ---- frame_init ------------------------------------------------------------- */

/* A frame in use before each bad frame_init, to show the call changed nothing. */
static void check_init_fails(const struct config *c, int err)
{
	paddr_t pa;

	CHECK_OK(frame_alloc(ZONE_USER, &pa));
	CHECK_OK(frame_pin(pa));
	snap_save();
	CHECK_ERR(init_only(c), err);
	check_unchanged(__LINE__);
	if (test_failed())
		return;
	CHECK_EQ(frame_kzone_end(), STD_X);
	CHECK_OK(frame_unpin(pa));
	CHECK_OK(frame_free(pa));
}

static void init_rejects_a_map_without_memory_above_1_mib(void)
{
	const struct mem_region low[] = {
		{ 0, 0x9FC00, MEM_AVAILABLE },
		{ MiB(1), MiB(15), MEM_RESERVED },
		{ 0x100000000ull, MiB(64), MEM_AVAILABLE },
	};
	struct config c = { low, ARRAY_SIZE(low), MiB(16), MiB(1), MiB(1) + KiB(64), STD_X };

	RUN(check_init_fails(&c, E_INVAL));
	c.n = 0;
	RUN(check_init_fails(&c, E_INVAL));
}

static void init_rejects_bad_arguments(void)
{
	struct config c = std_cfg;

	c.kzone_end = STD_X + 0x800;
	RUN(check_init_fails(&c, E_INVAL));
	c.kzone_end = KZONE_LIMIT + PAGE_SIZE; /* over the user gate */
	RUN(check_init_fails(&c, E_INVAL));
	c = std_cfg;
	c.kimg_start = MiB(2);
	c.kimg_end = MiB(1);
	RUN(check_init_fails(&c, E_INVAL));
}

static void init_fails_when_its_metadata_does_not_fit(void)
{
	const struct mem_region resv[] = {
		{ MiB(1), MiB(63), MEM_AVAILABLE },
		{ MiB(1) + KiB(64), MiB(15) - KiB(64), MEM_RESERVED },
	};
	struct config c = std_cfg;

	c.kzone_end = MiB(1) + KiB(8); /* one frame after the image */
	c.kimg_end = MiB(1) + KiB(4);
	RUN(check_init_fails(&c, E_NOMEM));
	c = std_cfg;
	c.kzone_end = MiB(1);
	RUN(check_init_fails(&c, E_NOMEM));
	c = std_cfg;
	c.kimg_end = 0xFFFFFFFFu; /* no room after such an image */
	RUN(check_init_fails(&c, E_NOMEM));
	c = (struct config){ resv, ARRAY_SIZE(resv), MiB(64), MiB(1), MiB(1) + KiB(64), STD_X };
	RUN(check_init_fails(&c, E_NOMEM));
}

static void init_clamps_the_kernel_zone_to_the_top_of_ram(void)
{
	const struct mem_region small[] = { { MiB(1), MiB(7), MEM_AVAILABLE } };
	const struct config c = { small, 1, MiB(8), MiB(1), MiB(1) + KiB(64), STD_X };
	paddr_t pa;

	CHECK_OK(boot(&c));
	CHECK_EQ(frame_kzone_end(), MiB(8));
	CHECK_EQ(frame_total_count(ZONE_USER), 0);
	CHECK_EQ(frame_free_count(ZONE_USER), 0);
	CHECK_EQ(frame_total_count(ZONE_KERNEL), expected_total(ZONE_KERNEL));
	CHECK_ERR(frame_alloc(ZONE_USER, &pa), E_NOMEM);
	CHECK_OK(frame_alloc(ZONE_KERNEL, &pa));
	CHECK_OK(frame_free(pa));
}

/* ---- ownership -------------------------------------------------------------- */

/* frame_owned agrees with the map for every frame, and the totals with it. */
static void check_ownership(void)
{
	for (uint32_t p = 0; p < ram_frames() + 16; p++) {
		bool want = p < ram_frames() && expect_owned(p);
		paddr_t pa = pfn_to_pa(p);
		if (frame_owned(pa) != want || frame_owned(pa + 0x123) != want) {
			test_fail(__FILE__, __LINE__, "frame 0x%x: owned %d, want %d", pa,
				  frame_owned(pa), want);
			return;
		}
	}
	CHECK_EQ(frame_total_count(ZONE_KERNEL), expected_total(ZONE_KERNEL));
	CHECK_EQ(frame_total_count(ZONE_USER), expected_total(ZONE_USER));
	CHECK_EQ(frame_free_count(ZONE_KERNEL), frame_total_count(ZONE_KERNEL));
	CHECK_EQ(frame_free_count(ZONE_USER), frame_total_count(ZONE_USER));
}

/* Hand out every frame of both zones, check each, then give them all back. */
static void check_exhaustion(void)
{
	uint32_t nuser, nkernel;
	paddr_t pa;

	RUN(exhaust_zone(ZONE_USER, &nuser));
	CHECK_EQ(nuser, frame_total_count(ZONE_USER));
	RUN(exhaust_zone(ZONE_KERNEL, &nkernel));
	CHECK_EQ(nkernel, frame_total_count(ZONE_KERNEL));
	CHECK_ERR(frame_alloc_run(1, &pa), E_NOMEM);
	CHECK_ERR(frame_alloc(ZONE_USER, &pa), E_NOMEM);
	CHECK_EQ(frame_check(), 0); /* the scribbles did not reach the metadata */
	RUN(release_all());
	CHECK_EQ(frame_free_count(ZONE_KERNEL), nkernel);
	CHECK_EQ(frame_free_count(ZONE_USER), nuser);
}

static void owned_frames_follow_the_memory_map(void)
{
	paddr_t meta;
	uint32_t nmeta;
	static const paddr_t not_owned[] = {
		0, KiB(4), 0x9F000, 0xE8000, MiB(1), MiB(1) + 0x23000, STD_HOLE,
		STD_HOLE + FR(3), MiB(24), MiB(25) - FR(1), MiB(40) - FR(1), MiB(40),
		MiB(63), MiB(64), 0xFEC00000, 0xFFFFF000,
	};
	static const paddr_t owned[] = {
		MiB(2), MiB(3), STD_HOLE - FR(1), STD_HOLE + FR(4), STD_X - FR(1), STD_X,
		MiB(25), MiB(30), MiB(40) - FR(2), MiB(40) + FR(1), MiB(63) - FR(1),
		MiB(63) + FR(1), MiB(64) - FR(1),
	};

	RUN(check_ownership());
	for (size_t i = 0; i < ARRAY_SIZE(not_owned); i++)
		CHECK(!frame_owned(not_owned[i]));
	for (size_t i = 0; i < ARRAY_SIZE(owned); i++)
		CHECK(frame_owned(owned[i]));
	frame_metadata(&meta, &nmeta);
	CHECK(!frame_owned(meta));
	CHECK(!frame_owned(meta + FR(nmeta - 1)));
	CHECK(frame_owned(meta + FR(nmeta)));
	CHECK(frame_in_kzone(STD_X - 1));
	CHECK(!frame_in_kzone(STD_X));
	CHECK_EQ(frame_kzone_end(), STD_X);
}

static void metadata_lies_in_the_kernel_zone_after_the_image(void)
{
	paddr_t meta;
	uint32_t nmeta;

	frame_metadata(&meta, &nmeta);
	CHECK(IS_ALIGNED(meta, PAGE_SIZE));
	CHECK_GE(nmeta, 1);
	CHECK_GE(meta, ALIGN_UP(cfg.kimg_end, PAGE_SIZE));
	CHECK_LE(meta + FR(nmeta), frame_kzone_end());
	/* enough room for at least a bitmap of every frame */
	CHECK_GE(FR(nmeta), ram_frames() / 8);
	for (uint32_t i = 0; i < nmeta; i++)
		CHECK(map_available(pa_to_pfn(meta) + i));
}

static void every_frame_handed_out_is_owned(void)
{
	RUN(check_exhaustion());
}

/*
 * The image has unaligned ends; a reserved frame follows it and the rest of
 * its region is too small for the metadata, which goes to the next region:
 *
 *   1M     image    1M+64K  resv  1M+76K  1M+96K   2M+4K              32M+4K
 *   |################|XXXXXXXXXXX|  5 frames |  ...  | avail ... .. ..    |
 */
static const struct mem_region placement_map[] = {
	{ 0, 0xA0000, MEM_AVAILABLE },
	{ MiB(1), KiB(96), MEM_AVAILABLE },
	{ MiB(1) + KiB(64), KiB(8) + 1, MEM_RESERVED },
	{ MiB(2) + KiB(4), MiB(30), MEM_AVAILABLE },
};

static void metadata_skips_reserved_frames_and_small_regions(void)
{
	const struct config c = {
		placement_map, ARRAY_SIZE(placement_map), MiB(33),
		MiB(1) + 0x800, MiB(1) + KiB(60) + 0x10, MiB(8),
	};
	paddr_t meta;
	uint32_t nmeta;

	CHECK_OK(boot(&c));
	frame_metadata(&meta, &nmeta);
	CHECK_GT(nmeta, 5);
	CHECK_GE(meta, MiB(2) + KiB(4));
	CHECK_LE(meta + FR(nmeta), MiB(8));
	for (uint32_t i = 0; i < nmeta; i++)
		CHECK(map_available(pa_to_pfn(meta) + i));
	CHECK(!frame_owned(MiB(1)));
	CHECK(!frame_owned(MiB(1) + KiB(60)));
	CHECK(!frame_owned(MiB(1) + KiB(72)));
	CHECK(frame_owned(MiB(1) + KiB(76)));
	CHECK(frame_owned(MiB(1) + KiB(92)));
	CHECK(!frame_owned(MiB(1) + KiB(96)));
	RUN(check_ownership());
	RUN(check_exhaustion());
}

/*
 * A tiny machine: 16 frames at 1 MiB, the image in the first, the metadata
 * in the next, the kernel zone ending after 8.
 */
static void tiny_map_hands_out_what_little_it_has(void)
{
	const struct mem_region tiny[] = { { MiB(1), FR(16), MEM_AVAILABLE } };
	const struct config c = { tiny, 1, MiB(2), MiB(1), MiB(1) + 100, MiB(1) + FR(8) };
	paddr_t pa, meta;
	uint32_t nmeta;

	CHECK_OK(boot(&c));
	frame_metadata(&meta, &nmeta);
	CHECK_EQ(meta, MiB(1) + FR(1));
	CHECK_EQ(nmeta, 1);
	CHECK_EQ(frame_total_count(ZONE_KERNEL), 6);
	CHECK_EQ(frame_total_count(ZONE_USER), 8);
	CHECK_ERR(frame_alloc_run(7, &pa), E_NOMEM);
	CHECK_OK(frame_alloc_run(6, &pa));
	CHECK_EQ(pa, MiB(1) + FR(2));
	CHECK_OK(frame_free_run(pa, 6));
	RUN(check_ownership());
	RUN(check_exhaustion());
}

static void one_frame_map_has_room_only_for_metadata(void)
{
	const struct mem_region one[] = { { MiB(1), FR(1), MEM_AVAILABLE } };
	const struct config c = { one, 1, MiB(2), 0, 0, MiB(1) + FR(1) };
	paddr_t pa;

	CHECK_OK(boot(&c));
	CHECK_EQ(frame_total_count(ZONE_KERNEL), 0);
	CHECK_EQ(frame_total_count(ZONE_USER), 0);
	CHECK_ERR(frame_alloc(ZONE_KERNEL, &pa), E_NOMEM);
	CHECK_ERR(frame_alloc(ZONE_USER, &pa), E_NOMEM);
	CHECK_ERR(frame_free(MiB(1)), E_NOTOWN);
	CHECK_EQ(frame_check(), 0);
}

/* ---- single frames ---------------------------------------------------------- */

static void user_frames_are_distinct_and_in_the_user_zone(void)
{
	paddr_t pa[100];

	for (size_t i = 0; i < ARRAY_SIZE(pa); i++) {
		CHECK_OK(frame_alloc(ZONE_USER, &pa[i]));
		CHECK(!frame_in_kzone(pa[i]));
		CHECK(expect_owned(pa_to_pfn(pa[i])));
		CHECK_EQ(frame_refcount(pa[i]), 1);
		CHECK_EQ(frame_pincount(pa[i]), 0);
		CHECK_EQ(frame_free_count(ZONE_USER), base_free[ZONE_USER] - i - 1);
		CHECK_EQ(frame_free_count(ZONE_KERNEL), base_free[ZONE_KERNEL]);
		for (size_t j = 0; j < i; j++)
			CHECK_NE(pa[i], pa[j]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(pa); i++)
		CHECK_OK(frame_free(pa[i]));
}

static void kernel_frames_come_first_fit(void)
{
	paddr_t a, b, c;
	uint32_t first = first_free_kernel(0);

	CHECK_OK(frame_alloc(ZONE_KERNEL, &a));
	CHECK_EQ(pa_to_pfn(a), first);
	CHECK_OK(frame_alloc(ZONE_KERNEL, &b));
	CHECK_EQ(b, a + FR(1));
	CHECK_OK(frame_free(a));
	CHECK_OK(frame_alloc(ZONE_KERNEL, &c));
	CHECK_EQ(c, a);
	CHECK_EQ(frame_free_count(ZONE_USER), base_free[ZONE_USER]);
	CHECK_OK(frame_free(b));
	CHECK_OK(frame_free(c));
}

static void alloc_rejects_a_bad_zone(void)
{
	paddr_t pa = 0x1234;

	snap_save();
	CHECK_ERR(frame_alloc(ZONE_COUNT, &pa), E_INVAL);
	CHECK_ERR(frame_alloc((enum zone)7, &pa), E_INVAL);
	CHECK_EQ(pa, 0x1234);
	CHECK_UNCHANGED();
	CHECK_EQ(frame_free_count(ZONE_COUNT), 0);
	CHECK_EQ(frame_total_count(ZONE_COUNT), 0);
}

/* ---- kernel runs ------------------------------------------------------------ */

/* The first run of n free owned kernel frames, by the snapshot; kzone end if none. */
static uint32_t snap_first_fit(uint32_t n)
{
	uint32_t len = 0;

	for (uint32_t p = 0; p < kzone_pfn(); p++) {
		len = (expect_owned(p) && snap.ref[p] == 0) ? len + 1 : 0;
		if (len == n)
			return p + 1 - n;
	}
	return kzone_pfn();
}

static void kernel_runs_are_contiguous_first_fit_and_were_free(void)
{
	static const uint32_t sizes[] = { 1, 10, 100, 33, 3, 250 };
	paddr_t runs[ARRAY_SIZE(sizes)];

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint32_t n = sizes[i];
		snap_save();
		CHECK_OK(frame_alloc_run(n, &runs[i]));
		uint32_t p = pa_to_pfn(runs[i]);
		CHECK_EQ(p, snap_first_fit(n));
		CHECK_LE(p + n, kzone_pfn());
		for (uint32_t j = 0; j < n; j++) {
			CHECK_EQ(snap.ref[p + j], 0);
			CHECK(expect_owned(p + j));
			CHECK_EQ(frame_refcount(pfn_to_pa(p + j)), 1);
		}
		CHECK_EQ(frame_free_count(ZONE_KERNEL), snap.free[ZONE_KERNEL] - n);
		CHECK_EQ(frame_free_count(ZONE_USER), snap.free[ZONE_USER]);
		CHECK_EQ(frame_check(), 0);
		if (i == 2) /* leave a hole of 10 for the later runs */
			CHECK_OK(frame_free_run(runs[1], sizes[1]));
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		if (i != 1)
			CHECK_OK(frame_free_run(runs[i], sizes[i]));
}

/*
 * With the zone full, free holes of 1, 3, 2 and 5 frames from 2 MiB on:
 *
 *   2M    +4        +10       +20
 *   |1|...|1|2|3|...|1|2|.....|1|2|3|4|5|
 */
static void kernel_run_takes_the_lowest_hole_that_fits(void)
{
	const paddr_t a = MiB(2);
	paddr_t pa;

	RUN(fill_kzone());
	RUN(give(a, 1));
	RUN(give(a + FR(4), 3));
	RUN(give(a + FR(10), 2));
	RUN(give(a + FR(20), 5));
	CHECK_OK(frame_alloc_run(2, &pa));
	CHECK_EQ(pa, a + FR(4));
	CHECK_OK(frame_alloc_run(2, &pa));
	CHECK_EQ(pa, a + FR(10));
	CHECK_OK(frame_alloc_run(4, &pa));
	CHECK_EQ(pa, a + FR(20));
	CHECK_OK(frame_alloc_run(1, &pa));
	CHECK_EQ(pa, a);
	CHECK_OK(frame_alloc(ZONE_KERNEL, &pa));
	CHECK_EQ(pa, a + FR(6));
	CHECK_OK(frame_alloc_run(1, &pa));
	CHECK_EQ(pa, a + FR(24));
	CHECK_ERR(frame_alloc_run(1, &pa), E_NOMEM);
	RUN(release_all());
}

static void kernel_run_that_cannot_fit_fails_and_changes_nothing(void)
{
	paddr_t pa = 0x1234;

	snap_save();
	CHECK_ERR(frame_alloc_run(frame_total_count(ZONE_KERNEL) + 1, &pa), E_NOMEM);
	CHECK_ERR(frame_alloc_run(0xFFFFFFFFu, &pa), E_NOMEM);
	CHECK_UNCHANGED();
	RUN(fill_kzone());
	for (uint32_t i = 0; i < 64; i += 2)
		RUN(give(MiB(2) + FR(i), 1));
	snap_save();
	CHECK_ERR(frame_alloc_run(2, &pa), E_NOMEM);
	CHECK_ERR(frame_alloc_run(32, &pa), E_NOMEM);
	CHECK_ERR(frame_alloc_run(33, &pa), E_NOMEM);
	CHECK_EQ(pa, 0x1234);
	CHECK_UNCHANGED();
	CHECK_OK(frame_alloc_run(1, &pa));
	CHECK_EQ(pa, MiB(2));
	RUN(release_all());
}

/*
 * With the zone full, free two frames on each side of the reserved hole
 * and the last two of the zone (the user frames after X are free):
 *
 *   8M-8K  8M   hole   8M+16K        X-8K   X   user zone (free)
 *   | 2  |XXXXXXXXXXXX|  2  | ...... | 2  |  .....
 */
static void kernel_runs_never_span_a_hole_or_the_zone_end(void)
{
	paddr_t pa;

	RUN(fill_kzone());
	RUN(give(STD_HOLE - FR(2), 2));
	RUN(give(STD_HOLE + FR(4), 2));
	RUN(give(STD_X - FR(2), 2));
	snap_save();
	CHECK_ERR(frame_alloc_run(3, &pa), E_NOMEM);
	CHECK_ERR(frame_alloc_run(4, &pa), E_NOMEM);
	CHECK_ERR(frame_alloc_run(6, &pa), E_NOMEM);
	CHECK_UNCHANGED();
	CHECK_OK(frame_alloc_run(2, &pa));
	CHECK_EQ(pa, STD_HOLE - FR(2));
	CHECK_OK(frame_alloc_run(2, &pa));
	CHECK_EQ(pa, STD_HOLE + FR(4));
	CHECK_OK(frame_alloc_run(2, &pa));
	CHECK_EQ(pa, STD_X - FR(2));
	RUN(release_all());
}

/* ---- extending runs --------------------------------------------------------- */

static void extend_run_takes_the_free_frames_after_it(void)
{
	paddr_t a, b;

	CHECK_OK(frame_alloc_run(2, &a));
	CHECK_OK(frame_pin(a)); /* page-table blocks are pinned while they grow */
	CHECK_EQ(first_free_kernel(pa_to_pfn(a)), pa_to_pfn(a) + 2);
	uint32_t free_before = frame_free_count(ZONE_KERNEL);
	CHECK_OK(frame_extend_run(a, 2, 3));
	CHECK_EQ(frame_free_count(ZONE_KERNEL), free_before - 3);
	for (uint32_t i = 0; i < 5; i++)
		CHECK_EQ(frame_refcount(a + FR(i)), 1);
	CHECK_OK(frame_alloc_run(1, &b));
	CHECK_EQ(b, a + FR(5));
	CHECK_OK(frame_free(b));
	CHECK_OK(frame_unpin(a));
	CHECK_OK(frame_free_run(a, 5));
}

static void extend_run_fails_when_a_frame_after_is_in_use(void)
{
	paddr_t a, b;

	CHECK_OK(frame_alloc_run(2, &a));
	CHECK_OK(frame_alloc_run(3, &b));
	CHECK_EQ(b, a + FR(2));
	CHECK_OK(frame_free_run(b, 2)); /* b + 2 stays in use */
	snap_save();
	CHECK_ERR(frame_extend_run(a, 2, 3), E_NOMEM);
	CHECK_ERR(frame_extend_run(a, 2, 100), E_NOMEM);
	CHECK_ERR(frame_extend_run(a, 1, 1), E_NOMEM); /* a + 1 is in use */
	CHECK_UNCHANGED();
	CHECK_OK(frame_extend_run(a, 2, 2));
	CHECK_OK(frame_free_run(a, 5));
}

static void extend_run_fails_at_a_reserved_frame(void)
{
	paddr_t r = STD_HOLE - FR(3);

	RUN(fill_kzone());
	RUN(give(STD_HOLE - FR(2), 2));
	RUN(give(STD_HOLE + FR(4), 2));
	snap_save();
	CHECK_ERR(frame_extend_run(r, 1, 3), E_NOMEM);
	CHECK_ERR(frame_extend_run(r, 1, 8), E_NOMEM);
	CHECK_UNCHANGED();
	CHECK_OK(frame_extend_run(r, 1, 2));
	RUN(release_all());
}

static void extend_run_fails_past_the_end_of_the_kernel_zone(void)
{
	paddr_t r = STD_X - FR(2);

	RUN(fill_kzone());
	RUN(give(STD_X - FR(1), 1));
	snap_save();
	CHECK_ERR(frame_extend_run(r, 1, 2), E_NOMEM);
	CHECK_ERR(frame_extend_run(r, 1, 0xFFFFFFFFu), E_NOMEM);
	CHECK_UNCHANGED();
	CHECK_OK(frame_extend_run(r, 1, 1));
	snap_save();
	CHECK_ERR(frame_extend_run(r, 2, 1), E_NOMEM);
	CHECK_UNCHANGED();
	RUN(release_all());
}

static void extend_run_rejects_bad_arguments(void)
{
	paddr_t a, u, meta;
	uint32_t nmeta;

	CHECK_OK(frame_alloc_run(2, &a));
	CHECK_OK(frame_alloc(ZONE_USER, &u));
	frame_metadata(&meta, &nmeta);
	snap_save();
	uint32_t calls = frame_alloc_calls();
	CHECK_ERR(frame_extend_run(a + 1, 2, 1), E_INVAL);
	CHECK_ERR(frame_extend_run(a, 0, 1), E_INVAL);
	CHECK_ERR(frame_extend_run(a, 2, 0), E_INVAL);
	CHECK_ERR(frame_extend_run(a, 0xFFFFFFFFu, 1), E_INVAL);
	CHECK_ERR(frame_extend_run(a, 3, 1), E_INVAL);        /* a + 2 is free */
	CHECK_ERR(frame_extend_run(a + FR(2), 1, 1), E_INVAL); /* free */
	CHECK_ERR(frame_extend_run(u, 1, 1), E_INVAL);        /* user zone */
	CHECK_ERR(frame_extend_run(STD_X - FR(1), 2, 1), E_INVAL);
	CHECK_ERR(frame_extend_run(MiB(1), 1, 1), E_INVAL);   /* the image */
	CHECK_ERR(frame_extend_run(meta, nmeta, 1), E_INVAL);
	CHECK_ERR(frame_extend_run(0, 1, 1), E_INVAL);
	CHECK_ERR(frame_extend_run(STD_HOLE, 1, 1), E_INVAL);
	CHECK_UNCHANGED();
	CHECK_EQ(frame_alloc_calls(), calls);
	CHECK_OK(frame_free_run(a, 2));
	CHECK_OK(frame_free(u));
}

/* ---- bad input ------------------------------------------------------------- */

/* Every call on pa fails with err and changes nothing. */
static void check_bad_frame(paddr_t pa, int err)
{
	snap_save();
	CHECK_ERR(frame_free(pa), err);
	CHECK_ERR(frame_free_run(pa, 1), err);
	CHECK_ERR(frame_free_run(pa, 3), err);
	CHECK_ERR(frame_ref(pa), err);
	CHECK_ERR(frame_unref(pa), err);
	CHECK_ERR(frame_pin(pa), err);
	CHECK_ERR(frame_unpin(pa), err);
	if (err != E_FREE) {
		CHECK_ERR(frame_refcount(pa), err);
		CHECK_ERR(frame_pincount(pa), err);
		CHECK(!frame_owned(pa) || err == E_INVAL);
	}
	CHECK_ERR(frame_extend_run(pa, 1, 1), E_INVAL);
	check_unchanged(__LINE__);
}

static void frames_not_owned_are_refused(void)
{
	static const paddr_t bad[] = {
		0, KiB(4), 0x9F000, 0xF0000, MiB(1), MiB(1) + 0x23000, STD_HOLE,
		STD_HOLE + FR(3), MiB(24) + FR(7), MiB(40) - FR(1), MiB(40), MiB(63),
		MiB(64), MiB(64) + FR(100), 0xFEC00000, 0xFFFFF000,
	};
	paddr_t meta;
	uint32_t nmeta;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		RUN(check_bad_frame(bad[i], E_NOTOWN));
	frame_metadata(&meta, &nmeta);
	RUN(check_bad_frame(meta, E_NOTOWN));
	RUN(check_bad_frame(meta + FR(nmeta - 1), E_NOTOWN));
}

static void unaligned_addresses_are_invalid(void)
{
	paddr_t k, u;

	CHECK_OK(frame_alloc(ZONE_KERNEL, &k));
	CHECK_OK(frame_alloc(ZONE_USER, &u));
	static const paddr_t off[] = { 1, 0x800, 0xFFF };
	for (size_t i = 0; i < ARRAY_SIZE(off); i++) {
		RUN(check_bad_frame(k + off[i], E_INVAL));
		RUN(check_bad_frame(u + off[i], E_INVAL));
		RUN(check_bad_frame(MiB(64) + off[i], E_INVAL)); /* beyond RAM too */
		RUN(check_bad_frame(0xFFFFF000 + off[i], E_INVAL));
	}
	CHECK_OK(frame_free(k));
	CHECK_OK(frame_free(u));
}

static void free_frames_are_refused(void)
{
	paddr_t k, u;

	CHECK_OK(frame_alloc(ZONE_KERNEL, &k));
	CHECK_OK(frame_alloc(ZONE_USER, &u));
	CHECK_OK(frame_free(k));
	CHECK_OK(frame_free(u));
	RUN(check_bad_frame(k, E_FREE)); /* double free */
	RUN(check_bad_frame(u, E_FREE));
	CHECK_EQ(frame_refcount(k), 0);
	CHECK_EQ(frame_pincount(k), 0);
	CHECK_EQ(frame_refcount(u), 0);
	CHECK(frame_owned(k));
	CHECK(frame_owned(u));
}

/* A frame in use that cannot be freed: err from every way of freeing it. */
static void check_unfreeable(paddr_t pa, int err)
{
	snap_save();
	CHECK_ERR(frame_free(pa), err);
	CHECK_ERR(frame_free_run(pa, 1), err);
	CHECK_UNCHANGED();
}

static void pinned_frames_are_not_freed(void)
{
	paddr_t k, u;

	CHECK_OK(frame_alloc(ZONE_KERNEL, &k));
	CHECK_OK(frame_alloc(ZONE_USER, &u));
	CHECK_OK(frame_pin(k));
	CHECK_OK(frame_pin(u));
	RUN(check_unfreeable(k, E_BUSY));
	RUN(check_unfreeable(u, E_BUSY));
	snap_save();
	CHECK_ERR(frame_unref(k), E_BUSY); /* the last reference of a pinned frame */
	CHECK_ERR(frame_unref(u), E_BUSY);
	CHECK_UNCHANGED();
	CHECK_OK(frame_unpin(k));
	CHECK_OK(frame_unpin(u));
	CHECK_OK(frame_free(k));
	CHECK_OK(frame_free(u));
}

static void shared_frames_are_not_freed(void)
{
	paddr_t u;

	CHECK_OK(frame_alloc(ZONE_USER, &u));
	CHECK_OK(frame_ref(u));
	RUN(check_unfreeable(u, E_BUSY));
	CHECK_EQ(frame_unref(u), 1);
	CHECK_OK(frame_free(u));
}

static void free_run_with_one_bad_frame_frees_none(void)
{
	paddr_t a;

	CHECK_OK(frame_alloc_run(5, &a));
	CHECK_OK(frame_pin(a + FR(2)));
	snap_save();
	CHECK_ERR(frame_free_run(a, 5), E_BUSY);
	CHECK_UNCHANGED();
	CHECK_OK(frame_unpin(a + FR(2)));
	CHECK_OK(frame_ref(a + FR(4)));
	snap_save();
	CHECK_ERR(frame_free_run(a, 5), E_BUSY);
	CHECK_UNCHANGED();
	CHECK_EQ(frame_unref(a + FR(4)), 1);
	CHECK_OK(frame_free(a + FR(3)));
	snap_save();
	CHECK_ERR(frame_free_run(a, 5), E_FREE);
	CHECK_ERR(frame_free_run(a + FR(3), 2), E_FREE);
	CHECK_ERR(frame_free_run(a, 6), E_FREE);
	CHECK_UNCHANGED();
	CHECK_OK(frame_free_run(a, 3));
	CHECK_OK(frame_free(a + FR(4)));
}

static void free_run_into_memory_not_owned_frees_none(void)
{
	paddr_t last = MiB(64) - FR(1);

	RUN(fill_kzone());
	snap_save();
	CHECK_ERR(frame_free_run(STD_HOLE - FR(2), 3), E_NOTOWN);
	CHECK_ERR(frame_free_run(STD_HOLE - FR(2), 0xFFFFFFFFu), E_NOTOWN);
	CHECK_UNCHANGED();
	uint32_t n;
	RUN(exhaust_zone(ZONE_USER, &n));
	snap_save();
	CHECK_ERR(frame_free_run(last, 2), E_NOTOWN);
	CHECK_ERR(frame_free_run(last - FR(3), 0xFFFFFFFFu), E_NOTOWN);
	CHECK_ERR(frame_free_run(MiB(63) - FR(1), 2), E_NOTOWN); /* ACPI */
	CHECK_UNCHANGED();
	/* a run may straddle X: one frame back to each zone */
	CHECK_OK(frame_free_run(STD_X - FR(1), 2));
	CHECK_EQ(frame_free_count(ZONE_KERNEL), 1);
	CHECK_EQ(frame_free_count(ZONE_USER), 1);
	paddr_t pa;
	CHECK_OK(frame_alloc(ZONE_USER, &pa));
	CHECK_EQ(pa, STD_X);
	CHECK_OK(frame_alloc(ZONE_KERNEL, &pa));
	CHECK_EQ(pa, STD_X - FR(1));
	RUN(release_all());
}

static void zero_length_runs_are_invalid(void)
{
	paddr_t a, pa = 0x1234;

	CHECK_OK(frame_alloc_run(2, &a));
	snap_save();
	CHECK_ERR(frame_alloc_run(0, &pa), E_INVAL);
	CHECK_ERR(frame_free_run(a, 0), E_INVAL);
	CHECK_ERR(frame_free_run(STD_HOLE, 0), E_INVAL);
	CHECK_ERR(frame_extend_run(a, 2, 0), E_INVAL);
	CHECK_ERR(frame_extend_run(a, 0, 2), E_INVAL);
	CHECK_EQ(pa, 0x1234);
	CHECK_UNCHANGED();
	CHECK_OK(frame_free_run(a, 2));
}

static void a_failed_init_leaves_the_allocator_as_it_was(void)
{
	paddr_t k, u;

	CHECK_OK(frame_alloc_run(3, &k));
	CHECK_OK(frame_alloc(ZONE_USER, &u));
	CHECK_OK(frame_ref(u));
	snap_save();
	CHECK_ERR(frame_init(std_map, ARRAY_SIZE(std_map), 0, 0, 3), E_INVAL);
	CHECK_ERR(frame_init(std_map, 1, 0, 0, STD_X), E_INVAL);
	CHECK_ERR(frame_init(std_map, ARRAY_SIZE(std_map), MiB(1), STD_X - FR(10), STD_X), E_NOMEM);
	CHECK_UNCHANGED();
	CHECK_EQ(frame_kzone_end(), STD_X);
	CHECK_EQ(frame_unref(u), 1);
	CHECK_OK(frame_free(u));
	CHECK_OK(frame_free_run(k, 3));
}

/* ---- references and pins ---------------------------------------------------- */

static void a_frame_is_freed_when_its_last_reference_goes(void)
{
	paddr_t u;

	CHECK_OK(frame_alloc(ZONE_USER, &u));
	for (int i = 0; i < 3; i++)
		CHECK_OK(frame_ref(u));
	CHECK_EQ(frame_refcount(u), 4);
	uint32_t free_in_use = frame_free_count(ZONE_USER);
	for (int left = 3; left >= 1; left--) {
		CHECK_EQ(frame_unref(u), left);
		CHECK_EQ(frame_refcount(u), left);
		CHECK_EQ(frame_free_count(ZONE_USER), free_in_use);
	}
	CHECK_EQ(frame_unref(u), 0);
	CHECK_EQ(frame_free_count(ZONE_USER), free_in_use + 1);
	CHECK_EQ(frame_refcount(u), 0);
	CHECK_ERR(frame_unref(u), E_FREE);
}

static void kernel_frames_are_reference_counted_too(void)
{
	paddr_t k;

	CHECK_OK(frame_alloc(ZONE_KERNEL, &k));
	CHECK_OK(frame_ref(k));
	CHECK_EQ(frame_unref(k), 1);
	CHECK_EQ(frame_free_count(ZONE_KERNEL), base_free[ZONE_KERNEL] - 1);
	CHECK_EQ(frame_unref(k), 0);
	CHECK_EQ(frame_free_count(ZONE_KERNEL), base_free[ZONE_KERNEL]);
}

static void unref_of_a_pinned_last_reference_is_busy(void)
{
	paddr_t u;

	CHECK_OK(frame_alloc(ZONE_USER, &u));
	CHECK_OK(frame_ref(u));
	CHECK_OK(frame_pin(u));
	CHECK_EQ(frame_unref(u), 1); /* a pinned frame may lose a shared reference */
	snap_save();
	CHECK_ERR(frame_unref(u), E_BUSY);
	CHECK_UNCHANGED();
	CHECK_OK(frame_unpin(u));
	CHECK_EQ(frame_unref(u), 0);
}

static void reference_count_stops_at_its_limit(void)
{
	paddr_t u;
	int rc;
	uint32_t n = 1;

	CHECK_OK(frame_alloc(ZONE_USER, &u));
	while ((rc = frame_ref(u)) == 0 && n < MiB(1))
		n++;
	CHECK_ERR(rc, E_RANGE);
	CHECK_GE(n, 255);
	CHECK_EQ(frame_refcount(u), n);
	snap_save();
	CHECK_ERR(frame_ref(u), E_RANGE);
	CHECK_UNCHANGED();
	while (n > 1)
		CHECK_EQ(frame_unref(u), --n);
	CHECK_EQ(frame_unref(u), 0);
}

static void pins_are_counted(void)
{
	paddr_t k;

	CHECK_OK(frame_alloc(ZONE_KERNEL, &k));
	for (int i = 1; i <= 3; i++) {
		CHECK_OK(frame_pin(k));
		CHECK_EQ(frame_pincount(k), i);
	}
	CHECK_OK(frame_ref(k)); /* a pinned frame can still be shared */
	CHECK_EQ(frame_unref(k), 1);
	for (int i = 2; i >= 0; i--) {
		RUN(check_unfreeable(k, E_BUSY));
		CHECK_OK(frame_unpin(k));
		CHECK_EQ(frame_pincount(k), i);
	}
	CHECK_EQ(frame_refcount(k), 1);
	CHECK_OK(frame_free(k));
	CHECK_EQ(frame_pincount(k), 0);
}

/* frame_user_pinned counts the user frames with a pin, however they were pinned. */
static void pinned_user_frames_are_counted(void)
{
	paddr_t k, u[3];

	CHECK_OK(frame_alloc(ZONE_KERNEL, &k));
	for (int i = 0; i < 3; i++)
		CHECK_OK(frame_alloc(ZONE_USER, &u[i]));
	CHECK(u[1] == u[0] + PAGE_SIZE && u[2] == u[1] + PAGE_SIZE); /* the lowest come first */
	CHECK_EQ(frame_user_pinned(), 0);
	CHECK_OK(frame_pin(k));
	CHECK_OK(frame_pin(u[1]));
	CHECK_OK(frame_pin(u[1]));
	CHECK_EQ(frame_user_pinned(), 1);
	CHECK_OK(frame_pin_run(u[0], 3));
	CHECK_EQ(frame_user_pinned(), 3);
	CHECK_OK(frame_unpin_run(u[0], 3));
	CHECK_EQ(frame_user_pinned(), 1);
	CHECK_OK(frame_free(u[2]));
	CHECK_ERR(frame_pin_run(u[0], 3), E_FREE); /* all or nothing */
	CHECK_EQ(frame_user_pinned(), 1);
	CHECK_OK(frame_unpin(u[1]));
	CHECK_EQ(frame_user_pinned(), 1);
	CHECK_OK(frame_unpin(u[1]));
	CHECK_EQ(frame_user_pinned(), 0);
	CHECK_OK(frame_check());
	CHECK_OK(frame_unpin(k));
	CHECK_OK(frame_free(k));
	CHECK_OK(frame_free(u[0]));
	CHECK_OK(frame_free(u[1]));
}

static void unpin_of_an_unpinned_frame_is_invalid(void)
{
	paddr_t u;

	CHECK_OK(frame_alloc(ZONE_USER, &u));
	snap_save();
	CHECK_ERR(frame_unpin(u), E_INVAL);
	CHECK_UNCHANGED();
	CHECK_OK(frame_pin(u));
	CHECK_OK(frame_unpin(u));
	snap_save();
	CHECK_ERR(frame_unpin(u), E_INVAL);
	CHECK_UNCHANGED();
	CHECK_OK(frame_free(u));
}

static void pin_count_stops_at_its_limit(void)
{
	paddr_t k;
	int rc;
	uint32_t n = 0;

	CHECK_OK(frame_alloc(ZONE_KERNEL, &k));
	while ((rc = frame_pin(k)) == 0 && n < MiB(1))
		n++;
	CHECK_ERR(rc, E_RANGE);
	CHECK_GE(n, 16);
	CHECK_EQ(frame_pincount(k), n);
	snap_save();
	CHECK_ERR(frame_pin(k), E_RANGE);
	CHECK_UNCHANGED();
	while (n-- > 0)
		CHECK_OK(frame_unpin(k));
	CHECK_OK(frame_free(k));
}

/* ---- fault injection -------------------------------------------------------- */

enum alloc_kind { AK_USER, AK_KERNEL, AK_RUN, AK_EXTEND, AK_COUNT };

/*
 * One allocation call of the given kind; *held is a run of 2 kernel frames
 * from before, which AK_EXTEND grows by one (and the caller frees later).
 */
static int alloc_call(enum alloc_kind k, paddr_t *pa, paddr_t held, uint32_t *held_len)
{
	int rc;

	switch (k) {
	case AK_USER:
		return frame_alloc(ZONE_USER, pa);
	case AK_KERNEL:
		return frame_alloc(ZONE_KERNEL, pa);
	case AK_RUN:
		return frame_alloc_run(3, pa);
	default:
		rc = frame_extend_run(held, *held_len, 1);
		if (rc == 0)
			(*held_len)++;
		return rc;
	}
}

static void free_result(enum alloc_kind k, paddr_t pa)
{
	if (k == AK_RUN)
		CHECK_OK(frame_free_run(pa, 3));
	else if (k != AK_EXTEND)
		CHECK_OK(frame_free(pa));
}

static void fail_nth_fails_exactly_the_nth_call(void)
{
	for (int fail = 0; fail < AK_COUNT; fail++) {
		paddr_t r, held, pa[AK_COUNT + 1];
		uint32_t held_len = 1;
		/* free frames after held, and below it for the others to take first */
		CHECK_OK(frame_alloc_run(400, &r));
		held = r + FR(399);
		CHECK_OK(frame_free_run(r, 399));
		uint32_t calls = frame_alloc_calls();
		frame_fail_nth((uint32_t)fail + 1);
		for (int k = 0; k < AK_COUNT; k++) {
			/* the calls come in order user, kernel, run, extend */
			if (k == fail)
				snap_save();
			int rc = alloc_call(k, &pa[k], held, &held_len);
			CHECK_EQ(frame_alloc_calls(), calls + k + 1);
			if (k == fail) {
				CHECK_ERR(rc, E_NOMEM);
				CHECK_UNCHANGED();
			} else {
				CHECK_OK(rc);
			}
		}
		/* it fired once and is off again */
		int rc = alloc_call(fail, &pa[AK_COUNT], held, &held_len);
		CHECK_OK(rc);
		for (int k = 0; k < AK_COUNT; k++)
			if (k != fail)
				RUN(free_result(k, pa[k]));
		RUN(free_result(fail, pa[AK_COUNT]));
		CHECK_OK(frame_free_run(held, held_len));
	}
}

static void fail_nth_counts_from_now(void)
{
	paddr_t pa[5];

	for (int i = 0; i < 3; i++) {
		CHECK_OK(frame_alloc(ZONE_USER, &pa[i]));
		CHECK_OK(frame_free(pa[i]));
	}
	frame_fail_nth(2);
	CHECK_OK(frame_alloc_run(2, &pa[0]));
	CHECK_ERR(frame_alloc_run(2, &pa[1]), E_NOMEM);
	CHECK_OK(frame_alloc_run(2, &pa[1]));
	frame_fail_nth(1);
	CHECK_ERR(frame_alloc(ZONE_USER, &pa[2]), E_NOMEM);
	frame_fail_nth(3);
	frame_fail_nth(0);
	for (int i = 2; i < 5; i++)
		CHECK_OK(frame_alloc(ZONE_KERNEL, &pa[i]));
	CHECK_OK(frame_free_run(pa[0], 2));
	CHECK_OK(frame_free_run(pa[1], 2));
	for (int i = 2; i < 5; i++)
		CHECK_OK(frame_free(pa[i]));
}

static void alloc_calls_counts_every_allocation_call(void)
{
	paddr_t a, pa;
	uint32_t c = frame_alloc_calls();

	CHECK_OK(frame_alloc(ZONE_USER, &pa));
	CHECK_EQ(frame_alloc_calls(), c + 1);
	CHECK_OK(frame_free(pa));
	CHECK_EQ(frame_alloc_calls(), c + 1);
	CHECK_OK(frame_alloc(ZONE_KERNEL, &a)); /* counted once, not once more as a run */
	CHECK_EQ(frame_alloc_calls(), c + 2);
	CHECK_OK(frame_extend_run(a, 1, 1));
	CHECK_EQ(frame_alloc_calls(), c + 3);
	CHECK_ERR(frame_alloc_run(0xFFFFFFFFu, &pa), E_NOMEM); /* failures count too */
	CHECK_EQ(frame_alloc_calls(), c + 4);
	CHECK_ERR(frame_extend_run(a, 2, 0xFFFFFFFFu), E_NOMEM);
	CHECK_EQ(frame_alloc_calls(), c + 5);
	CHECK_ERR(frame_alloc_run(0, &pa), E_INVAL); /* bad arguments do not */
	CHECK_ERR(frame_alloc(ZONE_COUNT, &pa), E_INVAL);
	CHECK_EQ(frame_alloc_calls(), c + 5);
	CHECK_OK(frame_free_run(a, 2));
	CHECK_OK(boot(&std_cfg));
	CHECK_EQ(frame_alloc_calls(), 0);
}

/* ---- walking the free kernel runs -------------------------------------------- */

static void next_free_run_walks_the_free_kernel_runs(void)
{
	paddr_t pa = 0, prev_end = 0;
	uint32_t n, sum = 0;

	while (frame_next_free_run(&pa, &n)) {
		uint32_t p = pa_to_pfn(pa);
		CHECK_GE(pa, prev_end);
		CHECK_GE(n, 1);
		CHECK_LE(p + n, kzone_pfn());
		for (uint32_t i = 0; i < n; i++) {
			CHECK(expect_owned(p + i));
			CHECK_EQ(frame_refcount(pa + FR(i)), 0);
		}
		/* maximal: the frames on either side are not free */
		CHECK(p == 0 || frame_refcount(pa - FR(1)) != 0);
		CHECK(p + n == kzone_pfn() || frame_refcount(pa + FR(n)) != 0);
		sum += n;
		prev_end = pa + FR(n);
		pa = prev_end;
	}
	CHECK_EQ(sum, frame_free_count(ZONE_KERNEL));
}

static void next_free_run_finds_the_holes_it_should(void)
{
	paddr_t pa;
	uint32_t n;

	RUN(fill_kzone());
	pa = 0;
	CHECK(!frame_next_free_run(&pa, &n));
	RUN(give(MiB(2), 3));
	RUN(give(STD_HOLE - FR(1), 1));
	RUN(give(STD_X - FR(5), 5));
	pa = 0;
	CHECK(frame_next_free_run(&pa, &n));
	CHECK_EQ(pa, MiB(2));
	CHECK_EQ(n, 3);
	pa = MiB(2) + FR(1); /* from inside a run: the rest of it */
	CHECK(frame_next_free_run(&pa, &n));
	CHECK_EQ(pa, MiB(2) + FR(1));
	CHECK_EQ(n, 2);
	pa = MiB(2) + FR(3);
	CHECK(frame_next_free_run(&pa, &n));
	CHECK_EQ(pa, STD_HOLE - FR(1));
	CHECK_EQ(n, 1);
	pa += FR(1);
	CHECK(frame_next_free_run(&pa, &n));
	CHECK_EQ(pa, STD_X - FR(5));
	CHECK_EQ(n, 5);
	pa = STD_X; /* the user zone has free frames, but they are not kernel runs */
	CHECK(!frame_next_free_run(&pa, &n));
	pa = 0xFFFFF000;
	CHECK(!frame_next_free_run(&pa, &n));
	RUN(release_all());
}

/* ---- poisoning --------------------------------------------------------------- */

static void freed_frames_are_poisoned(void)
{
#ifdef PT_DEBUG
	paddr_t k, u;

	CHECK_OK(frame_alloc(ZONE_KERNEL, &k));
	CHECK_OK(frame_alloc(ZONE_USER, &u));
	memset(hw_phys(k), 0, PAGE_SIZE);
	memset(hw_phys(u), 0, PAGE_SIZE);
	CHECK_OK(frame_free(k));
	CHECK_EQ(frame_unref(u), 0);
	for (uint32_t i = 0; i < PAGE_SIZE; i++) {
		CHECK_EQ(((uint8_t *)hw_phys(k))[i], 0x5A);
		CHECK_EQ(((uint8_t *)hw_phys(u))[i], 0x5A);
	}
#endif
}

/* ---- random operations against a model ------------------------------------------- */

/*
 * 8 MiB, X = 3 MiB, a 3-frame hole at 2 MiB and a 16-frame hole in the
 * user zone at 5 MiB.  The map says the first 1 MiB is available too.
 */
static const struct mem_region rand_map[] = {
	{ 0, MiB(8), MEM_AVAILABLE },
	{ MiB(2) + 0x40, 0x2000, MEM_RESERVED },
	{ MiB(5), KiB(64), MEM_RESERVED },
};
static const struct config rand_cfg = {
	rand_map, ARRAY_SIZE(rand_map), MiB(8), MiB(1), MiB(1) + KiB(64), MiB(3),
};

#define RAND_SEED 0x5EED2024u
#define RAND_STEPS 20000
#define RAND_FRAMES (MiB(8) / PAGE_SIZE)

static struct {
	bool owned[RAND_FRAMES];
	uint32_t ref[RAND_FRAMES], pin[RAND_FRAMES];
	uint32_t free[ZONE_COUNT];
	uint32_t live[RAND_FRAMES], pos[RAND_FRAMES], nlive; /* the frames in use */
	uint32_t kend;
	uint32_t rng, step;
} m;

static uint32_t rnd(uint32_t n)
{
	m.rng ^= m.rng << 13;
	m.rng ^= m.rng >> 17;
	m.rng ^= m.rng << 5;
	return m.rng % n;
}

#define MCHECK_EQ(a, b)                                                                \
	do {                                                                           \
		long long a_ = (long long)(a), b_ = (long long)(b);                    \
		if (a_ != b_) {                                                        \
			test_fail(__FILE__, __LINE__,                                  \
				  "seed 0x%x step %u: %s == %s: %lld vs %lld", RAND_SEED, \
				  m.step, #a, #b, a_, b_);                             \
			return;                                                        \
		}                                                                      \
	} while (0)

static enum zone m_zone(uint32_t p) { return p < m.kend ? ZONE_KERNEL : ZONE_USER; }

static void m_take(uint32_t p)
{
	m.ref[p] = 1;
	m.free[m_zone(p)]--;
	m.pos[p] = m.nlive;
	m.live[m.nlive++] = p;
}

static void m_give(uint32_t p)
{
	m.ref[p] = 0;
	m.free[m_zone(p)]++;
	m.live[m.pos[p]] = m.live[--m.nlive];
	m.pos[m.live[m.pos[p]]] = m.pos[p];
}

/* What the allocator should say of a frame that must be in use. */
static int m_in_use(uint32_t p)
{
	if (p >= RAND_FRAMES || !m.owned[p])
		return -E_NOTOWN;
	return m.ref[p] ? 0 : -E_FREE;
}

static int m_freeable(uint32_t p)
{
	int rc = m_in_use(p);
	if (rc == 0 && (m.pin[p] > 0 || m.ref[p] > 1))
		rc = -E_BUSY;
	return rc;
}

static uint32_t m_first_fit(uint32_t n)
{
	uint32_t len = 0;

	for (uint32_t p = 0; p < m.kend; p++) {
		len = (m.owned[p] && m.ref[p] == 0) ? len + 1 : 0;
		if (len == n)
			return p + 1 - n;
	}
	return UINT32_MAX;
}

/* Mostly a frame in use, sometimes any frame (free, not owned, beyond RAM). */
static uint32_t m_pick(void)
{
	if (m.nlive > 0 && rnd(5) != 0)
		return m.live[rnd(m.nlive)];
	return rnd(RAND_FRAMES + 8);
}

static void op_alloc_user(void)
{
	paddr_t pa = 0;
	int rc = frame_alloc(ZONE_USER, &pa);

	if (m.free[ZONE_USER] == 0) {
		MCHECK_EQ(rc, -E_NOMEM);
		return;
	}
	MCHECK_EQ(rc, 0);
	uint32_t p = pa_to_pfn(pa);
	MCHECK_EQ(pa & PAGE_MASK, 0);
	MCHECK_EQ(p < RAND_FRAMES && m.owned[p] && m_zone(p) == ZONE_USER, 1);
	MCHECK_EQ(m.ref[p], 0);
	m_take(p);
}

static void op_alloc_run(void)
{
	uint32_t n = rnd(3) == 0 ? 1 : 1 + rnd(12);
	uint32_t want = m_first_fit(n);
	paddr_t pa = 0;
	int rc = n == 1 && rnd(2) ? frame_alloc(ZONE_KERNEL, &pa) : frame_alloc_run(n, &pa);

	if (want == UINT32_MAX) {
		MCHECK_EQ(rc, -E_NOMEM);
		return;
	}
	MCHECK_EQ(rc, 0);
	MCHECK_EQ(pa, pfn_to_pa(want));
	for (uint32_t i = 0; i < n; i++)
		m_take(want + i);
}

static int m_extend(uint32_t p, uint32_t have, uint32_t more)
{
	uint32_t from = p + have;

	if (from > m.kend)
		return -E_INVAL;
	for (uint32_t q = p; q < from; q++)
		if (m_in_use(q) < 0)
			return -E_INVAL;
	if (from + more > m.kend)
		return -E_NOMEM;
	for (uint32_t q = from; q < from + more; q++)
		if (!m.owned[q] || m.ref[q] != 0)
			return -E_NOMEM;
	return 0;
}

static void op_extend(void)
{
	uint32_t p = m_pick(), have = 1 + rnd(4), more = 1 + rnd(4);
	int want = m_extend(p, have, more);

	MCHECK_EQ(frame_extend_run(pfn_to_pa(p), have, more), want);
	if (want == 0)
		for (uint32_t i = 0; i < more; i++)
			m_take(p + have + i);
}

static void op_free(void)
{
	uint32_t p = m_pick();
	int want = m_freeable(p);

	MCHECK_EQ(frame_free(pfn_to_pa(p)), want);
	if (want == 0)
		m_give(p);
}

static void op_free_run(void)
{
	uint32_t p = m_pick(), n = 1 + rnd(4);
	int want = 0;

	for (uint32_t i = 0; i < n && want == 0; i++)
		want = m_freeable(p + i);
	MCHECK_EQ(frame_free_run(pfn_to_pa(p), n), want);
	if (want == 0)
		for (uint32_t i = 0; i < n; i++)
			m_give(p + i);
}

static void op_ref(void)
{
	uint32_t p = m_pick();
	int want = m_in_use(p);

	if (want == 0 && m.ref[p] == UINT16_MAX)
		want = -E_RANGE;
	MCHECK_EQ(frame_ref(pfn_to_pa(p)), want);
	if (want == 0)
		m.ref[p]++;
}

static void op_unref(void)
{
	uint32_t p = m_pick();
	int want = m_in_use(p);

	if (want == 0 && m.ref[p] == 1 && m.pin[p] > 0)
		want = -E_BUSY;
	else if (want == 0)
		want = (int)m.ref[p] - 1;
	MCHECK_EQ(frame_unref(pfn_to_pa(p)), want);
	if (want == 0)
		m_give(p);
	else if (want > 0)
		m.ref[p]--;
}

static void op_pin(void)
{
	uint32_t p = m_pick();
	int want = m_in_use(p);

	if (want == 0 && m.pin[p] == UINT8_MAX)
		want = -E_RANGE;
	MCHECK_EQ(frame_pin(pfn_to_pa(p)), want);
	if (want == 0)
		m.pin[p]++;
}

static void op_unpin(void)
{
	uint32_t p = m_pick();
	int want = m_in_use(p);

	if (want == 0 && m.pin[p] == 0)
		want = -E_INVAL;
	MCHECK_EQ(frame_unpin(pfn_to_pa(p)), want);
	if (want == 0)
		m.pin[p]--;
}

static void op_query(void)
{
	uint32_t p = m_pick();
	bool owned = p < RAND_FRAMES && m.owned[p];

	MCHECK_EQ(frame_owned(pfn_to_pa(p)), owned);
	MCHECK_EQ(frame_refcount(pfn_to_pa(p)), owned ? (int)m.ref[p] : -E_NOTOWN);
	MCHECK_EQ(frame_pincount(pfn_to_pa(p)), owned ? (int)m.pin[p] : -E_NOTOWN);
}

static void op_unaligned(void)
{
	paddr_t pa = pfn_to_pa(m_pick()) + 1 + rnd(PAGE_SIZE - 1);
	paddr_t out;

	MCHECK_EQ(frame_free(pa), -E_INVAL);
	MCHECK_EQ(frame_free_run(pa, 1 + rnd(4)), -E_INVAL);
	MCHECK_EQ(frame_ref(pa), -E_INVAL);
	MCHECK_EQ(frame_unref(pa), -E_INVAL);
	MCHECK_EQ(frame_pin(pa), -E_INVAL);
	MCHECK_EQ(frame_unpin(pa), -E_INVAL);
	MCHECK_EQ(frame_refcount(pa), -E_INVAL);
	MCHECK_EQ(frame_extend_run(pa, 1, 1), -E_INVAL);
	frame_fail_nth(1); /* and an injected failure, for good measure */
	MCHECK_EQ(rnd(2) ? frame_alloc(ZONE_USER, &out) : frame_alloc_run(1 + rnd(4), &out),
		  -E_NOMEM);
}

typedef void (*rand_op)(void);

static const struct {
	rand_op fn;
	uint32_t weight[2]; /* while filling, while draining */
} rand_ops[] = {
	{ op_alloc_user, { 6, 1 } }, { op_alloc_run, { 6, 1 } }, { op_extend, { 3, 1 } },
	{ op_free, { 2, 6 } },       { op_free_run, { 1, 3 } },  { op_ref, { 2, 2 } },
	{ op_unref, { 2, 5 } },      { op_pin, { 2, 2 } },       { op_unpin, { 2, 3 } },
	{ op_query, { 1, 1 } },      { op_unaligned, { 1, 1 } },
};

static void rand_step(void)
{
	uint32_t phase = (m.step / 2500) % 2, sum = 0, r;

	for (size_t i = 0; i < ARRAY_SIZE(rand_ops); i++)
		sum += rand_ops[i].weight[phase];
	r = rnd(sum);
	for (size_t i = 0; i < ARRAY_SIZE(rand_ops); i++) {
		if (r < rand_ops[i].weight[phase]) {
			rand_ops[i].fn();
			break;
		}
		r -= rand_ops[i].weight[phase];
	}
	if (test_failed())
		return;
	MCHECK_EQ(frame_check(), 0);
	MCHECK_EQ(frame_free_count(ZONE_KERNEL), m.free[ZONE_KERNEL]);
	MCHECK_EQ(frame_free_count(ZONE_USER), m.free[ZONE_USER]);
}

/* Every frame's counts agree with the model. */
static void rand_compare_all(void)
{
	for (uint32_t p = 0; p < RAND_FRAMES; p++) {
		MCHECK_EQ(frame_owned(pfn_to_pa(p)), m.owned[p]);
		if (m.owned[p]) {
			MCHECK_EQ(frame_refcount(pfn_to_pa(p)), m.ref[p]);
			MCHECK_EQ(frame_pincount(pfn_to_pa(p)), m.pin[p]);
		}
	}
}

static void random_operations_match_a_model(void)
{
	CHECK_OK(boot(&rand_cfg));
	memset(&m, 0, sizeof(m));
	m.rng = RAND_SEED;
	m.kend = kzone_pfn();
	for (uint32_t p = 0; p < RAND_FRAMES; p++)
		m.owned[p] = expect_owned(p);
	m.free[ZONE_KERNEL] = expected_total(ZONE_KERNEL);
	m.free[ZONE_USER] = expected_total(ZONE_USER);
	RUN(check_ownership());
	RUN(rand_compare_all());
	for (m.step = 0; m.step < RAND_STEPS; m.step++) {
		RUN(rand_step());
		if (m.step % 512 == 0)
			RUN(rand_compare_all());
	}
	RUN(rand_compare_all());
	while (m.nlive > 0) {
		uint32_t p = m.live[0];
		for (; m.pin[p] > 0; m.pin[p]--)
			MCHECK_EQ(frame_unpin(pfn_to_pa(p)), 0);
		for (; m.ref[p] > 1; m.ref[p]--)
			MCHECK_EQ(frame_unref(pfn_to_pa(p)), m.ref[p] - 1);
		MCHECK_EQ(frame_unref(pfn_to_pa(p)), 0);
		m_give(p);
	}
	RUN(rand_compare_all());
}

/* ---- the suite ---------------------------------------------------------------- */

static const struct test_case cases[] = {
	TEST_CASE(kzone_end_defaults_to_a_quarter_of_ram),
	TEST_CASE(default_kzone_end_is_rounded_up_to_4_mib),
	TEST_CASE(kzone_end_is_at_least_16_mib),
	TEST_CASE(kzone_end_is_clamped_to_the_top_of_ram),
	TEST_CASE(kzone_end_honours_a_request),
	TEST_CASE(kzone_end_rounds_up_to_a_frame),
	TEST_CASE(kzone_end_stays_below_the_kmap_window),
	TEST_CASE(kzone_end_ignores_memory_it_cannot_own),
	TEST_CASE(init_rejects_a_map_without_memory_above_1_mib),
	TEST_CASE(init_rejects_bad_arguments),
	TEST_CASE(init_fails_when_its_metadata_does_not_fit),
	TEST_CASE(init_clamps_the_kernel_zone_to_the_top_of_ram),
	TEST_CASE(a_failed_init_leaves_the_allocator_as_it_was),
	TEST_CASE(owned_frames_follow_the_memory_map),
	TEST_CASE(metadata_lies_in_the_kernel_zone_after_the_image),
	TEST_CASE(every_frame_handed_out_is_owned),
	TEST_CASE(metadata_skips_reserved_frames_and_small_regions),
	TEST_CASE(tiny_map_hands_out_what_little_it_has),
	TEST_CASE(one_frame_map_has_room_only_for_metadata),
	TEST_CASE(user_frames_are_distinct_and_in_the_user_zone),
	TEST_CASE(kernel_frames_come_first_fit),
	TEST_CASE(alloc_rejects_a_bad_zone),
	TEST_CASE(kernel_runs_are_contiguous_first_fit_and_were_free),
	TEST_CASE(kernel_run_takes_the_lowest_hole_that_fits),
	TEST_CASE(kernel_run_that_cannot_fit_fails_and_changes_nothing),
	TEST_CASE(kernel_runs_never_span_a_hole_or_the_zone_end),
	TEST_CASE(extend_run_takes_the_free_frames_after_it),
	TEST_CASE(extend_run_fails_when_a_frame_after_is_in_use),
	TEST_CASE(extend_run_fails_at_a_reserved_frame),
	TEST_CASE(extend_run_fails_past_the_end_of_the_kernel_zone),
	TEST_CASE(extend_run_rejects_bad_arguments),
	TEST_CASE(frames_not_owned_are_refused),
	TEST_CASE(unaligned_addresses_are_invalid),
	TEST_CASE(free_frames_are_refused),
	TEST_CASE(pinned_frames_are_not_freed),
	TEST_CASE(shared_frames_are_not_freed),
	TEST_CASE(free_run_with_one_bad_frame_frees_none),
	TEST_CASE(free_run_into_memory_not_owned_frees_none),
	TEST_CASE(zero_length_runs_are_invalid),
	TEST_CASE(a_frame_is_freed_when_its_last_reference_goes),
	TEST_CASE(kernel_frames_are_reference_counted_too),
	TEST_CASE(unref_of_a_pinned_last_reference_is_busy),
	TEST_CASE(reference_count_stops_at_its_limit),
	TEST_CASE(pins_are_counted),
	TEST_CASE(pinned_user_frames_are_counted),
	TEST_CASE(unpin_of_an_unpinned_frame_is_invalid),
	TEST_CASE(pin_count_stops_at_its_limit),
	TEST_CASE(fail_nth_fails_exactly_the_nth_call),
	TEST_CASE(fail_nth_counts_from_now),
	TEST_CASE(alloc_calls_counts_every_allocation_call),
	TEST_CASE(next_free_run_walks_the_free_kernel_runs),
	TEST_CASE(next_free_run_finds_the_holes_it_should),
	TEST_CASE(freed_frames_are_poisoned),
	TEST_CASE(random_operations_match_a_model),
};

DEFINE_SUITE(frame_suite, "frame", cases, setup, teardown);
