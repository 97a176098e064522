/* swap_util.c - the helpers the swap suites share (swap_util.h). */
#include "frame.h"
#include "kmap.h"
#include "seam.h"
#include "swap_util.h"

struct swap_counts swap_start;

#define HOARD_RUNS 64

/* The slots fill_swap holds, as runs (slots are taken lowest first). */
static struct {
	uint32_t first[HOARD_RUNS], n[HOARD_RUNS];
	uint32_t runs;
} hoard;

void swap_setup(void)
{
	fx_setup();
	hoard.runs = 0;
	if (fx_swap_on(SWAP_TEST_PAGES) < 0)
		kprintf("swap_setup: no disk of %u pages for the swap suites\n", SWAP_TEST_PAGES);
	fx_counts(&fx_start); /* the metadata's frames are taken */
	pt_swap_get_counts(&swap_start);
}

void swap_teardown(void)
{
	struct swap_counts now;

	unfill_swap();
	RUN(fx_teardown());
	pt_swap_get_counts(&now);
	CHECK_GT(swap_start.total, 0);
	CHECK_EQ(now.used, swap_start.used);
	CHECK_EQ(now.free + now.retired, swap_start.free + swap_start.retired);
	CHECK_OK(fx_swap_off());
}

struct pager_stats pstats(void)
{
	struct pager_stats s;

	pt_pager_get_stats(&s);
	return s;
}

struct swap_counts slot_counts(void)
{
	struct swap_counts c;

	pt_swap_get_counts(&c);
	return c;
}

/* The word at va through a kmap window onto the frame pt_vm_resolve gave for the access. */
static int access_at(int as, vaddr_t va, uint32_t access, uint32_t *v)
{
	paddr_t pa;
	int rc = pt_vm_resolve(as, va, access, 0, &pa);

	if (rc < 0)
		return rc;
	vaddr_t w = pt_kmap(ALIGN_DOWN(pa, PAGE_SIZE));
	uint32_t *word = (uint32_t *)((uint8_t *)hw_kva(w) + (pa & PAGE_MASK));
	if (access & PF_W)
		*word = *v;
	else
		*v = *word;
	pt_kunmap(w);
	return 0;
}

int read_at(int as, vaddr_t va, uint32_t *v)
{
	return access_at(as, va, 0, v);
}

int write_at(int as, vaddr_t va, uint32_t v)
{
	return access_at(as, va, PF_W, &v);
}

uint32_t slot_at(int as, vaddr_t va)
{
	struct vm_mapping m = { 0 };

	return pt_vm_query(as, va, &m) == 0 ? m.slot : 0;
}

bool in_swap(int as, vaddr_t va)
{
	struct vm_mapping m = { 0 };

	return pt_vm_query(as, va, &m) == 0 && (m.flags & VM_SWAPPED) && m.slot != 0 && m.pa == 0;
}

bool in_frame(int as, vaddr_t va)
{
	struct vm_mapping m = { 0 };

	return pt_vm_query(as, va, &m) == 0 && !(m.flags & VM_SWAPPED) && m.slot == 0;
}

void fill_swap(void)
{
	int slot;

	while ((slot = pt_swap_alloc()) > 0) {
		uint32_t r = hoard.runs;
		if (r > 0 && hoard.first[r - 1] + hoard.n[r - 1] == (uint32_t)slot) {
			hoard.n[r - 1]++;
			continue;
		}
		if (r == HOARD_RUNS)
			panic("fill_swap: the free slots lie in more than %u runs", HOARD_RUNS);
		hoard.first[r] = (uint32_t)slot;
		hoard.n[r] = 1;
		hoard.runs++;
	}
}

void unfill_swap(void)
{
	for (uint32_t r = 0; r < hoard.runs; r++)
		pt_swap_free_run(hoard.first[r], hoard.n[r]);
	hoard.runs = 0;
}
