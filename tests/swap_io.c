/*
 * swap_io.c - the pager when the disk fails and memory or slots run out,
 * on the host, over the model disk (hosted/disk.h): suite swap-io.
 *
 * Each scenario builds a state (spaces, pages and what they hold, some
 * paged out), then runs one operation with the nth transfer from now
 * failing (disk_fail_nth), or the nth frame allocation (pt_frame_fail_nth),
 * or the nth slot allocation (pt_swap_fail_nth), for n = 1, 2, ... until a
 * run in which the operation meets no failure.  After each run:
 *
 *   the operation failed   with the failure's error (-E_IO, -E_NOMEM), and
 *                          what it promises is kept: nothing changed, or
 *                          (paging a block out) what went out stays out;
 *   either way             every invariant holds (pt_vm_check), every page
 *                          still holds its data, and once every space is
 *                          destroyed every frame and every slot is back,
 *                          but the slots retired after a failed transfer.
 *
 * Then the failures that last: a page of the disk that fails every read,
 * under a page, a block's table (the block is lost: its slot references
 * are counted again), and under another block while they are counted
 * again.  And the clean page that goes out without a write, by the disk's
 * own count.
 */
#include "disk.h"
#include "frame.h"
#include "suites.h"
#include "swap_util.h"

#define VA(i) (REGION(0) + PAGE(i))
#define FAR(i) (REGION(400) + PAGE(i))
#define MAX_SPACES 4
#define MAX_PAGES 16
#define MAX_RUNS 128

enum fail_kind { FAIL_DISK, FAIL_FRAME, FAIL_SLOT };

/* The state a scenario builds: spaces, and what their pages hold. */
static struct {
	int as[MAX_SPACES];
	uint32_t nspaces;
	struct {
		int as;
		vaddr_t va;
		uint32_t word;
	} page[MAX_PAGES];
	uint32_t npages;
	int subject; /* the space the operation works on */
	vaddr_t va;  /* and its page */
} st;

struct io_scenario {
	const char *name;
	void (*prepare)(void);
	int (*op)(void);
	void (*unchanged)(void); /* what a failed operation leaves as it was, may be NULL */
};

/* ---- building states ---------------------------------------------------------------- */

static int new_space(void)
{
	int as = pt_vm_create();

	if (as > 0 && st.nspaces < MAX_SPACES)
		st.as[st.nspaces++] = as;
	return as;
}

static void add_page(int as, vaddr_t va, uint32_t word)
{
	CHECK_LT(st.npages, MAX_PAGES);
	CHECK_OK(map_filled(as, va, word, URW, NULL));
	st.page[st.npages].as = as;
	st.page[st.npages].va = va;
	st.page[st.npages].word = word;
	st.npages++;
}

/* A clone of `as`, whose pages hold what they hold in `as`: its handle, or pt_vm_clone's error. */
static int add_clone(int as, enum vm_clone_mode mode)
{
	int c = pt_vm_clone(as, mode);
	uint32_t n = st.npages;

	if (c <= 0)
		return c;
	ASSERT(st.nspaces < MAX_SPACES);
	st.as[st.nspaces++] = c;
	for (uint32_t i = 0; i < n && st.npages < MAX_PAGES; i++) {
		if (st.page[i].as != as)
			continue;
		st.page[st.npages] = st.page[i];
		st.page[st.npages++].as = c;
	}
	return c;
}

/* A space with pages under two tables: 4 at VA(0), 2 at FAR(0). */
static int two_tables(uint32_t fill)
{
	int as = new_space();

	for (uint32_t i = 0; as > 0 && i < 4; i++)
		add_page(as, VA(i), fill + i);
	for (uint32_t i = 0; as > 0 && i < 2; i++)
		add_page(as, FAR(i), fill + 0x10 + i);
	return as;
}

