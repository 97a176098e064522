/*
 * test_kframe.c - the frame allocator as the kernel runs it: the live
 * allocator, over the memory map the loader gave, with real memory behind
 * the frames.  Kernel only: the host suite (frame) checks the same module
 * on made-up maps.
 *
 * Every case gives back all it takes.  The teardown checks that the free
 * counts of both zones are where they were before the case, and that
 * pt_frame_check() finds every invariant intact.
 *
 * A boot with kzone= at the top of RAM leaves the user zone empty; the
 * cases that need user frames then check that none can be had.
 */
#include "frame.h"
#include "seam.h"
#include "suites.h"

extern char kernel_start[], kernel_end[];

static uint32_t free_before[ZONE_COUNT];

static void setup(void)
{
	free_before[ZONE_KERNEL] = pt_frame_free_count(ZONE_KERNEL);
	free_before[ZONE_USER] = pt_frame_free_count(ZONE_USER);
}

static void teardown(void)
{
	pt_frame_fail_nth(0);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free_before[ZONE_KERNEL]);
	CHECK_EQ(pt_frame_free_count(ZONE_USER), free_before[ZONE_USER]);
	CHECK_OK(pt_frame_check());
}

static bool user_zone_empty(void)
{
	return pt_frame_total_count(ZONE_USER) == 0;
}

static uint32_t *frame_words(paddr_t pa)
{
	return hw_phys(pa);
}

static bool overlaps(paddr_t pa, paddr_t start, paddr_t end)
{
	return pa < end && start < pa + PAGE_SIZE;
}

/* ---- single frames -------------------------------------------------- */

static void kernel_frame_lies_in_the_kernel_zone_outside_the_image(void)
{
	paddr_t pa, meta;
	uint32_t nmeta;

	pt_frame_metadata(&meta, &nmeta);
	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &pa));
	CHECK(IS_ALIGNED(pa, PAGE_SIZE));
	CHECK(pt_frame_in_kzone(pa));
	CHECK_GE(pa, FRAME_LOW_RESERVED);
	CHECK(!overlaps(pa, (paddr_t)kernel_start, (paddr_t)kernel_end));
	CHECK(!overlaps(pa, meta, meta + nmeta * PAGE_SIZE));
	CHECK(pt_frame_owned(pa));
	CHECK_EQ(pt_frame_refcount(pa), 1);
	CHECK_EQ(pt_frame_pincount(pa), 0);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free_before[ZONE_KERNEL] - 1);
	CHECK_EQ(pt_frame_free_count(ZONE_USER), free_before[ZONE_USER]);
	CHECK_OK(pt_frame_free(pa));
	CHECK_EQ(pt_frame_refcount(pa), 0);
	CHECK_ERR(pt_frame_free(pa), E_FREE);
}

static void kernel_frames_are_distinct_real_memory(void)
{
	paddr_t a, b;

	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &a));
	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &b));
	CHECK_NE(a, b);
	for (uint32_t i = 0; i < PAGE_SIZE / 4; i++) {
		frame_words(a)[i] = a ^ i;
		frame_words(b)[i] = ~(b ^ i);
	}
	for (uint32_t i = 0; i < PAGE_SIZE / 4; i++) {
		CHECK_EQ(frame_words(a)[i], a ^ i);
		CHECK_EQ(frame_words(b)[i], ~(b ^ i));
	}
	CHECK_OK(pt_frame_free(a));
	CHECK_OK(pt_frame_free(b));
}

static void user_frame_lies_above_x(void)
{
	paddr_t pa;

	if (user_zone_empty()) {
		CHECK_ERR(pt_frame_alloc(ZONE_USER, &pa), E_NOMEM);
		return;
	}
	CHECK_OK(pt_frame_alloc(ZONE_USER, &pa));
	CHECK(IS_ALIGNED(pa, PAGE_SIZE));
	CHECK_GE(pa, pt_frame_kzone_end());
	CHECK(!pt_frame_in_kzone(pa));
	CHECK(pt_frame_owned(pa));
	CHECK_EQ(pt_frame_refcount(pa), 1);
	CHECK_EQ(pt_frame_free_count(ZONE_USER), free_before[ZONE_USER] - 1);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free_before[ZONE_KERNEL]);
	CHECK_OK(pt_frame_free(pa));
	CHECK_EQ(pt_frame_refcount(pa), 0);
}

