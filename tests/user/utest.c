/*
 * utest.c - the system calls and the memory rules of uapi.h, checked from
 * the inside.  `utest N` runs case N of utest_cases.h; the kernel suite
 * (tests/kernel/test_proc.c) starts one process per case and checks how it ended.
 *
 * A case that passes returns 0 (or the status it is about); a failed check
 * prints one line, "utest N name: pid P: utest.c:L: ...", and exits with
 * UTEST_FAILED.  A check that fails in a child ends the child the same way,
 * and its parent's check of the child's status fails in turn.  The cases
 * that must be killed make their bad access last: if it does not kill them,
 * they say so and exit with UTEST_FAILED.
 */
#include "ucheck.h"
#include "ulib.h"
#include "utest_cases.h"

#define PAGE PAGE_SIZE
#define KERNEL_ADDR 0x00100000u   /* the kernel image */
#define GATE_ADDR 0x3F800000u     /* the user gate: ring 3 reaches it only during a probe */
#define KMAP_ADDR 0x3FC00000u     /* the kernel's kmap window */
#define GUARD_ADDR (STACK_TOP - STACK_MAX - PAGE)
#define GAP_ADDR 0x90000000u      /* between a small heap and MAP_BASE: nothing */
#define FAR_MAP_ADDR (MAP_BASE + 0x30000000u) /* in the map area, never mapped here */

extern char program_end[]; /* user.ld */

/* ---- checks (UCHECK, UCHECK_EQ: ucheck.h) -------------------------------------- */

/* The end of a case that should have been killed by now. */
#define SURVIVED(what) UFAIL("survived " what)

/* ---- helpers ------------------------------------------------------------------- */

static volatile uint32_t *word_at(uint32_t addr)
{
	return (volatile uint32_t *)opaque(addr);
}

/* The first address of the heap: the page after the program. */
static uint32_t heap_start(void)
{
	return ALIGN_UP((uint32_t)program_end, PAGE);
}

/* n new heap pages, starting on a page boundary, with the break right after them. */
static uint8_t *heap_pages(uint32_t n)
{
	uint32_t cur = (uint32_t)sbrk(0);
	uint32_t pad = ALIGN_UP(cur, PAGE) - cur;
	uint8_t *p = sbrk((int)(pad + n * PAGE));

	UCHECK_EQ(uerr(p), 0);
	return p + pad;
}

/* New anonymous read-write memory of n pages. */
static uint8_t *map_pages(uint32_t n)
{
	uint8_t *p = map(NULL, n * PAGE, PROT_READ | PROT_WRITE);

	UCHECK_EQ(uerr(p), 0);
	return p;
}


/* Start a child that returns fn(arg) as its exit status; returns its pid. */
static int start_child(int (*fn)(int), int arg)
{
	int pid = fork();

	UCHECK(pid >= 0);
	if (pid == 0)
		exit(fn(arg));
	return pid;
}

/* Run fn(arg) in a child and wait for it; returns its wait() status. */
static int in_child(int (*fn)(int), int arg)
{
	int status = -1, pid = start_child(fn, arg);

	UCHECK_EQ(wait(&status), pid);
	return status;
}

static void yield_n(int n)
{
	while (n-- > 0)
		UCHECK_EQ(yield(), 0);
}

/* ---- children's bodies ------------------------------------------------------- */

static int exit_with(int status)
{
	exit(status);
}

static int read_word(int addr)
{
	return (int)*word_at((uint32_t)addr);
}

static int write_word(int addr)
{
	*word_at((uint32_t)addr) = 0xBAD;
	return UTEST_FAILED;
}

static int overflow_stack(int arg)
{
	(void)arg;
	stack_dive(UINT32_MAX);
	return UTEST_FAILED;
}

static int exec_hello(int arg)
{
	exec("hello", arg);
	return UTEST_FAILED;
}

/* ---- write ----------------------------------------------------------------------- */

static int write_reaches_the_console(void)
{
	static const char start[] = "utest: write: fd 1";
	static const char rest[] = ", across a page boundary\n";
	uint32_t n = sizeof(rest) - 1;
	uint8_t *p = heap_pages(2) + PAGE - 8; /* the text straddles two pages */

	memcpy(p, rest, n);
	UCHECK_EQ(write(1, start, sizeof(start) - 1), sizeof(start) - 1);
	UCHECK_EQ(write(2, ", fd 2", 6), 6);
	UCHECK_EQ(write(1, "", 0), 0);
	UCHECK_EQ(write(1, p, n), n);
	return 0;
}

static int write_refuses_a_bad_fd(void)
{
	static const int bad[] = { 0, FD_NULL + 1, -1, 1000, INT32_MIN };

	for (uint32_t i = 0; i < ARRAY_SIZE(bad); i++)
		UCHECK_EQ(write(bad[i], "x", 1), -SYS_EBADF);
	return 0;
}

/* FD_NULL reads what the console would, from the same buffers, and drops it. */
static int write_to_null_reads_and_drops(void)
{
	uint8_t *p = heap_pages(3), *end = heap_pages(1) + PAGE;
	static const char text[] = "utest: write: FD_NULL prints nothing\n";

	UCHECK_EQ(write(FD_NULL, text, sizeof(text) - 1), sizeof(text) - 1);
	UCHECK_EQ(write(FD_NULL, p + 8, 3 * PAGE - 8), 3 * PAGE - 8); /* untouched pages */
	UCHECK_EQ(write(FD_NULL, "", 0), 0);
	UCHECK_EQ(write(FD_NULL, (void *)KERNEL_ADDR, 4), -SYS_EFAULT);
	UCHECK_EQ(write(FD_NULL, end - 2, 4), -SYS_EFAULT);
	UCHECK_EQ(write(FD_NULL, (void *)0xFFFFF000u, 0x2000), -SYS_EFAULT);
	UCHECK_EQ(write(FD_NULL, p, 0xFFFFFFFFu), -SYS_EINVAL);
	return 0;
}

static int write_refuses_kernel_buffers(void)
{
	static const uint32_t bad[] = { 0, 4, PAGE, KERNEL_ADDR, GATE_ADDR, KMAP_ADDR,
					PROGRAM_BASE - 2 };

	for (uint32_t i = 0; i < ARRAY_SIZE(bad); i++)
		UCHECK_EQ(write(1, (void *)bad[i], 4), -SYS_EFAULT);
	return 0;
}

static int write_refuses_unmapped_buffers(void)
{
	uint8_t *end = heap_pages(1) + PAGE, *m = map_pages(1);

	UCHECK_EQ(write(1, end, 4), -SYS_EFAULT);
	UCHECK_EQ(write(1, end - 2, 4), -SYS_EFAULT); /* the end lies past the break */
	UCHECK_EQ(write(1, end + MiB(1), 4), -SYS_EFAULT);
	UCHECK_EQ(write(1, (void *)GAP_ADDR, 4), -SYS_EFAULT);
	UCHECK_EQ(write(1, (void *)FAR_MAP_ADDR, 4), -SYS_EFAULT);
	UCHECK_EQ(write(1, (void *)GUARD_ADDR, 4), -SYS_EFAULT);
	UCHECK_EQ(write(1, (void *)STACK_TOP, 4), -SYS_EFAULT);
	m[0] = 'x';
	UCHECK_EQ(unmap(m, PAGE), 0);
	UCHECK_EQ(write(1, m, 1), -SYS_EFAULT);
	return 0;
}

static int write_refuses_wrapping_ranges(void)
{
	char local[4] = "ok\n";

	UCHECK_EQ(write(1, (void *)0xFFFFF000u, 0x2000), -SYS_EFAULT);
	UCHECK_EQ(write(1, (void *)0xF0000000u, 0x7FFFFFFF), -SYS_EFAULT);
	UCHECK_EQ(write(1, (void *)0xFFFFFFFFu, 2), -SYS_EFAULT);
	/* longer than a result can say: refused before any byte is read */
	UCHECK_EQ(write(1, local, 0xFFFFFFFFu), -SYS_EINVAL);
	return 0;
}

