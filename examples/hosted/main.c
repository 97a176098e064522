/*
 * main.c - pagetrack in plain user space: the core from libpagetrack-host.a
 * on the simulated machine (RAM in a buffer, the model MMU playing the CPU),
 * using only the headers of build/lib/include/pagetrack/.
 *
 * It boots the paging system on 32 MiB, makes an address space with two
 * pages, clones it copy-on-write, writes to the clone through the model MMU
 * (which faults, as the CPU would, and pt_vm_fault gives the clone its own
 * copy), and prints the dumps and what each page holds at every step.
 * scripts/example-hosted-test.sh checks what it prints.
 */
#include <stdio.h>
#include <stdlib.h>

#include <pagetrack/check.h>
#include <pagetrack/errors.h>
#include <pagetrack/frame.h>
#include <pagetrack/machine.h>
#include <pagetrack/mmu_model.h>
#include <pagetrack/paging.h>
#include <pagetrack/seam.h>
#include <pagetrack/swap.h>
#include <pagetrack/vmspace.h>

#define RAM_MIB 32
#define KZONE_MIB 8
#define KIMG_START MiB(1)            /* a pretend kernel image, as a kernel's would be */
#define KIMG_END (MiB(1) + KiB(256))
#define PAGE_A USER_BASE
#define PAGE_B (USER_BASE + PAGE_SIZE)

/* Stop on any error of the core: an example has no way around one. */
static void must(int rc, const char *what)
{
	if (rc < 0) {
		printf("example: %s: %s (%s)\n", what, pt_err_name(rc), pt_err_cause(rc));
		exit(1);
	}
}

static void boot(void)
{
	const struct mem_region map[] = {
		{ 0, KiB(640), MEM_AVAILABLE },
		{ KiB(640), KiB(384), 2 }, /* the legacy hole */
		{ MiB(1), MiB(RAM_MIB) - MiB(1), MEM_AVAILABLE },
	};

	machine_reset(MiB(RAM_MIB));
	paddr_t x = pt_frame_choose_kzone_end(map, ARRAY_SIZE(map), MiB(KZONE_MIB));
	must(pt_frame_init(map, ARRAY_SIZE(map), KIMG_START, KIMG_END, x), "pt_frame_init");
	must(pt_swap_init(), "pt_swap_init");
	must(pt_paging_init(true), "pt_paging_init");
}

/*
 * One access by a user process to va, as the CPU makes it: the model MMU
 * translates it or faults; a fault goes to pt_vm_fault, as a kernel's page
 * fault handler sends it, and the access is retried.  Returns the byte
 * read, or the byte written (c).
 */
static char user_access(vaddr_t va, bool write, char c)
{
	uint32_t access = PF_U | (write ? PF_W : 0);
	struct mmu_result r = mmu_access(va, access);

	if (r.fault) {
		int as = pt_vm_live();
		int rc = pt_vm_fault(as, va, r.err);
		printf("example: %s of 0x%x in space %d faulted, error 0x%x; pt_vm_fault: %s\n",
		       write ? "write" : "read", (unsigned)va, as, (unsigned)r.err,
		       pt_err_name(rc));
		must(rc, "pt_vm_fault");
		r = mmu_access(va, access);
		if (r.fault) {
			printf("example: the access faults again after pt_vm_fault\n");
			exit(1);
		}
	}
	char *p = hw_phys(r.pa); /* the simulated RAM: where the CPU's access lands */
	if (write)
		*p = c;
	return *p;
}

static void show(int as, const char *name)
{
	struct vm_mapping m;

	printf("example: space %s (%d):\n", name, as);
	pt_vm_dump(as, pt_console_sink, NULL);
	for (vaddr_t va = PAGE_A; va <= PAGE_B; va += PAGE_SIZE) {
		must(pt_vm_query(as, va, &m), "pt_vm_query");
		printf("example: %s 0x%x -> frame 0x%x%s%s\n", name, (unsigned)va, (unsigned)m.pa,
		       (m.flags & VM_WRITE) ? " writable" : "", (m.flags & VM_COW) ? " cow" : "");
	}
}

static char byte_at(int as, vaddr_t va)
{
	must(pt_vm_activate(as), "pt_vm_activate");
	return user_access(va, false, 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0); /* the core prints through hw_putc: keep the order */
	boot();
	uint32_t free_user = pt_frame_free_count(ZONE_USER);
	printf("example: booted, %u user frames free\n", free_user);

	int a = pt_vm_create();
	must(a, "pt_vm_create");
	must(pt_vm_map_zero(a, PAGE_A, VM_MAP_FLAGS), "pt_vm_map_zero");
	must(pt_vm_map_zero(a, PAGE_B, VM_MAP_FLAGS), "pt_vm_map_zero");
	must(pt_vm_activate(a), "pt_vm_activate");
	user_access(PAGE_A, true, 'A');
	user_access(PAGE_B, true, 'b');
	show(a, "a");

	int b = pt_vm_clone(a, VM_CLONE_COW);
	must(b, "pt_vm_clone");
	printf("example: cloned a copy-on-write as %d\n", b);
	show(a, "a");
	show(b, "b");

	must(pt_vm_activate(b), "pt_vm_activate");
	user_access(PAGE_A, true, 'B');
	show(a, "a");
	show(b, "b");
	printf("example: a reads '%c' '%c', b reads '%c' '%c'\n", byte_at(a, PAGE_A),
	       byte_at(a, PAGE_B), byte_at(b, PAGE_A), byte_at(b, PAGE_B));

	printf("example: pt_vm_check: %s\n", pt_err_name(pt_vm_check()));
	must(pt_vm_activate(0), "pt_vm_activate"); /* the master: neither space may be live to go */
	must(pt_vm_destroy(b), "pt_vm_destroy");
	must(pt_vm_destroy(a), "pt_vm_destroy");
	printf("example: destroyed both, %u user frames free\n", pt_frame_free_count(ZONE_USER));
	machine_release();
	return 0;
}
