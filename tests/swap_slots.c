/*
 * swap_slots.c - the swap slot allocator (swap.h) over the model disk
 * (hosted/disk.h).  Host only: in the kernel, the swap-disk suite checks
 * pt_swap_init over the real disk.
 *
 * Each case starts on a new machine with a disk of DISK_PAGES pages and
 * the slots over it (fx_disk); the teardown checks the invariants
 * (pt_swap_check, pt_vm_check), that the counts are back where they started but
 * for the slots the case retired (retired_here), and that pt_swap_fini gives
 * every metadata frame back.  A call that fails must change nothing: the
 * counts and every slot's state and references (snap / CHECK_SLOTS_SAME).
 *
 *   slot   0    1    2   ...                                 DISK_PAGES-1
 *        +----+----+----+------------------------------------+----+
 *        | no |                 the slots handed out               |
 *        +----+----+----+------------------------------------+----+
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "fixture.h"
#include "check.h"
#include "frame.h"
#include "seam.h"
#include "suites.h"
#include "swap.h"

#define DISK_PAGES 1000u
#define TOTAL (DISK_PAGES - 1)

static struct swap_counts start;
static uint32_t retired_here;     /* slots the running case retired for good */
static uint32_t free_kernel_before_disk;

static void setup(void)
{
	fx_setup();
	free_kernel_before_disk = pt_frame_free_count(ZONE_KERNEL);
	fx_disk(DISK_PAGES);
	pt_swap_get_counts(&start);
	retired_here = 0;
}

static void teardown(void)
{
	struct swap_counts now;

	pt_swap_fail_nth(0);
	pt_frame_fail_nth(0);
	CHECK_OK(pt_swap_check());
	CHECK_OK(pt_vm_check());
	pt_swap_get_counts(&now);
	CHECK_EQ(now.total, start.total);
	CHECK_EQ(now.used, start.used);
	CHECK_EQ(now.retired, start.retired + retired_here);
	CHECK_EQ(now.free, start.free - retired_here);
	CHECK_OK(pt_swap_fini());
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free_kernel_before_disk);
	fx_teardown();
}

/* ---- what a failed call must leave as it was ------------------------------- */

static struct {
	struct swap_counts counts;
	int refs[DISK_PAGES], state[DISK_PAGES];
} snap_was;

static void snap(void)
{
	pt_swap_get_counts(&snap_was.counts);
	for (uint32_t s = 1; s < DISK_PAGES; s++) {
		snap_was.refs[s] = pt_swap_refcount(s);
		snap_was.state[s] = pt_swap_slot_state(s);
	}
}

/* Whether every slot and count is as snap() saw them; says what moved if not. */
static bool same_as_snap(void)
{
	struct swap_counts now;

	pt_swap_get_counts(&now);
	if (memcmp(&now, &snap_was.counts, sizeof(now)) != 0) {
		kprintf("the counts changed: free %u -> %u, used %u -> %u, retired %u -> %u\n",
			snap_was.counts.free, now.free, snap_was.counts.used, now.used,
			snap_was.counts.retired, now.retired);
		return false;
	}
	for (uint32_t s = 1; s < DISK_PAGES; s++) {
		if (pt_swap_refcount(s) != snap_was.refs[s] || pt_swap_slot_state(s) != snap_was.state[s]) {
			kprintf("slot %u changed: refs %d -> %d, state %d -> %d\n", s,
				snap_was.refs[s], pt_swap_refcount(s), snap_was.state[s],
				pt_swap_slot_state(s));
			return false;
		}
	}
	return true;
}

#define CHECK_SLOTS_SAME() CHECK(same_as_snap())

static void check_counts(uint32_t free, uint32_t used, uint32_t retired)
{
	struct swap_counts c;

	pt_swap_get_counts(&c);
	CHECK_EQ(c.total, TOTAL);
	CHECK_EQ(c.free, free);
	CHECK_EQ(c.used, used);
	CHECK_EQ(c.retired, retired);
	CHECK_EQ(c.free + c.used + c.retired, c.total);
}

/* Take every free slot one at a time; they must come lowest first: 1, 2, ... */
static void fill_up(void)
{
	for (uint32_t s = 1; s <= TOTAL; s++)
		CHECK_EQ(pt_swap_alloc(), s);
}

