/*
 * main.c - the kernel from boot.S on: bring up the console and the trap
 * table, read what the boot loader found, take over physical memory and
 * report it, turn paging on in the notes' six steps and set up processes,
 * then run what the command line asks for: the kernel test suites (`test`),
 * the benchmarks (`bench`), or by default the two-part demo (address
 * spaces, then user processes).
 *
 * Every run ends through qemu_exit(): success after "boot: ok", passing
 * tests or benchmarks that all ran, failure on anything else, so a script
 * can tell the two apart; on a machine without QEMU's exit device, a last
 * line says which it was, and the CPU halts.
 */
#include "ata.h"
#include "check.h"
#include "cmdline.h"
#include "cpu.h"
#include "cpufeat.h"
#include "runs.h"
#include "errors.h"
#include "frame.h"
#include "gdt.h"
#include "idt.h"
#include "kprobe.h"
#include "layout.h"
#include "lib.h"
#include "monitor.h"
#include "multiboot.h"
#include "pagefault.h"
#include "proc.h"
#include "paging.h"
#include "qemu.h"
#include "seam.h"
#include "serial.h"
#include "smp.h"
#include "spinlock.h"
#include "swap.h"
#include "syscall.h"
#include "trampoline.h"

#define MAX_REGIONS 64
#define KZONE_ARG_MAX 32 /* longer than any size */

extern char kernel_start[], kernel_end[]; /* kernel.ld: the image, page aligned */

/* Copies of what the loader gave: pt_frame_init() may overwrite the originals. */
static char cmdline[CMDLINE_MAX];
static struct mem_region mem_map[MAX_REGIONS];
static size_t mem_regions;

/* The run cannot go on: the reason is printed already. */
static _Noreturn void boot_fail(void)
{
	kprintf("boot: failed\n");
	qemu_exit(false);
}

/* A size in bytes for people: "126 MiB 896 KiB". */
static void print_size(uint64_t bytes)
{
	uint64_t mib = bytes >> 20, kib = (bytes >> 10) & MASK(10), rest = bytes & MASK(10);

	if (mib)
		kprintf("%llu MiB", (unsigned long long)mib);
	if (kib)
		kprintf("%s%llu KiB", mib ? " " : "", (unsigned long long)kib);
	if (rest || bytes == 0)
		kprintf("%s%llu bytes", mib || kib ? " " : "", (unsigned long long)rest);
}

static void check_magic(uint32_t magic)
{
	if (magic == MULTIBOOT_BOOTLOADER_MAGIC)
		return;
	kprintf("boot: not started by a multiboot loader (EAX = 0x%08x, want 0x%08x)\n", magic,
		MULTIBOOT_BOOTLOADER_MAGIC);
	boot_fail();
}

/* Copy the command line and the memory map out of the loader's memory. */
static void read_boot_info(const struct multiboot_info *mbi)
{
	size_t len = cmdline_copy(cmdline, sizeof(cmdline), multiboot_cmdline(mbi));
	int n = multiboot_mem_map(mbi, mem_map, ARRAY_SIZE(mem_map));

	if (len >= sizeof(cmdline))
		kprintf("boot: command line of %zu characters cut to %zu\n", len,
			sizeof(cmdline) - 1);
	if (n < 0) {
		kprintf("boot: the loader gave no memory map and no memory size\n");
		boot_fail();
	}
	if ((size_t)n > ARRAY_SIZE(mem_map))
		kprintf("boot: the memory map has %d regions; only the first %zu are used\n", n,
			ARRAY_SIZE(mem_map));
	mem_regions = MIN((size_t)n, ARRAY_SIZE(mem_map));
}

static void print_mem_map(void)
{
	char end[24];

	kprintf("memory map: %zu regions\n", mem_regions);
	for (size_t i = 0; i < mem_regions; i++) {
		const struct mem_region *r = &mem_map[i];
		/* the end of a region at the top of 4 GiB takes 9 digits: keep the columns */
		ksnprintf(end, sizeof(end), "0x%08llx", (unsigned long long)(r->base + r->len));
		kprintf("  0x%08llx-%-11s  %-17s ", (unsigned long long)r->base, end,
			multiboot_mem_type_name(r->type));
		print_size(r->len);
		kprintf("\n");
	}
}

