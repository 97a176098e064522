/*
 * frame_walk.c - walking the free kernel runs (pt_frame_next_free_run), and
 * the poison in freed frames.
 */
#include "frame_util.h"
#include "seam.h"

/* ---- walking the free kernel runs -------------------------------------------- */

static void next_free_run_walks_the_free_kernel_runs(void)
{
	paddr_t pa = 0, prev_end = 0;
	uint32_t n, sum = 0;

	while (pt_frame_next_free_run(&pa, &n)) {
		uint32_t p = pa_to_pfn(pa);
		CHECK_GE(pa, prev_end);
		CHECK_GE(n, 1);
		CHECK_LE(p + n, kzone_pfn());
		for (uint32_t i = 0; i < n; i++) {
			CHECK(expect_owned(p + i));
			CHECK_EQ(pt_frame_refcount(pa + FR(i)), 0);
		}
		/* maximal: the frames on either side are not free */
		CHECK(p == 0 || pt_frame_refcount(pa - FR(1)) != 0);
		CHECK(p + n == kzone_pfn() || pt_frame_refcount(pa + FR(n)) != 0);
		sum += n;
		prev_end = pa + FR(n);
		pa = prev_end;
	}
	CHECK_EQ(sum, pt_frame_free_count(ZONE_KERNEL));
}

static void next_free_run_finds_the_holes_it_should(void)
{
	paddr_t pa;
	uint32_t n;

	RUN(fill_kzone());
	pa = 0;
	CHECK(!pt_frame_next_free_run(&pa, &n));
	RUN(give(MiB(2), 3));
	RUN(give(STD_HOLE - FR(1), 1));
	RUN(give(STD_X - FR(5), 5));
	pa = 0;
	CHECK(pt_frame_next_free_run(&pa, &n));
	CHECK_EQ(pa, MiB(2));
	CHECK_EQ(n, 3);
	pa = MiB(2) + FR(1); /* from inside a run: the rest of it */
	CHECK(pt_frame_next_free_run(&pa, &n));
	CHECK_EQ(pa, MiB(2) + FR(1));
	CHECK_EQ(n, 2);
	pa = MiB(2) + FR(3);
	CHECK(pt_frame_next_free_run(&pa, &n));
	CHECK_EQ(pa, STD_HOLE - FR(1));
	CHECK_EQ(n, 1);
	pa += FR(1);
	CHECK(pt_frame_next_free_run(&pa, &n));
	CHECK_EQ(pa, STD_X - FR(5));
	CHECK_EQ(n, 5);
	pa = STD_X; /* the user zone has free frames, but they are not kernel runs */
	CHECK(!pt_frame_next_free_run(&pa, &n));
	pa = 0xFFFFF000;
	CHECK(!pt_frame_next_free_run(&pa, &n));
	RUN(release_all());
}

/* ---- poisoning --------------------------------------------------------------- */

static void freed_frames_are_poisoned(void)
{
#ifdef PT_DEBUG
	paddr_t k, u;

	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &k));
	CHECK_OK(pt_frame_alloc(ZONE_USER, &u));
	memset(hw_phys(k), 0, PAGE_SIZE);
	memset(hw_phys(u), 0, PAGE_SIZE);
	CHECK_OK(pt_frame_free(k));
	CHECK_EQ(pt_frame_unref(u), 0);
	for (uint32_t i = 0; i < PAGE_SIZE; i++) {
		CHECK_EQ(((uint8_t *)hw_phys(k))[i], 0x5A);
		CHECK_EQ(((uint8_t *)hw_phys(u))[i], 0x5A);
	}
#endif
}

static const struct test_case cases[] = {
	TEST_CASE(next_free_run_walks_the_free_kernel_runs),
	TEST_CASE(next_free_run_finds_the_holes_it_should),
	TEST_CASE(freed_frames_are_poisoned),
};

DEFINE_PART(frame_walk_part, cases);
