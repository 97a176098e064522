/*
 * vm_iterate.c - pt_vm_iterate visits the mappings in address order; the dump
 * prints one line per run of pages.
 */
#include "vm_util.h"

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

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	/* mapped out of order: the tables sit in the block in this order */
	STEP(pt_vm_map(as, USER_LAST, DEVICE_PA + PAGE(3), URW));
	STEP(map_filled(as, REGION(300) + PAGE(5), 0xC1, VM_USER, &pa));
	STEP(pt_vm_map(as, USER_BASE, DEVICE_PA, VM_WRITE));
	STEP(pt_vm_map(as, REGION(300), DEVICE_PA + PAGE(1), URW));
	CHECK_OK(pt_vm_iterate(as, log_visit, &log));
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
	CHECK_EQ(pt_vm_iterate(as, log_visit, &log), 42);
	CHECK_EQ(log.n, 2);
	CHECK_EQ(log.va[1], REGION(300));
	/* nothing mapped, nothing visited */
	int empty = pt_vm_create();
	CHECK_GT(empty, 0);
	log = (struct visit_log){ 0 };
	CHECK_OK(pt_vm_iterate(empty, log_visit, &log));
	CHECK_EQ(log.n, 0);
	STEP(pt_vm_destroy(empty));
	STEP(pt_vm_destroy(as));
}

/*
 * One line per run of pages with the same rights and contiguous frames:
 *
 *   address space 3: block 0x..., 4 pages, 3 tables, 9 pages mapped
 *   40000000-40003000 00003000 urw- f0000000     three pages, two pt_vm_map calls
 *   40003000-40004000 00001000 ur-- <frame>      contiguous va, another frame
 *   40004000-40005000 00001000 -rw- f0003000     contiguous frame, other rights
 *   403ff000-40401000 00002000 urw- f0010000     across a table boundary
 *   fffff000-100000000 00001000 urw- f0020000    ends where user space ends
 *
 * (in the identity layout; in the higher-half one from 00400000, ending at c0000000)
 */
static void want_ranges(char *want, size_t size, int as, const struct vm_space_info *info,
			paddr_t pa, const char *rights)
{
	ksnprintf(want, size,
		  "address space %d: block 0x%08x, %u pages, 3 tables, 8 pages mapped\n"
		  "%08x-%08x 00003000 urw- f0000000\n"
		  "%08x-%08x 00001000 %s %08x\n"
		  "%08x-%08x 00001000 -rw- f0003000\n"
		  "%08x-%08x 00002000 urw- f0010000\n"
		  "%08x-%08llx 00001000 urw- f0020000\n",
		  as, info->block, info->pages, USER_BASE, USER_BASE + PAGE(3), USER_BASE + PAGE(3),
		  USER_BASE + PAGE(4), rights, pa, USER_BASE + PAGE(4), USER_BASE + PAGE(5),
		  REGION(1) - PAGE(1), REGION(1) + PAGE(1), USER_LAST,
		  (unsigned long long)USER_LAST + PAGE_SIZE);
}