/* ---- exit, getpid, yield ----------------------------------------------------------- */

static int exit_status_reaches_the_parent(void)
{
	static const int status[] = { 0, 1, 77, 255, 256 + 5, -1 };

	for (uint32_t i = 0; i < ARRAY_SIZE(status); i++)
		UCHECK_EQ(in_child(exit_with, status[i]), status[i] & 0xFF);
	return 0;
}

static int main_returns_the_exit_status(void)
{
	return UTEST_MAIN_RETURN;
}

/* A child's status: its pid's low bits, above every status a failed check gives. */
static int pid_status(int pid)
{
	return 0x80 | (pid & 0x7F);
}

static int getpid_is_stable_and_unique(void)
{
	int me = getpid(), status = -1;

	UCHECK(me > 0);
	UCHECK_EQ(getpid(), me);
	int pid = fork();
	if (pid == 0) {
		int child = getpid();
		exit(child > 0 && child != me ? pid_status(child) : UTEST_FAILED);
	}
	UCHECK(pid > 0 && pid != me);
	UCHECK_EQ(wait(&status), pid);
	UCHECK_STATUS(status, pid_status(pid));
	UCHECK_EQ(getpid(), me);
	return 0;
}

static int yield_a_little(int n)
{
	yield_n(n);
	return 0;
}

static int yield_returns_zero(void)
{
	int pid = start_child(yield_a_little, 10), status = -1;

	yield_n(10);
	UCHECK_EQ(wait(&status), pid);
	UCHECK_STATUS(status, 0);
	return 0;
}

/* ---- sbrk ---------------------------------------------------------------------------- */

static int sbrk_grows_and_shrinks_the_heap(void)
{
	uint8_t *p = heap_pages(3), *end = p + 3 * PAGE;

	UCHECK_EQ(sbrk(0), end);
	UCHECK(pages_zero(p, 3));
	pattern_fill(p, 3, 1);
	UCHECK_EQ(sbrk(-2 * (int)PAGE), end);
	UCHECK_EQ(sbrk(0), p + PAGE);
	UCHECK(pattern_holds(p, 1, 1));
	UCHECK_EQ(sbrk(2 * PAGE), p + PAGE);
	UCHECK(pages_zero(p + PAGE, 2)); /* given back, then new zeroed pages */
	/* a break inside a page: that page is usable */
	UCHECK_EQ(sbrk(10), end);
	((volatile uint8_t *)end)[9] = 9;
	UCHECK_EQ(((volatile uint8_t *)end)[9], 9);
	UCHECK_EQ(sbrk(-10), end + 10);
	UCHECK_EQ(sbrk(0), end);
	return 0;
}

static int sbrk_refuses_bad_increments(void)
{
	uint32_t cur = (uint32_t)sbrk(0);
	int whole = (int)(MAP_BASE - cur);

	UCHECK_EQ(cur, heap_start()); /* nothing has grown the heap yet */
	UCHECK_EQ(sbrk(-1), -SYS_EINVAL);
	UCHECK_EQ(sbrk(INT32_MIN), -SYS_EINVAL);
	UCHECK_EQ(sbrk(whole + 1), -SYS_ENOMEM);
	UCHECK_EQ(sbrk(INT32_MAX), -SYS_ENOMEM);
	UCHECK_EQ(sbrk(0), cur);
	/* up to MAP_BASE is fine: demand-zero memory costs nothing until touched */
	UCHECK_EQ(sbrk(whole), cur);
	*word_at(MAP_BASE - 4) = 0x5EB;
	UCHECK_EQ(*word_at(MAP_BASE - 4), 0x5EB);
	UCHECK_EQ(sbrk(1), -SYS_ENOMEM);
	UCHECK_EQ(sbrk(-whole), MAP_BASE);
	UCHECK_EQ(sbrk(0), cur);
	return 0;
}

static int heap_ends_at_the_break(void)
{
	uint8_t *p = heap_pages(1);

	p[0] = 1;
	read_word((int)(p + PAGE));
	SURVIVED("a read past the break");
}

static int shrunken_heap_is_gone(void)
{
	uint8_t *p = heap_pages(2);

	p[PAGE] = 1;
	UCHECK_EQ(sbrk(-(int)PAGE), p + 2 * PAGE);
	read_word((int)(p + PAGE));
	SURVIVED("a read of a page the heap gave back");
}

/* ---- fork and copy-on-write ------------------------------------------------------------ */

#define COW_PAGES 8

static int fork_gives_the_child_a_copy(void)
{
	uint8_t *p = heap_pages(COW_PAGES);
	int status = -1;

	pattern_fill(p, COW_PAGES, 0xA);
	int pid = fork();
	if (pid == 0) {
		UCHECK(pattern_holds(p, COW_PAGES, 0xA));
		yield();
		pattern_fill(p, COW_PAGES, 0xC);
		yield();
		UCHECK(pattern_holds(p, COW_PAGES, 0xC));
		exit(0);
	}
	UCHECK(pid > 0);
	pattern_fill(p, COW_PAGES, 0xB);
	yield();
	UCHECK(pattern_holds(p, COW_PAGES, 0xB));
	UCHECK_EQ(wait(&status), pid);
	UCHECK_STATUS(status, 0);
	UCHECK(pattern_holds(p, COW_PAGES, 0xB));
	return 0;
}

static uint32_t data_word = 0xDA7A;
static uint32_t bss_pages[2 * PAGE / 4] __attribute__((aligned(PAGE_SIZE)));

static int fork_copies_data_bss_and_stack(void)
{
	volatile uint32_t local[256];
	int status = -1;

	data_word = 0xD1;
	pattern_fill(bss_pages, 2, 0xB1);
	for (uint32_t i = 0; i < ARRAY_SIZE(local); i++)
		local[i] = i;
	int pid = fork();
	if (pid == 0) {
		UCHECK_EQ(data_word, 0xD1);
		UCHECK(pattern_holds(bss_pages, 2, 0xB1));
		for (uint32_t i = 0; i < ARRAY_SIZE(local); i++)
			UCHECK_EQ(local[i], i);
		data_word = 0xD2;
		pattern_fill(bss_pages, 2, 0xB2);
		for (uint32_t i = 0; i < ARRAY_SIZE(local); i++)
			local[i] = ~i;
		UCHECK_EQ(data_word, 0xD2);
		UCHECK(pattern_holds(bss_pages, 2, 0xB2));
		exit(0);
	}
	UCHECK_EQ(wait(&status), pid);
	UCHECK_STATUS(status, 0);
	UCHECK_EQ(data_word, 0xD1);
	UCHECK(pattern_holds(bss_pages, 2, 0xB1));
	for (uint32_t i = 0; i < ARRAY_SIZE(local); i++)
		UCHECK_EQ(local[i], i);
	return 0;
}

/* The child of child_writes_do_not_reach_the_parent: it changes all it can. */
static int scribble(int arg)
{
	uint8_t *heap = (uint8_t *)arg, *m = heap + 4 * PAGE;
	uint8_t **mp = (uint8_t **)m;
	uint8_t *mapped = *mp;

	pattern_fill(heap, 4, 0xC1);
	pattern_fill(mapped, 4, 0xC2);
	pattern_fill(heap_pages(16), 16, 0xC3);
	UCHECK_EQ(unmap(mapped, 2 * PAGE), 0);
	UCHECK_EQ(protect(mapped + 2 * PAGE, 2 * PAGE, PROT_READ), 0);
	pattern_fill(map_pages(4), 4, 0xC4);
	return 0;
}

static int child_writes_do_not_reach_the_parent(void)
{
	uint8_t *heap = heap_pages(5), *m = map_pages(4);
	uint32_t brk = (uint32_t)sbrk(0);

	pattern_fill(heap, 4, 0xA1);
	*(uint8_t **)(heap + 4 * PAGE) = m; /* tell the child where the map is */
	pattern_fill(m, 4, 0xA2);
	UCHECK_EQ(in_child(scribble, (int)heap), 0);
	UCHECK(pattern_holds(heap, 4, 0xA1));
	UCHECK_EQ(sbrk(0), brk);
	UCHECK(pattern_holds(m, 4, 0xA2));
	pattern_fill(m, 4, 0xA3); /* still mapped and still writable here */
	UCHECK(pattern_holds(m, 4, 0xA3));
	return 0;
}