static void user_frames_are_distinct(void)
{
	paddr_t pa[16];
	size_t n = MIN(ARRAY_SIZE(pa), (size_t)pt_frame_free_count(ZONE_USER));

	if (user_zone_empty()) { /* a boot whose kernel zone takes all of RAM */
		CHECK_ERR(pt_frame_alloc(ZONE_USER, &pa[0]), E_NOMEM);
		return;
	}
	CHECK_GT(n, 1);
	for (size_t i = 0; i < n; i++)
		CHECK_OK(pt_frame_alloc(ZONE_USER, &pa[i]));
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			CHECK_NE(pa[i], pa[j]);
	for (size_t i = 0; i < n; i++)
		CHECK_OK(pt_frame_free(pa[i]));
}

static void unknown_zone_is_refused(void)
{
	paddr_t pa;

	CHECK_ERR(pt_frame_alloc(ZONE_COUNT, &pa), E_INVAL);
}

/* ---- kernel runs ---------------------------------------------------- */

static void kernel_run_is_contiguous_in_the_kernel_zone(void)
{
	const uint32_t n = 16;
	paddr_t pa;

	CHECK_OK(pt_frame_alloc_run(n, &pa));
	CHECK(IS_ALIGNED(pa, PAGE_SIZE));
	CHECK_LE(pa + n * PAGE_SIZE, pt_frame_kzone_end());
	for (uint32_t i = 0; i < n; i++)
		CHECK_EQ(pt_frame_refcount(pa + i * PAGE_SIZE), 1);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free_before[ZONE_KERNEL] - n);
	CHECK_OK(pt_frame_free_run(pa, n));
	for (uint32_t i = 0; i < n; i++)
		CHECK_EQ(pt_frame_refcount(pa + i * PAGE_SIZE), 0);
}

static void impossible_runs_fail_and_change_nothing(void)
{
	paddr_t pa;

	CHECK_ERR(pt_frame_alloc_run(0, &pa), E_INVAL);
	CHECK_ERR(pt_frame_alloc_run(free_before[ZONE_KERNEL] + 1, &pa), E_NOMEM);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free_before[ZONE_KERNEL]);
	CHECK_ERR(pt_frame_free_run((paddr_t)kernel_end, 0), E_INVAL);
}

static void free_run_frees_all_or_nothing(void)
{
	paddr_t pa;

	CHECK_OK(pt_frame_alloc_run(4, &pa));
	CHECK_OK(pt_frame_pin(pa + 2 * PAGE_SIZE));
	CHECK_ERR(pt_frame_free_run(pa, 4), E_BUSY);
	for (uint32_t i = 0; i < 4; i++)
		CHECK_EQ(pt_frame_refcount(pa + i * PAGE_SIZE), 1);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free_before[ZONE_KERNEL] - 4);
	CHECK_OK(pt_frame_unpin(pa + 2 * PAGE_SIZE));
	CHECK_OK(pt_frame_free_run(pa, 4));
}

/*
 *   pa     mid    last
 *   +------+------+------+
 *   | used | free | used |   extend by 2: refused (last is in use)
 *   +------+------+------+   extend by 1: takes mid
 */
static void extend_run_takes_only_free_frames(void)
{
	paddr_t pa, mid, last;

	CHECK_OK(pt_frame_alloc_run(3, &pa));
	mid = pa + PAGE_SIZE;
	last = pa + 2 * PAGE_SIZE;
	CHECK_OK(pt_frame_free(mid));
	CHECK_ERR(pt_frame_extend_run(pa, 1, 2), E_NOMEM);
	CHECK_EQ(pt_frame_refcount(mid), 0);
	CHECK_EQ(pt_frame_refcount(last), 1);
	CHECK_OK(pt_frame_extend_run(pa, 1, 1));
	CHECK_EQ(pt_frame_refcount(mid), 1);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free_before[ZONE_KERNEL] - 3);
	CHECK_OK(pt_frame_free_run(pa, 3));
}

