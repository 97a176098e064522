/*
 * test_vm.c - the address-space API (vmspace.h): mapping, growing and
 * shrinking blocks, bad input, the TLB, copy-on-write, iteration and dumps.
 *
 * The bodies are written to run on the host (through the model MMU, a fresh
 * 64 MiB machine per case) and in the kernel on the live paging system: no
 * physical address is assumed, memory is touched only through probe() with
 * the address space live, every case destroys what it made, and vm_check()
 * runs after every step.  Frames of DEVICE_PA and up lie above RAM: the
 * allocator does not own them, so they are mapped without references.
 *
 * Where user space starts, and how the cases name its 4 MiB regions:
 *
 *   0x40000000  REGION(0)  one page table maps each region
 *   0x40400000  REGION(1)
 *   ...
 *   0xFFC00000  REGION(767), whose last page is USER_LAST (0xFFFFF000)
 */
#include "check.h"
#include "fixture.h"
#include "frame.h"
#include "kmap.h"
#include "layout.h"
#include "probe.h"
#include "ptblock.h"
#include "seam.h"
#include "suites.h"
#include "tlb.h"
#include "tracker.h"
#include "vmspace.h"

#define URW (VM_USER | VM_WRITE)
#define REGION(i) (USER_BASE + (uint32_t)(i) * PDE_SPAN)
#define PAGE(i) ((uint32_t)(i) * PAGE_SIZE)
#define DEVICE_PA 0xF0000000u

/* Probe kinds, and the outcome of a probe that faulted with error code err. */
#define SUP_RD PROBE_READ
#define SUP_WR PROBE_WRITE
#define USR_RD PROBE_USER
#define USR_WR (PROBE_USER | PROBE_WRITE)
#define FAULTED(err) (PROBE_FAULTED | (err))

/* An action that must succeed, followed by the invariant check. */
#define STEP(expr)                                                                     \
	do {                                                                           \
		CHECK_OK(expr);                                                        \
		CHECK_OK(vm_check());                                                  \
	} while (0)

/* The live address space reads `want` at va with a probe of kind how. */
#define CHECK_READS(va, how, want)                                                     \
	do {                                                                           \
		uint32_t v_ = ~(uint32_t)(want);                                      \
		CHECK_EQ(probe((va), (how), &v_), 0);                                  \
		CHECK_EQ(v_, (uint32_t)(want));                                        \
	} while (0)

/* The live address space lets a probe of kind how write val at va. */
#define CHECK_WRITES(va, how, val)                                                     \
	do {                                                                           \
		uint32_t v_ = (val);                                                   \
		CHECK_EQ(probe((va), (how) | PROBE_WRITE, &v_), 0);                    \
	} while (0)

/* A probe of kind how at va faults with error code err. */
#define CHECK_FAULTS(va, how, err)                                                     \
	do {                                                                           \
		uint32_t v_ = 0x0BADBAD0;                                              \
		CHECK_EQ(probe((va), (how), &v_), FAULTED(err));                      \
	} while (0)

/* Map a new user frame holding `fill` in every word at va; its address in *pa. */
static int map_filled(int as, vaddr_t va, uint32_t fill, uint32_t flags, paddr_t *pa)
{
	paddr_t f = fx_user_frame(fill);
	int rc = vm_map(as, va, f, flags);

	if (rc < 0)
		frame_free(f);
	else if (pa)
		*pa = f;
	return rc;
}

static uint32_t query_flags(int as, vaddr_t va)
{
	struct vm_mapping m = { 0, 0 };

	return vm_query(as, va, &m) == 0 ? m.flags : 0xFFFFFFFFu;
}

static paddr_t query_pa(int as, vaddr_t va)
{
	struct vm_mapping m = { 0, 0 };

	return vm_query(as, va, &m) == 0 ? m.pa : 0xFFFFFFFFu;
}

/* vm_query's result alone. */
static int query_rc(int as, vaddr_t va)
{
	struct vm_mapping m;

	return vm_query(as, va, &m);
}

static struct vm_space_info info_of(int as)
{
	struct vm_space_info info = { 0, 0, 0, 0 };

	vm_info(as, &info);
	return info;
}

static struct vm_stats stats_now(void)
{
	struct vm_stats s;

	vm_get_stats(&s);
	return s;
}

/* The PDE of va in address space as. */
static pde_t pde_of(int as, vaddr_t va)
{
	return ptb_pd(trk_get(as))[pde_index(va)];
}

/* The block slot the table of va sits in (0: none). */
static uint32_t slot_of(int as, vaddr_t va)
{
	pde_t e = pde_of(as, va);

	return pde_present(e) ? (pde_addr(e) - trk_base(trk_get(as))) / PAGE_SIZE : 0;
}

static struct fx_snapshot snap;

/* ---- map, unmap, query, translate ------------------------------------- */

static void map_then_query_and_translate_one_page(void)
{
	vaddr_t va = REGION(3) + PAGE(5);
	struct vm_mapping m;
	paddr_t pa, t;

	int as = vm_create();
	CHECK_GT(as, 0);
	CHECK_OK(vm_check());
	STEP(map_filled(as, va, 0xA1A1A1A1, URW, &pa));
	CHECK_OK(vm_query(as, va, &m));
	CHECK_EQ(m.pa, pa);
	CHECK_EQ(m.flags, URW);
	CHECK_OK(vm_translate(as, va + 0x123, &t));
	CHECK_EQ(t, pa + 0x123);
	CHECK_EQ(frame_refcount(pa), 1); /* the caller's reference went to the mapping */
	CHECK_ERR(vm_query(as, va - PAGE_SIZE, &m), E_NOENT);
	CHECK_ERR(vm_query(as, va + PAGE_SIZE, &m), E_NOENT);
	CHECK_ERR(vm_translate(as, REGION(4), &t), E_NOENT);
	CHECK_EQ(info_of(as).tables, 1);
	CHECK_EQ(info_of(as).mapped, 1);
	CHECK_EQ(frame_free_count(ZONE_USER), fx_start.free_user - 1);
	STEP(vm_unmap(as, va));
	CHECK_ERR(vm_query(as, va, &m), E_NOENT);
	CHECK_ERR(vm_translate(as, va, &t), E_NOENT);
	CHECK_EQ(frame_refcount(pa), 0); /* the last reference went with the mapping */
	CHECK_EQ(frame_free_count(ZONE_USER), fx_start.free_user);
	CHECK_EQ(info_of(as).tables, 0);
	CHECK_EQ(info_of(as).mapped, 0);
	STEP(vm_destroy(as));
}

/*
 * Four pages across the boundary of REGION(1): two in each table.
 *
 *   REGION(1) - 2 pages   REGION(1) - 1   | REGION(1)   REGION(1) + 1
 *   table of REGION(0)                   | table of REGION(1)
 */
static void map_range_crosses_a_table_boundary(void)
{
	vaddr_t va = REGION(1) - PAGE(2);
	paddr_t t;

	int as = vm_create();
	CHECK_GT(as, 0);
	STEP(vm_map_range(as, va, DEVICE_PA, 4, URW));
	CHECK_EQ(info_of(as).tables, 2);
	CHECK_EQ(info_of(as).mapped, 4);
	for (uint32_t i = 0; i < 4; i++) {
		CHECK_EQ(query_pa(as, va + PAGE(i)), DEVICE_PA + PAGE(i));
		CHECK_EQ(query_flags(as, va + PAGE(i)), URW);
		CHECK_OK(vm_translate(as, va + PAGE(i) + 0xFFC, &t));
		CHECK_EQ(t, DEVICE_PA + PAGE(i) + 0xFFC);
	}
	CHECK_ERR(query_rc(as, va - PAGE_SIZE), E_NOENT);
	CHECK_ERR(query_rc(as, va + PAGE(4)), E_NOENT);
	STEP(vm_unmap_range(as, va + PAGE(1), 2)); /* one page left in each table */
	CHECK_EQ(info_of(as).tables, 2);
	CHECK_EQ(info_of(as).mapped, 2);
	CHECK_EQ(query_pa(as, va), DEVICE_PA);
	CHECK_EQ(query_pa(as, va + PAGE(3)), DEVICE_PA + PAGE(3));
	STEP(vm_unmap_range(as, va, 4)); /* holes are fine */
	CHECK_EQ(info_of(as).tables, 0);
	CHECK_EQ(info_of(as).mapped, 0);
	STEP(vm_destroy(as));
}

static void unmap_range_with_holes_drops_every_reference(void)
{
	paddr_t pa[3];

	int as = vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, REGION(2), 1, URW, &pa[0]));
	STEP(map_filled(as, REGION(2) + PAGE(2), 2, URW, &pa[1]));
	STEP(map_filled(as, REGION(2) + PAGE(5), 3, VM_USER, &pa[2]));
	STEP(vm_map(as, REGION(9), DEVICE_PA, VM_USER));
	CHECK_EQ(frame_free_count(ZONE_USER), fx_start.free_user - 3);
	STEP(vm_unmap_range(as, REGION(2), 8));
	for (uint32_t i = 0; i < 3; i++)
		CHECK_EQ(frame_refcount(pa[i]), 0);
	CHECK_EQ(frame_free_count(ZONE_USER), fx_start.free_user);
	CHECK_EQ(info_of(as).tables, 1);
	CHECK_EQ(query_pa(as, REGION(9)), DEVICE_PA);
	/* a range with nothing in it: fine, and nothing changes */
	fx_snap(as, &snap);
	STEP(vm_unmap_range(as, REGION(2), 1024));
	STEP(vm_unmap_range(as, REGION(40), 3000));
	CHECK(fx_same(as, &snap));
	STEP(vm_destroy(as));
}

/*
 * What each access does to a page of each flag combination, with CR0.WP
 * on (a supervisor write honours R/W):
 *
 *   flags          CPL0 read  CPL0 write  CPL3 read  CPL3 write
 *   0              ok         P|W         P|U        P|W|U
 *   WRITE          ok         ok          P|U        P|W|U
 *   USER           ok         P|W         ok         P|W|U
 *   USER|WRITE     ok         ok          ok         ok
 */
static void probes_follow_the_flags(void)
{
	static const uint32_t flag_sets[] = { 0, VM_WRITE, VM_USER, URW };

	int as = vm_create();
	CHECK_GT(as, 0);
	for (uint32_t i = 0; i < ARRAY_SIZE(flag_sets); i++) {
		STEP(map_filled(as, REGION(0) + PAGE(i), 0x100 + i, flag_sets[i], NULL));
		CHECK_EQ(query_flags(as, REGION(0) + PAGE(i)), flag_sets[i]);
	}
	STEP(vm_activate(as));
	for (uint32_t i = 0; i < ARRAY_SIZE(flag_sets); i++) {
		vaddr_t va = REGION(0) + PAGE(i);
		bool w = flag_sets[i] & VM_WRITE, u = flag_sets[i] & VM_USER;
		uint32_t v = 0x100 + i;

		CHECK_READS(va, SUP_RD, v);
		if (w)
			CHECK_WRITES(va + 4, SUP_WR, v + 0x1000);
		else
			CHECK_FAULTS(va + 4, SUP_WR, PF_P | PF_W);
		if (u)
			CHECK_READS(va + 4, USR_RD, w ? v + 0x1000 : v);
		else
			CHECK_FAULTS(va + 4, USR_RD, PF_P | PF_U);
		if (u && w)
			CHECK_WRITES(va + 8, USR_WR, v + 0x2000);
		else
			CHECK_FAULTS(va + 8, USR_WR, PF_P | PF_W | PF_U);
		CHECK_READS(va + 8, SUP_RD, u && w ? v + 0x2000 : v);
	}
	STEP(vm_activate(0));
	STEP(vm_destroy(as));
}

