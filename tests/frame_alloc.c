/*
 * frame_alloc.c - allocating: single frames of either zone, first-fit runs
 * of kernel frames, and extending a run in place.
 */
#include "frame_util.h"

/* The lowest owned kernel frame that is free now, at or after pfn. */
static uint32_t first_free_kernel(uint32_t pfn)
{
	while (pfn < kzone_pfn() && !(expect_owned(pfn) && pt_frame_refcount(pfn_to_pa(pfn)) == 0))
		pfn++;
	return pfn;
}

/* ---- single frames ---------------------------------------------------------- */

static void user_frames_are_distinct_and_in_the_user_zone(void)
{
	paddr_t pa[100];

	for (size_t i = 0; i < ARRAY_SIZE(pa); i++) {
		CHECK_OK(pt_frame_alloc(ZONE_USER, &pa[i]));
		CHECK(!pt_frame_in_kzone(pa[i]));
		CHECK(expect_owned(pa_to_pfn(pa[i])));
		CHECK_EQ(pt_frame_refcount(pa[i]), 1);
		CHECK_EQ(pt_frame_pincount(pa[i]), 0);
		CHECK_EQ(pt_frame_free_count(ZONE_USER), base_free[ZONE_USER] - i - 1);
		CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), base_free[ZONE_KERNEL]);
		for (size_t j = 0; j < i; j++)
			CHECK_NE(pa[i], pa[j]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(pa); i++)
		CHECK_OK(pt_frame_free(pa[i]));
}

static void kernel_frames_come_first_fit(void)
{
	paddr_t a, b, c;
	uint32_t first = first_free_kernel(0);

	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &a));
	CHECK_EQ(pa_to_pfn(a), first);
	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &b));
	CHECK_EQ(b, a + FR(1));
	CHECK_OK(pt_frame_free(a));
	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &c));
	CHECK_EQ(c, a);
	CHECK_EQ(pt_frame_free_count(ZONE_USER), base_free[ZONE_USER]);
	CHECK_OK(pt_frame_free(b));
	CHECK_OK(pt_frame_free(c));
}

static void alloc_rejects_a_bad_zone(void)
{
	paddr_t pa = 0x1234;

	snap_save();
	CHECK_ERR(pt_frame_alloc(ZONE_COUNT, &pa), E_INVAL);
	CHECK_ERR(pt_frame_alloc((enum zone)7, &pa), E_INVAL);
	CHECK_EQ(pa, 0x1234);
	CHECK_UNCHANGED();
	CHECK_EQ(pt_frame_free_count(ZONE_COUNT), 0);
	CHECK_EQ(pt_frame_total_count(ZONE_COUNT), 0);
}

/* ---- kernel runs ------------------------------------------------------------ */

/* The first run of n free owned kernel frames, by the snapshot; kzone end if none. */
static uint32_t snap_first_fit(uint32_t n)
{
	uint32_t len = 0;

	for (uint32_t p = 0; p < kzone_pfn(); p++) {
		len = (expect_owned(p) && saved.ref[p] == 0) ? len + 1 : 0;
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
		CHECK_OK(pt_frame_alloc_run(n, &runs[i]));
		uint32_t p = pa_to_pfn(runs[i]);
		CHECK_EQ(p, snap_first_fit(n));
		CHECK_LE(p + n, kzone_pfn());
		for (uint32_t j = 0; j < n; j++) {
			CHECK_EQ(saved.ref[p + j], 0);
			CHECK(expect_owned(p + j));
			CHECK_EQ(pt_frame_refcount(pfn_to_pa(p + j)), 1);
		}
		CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), saved.free[ZONE_KERNEL] - n);
		CHECK_EQ(pt_frame_free_count(ZONE_USER), saved.free[ZONE_USER]);
		CHECK_EQ(pt_frame_check(), 0);
		if (i == 2) /* leave a hole of 10 for the later runs */
			CHECK_OK(pt_frame_free_run(runs[1], sizes[1]));
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		if (i != 1)
			CHECK_OK(pt_frame_free_run(runs[i], sizes[i]));
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
	CHECK_OK(pt_frame_alloc_run(2, &pa));
	CHECK_EQ(pa, a + FR(4));
	CHECK_OK(pt_frame_alloc_run(2, &pa));
	CHECK_EQ(pa, a + FR(10));
	CHECK_OK(pt_frame_alloc_run(4, &pa));
	CHECK_EQ(pa, a + FR(20));
	CHECK_OK(pt_frame_alloc_run(1, &pa));
	CHECK_EQ(pa, a);
	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &pa));
	CHECK_EQ(pa, a + FR(6));
	CHECK_OK(pt_frame_alloc_run(1, &pa));
	CHECK_EQ(pa, a + FR(24));
	CHECK_ERR(pt_frame_alloc_run(1, &pa), E_NOMEM);
	RUN(release_all());
}