static void extend_run_grows_in_place(void)
{
	paddr_t pa;

	CHECK_OK(pt_frame_alloc_run(8, &pa));
	CHECK_OK(pt_frame_free_run(pa + 4 * PAGE_SIZE, 4));
	CHECK_OK(pt_frame_extend_run(pa, 4, 4));
	for (uint32_t i = 0; i < 8; i++)
		CHECK_EQ(pt_frame_refcount(pa + i * PAGE_SIZE), 1);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free_before[ZONE_KERNEL] - 8);
	CHECK_OK(pt_frame_free_run(pa, 8));
}

static void extend_run_refuses_bad_arguments(void)
{
	paddr_t pa, gone;

	CHECK_OK(pt_frame_alloc_run(1, &pa));
	CHECK_ERR(pt_frame_extend_run(pa + 1, 1, 1), E_INVAL);
	CHECK_ERR(pt_frame_extend_run(pa, 0, 1), E_INVAL);
	CHECK_ERR(pt_frame_extend_run(pa, 1, 0), E_INVAL);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free_before[ZONE_KERNEL] - 1);
	CHECK_OK(pt_frame_free(pa));
	/* a run that is no longer in use cannot grow */
	CHECK_OK(pt_frame_alloc_run(1, &gone));
	CHECK_OK(pt_frame_free(gone));
	CHECK_ERR(pt_frame_extend_run(gone, 1, 1), E_INVAL);
}

/* ---- references and pins ------------------------------------------- */

/* The life of a shared frame of zone z: it is freed with its last reference. */
static void check_references(enum zone z)
{
	paddr_t pa;

	CHECK_OK(pt_frame_alloc(z, &pa));
	CHECK_OK(pt_frame_ref(pa));
	CHECK_EQ(pt_frame_refcount(pa), 2);
	CHECK_ERR(pt_frame_free(pa), E_BUSY);
	CHECK_EQ(pt_frame_unref(pa), 1);
	CHECK_EQ(pt_frame_refcount(pa), 1);
	CHECK_EQ(pt_frame_unref(pa), 0);
	CHECK_EQ(pt_frame_refcount(pa), 0);
	CHECK_EQ(pt_frame_free_count(z), free_before[z]);
	CHECK_ERR(pt_frame_ref(pa), E_FREE);
	CHECK_ERR(pt_frame_unref(pa), E_FREE);
	CHECK_ERR(pt_frame_free(pa), E_FREE);
}

static void kernel_frame_lives_until_its_last_reference(void)
{
	check_references(ZONE_KERNEL);
}

static void user_frame_lives_until_its_last_reference(void)
{
	paddr_t pa;

	if (user_zone_empty()) {
		CHECK_ERR(pt_frame_alloc(ZONE_USER, &pa), E_NOMEM);
		return;
	}
	check_references(ZONE_USER);
}

static void pinned_frame_cannot_be_freed(void)
{
	paddr_t pa;

	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &pa));
	CHECK_OK(pt_frame_pin(pa));
	CHECK_OK(pt_frame_pin(pa));
	CHECK_EQ(pt_frame_pincount(pa), 2);
	CHECK_ERR(pt_frame_free(pa), E_BUSY);
	CHECK_ERR(pt_frame_unref(pa), E_BUSY);
	CHECK_EQ(pt_frame_refcount(pa), 1);
	CHECK_OK(pt_frame_unpin(pa));
	CHECK_ERR(pt_frame_free(pa), E_BUSY);
	CHECK_OK(pt_frame_unpin(pa));
	CHECK_ERR(pt_frame_unpin(pa), E_INVAL);
	CHECK_EQ(pt_frame_pincount(pa), 0);
	CHECK_OK(pt_frame_free(pa));
	CHECK_ERR(pt_frame_pin(pa), E_FREE);
	CHECK_ERR(pt_frame_unpin(pa), E_FREE);
	CHECK_EQ(pt_frame_pincount(pa), 0);
}