static void empty_out(void)
{
	for (uint32_t s = 1; s <= TOTAL; s++)
		if (pt_swap_slot_state(s) == SWAP_USED)
			CHECK_EQ(pt_swap_unref(s), 0);
}

/* ---- setting up ---------------------------------------------------------------- */

static void no_disk_means_no_slots_and_no_metadata(void)
{
	const uint32_t sizes[] = { 0, 1 }; /* one page is slot 0 alone */
	struct swap_counts c;
	paddr_t meta;
	uint32_t nmeta;

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		fx_disk(sizes[i]);
		pt_swap_get_counts(&c);
		CHECK_EQ(c.total + c.free + c.used + c.retired, 0);
		pt_swap_metadata(&meta, &nmeta);
		CHECK_EQ(nmeta, 0);
		CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free_kernel_before_disk);
		CHECK_ERR(pt_swap_alloc(), E_NOMEM);
		CHECK_ERR(pt_swap_alloc_run(1), E_NOMEM);
		CHECK_ERR(pt_swap_ref(0), E_INVAL);
		CHECK_ERR(pt_swap_unref(1), E_INVAL);
		CHECK_ERR(pt_swap_retire(1), E_INVAL);
		CHECK_ERR(pt_swap_slot_state(1), E_INVAL);
		CHECK_EQ(pt_swap_bounce(), 0);
		CHECK_OK(pt_swap_check());
	}
	fx_disk(DISK_PAGES);
}

/*
 * Metadata as the header says: 2 bytes a slot and two bits, and the bounce
 * page, in pinned kernel-zone frames.
 */
static void metadata_is_pinned_kernel_zone_frames_sized_for_the_disk(void)
{
	const uint32_t pages[] = { 2, DISK_PAGES, 65536 }, frames[] = { 2, 2, 37 };
	paddr_t meta;
	uint32_t nmeta;

	for (size_t i = 0; i < ARRAY_SIZE(pages); i++) {
		fx_disk(pages[i]);
		pt_swap_metadata(&meta, &nmeta);
		CHECK_EQ(nmeta, frames[i]);
		CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free_kernel_before_disk - nmeta);
		for (uint32_t f = 0; f < nmeta; f++) {
			CHECK(pt_frame_in_kzone(meta + f * PAGE_SIZE));
			CHECK_EQ(pt_frame_refcount(meta + f * PAGE_SIZE), 1);
			CHECK_EQ(pt_frame_pincount(meta + f * PAGE_SIZE), 1);
		}
		CHECK_EQ(pt_swap_bounce(), meta + (nmeta - 1) * PAGE_SIZE);
		CHECK_OK(pt_swap_check());
	}
	fx_disk(DISK_PAGES);
}

static void a_disk_larger_than_swap_entries_reach_is_used_up_to_there(void)
{
	struct swap_counts c;
	paddr_t meta;
	uint32_t nmeta;

	fx_disk(SWAP_SLOTS_MAX + 100);
	pt_swap_get_counts(&c);
	CHECK_EQ(c.total, SWAP_SLOTS_MAX - 1);
	CHECK_EQ(c.free, SWAP_SLOTS_MAX - 1);
	pt_swap_metadata(&meta, &nmeta);
	CHECK_EQ(nmeta, 577);
	CHECK_EQ(pt_swap_alloc_run(SWAP_SLOTS_MAX - 1), 1);
	CHECK_ERR(pt_swap_ref(SWAP_SLOTS_MAX), E_INVAL);
	CHECK_OK(pt_swap_check());
	CHECK_OK(pt_swap_free_run(1, SWAP_SLOTS_MAX - 1));
	fx_disk(DISK_PAGES);
}