static int parent_writes_do_not_reach_the_child(void)
{
	uint8_t *p = heap_pages(COW_PAGES);
	int status = -1;

	pattern_fill(p, COW_PAGES, 0x1);
	int pid = fork();
	if (pid == 0) {
		yield_n(10);
		exit(pattern_holds(p, COW_PAGES, 0x1) ? 0 : UTEST_FAILED);
	}
	pattern_fill(p, COW_PAGES, 0x2);
	UCHECK_EQ(wait(&status), pid);
	UCHECK_STATUS(status, 0);
	UCHECK(pattern_holds(p, COW_PAGES, 0x2));
	return 0;
}

static int grandchild(int arg)
{
	uint8_t *p = (uint8_t *)arg;

	UCHECK(pattern_holds(p, COW_PAGES, 1));
	pattern_fill(p, COW_PAGES, 3);
	yield();
	UCHECK(pattern_holds(p, COW_PAGES, 3));
	return 0;
}

static int middle_child(int arg)
{
	uint8_t *p = (uint8_t *)arg;
	int pid = start_child(grandchild, arg), status = -1;

	pattern_fill(p, COW_PAGES, 2);
	UCHECK_EQ(wait(&status), pid);
	UCHECK_STATUS(status, 0);
	UCHECK(pattern_holds(p, COW_PAGES, 2));
	return 0;
}

static int copies_stay_private_over_three_generations(void)
{
	uint8_t *p = heap_pages(COW_PAGES);

	pattern_fill(p, COW_PAGES, 1);
	UCHECK_EQ(in_child(middle_child, (int)p), 0);
	UCHECK(pattern_holds(p, COW_PAGES, 1));
	pattern_fill(p, COW_PAGES, 4); /* the last owner of each page now: it writes in place */
	UCHECK(pattern_holds(p, COW_PAGES, 4));
	return 0;
}

/* ---- wait --------------------------------------------------------------------------------- */

static int wait_without_children_fails(void)
{
	int status = 7;

	UCHECK_EQ(wait(&status), -SYS_ECHILD);
	UCHECK_EQ(wait(NULL), -SYS_ECHILD);
	return 0;
}

#define CHILDREN 8

static int wait_collects_every_child(void)
{
	int pids[CHILDREN];
	bool seen[CHILDREN] = { false };

	for (int i = 0; i < CHILDREN; i++)
		pids[i] = start_child(exit_with, 10 + i);
	for (int n = 0; n < CHILDREN; n++) {
		int status = -1, pid = wait(&status), i = 0;
		while (i < CHILDREN && pids[i] != pid)
			i++;
		UCHECK(i < CHILDREN);
		UCHECK(!seen[i]);
		seen[i] = true;
		UCHECK_STATUS(status, 10 + i);
	}
	UCHECK_EQ(wait(NULL), -SYS_ECHILD);
	return 0;
}

static int wait_accepts_a_null_status(void)
{
	int pid = start_child(exit_with, 3);

	UCHECK_EQ(wait(NULL), pid);
	UCHECK_EQ(wait(NULL), -SYS_ECHILD);
	return 0;
}

static const int read_only_word = 0x0DD;

static int wait_refuses_bad_status_pointers(void)
{
	uint8_t *end = heap_pages(1) + PAGE, *ro = map(NULL, PAGE, PROT_READ);
	int *const bad[] = {
		(int *)KERNEL_ADDR, (int *)4, (int *)GATE_ADDR,
		(int *)(uintptr_t)&read_only_word,       /* read-only data */
		(int *)(uintptr_t)main,                  /* code */
		(int *)ro,                               /* a read-only map */
		(int *)end, (int *)(end - 2),            /* past the break, across it */
		(int *)0xFFFFFFFEu,                      /* wraps */
	};
	int pid = start_child(exit_with, 9), status = -1;

	UCHECK_EQ(uerr(ro), 0);
	for (uint32_t i = 0; i < ARRAY_SIZE(bad); i++)
		UCHECK_EQ(wait(bad[i]), -SYS_EFAULT);
	UCHECK_EQ(read_only_word, 0x0DD);
	UCHECK(pages_zero(ro, 1));
	/* the child was not collected by the refused calls */
	UCHECK_EQ(wait(&status), pid);
	UCHECK_STATUS(status, 9);
	return 0;
}

static int wait_reports_killed_children(void)
{
	UCHECK_EQ(in_child(read_word, 0), UTEST_KILLED_FAULT);
	UCHECK_EQ(in_child(write_word, (int)KERNEL_ADDR), UTEST_KILLED_FAULT);
	UCHECK_EQ(in_child(overflow_stack, 0), UTEST_KILLED_STACK);
	UCHECK_EQ(in_child(exit_with, 0), 0);
	return 0;
}

/* ---- map, unmap, protect ---------------------------------------------------------------- */

static bool in_map_area(const void *p, uint32_t len)
{
	uint32_t a = (uint32_t)p;

	return a >= MAP_BASE && a <= MAP_LIMIT - len && IS_ALIGNED(a, PAGE);
}

static int map_gives_zeroed_memory(void)
{
	uint8_t *a = map_pages(3), *b = map(NULL, 5000, PROT_READ | PROT_WRITE);
	uint8_t *fixed = (uint8_t *)(MAP_BASE + MiB(64));
	const uint8_t *r = map(NULL, PAGE, PROT_READ);

	UCHECK(in_map_area(a, 3 * PAGE));
	UCHECK(pages_zero(a, 3));
	pattern_fill(a, 3, 0x3A);
	UCHECK(pattern_holds(a, 3, 0x3A));
	UCHECK_EQ(uerr(b), 0);
	UCHECK(in_map_area(b, 2 * PAGE));
	UCHECK(b >= a + 3 * PAGE || b + 2 * PAGE <= a);
	b[2 * PAGE - 1] = 1; /* 5000 bytes make two pages */
	UCHECK_EQ(map(fixed, PAGE, PROT_READ | PROT_WRITE), fixed);
	pattern_fill(fixed, 1, 0xF1);
	UCHECK(pattern_holds(fixed, 1, 0xF1));
	UCHECK_EQ(uerr(r), 0);
	UCHECK(in_map_area(r, PAGE));
	UCHECK(pages_zero(r, 1));
	UCHECK(pattern_holds(a, 3, 0x3A));
	return 0;
}

static int map_refuses_bad_arguments(void)
{
	const int rw = PROT_READ | PROT_WRITE;
	uint8_t *at = (uint8_t *)(MAP_BASE + MiB(16));
	uint8_t *m;
	int n = 0;

	UCHECK_EQ(map(NULL, 0, rw), -SYS_EINVAL);
	UCHECK_EQ(map((void *)(MAP_BASE + 1), PAGE, rw), -SYS_EINVAL);
	UCHECK_EQ(map(NULL, PAGE, 0), -SYS_EINVAL);
	UCHECK_EQ(map(NULL, PAGE, PROT_WRITE), -SYS_EINVAL);
	UCHECK_EQ(map(NULL, PAGE, 4), -SYS_EINVAL);
	UCHECK_EQ(map(NULL, PAGE, 0x100 | rw), -SYS_EINVAL);
	UCHECK_EQ(map((void *)PROGRAM_BASE, PAGE, rw), -SYS_EINVAL);
	UCHECK_EQ(map((void *)KERNEL_ADDR, PAGE, rw), -SYS_EINVAL);
	UCHECK_EQ(map((void *)(STACK_TOP - PAGE), PAGE, rw), -SYS_EINVAL);
	UCHECK_EQ(map((void *)MAP_LIMIT, PAGE, rw), -SYS_EINVAL);
	UCHECK_EQ(map((void *)(MAP_LIMIT - PAGE), 2 * PAGE, rw), -SYS_EINVAL);
	UCHECK_EQ(map((void *)MAP_BASE, 0xFFFFF000u, rw), -SYS_EINVAL);
	UCHECK_EQ(map((void *)0xFFFFF000u, 2 * PAGE, rw), -SYS_EINVAL);
	UCHECK_EQ(map(NULL, MAP_LIMIT - MAP_BASE + PAGE, rw), -SYS_EINVAL);
	/* overlaps */
	UCHECK_EQ(map(at, 2 * PAGE, rw), at);
	UCHECK_EQ(map(at + PAGE, 2 * PAGE, rw), -SYS_EINVAL);
	UCHECK_EQ(map(at - PAGE, 2 * PAGE, rw), -SYS_EINVAL);
	UCHECK_EQ(map(at, PAGE, rw), -SYS_EINVAL);
	/* running out of regions: -ENOMEM, and one given back can be had again */
	while (!uerr(m = map(NULL, PAGE, rw)) && n < 1000)
		n++;
	UCHECK_EQ(uerr(m), -SYS_ENOMEM);
	UCHECK(n > 0 && n < 1000);
	UCHECK_EQ(unmap(at, 2 * PAGE), 0);
	UCHECK_EQ(map(at, PAGE, rw), at);
	return 0;
}