static void read_only_user_page_refuses_writes_at_both_levels(void)
{
	vaddr_t va = REGION(5);
	paddr_t pa;

	int as = vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, va, 0x5555, VM_USER, &pa));
	STEP(vm_activate(as));
	CHECK_READS(va, USR_RD, 0x5555);
	CHECK_FAULTS(va, USR_WR, PF_P | PF_W | PF_U);
	CHECK_FAULTS(va, SUP_WR, PF_P | PF_W); /* CR0.WP: the kernel is refused too */
	CHECK_EQ(fx_frame_word(pa), 0x5555);
	STEP(vm_activate(0));
	STEP(vm_destroy(as));
}

static void supervisor_page_in_user_space_is_kernel_only(void)
{
	vaddr_t va = REGION(6) + PAGE(1);
	paddr_t pa;

	int as = vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, va, 0x6666, VM_WRITE, &pa));
	CHECK_EQ(query_flags(as, va), VM_WRITE);
	STEP(vm_activate(as));
	CHECK_FAULTS(va, USR_RD, PF_P | PF_U);
	CHECK_FAULTS(va, USR_WR, PF_P | PF_W | PF_U);
	CHECK_READS(va, SUP_RD, 0x6666);
	CHECK_WRITES(va, SUP_WR, 0x6767);
	CHECK_EQ(fx_frame_word(pa), 0x6767);
	STEP(vm_activate(0));
	STEP(vm_destroy(as));
}

static void unmapped_pages_fault_as_not_present(void)
{
	int as = vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, REGION(0), 7, URW, NULL));
	STEP(vm_activate(as));
	CHECK_FAULTS(REGION(0) + PAGE(1), USR_RD, PF_U);  /* a table, no PTE */
	CHECK_FAULTS(REGION(0) + PAGE(1), SUP_WR, PF_W);
	CHECK_FAULTS(REGION(5), USR_WR, PF_W | PF_U);     /* no table */
	CHECK_FAULTS(USER_LAST, SUP_RD, 0);
	CHECK_READS(REGION(0), USR_RD, 7);
	STEP(vm_activate(0));
	STEP(vm_destroy(as));
}

static void frames_not_owned_are_mapped_without_references(void)
{
	struct fx_counts before, after;

	CHECK(!frame_owned(DEVICE_PA));
	int as = vm_create();
	CHECK_GT(as, 0);
	fx_counts(&before);
	STEP(vm_map_range(as, REGION(1), DEVICE_PA, 3, URW));
	fx_counts(&after);
	CHECK_MEM_EQ(&after, &before, sizeof(before)); /* page B became the table */
	/* a copy-on-write clone leaves them shared and writable, as they were */
	int c = vm_clone(as, VM_CLONE_COW);
	CHECK_GT(c, 0);
	CHECK_OK(vm_check());
	CHECK_EQ(query_pa(c, REGION(1) + PAGE(2)), DEVICE_PA + PAGE(2));
	CHECK_EQ(query_flags(c, REGION(1) + PAGE(2)), URW);
	CHECK_EQ(query_flags(as, REGION(1) + PAGE(2)), URW);
	STEP(vm_destroy(c));
	STEP(vm_unmap_range(as, REGION(1), 3));
	fx_counts(&after);
	CHECK_MEM_EQ(&after, &before, sizeof(before));
	STEP(vm_destroy(as));
}

/* ---- growing the block ------------------------------------------------ */

static void block_grows_in_place_when_the_frames_after_it_are_free(void)
{
	int as = fx_space_with_room(4);
	CHECK_GT(as, 0);
	CHECK_OK(vm_check());
	struct vm_space_info i0 = info_of(as);
	struct vm_stats s0 = stats_now();
	CHECK_EQ(i0.pages, 2);
	for (uint32_t r = 0; r < 4; r++) {
		STEP(vm_map(as, REGION(r * 100), DEVICE_PA + PAGE(r), VM_USER));
		CHECK_EQ(info_of(as).block, i0.block);
		CHECK_EQ(info_of(as).pages, MAX(2, r + 2)); /* in place: just what is needed */
	}
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.inplace_growths - s0.inplace_growths, 3);
	CHECK_EQ(s1.relocations - s0.relocations, 0);
	CHECK_EQ(s1.pages_copied - s0.pages_copied, 0);
	CHECK_EQ(frame_free_count(ZONE_KERNEL), fx_start.free_kernel - 5);
	for (uint32_t r = 0; r < 4; r++)
		CHECK_EQ(query_pa(as, REGION(r * 100)), DEVICE_PA + PAGE(r));
	STEP(vm_destroy(as));
}

/*
 * Put a frame right after the block of as, so that it cannot grow in place.
 * Sets *plug to it (0 if the frame after the block was not free anyway).
 */
static int block_the_way(int as, paddr_t *plug)
{
	struct vm_space_info info = info_of(as);
	paddr_t end = info.block + PAGE(info.pages);

	*plug = 0;
	if (!fx_kframes_free(end, 1))
		return 0;
	*plug = end;
	return fx_take_kframe(end);
}

static void give_back_plug(paddr_t plug)
{
	if (plug)
		frame_free(plug);
}

static void block_relocates_when_the_frame_after_it_is_taken(void)
{
	paddr_t pa[2], plug;

	int as = vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, REGION(0), 0xAAAA0000, URW, &pa[0]));
	STEP(map_filled(as, REGION(0) + PAGE(1), 0xAAAA0001, VM_USER, &pa[1]));
	struct vm_space_info i0 = info_of(as);
	CHECK_EQ(i0.pages, 2);
	STEP(block_the_way(as, &plug));
	struct vm_stats s0 = stats_now();
	STEP(vm_map(as, REGION(1), DEVICE_PA, URW));
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.relocations - s0.relocations, 1);
	CHECK_EQ(s1.inplace_growths - s0.inplace_growths, 0);
	CHECK_EQ(s1.pages_copied - s0.pages_copied, 2); /* the directory and one table */
	struct vm_space_info i1 = info_of(as);
	CHECK_NE(i1.block, i0.block);
	CHECK_EQ(i1.pages, 4); /* room to double */
	CHECK_EQ(i1.tables, 2);
	CHECK(fx_kframes_free(i0.block, 2)); /* the old run went back */
	/* the same handle, the same mappings */
	CHECK_EQ(query_pa(as, REGION(0)), pa[0]);
	CHECK_EQ(query_flags(as, REGION(0)), URW);
	CHECK_EQ(query_pa(as, REGION(0) + PAGE(1)), pa[1]);
	CHECK_EQ(query_flags(as, REGION(0) + PAGE(1)), VM_USER);
	CHECK_EQ(fx_frame_word(pa[1]), 0xAAAA0001);
	give_back_plug(plug);
	STEP(vm_destroy(as));
}

/*
 * The live space moves:
 *
 *   before:  CR3 -> | PD | PT r0 |[plug]
 *   after:                        [plug] ... CR3 -> | PD | PT r0 | PT r3 | spare |
 *
 * Cached translations stay right, CR3 follows the block, and a page mapped
 * after the move is found by walking the new block.
 */
static void relocating_the_live_space_keeps_every_translation(void)
{
	paddr_t plug;

	int as = vm_create();
	CHECK_GT(as, 0);
	for (uint32_t i = 0; i < 4; i++)
		STEP(map_filled(as, REGION(0) + PAGE(i), 0x100 + i, URW, NULL));
	struct vm_space_info i0 = info_of(as);
	STEP(vm_activate(as));
	CHECK_EQ(hw_cr3(), i0.block);
	for (uint32_t i = 0; i < 4; i++)
		CHECK_READS(REGION(0) + PAGE(i), USR_RD, 0x100 + i);
	CHECK_WRITES(REGION(0), USR_WR, 0xD1);
	STEP(block_the_way(as, &plug));
	struct vm_stats s0 = stats_now();
	STEP(vm_map_zero(as, REGION(3), URW));
	CHECK_EQ(stats_now().relocations - s0.relocations, 1);
	struct vm_space_info i1 = info_of(as);
	CHECK_NE(i1.block, i0.block);
	CHECK_EQ(hw_cr3(), i1.block);
	CHECK_EQ(vm_live(), as);
	CHECK_READS(REGION(0), USR_RD, 0xD1);
	for (uint32_t i = 1; i < 4; i++)
		CHECK_READS(REGION(0) + PAGE(i), USR_RD, 0x100 + i);
	CHECK_WRITES(REGION(0) + PAGE(1), USR_WR, 0xD2);
	CHECK_READS(REGION(3), USR_RD, 0);
	CHECK_WRITES(REGION(3) + 4, USR_WR, 0xD3);
	hw_flush_tlb(); /* and once more, every translation walked from the new block */
	CHECK_READS(REGION(0), USR_RD, 0xD1);
	CHECK_READS(REGION(0) + PAGE(1), USR_RD, 0xD2);
	CHECK_READS(REGION(0) + PAGE(3), USR_RD, 0x103);
	CHECK_READS(REGION(3) + 4, USR_RD, 0xD3);
	CHECK_FAULTS(REGION(1), USR_RD, PF_U);
	STEP(vm_activate(0));
	give_back_plug(plug);
	STEP(vm_destroy(as));
}

/*
 * Growth by relocation doubles the block, so 64 tables cost 6 moves
 * (2 -> 4 -> 8 -> 16 -> 32 -> 64 -> 128 pages) and 2 + 4 + ... + 64 = 126
 * pages copied, though every move is forced.
 */
static void relocations_double_the_block_so_copying_stays_linear(void)
{
	paddr_t plugs[8];
	uint32_t nplugs = 0;

	int as = vm_create();
	CHECK_GT(as, 0);
	struct vm_stats s0 = stats_now();
	for (uint32_t r = 0; r < 64; r++) {
		struct vm_space_info info = info_of(as);
		if (info.tables + 1 == info.pages) {
			CHECK_LT(nplugs, ARRAY_SIZE(plugs));
			STEP(block_the_way(as, &plugs[nplugs]));
			nplugs++;
		}
		STEP(vm_map(as, REGION(r * 11), DEVICE_PA, VM_USER));
	}
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.relocations - s0.relocations, 6);
	CHECK_EQ(s1.inplace_growths - s0.inplace_growths, 0);
	CHECK_EQ(s1.pages_copied - s0.pages_copied, 126);
	CHECK_EQ(info_of(as).pages, 128);
	CHECK_EQ(info_of(as).tables, 64);
	while (nplugs > 0)
		give_back_plug(plugs[--nplugs]);
	STEP(vm_destroy(as));
}