/* Out of kernel-zone frames, pt_swap_init fails and leaves no slots; the next one works. */
static void init_without_room_for_the_metadata_fails_and_leaves_no_slots(void)
{
	struct swap_counts c;
	uint32_t free_kernel;

	CHECK_OK(pt_swap_fini());
	free_kernel = pt_frame_free_count(ZONE_KERNEL);
	pt_frame_fail_nth(1);
	CHECK_ERR(pt_swap_init(), E_NOMEM);
	pt_swap_get_counts(&c);
	CHECK_EQ(c.total, 0);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free_kernel);
	CHECK_ERR(pt_swap_alloc(), E_NOMEM);
	CHECK_OK(pt_swap_check());
	CHECK_OK(pt_swap_init());
	check_counts(TOTAL, 0, 0);
}

static void fini_refuses_while_a_slot_is_held(void)
{
	int s = pt_swap_alloc();
	paddr_t meta;
	uint32_t nmeta;

	CHECK_GT(s, 0);
	CHECK_ERR(pt_swap_fini(), E_BUSY);
	pt_swap_metadata(&meta, &nmeta);
	CHECK_EQ(nmeta, 2);
	CHECK_OK(pt_swap_retire((uint32_t)s)); /* a retired slot with a reference is held too */
	CHECK_ERR(pt_swap_fini(), E_BUSY);
	CHECK_EQ(pt_swap_unref((uint32_t)s), 0);
	CHECK_OK(pt_swap_fini());
	pt_swap_metadata(&meta, &nmeta);
	CHECK_EQ(nmeta, 0);
	CHECK_EQ(pt_frame_free_count(ZONE_KERNEL), free_kernel_before_disk);
	CHECK_OK(pt_swap_init()); /* a new disk's worth: nothing retired any more */
}

/* ---- single slots ------------------------------------------------------------------ */

static void alloc_hands_out_the_lowest_free_slot_and_never_slot_0(void)
{
	CHECK_EQ(pt_swap_alloc(), 1);
	CHECK_EQ(pt_swap_alloc(), 2);
	CHECK_EQ(pt_swap_alloc(), 3);
	CHECK_EQ(pt_swap_slot_state(2), SWAP_USED);
	CHECK_EQ(pt_swap_refcount(2), 1);
	check_counts(TOTAL - 3, 3, 0);
	CHECK_EQ(pt_swap_unref(2), 0);
	CHECK_EQ(pt_swap_slot_state(2), SWAP_FREE);
	CHECK_EQ(pt_swap_alloc(), 2);
	CHECK_EQ(pt_swap_alloc(), 4);
	for (uint32_t s = 1; s <= 4; s++)
		CHECK_EQ(pt_swap_unref(s), 0);
	CHECK_ERR(pt_swap_refcount(SWAP_NO_SLOT), E_INVAL);
}

static void a_full_swap_refuses_then_takes_slots_back(void)
{
	RUN(fill_up());
	check_counts(0, TOTAL, 0);
	CHECK_OK(pt_swap_check());
	snap();
	CHECK_ERR(pt_swap_alloc(), E_NOMEM);
	CHECK_ERR(pt_swap_alloc_run(1), E_NOMEM);
	CHECK_SLOTS_SAME();
	CHECK_EQ(pt_swap_unref(TOTAL / 2), 0);
	CHECK_EQ(pt_swap_alloc(), TOTAL / 2); /* the one hole */
	RUN(empty_out());
	check_counts(TOTAL, 0, 0);
}

static void references_count_up_to_the_limit_and_down_to_free(void)
{
	int s = pt_swap_alloc();

	CHECK_GT(s, 0);
	for (uint32_t r = 2; r <= SWAP_REF_MAX; r++)
		CHECK_OK(pt_swap_ref((uint32_t)s));
	CHECK_EQ(pt_swap_refcount((uint32_t)s), SWAP_REF_MAX);
	snap();
	CHECK_ERR(pt_swap_ref((uint32_t)s), E_RANGE);
	CHECK_SLOTS_SAME();
	CHECK_EQ(pt_swap_unref((uint32_t)s), SWAP_REF_MAX - 1);
	for (uint32_t r = SWAP_REF_MAX - 1; r > 1; r--)
		CHECK_EQ(pt_swap_unref((uint32_t)s), r - 1);
	check_counts(TOTAL - 1, 1, 0);
	CHECK_EQ(pt_swap_unref((uint32_t)s), 0);
	CHECK_EQ(pt_swap_slot_state((uint32_t)s), SWAP_FREE);
	check_counts(TOTAL, 0, 0);
}

