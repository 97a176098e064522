/*
 * test_disk.c - the swap disk as the kernel drives it: the seam's disk
 * functions (seam.h) over the ATA driver (ata.h), on the disk QEMU was
 * given.  Kernel only: the host's disk is a model (hosted/disk.h).
 *
 * Two suites, one per kind of boot:
 *
 *   swap-disk          the main test boot (scripts/kernel-test.sh), with the
 *                      disk `make test-kernel SWAP=<MiB>` asks for, or none:
 *                      its size, pages written and read back by DMA and by
 *                      PIO, from and into kernel-zone and user-zone frames,
 *                      transfers refused, a device that fails a command or
 *                      stops answering, and recovers; the swap slots over
 *                      the disk (swap.h), taken and given back;
 *   swap-disk-errors   a boot of its own (scripts/kernel-disk-test.sh,
 *                      only=swap-disk-errors) on a disk larger than 28-bit
 *                      LBA reaches, behind QEMU's blkdebug driver, which
 *                      fails every read and write of one sector of page
 *                      disk_bad=<page>: that page costs -E_IO, by either
 *                      path, and every other page still works.
 *
 * qemu.sh tells the kernel the size of the disk it attached (disk_mib=).
 * Every case gives back the frames and kmap windows it takes (fx_setup and
 * fx_teardown), and leaves the driver as it found it (DMA on if it was,
 * the normal wait limit).
 */
#include "ata.h"
#include "check.h"
#include "cmdline.h"
#include "frame.h"
#include "kfixture.h"
#include "kmap.h"
#include "seam.h"
#include "suites.h"
#include "swap.h"

#define OPTION_MAX 16
#define RANDOM_PAGES 60   /* pages picked at random, besides the first and last two */
#define PICKED_MAX (RANDOM_PAGES + 4)
#define STALL_POLLS 20000 /* a shorter wait for a stalled disk, to keep the case quick */

enum path { VIA_DMA, VIA_PIO };

static bool dma_was_on;
static uint32_t picked[PICKED_MAX];

static void setup(void)
{
	fx_setup();
	dma_was_on = ata_dma_in_use();
}

static void teardown(void)
{
	ata_use_dma(dma_was_on);
	ata_test_unit(0);
	ata_set_poll_limit(ATA_POLL_LIMIT);
	fx_teardown();
}

/* The number in option `key` of the command line into *v: false if there is none. */
static bool option_number(const char *key, uint32_t *v)
{
	char val[OPTION_MAX];

	return cmdline_option(ktest_cmdline, key, val, sizeof(val)) == 0 &&
	       cmdline_parse_size(val, v) == 0;
}

/* ---- frames and patterns ------------------------------------------------------ */

/* The word i of what generation gen writes to disk page `page`: every page and pass its own. */
static uint32_t pattern(uint32_t page, uint32_t gen, uint32_t i)
{
	return (page * 0x9E3779B1u) ^ (gen * 0xC2B2AE35u) ^ (i * 0x85EBCA6Bu) ^ i;
}

static void fill(paddr_t f, uint32_t page, uint32_t gen)
{
	vaddr_t va = pt_kmap(f);
	uint32_t *w = hw_kva(va);

	for (uint32_t i = 0; i < PAGE_SIZE / 4; i++)
		w[i] = pattern(page, gen, i);
	pt_kunmap(va);
}

/* Whether frame f holds what generation gen wrote to page `page`; says where it differs if not. */
static bool holds(paddr_t f, uint32_t page, uint32_t gen)
{
	vaddr_t va = pt_kmap(f);
	const uint32_t *w = hw_kva(va);
	uint32_t i = 0;

	while (i < PAGE_SIZE / 4 && w[i] == pattern(page, gen, i))
		i++;
	if (i < PAGE_SIZE / 4)
		kprintf("disk page %u: word %u is 0x%08x, generation %u wrote 0x%08x\n", page, i,
			w[i], gen, pattern(page, gen, i));
	pt_kunmap(va);
	return i == PAGE_SIZE / 4;
}

static void fill_bytes(paddr_t f, uint8_t v)
{
	vaddr_t va = pt_kmap(f);

	memset(hw_kva(va), v, PAGE_SIZE);
	pt_kunmap(va);
}

static bool all_bytes(paddr_t f, uint8_t v)
{
	vaddr_t va = pt_kmap(f);
	const uint8_t *b = hw_kva(va);
	size_t i = 0;

	while (i < PAGE_SIZE && b[i] == v)
		i++;
	pt_kunmap(va);
	return i == PAGE_SIZE;
}

/* Take a frame of zone z; the case fails if it cannot. */
static paddr_t take(enum zone z)
{
	paddr_t f = 0;

	if (pt_frame_alloc(z, &f) < 0)
		test_fail(__FILE__, __LINE__, "no free frame in zone %d", z);
	return f;
}

