/*
 * test_boot.c - example-hh-boot: pagetrack took over from boot.S's page
 * tables, and the kernel's own traps and frames work with it.  Each case
 * makes its address spaces, makes one live, touches it with real loads and
 * stores, at ring 0 and from a small program at ring 3 (the faults go
 * through this kernel's IDT to fault.c), and ends with every frame back in
 * the frame manager.
 */
#include <pagetrack/check.h>
#include <pagetrack/frame.h>
#include <pagetrack/layout.h>
#include <pagetrack/seam.h>
#include <pagetrack/vmspace.h>
#include "cpu.h"
#include "fault.h"
#include "frames.h"
#include "harness.h"
#include "kernel.h"
#include "probe.h"
#include "ring3.h"
#include "vm.h"

#define VA (USER_BASE + 0x10000) /* a user page, demand-zero in these cases */
#define CODE_VA (USER_BASE + 0x100000) /* the ring 3 program's page, not demand-zero */

extern const char user_program[], user_program_end[]; /* probe_cpu.S */

static uint32_t free_at_start;

static void boot_setup(void)
{
	pt_vm_activate(0);
	free_at_start = frame_free_count();
}

/* Every frame back in the frame manager, nothing live, every invariant of pagetrack. */
static void boot_teardown(void)
{
	pt_vm_activate(0);
	fault_set_demand_zero(0, 0);
	CHECK_OK(pt_vm_check());
	CHECK_EQ(frame_free_count(), free_at_start);
}

static volatile uint32_t *user_word(uint32_t va)
{
	return (volatile uint32_t *)(uintptr_t)va;
}

/* A live address space with demand-zero memory around VA. */
static int live_space(void)
{
	int as = pt_vm_create();

	if (as > 0 && pt_vm_activate(as) < 0) {
		pt_vm_destroy(as);
		return -1;
	}
	fault_set_demand_zero(VA - 0x10000, VA + 0x10000);
	return as;
}

static void end_space(int as)
{
	CHECK_OK(pt_vm_activate(0));
	CHECK_OK(pt_vm_destroy(as));
}

static void paging_init_took_over_from_the_boot_map(void)
{
	uint32_t word;

	CHECK_NE(hw_cr3(), vm_boot.boot_cr3);
	CHECK_EQ(pt_vm_live(), 0); /* CR3 holds the master */
	CHECK(read_cr0() & CR0_WRITE_PROTECT);
	CHECK_EQ(pt_frame_kzone_end(), vm_boot.kzone_end);
	CHECK_OK(pt_vm_check());
	/* the whole kernel zone at KERNEL_BASE + pa, and the low alias of boot.S gone */
	CHECK_EQ(probe(KERNEL_BASE + vm_boot.kzone_end - 4, PROBE_READ, &word), 0);
	CHECK_EQ(probe(virt_to_phys(kernel_image_start), PROBE_READ, &word) & PROBE_FAULTED,
		 PROBE_FAULTED);
	/* pagetrack took its frames from the frame manager: its metadata and the master */
	CHECK_LT(vm_boot.free_after, vm_boot.free_before);
}

static void a_kernel_write_demand_zero_faults_a_page_in(void)
{
	struct vm_mapping m;
	uint32_t fills = fault_counts.zero_fills;
	int as = live_space();

	CHECK_GT(as, 0);
	*user_word(VA + 8) = 0x1234;
	CHECK_EQ(fault_counts.zero_fills, fills + 1);
	CHECK_EQ(*user_word(VA + 8), 0x1234);
	CHECK_EQ(*user_word(VA), 0); /* the rest of the page is zero */
	CHECK_OK(pt_vm_query(as, VA, &m));
	CHECK_EQ(m.flags & VM_MAP_FLAGS, VM_MAP_FLAGS);
	CHECK_GE(m.pa, vm_boot.kzone_end); /* a user-zone frame, lent by the frame manager */
	CHECK_EQ(probe(VA, PROBE_USER | PROBE_READ, &fills), 0);
	RUN(end_space(as));
}

/* The program of probe_cpu.S in a user page of as, read-only and executable at ring 3. */
static void load_program(int as)
{
	size_t len = (size_t)(user_program_end - user_program);

	CHECK_OK(pt_vm_map_zero(as, CODE_VA, VM_USER | VM_WRITE));
	memcpy((void *)CODE_VA, user_program, len);
	CHECK_OK(pt_vm_protect(as, CODE_VA, 1, VM_USER));
}