static void print_kernel_image(void)
{
	paddr_t start = (paddr_t)kernel_start, end = (paddr_t)kernel_end;

	kprintf("kernel image: 0x%08x-0x%08x  ", start, end);
	print_size(end - start);
	kprintf("\n");
}

/* Whether [pa, pa + len) lies in one available region of the memory map. */
static bool is_available(uint64_t pa, uint64_t len)
{
	for (size_t i = 0; i < mem_regions; i++) {
		const struct mem_region *r = &mem_map[i];
		if (r->type == MEM_AVAILABLE && r->base <= pa && pa + len <= r->base + r->len)
			return true;
	}
	return false;
}

/* One past the last available byte below 4 GiB. */
static uint64_t ram_top(void)
{
	uint64_t top = 0;

	for (size_t i = 0; i < mem_regions; i++)
		if (mem_map[i].type == MEM_AVAILABLE)
			top = MAX(top, mem_map[i].base + mem_map[i].len);
	return MIN(top, (uint64_t)1 << 32);
}

/*
 * The size asked for with kzone=, in *req: returns 0, -E_NOENT if there is
 * no such option, or -E_INVAL after saying what is wrong with it.
 */
static int kzone_option(uint32_t *req)
{
	char val[KZONE_ARG_MAX];
	int rc = cmdline_option(cmdline, "kzone", val, sizeof(val));

	if (rc == -E_NOENT)
		return rc;
	if (rc == 0)
		rc = cmdline_parse_size(val, req);
	if (rc == -E_RANGE) {
		kprintf("kzone=%s: too large: the kernel zone must end below 4 GiB\n", val);
		return -E_INVAL;
	}
	if (rc < 0 || *req == 0) {
		kprintf("kzone=%s: not a size: write kzone=<n>M, kzone=<n>K or a number of bytes\n",
			val);
		return -E_INVAL;
	}
	return 0;
}

/* Say where X came from: req (0: the default), and what kept it from being that. */
static void print_kzone_origin(paddr_t x, uint32_t req)
{
	uint64_t top = ram_top(), want = req ? ALIGN_UP((uint64_t)req, (uint64_t)PAGE_SIZE)
					    : ALIGN_UP(MAX(top / 4, (uint64_t)KZONE_MIN),
						       (uint64_t)PDE_SPAN);

	if (req == 0)
		kprintf("the default, a quarter of RAM and at least 16 MiB, rounded up to 4 MiB");
	else if (want == req)
		kprintf("from kzone=");
	else
		kprintf("kzone= asked for 0x%08x, rounded up to a page", req);
	if (x < want && x == KZONE_LIMIT)
		kprintf(", cut to end below the user gate (0x%08x)", KZONE_LIMIT);
	else if (x < want)
		kprintf(", cut to the end of RAM: it would be 0x%08llx", (unsigned long long)want);
	if (x >= top)
		kprintf("; no RAM is left above it for the user zone");
	kprintf("\n");
}

/* X, the end of the kernel zone: the kzone= option, or the default. */
static paddr_t choose_kzone(void)
{
	uint32_t req = 0;
	int rc = kzone_option(&req);

	if (rc == -E_INVAL)
		boot_fail();
	paddr_t x = pt_frame_choose_kzone_end(mem_map, mem_regions, req);
	if (x <= (paddr_t)kernel_end) {
		kprintf("kzone: X = 0x%08x leaves no room after the kernel image "
			"(it ends at 0x%08x): %s\n", x, (paddr_t)kernel_end,
			req && x < ram_top() ? "ask for a larger kzone="
					     : "give QEMU more memory (MEM=)");
		boot_fail();
	}
	kprintf("kernel zone: X = 0x%08x (", x);
	print_size(x);
	kprintf("): ");
	print_kzone_origin(x, req);
	return x;
}