/* The first path this machine offers: DMA if the controller does; PIO is always there. */
static enum path first_path(void)
{
	return ata_disk()->dma ? VIA_DMA : VIA_PIO;
}

static void use(enum path p)
{
	ata_use_dma(p == VIA_DMA);
}

/*
 * The pages a round trip covers: the first two, the last two and
 * RANDOM_PAGES between them (a fixed sequence, so a failure repeats).
 * Returns how many, 0 without a disk.
 */
static uint32_t pick_pages(void)
{
	uint32_t n = hw_disk_pages(), k = 0, x = 12345;

	if (n < 4)
		return 0;
	picked[k++] = 0;
	picked[k++] = 1;
	picked[k++] = n - 2;
	picked[k++] = n - 1;
	while (k < PICKED_MAX) {
		x = x * 1103515245u + 12345u;
		picked[k++] = 2 + (x >> 4) % (n - 4);
	}
	return k;
}

/*
 * Write every picked page (generation gen) from frame src, then read them
 * all back, last first, into dst and check each: a page that went to the
 * wrong sectors is overwritten by another before it is read.
 */
static void round_trip(uint32_t npages, uint32_t gen, paddr_t src, paddr_t dst)
{
	for (uint32_t i = 0; i < npages; i++) {
		fill(src, picked[i], gen);
		CHECK_OK(hw_disk_write(picked[i], src));
	}
	for (uint32_t i = npages; i-- > 0;) {
		fill_bytes(dst, 0);
		CHECK_OK(hw_disk_read(picked[i], dst));
		CHECK(holds(dst, picked[i], gen));
	}
}

/* ---- swap-disk -------------------------------------------------------------------- */

static void disk_has_the_size_qemu_gave_it(void)
{
	uint32_t mib = 0;

	if (!option_number("disk_mib", &mib))
		test_fail(__FILE__, __LINE__, "no disk_mib= on the command line (qemu.sh --swap sets it)");
	CHECK(!test_failed());
	CHECK_EQ(hw_disk_pages(), mib * (MiB(1) / PAGE_SIZE));
	CHECK_EQ(ata_disk()->present, mib > 0);
	CHECK_EQ(ata_pages(), hw_disk_pages());
	if (mib > 0)
		CHECK_EQ(ata_disk()->sectors, (uint64_t)mib * (MiB(1) / ATA_SECTOR_SIZE));
}

/* Both paths, each with a user-zone frame on one side and a kernel-zone frame on the other. */
static void pages_come_back_as_written_by_dma_and_by_pio(void)
{
	uint32_t n = pick_pages();
	paddr_t user = take(ZONE_USER), kern = take(ZONE_KERNEL);

	CHECK(!test_failed());
	for (enum path p = first_path(); p <= VIA_PIO && n > 0 && !test_failed(); p++) {
		use(p);
		round_trip(n, 2 * p + 1, user, kern);
		if (!test_failed())
			round_trip(n, 2 * p + 2, kern, user);
	}
	pt_frame_free(user);
	pt_frame_free(kern);
}

/* What one path writes, the other reads, and the last write of a page is what it holds. */
static void dma_and_pio_see_the_same_pages(void)
{
	uint32_t n = hw_disk_pages(), page = n / 2;
	paddr_t a = take(ZONE_USER), b = take(ZONE_USER);

	for (uint32_t gen = 1; n > 0 && gen <= 4 && !test_failed(); gen++) {
		use(first_path() == VIA_DMA && gen % 2 ? VIA_DMA : VIA_PIO);
		fill(a, page, gen);
		CHECK_OK(hw_disk_write(page, a));
		use(first_path() == VIA_DMA && gen % 2 == 0 ? VIA_DMA : VIA_PIO);
		CHECK_OK(hw_disk_read(page, b));
		CHECK(holds(b, page, gen));
	}
	pt_frame_free(a);
	pt_frame_free(b);
}

/* Refused before the device: nothing moves, and the driver counts no transfer. */
static void transfers_past_the_end_or_unaligned_are_refused(void)
{
	uint32_t n = hw_disk_pages();
	paddr_t f = take(ZONE_USER);
	struct ata_stats before, after;

	fill_bytes(f, 0x5A);
	ata_get_stats(&before);
	CHECK_ERR(hw_disk_read(n, f), E_RANGE);
	CHECK_ERR(hw_disk_write(n, f), E_RANGE);
	CHECK_ERR(hw_disk_read(UINT32_MAX, f), E_RANGE);
	CHECK_ERR(hw_disk_write(UINT32_MAX, f), E_RANGE);
	if (n > 0) {
		CHECK_ERR(hw_disk_read(0, f + 4), E_INVAL);
		CHECK_ERR(hw_disk_write(n - 1, f + 2048), E_INVAL);
	}
	ata_get_stats(&after);
	CHECK_EQ(after.reads, before.reads);
	CHECK_EQ(after.writes, before.writes);
	CHECK(all_bytes(f, 0x5A));
	pt_frame_free(f);
}