static int unmap_removes_pages(void)
{
	const int rw = PROT_READ | PROT_WRITE;
	uint8_t *a = map_pages(3), *b = (uint8_t *)(MAP_BASE + MiB(32));

	pattern_fill(a, 3, 0x10);
	UCHECK_EQ(unmap(a + PAGE, PAGE), 0);
	UCHECK(pattern_holds(a, 1, 0x10));
	UCHECK(pattern_holds(a + 2 * PAGE, 1, 0x10));
	UCHECK_EQ(map(a + PAGE, PAGE, rw), a + PAGE); /* the hole is free again */
	UCHECK(pages_zero(a + PAGE, 1));
	UCHECK_EQ(unmap(a, 3 * PAGE), 0);
	UCHECK_EQ(unmap(a, 3 * PAGE), 0); /* nothing there is fine */
	UCHECK_EQ(unmap((void *)FAR_MAP_ADDR, MiB(16)), 0);
	/* a length is rounded up to whole pages */
	UCHECK_EQ(map(b, 2 * PAGE, rw), b);
	UCHECK_EQ(unmap(b, 1), 0);
	UCHECK_EQ(map(b + PAGE, PAGE, rw), -SYS_EINVAL); /* still mapped */
	UCHECK_EQ(map(b, PAGE, rw), b);
	return 0;
}

static int unmap_refuses_bad_arguments(void)
{
	uint8_t *heap = heap_pages(1), *m = map_pages(2);

	pattern_fill(heap, 1, 0x4E);
	pattern_fill(m, 2, 0x4F);
	UCHECK_EQ(unmap(m, 0), -SYS_EINVAL);
	UCHECK_EQ(unmap(m + 1, PAGE), -SYS_EINVAL);
	UCHECK_EQ(unmap((void *)PROGRAM_BASE, PAGE), -SYS_EINVAL);
	UCHECK_EQ(unmap((void *)KERNEL_ADDR, PAGE), -SYS_EINVAL);
	UCHECK_EQ(unmap(heap, PAGE), -SYS_EINVAL);
	UCHECK_EQ(unmap((void *)(STACK_TOP - PAGE), PAGE), -SYS_EINVAL);
	UCHECK_EQ(unmap((void *)(MAP_LIMIT - PAGE), 2 * PAGE), -SYS_EINVAL);
	UCHECK_EQ(unmap((void *)MAP_BASE, 0xFFFFF000u), -SYS_EINVAL);
	UCHECK_EQ(unmap((void *)0xFFFFF000u, 2 * PAGE), -SYS_EINVAL);
	UCHECK(pattern_holds(heap, 1, 0x4E));
	UCHECK(pattern_holds(m, 2, 0x4F));
	return 0;
}

static int protect_changes_rights(void)
{
	const int rw = PROT_READ | PROT_WRITE;
	uint8_t *a = map_pages(3), *b = map_pages(1);

	pattern_fill(a, 3, 0x50);
	UCHECK_EQ(protect(a, 3 * PAGE, PROT_READ), 0);
	UCHECK(pattern_holds(a, 3, 0x50));
	UCHECK_EQ(protect(a, 3 * PAGE, rw), 0);
	pattern_fill(a, 3, 0x51);
	UCHECK(pattern_holds(a, 3, 0x51));
	/* one page of three: the others stay writable */
	UCHECK_EQ(protect(a + PAGE, PAGE, PROT_READ), 0);
	pattern_fill(a, 1, 0x52);
	pattern_fill(a + 2 * PAGE, 1, 0x53);
	UCHECK(pattern_holds(a + PAGE, 1, 0x51));
	UCHECK_EQ(protect(a + PAGE, 1, rw), 0); /* rounded up to the page */
	pattern_fill(a + PAGE, 1, 0x54);
	UCHECK(pattern_holds(a, 1, 0x52) && pattern_holds(a + PAGE, 1, 0x54) && pattern_holds(a + 2 * PAGE, 1, 0x53));
	/* pages never touched take the new rights too */
	UCHECK_EQ(protect(b, PAGE, PROT_READ), 0);
	UCHECK(pages_zero(b, 1));
	UCHECK_EQ(protect(b, PAGE, rw), 0);
	pattern_fill(b, 1, 0x55);
	UCHECK(pattern_holds(b, 1, 0x55));
	return 0;
}

static int protect_refuses_bad_arguments(void)
{
	const int rw = PROT_READ | PROT_WRITE;
	uint8_t *a = map_pages(2), *heap = heap_pages(1);

	pattern_fill(a, 2, 0x60);
	UCHECK_EQ(protect(a, 0, PROT_READ), -SYS_EINVAL);
	UCHECK_EQ(protect(a + 1, PAGE, PROT_READ), -SYS_EINVAL);
	UCHECK_EQ(protect(a, PAGE, 0), -SYS_EINVAL);
	UCHECK_EQ(protect(a, PAGE, PROT_WRITE), -SYS_EINVAL);
	UCHECK_EQ(protect(a, PAGE, 4), -SYS_EINVAL);
	UCHECK_EQ(protect(a, PAGE, 0x100 | PROT_READ), -SYS_EINVAL);
	UCHECK_EQ(protect((void *)FAR_MAP_ADDR, PAGE, PROT_READ), -SYS_EINVAL);
	UCHECK_EQ(protect(a + PAGE, 2 * PAGE, PROT_READ), -SYS_EINVAL); /* half mapped */
	UCHECK_EQ(protect((void *)PROGRAM_BASE, PAGE, rw), -SYS_EINVAL);
	UCHECK_EQ(protect((void *)KERNEL_ADDR, PAGE, rw), -SYS_EINVAL);
	UCHECK_EQ(protect(heap, PAGE, PROT_READ), -SYS_EINVAL);
	UCHECK_EQ(protect((void *)(MAP_LIMIT - PAGE), 2 * PAGE, PROT_READ), -SYS_EINVAL);
	UCHECK_EQ(protect((void *)MAP_BASE, 0xFFFFF000u, PROT_READ), -SYS_EINVAL);
	/* nothing changed: the map is still writable */
	pattern_fill(a, 2, 0x61);
	UCHECK(pattern_holds(a, 2, 0x61));
	return 0;
}

static int read_only_map_refuses_writes(void)
{
	uint8_t *r = map(NULL, PAGE, PROT_READ);

	UCHECK_EQ(uerr(r), 0);
	UCHECK_EQ(r[0], 0);
	write_word((int)r);
	SURVIVED("a write to a read-only map");
}

static int protected_page_refuses_writes(void)
{
	uint8_t *a = map_pages(1);

	a[0] = 1;
	UCHECK_EQ(protect(a, PAGE, PROT_READ), 0);
	UCHECK_EQ(a[0], 1);
	write_word((int)a);
	SURVIVED("a write to a page made read-only");
}