/* Page va of as unmapped, and forgotten. */
static void drop_page(int as, vaddr_t va)
{
	uint32_t j = 0;

	CHECK_OK(pt_vm_unmap(as, va));
	for (uint32_t i = 0; i < st.npages; i++)
		if (st.page[i].as != as || st.page[i].va != va)
			st.page[j++] = st.page[i];
	st.npages = j;
}

/* Page va of as holds w now. */
static void set_word(int as, vaddr_t va, uint32_t w)
{
	for (uint32_t i = 0; i < st.npages; i++)
		if (st.page[i].as == as && st.page[i].va == va)
			st.page[i].word = w;
}

static void evict_all(int as)
{
	for (uint32_t i = 0; i < st.npages; i++)
		if (st.page[i].as == as)
			CHECK_OK(pt_pager_evict(as, st.page[i].va));
}

/* ---- checks ----------------------------------------------------------------------------- */

static void check_data(void)
{
	for (uint32_t i = 0; i < st.npages; i++)
		CHECK_HOLDS(st.page[i].as, st.page[i].va, st.page[i].word);
}

static void destroy_all(void)
{
	pt_vm_activate(0);
	for (uint32_t i = 0; i < st.nspaces; i++)
		pt_vm_destroy(st.as[i]);
	memset(&st, 0, sizeof(st));
}

/* Every frame and every slot is back, but the slots retired. */
static void check_all_back(const struct fx_counts *base)
{
	struct swap_counts c = slot_counts();

	RUN(fx_check_back(base));
	CHECK_EQ(c.used, 0);
	CHECK_EQ(c.free + c.retired, c.total);
}

/* ---- the driver ---------------------------------------------------------------------- */

static void arm(enum fail_kind kind, uint32_t n)
{
	if (kind == FAIL_DISK)
		disk_fail_nth(n, DISK_IO);
	else if (kind == FAIL_FRAME)
		pt_frame_fail_nth(n);
	else
		pt_swap_fail_nth(n);
}

/* How many calls of the kind count towards a failure so far. */
static uint32_t calls(enum fail_kind kind)
{
	struct disk_counts d;

	disk_get_counts(&d);
	if (kind == FAIL_DISK)
		return d.reads + d.writes;
	return kind == FAIL_FRAME ? pt_frame_alloc_calls() : pt_swap_alloc_calls();
}

/* One run; *done when the operation met no failure. */
static void one_run(const struct io_scenario *sc, enum fail_kind kind, uint32_t n, bool *done)
{
	struct fx_counts base;
	int rc;

	fx_counts(&base);
	RUN(sc->prepare());
	CHECK_OK(pt_vm_check());
	uint32_t before = calls(kind);
	arm(kind, n);
	rc = sc->op();
	arm(kind, 0);
	bool met = calls(kind) - before >= n;
	if (rc < 0) {
		CHECK(met);
		CHECK_EQ(rc, kind == FAIL_DISK ? -E_IO : -E_NOMEM);
		if (sc->unchanged)
			RUN(sc->unchanged());
	}
	CHECK_OK(pt_vm_check());
	RUN(check_data());
	CHECK_OK(pt_vm_check());
	destroy_all();
	RUN(check_all_back(&base));
	*done = !met;
}

static void run_scenario(const struct io_scenario *sc, enum fail_kind kind)
{
	static const char *const kinds[] = { "transfer", "frame allocation", "slot allocation" };
	bool done = false;

	for (uint32_t n = 1; n <= MAX_RUNS && !done && !test_failed(); n++) {
		one_run(sc, kind, n, &done);
		if (test_failed())
			kprintf("  (%s: in the run where %s %u fails)\n", sc->name, kinds[kind], n);
	}
	if (!test_failed())
		CHECK(done);
}

/* ---- the scenarios ------------------------------------------------------------------- */

static void prepare_dirty(void)
{
	st.subject = two_tables(0x100);
	st.va = VA(1);
}

