/*
 * frame_boot.c - booting the allocator: where X, the end of the kernel
 * zone, goes (pt_frame_choose_kzone_end), what pt_frame_init accepts and refuses,
 * and which frames it owns on the standard map and on small and odd ones.
 */
#include "frame_util.h"

/* ---- X, the end of the kernel zone --------------------------------------- */

static paddr_t choose(const struct mem_region *map, size_t n, paddr_t requested)
{
	return pt_frame_choose_kzone_end(map, n, requested);
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

/* ---- pt_frame_init ------------------------------------------------------------- */

/* pt_frame_init on c's map without resetting the machine: for calls that must fail. */
static int init_only(const struct config *c)
{
	return pt_frame_init(c->map, c->n, c->kimg_start, c->kimg_end, c->kzone_end);
}

/* A frame in use before each bad pt_frame_init, to show the call changed nothing. */
static void check_init_fails(const struct config *c, int err)
{
	paddr_t pa;

	CHECK_OK(pt_frame_alloc(ZONE_USER, &pa));
	CHECK_OK(pt_frame_pin(pa));
	snap_save();
	CHECK_ERR(init_only(c), err);
	check_unchanged(__FILE__, __LINE__);
	if (test_failed())
		return;
	CHECK_EQ(pt_frame_kzone_end(), STD_X);
	CHECK_OK(pt_frame_unpin(pa));
	CHECK_OK(pt_frame_free(pa));
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
	CHECK_EQ(pt_frame_kzone_end(), MiB(8));
	CHECK_EQ(pt_frame_total_count(ZONE_USER), 0);
	CHECK_EQ(pt_frame_free_count(ZONE_USER), 0);
	CHECK_EQ(pt_frame_total_count(ZONE_KERNEL), expected_total(ZONE_KERNEL));
	CHECK_ERR(pt_frame_alloc(ZONE_USER, &pa), E_NOMEM);
	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &pa));
	CHECK_OK(pt_frame_free(pa));
}

static void a_failed_init_leaves_the_allocator_as_it_was(void)
{
	paddr_t k, u;

	CHECK_OK(pt_frame_alloc_run(3, &k));
	CHECK_OK(pt_frame_alloc(ZONE_USER, &u));
	CHECK_OK(pt_frame_ref(u));
	snap_save();
	CHECK_ERR(pt_frame_init(std_map, ARRAY_SIZE(std_map), 0, 0, 3), E_INVAL);
	CHECK_ERR(pt_frame_init(std_map, 1, 0, 0, STD_X), E_INVAL);
	CHECK_ERR(pt_frame_init(std_map, ARRAY_SIZE(std_map), MiB(1), STD_X - FR(10), STD_X), E_NOMEM);
	CHECK_UNCHANGED();
	CHECK_EQ(pt_frame_kzone_end(), STD_X);
	CHECK_EQ(pt_frame_unref(u), 1);
	CHECK_OK(pt_frame_free(u));
	CHECK_OK(pt_frame_free_run(k, 3));
}

/* ---- ownership -------------------------------------------------------------- */
/* Hand out every frame of both zones, check each, then give them all back. */
static void check_exhaustion(void)
{
	uint32_t nuser, nkernel;
	paddr_t pa;

	RUN(exhaust_zone(ZONE_USER, &nuser));
	CHECK_EQ(nuser, pt_frame_total_count(ZONE_USER));
	RUN(exhaust_zone(ZONE_KERNEL, &nkernel));
	CHECK_EQ(nkernel, pt_frame_total_count(ZONE_KERNEL));
	CHECK_ERR(pt_frame_alloc_run(1, &pa), E_NOMEM);
	CHECK_ERR(pt_frame_alloc(ZONE_USER, &pa), E_NOMEM);
	CHECK_EQ(pt_frame_check(), 0); /* the scribbles did not reach the metadata */
	RUN(release_all());
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), nkernel);
	CHECK_EQ(pt_frame_free_count(ZONE_USER), nuser);
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
		CHECK(!pt_frame_owned(not_owned[i]));
	for (size_t i = 0; i < ARRAY_SIZE(owned); i++)
		CHECK(pt_frame_owned(owned[i]));
	pt_frame_metadata(&meta, &nmeta);
	CHECK(!pt_frame_owned(meta));
	CHECK(!pt_frame_owned(meta + FR(nmeta - 1)));
	CHECK(pt_frame_owned(meta + FR(nmeta)));
	CHECK(pt_frame_in_kzone(STD_X - 1));
	CHECK(!pt_frame_in_kzone(STD_X));
	CHECK_EQ(pt_frame_kzone_end(), STD_X);
}

static void metadata_lies_in_the_kernel_zone_after_the_image(void)
{
	paddr_t meta;
	uint32_t nmeta;

	pt_frame_metadata(&meta, &nmeta);
	CHECK(IS_ALIGNED(meta, PAGE_SIZE));
	CHECK_GE(nmeta, 1);
	CHECK_GE(meta, ALIGN_UP(cfg.kimg_end, PAGE_SIZE));
	CHECK_LE(meta + FR(nmeta), pt_frame_kzone_end());
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
	pt_frame_metadata(&meta, &nmeta);
	CHECK_GT(nmeta, 5);
	CHECK_GE(meta, MiB(2) + KiB(4));
	CHECK_LE(meta + FR(nmeta), MiB(8));
	for (uint32_t i = 0; i < nmeta; i++)
		CHECK(map_available(pa_to_pfn(meta) + i));
	CHECK(!pt_frame_owned(MiB(1)));
	CHECK(!pt_frame_owned(MiB(1) + KiB(60)));
	CHECK(!pt_frame_owned(MiB(1) + KiB(72)));
	CHECK(pt_frame_owned(MiB(1) + KiB(76)));
	CHECK(pt_frame_owned(MiB(1) + KiB(92)));
	CHECK(!pt_frame_owned(MiB(1) + KiB(96)));
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
	pt_frame_metadata(&meta, &nmeta);
	CHECK_EQ(meta, MiB(1) + FR(1));
	CHECK_EQ(nmeta, 1);
	CHECK_EQ(pt_frame_total_count(ZONE_KERNEL), 6);
	CHECK_EQ(pt_frame_total_count(ZONE_USER), 8);
	CHECK_ERR(pt_frame_alloc_run(7, &pa), E_NOMEM);
	CHECK_OK(pt_frame_alloc_run(6, &pa));
	CHECK_EQ(pa, MiB(1) + FR(2));
	CHECK_OK(pt_frame_free_run(pa, 6));
	RUN(check_ownership());
	RUN(check_exhaustion());
}

static void one_frame_map_has_room_only_for_metadata(void)
{
	const struct mem_region one[] = { { MiB(1), FR(1), MEM_AVAILABLE } };
	const struct config c = { one, 1, MiB(2), 0, 0, MiB(1) + FR(1) };
	paddr_t pa;

	CHECK_OK(boot(&c));
	CHECK_EQ(pt_frame_total_count(ZONE_KERNEL), 0);
	CHECK_EQ(pt_frame_total_count(ZONE_USER), 0);
	CHECK_ERR(pt_frame_alloc(ZONE_KERNEL, &pa), E_NOMEM);
	CHECK_ERR(pt_frame_alloc(ZONE_USER, &pa), E_NOMEM);
	CHECK_ERR(pt_frame_free(MiB(1)), E_NOTOWN);
	CHECK_EQ(pt_frame_check(), 0);
}

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
};

DEFINE_PART(frame_boot_part, cases);