static int unmapped_memory_is_gone(void)
{
	uint8_t *a = map_pages(1);

	a[0] = 1;
	UCHECK_EQ(unmap(a, PAGE), 0);
	read_word((int)a);
	SURVIVED("a read of unmapped memory");
}

static int protect_after_fork_keeps_copies_private(void)
{
	const int rw = PROT_READ | PROT_WRITE;
	uint8_t *a = map_pages(2);
	int status = -1;

	pattern_fill(a, 2, 0x70);
	UCHECK_EQ(protect(a, 2 * PAGE, PROT_READ), 0);
	int pid = fork();
	if (pid == 0) {
		yield_n(3);
		UCHECK(pattern_holds(a, 2, 0x70));
		UCHECK_EQ(protect(a, 2 * PAGE, rw), 0);
		pattern_fill(a, 2, 0x72);
		yield();
		UCHECK(pattern_holds(a, 2, 0x72));
		exit(0);
	}
	UCHECK_EQ(protect(a, 2 * PAGE, rw), 0);
	pattern_fill(a, 2, 0x71);
	UCHECK_EQ(wait(&status), pid);
	UCHECK_STATUS(status, 0);
	UCHECK(pattern_holds(a, 2, 0x71));
	return 0;
}

/*
 * With every region slot in use, unmap and protect refuse a range that
 * would split a region (-SYS_ENOMEM) and change nothing; a range of whole
 * regions needs no slot, and a slot given back makes the split possible.
 */
static int full_region_table_refuses_splits(void)
{
	const int rw = PROT_READ | PROT_WRITE;
	uint8_t *first = map_pages(3), *last = NULL, *m;
	int n = 1;

	pattern_fill(first, 3, 0x80);
	while (n < 1000 && !uerr(m = map(NULL, PAGE, rw))) {
		last = m;
		n++;
	}
	UCHECK_EQ(uerr(m), -SYS_ENOMEM);
	UCHECK(last != NULL);
	UCHECK_EQ(unmap(first + PAGE, PAGE), -SYS_ENOMEM);     /* two new regions */
	UCHECK_EQ(unmap(first + 2 * PAGE, PAGE), -SYS_ENOMEM); /* one */
	UCHECK_EQ(protect(first + PAGE, PAGE, PROT_READ), -SYS_ENOMEM);
	UCHECK_EQ(protect(first, 1, PROT_READ), -SYS_ENOMEM);
	UCHECK(pattern_holds(first, 3, 0x80));
	pattern_fill(first, 3, 0x81); /* still all writable */
	UCHECK_EQ(protect(first, 3 * PAGE, PROT_READ), 0);
	UCHECK_EQ(protect(first, 3 * PAGE, rw), 0);
	UCHECK_EQ(unmap(last, PAGE), 0);
	UCHECK_EQ(unmap(first + 2 * PAGE, PAGE), 0);
	UCHECK_EQ(unmap(first + PAGE, PAGE), 0);
	UCHECK(pattern_holds(first, 1, 0x81));
	return 0;
}

/* A map area taken whole leaves no room for map(NULL, ...): -SYS_ENOMEM. */
static int full_map_area_refuses_maps(void)
{
	const int rw = PROT_READ | PROT_WRITE;
	const uint32_t area = MAP_LIMIT - MAP_BASE;
	uint8_t *all = map(NULL, area, rw), *hole;

	UCHECK_EQ(all, MAP_BASE);
	UCHECK_EQ(map(NULL, PAGE, rw), -SYS_ENOMEM);
	all[0] = 1;
	all[area - 1] = 2;
	hole = all + MiB(8);
	UCHECK_EQ(unmap(hole, PAGE), 0);
	UCHECK_EQ(map(NULL, 2 * PAGE, rw), -SYS_ENOMEM); /* the hole is one page */
	UCHECK_EQ(map(NULL, PAGE, rw), hole);
	UCHECK(pages_zero(hole, 1));
	UCHECK_EQ(all[0] + all[area - 1], 3);
	return 0;
}

/* ---- exec ----------------------------------------------------------------------------------- */

static int exec_of_an_unknown_program_fails(void)
{
	uint8_t *p = heap_pages(1), *end = p + PAGE;
	uint32_t brk = (uint32_t)sbrk(0);
	int me = getpid();

	pattern_fill(p, 1, 0xE0);
	UCHECK_EQ(exec("nosuch", 1), -SYS_ENOENT);
	UCHECK_EQ(exec("", 1), -SYS_ENOENT);
	UCHECK_EQ(exec(NULL, 1), -SYS_EFAULT);
	UCHECK_EQ(exec((const char *)KERNEL_ADDR, 1), -SYS_EFAULT);
	UCHECK_EQ(exec((const char *)end, 1), -SYS_EFAULT);
	UCHECK_EQ(exec((const char *)GAP_ADDR, 1), -SYS_EFAULT);
	/* a name that runs into the unmapped page after the heap */
	memset(end - 4, 'h', 4);
	UCHECK_EQ(exec((const char *)end - 4, 1), -SYS_EFAULT);
	/* longer than any program name */
	UCHECK_EQ(exec("hellohellohellohello", 1), -SYS_EINVAL);
	UCHECK_EQ(getpid(), me);
	UCHECK_EQ(sbrk(0), brk);
	pattern_fill(p, 1, 0xE1);
	UCHECK(pattern_holds(p, 1, 0xE1));
	return 0;
}

static int exec_replaces_the_program(void)
{
	exec("hello", UTEST_EXEC_ARG);
	UFAIL("exec(\"hello\") returned");
}

/* A child with a grown heap and a map that turns itself into `utest arg`. */
static int exec_utest(int arg)
{
	pattern_fill(heap_pages(4), 4, 0xE2);
	pattern_fill(map_pages(4), 4, 0xE3);
	exec("utest", arg);
	return UTEST_FAILED;
}

static int exec_in_a_child(void)
{
	UCHECK_EQ(in_child(exec_hello, 7), 7);
	UCHECK_EQ(in_child(exec_utest, 7), UTEST_MAIN_RETURN);
	return 0;
}

/* ---- system-call numbers --------------------------------------------------------------------- */

static int unknown_system_calls_fail(void)
{
	static const int bad[] = { 0, SYS_COUNT, 99, -1, INT32_MIN, SYSCALL_VECTOR };

	for (uint32_t i = 0; i < ARRAY_SIZE(bad); i++)
		UCHECK_EQ(syscall(bad[i], 1, 2, 3), -SYS_ENOSYS);
	return 0;
}

/* ---- the stack -------------------------------------------------------------------------------- */

static int stack_grows_to_its_limit(void)
{
	/* about 900 KiB of the 1 MiB the stack may use, frames' own words counted */
	UCHECK_EQ(stack_dive(KiB(850)), 0);
	*word_at(STACK_TOP - STACK_MAX) = 0x57AC;
	UCHECK_EQ(*word_at(STACK_TOP - STACK_MAX), 0x57AC);
	return 0;
}

static int stack_overflow_kills(void)
{
	overflow_stack(0);
	SURVIVED("a stack overflow");
}

static int guard_page_kills(void)
{
	read_word((int)GUARD_ADDR);
	SURVIVED("a read of the stack's guard page");
}

/* ---- what a process may not touch ------------------------------------------------------------------ */

static int null_read_kills(void)
{
	read_word(0);
	SURVIVED("a read of NULL");
}

static int null_write_kills(void)
{
	write_word(0);
	SURVIVED("a write to NULL");
}

static int kernel_read_kills(void)
{
	read_word((int)KERNEL_ADDR);
	SURVIVED("a read of the kernel");
}

static int kernel_write_kills(void)
{
	write_word((int)KERNEL_ADDR);
	SURVIVED("a write to the kernel");
}

static int kmap_window_read_kills(void)
{
	read_word((int)KMAP_ADDR);
	SURVIVED("a read of the kmap window");
}