/* ---- addresses the allocator does not own ---------------------------- */

/* Every call that takes a frame refuses pa with error e. */
static void check_refused(paddr_t pa, int e)
{
	CHECK_ERR(pt_frame_free(pa), e);
	CHECK_ERR(pt_frame_ref(pa), e);
	CHECK_ERR(pt_frame_unref(pa), e);
	CHECK_ERR(pt_frame_pin(pa), e);
	CHECK_ERR(pt_frame_unpin(pa), e);
	CHECK_ERR(pt_frame_refcount(pa), e);
	CHECK_ERR(pt_frame_pincount(pa), e);
}

static void unaligned_addresses_are_refused(void)
{
	paddr_t pa;

	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &pa));
	check_refused(pa + 4, E_INVAL);
	if (test_failed())
		return;
	CHECK_EQ(pt_frame_refcount(pa), 1);
	CHECK_OK(pt_frame_free(pa));
}

static void frames_not_owned_are_refused(void)
{
	paddr_t meta;
	uint32_t nmeta;
	const paddr_t never[] = {
		0,                                         /* the null page */
		0x9F000,                                   /* below 1 MiB */
		(paddr_t)kernel_start,                     /* the kernel image */
		(paddr_t)kernel_end - PAGE_SIZE,
		0xFFFFF000,                                /* past the top of RAM */
	};

	for (size_t i = 0; i < ARRAY_SIZE(never) && !test_failed(); i++) {
		CHECK(!pt_frame_owned(never[i]));
		check_refused(never[i], E_NOTOWN);
	}
	pt_frame_metadata(&meta, &nmeta);
	CHECK_GT(nmeta, 0);
	CHECK(!pt_frame_owned(meta));
	CHECK(!pt_frame_owned(meta + (nmeta - 1) * PAGE_SIZE));
	CHECK_ERR(pt_frame_free_run(0xFFFFF000, 2), E_NOTOWN);
}

/* ---- zones and running dry ----------------------------------------- */

static void zones_are_laid_out_around_x(void)
{
	paddr_t x = pt_frame_kzone_end(), meta;
	uint32_t nmeta;

	pt_frame_metadata(&meta, &nmeta);
	CHECK(IS_ALIGNED(x, PAGE_SIZE));
	CHECK_GT(x, (paddr_t)kernel_end);
	CHECK(pt_frame_in_kzone(x - PAGE_SIZE));
	CHECK(!pt_frame_in_kzone(x));
	CHECK_GE(meta, (paddr_t)kernel_end);
	CHECK_LE(meta + nmeta * PAGE_SIZE, x);
	CHECK_GT(pt_frame_total_count(ZONE_KERNEL), 0);
	CHECK_LE(pt_frame_free_count(ZONE_KERNEL), pt_frame_total_count(ZONE_KERNEL));
	CHECK_LE(pt_frame_free_count(ZONE_USER), pt_frame_total_count(ZONE_USER));
}

static void failure_can_be_injected(void)
{
	uint32_t calls = pt_frame_alloc_calls();
	paddr_t a, b;

	pt_frame_fail_nth(2);
	CHECK_OK(pt_frame_alloc(ZONE_KERNEL, &a));
	CHECK_ERR(pt_frame_alloc_run(2, &b), E_NOMEM);
	CHECK_EQ(pt_frame_alloc_calls(), calls + 2);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free_before[ZONE_KERNEL] - 1);
	CHECK_OK(pt_frame_alloc_run(2, &b)); /* the failure happens once */
	CHECK_OK(pt_frame_free(a));
	CHECK_OK(pt_frame_free_run(b, 2));
}

/*
 * Take every free kernel-zone frame, then give them all back.  The taken
 * frames are chained through their first word, so no other memory is needed
 * to remember them.  They are all given back before anything is checked: a
 * failing check must not leave the zone empty for the cases after this one.
 */