/* Slot 0, past the last, far past it: every function refuses, and nothing moves. */
static void slots_that_do_not_exist_are_refused(void)
{
	const uint32_t bad[] = { SWAP_NO_SLOT, DISK_PAGES, DISK_PAGES + 1, UINT32_MAX };

	CHECK_EQ(pt_swap_alloc(), 1);
	snap();
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_ERR(pt_swap_ref(bad[i]), E_INVAL);
		CHECK_ERR(pt_swap_unref(bad[i]), E_INVAL);
		CHECK_ERR(pt_swap_retire(bad[i]), E_INVAL);
		CHECK_ERR(pt_swap_refcount(bad[i]), E_INVAL);
		CHECK_ERR(pt_swap_slot_state(bad[i]), E_INVAL);
		CHECK_ERR(pt_swap_free_run(bad[i], 1), E_INVAL);
	}
	CHECK_SLOTS_SAME();
	CHECK_EQ(pt_swap_unref(1), 0);
}

/* A free slot has no reference to take, drop or retire. */
static void a_free_slot_cannot_be_referenced_dropped_or_retired(void)
{
	snap();
	CHECK_ERR(pt_swap_ref(5), E_FREE);
	CHECK_ERR(pt_swap_unref(5), E_FREE);
	CHECK_ERR(pt_swap_retire(5), E_FREE);
	CHECK_ERR(pt_swap_free_run(5, 1), E_FREE);
	CHECK_SLOTS_SAME();
	CHECK_EQ(pt_swap_alloc(), 1);
	CHECK_EQ(pt_swap_unref(1), 0);
	CHECK_ERR(pt_swap_unref(1), E_FREE); /* a double free */
	CHECK_SLOTS_SAME();
}

/* ---- runs ----------------------------------------------------------------------- */

/*
 *   after the allocations     [1..5 a][6..8 b][9 c]   then b freed: a hole of 3
 *   a run of 4 does not fit the hole: it goes after c, at 10; a run of 3 fills it
 */
static void runs_are_the_first_fit(void)
{
	CHECK_EQ(pt_swap_alloc_run(5), 1);
	CHECK_EQ(pt_swap_alloc_run(3), 6);
	CHECK_EQ(pt_swap_alloc(), 9);
	CHECK_OK(pt_swap_free_run(6, 3));
	CHECK_EQ(pt_swap_alloc_run(4), 10);
	CHECK_EQ(pt_swap_alloc_run(3), 6);
	check_counts(TOTAL - 13, 13, 0);
	CHECK_OK(pt_swap_free_run(1, 9));
	CHECK_OK(pt_swap_free_run(10, 4));
	check_counts(TOTAL, 0, 0);
}

static void a_run_of_every_slot_fits_and_one_more_does_not(void)
{
	snap();
	CHECK_ERR(pt_swap_alloc_run(TOTAL + 1), E_NOMEM);
	CHECK_ERR(pt_swap_alloc_run(UINT32_MAX), E_NOMEM);
	CHECK_ERR(pt_swap_alloc_run(0), E_INVAL);
	CHECK_SLOTS_SAME();
	CHECK_EQ(pt_swap_alloc_run(TOTAL), 1);
	check_counts(0, TOTAL, 0);
	CHECK_ERR(pt_swap_alloc_run(1), E_NOMEM);
	CHECK_OK(pt_swap_free_run(1, TOTAL));
}

/* Half the slots free, but in holes of one: no run of two. */
static void a_run_needs_a_hole_not_just_free_slots(void)
{
	RUN(fill_up());
	for (uint32_t s = 1; s <= TOTAL; s += 2)
		CHECK_EQ(pt_swap_unref(s), 0);
	snap();
	CHECK_ERR(pt_swap_alloc_run(2), E_NOMEM);
	CHECK_SLOTS_SAME();
	CHECK_EQ(pt_swap_alloc_run(1), 1);
	RUN(empty_out());
}