static int user_gate_write_kills(void)
{
	write_word((int)GATE_ADDR);
	SURVIVED("a write to the user gate");
}

static int user_gate_read_kills(void)
{
	read_word((int)GATE_ADDR);
	SURVIVED("a read of the user gate (kernel code)");
}

/*
 * Run the gate's read entry (a load from EAX, then `int $0x81`, the probe's
 * way back into the kernel) as if the kernel had sent the process there.
 */
static _Noreturn void enter_gate(uint32_t addr)
{
	asm volatile("jmp *%1" : : "a"(addr), "r"(opaque(GATE_ADDR)) : "memory");
	__builtin_unreachable();
}

static int user_gate_code_cannot_be_run(void)
{
	static uint32_t word = 0x6A7E;

	enter_gate((uint32_t)&word);
}

static int user_gate_fault_is_not_a_probe(void)
{
	enter_gate(0);
}

static int probe_return_vector_kills(void)
{
	asm volatile("int $0x81");
	SURVIVED("int $0x81 outside a probe");
}

static int code_write_kills(void)
{
	write_word((int)(uintptr_t)main);
	SURVIVED("a write to its code");
}

static int unmapped_read_kills(void)
{
	read_word((int)GAP_ADDR);
	SURVIVED("a read of memory in no region");
}

static int read_below_the_guard_page_kills(void)
{
	read_word((int)(GUARD_ADDR - PAGE));
	SURVIVED("a read below the stack's guard page");
}

static int privileged_instruction_kills(void)
{
	asm volatile("cli");
	SURVIVED("cli in ring 3");
}

/* Do one thing a process may not, by number; returns only if it was let through. */
static int forbidden(int what)
{
	int zero = (int)opaque(0);

	switch (what) {
	case 0: asm volatile("hlt"); break;
	case 1: asm volatile("ud2"); break;
	case 2: asm volatile("divl %1" : : "a"(1), "r"(zero), "d"(0)); break;
	case 3: asm volatile("int3"); break;
	case 4: asm volatile("int $0x08"); break;  /* double fault */
	case 5: asm volatile("int $0x0E"); break;  /* page fault */
	case 6: asm volatile("int $0x20"); break;  /* the timer's IRQ */
	case 7: asm volatile("int $0x21"); break;
	case 8: asm volatile("int $0xFF"); break;
	case 9: asm volatile("inb $0x60, %%al" : : : "eax"); break;
	case 10: asm volatile("outl %%eax, $0xF4" : : "a"(0)); break; /* QEMU's exit port */
	case 11: asm volatile("movl %%eax, %%cr3" : : "a"(0)); break;
	case 12: asm volatile("lidt (%%eax)" : : "a"(0)); break;
	}
	return what;
}

#define FORBIDDEN 13

static int traps_from_ring_3_end_only_the_process(void)
{
	for (int i = 0; i < FORBIDDEN; i++) {
		int status = in_child(forbidden, i);
		if (status != UTEST_KILLED_FAULT)
			printf("utest: forbidden thing %d:\n", i);
		UCHECK_STATUS(status, UTEST_KILLED_FAULT);
	}
	return 0;
}

/* ---- many processes ---------------------------------------------------------------------------------- */

/*
 * Nobody waits for an orphan, so its exit status is lost: a failed check
 * here is a null write instead, which the kernel counts as a kill.
 */
static int late_child(int arg)
{
	uint8_t *p = heap_pages(4);

	yield_n(20);
	pattern_fill(p, 4, (uint32_t)arg);
	yield_n(5);
	if (!pattern_holds(p, 4, (uint32_t)arg))
		*(volatile uint32_t *)0 = 0;
	return 0;
}

static int orphans_finish_after_their_parent(void)
{
	for (int i = 0; i < 3; i++)
		start_child(late_child, i);
	return 0;
}

static int busy_child(int i)
{
	uint8_t *p = heap_pages(16);

	pattern_fill(p, 16, (uint32_t)i);
	yield();
	return pattern_holds(p, 16, (uint32_t)i) ? i : UTEST_FAILED;
}

#define MANY 40

static int many_children_at_once(void)
{
	int pids[MANY];

	for (int i = 0; i < MANY; i++)
		pids[i] = start_child(busy_child, 100 + i);
	for (int n = 0; n < MANY; n++) {
		int status = -1, pid = wait(&status), i = 0;
		while (i < MANY && pids[i] != pid)
			i++;
		UCHECK(i < MANY);
		UCHECK_STATUS(status, 100 + i);
	}
	UCHECK_EQ(wait(NULL), -SYS_ECHILD);
	return 0;
}

/*
 * Fork until the process table is full.  The children yield long enough
 * for the parent to fill it, then end.
 */
static int fork_fails_when_the_table_is_full(void)
{
	int n = 0, rc, status;

	while ((rc = fork()) > 0)
		n++;
	if (rc == 0)
		exit(yield_a_little(200));
	UCHECK_EQ(rc, -SYS_ENOMEM);
	UCHECK(n >= 16);
	for (int i = 0; i < n; i++) {
		UCHECK(wait(&status) > 0);
		UCHECK_STATUS(status, 0);
	}
	UCHECK_EQ(wait(NULL), -SYS_ECHILD);
	UCHECK_EQ(in_child(exit_with, 5), 5); /* the slots are free again */
	return 0;
}

#define BIG_HEAP_PAGES 1024 /* 4 MiB */

static int fork_shares_a_big_heap(void)
{
	volatile uint32_t *w = (volatile uint32_t *)heap_pages(BIG_HEAP_PAGES);
	const uint32_t step = PAGE / 4;
	int status = -1;

	for (uint32_t i = 0; i < BIG_HEAP_PAGES; i++)
		w[i * step] = i;
	int pid = fork();
	if (pid == 0) {
		for (uint32_t i = 0; i < BIG_HEAP_PAGES; i++)
			UCHECK_EQ(w[i * step], i);
		for (uint32_t i = 0; i < BIG_HEAP_PAGES; i += 16)
			w[i * step] = ~i;
		exit(0);
	}
	UCHECK_EQ(wait(&status), pid);
	UCHECK_STATUS(status, 0);
	for (uint32_t i = 0; i < BIG_HEAP_PAGES; i++)
		UCHECK_EQ(w[i * step], i);
	return 0;
}

#define SPREAD_TABLES 64 /* 4 MiB regions of heap with one page touched in each */

static int heap_spread_over_many_tables_survives_fork(void)
{
	uint8_t *p = heap_pages(SPREAD_TABLES * 1024);
	int status = -1;

	for (uint32_t i = 0; i < SPREAD_TABLES; i++)
		*(volatile uint32_t *)(p + MiB(4) * i) = i;
	int pid = fork();
	if (pid == 0) {
		for (uint32_t i = 0; i < SPREAD_TABLES; i++)
			UCHECK_EQ(*(volatile uint32_t *)(p + MiB(4) * i), i);
		for (uint32_t i = 0; i < SPREAD_TABLES; i++)
			*(volatile uint32_t *)(p + MiB(4) * i + PAGE) = ~i;
		exit(0);
	}
	for (uint32_t i = 0; i < SPREAD_TABLES; i += 2)
		*(volatile uint32_t *)(p + MiB(4) * i) = i + 1000;
	UCHECK_EQ(wait(&status), pid);
	UCHECK_STATUS(status, 0);
	for (uint32_t i = 0; i < SPREAD_TABLES; i++) {
		UCHECK_EQ(*(volatile uint32_t *)(p + MiB(4) * i), i % 2 ? i : i + 1000);
		UCHECK_EQ(*(volatile uint32_t *)(p + MiB(4) * i + PAGE), 0);
	}
	return 0;
}

/* ---- the x87 registers ----------------------------------------------------------------------- */

#define FPU_FRESH_CW 0x037F  /* as FNINIT leaves it */
#define FPU_PARENT_CW 0x027F /* round to nearest, 53-bit precision */
#define FPU_CHILD_CW 0x0C7F  /* round toward zero */
#define FPU_PARENT_VALUE 0x1234567
#define FPU_CHILD_VALUE 0x5EC2E7

