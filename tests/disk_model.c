/*
 * disk_model.c - the host's model disk (hosted/disk.h) behind the seam's
 * disk functions: it keeps what is written, refuses what the real one
 * refuses, and fails when and where a test asks, as the tests of the swap
 * code will need it to.  Host only: the kernel suite swap-disk checks the
 * real disk behind the same functions.
 *
 * Each case starts on a new machine with a disk of PAGES pages.
 */
#include "disk.h"
#include "fixture.h"
#include "frame.h"
#include "seam.h"
#include "suites.h"

#define PAGES 16u

static paddr_t src, dst;

static void setup(void)
{
	fx_setup();
	disk_attach(PAGES);
	src = fx_user_frame(0);
	dst = fx_user_frame(0);
}

static void teardown(void)
{
	pt_frame_free(src);
	pt_frame_free(dst);
	disk_attach(0);
	fx_teardown();
}

static uint32_t *words(paddr_t f)
{
	return hw_phys(f);
}

/* Fill frame f with what page `page` of generation gen holds. */
static void fill(paddr_t f, uint32_t page, uint32_t gen)
{
	for (uint32_t i = 0; i < PAGE_SIZE / 4; i++)
		words(f)[i] = page << 24 ^ gen << 16 ^ i;
}

static bool holds(paddr_t f, uint32_t page, uint32_t gen)
{
	for (uint32_t i = 0; i < PAGE_SIZE / 4; i++)
		if (words(f)[i] != (page << 24 ^ gen << 16 ^ i))
			return false;
	return true;
}

