/*
 * frame_refs.c - references and pins: a frame goes with its last reference,
 * a pinned frame stays, and both counts stop at their limits; runs taken
 * and given back pinned.
 */
#include "frame_util.h"

static void a_frame_is_freed_when_its_last_reference_goes(void)
{
	paddr_t u;

	CHECK_OK(pt_frame_alloc(ZONE_USER, &u));
	for (int i = 0; i < 3; i++)
		CHECK_OK(pt_frame_ref(u));
	CHECK_EQ(pt_frame_refcount(u), 4);
	uint32_t free_in_use = pt_frame_free_count(ZONE_USER);
	for (int left = 3; left >= 1; left--) {
		CHECK_EQ(pt_frame_unref(u), left);
		CHECK_EQ(pt_frame_refcount(u), left);
		CHECK_EQ(pt_frame_free_count(ZONE_USER), free_in_use);
	}
	CHECK_EQ(pt_frame_unref(u), 0);
	CHECK_EQ(pt_frame_free_count(ZONE_USER), free_in_use + 1);
	CHECK_EQ(pt_frame_refcount(u), 0);
	CHECK_ERR(pt_frame_unref(u), E_FREE);
}

static void kernel_frames_are_reference_counted_too(void)
{
	paddr_t k;

	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &k));
	CHECK_OK(pt_frame_ref(k));
	CHECK_EQ(pt_frame_unref(k), 1);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), base_free[ZONE_KERNEL] - 1);
	CHECK_EQ(pt_frame_unref(k), 0);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), base_free[ZONE_KERNEL]);
}

static void unref_of_a_pinned_last_reference_is_busy(void)
{
	paddr_t u;

	CHECK_OK(pt_frame_alloc(ZONE_USER, &u));
	CHECK_OK(pt_frame_ref(u));
	CHECK_OK(pt_frame_pin(u));
	CHECK_EQ(pt_frame_unref(u), 1); /* a pinned frame may lose a shared reference */
	snap_save();
	CHECK_ERR(pt_frame_unref(u), E_BUSY);
	CHECK_UNCHANGED();
	CHECK_OK(pt_frame_unpin(u));
	CHECK_EQ(pt_frame_unref(u), 0);
}

/* pt_frame_unref_slotless is pt_frame_unref_mapping's short way: a frame that keeps a slot is not its own. */
static void unref_slotless_leaves_a_frame_that_keeps_a_slot(void)
{
	paddr_t u;

	CHECK_OK(pt_frame_alloc(ZONE_USER, &u));
	CHECK_OK(pt_frame_ref(u));
	CHECK_EQ(pt_frame_unref_slotless(u), 1);
	CHECK_OK(pt_frame_ref(u));
	CHECK_OK(pt_frame_keep_slot(u, 7, true));
	snap_save();
	CHECK_ERR(pt_frame_unref_slotless(u), E_BUSY);
	CHECK_UNCHANGED();
	CHECK_EQ(pt_frame_refcount(u), 2);
	CHECK_EQ(pt_frame_slot(u), 7);
	CHECK(pt_frame_copy_shared(u));
	CHECK_EQ(pt_frame_take_slot(u), 7);
	CHECK_EQ(pt_frame_unref_slotless(u), 1);
	uint32_t free_in_use = pt_frame_free_count(ZONE_USER);
	CHECK_EQ(pt_frame_unref_slotless(u), 0);
	CHECK_EQ(pt_frame_free_count(ZONE_USER), free_in_use + 1);
	CHECK_ERR(pt_frame_unref_slotless(u), E_FREE);
}

static void reference_count_stops_at_its_limit(void)
{
	paddr_t u;
	int rc;
	uint32_t n = 1;

	CHECK_OK(pt_frame_alloc(ZONE_USER, &u));
	while ((rc = pt_frame_ref(u)) == 0 && n < MiB(1))
		n++;
	CHECK_ERR(rc, E_RANGE);
	CHECK_GE(n, 255);
	CHECK_EQ(pt_frame_refcount(u), n);
	snap_save();
	CHECK_ERR(pt_frame_ref(u), E_RANGE);
	CHECK_UNCHANGED();
	while (n > 1)
		CHECK_EQ(pt_frame_unref(u), --n);
	CHECK_EQ(pt_frame_unref(u), 0);
}