static uint16_t fpu_cw(void)
{
	uint16_t cw;

	__asm__ volatile("fnstcw %0" : "=m"(cw));
	return cw;
}

static uint16_t fpu_sw(void)
{
	uint16_t sw;

	__asm__ volatile("fnstsw %0" : "=m"(sw));
	return sw;
}

/* Set the control word and push v. */
static void fpu_load(uint16_t cw, int v)
{
	__asm__ volatile("fldcw %0; fildl %1" : : "m"(cw), "m"(v));
}

/* A child starts with its parent's registers, and changes only its own. */
static int fpu_child(int arg)
{
	if (fpu_cw() != (uint16_t)arg)
		return 1;
	fpu_load(FPU_CHILD_CW, FPU_CHILD_VALUE);
	yield_n(2);
	return fpu_cw() == FPU_CHILD_CW ? 0 : 2;
}

/* A new program starts with empty registers, whatever the old one left. */
static int fpu_exec_child(int arg)
{
	fpu_load(FPU_CHILD_CW, FPU_CHILD_VALUE);
	exec("utest", arg);
	return UTEST_FAILED;
}

static int fpu_registers_are_each_process_own(void)
{
	int got = 0;

	__asm__ volatile("fninit");
	fpu_load(FPU_PARENT_CW, FPU_PARENT_VALUE);
	UCHECK_EQ(in_child(fpu_child, FPU_PARENT_CW), 0);
	UCHECK_EQ(in_child(fpu_exec_child, 64), 0);
	UCHECK_EQ(fpu_cw(), FPU_PARENT_CW);
	__asm__ volatile("fistpl %0" : "=m"(got));
	UCHECK_EQ(got, FPU_PARENT_VALUE);
	UCHECK_EQ(fpu_sw(), 0);
	return 0;
}

static int fpu_starts_empty(void)
{
	UCHECK_EQ(fpu_cw(), FPU_FRESH_CW);
	UCHECK_EQ(fpu_sw(), 0); /* nothing pushed, no exception */
	return 0;
}

/* An unmasked x87 error (here a division by zero) is a fault (#MF) that ends the process. */
static int fpu_error_kills(void)
{
	int one = 1, zero = 0;

	fpu_load(FPU_FRESH_CW & ~0x4, one); /* divide-by-zero unmasked */
	__asm__ volatile("fidivl %0; fwait" : : "m"(zero));
	SURVIVED("an x87 division by zero");
}

/* ---- threads ------------------------------------------------------------------------------------------ */

#define THREAD_STACK (4 * PAGE)
#define SUMMERS 8
#define SUM_STEPS 20000

/* Start fn(arg) in a new thread; returns its tid. */
static int start_thread(int (*fn)(void *), void *arg)
{
	int tid = thread_create(fn, arg, THREAD_STACK);

	UCHECK(tid > 0);
	return tid;
}

/* Join thread tid; returns its status. */
static int joined(int tid)
{
	int status = -1;

	UCHECK_EQ(thread_join(tid, &status), 0);
	return status;
}

/* Let the others run until *flag is set. */
static void await(const volatile int *flag)
{
	while (!*flag)
		yield();
}

static volatile int go; /* what threads that wait for a word of their leader's wait for */

static int wait_for_go(void *arg)
{
	await(&go);
	return (int)arg;
}

struct share {
	volatile uint32_t *stack_word; /* on the leader's stack */
	uint8_t *heap;
	void *brk;                     /* the break the thread found, before it grew the heap */
};

static uint32_t thread_data_word = 0xDA7A;

static int share_writer(void *arg)
{
	struct share *s = arg;

	*s->stack_word = 0x5EED;
	pattern_fill(s->heap, 2, 0x77);
	thread_data_word = 0xD0E;
	s->brk = sbrk(PAGE);
	return 0;
}

/* One thread writes the leader's stack, heap and data; the leader reads them after join. */
static int threads_share_memory(void)
{
	volatile uint32_t word = 0;
	struct share s = { &word, heap_pages(2), NULL };

	UCHECK_EQ(joined(start_thread(share_writer, &s)), 0);
	UCHECK_EQ(word, 0x5EED);
	UCHECK(pattern_holds(s.heap, 2, 0x77));
	UCHECK_EQ(thread_data_word, 0xD0E);
	UCHECK_EQ(sbrk(0), (uint8_t *)s.brk + PAGE); /* one heap, one break */
	return 0;
}

static volatile uint32_t sums[SUMMERS];

/* Thread i adds (i + 1) * k for k = 1..SUM_STEPS into its slot, yielding now and then. */
static int summer(void *arg)
{
	uint32_t i = (uint32_t)arg;

	for (uint32_t k = 1; k <= SUM_STEPS; k++) {
		sums[i] += (i + 1) * k;
		if (k % 2000 == 0)
			yield();
	}
	return (int)i;
}

static int threads_sum_into_their_own_slots(void)
{
	int tids[SUMMERS];

	for (uint32_t i = 0; i < SUMMERS; i++)
		tids[i] = start_thread(summer, (void *)i);
	for (uint32_t i = 0; i < SUMMERS; i++)
		UCHECK_EQ(joined(tids[i]), i);
	for (uint32_t i = 0; i < SUMMERS; i++)
		UCHECK_EQ(sums[i], (i + 1) * (SUM_STEPS * (SUM_STEPS + 1) / 2));
	return 0;
}

static int exit_deep(void *arg)
{
	thread_exit((int)arg);
}

static int join_returns_each_status(void)
{
	int tids[5];

	go = 0;
	for (int i = 0; i < 4; i++)
		tids[i] = start_thread(wait_for_go, (void *)(10 + i));
	tids[4] = start_thread(exit_deep, (void *)0x1F5); /* 0-255, as exit() */
	go = 1;
	for (int i = 3; i >= 0; i--)
		UCHECK_STATUS(joined(tids[i]), 10 + i);
	UCHECK_STATUS(joined(tids[4]), 0xF5);
	UCHECK_EQ(join(tids[4], NULL), -SYS_ESRCH);
	return 0;
}

static volatile int own_tid, leader_pid;

/* A thread may join neither itself nor its leader. */
static int join_self(void *arg)
{
	(void)arg;
	await(&own_tid);
	if (join(own_tid, NULL) != -SYS_ESRCH || join(leader_pid, NULL) != -SYS_ESRCH)
		return 1;
	return 0;
}

static int another_process_thread(int tid)
{
	return join(tid, NULL) == -SYS_ESRCH ? 0 : 1;
}

static int join_refuses_what_is_not_a_thread(void)
{
	int status = -1, child = start_child(exit_with, 3);

	UCHECK_EQ(join(getpid(), NULL), -SYS_ESRCH);
	UCHECK_EQ(join(0, NULL), -SYS_ESRCH);
	UCHECK_EQ(join(-1, NULL), -SYS_ESRCH);
	UCHECK_EQ(join(99999, NULL), -SYS_ESRCH);
	UCHECK_EQ(join(child, NULL), -SYS_ESRCH); /* a child is a process, not a thread */
	UCHECK_EQ(wait(&status), child);
	leader_pid = getpid();
	int tid = start_thread(join_self, NULL);
	own_tid = tid;
	UCHECK_STATUS(in_child(another_process_thread, tid), 0); /* the child has no such thread */
	UCHECK_EQ(join(tid, (int *)KERNEL_ADDR), -SYS_EFAULT);
	UCHECK_EQ(thread_join(tid, &status), 0);
	UCHECK_STATUS(status, 0);
	UCHECK_EQ(thread_join(tid, &status), -SYS_ESRCH); /* joined already */
	return 0;
}

struct maps {
	uint8_t *mine;   /* mapped by the leader, filled by the thread */
	uint8_t *theirs; /* mapped and filled by the thread */
};

static int map_toucher(void *arg)
{
	struct maps *m = arg;

	pattern_fill(m->mine, 3, 0xA1);
	m->theirs = map(NULL, 3 * PAGE, PROT_READ | PROT_WRITE);
	if (uerr(m->theirs))
		return 1;
	pattern_fill(m->theirs, 3, 0xB2);
	return 0;
}