static bool all_bytes(const uint8_t *p, uint8_t v)
{
	for (uint32_t i = 0; i < PAGE_SIZE; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Write page p (generation gen) and read it back: the results of both in *w and *r. */
static void write_read(uint32_t p, uint32_t gen, int *w, int *r)
{
	fill(src, p, gen);
	*w = hw_disk_write(p, src);
	*r = hw_disk_read(p, dst);
}

static void check_counts(uint32_t reads, uint32_t writes, uint32_t rerr, uint32_t werr)
{
	struct disk_counts c;

	disk_get_counts(&c);
	CHECK_EQ(c.reads, reads);
	CHECK_EQ(c.writes, writes);
	CHECK_EQ(c.read_errors, rerr);
	CHECK_EQ(c.write_errors, werr);
}

static void pages_read_back_what_was_last_written(void)
{
	const uint32_t pages[] = { 0, 1, PAGES / 2, PAGES - 1 };

	CHECK_EQ(hw_disk_pages(), PAGES);
	for (size_t i = 0; i < ARRAY_SIZE(pages); i++) {
		fill(src, pages[i], 1);
		CHECK_OK(hw_disk_write(pages[i], src));
	}
	fill(src, PAGES / 2, 2);
	CHECK_OK(hw_disk_write(PAGES / 2, src));
	for (size_t i = 0; i < ARRAY_SIZE(pages); i++) {
		CHECK_OK(hw_disk_read(pages[i], dst));
		CHECK(holds(dst, pages[i], pages[i] == PAGES / 2 ? 2 : 1));
	}
	CHECK(holds(src, PAGES / 2, 2)); /* a write leaves the frame alone */
	CHECK(all_bytes(disk_page(3), 0)); /* a fresh disk is zeroed */
	check_counts(4, 5, 0, 0);
}

/* Refused before the disk: nothing moves and nothing is counted. */
static void pages_past_the_end_and_unaligned_frames_are_refused(void)
{
	fill(dst, 1, 1);
	CHECK_ERR(hw_disk_read(PAGES, dst), E_RANGE);
	CHECK_ERR(hw_disk_write(PAGES, src), E_RANGE);
	CHECK_ERR(hw_disk_read(UINT32_MAX, dst), E_RANGE);
	CHECK_ERR(hw_disk_read(0, dst + 8), E_INVAL);
	CHECK_ERR(hw_disk_write(0, src + 2048), E_INVAL);
	CHECK(holds(dst, 1, 1));
	CHECK(disk_page(PAGES) == NULL);
	check_counts(0, 0, 0, 0);
	disk_attach(0);
	CHECK_EQ(hw_disk_pages(), 0);
	CHECK_ERR(hw_disk_read(0, dst), E_RANGE);
	CHECK_ERR(hw_disk_write(0, src), E_RANGE);
	CHECK(disk_page(0) == NULL);
}

/* DISK_IO counts reads and writes together; DISK_READ and DISK_WRITE count their own kind. */
static void fail_nth_counts_the_kinds_it_is_given(void)
{
	int w, r;

	disk_fail_nth(3, DISK_IO);
	write_read(1, 1, &w, &r);               /* transfers 1 and 2 */
	CHECK_OK(w);
	CHECK_OK(r);
	write_read(2, 1, &w, &r);               /* 3 fails, 4 does not */
	CHECK_ERR(w, E_IO);
	CHECK_OK(r);
	disk_fail_nth(2, DISK_READ);
	write_read(3, 1, &w, &r);
	CHECK_OK(w);
	CHECK_OK(r);
	write_read(3, 2, &w, &r);               /* the second read */
	CHECK_OK(w);
	CHECK_ERR(r, E_IO);
	disk_fail_nth(1, DISK_WRITE);
	disk_fail_nth(2, DISK_IO);              /* both count the next write; the IO one the read too */
	write_read(4, 1, &w, &r);
	CHECK_ERR(w, E_IO);
	CHECK_ERR(r, E_IO);
	write_read(4, 2, &w, &r);               /* all spent */
	CHECK_OK(w);
	CHECK_OK(r);
	CHECK(holds(dst, 4, 2));
	disk_fail_nth(1, DISK_IO);
	disk_fail_nth(0, DISK_IO);              /* 0 turns it off */
	write_read(5, 1, &w, &r);
	CHECK_OK(w);
	check_counts(7, 7, 2, 2);
}

static void fail_page_fails_its_kinds_every_time_until_healed(void)
{
	int w, r;

	CHECK_OK(disk_fail_page(5, DISK_WRITE));
	for (int i = 0; i < 3; i++) {
		write_read(5, 1, &w, &r);
		CHECK_ERR(w, E_IO);
		CHECK_OK(r);                    /* reads of page 5 still work */
	}
	write_read(6, 1, &w, &r);               /* and other pages */
	CHECK_OK(w);
	CHECK_OK(r);
	CHECK(holds(dst, 6, 1));
	CHECK_OK(disk_fail_page(5, DISK_READ)); /* setting it again replaces its kinds */
	write_read(5, 2, &w, &r);
	CHECK_OK(w);
	CHECK_ERR(r, E_IO);
	disk_heal();
	write_read(5, 3, &w, &r);
	CHECK_OK(w);
	CHECK_OK(r);
	CHECK(holds(dst, 5, 3));
}

static void fail_page_has_room_for_a_few_pages_on_the_disk(void)
{
	for (uint32_t p = 0; p < DISK_BAD_PAGES; p++)
		CHECK_OK(disk_fail_page(p, DISK_IO));
	CHECK_ERR(disk_fail_page(DISK_BAD_PAGES, DISK_IO), E_NOMEM);
	CHECK_OK(disk_fail_page(0, DISK_READ)); /* one already failing can change */
	CHECK_ERR(disk_fail_page(PAGES, DISK_IO), E_RANGE);
	disk_heal();
	CHECK_OK(disk_fail_page(DISK_BAD_PAGES, DISK_IO));
}

/* A failed read leaves junk in the frame, a failed write junk on the disk. */
static void failures_leave_junk_behind(void)
{
	int w, r;

	write_read(7, 1, &w, &r);
	CHECK_OK(w);
	disk_fail_nth(1, DISK_READ);
	CHECK_ERR(hw_disk_read(7, dst), E_IO);
	CHECK(all_bytes((const uint8_t *)words(dst), DISK_JUNK));
	disk_fail_nth(1, DISK_WRITE);
	fill(src, 7, 2);
	CHECK_ERR(hw_disk_write(7, src), E_IO);
	CHECK(all_bytes(disk_page(7), DISK_JUNK));
	CHECK(holds(src, 7, 2));
}

/* A new disk starts zeroed, with no failures set and nothing counted. */
static void attaching_a_disk_starts_afresh(void)
{
	int w, r;

	disk_fail_nth(1, DISK_IO);
	CHECK_OK(disk_fail_page(2, DISK_IO));
	write_read(3, 1, &w, &r);
	CHECK_ERR(w, E_IO);
	disk_attach(PAGES * 2);
	CHECK_EQ(hw_disk_pages(), PAGES * 2);
	check_counts(0, 0, 0, 0);
	CHECK(all_bytes(disk_page(3), 0));
	write_read(2, 1, &w, &r);
	CHECK_OK(w);
	CHECK_OK(r);
	CHECK(holds(dst, 2, 1));
}

static const struct test_case cases[] = {
	TEST_CASE(pages_read_back_what_was_last_written),
	TEST_CASE(pages_past_the_end_and_unaligned_frames_are_refused),
	TEST_CASE(fail_nth_counts_the_kinds_it_is_given),
	TEST_CASE(fail_page_fails_its_kinds_every_time_until_healed),
	TEST_CASE(fail_page_has_room_for_a_few_pages_on_the_disk),
	TEST_CASE(failures_leave_junk_behind),
	TEST_CASE(attaching_a_disk_starts_afresh),
};

DEFINE_SUITE(disk_suite, "disk", cases, setup, teardown);