/* free_run drops exactly one reference a slot, all or nothing. */
static void free_run_is_all_or_nothing(void)
{
	CHECK_EQ(pt_swap_alloc_run(4), 1);
	CHECK_OK(pt_swap_ref(3));
	snap();
	CHECK_ERR(pt_swap_free_run(1, 4), E_BUSY);  /* slot 3 is shared */
	CHECK_ERR(pt_swap_free_run(4, 2), E_FREE);  /* slot 5 is free */
	CHECK_ERR(pt_swap_free_run(1, 0), E_INVAL);
	CHECK_ERR(pt_swap_free_run(DISK_PAGES - 1, 2), E_INVAL);  /* past the last slot */
	CHECK_ERR(pt_swap_free_run(2, UINT32_MAX), E_INVAL);      /* wraps */
	CHECK_SLOTS_SAME();
	CHECK_EQ(pt_swap_unref(3), 1);
	CHECK_OK(pt_swap_free_run(1, 4));
	check_counts(TOTAL, 0, 0);
	CHECK_EQ(pt_swap_alloc_run(TOTAL - 2), 1);
	CHECK_EQ(pt_swap_alloc_run(2), DISK_PAGES - 2); /* the last two slots */
	CHECK_OK(pt_swap_free_run(DISK_PAGES - 2, 2));
	CHECK_OK(pt_swap_free_run(1, TOTAL - 2));
}

/* ---- retiring --------------------------------------------------------------------- */

static void a_retired_slot_is_never_handed_out_again(void)
{
	CHECK_EQ(pt_swap_alloc_run(3), 1);
	CHECK_OK(pt_swap_retire(2));
	retired_here = 1;
	CHECK_EQ(pt_swap_slot_state(2), SWAP_RETIRED);
	check_counts(TOTAL - 3, 2, 1);
	snap();
	CHECK_ERR(pt_swap_retire(2), E_EXIST);
	CHECK_SLOTS_SAME();
	CHECK_OK(pt_swap_free_run(1, 3));         /* its reference goes like the others' */
	CHECK_EQ(pt_swap_slot_state(2), SWAP_RETIRED);
	CHECK_EQ(pt_swap_refcount(2), 0);
	check_counts(TOTAL - 1, 0, 1);
	CHECK_ERR(pt_swap_ref(2), E_FREE);
	CHECK_ERR(pt_swap_retire(2), E_FREE);
	CHECK_EQ(pt_swap_alloc(), 1);
	CHECK_EQ(pt_swap_alloc(), 3);              /* 2 is skipped */
	CHECK_EQ(pt_swap_alloc_run(2), 4);
	for (uint32_t s = 6; s <= TOTAL; s++)   /* the rest, to the last: 2 never comes */
		CHECK_EQ(pt_swap_alloc(), s);
	CHECK_ERR(pt_swap_alloc(), E_NOMEM);
	RUN(empty_out());
}

/* A slot shared by several holders fails: it is retired, and its references still come and go. */
static void a_shared_slot_retired_keeps_its_references_until_the_last(void)
{
	int s = pt_swap_alloc();

	CHECK_GT(s, 0);
	CHECK_OK(pt_swap_ref((uint32_t)s));
	CHECK_OK(pt_swap_retire((uint32_t)s));
	retired_here = 1;
	CHECK_EQ(pt_swap_refcount((uint32_t)s), 2);
	CHECK_OK(pt_swap_ref((uint32_t)s));        /* a holder forks */
	check_counts(TOTAL - 1, 0, 1);
	CHECK_EQ(pt_swap_unref((uint32_t)s), 2);
	CHECK_EQ(pt_swap_unref((uint32_t)s), 1);
	CHECK_EQ(pt_swap_unref((uint32_t)s), 0);
	CHECK_EQ(pt_swap_slot_state((uint32_t)s), SWAP_RETIRED);
	check_counts(TOTAL - 1, 0, 1);
}

/* ---- fault injection and the checker -------------------------------------------------- */