/*
 * Past the seam's check, the device itself refuses sectors past its end:
 * the driver says -E_IO, resets the channel, and the next page works.
 */
static void the_device_fails_a_page_past_its_end_and_recovers(void)
{
	uint32_t n = ata_pages();
	paddr_t f = take(ZONE_KERNEL);
	struct ata_stats before, after;

	for (enum path p = first_path(); p <= VIA_PIO && n > 0 && !test_failed(); p++) {
		ata_get_stats(&before);
		CHECK_ERR(p == VIA_DMA ? ata_dma_page(n, f, false) : ata_pio_page(n, hw_phys(f), false),
			  E_IO);
		CHECK_ERR(p == VIA_DMA ? ata_dma_page(n, f, true) : ata_pio_page(n, hw_phys(f), true),
			  E_IO);
		ata_get_stats(&after);
		CHECK_EQ(after.errors, before.errors + 2);
		CHECK_EQ(after.resets, before.resets + 2);
		use(p);
		fill(f, n - 1, 7);
		CHECK_OK(hw_disk_write(n - 1, f));
		fill_bytes(f, 0);
		CHECK_OK(hw_disk_read(n - 1, f));
		CHECK(holds(f, n - 1, 7));
	}
	pt_frame_free(f);
}

/*
 * A device that does not answer (device 1 of the channel, where there is
 * none) costs -E_IO after a bounded wait, counted as a timeout, and a
 * reset; with the disk addressed again, it works: the write that timed out
 * never reached the page, which reads back as before.
 */
static void a_disk_that_stops_answering_costs_eio_and_comes_back(void)
{
	uint32_t page = hw_disk_pages() / 3;
	paddr_t f = take(ZONE_USER);
	struct ata_stats before, after;

	for (enum path p = first_path(); p <= VIA_PIO && hw_disk_pages() > 0 && !test_failed(); p++) {
		use(p);
		fill(f, page, 9);
		CHECK_OK(hw_disk_write(page, f));
		ata_get_stats(&before);
		ata_set_poll_limit(STALL_POLLS);
		ata_test_unit(1);
		CHECK_ERR(hw_disk_read(page, f), E_IO);
		fill(f, page, 10);
		CHECK_ERR(hw_disk_write(page, f), E_IO);
		ata_test_unit(0);
		ata_set_poll_limit(ATA_POLL_LIMIT);
		ata_get_stats(&after);
		CHECK_GE(after.timeouts, before.timeouts + 2);
		CHECK_EQ(after.resets, before.resets + 2);
		CHECK_OK(hw_disk_read(page, f));
		CHECK(holds(f, page, 9));
	}
	pt_frame_free(f);
}

/*
 * The slots over the real disk, as the pager will take them: one per page
 * but slot 0, their metadata pinned in the kernel zone and given back by
 * pt_swap_fini; a slot handed out is its disk page.  The kernel starts no swap
 * yet, so the case starts it and ends it.
 */
static void swap_slots_cover_the_disk_and_give_their_metadata_back(void)
{
	uint32_t free_kernel = pt_frame_free_count(ZONE_KERNEL);
	uint32_t want = MIN(hw_disk_pages(), SWAP_SLOTS_MAX);
	struct swap_counts c;
	paddr_t meta, f = take(ZONE_USER);
	uint32_t nmeta;

	pt_swap_get_counts(&c);
	CHECK_EQ(c.total, 0);
	CHECK_OK(pt_swap_init());
	pt_swap_get_counts(&c);
	pt_swap_metadata(&meta, &nmeta);
	CHECK_EQ(c.total, want > 1 ? want - 1 : 0);
	CHECK_EQ(c.free, c.total);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free_kernel - nmeta);
	CHECK_EQ(nmeta > 0, c.total > 0);
	int s = pt_swap_alloc();
	if (c.total > 0) {
		CHECK_EQ(s, 1);
		fill(f, (uint32_t)s, 11);
		CHECK_OK(hw_disk_write((uint32_t)s, f));
		fill_bytes(f, 0);
		CHECK_OK(hw_disk_read((uint32_t)s, f));
		CHECK(holds(f, (uint32_t)s, 11));
		CHECK_OK(pt_swap_check()); /* pt_vm_check would find a reference with no holder */
		CHECK_EQ(pt_swap_unref((uint32_t)s), 0);
		CHECK_OK(pt_vm_check());
	} else {
		CHECK_ERR(s, E_NOMEM);
	}
	CHECK_OK(pt_swap_fini());
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free_kernel);
	pt_frame_free(f);
}