static void init_frames(paddr_t x)
{
	int rc = pt_frame_init(mem_map, mem_regions, (paddr_t)kernel_start, (paddr_t)kernel_end, x);

	if (rc == 0)
		return;
	if (rc == -E_NOMEM)
		kprintf("pt_frame_init: the frame allocator's metadata does not fit below X = 0x%08x; "
			"ask for a larger kzone=\n", x);
	else
		kprintf("pt_frame_init: %s (%s): no usable memory above 1 MiB\n", err_name(rc),
			err_cause(rc));
	boot_fail();
}

static void print_zone(const char *name, enum zone z, uint64_t start, uint64_t end)
{
	kprintf("frames: %-11s 0x%08llx-0x%08llx: %u frames, %u free\n", name,
		(unsigned long long)start, (unsigned long long)MAX(start, end),
		pt_frame_total_count(z), pt_frame_free_count(z));
}

static void print_zones(void)
{
	paddr_t meta;
	uint32_t nmeta;

	print_zone("kernel zone", ZONE_KERNEL, FRAME_LOW_RESERVED, pt_frame_kzone_end());
	print_zone("user zone", ZONE_USER, pt_frame_kzone_end(), ram_top());
	pt_frame_metadata(&meta, &nmeta);
	kprintf("frames: metadata    0x%08x-0x%08x: %u frames, ", meta,
		meta + nmeta * PAGE_SIZE, nmeta);
	print_size((uint64_t)nmeta * PAGE_SIZE);
	kprintf("\n");
}

/* Find the swap disk and say what it is, or that there is none. */
static void init_disk(void)
{
	const struct ata_disk *d = ata_disk();

	if (ata_init() < 0) {
		kprintf("disk: none on the primary IDE channel: no swap\n");
		return;
	}
	kprintf("disk: \"%s\" on the primary IDE channel: ", d->model);
	print_size(d->sectors * ATA_SECTOR_SIZE);
	kprintf(", %u pages of swap, %s LBA, %s\n", hw_disk_pages(),
		d->sectors > ATA_LBA28_SECTORS ? "48-bit" : "28-bit",
		d->dma ? "bus-master DMA" : d->multiple > 1 ? "PIO a page a block" : "PIO");
}

/*
 * Take the swap disk's pages as swap slots, if there is a disk.  The
 * kernel does it before the first process runs: after the demo's part 1,
 * which fills the kernel zone and whose figures must not depend on the
 * disk's size (the slots' metadata lies in the kernel zone), and before
 * the monitor, so that its processes can go out too.  The test suites
 * start and stop the slots themselves.  Without a disk, or without room
 * for the metadata, processes run without swap, as before.
 */
static void start_swap(void)
{
	struct swap_counts c;
	paddr_t meta;
	uint32_t nmeta;

	if (hw_disk_pages() == 0)
		return;
	int rc = pt_swap_init();
	if (rc < 0) {
		kprintf("swap: %s (%s): no swap\n", err_name(rc), err_cause(rc));
		return;
	}
	pt_swap_get_counts(&c);
	pt_swap_metadata(&meta, &nmeta);
	kprintf("swap: %u slots (", c.total);
	print_size((uint64_t)c.total * PAGE_SIZE);
	kprintf("), metadata in %u kernel-zone frames at 0x%08x\n", nmeta, meta);
}

/* The notes' steps, each printed as it happens; then paging is on. */
static void init_paging(void)
{
	pt_paging_set_user_gate(probe_gate_frame());
	if (pt_paging_init(true) < 0)
		boot_fail();
	probe_init();
	if (pt_vm_check() < 0) {
		kprintf("paging: the page tables break an invariant\n");
		boot_fail();
	}
}