static void fail_nth_fails_exactly_the_nth_allocation(void)
{
	uint32_t calls = pt_swap_alloc_calls();

	pt_swap_fail_nth(3);
	CHECK_EQ(pt_swap_alloc(), 1);
	CHECK_ERR(pt_swap_alloc_run(0), E_INVAL); /* refused before counting */
	CHECK_EQ(pt_swap_alloc_run(2), 2);
	snap();
	CHECK_ERR(pt_swap_alloc(), E_NOMEM);
	CHECK_SLOTS_SAME();
	CHECK_EQ(pt_swap_alloc_calls(), calls + 3);
	CHECK_EQ(pt_swap_alloc(), 4);             /* only the one */
	pt_swap_fail_nth(1);
	CHECK_ERR(pt_swap_alloc_run(5), E_NOMEM);
	CHECK_EQ(pt_swap_alloc_run(5), 5);
	CHECK_OK(pt_swap_free_run(1, 9));
}

/* fn(), with what it prints (a checker's report of what it found broken) thrown away. */
static int quietly(int (*fn)(void))
{
	int saved, null, rc;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	null = open("/dev/null", O_WRONLY);
	dup2(null, STDOUT_FILENO);
	rc = fn();
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(null);
	close(saved);
	return rc;
}

/*
 * The checker sees a slot whose references and free bit disagree (the
 * counts come first in the metadata), and pt_vm_check runs it.
 */
static void the_checker_catches_a_slot_whose_bits_lie(void)
{
	paddr_t meta;
	uint32_t nmeta;

	pt_swap_metadata(&meta, &nmeta);
	uint16_t *refs = hw_phys(meta);
	refs[7] = 1; /* free, yet referenced */
	CHECK_ERR(quietly(pt_swap_check), E_INVAL);
	CHECK_ERR(quietly(pt_vm_check), E_INVAL);
	refs[7] = 0;
	CHECK_OK(pt_swap_check());
	CHECK_EQ(pt_swap_alloc(), 1);
	refs[1] = 0; /* used, yet without a reference */
	CHECK_ERR(quietly(pt_swap_check), E_INVAL);
	refs[1] = 1;
	CHECK_EQ(pt_swap_unref(1), 0);
}

static void the_kernel_zone_dump_names_the_metadata(void)
{
	static char buf[8192];
	struct strbuf b = { buf, sizeof(buf), 0 };
	paddr_t meta;
	uint32_t nmeta;
	char line[80];

	pt_swap_metadata(&meta, &nmeta);
	pt_kzone_dump(strbuf_putc, &b, 64);
	strbuf_end(&b);
	ksnprintf(line, sizeof(line), "  %08x-%08x %6u  swap slot metadata (%u slots)\n", meta,
		  meta + nmeta * PAGE_SIZE, nmeta, TOTAL);
	CHECK(strstr(buf, line) != NULL);
}

static const struct test_case cases[] = {
	TEST_CASE(no_disk_means_no_slots_and_no_metadata),
	TEST_CASE(metadata_is_pinned_kernel_zone_frames_sized_for_the_disk),
	TEST_CASE(a_disk_larger_than_swap_entries_reach_is_used_up_to_there),
	TEST_CASE(init_without_room_for_the_metadata_fails_and_leaves_no_slots),
	TEST_CASE(fini_refuses_while_a_slot_is_held),
	TEST_CASE(alloc_hands_out_the_lowest_free_slot_and_never_slot_0),
	TEST_CASE(a_full_swap_refuses_then_takes_slots_back),
	TEST_CASE(references_count_up_to_the_limit_and_down_to_free),
	TEST_CASE(slots_that_do_not_exist_are_refused),
	TEST_CASE(a_free_slot_cannot_be_referenced_dropped_or_retired),
	TEST_CASE(runs_are_the_first_fit),
	TEST_CASE(a_run_of_every_slot_fits_and_one_more_does_not),
	TEST_CASE(a_run_needs_a_hole_not_just_free_slots),
	TEST_CASE(free_run_is_all_or_nothing),
	TEST_CASE(a_retired_slot_is_never_handed_out_again),
	TEST_CASE(a_shared_slot_retired_keeps_its_references_until_the_last),
	TEST_CASE(fail_nth_fails_exactly_the_nth_allocation),
	TEST_CASE(the_checker_catches_a_slot_whose_bits_lie),
	TEST_CASE(the_kernel_zone_dump_names_the_metadata),
};

DEFINE_SUITE(swap_slots_suite, "swap-slots", cases, setup, teardown);
