/*
 * frame_bad.c - bad input: frames not owned, unaligned or free, frames in
 * use that may not be freed, and empty runs are refused, and nothing changes.
 */
#include "frame_util.h"

/* Every call on pa fails with err and changes nothing. */
static void check_bad_frame(paddr_t pa, int err)
{
	snap_save();
	CHECK_ERR(pt_frame_free(pa), err);
	CHECK_ERR(pt_frame_free_run(pa, 1), err);
	CHECK_ERR(pt_frame_free_run(pa, 3), err);
	CHECK_ERR(pt_frame_ref(pa), err);
	CHECK_ERR(pt_frame_unref(pa), err);
	CHECK_ERR(pt_frame_pin(pa), err);
	CHECK_ERR(pt_frame_unpin(pa), err);
	if (err != E_FREE) {
		CHECK_ERR(pt_frame_refcount(pa), err);
		CHECK_ERR(pt_frame_pincount(pa), err);
		CHECK(!pt_frame_owned(pa) || err == E_INVAL);
	}
	CHECK_ERR(pt_frame_extend_run(pa, 1, 1), E_INVAL);
	check_unchanged(__FILE__, __LINE__);
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
	pt_frame_metadata(&meta, &nmeta);
	RUN(check_bad_frame(meta, E_NOTOWN));
	RUN(check_bad_frame(meta + FR(nmeta - 1), E_NOTOWN));
}

static void unaligned_addresses_are_invalid(void)
{
	paddr_t k, u;

	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &k));
	CHECK_OK(pt_frame_alloc(ZONE_USER, &u));
	static const paddr_t off[] = { 1, 0x800, 0xFFF };
	for (size_t i = 0; i < ARRAY_SIZE(off); i++) {
		RUN(check_bad_frame(k + off[i], E_INVAL));
		RUN(check_bad_frame(u + off[i], E_INVAL));
		RUN(check_bad_frame(MiB(64) + off[i], E_INVAL)); /* beyond RAM too */
		RUN(check_bad_frame(0xFFFFF000 + off[i], E_INVAL));
	}
	CHECK_OK(pt_frame_free(k));
	CHECK_OK(pt_frame_free(u));
}

static void free_frames_are_refused(void)
{
	paddr_t k, u;

	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &k));
	CHECK_OK(pt_frame_alloc(ZONE_USER, &u));
	CHECK_OK(pt_frame_free(k));
	CHECK_OK(pt_frame_free(u));
	RUN(check_bad_frame(k, E_FREE)); /* double free */
	RUN(check_bad_frame(u, E_FREE));
	CHECK_EQ(pt_frame_refcount(k), 0);
	CHECK_EQ(pt_frame_pincount(k), 0);
	CHECK_EQ(pt_frame_refcount(u), 0);
	CHECK(pt_frame_owned(k));
	CHECK(pt_frame_owned(u));
}

static void pinned_frames_are_not_freed(void)
{
	paddr_t k, u;

	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &k));
	CHECK_OK(pt_frame_alloc(ZONE_USER, &u));
	CHECK_OK(pt_frame_pin(k));
	CHECK_OK(pt_frame_pin(u));
	RUN(check_unfreeable(k, E_BUSY));
	RUN(check_unfreeable(u, E_BUSY));
	snap_save();
	CHECK_ERR(pt_frame_unref(k), E_BUSY); /* the last reference of a pinned frame */
	CHECK_ERR(pt_frame_unref(u), E_BUSY);
	CHECK_UNCHANGED();
	CHECK_OK(pt_frame_unpin(k));
	CHECK_OK(pt_frame_unpin(u));
	CHECK_OK(pt_frame_free(k));
	CHECK_OK(pt_frame_free(u));
}

static void shared_frames_are_not_freed(void)
{
	paddr_t u;

	CHECK_OK(pt_frame_alloc(ZONE_USER, &u));
	CHECK_OK(pt_frame_ref(u));
	RUN(check_unfreeable(u, E_BUSY));
	CHECK_EQ(pt_frame_unref(u), 1);
	CHECK_OK(pt_frame_free(u));
}