/*
 * Tables take block slots in the order they are first needed, whatever
 * their directory index:
 *
 *   map REGION(700), then REGION(0), then REGION(300):
 *   block: | PD | PT REGION(700) | PT REGION(0) | PT REGION(300) |
 */
static void tables_take_slots_in_order_of_first_use(void)
{
	int as = vm_create();
	CHECK_GT(as, 0);
	STEP(vm_map(as, REGION(700) + PAGE(9), DEVICE_PA, VM_USER));
	STEP(vm_map(as, REGION(0), DEVICE_PA, VM_USER));
	STEP(vm_map(as, REGION(300) + PAGE(1023), DEVICE_PA, VM_USER));
	STEP(vm_map(as, REGION(0) + PAGE(1), DEVICE_PA, VM_USER)); /* no new table */
	CHECK_EQ(slot_of(as, REGION(700)), 1);
	CHECK_EQ(slot_of(as, REGION(0)), 2);
	CHECK_EQ(slot_of(as, REGION(300)), 3);
	CHECK_EQ(info_of(as).tables, 3);
	CHECK_EQ(info_of(as).pages, 4);
	STEP(vm_destroy(as));
}

/* ---- shrinking ---------------------------------------------------------- */

static void a_table_goes_with_its_last_page(void)
{
	int as = vm_create();
	CHECK_GT(as, 0);
	STEP(vm_map(as, REGION(0), DEVICE_PA, VM_USER));
	STEP(vm_map(as, REGION(0) + PAGE(700), DEVICE_PA, VM_USER));
	STEP(vm_map(as, REGION(1), DEVICE_PA, VM_USER));
	struct vm_stats s0 = stats_now();
	CHECK_EQ(info_of(as).tables, 2);
	STEP(vm_unmap(as, REGION(0)));
	CHECK_EQ(info_of(as).tables, 2);
	CHECK(pde_present(pde_of(as, REGION(0))));
	STEP(vm_unmap(as, REGION(0) + PAGE(700)));
	CHECK_EQ(info_of(as).tables, 1);
	CHECK_EQ(pde_of(as, REGION(0)).v, 0);
	CHECK_EQ(stats_now().tables, s0.tables - 1);
	CHECK_EQ(query_pa(as, REGION(1)), DEVICE_PA);
	STEP(vm_unmap(as, REGION(1)));
	CHECK_EQ(info_of(as).tables, 0);
	CHECK_EQ(stats_now().tables, s0.tables - 2);
	STEP(vm_destroy(as));
}

/*
 * Unlinking a table that is not in the last slot moves the last one in:
 *
 *   before:  | PD | PT REGION(0) | PT REGION(1) | PT REGION(2) |
 *   unmap all of REGION(0):
 *   after:   | PD | PT REGION(2) | PT REGION(1) | spare, zero  |
 */
static void unlinking_a_middle_table_moves_the_last_one_into_its_slot(void)
{
	int as = vm_create();
	CHECK_GT(as, 0);
	for (uint32_t r = 0; r < 3; r++)
		STEP(map_filled(as, REGION(r) + PAGE(r), 0x3000 + r, URW, NULL));
	CHECK_EQ(slot_of(as, REGION(2)), 3);
	STEP(vm_activate(as));
	for (uint32_t r = 0; r < 3; r++)
		CHECK_READS(REGION(r) + PAGE(r), USR_RD, 0x3000 + r);
	struct vm_stats s0 = stats_now();
	STEP(vm_unmap_range(as, REGION(0), PT_ENTRIES));
	CHECK_EQ(stats_now().table_moves - s0.table_moves, 1);
	CHECK_EQ(slot_of(as, REGION(2)), 1);
	CHECK_EQ(slot_of(as, REGION(1)), 2);
	CHECK_EQ(info_of(as).tables, 2);
	CHECK_FAULTS(REGION(0), USR_RD, PF_U);
	CHECK_READS(REGION(1) + PAGE(1), USR_RD, 0x3001);
	CHECK_READS(REGION(2) + PAGE(2), USR_RD, 0x3002);
	CHECK_WRITES(REGION(2) + PAGE(2) + 4, USR_WR, 0x3302);
	hw_flush_tlb();
	CHECK_READS(REGION(2) + PAGE(2) + 4, USR_RD, 0x3302);
	CHECK_READS(REGION(1) + PAGE(1), USR_RD, 0x3001);
	/* the table in the last slot goes without a move */
	s0 = stats_now();
	STEP(vm_unmap(as, REGION(1) + PAGE(1)));
	CHECK_EQ(stats_now().table_moves - s0.table_moves, 0);
	CHECK_EQ(slot_of(as, REGION(2)), 1);
	CHECK_READS(REGION(2) + PAGE(2), USR_RD, 0x3002);
	STEP(vm_activate(0));
	STEP(vm_destroy(as));
}

static void map_unmap_at_a_table_boundary_does_not_grow_and_shrink_each_time(void)
{
	int as = fx_space_with_room(2);
	CHECK_GT(as, 0);
	STEP(vm_map(as, REGION(1) - PAGE_SIZE, DEVICE_PA, VM_USER));
	struct vm_stats s0 = stats_now();
	for (uint32_t i = 0; i < 10; i++) {
		STEP(vm_map(as, REGION(1), DEVICE_PA, VM_USER));
		CHECK_EQ(info_of(as).tables, 2);
		STEP(vm_unmap(as, REGION(1)));
		CHECK_EQ(info_of(as).tables, 1);
		CHECK_EQ(info_of(as).pages, 3);
	}
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.inplace_growths - s0.inplace_growths + s1.relocations - s0.relocations, 1);
	CHECK_EQ(s1.shrinks - s0.shrinks, 0);
	/* with no table left, the block goes back to pages A and B */
	STEP(vm_unmap(as, REGION(1) - PAGE_SIZE));
	CHECK_EQ(info_of(as).pages, 2);
	CHECK_EQ(stats_now().shrinks - s0.shrinks, 1);
	/* one table alone: mapping and unmapping its page never resizes the block */
	int b = vm_create();
	CHECK_GT(b, 0);
	s0 = stats_now();
	for (uint32_t i = 0; i < 10; i++) {
		STEP(vm_map(b, USER_LAST, DEVICE_PA, VM_USER));
		STEP(vm_unmap(b, USER_LAST));
		CHECK_EQ(info_of(b).pages, 2);
	}
	s1 = stats_now();
	CHECK_EQ(s1.inplace_growths - s0.inplace_growths + s1.relocations - s0.relocations, 0);
	CHECK_EQ(s1.shrinks - s0.shrinks, 0);
	STEP(vm_destroy(b));
	STEP(vm_destroy(as));
}

/*
 * 8 tables grown in place (9 pages); the block keeps its pages until a
 * quarter or less is used, then halves to twice what it uses, and with no
 * table left goes back to pages A and B.  It then grows again in place.
 */
static void block_grows_shrinks_and_grows_again(void)
{
	int as = fx_space_with_room(8);
	CHECK_GT(as, 0);
	paddr_t base = info_of(as).block;
	for (uint32_t r = 0; r < 8; r++)
		STEP(map_filled(as, REGION(r), 0x800 + r, URW, NULL));
	CHECK_EQ(info_of(as).pages, 9);
	struct vm_stats s0 = stats_now();
	for (uint32_t r = 7; r >= 2; r--) {
		STEP(vm_unmap(as, REGION(r)));
		CHECK_EQ(info_of(as).pages, 9); /* 3 of 9 pages used is more than a quarter */
	}
	CHECK_EQ(stats_now().shrinks - s0.shrinks, 0);
	STEP(vm_unmap(as, REGION(1)));
	CHECK_EQ(info_of(as).pages, 4);
	CHECK_EQ(stats_now().shrinks - s0.shrinks, 1);
	CHECK_EQ(frame_free_count(ZONE_KERNEL), fx_start.free_kernel - 4);
	STEP(vm_unmap(as, REGION(0)));
	CHECK_EQ(info_of(as).pages, 2);
	CHECK_EQ(info_of(as).tables, 0);
	CHECK_EQ(stats_now().shrinks - s0.shrinks, 2);
	CHECK_EQ(stats_now().table_moves - s0.table_moves, 0);
	CHECK_EQ(frame_free_count(ZONE_KERNEL), fx_start.free_kernel - 2);
	CHECK_EQ(frame_free_count(ZONE_USER), fx_start.free_user);
	s0 = stats_now();
	for (uint32_t r = 10; r < 13; r++)
		STEP(map_filled(as, REGION(r), 0x900 + r, URW, NULL));
	CHECK_EQ(info_of(as).pages, 4);
	CHECK_EQ(info_of(as).block, base);
	CHECK_EQ(stats_now().inplace_growths - s0.inplace_growths, 2);
	STEP(vm_activate(as));
	for (uint32_t r = 10; r < 13; r++)
		CHECK_READS(REGION(r) + 12, USR_RD, 0x900 + r);
	STEP(vm_activate(0));
	STEP(vm_destroy(as));
}

/* ---- bad input: an error code, and nothing changes ----------------------- */

/* A space with something in it, to snapshot around calls that must fail. */
static int populated_space(void)
{
	int as = vm_create();

	if (as < 0)
		return as;
	int rc = map_filled(as, REGION(0) + PAGE(3), 0x77, URW, NULL);
	if (rc == 0)
		rc = vm_map_range(as, REGION(2) - PAGE(1), DEVICE_PA, 2, VM_USER);
	if (rc < 0) {
		vm_destroy(as);
		return rc;
	}
	return as;
}

static int never_called(vaddr_t va, const struct vm_mapping *m, void *ctx)
{
	(void)va, (void)m;
	(*(int *)ctx)++;
	return 0;
}

/* Every call that takes a handle, with handle h: each must say -E_BADH. */
static void check_handle_rejected(int h, paddr_t frame)
{
	struct vm_mapping m;
	struct vm_space_info info;
	paddr_t pa;
	int visits = 0;

	CHECK_ERR(vm_map(h, REGION(0), frame, URW), E_BADH);
	CHECK_ERR(vm_map_range(h, REGION(0), frame, 1, URW), E_BADH);
	CHECK_ERR(vm_map_zero(h, REGION(0), URW), E_BADH);
	CHECK_ERR(vm_unmap(h, REGION(0) + PAGE(3)), E_BADH);
	CHECK_ERR(vm_unmap_range(h, REGION(0), 8), E_BADH);
	CHECK_ERR(vm_protect(h, REGION(0) + PAGE(3), 1, VM_USER), E_BADH);
	CHECK_ERR(vm_query(h, REGION(0) + PAGE(3), &m), E_BADH);
	CHECK_ERR(vm_translate(h, REGION(0) + PAGE(3), &pa), E_BADH);
	CHECK_ERR(vm_clone(h, VM_CLONE_COW), E_BADH);
	CHECK_ERR(vm_clone(h, VM_CLONE_EAGER), E_BADH);
	CHECK_ERR(vm_fault(h, REGION(0) + PAGE(3), PF_P | PF_W | PF_U), E_BADH);
	CHECK_ERR(vm_iterate(h, never_called, &visits), E_BADH);
	CHECK_EQ(visits, 0);
	CHECK_ERR(vm_info(h, &info), E_BADH);
	CHECK_ERR(vm_destroy(h), E_BADH);
	if (h != TRK_MASTER)
		CHECK_ERR(vm_activate(h), E_BADH);
}