/*
 * crash=null, crash=user, crash=double or crash=nested: make the kernel
 * fault on purpose, reading page 0, writing a user address nothing maps,
 * with no stack to take the fault (a double fault), or with a report that
 * faults in turn, to show the reports (scripts/kernel-crash-test.sh checks
 * them).
 */
static void crash_if_asked(void)
{
	char what[16];

	if (cmdline_option(cmdline, "crash", what, sizeof(what)) < 0)
		return;
	kprintf("crash: faulting on purpose (crash=%s)\n", what);
	if (strcmp(what, "nested") == 0)
		trap_fault_in_report();
	if (strcmp(what, "null") == 0 || strcmp(what, "nested") == 0)
		kprintf("crash: read %u\n", *(volatile uint32_t *)0);
	else if (strcmp(what, "user") == 0)
		*(volatile uint32_t *)(USER_BASE + 0x1234) = 1;
	else if (strcmp(what, "double") == 0)
		fault_without_a_stack();
	kprintf("crash: crash=%s is not one of null, user, double, nested\n", what);
	boot_fail();
}

/* noise=disk: the demo's page faults wait for the disk (proc_set_disk_noise). */
static void disk_noise_if_asked(void)
{
	char what[16];

	if (cmdline_option(cmdline, "noise", what, sizeof(what)) < 0)
		return;
	int rc = strcmp(what, "disk") == 0 ? proc_set_disk_noise() : -E_INVAL;
	if (rc == 0)
		kprintf("noise: every page fault of a process reads a page of the disk first\n");
	else if (rc == -E_INVAL)
		kprintf("noise=%s is not noise=disk: no noise\n", what);
	else
		kprintf("noise: %s (%s): no noise\n", err_name(rc), err_cause(rc));
}

/*
 * The kernel's entry point, called by boot.S with the loader's EAX (the
 * multiboot magic) and EBX (the physical address of the multiboot
 * information).  Never returns: the run ends with qemu_exit().
 */
_Noreturn void kmain(uint32_t magic, uint32_t mbi_phys);

_Noreturn void kmain(uint32_t magic, uint32_t mbi_phys)
{
	klock_boot();
	serial_init();
	idt_init();
	gdt_init();
	pagefault_init();
	kprintf("pagetrack: booting\n");
	if (cpu_detect() < 0)
		boot_fail();
	check_magic(magic);
	read_boot_info(hw_phys(mbi_phys));
	kprintf("cmdline: %s\n", cmdline);
	cmdline_warn_unknown(cmdline);
	print_mem_map();
	print_kernel_image();
	smp_find();
	init_frames(choose_kzone());
	print_zones();
	init_disk();
	init_paging();
	proc_init();
	smp_start(is_available(TRAMPOLINE_PA, PAGE_SIZE));
	syscall_init();
	crash_if_asked();
	if (cmdline_has_word(cmdline, "test")) {
		qemu_name_verdicts("the tests passed", "the tests failed");
		qemu_exit(ktest_run(cmdline) == 0);
	}
	if (cmdline_has_word(cmdline, "bench") && !cpu_features()->tsc) {
		kprintf("bench: the benchmarks count with rdtsc, and this CPU has no TSC\n");
		boot_fail();
	}
	if (cmdline_has_word(cmdline, "bench")) {
		qemu_name_verdicts("the benchmarks ran", "the benchmarks failed");
		qemu_exit(kbench_run(cmdline) == 0);
	}
	if (cmdline_has_word(cmdline, "monitor")) {
		qemu_name_verdicts("the monitor was quit", "the monitor failed");
		start_swap();
		qemu_exit(monitor_run() == 0);
	}
	qemu_name_verdicts("the demo passed", "the demo failed");
	disk_noise_if_asked();
	demo_set_pictures(cmdline_has_word(cmdline, "pictures"));
	if (!demo_paging())
		boot_fail();
	start_swap();
	if (!demo_processes() || !demo_picture_process() || !demo_overcommit() || !demo_cpus())
		boot_fail();
	kprintf("boot: ok\n");
	qemu_exit(true);
}