static void free_run_with_one_bad_frame_frees_none(void)
{
	paddr_t a;

	CHECK_OK(pt_frame_alloc_run(5, &a));
	CHECK_OK(pt_frame_pin(a + FR(2)));
	snap_save();
	CHECK_ERR(pt_frame_free_run(a, 5), E_BUSY);
	CHECK_UNCHANGED();
	CHECK_OK(pt_frame_unpin(a + FR(2)));
	CHECK_OK(pt_frame_ref(a + FR(4)));
	snap_save();
	CHECK_ERR(pt_frame_free_run(a, 5), E_BUSY);
	CHECK_UNCHANGED();
	CHECK_EQ(pt_frame_unref(a + FR(4)), 1);
	CHECK_OK(pt_frame_free(a + FR(3)));
	snap_save();
	CHECK_ERR(pt_frame_free_run(a, 5), E_FREE);
	CHECK_ERR(pt_frame_free_run(a + FR(3), 2), E_FREE);
	CHECK_ERR(pt_frame_free_run(a, 6), E_FREE);
	CHECK_UNCHANGED();
	CHECK_OK(pt_frame_free_run(a, 3));
	CHECK_OK(pt_frame_free(a + FR(4)));
}

static void free_run_into_memory_not_owned_frees_none(void)
{
	paddr_t last = MiB(64) - FR(1);

	RUN(fill_kzone());
	snap_save();
	CHECK_ERR(pt_frame_free_run(STD_HOLE - FR(2), 3), E_NOTOWN);
	CHECK_ERR(pt_frame_free_run(STD_HOLE - FR(2), 0xFFFFFFFFu), E_NOTOWN);
	CHECK_UNCHANGED();
	uint32_t n;
	RUN(exhaust_zone(ZONE_USER, &n));
	snap_save();
	CHECK_ERR(pt_frame_free_run(last, 2), E_NOTOWN);
	CHECK_ERR(pt_frame_free_run(last - FR(3), 0xFFFFFFFFu), E_NOTOWN);
	CHECK_ERR(pt_frame_free_run(MiB(63) - FR(1), 2), E_NOTOWN); /* ACPI */
	CHECK_UNCHANGED();
	/* a run may straddle X: one frame back to each zone */
	CHECK_OK(pt_frame_free_run(STD_X - FR(1), 2));
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), 1);
	CHECK_EQ(pt_frame_free_count(ZONE_USER), 1);
	paddr_t pa;
	CHECK_OK(pt_frame_alloc(ZONE_USER, &pa));
	CHECK_EQ(pa, STD_X);
	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &pa));
	CHECK_EQ(pa, STD_X - FR(1));
	RUN(release_all());
}

static void zero_length_runs_are_invalid(void)
{
	paddr_t a, pa = 0x1234;

	CHECK_OK(pt_frame_alloc_run(2, &a));
	snap_save();
	CHECK_ERR(pt_frame_alloc_run(0, &pa), E_INVAL);
	CHECK_ERR(pt_frame_free_run(a, 0), E_INVAL);
	CHECK_ERR(pt_frame_free_run(STD_HOLE, 0), E_INVAL);
	CHECK_ERR(pt_frame_extend_run(a, 2, 0), E_INVAL);
	CHECK_ERR(pt_frame_extend_run(a, 0, 2), E_INVAL);
	CHECK_EQ(pa, 0x1234);
	CHECK_UNCHANGED();
	CHECK_OK(pt_frame_free_run(a, 2));
}

static const struct test_case cases[] = {
	TEST_CASE(frames_not_owned_are_refused),
	TEST_CASE(unaligned_addresses_are_invalid),
	TEST_CASE(free_frames_are_refused),
	TEST_CASE(pinned_frames_are_not_freed),
	TEST_CASE(shared_frames_are_not_freed),
	TEST_CASE(free_run_with_one_bad_frame_frees_none),
	TEST_CASE(free_run_into_memory_not_owned_frees_none),
	TEST_CASE(zero_length_runs_are_invalid),
};

DEFINE_PART(frame_bad_part, cases);