static void bad_freed_and_master_handles_are_rejected(void)
{
	static pde_t master_pd[PT_ENTRIES];

	int as = populated_space();
	CHECK_GT(as, 0);
	int freed = vm_create();
	CHECK_GT(freed, 0);
	STEP(vm_destroy(freed));
	paddr_t frame = fx_user_frame(0x99);
	memcpy(master_pd, ptb_pd(trk_get(TRK_MASTER)), sizeof(master_pd));
	const int handles[] = { freed, TRK_MASTER, -1, -E_BADH, (int)TRK_MAX, (int)TRK_MAX + 1,
				600, 0x7FFFFFFF, (int)0x80000000u };
	int live = vm_live();
	fx_snap(as, &snap);
	for (uint32_t i = 0; i < ARRAY_SIZE(handles); i++) {
		check_handle_rejected(handles[i], frame);
		if (test_failed()) {
			kprintf("  (handle %d)\n", handles[i]);
			return;
		}
		CHECK_OK(vm_check());
	}
	CHECK(fx_same(as, &snap));
	CHECK_MEM_EQ(ptb_pd(trk_get(TRK_MASTER)), master_pd, sizeof(master_pd));
	CHECK_EQ(frame_refcount(frame), 1);
	CHECK_EQ(vm_live(), live);
	CHECK_OK(vm_activate(TRK_MASTER)); /* the master can be made live, nothing else */
	CHECK_EQ(vm_live(), TRK_MASTER);
	CHECK_OK(frame_free(frame));
	STEP(vm_destroy(as));
}

static void unaligned_addresses_and_empty_ranges_are_rejected(void)
{
	int as = populated_space();
	CHECK_GT(as, 0);
	paddr_t frame = fx_user_frame(0x98);
	vaddr_t odd = REGION(1) + 0x10;
	fx_snap(as, &snap);
	CHECK_ERR(vm_map(as, odd, frame, URW), E_INVAL);
	CHECK_ERR(vm_map_range(as, odd, frame, 1, URW), E_INVAL);
	CHECK_ERR(vm_map_zero(as, odd, URW), E_INVAL);
	CHECK_ERR(vm_unmap(as, REGION(0) + PAGE(3) + 4), E_INVAL);
	CHECK_ERR(vm_unmap_range(as, REGION(0) + PAGE(3) + 4, 1), E_INVAL);
	CHECK_ERR(vm_protect(as, REGION(0) + PAGE(3) + 0x800, 1, VM_USER), E_INVAL);
	CHECK_ERR(vm_map(as, REGION(1), frame + 8, URW), E_INVAL);
	CHECK_ERR(vm_map_range(as, REGION(1), DEVICE_PA + 1, 2, URW), E_INVAL);
	CHECK_ERR(vm_map_range(as, REGION(1), DEVICE_PA, 0, URW), E_INVAL);
	CHECK_ERR(vm_unmap_range(as, REGION(0), 0), E_INVAL);
	CHECK_ERR(vm_protect(as, REGION(0) + PAGE(3), 0, VM_USER), E_INVAL);
	CHECK_ERR(vm_clone(as, (enum vm_clone_mode)7), E_INVAL);
	CHECK_OK(vm_check());
	CHECK(fx_same(as, &snap));
	CHECK_EQ(frame_refcount(frame), 1);
	CHECK_OK(frame_free(frame));
	STEP(vm_destroy(as));
}

static void kernel_space_addresses_are_rejected(void)
{
	static const vaddr_t kernel_va[] = { 0, PAGE_SIZE, MiB(1), MiB(8), KMAP_BASE,
					     USER_BASE - PAGE_SIZE };
	struct vm_mapping m;
	paddr_t pa;

	int as = populated_space();
	CHECK_GT(as, 0);
	paddr_t frame = fx_user_frame(0x97);
	fx_snap(as, &snap);
	for (uint32_t i = 0; i < ARRAY_SIZE(kernel_va); i++) {
		vaddr_t va = kernel_va[i];
		CHECK_ERR(vm_map(as, va, frame, URW), E_RANGE);
		CHECK_ERR(vm_map_range(as, va, frame, 1, URW), E_RANGE);
		CHECK_ERR(vm_map_zero(as, va, URW), E_RANGE);
		CHECK_ERR(vm_unmap(as, va), E_RANGE);
		CHECK_ERR(vm_unmap_range(as, va, 1), E_RANGE);
		CHECK_ERR(vm_protect(as, va, 1, URW), E_RANGE);
		CHECK_ERR(vm_query(as, va, &m), E_RANGE);
		CHECK_ERR(vm_translate(as, va + 4, &pa), E_RANGE);
		CHECK_ERR(vm_fault(as, va, PF_P | PF_W), E_FAULT);
	}
	/* a range that starts in kernel space and reaches into user space */
	CHECK_ERR(vm_map_range(as, USER_BASE - PAGE_SIZE, DEVICE_PA, 2, URW), E_RANGE);
	CHECK_ERR(vm_unmap_range(as, USER_BASE - PAGE_SIZE, 5), E_RANGE);
	CHECK_ERR(vm_protect(as, KMAP_BASE, 1024 + 4, URW), E_RANGE);
	CHECK_OK(vm_check());
	CHECK(fx_same(as, &snap));
	CHECK_OK(frame_free(frame));
	STEP(vm_destroy(as));
}

static void ranges_that_wrap_past_4_gib_are_rejected(void)
{
	const uint32_t user_pages = (0u - USER_BASE) / PAGE_SIZE;

	int as = populated_space();
	CHECK_GT(as, 0);
	fx_snap(as, &snap);
	CHECK_ERR(vm_map_range(as, USER_LAST, DEVICE_PA, 2, URW), E_RANGE);
	CHECK_ERR(vm_unmap_range(as, USER_LAST, 2), E_RANGE);
	CHECK_ERR(vm_protect(as, USER_LAST, 2, URW), E_RANGE);
	CHECK_ERR(vm_map_range(as, USER_BASE, DEVICE_PA, user_pages + 1, URW), E_RANGE);
	CHECK_ERR(vm_unmap_range(as, USER_BASE, user_pages + 1), E_RANGE);
	CHECK_ERR(vm_unmap_range(as, REGION(0) + PAGE(3), UINT32_MAX), E_RANGE);
	CHECK_ERR(vm_protect(as, REGION(0) + PAGE(3), 0x80000000u, VM_USER), E_RANGE);
	/* frames that would wrap past 4 GiB */
	CHECK_ERR(vm_map_range(as, REGION(5), 0xFFFFF000u, 2, VM_USER), E_RANGE);
	CHECK_ERR(vm_map_range(as, REGION(5), DEVICE_PA, 0x10001, VM_USER), E_RANGE);
	CHECK_OK(vm_check());
	CHECK(fx_same(as, &snap));
	/* the very end is fine */
	STEP(vm_map_range(as, USER_LAST - PAGE_SIZE, 0xFFFFE000u, 2, VM_USER));
	CHECK_EQ(query_pa(as, USER_LAST), 0xFFFFF000u);
	STEP(vm_unmap_range(as, USER_BASE, user_pages));
	CHECK_EQ(info_of(as).mapped, 0);
	STEP(vm_destroy(as));
}

static void unknown_flag_bits_are_rejected(void)
{
	static const uint32_t bad[] = { PG_P, PG_PWT, PG_PCD, PG_A, PG_D, PG_PS, PG_G, VM_COW,
					PG_COW_W, BIT(11), BIT(12), BIT(31) };

	int as = populated_space();
	CHECK_GT(as, 0);
	paddr_t frame = fx_user_frame(0x96);
	fx_snap(as, &snap);
	for (uint32_t i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_ERR(vm_map(as, REGION(1), frame, URW | bad[i]), E_INVAL);
		CHECK_ERR(vm_map_range(as, REGION(1), DEVICE_PA, 4, VM_USER | bad[i]), E_INVAL);
		CHECK_ERR(vm_map_zero(as, REGION(1), bad[i]), E_INVAL);
		CHECK_ERR(vm_protect(as, REGION(0) + PAGE(3), 1, VM_USER | bad[i]), E_INVAL);
	}
	CHECK_OK(vm_check());
	CHECK(fx_same(as, &snap));
	CHECK_EQ(frame_refcount(frame), 1);
	CHECK_OK(frame_free(frame));
	STEP(vm_destroy(as));
}

/*
 * One page mapped in the middle of a range that also needs a new table:
 *
 *   REGION(5) - 4 pages ... REGION(5) + 3 pages    (8 pages)
 *   no table yet          | REGION(5) + 1 mapped
 *
 * The whole range is refused: no page mapped, no table linked, no growth.
 */
static void mapping_over_a_mapped_page_refuses_the_whole_range(void)
{
	int as = populated_space();
	CHECK_GT(as, 0);
	STEP(map_filled(as, REGION(5) + PAGE(1), 0x31, URW, NULL));
	paddr_t frame = fx_user_frame(0x95);
	fx_snap(as, &snap);
	CHECK_ERR(vm_map_range(as, REGION(5) - PAGE(4), DEVICE_PA, 8, URW), E_EXIST);
	CHECK_ERR(vm_map(as, REGION(5) + PAGE(1), frame, URW), E_EXIST);
	CHECK_ERR(vm_map_zero(as, REGION(5) + PAGE(1), URW), E_EXIST);
	CHECK_ERR(vm_map_range(as, REGION(2) - PAGE(1), DEVICE_PA, 1, URW), E_EXIST);
	CHECK_OK(vm_check());
	CHECK(fx_same(as, &snap));
	CHECK_ERR(query_rc(as, REGION(5) - PAGE(4)), E_NOENT);
	CHECK_ERR(query_rc(as, REGION(5)), E_NOENT);
	CHECK(!pde_present(pde_of(as, REGION(4))));
	CHECK_EQ(frame_refcount(frame), 1);
	CHECK_EQ(fx_frame_word(query_pa(as, REGION(5) + PAGE(1))), 0x31);
	CHECK_OK(frame_free(frame));
	STEP(vm_destroy(as));
}