static const struct test_case disk_cases[] = {
	TEST_CASE(disk_has_the_size_qemu_gave_it),
	TEST_CASE(pages_come_back_as_written_by_dma_and_by_pio),
	TEST_CASE(dma_and_pio_see_the_same_pages),
	TEST_CASE(transfers_past_the_end_or_unaligned_are_refused),
	TEST_CASE(the_device_fails_a_page_past_its_end_and_recovers),
	TEST_CASE(a_disk_that_stops_answering_costs_eio_and_comes_back),
	TEST_CASE(swap_slots_cover_the_disk_and_give_their_metadata_back),
};

DEFINE_SUITE(swap_disk_suite, "swap-disk", disk_cases, setup, teardown);

/* ---- swap-disk-errors ----------------------------------------------------------- */

/* The page blkdebug fails (disk_bad=); the case fails if the boot did not say. */
static uint32_t bad_page(void)
{
	uint32_t page = 0;

	if (!option_number("disk_bad", &page) || page >= hw_disk_pages())
		test_fail(__FILE__, __LINE__, "no disk_bad=<page> on the disk on the command line");
	return page;
}

/* This boot's disk reaches past 2^28 sectors, where commands take 48-bit LBAs. */
static void the_disk_is_larger_than_28_bit_lba_reaches(void)
{
	RUN(disk_has_the_size_qemu_gave_it());
	CHECK(ata_disk()->lba48);
	CHECK_GT(ata_disk()->sectors, (uint64_t)ATA_LBA28_SECTORS);
}

static void pages_on_both_sides_of_the_28_bit_line_come_back(void)
{
	uint32_t n = pick_pages(), line = ATA_LBA28_SECTORS / ATA_SECTORS_PER_PAGE;
	paddr_t a = take(ZONE_USER), b = take(ZONE_KERNEL);

	CHECK(!test_failed());
	CHECK_GT(hw_disk_pages(), line + 4);
	picked[n - 4] = line - 1; /* the last page a 28-bit command reaches */
	picked[n - 3] = line;     /* the first that needs a 48-bit one */
	for (enum path p = first_path(); p <= VIA_PIO && !test_failed(); p++) {
		use(p);
		round_trip(n, p + 1, a, b);
	}
	pt_frame_free(a);
	pt_frame_free(b);
}

/* The bad page fails both ways, by both paths, and each failure is counted as the device's. */
static void the_failing_page_costs_eio_by_dma_and_pio(void)
{
	uint32_t page = bad_page();
	paddr_t f = take(ZONE_USER);
	struct ata_stats before, after;

	for (enum path p = first_path(); p <= VIA_PIO && !test_failed(); p++) {
		use(p);
		ata_get_stats(&before);
		fill(f, page, 1);
		CHECK_ERR(hw_disk_write(page, f), E_IO);
		CHECK_ERR(hw_disk_read(page, f), E_IO);
		ata_get_stats(&after);
		CHECK_EQ(after.errors, before.errors + 2);
		CHECK_EQ(after.timeouts, before.timeouts);
	}
	pt_frame_free(f);
}

/* Around a failure, and after it, the neighbours and the ends of the disk work. */
static void every_other_page_works_around_the_failing_one(void)
{
	uint32_t page = bad_page(), n = hw_disk_pages();
	const uint32_t others[] = { page - 1, page + 1, 0, n - 1 };
	paddr_t f = take(ZONE_USER), g = take(ZONE_KERNEL);

	for (enum path p = first_path(); p <= VIA_PIO && !test_failed(); p++) {
		use(p);
		for (size_t i = 0; i < ARRAY_SIZE(others) && !test_failed(); i++) {
			fill(f, others[i], p + 5);
			CHECK_ERR(hw_disk_read(page, g), E_IO);
			CHECK_OK(hw_disk_write(others[i], f));
			CHECK_ERR(hw_disk_write(page, f), E_IO);
			CHECK_OK(hw_disk_read(others[i], g));
			CHECK(holds(g, others[i], p + 5));
		}
	}
	pt_frame_free(f);
	pt_frame_free(g);
}

static const struct test_case error_cases[] = {
	TEST_CASE(the_disk_is_larger_than_28_bit_lba_reaches),
	TEST_CASE(pages_on_both_sides_of_the_28_bit_line_come_back),
	TEST_CASE(the_failing_page_costs_eio_by_dma_and_pio),
	TEST_CASE(every_other_page_works_around_the_failing_one),
};

DEFINE_SUITE(swap_disk_errors_suite, "swap-disk-errors", error_cases, setup, teardown);