static void page_stays(void)
{
	CHECK(in_frame(st.subject, st.va));
}

static int op_evict(void)
{
	return pt_pager_evict(st.subject, st.va);
}

static int op_reclaim(void)
{
	uint32_t freed = pt_pager_reclaim(4), out = 0;

	for (uint32_t i = 0; i < st.npages; i++)
		out += in_swap(st.page[i].as, st.page[i].va);
	return freed == out ? 0 : -E_INVAL;
}

static void prepare_out(void)
{
	prepare_dirty();
	RUN(evict_all(st.subject));
}

/* A page in swap, clean copy or none, and a clone sharing it. */
static void prepare_shared_out(void)
{
	RUN(prepare_out());
	CHECK_GT(add_clone(st.subject, VM_CLONE_COW), 0);
}

static void page_still_in_swap(void)
{
	CHECK(in_swap(st.subject, st.va));
}

static int op_read(void)
{
	uint32_t v;

	return read_at(st.subject, st.va, &v);
}

static int op_write(void)
{
	int rc = write_at(st.subject, st.va, 0x5EE);

	if (rc == 0)
		set_word(st.subject, st.va, 0x5EE);
	return rc;
}

/* pt_vm_fault in the live space, as the hardware path calls it. */
static int op_fault(void)
{
	int rc = pt_vm_activate(st.subject);

	if (rc == 0)
		rc = pt_vm_fault(st.subject, st.va, PF_W | PF_U);
	pt_vm_activate(0);
	return rc;
}

/*
 * A space whose pages go out every way: VA(0) with a clean copy, VA(1) and
 * FAR(0) dirty, VA(2) a frame shared copy-on-write with a clone, VA(3) and
 * FAR(1) in swap, their slots shared with the clone.
 */
static void prepare_block(void)
{
	prepare_dirty();
	int as = st.subject;
	CHECK_OK(pt_pager_evict(as, VA(0)));
	CHECK_OK(pt_pager_evict(as, VA(3)));
	CHECK_OK(pt_pager_evict(as, FAR(1)));
	CHECK_HOLDS(as, VA(0), 0x100); /* back, with a clean copy */
	CHECK_OK(write_at(as, VA(1), 0x1D1));
	set_word(as, VA(1), 0x1D1);
	int c = add_clone(as, VM_CLONE_COW);
	CHECK_GT(c, 0);
	RUN(drop_page(c, VA(0)));
	RUN(drop_page(c, VA(1)));
	RUN(drop_page(c, FAR(0)));
}

static void block_stays(void)
{
	CHECK(!info_of(st.subject).out);
}

static int op_block_out(void)
{
	return pt_pager_block_out(st.subject);
}

static void prepare_block_out(void)
{
	RUN(prepare_block());
	CHECK_OK(pt_pager_block_out(st.subject));
}

static void block_still_out(void)
{
	CHECK(info_of(st.subject).out);
}

static int op_activate(void)
{
	int rc = pt_vm_activate(st.subject);

	pt_vm_activate(0);
	return rc;
}

static int op_query(void)
{
	struct vm_mapping m;

	return pt_vm_query(st.subject, FAR(1), &m);
}

static int op_clone(void)
{
	int rc = add_clone(st.subject, VM_CLONE_EAGER);

	return rc < 0 ? rc : 0;
}

/* Both spaces out, sharing slots: destroying one reads its tables. */
static void prepare_two_out(void)
{
	RUN(prepare_block_out());
	CHECK_OK(pt_pager_block_out(st.as[1]));
}

static int op_destroy_out(void)
{
	int rc = pt_vm_destroy(st.subject);
	uint32_t j = 0;

	for (uint32_t i = 0; i < st.npages; i++) /* its pages are gone */
		if (st.page[i].as != st.subject)
			st.page[j++] = st.page[i];
	st.npages = j;
	st.as[0] = st.as[--st.nspaces];
	return rc;
}

