/* pagefault.c - the page-fault handler (see pagefault.h). */
#include "pagefault.h"
#include "kprobe.h"
#include "lib.h"
#include "mmu.h"
#include "seam.h"
#include "vmspace.h"

static user_fault_fn user_handler;

void pagefault_set_user_handler(user_fault_fn fn)
{
	user_handler = fn;
}

/* The flags of a paging entry in words: "P RW US A D G". */
static void print_flags(uint32_t e)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ PG_P, "P" },   { PG_RW, "RW" }, { PG_US, "US" },   { PG_PWT, "PWT" },
		{ PG_PCD, "PCD" }, { PG_A, "A" },   { PG_D, "D" },     { PG_PS, "PS" },
		{ PG_G, "G" },   { PG_COW, "COW" }, { PG_COW_W, "COW_W" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (e & names[i].bit)
			kprintf(" %s", names[i].name);
}

void pagefault_print_walk(paddr_t pd, int as, vaddr_t va)
{
	pde_t pde = ((const pde_t *)hw_phys(pd))[pde_index(va)];

	if (pd == hw_cr3())
		kprintf("  walk of 0x%08x: CR3 0x%08x (address space %d)\n", va, pd, as);
	else
		kprintf("  walk of 0x%08x: directory 0x%08x (address space %d)\n", va, pd, as);
	kprintf("    PDE[%u] = 0x%08x", pde_index(va), pde.v);
	print_flags(pde.v);
	if (!pde_present(pde)) {
		kprintf(" -> not present\n");
		return;
	}
	if (pde.v & PG_PS) {
		kprintf(" -> 4 MiB page 0x%08x\n", pde.v & PG_LARGE_ADDR_MASK);
		return;
	}
	kprintf(" -> table 0x%08x\n", pde_addr(pde));
	pte_t pte = ((const pte_t *)hw_phys(pde_addr(pde)))[pte_index(va)];
	kprintf("    PTE[%u] = 0x%08x", pte_index(va), pte.v);
	print_flags(pte.v);
	if (pte_present(pte))
		kprintf(" -> frame 0x%08x: physical 0x%08x\n", pte_addr(pte),
			pte_addr(pte) | (va & PAGE_MASK));
	else if (pte_swapped(pte))
		kprintf(" -> not present: in swap, slot %u\n", pte_slot(pte));
	else
		kprintf(" -> not present\n");
}

static void report(vaddr_t addr, uint32_t err)
{
	trap_print_page_fault("\n", addr, err);
	pagefault_print_walk(hw_cr3(), pt_vm_live(), addr);
}

static bool page_fault(struct trap_frame *tf)
{
	vaddr_t addr = hw_cr2();

	if (probe_fixup(tf, tf->err))
		return true;
	if (trap_from_user(tf) && user_handler && user_handler(tf, addr, tf->err))
		return true;
	if (!trap_reporting()) /* a fault in the report: trap_fatal says it in one line */
		report(addr, tf->err);
	return false; /* the trap report follows (the fault printed once), and the run ends */
}

void pagefault_init(void)
{
	trap_set_handler(EXC_PF, page_fault);
}