static void unmapping_or_protecting_a_hole_is_refused(void)
{
	int as = populated_space();
	CHECK_GT(as, 0);
	STEP(map_filled(as, REGION(0) + PAGE(4), 0x41, URW, NULL));
	STEP(map_filled(as, REGION(0) + PAGE(6), 0x42, URW, NULL));
	fx_snap(as, &snap);
	CHECK_ERR(vm_unmap(as, REGION(0) + PAGE(5)), E_NOENT);     /* in a table */
	CHECK_ERR(vm_unmap(as, REGION(7)), E_NOENT);               /* no table */
	CHECK_ERR(vm_protect(as, REGION(0) + PAGE(3), 4, VM_USER), E_NOENT);
	CHECK_ERR(vm_protect(as, REGION(2) - PAGE(1), 3, VM_USER), E_NOENT); /* a hole last */
	CHECK_ERR(vm_protect(as, REGION(7), 1, VM_USER), E_NOENT);
	CHECK_OK(vm_check());
	CHECK(fx_same(as, &snap));
	CHECK_EQ(query_flags(as, REGION(0) + PAGE(3)), URW);
	STEP(vm_protect(as, REGION(0) + PAGE(3), 2, VM_USER)); /* without the hole: fine */
	CHECK_EQ(query_flags(as, REGION(0) + PAGE(4)), VM_USER);
	STEP(vm_destroy(as));
}

static void kernel_zone_frames_cannot_be_mapped(void)
{
	paddr_t x = frame_kzone_end(), kframe;

	int as = populated_space();
	CHECK_GT(as, 0);
	CHECK_OK(frame_alloc(ZONE_KERNEL, &kframe));
	const paddr_t bad[] = { info_of(as).block, trk_page_addr(0), kframe, MiB(1),
				x - PAGE_SIZE };
	fx_snap(as, &snap);
	for (uint32_t i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_ERR(vm_map(as, REGION(1), bad[i], URW), E_RANGE);
		CHECK_ERR(vm_map_range(as, REGION(1), bad[i], 1, VM_USER), E_RANGE);
	}
	/* runs that reach into the kernel zone from either side */
	CHECK_ERR(vm_map_range(as, REGION(1), MiB(1) - PAGE_SIZE, 2, VM_USER), E_RANGE);
	CHECK_ERR(vm_map_range(as, REGION(1), x - PAGE_SIZE, 2, VM_USER), E_RANGE);
	CHECK_ERR(vm_map_range(as, REGION(1), 0, (x >> PAGE_SHIFT) + 1, VM_USER), E_RANGE);
	CHECK_OK(vm_check());
	CHECK(fx_same(as, &snap));
	CHECK_EQ(frame_refcount(kframe), 1);
	CHECK_OK(frame_free(kframe));
	/* the first MiB is not the kernel zone: not owned, mapped without references */
	struct fx_counts before, after;
	fx_counts(&before);
	STEP(vm_map(as, REGION(0) + PAGE(9), 0x000B8000, VM_WRITE));
	STEP(vm_unmap(as, REGION(0) + PAGE(9)));
	fx_counts(&after);
	CHECK_MEM_EQ(&after, &before, sizeof(before));
	STEP(vm_destroy(as));
}

static void free_frames_cannot_be_mapped(void)
{
	int as = populated_space();
	CHECK_GT(as, 0);
	paddr_t frame = fx_user_frame(0x94);
	CHECK_OK(frame_free(frame));
	fx_snap(as, &snap);
	CHECK_ERR(vm_map(as, REGION(1), frame, URW), E_FREE);
	CHECK_ERR(vm_map_range(as, REGION(1), frame, 1, URW), E_FREE);
	CHECK_OK(vm_check());
	CHECK(fx_same(as, &snap));
	CHECK_EQ(frame_refcount(frame), 0);
	STEP(vm_destroy(as));
}

static void the_live_space_cannot_be_destroyed(void)
{
	int as = populated_space();
	CHECK_GT(as, 0);
	STEP(vm_activate(as));
	fx_snap(as, &snap);
	CHECK_ERR(vm_destroy(as), E_BUSY);
	CHECK_OK(vm_check());
	CHECK(fx_same(as, &snap));
	CHECK_EQ(vm_live(), as);
	CHECK_EQ(hw_cr3(), info_of(as).block);
	CHECK_READS(REGION(0) + PAGE(3), USR_RD, 0x77);
	STEP(vm_activate(0));
	CHECK_EQ(vm_live(), TRK_MASTER);
	CHECK_EQ(hw_cr3(), trk_base(trk_get(TRK_MASTER)));
	STEP(vm_destroy(as));
}

/* ---- the TLB ------------------------------------------------------------ */

static void unmapping_a_live_page_is_seen_at_once(void)
{
	int as = vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, REGION(0), 0x10, URW, NULL));
	STEP(map_filled(as, REGION(0) + PAGE(1), 0x11, URW, NULL));
	STEP(vm_activate(as));
	CHECK_WRITES(REGION(0), USR_WR, 0x20);
	CHECK_READS(REGION(0) + PAGE(1), USR_RD, 0x11);
	struct vm_stats s0 = stats_now();
	STEP(vm_unmap(as, REGION(0)));
	CHECK_GT(stats_now().invlpgs, s0.invlpgs);
	CHECK_FAULTS(REGION(0), USR_RD, PF_U);
	CHECK_FAULTS(REGION(0), SUP_WR, PF_W);
	CHECK_READS(REGION(0) + PAGE(1), USR_RD, 0x11);
	/* past TLB_RANGE_FLUSH pages, one flush instead of invlpg per page */
	STEP(map_filled(as, REGION(0) + PAGE(40), 0x12, URW, NULL));
	CHECK_READS(REGION(0) + PAGE(40), USR_RD, 0x12);
	s0 = stats_now();
	STEP(vm_unmap_range(as, REGION(0), TLB_RANGE_FLUSH + 20));
	CHECK_EQ(stats_now().tlb_flushes - s0.tlb_flushes, 1);
	CHECK_FAULTS(REGION(0) + PAGE(1), USR_RD, PF_U);
	CHECK_FAULTS(REGION(0) + PAGE(40), USR_RD, PF_U);
	STEP(vm_activate(0));
	STEP(vm_destroy(as));
}

static void narrowing_a_live_page_is_seen_at_once(void)
{
	vaddr_t va = REGION(4) + PAGE(4);

	int as = vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, va, 0x40, URW, NULL));
	STEP(vm_activate(as));
	CHECK_WRITES(va, USR_WR, 0x41); /* cached writable and dirty */
	struct vm_stats s0 = stats_now();
	STEP(vm_protect(as, va, 1, VM_USER));
	CHECK_GT(stats_now().invlpgs, s0.invlpgs);
	CHECK_FAULTS(va, USR_WR, PF_P | PF_W | PF_U);
	CHECK_FAULTS(va, SUP_WR, PF_P | PF_W);
	CHECK_READS(va, USR_RD, 0x41);
	STEP(vm_protect(as, va, 1, 0)); /* now the kernel's only */
	CHECK_FAULTS(va, USR_RD, PF_P | PF_U);
	CHECK_READS(va, SUP_RD, 0x41);
	STEP(vm_protect(as, va, 1, URW)); /* and widened again */
	CHECK_WRITES(va, USR_WR, 0x42);
	CHECK_READS(va, USR_RD, 0x42);
	STEP(vm_activate(0));
	STEP(vm_destroy(as));
}

static void changes_to_a_space_not_live_skip_the_tlb(void)
{
	int a = vm_create(), b = vm_create();
	CHECK_GT(a, 0);
	CHECK_GT(b, 0);
	STEP(map_filled(b, REGION(1), 0x50, URW, NULL));
	STEP(map_filled(b, REGION(1) + PAGE(1), 0x51, URW, NULL));
	STEP(vm_activate(b));
	CHECK_WRITES(REGION(1), USR_WR, 0x52);
	CHECK_READS(REGION(1) + PAGE(1), USR_RD, 0x51);
	STEP(vm_activate(a));
	struct vm_stats s0 = stats_now();
	STEP(vm_protect(b, REGION(1), 1, VM_USER));
	STEP(vm_unmap(b, REGION(1) + PAGE(1)));
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.invalidations_skipped - s0.invalidations_skipped, 2);
	CHECK_EQ(s1.invlpgs, s0.invlpgs);
	CHECK_EQ(s1.tlb_flushes, s0.tlb_flushes);
	STEP(vm_activate(b));
	CHECK_FAULTS(REGION(1), USR_WR, PF_P | PF_W | PF_U);
	CHECK_READS(REGION(1), USR_RD, 0x52);
	CHECK_FAULTS(REGION(1) + PAGE(1), USR_RD, PF_U);
	STEP(vm_activate(0));
	STEP(vm_destroy(a));
	STEP(vm_destroy(b));
}

/* Write w into the first word of frame pa, as a system call's copy-out does (kmap). */
static void set_frame_word(paddr_t pa, uint32_t w)
{
	vaddr_t va = kmap(pa);

	*(uint32_t *)hw_kva(va) = w;
	kunmap(va);
}

/*
 * A system call that copies out to a copy-on-write page breaks the sharing
 * with vm_fault before it writes, without a fault: the read-only
 * translation the process used before must not outlive it, whether the
 * page was copied (the process would read the old frame) or reused (a
 * write would fault again).
 */
static void breaking_cow_without_a_fault_is_seen_at_once(void)
{
	vaddr_t copied = REGION(2) + PAGE(3), reused = REGION(2) + PAGE(4);
	paddr_t old;

	int p = vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, copied, 0x70, URW, &old));
	STEP(map_filled(p, reused, 0x74, URW, NULL));
	int c = vm_clone(p, VM_CLONE_COW);
	CHECK_GT(c, 0);
	STEP(vm_unmap(c, reused)); /* p is its last owner */
	STEP(vm_activate(p));
	CHECK_READS(copied, USR_RD, 0x70); /* cached read-only */
	CHECK_READS(reused, USR_RD, 0x74);
	struct vm_stats s0 = stats_now();
	STEP(vm_fault(p, copied, PF_P | PF_W | PF_U));
	STEP(vm_fault(p, reused, PF_P | PF_W | PF_U));
	CHECK_EQ(stats_now().cow_copies - s0.cow_copies, 1);
	CHECK_EQ(stats_now().cow_reuses - s0.cow_reuses, 1);
	paddr_t copy = query_pa(p, copied);
	CHECK_NE(copy, old);
	set_frame_word(copy, 0x71);
	CHECK_READS(copied, USR_RD, 0x71);
	CHECK_WRITES(reused, USR_WR, 0x75);
	CHECK_READS(reused, USR_RD, 0x75);
	CHECK_EQ(fx_frame_word(old), 0x70);
	STEP(vm_activate(0));
	STEP(vm_destroy(c));
	STEP(vm_destroy(p));
}

/*
 * An unlinked table's slot may serve another region at once: a CPU that
 * kept the old PDE in its paging-structure cache would walk the new table
 * for the old region.  (QEMU has no such cache: only the host sees it.)
 */