static void kernel_run_that_cannot_fit_fails_and_changes_nothing(void)
{
	paddr_t pa = 0x1234;

	snap_save();
	CHECK_ERR(pt_frame_alloc_run(pt_frame_total_count(ZONE_KERNEL) + 1, &pa), E_NOMEM);
	CHECK_ERR(pt_frame_alloc_run(0xFFFFFFFFu, &pa), E_NOMEM);
	CHECK_UNCHANGED();
	RUN(fill_kzone());
	for (uint32_t i = 0; i < 64; i += 2)
		RUN(give(MiB(2) + FR(i), 1));
	snap_save();
	CHECK_ERR(pt_frame_alloc_run(2, &pa), E_NOMEM);
	CHECK_ERR(pt_frame_alloc_run(32, &pa), E_NOMEM);
	CHECK_ERR(pt_frame_alloc_run(33, &pa), E_NOMEM);
	CHECK_EQ(pa, 0x1234);
	CHECK_UNCHANGED();
	CHECK_OK(pt_frame_alloc_run(1, &pa));
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
	CHECK_ERR(pt_frame_alloc_run(3, &pa), E_NOMEM);
	CHECK_ERR(pt_frame_alloc_run(4, &pa), E_NOMEM);
	CHECK_ERR(pt_frame_alloc_run(6, &pa), E_NOMEM);
	CHECK_UNCHANGED();
	CHECK_OK(pt_frame_alloc_run(2, &pa));
	CHECK_EQ(pa, STD_HOLE - FR(2));
	CHECK_OK(pt_frame_alloc_run(2, &pa));
	CHECK_EQ(pa, STD_HOLE + FR(4));
	CHECK_OK(pt_frame_alloc_run(2, &pa));
	CHECK_EQ(pa, STD_X - FR(2));
	RUN(release_all());
}

/* ---- extending runs --------------------------------------------------------- */

static void extend_run_takes_the_free_frames_after_it(void)
{
	paddr_t a, b;

	CHECK_OK(pt_frame_alloc_run(2, &a));
	CHECK_OK(pt_frame_pin(a)); /* page-table blocks are pinned while they grow */
	CHECK_EQ(first_free_kernel(pa_to_pfn(a)), pa_to_pfn(a) + 2);
	uint32_t free_before = pt_frame_free_count(ZONE_KERNEL);
	CHECK_OK(pt_frame_extend_run(a, 2, 3));
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free_before - 3);
	for (uint32_t i = 0; i < 5; i++)
		CHECK_EQ(pt_frame_refcount(a + FR(i)), 1);
	CHECK_OK(pt_frame_alloc_run(1, &b));
	CHECK_EQ(b, a + FR(5));
	CHECK_OK(pt_frame_free(b));
	CHECK_OK(pt_frame_unpin(a));
	CHECK_OK(pt_frame_free_run(a, 5));
}

