/*
 * frame_inject.c - fault injection: pt_frame_fail_nth fails exactly the nth
 * allocation call from now, and pt_frame_alloc_calls counts them.
 */
#include "frame_util.h"

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
		return pt_frame_alloc(ZONE_USER, pa);
	case AK_KERNEL:
		return pt_frame_alloc(ZONE_KERNEL, pa);
	case AK_RUN:
		return pt_frame_alloc_run(3, pa);
	default:
		rc = pt_frame_extend_run(held, *held_len, 1);
		if (rc == 0)
			(*held_len)++;
		return rc;
	}
}

static void free_result(enum alloc_kind k, paddr_t pa)
{
	if (k == AK_RUN)
		CHECK_OK(pt_frame_free_run(pa, 3));
	else if (k != AK_EXTEND)
		CHECK_OK(pt_frame_free(pa));
}

static void fail_nth_fails_exactly_the_nth_call(void)
{
	for (int fail = 0; fail < AK_COUNT; fail++) {
		paddr_t r, held, pa[AK_COUNT + 1];
		uint32_t held_len = 1;
		/* free frames after held, and below it for the others to take first */
		CHECK_OK(pt_frame_alloc_run(400, &r));
		held = r + FR(399);
		CHECK_OK(pt_frame_free_run(r, 399));
		uint32_t calls = pt_frame_alloc_calls();
		pt_frame_fail_nth((uint32_t)fail + 1);
		for (int k = 0; k < AK_COUNT; k++) {
			/* the calls come in order user, kernel, run, extend */
			if (k == fail)
				snap_save();
			int rc = alloc_call(k, &pa[k], held, &held_len);
			CHECK_EQ(pt_frame_alloc_calls(), calls + k + 1);
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
		CHECK_OK(pt_frame_free_run(held, held_len));
	}
}

static void fail_nth_counts_from_now(void)
{
	paddr_t pa[5];

	for (int i = 0; i < 3; i++) {
		CHECK_OK(pt_frame_alloc(ZONE_USER, &pa[i]));
		CHECK_OK(pt_frame_free(pa[i]));
	}
	pt_frame_fail_nth(2);
	CHECK_OK(pt_frame_alloc_run(2, &pa[0]));
	CHECK_ERR(pt_frame_alloc_run(2, &pa[1]), E_NOMEM);
	CHECK_OK(pt_frame_alloc_run(2, &pa[1]));
	pt_frame_fail_nth(1);
	CHECK_ERR(pt_frame_alloc(ZONE_USER, &pa[2]), E_NOMEM);
	pt_frame_fail_nth(3);
	pt_frame_fail_nth(0);
	for (int i = 2; i < 5; i++)
		CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &pa[i]));
	CHECK_OK(pt_frame_free_run(pa[0], 2));
	CHECK_OK(pt_frame_free_run(pa[1], 2));
	for (int i = 2; i < 5; i++)
		CHECK_OK(pt_frame_free(pa[i]));
}

static void alloc_calls_counts_every_allocation_call(void)
{
	paddr_t a, pa;
	uint32_t c = pt_frame_alloc_calls();

	CHECK_OK(pt_frame_alloc(ZONE_USER, &pa));
	CHECK_EQ(pt_frame_alloc_calls(), c + 1);
	CHECK_OK(pt_frame_free(pa));
	CHECK_EQ(pt_frame_alloc_calls(), c + 1);
	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &a)); /* counted once, not once more as a run */
	CHECK_EQ(pt_frame_alloc_calls(), c + 2);
	CHECK_OK(pt_frame_extend_run(a, 1, 1));
	CHECK_EQ(pt_frame_alloc_calls(), c + 3);
	CHECK_ERR(pt_frame_alloc_run(0xFFFFFFFFu, &pa), E_NOMEM); /* failures count too */
	CHECK_EQ(pt_frame_alloc_calls(), c + 4);
	CHECK_ERR(pt_frame_extend_run(a, 2, 0xFFFFFFFFu), E_NOMEM);
	CHECK_EQ(pt_frame_alloc_calls(), c + 5);
	CHECK_ERR(pt_frame_alloc_run(0, &pa), E_INVAL); /* bad arguments do not */
	CHECK_ERR(pt_frame_alloc(ZONE_COUNT, &pa), E_INVAL);
	CHECK_EQ(pt_frame_alloc_calls(), c + 5);
	CHECK_OK(pt_frame_free_run(a, 2));
	CHECK_OK(boot(&std_cfg));
	CHECK_EQ(pt_frame_alloc_calls(), 0);
}

static const struct test_case cases[] = {
	TEST_CASE(fail_nth_fails_exactly_the_nth_call),
	TEST_CASE(fail_nth_counts_from_now),
	TEST_CASE(alloc_calls_counts_every_allocation_call),
};

DEFINE_PART(frame_inject_part, cases);