static void kernel_zone_runs_dry_and_recovers(void)
{
	paddr_t head = 0, pa, upa = 0, last = pt_frame_kzone_end() - PAGE_SIZE;
	uint32_t taken = 0, freed = 0;
	int single, run, cross, user = -E_NOMEM;

	while (pt_frame_alloc(ZONE_KERNEL, &pa) == 0) {
		*frame_words(pa) = head;
		head = pa;
		taken++;
	}
	single = pt_frame_alloc(ZONE_KERNEL, &pa);
	run = pt_frame_alloc_run(1, &pa);
	cross = pt_frame_extend_run(last, 1, 1); /* the last kernel frame is in use now */
	if (!user_zone_empty() && (user = pt_frame_alloc(ZONE_USER, &upa)) == 0)
		pt_frame_free(upa);
	while (head != 0) {
		paddr_t next = *frame_words(head);
		freed += pt_frame_free(head) == 0;
		head = next;
	}
	CHECK_EQ(taken, free_before[ZONE_KERNEL]);
	CHECK_EQ(freed, taken);
	CHECK_ERR(single, E_NOMEM);
	CHECK_ERR(run, E_NOMEM);
	if (pt_frame_owned(last)) /* a run may not grow across X into the user zone */
		CHECK_ERR(cross, E_NOMEM);
	if (!user_zone_empty())
		CHECK_OK(user); /* the user zone is not the kernel zone's reserve */
}

/*
 * Take every free user-zone frame, remembering them in a kernel run, then
 * give them all back; checks come last, as above.
 */
static void user_zone_runs_dry_and_recovers(void)
{
	uint32_t max = pt_frame_total_count(ZONE_USER), taken = 0, freed = 0;
	uint32_t nlist = MAX(DIV_ROUND_UP(max * 4, PAGE_SIZE), 1u);
	paddr_t list_pa, pa;
	int after;

	CHECK_OK(pt_frame_alloc_run(nlist, &list_pa));
	paddr_t *list = hw_phys(list_pa);
	while (taken < max && pt_frame_alloc(ZONE_USER, &list[taken]) == 0)
		taken++;
	after = pt_frame_alloc(ZONE_USER, &pa);
	for (uint32_t i = 0; i < taken; i++)
		freed += pt_frame_free(list[i]) == 0;
	CHECK_OK(pt_frame_free_run(list_pa, nlist));
	CHECK_EQ(taken, free_before[ZONE_USER]);
	CHECK_EQ(freed, taken);
	CHECK_ERR(after, E_NOMEM);
}

static const struct test_case cases[] = {
	TEST_CASE(kernel_frame_lies_in_the_kernel_zone_outside_the_image),
	TEST_CASE(kernel_frames_are_distinct_real_memory),
	TEST_CASE(user_frame_lies_above_x),
	TEST_CASE(user_frames_are_distinct),
	TEST_CASE(unknown_zone_is_refused),
	TEST_CASE(kernel_run_is_contiguous_in_the_kernel_zone),
	TEST_CASE(impossible_runs_fail_and_change_nothing),
	TEST_CASE(free_run_frees_all_or_nothing),
	TEST_CASE(extend_run_takes_only_free_frames),
	TEST_CASE(extend_run_grows_in_place),
	TEST_CASE(extend_run_refuses_bad_arguments),
	TEST_CASE(kernel_frame_lives_until_its_last_reference),
	TEST_CASE(user_frame_lives_until_its_last_reference),
	TEST_CASE(pinned_frame_cannot_be_freed),
	TEST_CASE(unaligned_addresses_are_refused),
	TEST_CASE(frames_not_owned_are_refused),
	TEST_CASE(zones_are_laid_out_around_x),
	TEST_CASE(failure_can_be_injected),
	TEST_CASE(kernel_zone_runs_dry_and_recovers),
	TEST_CASE(user_zone_runs_dry_and_recovers),
};

DEFINE_SUITE(kframe_suite, "kframe", cases, setup, teardown);