static void an_unlinked_table_is_not_walked_again(void)
{
	vaddr_t gone = REGION(0) + PAGE(3), other = REGION(5) + PAGE(3);
	/* filled now: the kunmap of a fill invalidates, which would hide a missing one */
	paddr_t f = fx_user_frame(0x81);

	int as = vm_create();
	CHECK_GT(as, 0);
	STEP(map_filled(as, gone, 0x80, URW, NULL));
	STEP(vm_activate(as));
	CHECK_READS(gone, USR_RD, 0x80); /* the PDE is walked, and may be cached */
	STEP(vm_unmap(as, gone));
	CHECK_EQ(info_of(as).tables, 0);
	STEP(vm_map(as, other, f, URW));
	CHECK_EQ(slot_of(as, other), 1); /* the slot the unlinked table had */
	CHECK_READS(other, USR_RD, 0x81);
	CHECK_FAULTS(gone, USR_RD, PF_U);
	CHECK_FAULTS(gone, SUP_WR, PF_W);
	STEP(vm_activate(0));
	STEP(vm_destroy(as));
}

/*
 * Each invalidation is counted where it is decided: a kernel page's always
 * (a kmap window, whatever space is live), a range's of a space not live
 * as one skipped flush.
 */
static void invalidations_are_counted_where_they_are_decided(void)
{
	int a = vm_create(), b = vm_create();
	CHECK_GT(a, 0);
	CHECK_GT(b, 0);
	STEP(map_filled(b, REGION(3), 0x90, URW, NULL));
	STEP(map_filled(b, REGION(3) + PAGE(50), 0x91, URW, NULL));
	STEP(map_filled(b, REGION(3) + PAGE(60), 0x92, URW, NULL)); /* keeps the table */
	STEP(vm_activate(a));
	struct vm_stats s0 = stats_now();
	CHECK_EQ(fx_frame_word(query_pa(b, REGION(3))), 0x90); /* a kmap window, mapped and dropped */
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.invlpgs - s0.invlpgs, 1);
	CHECK_EQ(s1.invalidations_skipped, s0.invalidations_skipped);
	STEP(vm_unmap_range(b, REGION(3), TLB_RANGE_FLUSH + 20));
	struct vm_stats s2 = stats_now();
	CHECK_EQ(s2.invalidations_skipped - s1.invalidations_skipped, 1);
	CHECK_EQ(s2.tlb_flushes, s1.tlb_flushes);
	CHECK_EQ(s2.invlpgs, s1.invlpgs);
	CHECK_EQ(info_of(b).mapped, 1);
	STEP(vm_activate(0));
	STEP(vm_destroy(a));
	STEP(vm_destroy(b));
}

/* ---- clones and copy-on-write ------------------------------------------ */

static void cow_clone_shares_frames_read_only(void)
{
	paddr_t pa[2];

	int p = vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, REGION(0), 0x11, URW, &pa[0]));
	STEP(map_filled(p, REGION(9) + PAGE(2), 0x22, URW, &pa[1]));
	STEP(vm_activate(p));
	CHECK_WRITES(REGION(0), USR_WR, 0x33); /* the parent's TLB holds it writable */
	struct vm_stats s0 = stats_now();
	int c = vm_clone(p, VM_CLONE_COW);
	CHECK_GT(c, 0);
	CHECK_OK(vm_check());
	CHECK_EQ(stats_now().spaces, s0.spaces + 1);
	for (uint32_t i = 0; i < 2; i++) {
		vaddr_t va = i == 0 ? REGION(0) : REGION(9) + PAGE(2);
		CHECK_EQ(query_pa(p, va), pa[i]);
		CHECK_EQ(query_pa(c, va), pa[i]);
		CHECK_EQ(query_flags(p, va), URW | VM_COW);
		CHECK_EQ(query_flags(c, va), URW | VM_COW);
		CHECK_EQ(frame_refcount(pa[i]), 2);
	}
	CHECK_EQ(info_of(c).tables, info_of(p).tables);
	CHECK_EQ(info_of(c).mapped, 2);
	CHECK_FAULTS(REGION(0), USR_WR, PF_P | PF_W | PF_U);
	CHECK_FAULTS(REGION(0), SUP_WR, PF_P | PF_W);
	CHECK_READS(REGION(0), USR_RD, 0x33);
	STEP(vm_activate(c));
	CHECK_READS(REGION(0), USR_RD, 0x33);
	CHECK_READS(REGION(9) + PAGE(2), USR_RD, 0x22);
	CHECK_FAULTS(REGION(9) + PAGE(2), USR_WR, PF_P | PF_W | PF_U);
	CHECK_EQ(frame_free_count(ZONE_USER), fx_start.free_user - 2);
	STEP(vm_activate(0));
	STEP(vm_destroy(c));
	CHECK_EQ(frame_refcount(pa[0]), 1);
	STEP(vm_destroy(p));
}

/* Write at va of the live space, taking the copy-on-write fault as the kernel would. */
static int write_through_fault(int as, vaddr_t va, uint32_t val)
{
	uint32_t v = val, rc = probe(va, USR_WR, &v);

	if (rc == 0)
		return 0;
	if (rc != FAULTED(PF_P | PF_W | PF_U))
		return -E_INVAL;
	int err = vm_fault(as, va, rc & ~PROBE_FAULTED);
	if (err < 0)
		return err;
	v = val;
	return probe(va, USR_WR, &v) == 0 ? 0 : -E_FAULT;
}

static void cow_write_gives_the_writer_a_private_copy(void)
{
	paddr_t old;

	int p = vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, REGION(0), 0x11, URW, &old));
	int c = vm_clone(p, VM_CLONE_COW);
	CHECK_GT(c, 0);
	STEP(vm_activate(p));
	struct vm_stats s0 = stats_now();
	CHECK_FAULTS(REGION(0) + 8, USR_WR, PF_P | PF_W | PF_U);
	STEP(vm_fault(p, REGION(0) + 8, PF_P | PF_W | PF_U));
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.cow_copies - s0.cow_copies, 1);
	CHECK_EQ(s1.cow_reuses - s0.cow_reuses, 0);
	paddr_t copy = query_pa(p, REGION(0));
	CHECK_NE(copy, old);
	CHECK_EQ(query_flags(p, REGION(0)), URW);
	CHECK_EQ(query_pa(c, REGION(0)), old);
	CHECK_EQ(query_flags(c, REGION(0)), URW | VM_COW);
	CHECK_EQ(frame_refcount(old), 1);
	CHECK_EQ(frame_refcount(copy), 1);
	CHECK_READS(REGION(0) + 0x800, USR_RD, 0x11); /* the data came along */
	CHECK_WRITES(REGION(0), USR_WR, 0x99);
	CHECK_READS(REGION(0), USR_RD, 0x99);
	CHECK_EQ(fx_frame_word(copy), 0x99);
	CHECK_EQ(fx_frame_word(old), 0x11);
	STEP(vm_activate(c));
	CHECK_READS(REGION(0), USR_RD, 0x11);
	STEP(vm_activate(0));
	STEP(vm_destroy(c));
	STEP(vm_destroy(p));
}

static void cow_last_owner_writes_in_place(void)
{
	paddr_t pa[2];

	int p = vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, REGION(0), 0x61, URW, &pa[0]));
	STEP(map_filled(p, REGION(0) + PAGE(1), 0x62, URW, &pa[1]));
	int c = vm_clone(p, VM_CLONE_COW);
	CHECK_GT(c, 0);
	/* the parent copies page 0; then the child is its frame's last owner */
	STEP(vm_activate(p));
	STEP(write_through_fault(p, REGION(0), 0x71));
	STEP(vm_activate(c));
	struct vm_stats s0 = stats_now();
	STEP(write_through_fault(c, REGION(0), 0x72));
	struct vm_stats s1 = stats_now();
	CHECK_EQ(s1.cow_reuses - s0.cow_reuses, 1);
	CHECK_EQ(s1.cow_copies - s0.cow_copies, 0);
	CHECK_EQ(query_pa(c, REGION(0)), pa[0]);
	CHECK_EQ(query_flags(c, REGION(0)), URW);
	CHECK_EQ(frame_refcount(pa[0]), 1);
	CHECK_EQ(fx_frame_word(pa[0]), 0x72);
	/* page 1: the child goes away, and the parent writes in place */
	STEP(vm_activate(0));
	STEP(vm_destroy(c));
	CHECK_EQ(frame_refcount(pa[1]), 1);
	CHECK_EQ(query_flags(p, REGION(0) + PAGE(1)), URW | VM_COW);
	STEP(vm_activate(p));
	s0 = stats_now();
	STEP(write_through_fault(p, REGION(0) + PAGE(1), 0x73));
	s1 = stats_now();
	CHECK_EQ(s1.cow_reuses - s0.cow_reuses, 1);
	CHECK_EQ(s1.cow_copies - s0.cow_copies, 0);
	CHECK_EQ(query_pa(p, REGION(0) + PAGE(1)), pa[1]);
	CHECK_EQ(query_flags(p, REGION(0) + PAGE(1)), URW);
	CHECK_READS(REGION(0) + PAGE(1), USR_RD, 0x73);
	CHECK_READS(REGION(0), USR_RD, 0x71);
	CHECK_EQ(frame_free_count(ZONE_USER), fx_start.free_user - 2);
	STEP(vm_activate(0));
	STEP(vm_destroy(p));
}

static void protect_keeps_cow_pages_shared(void)
{
	paddr_t pa;

	int p = vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, REGION(2), 0x81, URW, &pa));
	int c = vm_clone(p, VM_CLONE_COW);
	CHECK_GT(c, 0);
	STEP(vm_protect(p, REGION(2), 1, VM_USER)); /* read-only: still shared */
	CHECK_EQ(query_flags(p, REGION(2)), VM_USER | VM_COW);
	CHECK_EQ(query_pa(p, REGION(2)), pa);
	CHECK_EQ(frame_refcount(pa), 2);
	STEP(vm_activate(p));
	CHECK_FAULTS(REGION(2), USR_WR, PF_P | PF_W | PF_U);
	fx_snap(p, &snap);
	CHECK_ERR(vm_fault(p, REGION(2), PF_P | PF_W | PF_U), E_FAULT);
	CHECK_OK(vm_check());
	CHECK(fx_same(p, &snap));
	STEP(vm_protect(p, REGION(2), 1, URW)); /* writable again: still shared */
	CHECK_EQ(query_flags(p, REGION(2)), URW | VM_COW);
	CHECK_EQ(query_pa(p, REGION(2)), pa);
	CHECK_EQ(frame_refcount(pa), 2);
	CHECK_FAULTS(REGION(2), USR_WR, PF_P | PF_W | PF_U);
	STEP(write_through_fault(p, REGION(2), 0x82));
	CHECK_NE(query_pa(p, REGION(2)), pa);
	CHECK_EQ(query_flags(p, REGION(2)), URW);
	CHECK_EQ(frame_refcount(pa), 1);
	STEP(vm_activate(c));
	CHECK_READS(REGION(2), USR_RD, 0x81);
	STEP(vm_activate(0));
	STEP(vm_destroy(c));
	STEP(vm_destroy(p));
}