static void a_ring3_program_faults_its_page_in(void)
{
	uint32_t fills = fault_counts.zero_fills, back = 0;
	struct vm_mapping m;
	int as = live_space();

	CHECK_GT(as, 0);
	RUN(load_program(as));
	CHECK_EQ(ring3_run(CODE_VA, VA, 41, true, &back), 0);
	CHECK_EQ(back, 42);
	CHECK_EQ(fault_counts.zero_fills, fills + 1);
	CHECK_EQ(fault_counts.last_err, PF_U | PF_W); /* a write at ring 3 to a page not present */
	CHECK_OK(pt_vm_query(as, VA, &m));
	CHECK_EQ(*user_word(VA), 41);
	/* outside its demand-zero memory, the fault ends it: a write to its own code page */
	CHECK_EQ(ring3_run(CODE_VA, CODE_VA, 1, true, &back), PROBE_FAULTED | PF_U | PF_W | PF_P);
	CHECK_EQ(fault_counts.zero_fills, fills + 1);
	RUN(end_space(as));
}

static void a_write_breaks_a_copy_on_write_clone(void)
{
	struct vm_mapping pm, cm;
	int as = live_space();

	CHECK_GT(as, 0);
	*user_word(VA) = 0xAAAA;
	int child = pt_vm_clone(as, VM_CLONE_COW);
	CHECK_GT(child, 0);
	CHECK_OK(pt_vm_query(as, VA, &pm));
	CHECK_OK(pt_vm_query(child, VA, &cm));
	CHECK_EQ(cm.pa, pm.pa);
	CHECK(cm.flags & VM_COW);
	CHECK_OK(pt_vm_activate(child));
	uint32_t resolved = fault_counts.resolved;
	CHECK_EQ(*user_word(VA), 0xAAAA);
	*user_word(VA) = 0xBBBB; /* the copy-on-write fault, through the IDT */
	CHECK_EQ(fault_counts.resolved, resolved + 1);
	CHECK_OK(pt_vm_query(child, VA, &cm));
	CHECK_NE(cm.pa, pm.pa);
	CHECK_OK(pt_vm_activate(as));
	CHECK_EQ(*user_word(VA), 0xAAAA);
	CHECK_OK(pt_vm_destroy(child));
	RUN(end_space(as));
}

static void an_unmapped_page_faults_again(void)
{
	uint32_t word;
	int as = live_space();

	CHECK_GT(as, 0);
	*user_word(VA) = 7;
	CHECK_OK(pt_vm_unmap(as, VA));
	fault_set_demand_zero(0, 0);
	CHECK_EQ(probe(VA, PROBE_READ, &word), PROBE_FAULTED);         /* not present */
	CHECK_EQ(probe(VA, PROBE_USER | PROBE_READ, &word), PROBE_FAULTED | PF_U);
	CHECK_ERR(pt_vm_query(as, VA, &(struct vm_mapping){ 0 }), E_NOENT);
	RUN(end_space(as));
}

static void destroy_gives_every_frame_back(void)
{
	int as = live_space();

	CHECK_GT(as, 0);
	for (uint32_t i = 0; i < 16; i++)
		*user_word(VA - 0x10000 + i * 0x2000) = i;
	int child = pt_vm_clone(as, VM_CLONE_COW);
	CHECK_GT(child, 0);
	CHECK_LT(frame_free_count(), free_at_start);
	CHECK_OK(pt_vm_destroy(child));
	RUN(end_space(as));
	CHECK_EQ(frame_free_count(), free_at_start); /* and again in the teardown */
}

static const struct test_case cases[] = {
	TEST_CASE(paging_init_took_over_from_the_boot_map),
	TEST_CASE(a_kernel_write_demand_zero_faults_a_page_in),
	TEST_CASE(a_ring3_program_faults_its_page_in),
	TEST_CASE(a_write_breaks_a_copy_on_write_clone),
	TEST_CASE(an_unmapped_page_faults_again),
	TEST_CASE(destroy_gives_every_frame_back),
};

DEFINE_SUITE(boot_suite, "boot", cases, boot_setup, boot_teardown);