static void pins_are_counted(void)
{
	paddr_t k;

	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &k));
	for (int i = 1; i <= 3; i++) {
		CHECK_OK(pt_frame_pin(k));
		CHECK_EQ(pt_frame_pincount(k), i);
	}
	CHECK_OK(pt_frame_ref(k)); /* a pinned frame can still be shared */
	CHECK_EQ(pt_frame_unref(k), 1);
	for (int i = 2; i >= 0; i--) {
		RUN(check_unfreeable(k, E_BUSY));
		CHECK_OK(pt_frame_unpin(k));
		CHECK_EQ(pt_frame_pincount(k), i);
	}
	CHECK_EQ(pt_frame_refcount(k), 1);
	CHECK_OK(pt_frame_free(k));
	CHECK_EQ(pt_frame_pincount(k), 0);
}

/* pt_frame_user_pinned counts the user frames with a pin, however they were pinned. */
static void pinned_user_frames_are_counted(void)
{
	paddr_t k, u[3];

	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &k));
	for (int i = 0; i < 3; i++)
		CHECK_OK(pt_frame_alloc(ZONE_USER, &u[i]));
	CHECK(u[1] == u[0] + PAGE_SIZE && u[2] == u[1] + PAGE_SIZE); /* the lowest come first */
	CHECK_EQ(pt_frame_user_pinned(), 0);
	CHECK_OK(pt_frame_pin(k));
	CHECK_OK(pt_frame_pin(u[1]));
	CHECK_OK(pt_frame_pin(u[1]));
	CHECK_EQ(pt_frame_user_pinned(), 1);
	CHECK_OK(pt_frame_pin_run(u[0], 3));
	CHECK_EQ(pt_frame_user_pinned(), 3);
	CHECK_OK(pt_frame_unpin_run(u[0], 3));
	CHECK_EQ(pt_frame_user_pinned(), 1);
	CHECK_OK(pt_frame_free(u[2]));
	CHECK_ERR(pt_frame_pin_run(u[0], 3), E_FREE); /* all or nothing */
	CHECK_EQ(pt_frame_user_pinned(), 1);
	CHECK_OK(pt_frame_unpin(u[1]));
	CHECK_EQ(pt_frame_user_pinned(), 1);
	CHECK_OK(pt_frame_unpin(u[1]));
	CHECK_EQ(pt_frame_user_pinned(), 0);
	CHECK_OK(pt_frame_check());
	CHECK_OK(pt_frame_unpin(k));
	CHECK_OK(pt_frame_free(k));
	CHECK_OK(pt_frame_free(u[0]));
	CHECK_OK(pt_frame_free(u[1]));
}

static void unpin_of_an_unpinned_frame_is_invalid(void)
{
	paddr_t u;

	CHECK_OK(pt_frame_alloc(ZONE_USER, &u));
	snap_save();
	CHECK_ERR(pt_frame_unpin(u), E_INVAL);
	CHECK_UNCHANGED();
	CHECK_OK(pt_frame_pin(u));
	CHECK_OK(pt_frame_unpin(u));
	snap_save();
	CHECK_ERR(pt_frame_unpin(u), E_INVAL);
	CHECK_UNCHANGED();
	CHECK_OK(pt_frame_free(u));
}

static void pin_count_stops_at_its_limit(void)
{
	paddr_t k;
	int rc;
	uint32_t n = 0;

	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &k));
	while ((rc = pt_frame_pin(k)) == 0 && n < MiB(1))
		n++;
	CHECK_ERR(rc, E_RANGE);
	CHECK_GE(n, 16);
	CHECK_EQ(pt_frame_pincount(k), n);
	snap_save();
	CHECK_ERR(pt_frame_pin(k), E_RANGE);
	CHECK_UNCHANGED();
	while (n-- > 0)
		CHECK_OK(pt_frame_unpin(k));
	CHECK_OK(pt_frame_free(k));
}