static void eager_clone_copies_data_and_shares_nothing(void)
{
	paddr_t pa[2];

	int p = vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, REGION(0), 0x91, URW, &pa[0]));
	STEP(map_filled(p, REGION(300) + PAGE(7), 0x92, VM_USER, &pa[1]));
	STEP(vm_map(p, REGION(300), DEVICE_PA, URW));
	STEP(vm_activate(p));
	CHECK_WRITES(REGION(0) + 4, USR_WR, 0x93);
	int e = vm_clone(p, VM_CLONE_EAGER);
	CHECK_GT(e, 0);
	CHECK_OK(vm_check());
	CHECK_EQ(frame_free_count(ZONE_USER), fx_start.free_user - 4);
	for (uint32_t i = 0; i < 2; i++) {
		vaddr_t va = i == 0 ? REGION(0) : REGION(300) + PAGE(7);
		paddr_t mine = query_pa(e, va);
		CHECK_NE(mine, pa[i]);
		CHECK_EQ(query_flags(e, va), query_flags(p, va));
		CHECK_EQ(frame_refcount(mine), 1);
		CHECK_EQ(frame_refcount(pa[i]), 1);
		CHECK_EQ(fx_frame_word(mine), fx_frame_word(pa[i]));
	}
	CHECK_EQ(query_flags(p, REGION(0)), URW);
	CHECK_EQ(query_flags(p, REGION(300) + PAGE(7)), VM_USER);
	CHECK_EQ(query_pa(e, REGION(300)), DEVICE_PA); /* not ours to copy */
	CHECK_EQ(info_of(e).tables, info_of(p).tables);
	CHECK_EQ(info_of(e).mapped, 3);
	/* the parent writes on without a fault; the clone keeps its copy */
	CHECK_WRITES(REGION(0), USR_WR, 0x94);
	STEP(vm_activate(e));
	CHECK_READS(REGION(0), USR_RD, 0x91);
	CHECK_READS(REGION(0) + 4, USR_RD, 0x93);
	CHECK_READS(REGION(300) + PAGE(7), USR_RD, 0x92);
	CHECK_WRITES(REGION(0) + 8, USR_WR, 0x95);
	STEP(vm_activate(p));
	CHECK_READS(REGION(0) + 8, USR_RD, 0x91);
	STEP(vm_activate(0));
	STEP(vm_destroy(e));
	STEP(vm_destroy(p));
}

static void cow_clone_of_read_only_page_stays_read_only(void)
{
	paddr_t pa;

	int p = vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, REGION(1), 0xA1, VM_USER, &pa));
	int c = vm_clone(p, VM_CLONE_COW);
	CHECK_GT(c, 0);
	CHECK_OK(vm_check());
	CHECK_EQ(query_flags(p, REGION(1)), VM_USER | VM_COW);
	CHECK_EQ(query_flags(c, REGION(1)), VM_USER | VM_COW);
	CHECK_EQ(frame_refcount(pa), 2);
	STEP(vm_activate(c));
	CHECK_FAULTS(REGION(1), USR_WR, PF_P | PF_W | PF_U);
	fx_snap(c, &snap);
	CHECK_ERR(vm_fault(c, REGION(1), PF_P | PF_W | PF_U), E_FAULT);
	CHECK_ERR(vm_fault(c, REGION(1), PF_P | PF_W), E_FAULT);
	CHECK_OK(vm_check());
	CHECK(fx_same(c, &snap));
	CHECK_FAULTS(REGION(1), USR_WR, PF_P | PF_W | PF_U);
	CHECK_READS(REGION(1), USR_RD, 0xA1);
	STEP(vm_activate(0));
	STEP(vm_destroy(c));
	CHECK_EQ(frame_refcount(pa), 1);
	STEP(vm_destroy(p));
}

/*
 * A frame whose reference count is at its limit cannot be shared once more:
 * a copy-on-write clone is refused with -E_RANGE and changes nothing; an
 * eager clone, which copies, still works.
 */
/* Take references to frame pa until it has `want`; returns how many it took. */
static uint32_t refs_up_to(paddr_t pa, int want)
{
	uint32_t taken = 0;

	while (frame_refcount(pa) < want && frame_ref(pa) == 0)
		taken++;
	return taken;
}

/* Drop n references to pa, none of them its last. */
static void refs_drop(paddr_t pa, uint32_t n)
{
	for (; n > 0; n--)
		CHECK_GT(frame_unref(pa), 0);
}

static void cow_clone_of_a_frame_at_its_reference_limit_is_refused(void)
{
	paddr_t pa;
	uint32_t extra;

	int p = vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, REGION(0), 0xA2, URW, &pa));
	STEP(map_filled(p, REGION(3), 0xA3, URW, NULL));
	extra = refs_up_to(pa, UINT16_MAX);
	CHECK_EQ(frame_refcount(pa), UINT16_MAX);
	fx_snap(p, &snap);
	CHECK_ERR(vm_clone(p, VM_CLONE_COW), E_RANGE);
	CHECK_OK(vm_check());
	CHECK(fx_same(p, &snap));
	CHECK_EQ(query_flags(p, REGION(0)), URW);
	int c = vm_clone(p, VM_CLONE_EAGER);
	CHECK_GT(c, 0);
	CHECK_OK(vm_check());
	CHECK_NE(query_pa(c, REGION(0)), pa);
	STEP(vm_destroy(c));
	refs_drop(pa, extra);
	CHECK_EQ(frame_refcount(pa), 1);
	STEP(vm_destroy(p));
}

/* A frame mapped twice takes two references in a clone: one short of the limit is too few. */
static void cow_clone_counts_each_mapping_of_a_frame(void)
{
	paddr_t pa;
	uint32_t extra;

	int p = vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, REGION(0), 0xA4, URW, &pa));
	CHECK_OK(frame_ref(pa));
	STEP(vm_map(p, REGION(0) + PAGE(1), pa, URW));
	STEP(map_filled(p, REGION(3), 0xA5, URW, NULL));
	extra = refs_up_to(pa, UINT16_MAX - 1);
	CHECK_EQ(frame_refcount(pa), UINT16_MAX - 1);
	fx_snap(p, &snap);
	CHECK_ERR(vm_clone(p, VM_CLONE_COW), E_RANGE);
	CHECK_OK(vm_check());
	CHECK(fx_same(p, &snap));
	CHECK_EQ(frame_refcount(pa), UINT16_MAX - 1);
	CHECK_GT(frame_unref(pa), 0);
	extra--;
	int c = vm_clone(p, VM_CLONE_COW);
	CHECK_GT(c, 0);
	CHECK_EQ(frame_refcount(pa), UINT16_MAX);
	STEP(vm_destroy(c));
	refs_drop(pa, extra);
	CHECK_EQ(frame_refcount(pa), 2);
	STEP(vm_destroy(p));
}

/* A pinned frame may not be freed: an unmap that would drop its last reference is refused. */
static void unmapping_the_last_mapping_of_a_pinned_frame_is_refused(void)
{
	paddr_t pa;

	int p = vm_create();
	CHECK_GT(p, 0);
	STEP(map_filled(p, REGION(0), 0xA6, URW, &pa));
	STEP(map_filled(p, REGION(0) + PAGE(2), 0xA7, URW, NULL));
	CHECK_OK(frame_pin(pa));
	CHECK_EQ(frame_user_pinned(), 1);
	fx_snap(p, &snap);
	CHECK_ERR(vm_unmap(p, REGION(0)), E_BUSY);
	CHECK_ERR(vm_unmap_range(p, REGION(0), 3), E_BUSY);
	CHECK_ERR(vm_destroy(p), E_BUSY);
	CHECK_OK(vm_check());
	CHECK(fx_same(p, &snap));
	CHECK_EQ(frame_refcount(pa), 1);

	/* mapped twice: one mapping may go, not both */
	CHECK_OK(frame_ref(pa));
	STEP(vm_map(p, REGION(0) + PAGE(1), pa, URW));
	fx_snap(p, &snap);
	CHECK_ERR(vm_unmap_range(p, REGION(0), 2), E_BUSY);
	CHECK(fx_same(p, &snap));
	STEP(vm_unmap(p, REGION(0)));
	CHECK_ERR(vm_unmap(p, REGION(0) + PAGE(1)), E_BUSY);

	/* a clone's references are not the last */
	int c = vm_clone(p, VM_CLONE_COW);
	CHECK_GT(c, 0);
	STEP(vm_destroy(c));
	CHECK_EQ(frame_refcount(pa), 1);
	CHECK_OK(vm_check());

	CHECK_OK(frame_unpin(pa));
	CHECK_EQ(frame_user_pinned(), 0);
	STEP(vm_destroy(p));
}

static void faults_that_are_not_copy_on_write_are_left_to_the_caller(void)
{
	int as = populated_space();
	CHECK_GT(as, 0);
	STEP(map_filled(as, REGION(4), 0xB1, VM_USER, NULL));
	STEP(map_filled(as, REGION(4) + PAGE(1), 0xB2, VM_WRITE, NULL));
	fx_snap(as, &snap);
	CHECK_ERR(vm_fault(as, REGION(4) + PAGE(2), PF_U), E_FAULT);        /* no PTE */
	CHECK_ERR(vm_fault(as, REGION(8), PF_W | PF_U), E_FAULT);           /* no table */
	CHECK_ERR(vm_fault(as, REGION(4), PF_P | PF_W | PF_U), E_FAULT);    /* read-only */
	CHECK_ERR(vm_fault(as, REGION(4), PF_P | PF_W), E_FAULT);
	CHECK_ERR(vm_fault(as, REGION(4) + PAGE(1), PF_P | PF_U), E_FAULT); /* supervisor */
	CHECK_ERR(vm_fault(as, MiB(1), PF_P | PF_U), E_FAULT);              /* the kernel */
	CHECK_OK(vm_check());
	CHECK(fx_same(as, &snap));
	/* an access the tables already allow: a stale TLB entry, dropped */
	CHECK_OK(vm_fault(as, REGION(0) + PAGE(3), PF_P | PF_W | PF_U));
	CHECK_OK(vm_fault(as, REGION(4), PF_U));
	CHECK_OK(vm_check());
	CHECK(fx_same(as, &snap));
	STEP(vm_destroy(as));
}