static void extend_run_fails_when_a_frame_after_is_in_use(void)
{
	paddr_t a, b;

	CHECK_OK(pt_frame_alloc_run(2, &a));
	CHECK_OK(pt_frame_alloc_run(3, &b));
	CHECK_EQ(b, a + FR(2));
	CHECK_OK(pt_frame_free_run(b, 2)); /* b + 2 stays in use */
	snap_save();
	CHECK_ERR(pt_frame_extend_run(a, 2, 3), E_NOMEM);
	CHECK_ERR(pt_frame_extend_run(a, 2, 100), E_NOMEM);
	CHECK_ERR(pt_frame_extend_run(a, 1, 1), E_NOMEM); /* a + 1 is in use */
	CHECK_UNCHANGED();
	CHECK_OK(pt_frame_extend_run(a, 2, 2));
	CHECK_OK(pt_frame_free_run(a, 5));
}

static void extend_run_fails_at_a_reserved_frame(void)
{
	paddr_t r = STD_HOLE - FR(3);

	RUN(fill_kzone());
	RUN(give(STD_HOLE - FR(2), 2));
	RUN(give(STD_HOLE + FR(4), 2));
	snap_save();
	CHECK_ERR(pt_frame_extend_run(r, 1, 3), E_NOMEM);
	CHECK_ERR(pt_frame_extend_run(r, 1, 8), E_NOMEM);
	CHECK_UNCHANGED();
	CHECK_OK(pt_frame_extend_run(r, 1, 2));
	RUN(release_all());
}

static void extend_run_fails_past_the_end_of_the_kernel_zone(void)
{
	paddr_t r = STD_X - FR(2);

	RUN(fill_kzone());
	RUN(give(STD_X - FR(1), 1));
	snap_save();
	CHECK_ERR(pt_frame_extend_run(r, 1, 2), E_NOMEM);
	CHECK_ERR(pt_frame_extend_run(r, 1, 0xFFFFFFFFu), E_NOMEM);
	CHECK_UNCHANGED();
	CHECK_OK(pt_frame_extend_run(r, 1, 1));
	snap_save();
	CHECK_ERR(pt_frame_extend_run(r, 2, 1), E_NOMEM);
	CHECK_UNCHANGED();
	RUN(release_all());
}

static void extend_run_rejects_bad_arguments(void)
{
	paddr_t a, u, meta;
	uint32_t nmeta;

	CHECK_OK(pt_frame_alloc_run(2, &a));
	CHECK_OK(pt_frame_alloc(ZONE_USER, &u));
	pt_frame_metadata(&meta, &nmeta);
	snap_save();
	uint32_t calls = pt_frame_alloc_calls();
	CHECK_ERR(pt_frame_extend_run(a + 1, 2, 1), E_INVAL);
	CHECK_ERR(pt_frame_extend_run(a, 0, 1), E_INVAL);
	CHECK_ERR(pt_frame_extend_run(a, 2, 0), E_INVAL);
	CHECK_ERR(pt_frame_extend_run(a, 0xFFFFFFFFu, 1), E_INVAL);
	CHECK_ERR(pt_frame_extend_run(a, 3, 1), E_INVAL);        /* a + 2 is free */
	CHECK_ERR(pt_frame_extend_run(a + FR(2), 1, 1), E_INVAL); /* free */
	CHECK_ERR(pt_frame_extend_run(u, 1, 1), E_INVAL);        /* user zone */
	CHECK_ERR(pt_frame_extend_run(STD_X - FR(1), 2, 1), E_INVAL);
	CHECK_ERR(pt_frame_extend_run(MiB(1), 1, 1), E_INVAL);   /* the image */
	CHECK_ERR(pt_frame_extend_run(meta, nmeta, 1), E_INVAL);
	CHECK_ERR(pt_frame_extend_run(0, 1, 1), E_INVAL);
	CHECK_ERR(pt_frame_extend_run(STD_HOLE, 1, 1), E_INVAL);
	CHECK_UNCHANGED();
	CHECK_EQ(pt_frame_alloc_calls(), calls);
	CHECK_OK(pt_frame_free_run(a, 2));
	CHECK_OK(pt_frame_free(u));
}

static const struct test_case cases[] = {
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
};

DEFINE_PART(frame_alloc_part, cases);