/* pt_frame_alloc_pinned_run and pt_frame_free_pinned_run: one reference and one pin each, all or nothing. */
static void pinned_runs_are_taken_and_given_back_whole(void)
{
	paddr_t k, u;

	CHECK_OK(pt_frame_alloc_pinned_run(3, &k));
	CHECK(pt_frame_in_kzone(k));
	for (uint32_t i = 0; i < 3; i++) {
		CHECK_EQ(pt_frame_refcount(k + FR(i)), 1);
		CHECK_EQ(pt_frame_pincount(k + FR(i)), 1);
	}
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), base_free[ZONE_KERNEL] - 3);
	CHECK_EQ(pt_frame_user_pinned(), 0); /* kernel-zone frames */
	/* a frame pinned twice, or shared, or not pinned: nothing is given back */
	CHECK_OK(pt_frame_pin(k + FR(2)));
	snap_save();
	CHECK_ERR(pt_frame_free_pinned_run(k, 3), E_BUSY);
	CHECK_UNCHANGED();
	CHECK_OK(pt_frame_unpin(k + FR(2)));
	CHECK_OK(pt_frame_ref(k + FR(1)));
	snap_save();
	CHECK_ERR(pt_frame_free_pinned_run(k, 3), E_BUSY);
	CHECK_UNCHANGED();
	CHECK_EQ(pt_frame_unref(k + FR(1)), 1);
	CHECK_OK(pt_frame_alloc(ZONE_USER, &u));
	snap_save();
	CHECK_ERR(pt_frame_free_pinned_run(u, 1), E_BUSY);
	CHECK_LT(pt_frame_free_pinned_run(k, 4), 0); /* the fourth frame is not the run's */
	CHECK_ERR(pt_frame_free_pinned_run(k + 4, 1), E_INVAL);
	CHECK_ERR(pt_frame_free_pinned_run(k, 0), E_INVAL);
	CHECK_ERR(pt_frame_free_pinned_run(0, 1), E_NOTOWN);
	CHECK_UNCHANGED();
	CHECK_OK(pt_frame_free(u));
	/* a pinned user frame counts, and its release too */
	CHECK_OK(pt_frame_alloc(ZONE_USER, &u));
	CHECK_OK(pt_frame_pin(u));
	CHECK_EQ(pt_frame_user_pinned(), 1);
	CHECK_OK(pt_frame_free_pinned_run(u, 1));
	CHECK_EQ(pt_frame_user_pinned(), 0);
	CHECK_EQ(pt_frame_refcount(u), 0);
	CHECK_OK(pt_frame_free_pinned_run(k, 3));
	CHECK_EQ(pt_frame_pincount(k), 0);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), base_free[ZONE_KERNEL]);
	CHECK_ERR(pt_frame_free_pinned_run(k, 3), E_FREE);
}

static const struct test_case cases[] = {
	TEST_CASE(a_frame_is_freed_when_its_last_reference_goes),
	TEST_CASE(kernel_frames_are_reference_counted_too),
	TEST_CASE(unref_of_a_pinned_last_reference_is_busy),
	TEST_CASE(unref_slotless_leaves_a_frame_that_keeps_a_slot),
	TEST_CASE(reference_count_stops_at_its_limit),
	TEST_CASE(pins_are_counted),
	TEST_CASE(pinned_user_frames_are_counted),
	TEST_CASE(unpin_of_an_unpinned_frame_is_invalid),
	TEST_CASE(pin_count_stops_at_its_limit),
	TEST_CASE(pinned_runs_are_taken_and_given_back_whole),
};

DEFINE_PART(frame_refs_part, cases);