static const struct io_scenario scenarios[] = {
	{ "evict a dirty page", prepare_dirty, op_evict, page_stays },
	{ "reclaim", prepare_dirty, op_reclaim, NULL },
	{ "read a page in swap", prepare_out, op_read, page_still_in_swap },
	{ "write a shared page in swap", prepare_shared_out, op_write, page_still_in_swap },
	{ "fault a page in swap", prepare_shared_out, op_fault, page_still_in_swap },
	{ "page a block out", prepare_block, op_block_out, block_stays },
	{ "activate a space out", prepare_block_out, op_activate, block_still_out },
	{ "query a space out", prepare_block_out, op_query, block_still_out },
	{ "clone a space out", prepare_block_out, op_clone, NULL }, /* may fail once in */
	{ "destroy a space out", prepare_two_out, op_destroy_out, NULL },
};

static void every_transfer_fails_in_turn(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(scenarios) && !test_failed(); i++)
		run_scenario(&scenarios[i], FAIL_DISK);
}

static void every_frame_allocation_fails_in_turn(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(scenarios) && !test_failed(); i++)
		run_scenario(&scenarios[i], FAIL_FRAME);
}

static void every_slot_allocation_fails_in_turn(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(scenarios) && !test_failed(); i++)
		run_scenario(&scenarios[i], FAIL_SLOT);
}

/* ---- failures that last -------------------------------------------------------------- */

static void a_page_that_cannot_be_read_costs_eio_until_it_is_unmapped(void)
{
	struct fx_counts base;

	fx_counts(&base);
	RUN(prepare_out());
	uint32_t slot = slot_at(st.subject, st.va);
	CHECK_OK(disk_fail_page(slot, DISK_READ));
	CHECK_ERR(op_read(), E_IO);
	CHECK_ERR(op_fault(), E_IO);
	CHECK(in_swap(st.subject, st.va));
	CHECK_EQ(pt_swap_slot_state(slot), SWAP_RETIRED);
	CHECK_OK(pt_vm_check());
	CHECK_OK(pt_vm_unmap(st.subject, st.va));
	disk_heal();
	st.npages = 0;
	destroy_all();
	RUN(check_all_back(&base));
	CHECK_EQ(slot_counts().retired, 1);
}

/* The tables a block out holds: the slots of its run after the directory. */
static uint32_t table_slot(int as, uint32_t k)
{
	return info_of(as).out_slot + k;
}

static void a_table_that_cannot_be_read_is_counted_again_without_it(void)
{
	struct fx_counts base;

	fx_counts(&base);
	RUN(prepare_two_out()); /* st.as[0] and st.as[1] share slots */
	int a = st.as[0], b = st.as[1];
	CHECK_OK(disk_fail_page(table_slot(a, 2), DISK_READ));
	CHECK_ERR(pt_vm_activate(a), E_IO);
	CHECK_ERR(op_query(), E_IO);
	CHECK_ERR(pt_pager_block_in(a), E_IO);
	CHECK(info_of(a).out);
	CHECK_OK(pt_vm_check());
	CHECK_OK(pt_vm_destroy(a)); /* the kernel ends its process */
	CHECK_OK(pt_vm_check());
	disk_heal();
	/* b, whose tables were read to count its references again, is whole */
	st.npages = 0;
	CHECK_HOLDS(b, FAR(1), 0x111);
	CHECK_HOLDS(b, VA(2), 0x102);
	CHECK_OK(pt_vm_destroy(b));
	st.nspaces = 0;
	RUN(check_all_back(&base));
}