static void map_zero_gives_a_zeroed_frame(void)
{
	paddr_t dirty = fx_user_frame(0xDEADBEEF);

	int as = vm_create();
	CHECK_GT(as, 0);
	CHECK_OK(frame_free(dirty)); /* back on top of the free stack, still dirty */
	struct vm_stats s0 = stats_now();
	STEP(vm_map_zero(as, REGION(7) + PAGE(7), URW));
	CHECK_EQ(stats_now().zero_fills - s0.zero_fills, 1);
	CHECK_EQ(query_pa(as, REGION(7) + PAGE(7)), dirty);
	CHECK_EQ(query_flags(as, REGION(7) + PAGE(7)), URW);
	CHECK_EQ(frame_refcount(dirty), 1);
	STEP(vm_activate(as));
	for (uint32_t off = 0; off < PAGE_SIZE; off += 4)
		CHECK_READS(REGION(7) + PAGE(7) + off, USR_RD, 0);
	CHECK_WRITES(REGION(7) + PAGE(7), USR_WR, 1);
	STEP(vm_map_zero(as, REGION(7) + PAGE(8), VM_USER));
	CHECK_READS(REGION(7) + PAGE(8) + 0xFFC, USR_RD, 0);
	CHECK_FAULTS(REGION(7) + PAGE(8), USR_WR, PF_P | PF_W | PF_U);
	CHECK_EQ(frame_free_count(ZONE_USER), fx_start.free_user - 2);
	STEP(vm_activate(0));
	STEP(vm_destroy(as));
}

/* ---- iteration and dumps ----------------------------------------------- */

struct visit_log {
	uint32_t n, stop_at;
	vaddr_t va[8];
	struct vm_mapping m[8];
};

static int log_visit(vaddr_t va, const struct vm_mapping *m, void *ctx)
{
	struct visit_log *log = ctx;

	if (log->n < ARRAY_SIZE(log->va)) {
		log->va[log->n] = va;
		log->m[log->n] = *m;
	}
	log->n++;
	return log->n == log->stop_at ? 42 : 0;
}

static void iterate_visits_mappings_in_address_order(void)
{
	struct visit_log log = { 0 };
	paddr_t pa;

	int as = vm_create();
	CHECK_GT(as, 0);
	/* mapped out of order: the tables sit in the block in this order */
	STEP(vm_map(as, USER_LAST, DEVICE_PA + PAGE(3), URW));
	STEP(map_filled(as, REGION(300) + PAGE(5), 0xC1, VM_USER, &pa));
	STEP(vm_map(as, USER_BASE, DEVICE_PA, VM_WRITE));
	STEP(vm_map(as, REGION(300), DEVICE_PA + PAGE(1), URW));
	CHECK_OK(vm_iterate(as, log_visit, &log));
	CHECK_EQ(log.n, 4);
	const vaddr_t want_va[] = { USER_BASE, REGION(300), REGION(300) + PAGE(5), USER_LAST };
	const paddr_t want_pa[] = { DEVICE_PA, DEVICE_PA + PAGE(1), pa, DEVICE_PA + PAGE(3) };
	const uint32_t want_flags[] = { VM_WRITE, URW, VM_USER, URW };
	for (uint32_t i = 0; i < 4; i++) {
		CHECK_EQ(log.va[i], want_va[i]);
		CHECK_EQ(log.m[i].pa, want_pa[i]);
		CHECK_EQ(log.m[i].flags, want_flags[i]);
	}
	/* a visitor that says stop */
	log = (struct visit_log){ .stop_at = 2 };
	CHECK_EQ(vm_iterate(as, log_visit, &log), 42);
	CHECK_EQ(log.n, 2);
	CHECK_EQ(log.va[1], REGION(300));
	/* nothing mapped, nothing visited */
	int empty = vm_create();
	CHECK_GT(empty, 0);
	log = (struct visit_log){ 0 };
	CHECK_OK(vm_iterate(empty, log_visit, &log));
	CHECK_EQ(log.n, 0);
	STEP(vm_destroy(empty));
	STEP(vm_destroy(as));
}

/*
 * One line per run of pages with the same rights and contiguous frames:
 *
 *   address space 3: block 0x..., 4 pages, 3 tables, 9 pages mapped
 *   40000000-40003000 00003000 urw- f0000000     three pages, two vm_map calls
 *   40003000-40004000 00001000 ur-- <frame>      contiguous va, another frame
 *   40004000-40005000 00001000 -rw- f0003000     contiguous frame, other rights
 *   403ff000-40401000 00002000 urw- f0010000     across a table boundary
 *   fffff000-100000000 00001000 urw- f0020000    ends at 4 GiB
 */
static void dump_prints_one_line_per_range(void)
{
	static char got[2048], want[2048];
	paddr_t pa;

	int as = vm_create();
	CHECK_GT(as, 0);
	STEP(vm_map_range(as, USER_BASE, DEVICE_PA, 2, URW));
	STEP(vm_map(as, USER_BASE + PAGE(2), DEVICE_PA + PAGE(2), URW));
	STEP(map_filled(as, USER_BASE + PAGE(3), 0xD1, VM_USER, &pa));
	STEP(vm_map(as, USER_BASE + PAGE(4), DEVICE_PA + PAGE(3), VM_WRITE));
	STEP(vm_map_range(as, REGION(1) - PAGE(1), DEVICE_PA + 0x10000, 2, URW));
	STEP(vm_map(as, USER_LAST, DEVICE_PA + 0x20000, URW));
	struct vm_space_info info = info_of(as);
	CHECK_EQ(info.mapped, 8);
	fx_dump(as, got, sizeof(got));
	ksnprintf(want, sizeof(want),
		  "address space %d: block 0x%08x, %u pages, 3 tables, 8 pages mapped\n"
		  "40000000-40003000 00003000 urw- f0000000\n"
		  "40003000-40004000 00001000 ur-- %08x\n"
		  "40004000-40005000 00001000 -rw- f0003000\n"
		  "403ff000-40401000 00002000 urw- f0010000\n"
		  "fffff000-100000000 00001000 urw- f0020000\n",
		  as, info.block, info.pages, pa);
	CHECK_STR_EQ(got, want);
	/* after a copy-on-write clone the user frame is shared: 'c' */
	int c = vm_clone(as, VM_CLONE_COW);
	CHECK_GT(c, 0);
	CHECK_OK(vm_check());
	CHECK_OK(vm_protect(as, USER_BASE + PAGE(3), 1, URW));
	fx_dump(c, got, sizeof(got));
	struct vm_space_info ci = info_of(c);
	ksnprintf(want, sizeof(want),
		  "address space %d: block 0x%08x, %u pages, 3 tables, 8 pages mapped\n"
		  "40000000-40003000 00003000 urw- f0000000\n"
		  "40003000-40004000 00001000 ur-c %08x\n"
		  "40004000-40005000 00001000 -rw- f0003000\n"
		  "403ff000-40401000 00002000 urw- f0010000\n"
		  "fffff000-100000000 00001000 urw- f0020000\n",
		  c, ci.block, ci.pages, pa);
	CHECK_STR_EQ(got, want);
	fx_dump(as, got, sizeof(got));
	ksnprintf(want, sizeof(want),
		  "address space %d: block 0x%08x, %u pages, 3 tables, 8 pages mapped\n"
		  "40000000-40003000 00003000 urw- f0000000\n"
		  "40003000-40004000 00001000 urwc %08x\n"
		  "40004000-40005000 00001000 -rw- f0003000\n"
		  "403ff000-40401000 00002000 urw- f0010000\n"
		  "fffff000-100000000 00001000 urw- f0020000\n",
		  as, info.block, info.pages, pa);
	CHECK_STR_EQ(got, want);
	STEP(vm_destroy(c));
	STEP(vm_destroy(as));
	fx_dump(as, got, sizeof(got));
	ksnprintf(want, sizeof(want), "address space %d: no such address space\n", as);
	CHECK_STR_EQ(got, want);
}

static const struct test_case cases[] = {
	TEST_CASE(map_then_query_and_translate_one_page),
	TEST_CASE(map_range_crosses_a_table_boundary),
	TEST_CASE(unmap_range_with_holes_drops_every_reference),
	TEST_CASE(probes_follow_the_flags),
	TEST_CASE(read_only_user_page_refuses_writes_at_both_levels),
	TEST_CASE(supervisor_page_in_user_space_is_kernel_only),
	TEST_CASE(unmapped_pages_fault_as_not_present),
	TEST_CASE(frames_not_owned_are_mapped_without_references),
	TEST_CASE(block_grows_in_place_when_the_frames_after_it_are_free),
	TEST_CASE(block_relocates_when_the_frame_after_it_is_taken),
	TEST_CASE(relocating_the_live_space_keeps_every_translation),
	TEST_CASE(relocations_double_the_block_so_copying_stays_linear),
	TEST_CASE(tables_take_slots_in_order_of_first_use),
	TEST_CASE(a_table_goes_with_its_last_page),
	TEST_CASE(unlinking_a_middle_table_moves_the_last_one_into_its_slot),
	TEST_CASE(map_unmap_at_a_table_boundary_does_not_grow_and_shrink_each_time),
	TEST_CASE(block_grows_shrinks_and_grows_again),
	TEST_CASE(bad_freed_and_master_handles_are_rejected),
	TEST_CASE(unaligned_addresses_and_empty_ranges_are_rejected),
	TEST_CASE(kernel_space_addresses_are_rejected),
	TEST_CASE(ranges_that_wrap_past_4_gib_are_rejected),
	TEST_CASE(unknown_flag_bits_are_rejected),
	TEST_CASE(mapping_over_a_mapped_page_refuses_the_whole_range),
	TEST_CASE(unmapping_or_protecting_a_hole_is_refused),
	TEST_CASE(kernel_zone_frames_cannot_be_mapped),
	TEST_CASE(free_frames_cannot_be_mapped),
	TEST_CASE(the_live_space_cannot_be_destroyed),
	TEST_CASE(unmapping_a_live_page_is_seen_at_once),
	TEST_CASE(narrowing_a_live_page_is_seen_at_once),
	TEST_CASE(changes_to_a_space_not_live_skip_the_tlb),
	TEST_CASE(breaking_cow_without_a_fault_is_seen_at_once),
	TEST_CASE(an_unlinked_table_is_not_walked_again),
	TEST_CASE(invalidations_are_counted_where_they_are_decided),
	TEST_CASE(cow_clone_shares_frames_read_only),
	TEST_CASE(cow_write_gives_the_writer_a_private_copy),
	TEST_CASE(cow_last_owner_writes_in_place),
	TEST_CASE(protect_keeps_cow_pages_shared),
	TEST_CASE(eager_clone_copies_data_and_shares_nothing),
	TEST_CASE(cow_clone_of_read_only_page_stays_read_only),
	TEST_CASE(cow_clone_of_a_frame_at_its_reference_limit_is_refused),
	TEST_CASE(cow_clone_counts_each_mapping_of_a_frame),
	TEST_CASE(unmapping_the_last_mapping_of_a_pinned_frame_is_refused),
	TEST_CASE(faults_that_are_not_copy_on_write_are_left_to_the_caller),
	TEST_CASE(map_zero_gives_a_zeroed_frame),
	TEST_CASE(iterate_visits_mappings_in_address_order),
	TEST_CASE(dump_prints_one_line_per_range),
};

DEFINE_SUITE(vm_suite, "vm", cases, fx_setup, fx_teardown);