/* Regions are the process's: each thread touches what the other mapped, fresh pages too. */
static int threads_touch_each_others_maps(void)
{
	struct maps m = { map_pages(3), NULL };

	UCHECK_EQ(joined(start_thread(map_toucher, &m)), 0);
	UCHECK(pattern_holds(m.mine, 3, 0xA1));
	UCHECK(pattern_holds(m.theirs, 3, 0xB2));
	UCHECK_EQ(unmap(m.theirs, 3 * PAGE), 0);
	UCHECK_EQ(write(FD_NULL, m.theirs, 1), -SYS_EFAULT);
	return 0;
}

static int spin_for_ever(void *arg)
{
	while (arg == NULL) /* in ring 3 only, until its process ends */
		opaque(0);
	return 1;
}

static int sleep_long(void *arg)
{
	(void)arg;
	sleep(1000000);
	return 1;
}

static int join_arg(void *arg)
{
	join((int)arg, NULL);
	return 1;
}

/* A leader that exits with threads spinning in ring 3, asleep and joining. */
static int leave_threads_behind(int status)
{
	int spinner = start_thread(spin_for_ever, NULL);

	start_thread(spin_for_ever, NULL);
	start_thread(sleep_long, NULL);
	start_thread(join_arg, (void *)spinner);
	yield_n(5);
	exit(status);
}

static int leader_exit_ends_every_thread(void)
{
	UCHECK_STATUS(in_child(leave_threads_behind, 7), 7);
	return 0;
}

static int null_write_later(void *arg)
{
	yield_n((int)arg);
	*(volatile uint32_t *)opaque(0) = 1;
	return 1;
}

/* A thread's bad access ends the leader that joins it, or spins, and the others. */
static int fault_under_a_joiner(int arg)
{
	start_thread(spin_for_ever, NULL);
	joined(start_thread(null_write_later, (void *)arg));
	return UTEST_FAILED;
}

static int fault_under_a_spinner(int arg)
{
	start_thread(null_write_later, (void *)arg);
	return spin_for_ever(NULL);
}

static int thread_fault_kills_the_process(void)
{
	UCHECK_STATUS(in_child(fault_under_a_joiner, 3), UTEST_KILLED_FAULT);
	UCHECK_STATUS(in_child(fault_under_a_spinner, 3), UTEST_KILLED_FAULT);
	return 0;
}

static int thread_fault_kills_the_leader_too(void)
{
	fault_under_a_joiner(0);
	SURVIVED("a thread's null write");
}

static int in_the_child(void *arg)
{
	return (int)arg + 1;
}

/* A thread forks: the child is a process of one thread, a copy of this one. */
static int forker(void *arg)
{
	volatile uint32_t *word = arg;
	int status = -1, leader = getpid();

	*word = 0xF0;
	int pid = fork();
	UCHECK(pid >= 0);
	if (pid == 0) {
		UCHECK(getpid() != leader);
		UCHECK_EQ(*word, 0xF0);
		*word = 0xC0;
		UCHECK_EQ(joined(start_thread(in_the_child, (void *)4)), 5);
		exit(6);
	}
	UCHECK_EQ(wait(&status), pid); /* a thread waits for its process's children */
	UCHECK_STATUS(status, 6);
	UCHECK_EQ(*word, 0xF0);
	return 0;
}

static int fork_from_a_thread(void)
{
	volatile uint32_t word = 0;

	UCHECK_EQ(joined(start_thread(forker, (void *)&word)), 0);
	UCHECK_EQ(word, 0xF0);
	UCHECK_EQ(wait(NULL), -SYS_ECHILD);
	return 0;
}

static int thread_refuses_bad_arguments_and_too_many(void)
{
	uint8_t *stack = map_pages(1);
	void *esp = thread_stack(stack + PAGE, NULL);
	int tids[THREADS_MAX], n = 0, rc;

	UCHECK_EQ(thread((void *)KERNEL_ADDR, esp), -SYS_EINVAL);
	UCHECK_EQ(thread(NULL, esp), -SYS_EINVAL);
	UCHECK_EQ(thread((void *)wait_for_go, (void *)KERNEL_ADDR), -SYS_EINVAL);
	UCHECK_EQ(thread((void *)wait_for_go, NULL), -SYS_EINVAL);
	UCHECK_EQ(thread((void *)wait_for_go, (void *)GATE_ADDR), -SYS_EINVAL);
	UCHECK_EQ(unmap(stack, PAGE), 0); /* a region each for the stacks to come (MAX_MAPS) */
	go = 0;
	while ((rc = thread_create(wait_for_go, (void *)n, PAGE)) > 0)
		tids[n++] = rc;
	UCHECK_EQ(rc, -SYS_EAGAIN);
	UCHECK_EQ(n, THREADS_MAX - 1); /* the leader is the first */
	go = 1;
	for (int i = 0; i < n; i++)
		UCHECK_STATUS(joined(tids[i]), i);
	UCHECK_EQ(joined(start_thread(wait_for_go, (void *)9)), 9); /* the slots are free again */
	return 0;
}

static int exec_from_a_thread(void *arg)
{
	(void)arg;
	return exec("hello", 1) == -SYS_EBUSY ? 0 : 1;
}

static int exec_with_threads_alive_is_busy(void)
{
	go = 0;
	int tid = start_thread(wait_for_go, (void *)4);
	UCHECK_EQ(exec("hello", 1), -SYS_EBUSY);
	UCHECK_EQ(joined(start_thread(exec_from_a_thread, NULL)), 0);
	go = 1;
	UCHECK_STATUS(joined(tid), 4);
	UCHECK_EQ(exec("nosuch", 1), -SYS_ENOENT); /* alone again: exec goes as far as the name */
	UCHECK_STATUS(in_child(exec_hello, 3), 3);
	return 0;
}

static volatile uint32_t pinned_sum;

/* A thread pinned to the CPU of its argument: it adds that CPU's bit, then goes back to any CPU. */
static int pinned_adder(void *arg)
{
	int cpu = (int)arg;

	if (pin(cpu) != 0)
		return 1;
	__atomic_fetch_or(&pinned_sum, 1u << cpu, __ATOMIC_SEQ_CST);
	return pin(-1) == 0 ? 0 : 2;
}

/*
 * pin: the leader moves to each CPU processes run on, in turn, and back to
 * any; the first number beyond them, and those below -1, are refused.  A
 * thread pinned to each CPU runs there and ends.
 */
static int pin_takes_each_cpu_and_refuses_others(void)
{
	int n = 0, tids[8];

	UCHECK_EQ(pin(-2), -SYS_EINVAL);
	while (n < 8 && pin(n) == 0)
		n++;
	UCHECK(n >= 1);
	UCHECK_EQ(pin(n), -SYS_EINVAL);
	UCHECK_EQ(pin(1000), -SYS_EINVAL);
	UCHECK_EQ(pin(-1), 0);
	pinned_sum = 0;
	for (int c = 0; c < n; c++)
		tids[c] = start_thread(pinned_adder, (void *)c);
	for (int c = 0; c < n; c++)
		UCHECK_STATUS(joined(tids[c]), 0);
	UCHECK_EQ(pinned_sum, (1u << n) - 1);
	return 0;
}

/* ---- running a case ---------------------------------------------------------------------------------- */

struct ucase {
	int no;
	const char *name;
	int (*fn)(void);
};

#define UTEST_ENTRY(n, fn, want) { n, #fn, fn },
static const struct ucase cases[] = { UTEST_CASES(UTEST_ENTRY) };

int main(int arg)
{
	for (uint32_t i = 0; i < ARRAY_SIZE(cases); i++) {
		if (cases[i].no != arg)
			continue;
		ucheck_setup(UTEST_FAILED, "utest %d %s", arg, cases[i].name);
		return cases[i].fn();
	}
	printf("utest: no case %d\n", arg);
	return UTEST_UNKNOWN;
}