/* While the references are counted again, a table of another block fails too. */
static void a_block_whose_table_fails_meanwhile_is_lost(void)
{
	struct fx_counts base;

	fx_counts(&base);
	RUN(prepare_two_out());
	int a = st.as[0], b = st.as[1];
	CHECK_OK(disk_fail_page(table_slot(a, 1), DISK_READ));
	CHECK_OK(disk_fail_page(table_slot(b, 2), DISK_READ));
	CHECK_OK(pt_vm_destroy(a));
	CHECK_OK(pt_vm_check());
	struct vm_space_info info = info_of(b);
	CHECK(info.out);
	CHECK(info.lost);
	CHECK_EQ(info.mapped, 0); /* its table 1 was read again: nothing kept */
	disk_heal();
	CHECK_ERR(pt_vm_activate(b), E_IO); /* lost for good */
	CHECK_ERR(pt_pager_block_in(b), E_IO);
	CHECK_OK(pt_vm_destroy(b));
	st.npages = st.nspaces = 0;
	RUN(check_all_back(&base));
}

/* The same, and the table read before fails its second read: its references stay counted. */
static void a_lost_block_keeps_what_it_could_not_give_back_until_destroyed(void)
{
	struct fx_counts base;

	fx_counts(&base);
	RUN(prepare_two_out());
	int a = st.as[0], b = st.as[1];
	CHECK_OK(disk_fail_page(table_slot(a, 1), DISK_READ));
	CHECK_OK(disk_fail_page(table_slot(b, 2), DISK_READ));
	/* reads: a's tables 1 and 2, then b's 1 and 2, then b's 1 again */
	disk_fail_nth(5, DISK_READ);
	CHECK_OK(pt_vm_destroy(a));
	disk_fail_nth(0, DISK_READ);
	CHECK_OK(pt_vm_check());
	struct vm_space_info info = info_of(b);
	CHECK(info.lost);
	CHECK_EQ(info.mapped, 2); /* b's first table: VA(2) and VA(3) */
	disk_heal();
	CHECK_OK(pt_vm_destroy(b)); /* no holder is left: counted again, they come back */
	st.npages = st.nspaces = 0;
	RUN(check_all_back(&base));
}

/* ---- by the disk's own count --------------------------------------------------------- */

static void a_clean_page_goes_out_without_a_write_to_the_disk(void)
{
	struct disk_counts d0, d1;
	struct fx_counts base;

	fx_counts(&base);
	RUN(prepare_out());
	CHECK_HOLDS(st.subject, st.va, 0x101);
	disk_get_counts(&d0);
	CHECK_OK(pt_pager_evict(st.subject, st.va));
	disk_get_counts(&d1);
	CHECK_EQ(d1.writes, d0.writes);
	CHECK_EQ(d1.reads, d0.reads);
	CHECK_OK(write_at(st.subject, st.va, 0x202));
	st.page[1].word = 0x202;
	CHECK_OK(pt_pager_evict(st.subject, st.va));
	disk_get_counts(&d0);
	CHECK_EQ(d0.writes, d1.writes + 1);
	RUN(check_data());
	destroy_all();
	RUN(check_all_back(&base));
}

static void setup(void)
{
	swap_setup();
	memset(&st, 0, sizeof(st));
}

static void teardown(void)
{
	disk_heal();
	pt_swap_fail_nth(0);
	pt_frame_fail_nth(0);
	destroy_all();
	swap_teardown();
}

static const struct test_case cases[] = {
	TEST_CASE(every_transfer_fails_in_turn),
	TEST_CASE(every_frame_allocation_fails_in_turn),
	TEST_CASE(every_slot_allocation_fails_in_turn),
	TEST_CASE(a_page_that_cannot_be_read_costs_eio_until_it_is_unmapped),
	TEST_CASE(a_table_that_cannot_be_read_is_counted_again_without_it),
	TEST_CASE(a_block_whose_table_fails_meanwhile_is_lost),
	TEST_CASE(a_lost_block_keeps_what_it_could_not_give_back_until_destroyed),
	TEST_CASE(a_clean_page_goes_out_without_a_write_to_the_disk),
};

DEFINE_SUITE(swap_io_suite, "swap-io", cases, setup, teardown);