static void dump_prints_one_line_per_range(void)
{
	static char got[2048], want[2048];
	paddr_t pa;

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(pt_vm_map_range(as, USER_BASE, DEVICE_PA, 2, URW));
	STEP(pt_vm_map(as, USER_BASE + PAGE(2), DEVICE_PA + PAGE(2), URW));
	STEP(map_filled(as, USER_BASE + PAGE(3), 0xD1, VM_USER, &pa));
	STEP(pt_vm_map(as, USER_BASE + PAGE(4), DEVICE_PA + PAGE(3), VM_WRITE));
	STEP(pt_vm_map_range(as, REGION(1) - PAGE(1), DEVICE_PA + 0x10000, 2, URW));
	STEP(pt_vm_map(as, USER_LAST, DEVICE_PA + 0x20000, URW));
	struct vm_space_info info = info_of(as);
	CHECK_EQ(info.mapped, 8);
	fx_dump(as, got, sizeof(got));
	want_ranges(want, sizeof(want), as, &info, pa, "ur--");
	CHECK_STR_EQ(got, want);
	/* after a copy-on-write clone the user frame is shared: 'c' */
	int c = pt_vm_clone(as, VM_CLONE_COW);
	CHECK_GT(c, 0);
	CHECK_OK(pt_vm_check());
	CHECK_OK(pt_vm_protect(as, USER_BASE + PAGE(3), 1, URW));
	fx_dump(c, got, sizeof(got));
	struct vm_space_info ci = info_of(c);
	want_ranges(want, sizeof(want), c, &ci, pa, "ur-c");
	CHECK_STR_EQ(got, want);
	fx_dump(as, got, sizeof(got));
	want_ranges(want, sizeof(want), as, &info, pa, "urwc");
	CHECK_STR_EQ(got, want);
	STEP(pt_vm_destroy(c));
	STEP(pt_vm_destroy(as));
	fx_dump(as, got, sizeof(got));
	ksnprintf(want, sizeof(want), "address space %d: no such address space\n", as);
	CHECK_STR_EQ(got, want);
}

/*
 * The block page by page, its tables in the order of their first use, not
 * of their PDEs, each with the 4 MiB it maps and its live entries:
 *
 *   block of address space 3 at <base>: <n> pages: the directory, 2 tables ...
 *     page 0    <base>  directory
 *     page 1    <base + 1 page>  table of PDE 259: 40c00000-41000000, 2 entries live
 *     page 2    <base + 2 pages>  table of PDE 256: 40000000-40400000, 1 entry live
 *
 * (PDEs 259 and 256 in the identity layout: REGION(3) and REGION(0))
 *     page 3..  spare
 */
static void block_dump_lists_tables_in_order_of_first_use(void)
{
	static char got[2048], want[2048];
	struct strbuf b = { got, sizeof(got), 0 };
	size_t len;

	int as = pt_vm_create();
	CHECK_GT(as, 0);
	STEP(pt_vm_map_range(as, REGION(3), DEVICE_PA, 2, URW));
	STEP(pt_vm_map(as, REGION(0), DEVICE_PA + PAGE(4), URW));
	struct vm_space_info info = info_of(as);
	pt_vm_dump_block(as, strbuf_putc, &b);
	strbuf_end(&b);
	len = (size_t)ksnprintf(want, sizeof(want),
		"block of address space %d at %08x: %u pages: the directory, 2 tables in order of "
		"first use, %u spare\n"
		"  page 0    %08x  directory\n"
		"  page 1    %08x  table of PDE %u: %08x-%08x, 2 entries live\n"
		"  page 2    %08x  table of PDE %u: %08x-%08x, 1 entry live\n",
		as, info.block, info.pages, info.pages - 3, info.block, info.block + PAGE(1),
		USER_PDE_FIRST + 3, REGION(3), REGION(4), info.block + PAGE(2), USER_PDE_FIRST,
		REGION(0), REGION(1));
	for (uint32_t i = 3; i < info.pages; i++)
		len += (size_t)ksnprintf(want + len, sizeof(want) - len, "  page %-4u %08x  spare\n",
					 i, info.block + PAGE(i));
	CHECK_STR_EQ(got, want);
	STEP(pt_vm_destroy(as));
	b.len = 0;
	pt_vm_dump_block(as, strbuf_putc, &b);
	strbuf_end(&b);
	ksnprintf(want, sizeof(want), "address space %d: no such address space\n", as);
	CHECK_STR_EQ(got, want);
}

static const struct test_case cases[] = {
	TEST_CASE(iterate_visits_mappings_in_address_order),
	TEST_CASE(dump_prints_one_line_per_range),
	TEST_CASE(block_dump_lists_tables_in_order_of_first_use),
};

DEFINE_PART(vm_iterate_part, cases);
