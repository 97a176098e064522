/*
 * kfail.c - the user side of the kernel's fault-injection sweep and stress
 * (tests/kernel/test_kfail.c): `kfail N` runs case N of kfail_cases.h.
 *
 * A case sets up memory whose contents it can check, then runs one
 * operation between the test trap's KF_ARM and KF_DONE, during which the
 * kernel suite makes one allocation fail.  If the operation returns
 * -SYS_ENOMEM the case checks that all it had is as it was and ends with
 * KF_CLEAN; if the failure lands in a page fault the kernel kills it
 * (KF_KILLED_NOMEM); if nothing failed it checks the operation's work and
 * ends with KF_OK.  A failed check prints a line and ends with KF_FAILED.
 * KF_STRESS opens no window: it is one root of the kernel's stress.
 */
#include "ucheck.h"
#include "ulib.h"
#include "kfail_cases.h"

#define PAGE PAGE_SIZE
#define SETUP_PAGES 4
#define COW_PAGES 8
#define TABLE_SPAN MiB(4)    /* what one page table maps */
#define STRESS_HEAP_PAGES 4
#define STRESS_GROW_PAGES 6
#define STRESS_STACK_BYTES 6000
#define SETTLE_BYTES 2048     /* stack a window may use: made private before it opens */

extern char program_end[]; /* user.ld */

static uint32_t data_word = 0xDA7A0001u;

/* ---- the test trap ---------------------------------------------------------- */

static int kf_trap(int op, int eax)
{
	asm volatile("int %[v]" : "+a"(eax) : [v] "i"(KF_VECTOR), "S"(op) : "memory");
	return eax;
}

static void kf_arm(void)
{
	kf_trap(KF_ARM, 0);
}

static void kf_done(int result)
{
	kf_trap(KF_DONE, result);
}

static void kf_signal(void)
{
	kf_trap(KF_SIGNAL, 0);
}

static int kf_peek(void)
{
	return kf_trap(KF_PEEK, 0);
}

static bool kf_same(void)
{
	return kf_trap(KF_SAME, 0) == 1;
}

/*
 * System call n with arguments a and b, with KF_ARM right before it and
 * KF_DONE (its result) right after: nothing in between touches memory, so
 * only the system call allocates while the kernel suite aims at it.
 */
static int marked_syscall(int n, int a, int b)
{
	int ret;

	asm volatile("movl %[arm], %%esi\n\t"
		     "int %[v]\n\t"
		     "int $0x80\n\t"
		     "movl %[done], %%esi\n\t"
		     "int %[v]"
		     : "=a"(ret)
		     : "a"(n), "b"(a), "c"(b), "d"(0), [v] "i"(KF_VECTOR), [arm] "i"(KF_ARM),
		       [done] "i"(KF_DONE)
		     : "esi", "memory", "cc");
	return ret;
}

/* ---- memory with contents to check --------------------------------------------- */





/* n new heap pages from a page boundary, the break right after them. */
static uint8_t *heap_pages(uint32_t n)
{
	uint32_t cur = (uint32_t)sbrk(0);
	uint32_t pad = ALIGN_UP(cur, PAGE) - cur;
	uint8_t *p = sbrk((int)(pad + n * PAGE));

	UCHECK_EQ(uerr(p), 0);
	return p + pad;
}

/* What every case but KF_HEAP sets up first: heap, data and a map, all filled. */
struct setup {
	uint8_t *heap, *map;
	void *brk;
	int pid;
};

static void set_up(struct setup *s)
{
	s->heap = heap_pages(SETUP_PAGES);
	s->map = map(NULL, SETUP_PAGES * PAGE, PROT_READ | PROT_WRITE);
	UCHECK_EQ(uerr(s->map), 0);
	pattern_fill(s->heap, SETUP_PAGES, 0x11);
	pattern_fill(s->map, SETUP_PAGES, 0x22);
	data_word = 0xDA7A0002u;
	s->brk = sbrk(0);
	s->pid = getpid();
}

/* Check that all set_up made is still there, and still writable. */
static void check_setup(const struct setup *s)
{
	UCHECK(pattern_holds(s->heap, SETUP_PAGES, 0x11));
	UCHECK(pattern_holds(s->map, SETUP_PAGES, 0x22));
	UCHECK_EQ(data_word, 0xDA7A0002u);
	UCHECK_EQ(sbrk(0), s->brk);
	UCHECK_EQ(getpid(), s->pid);
	pattern_fill(s->heap, SETUP_PAGES, 0x33);
	pattern_fill(s->map, SETUP_PAGES, 0x44);
	UCHECK(pattern_holds(s->heap, SETUP_PAGES, 0x33));
	UCHECK(pattern_holds(s->map, SETUP_PAGES, 0x44));
}

/* ---- the cases --------------------------------------------------------------------- */

static int fork_case(void)
{
	struct setup s;
	int status = -1;

	set_up(&s);
	int pid = marked_syscall(SYS_FORK, 0, 0);
	if (pid == 0) {
		UCHECK(getpid() != s.pid);
		s.pid = getpid();
		check_setup(&s);
		exit(KF_CHILD_OK);
	}
	if (pid == -SYS_ENOMEM) {
		UCHECK_EQ(wait(&status), -SYS_ECHILD);
		check_setup(&s);
		return KF_CLEAN;
	}
	UCHECK(pid > 0);
	UCHECK_EQ(wait(&status), pid);
	UCHECK_STATUS(status, KF_CHILD_OK);
	check_setup(&s);
	return KF_OK;
}

static int exec_case(void)
{
	struct setup s;

	set_up(&s);
	int rc = marked_syscall(SYS_EXEC, (int)"kfail", KF_EXEC_LANDED);
	UCHECK_EQ(rc, -SYS_ENOMEM); /* on success exec does not return */
	check_setup(&s);
	UCHECK_EQ(wait(NULL), -SYS_ECHILD);
	return KF_CLEAN;
}

static int exec_landed(void)
{
	kf_done(KF_LANDED);
	UCHECK_EQ(data_word, 0xDA7A0001u); /* a fresh image */
	UCHECK_EQ(sbrk(0), ALIGN_UP((uint32_t)program_end, PAGE));
	return KF_LANDED;
}

/*
 * Grow the heap so that it crosses into the next page table, then touch
 * new pages: the first by a system call that reads it (exec of the name
 * found there: "" is no program), the others by stores, one of them in
 * the new table.
 *
 *   heap start   old break          T - PAGE    T = a 4 MiB boundary
 *   | old pages  | first new page ... | touched | touched | touched | break
 */
static int heap_case(void)
{
	uint8_t *old = heap_pages(2);
	uint32_t brk0 = (uint32_t)sbrk(0);
	uint32_t table = ALIGN_UP(brk0 + 2 * PAGE, TABLE_SPAN);
	uint32_t grow = table + 2 * PAGE - brk0;

	pattern_fill(old, 2, 0x55);
	UCHECK_EQ(stack_dive(SETTLE_BYTES), 0);
	kf_arm();
	uint8_t *first = sbrk((int)grow);
	UCHECK_EQ(first, brk0);
	int rc = exec((const char *)first, 0);
	if (rc == -SYS_ENOMEM) {
		kf_done(rc);
		UCHECK_EQ(sbrk(0), brk0 + grow);
		UCHECK(pattern_holds(old, 2, 0x55));
		return KF_CLEAN;
	}
	UCHECK_EQ(rc, -SYS_ENOENT);
	uint8_t *before = (uint8_t *)table - PAGE;
	before[0] = 1;
	before[PAGE] = 2;
	before[2 * PAGE] = 3;
	kf_done(0);
	UCHECK(pages_zero(first, 1));
	UCHECK_EQ(before[0] + before[PAGE] + before[2 * PAGE], 6);
	UCHECK(pattern_holds(old, 2, 0x55));
	UCHECK_EQ(sbrk(0), brk0 + grow);
	return KF_OK;
}

/*
 * The parent fills pages, forks, tells the suite it has settled (it
 * allocates nothing more until the child ends) and waits; then its
 * mappings must be exactly as they were when it signalled.  The child
 * waits for that, then writes every shared page between KF_ARM and
 * KF_DONE: each write copies a page, and the copy that fails kills it.
 */
static int cow_child(uint8_t *p)
{
	UCHECK_EQ(stack_dive(SETTLE_BYTES), 0);
	while (kf_peek() == 0)
		yield();
	kf_arm();
	pattern_fill(p, COW_PAGES, 0xC2);
	kf_done(0);
	UCHECK(pattern_holds(p, COW_PAGES, 0xC2));
	return KF_CHILD_OK;
}

static int cow_case(void)
{
	uint8_t *p = heap_pages(COW_PAGES);
	volatile int status;

	pattern_fill(p, COW_PAGES, 0xC1);
	int pid = fork();
	if (pid == 0)
		exit(cow_child(p));
	UCHECK(pid > 0);
	status = -1; /* its page is this process's own now: wait writes it without a copy */
	UCHECK_EQ(stack_dive(SETTLE_BYTES), 0);
	kf_signal();
	UCHECK_EQ(wait((int *)&status), pid);
	UCHECK(kf_same()); /* whatever the child did, this address space did not change */
	UCHECK(pattern_holds(p, COW_PAGES, 0xC1));
	pattern_fill(p, COW_PAGES, 0xC3);
	UCHECK(pattern_holds(p, COW_PAGES, 0xC3));
	if (status == KF_KILLED_NOMEM)
		return KF_CHILD_NOMEM;
	UCHECK_STATUS(status, KF_CHILD_OK);
	return KF_OK;
}

/*
 * wait() with the status in a heap page the parent shares with two
 * children: the kernel copies the page before it writes there.  If the
 * copy finds no frame, wait returns -SYS_ENOMEM and has collected no
 * child: the next wait gets each one.  The first child ends at once; the
 * second stays until the parent's third signal, so the page is shared
 * however far the first has got.
 */
static int wait_child(bool stay)
{
	UCHECK_EQ(stack_dive(SETTLE_BYTES), 0);
	kf_signal();
	while (stay && kf_peek() < 3)
		yield();
	return KF_CHILD_OK;
}

/* Collect the n children left, each a or b: each must have ended with KF_CHILD_OK. */
static void collect(int n, int a, int b)
{
	for (int i = 0; i < n; i++) {
		int status = -1, pid = wait(&status);
		UCHECK(pid == a || pid == b);
		UCHECK_STATUS(status, KF_CHILD_OK);
	}
	UCHECK_EQ(wait(NULL), -SYS_ECHILD);
}

static int wait_case(void)
{
	int *slot = (int *)heap_pages(1);

	*slot = -1;
	int a = fork();
	if (a == 0)
		exit(wait_child(false));
	int b = fork();
	if (b == 0)
		exit(wait_child(true));
	UCHECK(a > 0 && b > 0);
	UCHECK_EQ(stack_dive(SETTLE_BYTES), 0);
	while (kf_peek() < 2)
		yield();
	int rc = marked_syscall(SYS_WAIT, (int)slot, 0);
	kf_signal();
	if (rc == -SYS_ENOMEM) {
		UCHECK_EQ(*slot, -1);
		collect(2, a, b);
		return KF_CLEAN;
	}
	UCHECK_EQ(rc, a); /* b stays until the signal after it */
	UCHECK_EQ(*slot, KF_CHILD_OK);
	collect(1, b, b);
	return KF_OK;
}

/*
 * A thread started between KF_ARM and KF_DONE, on a stack laid out and
 * touched before: only the kernel's side of the start allocates in the
 * window.  It writes a word and ends; the leader joins it.
 */
#define KF_THREAD_WORD 0x7EAD
#define KF_THREAD_STATUS 9

static volatile int thread_word;

static int thread_body(void *arg)
{
	thread_word = (int)arg;
	return KF_THREAD_STATUS;
}

static int thread_case(void)
{
	struct setup s;
	uint8_t *stack = map(NULL, PAGE, PROT_READ | PROT_WRITE);
	int status = -1;

	UCHECK_EQ(uerr(stack), 0);
	set_up(&s);
	void *esp = thread_stack(stack + PAGE, (void *)KF_THREAD_WORD);
	thread_word = 0;
	UCHECK_EQ(stack_dive(SETTLE_BYTES), 0);
	int tid = marked_syscall(SYS_THREAD, (int)thread_body, (int)esp);
	if (tid == -SYS_ENOMEM) {
		yield();
		UCHECK_EQ(thread_word, 0); /* no thread ran */
		check_setup(&s);
		return KF_CLEAN;
	}
	UCHECK(tid > 0);
	UCHECK_EQ(join(tid, &status), 0);
	UCHECK_STATUS(status, KF_THREAD_STATUS);
	UCHECK_EQ(thread_word, KF_THREAD_WORD);
	check_setup(&s);
	return KF_OK;
}

/* ---- stress ---------------------------------------------------------------------- */

static int stress_child(int job, uint8_t *shared, int seed)
{
	switch (job) {
	case KF_JOB_COW:
		UCHECK(pattern_holds(shared, STRESS_HEAP_PAGES, (uint32_t)seed));
		pattern_fill(shared, STRESS_HEAP_PAGES, (uint32_t)seed + 1);
		yield();
		UCHECK(pattern_holds(shared, STRESS_HEAP_PAGES, (uint32_t)seed + 1));
		return KF_CHILD_OK;
	case KF_JOB_GROW: {
		uint8_t *p = heap_pages(STRESS_GROW_PAGES);
		UCHECK(pages_zero(p, STRESS_GROW_PAGES));
		pattern_fill(p, STRESS_GROW_PAGES, (uint32_t)seed);
		UCHECK_EQ(stack_dive(STRESS_STACK_BYTES), 0);
		UCHECK(pattern_holds(p, STRESS_GROW_PAGES, (uint32_t)seed));
		return KF_CHILD_OK;
	}
	case KF_JOB_NULL:
		*(volatile uint32_t *)opaque(0) = 1;
		return KF_FAILED;
	case KF_JOB_READONLY:
		*(volatile uint32_t *)opaque((uintptr_t)main) = 1;
		return KF_FAILED;
	case KF_JOB_READ:
		yield();
		UCHECK(pattern_holds(shared, STRESS_HEAP_PAGES, (uint32_t)seed));
		return KF_CHILD_OK;
	}
	return KF_FAILED;
}

static int stress_want(int job)
{
	return job == KF_JOB_NULL || job == KF_JOB_READONLY ? KF_KILLED_FAULT : KF_CHILD_OK;
}

static int stress_case(void)
{
	uint8_t *shared = heap_pages(STRESS_HEAP_PAGES);
	int pids[KF_STRESS_CHILDREN], seed = getpid();

	pattern_fill(shared, STRESS_HEAP_PAGES, (uint32_t)seed);
	for (int i = 0; i < KF_STRESS_CHILDREN; i++) {
		pids[i] = fork();
		UCHECK(pids[i] >= 0);
		if (pids[i] == 0)
			exit(stress_child(i % KF_STRESS_JOBS, shared, seed));
	}
	for (int n = 0; n < KF_STRESS_CHILDREN; n++) {
		int status = -1, pid = wait(&status), i = 0;
		while (i < KF_STRESS_CHILDREN && pids[i] != pid)
			i++;
		UCHECK(i < KF_STRESS_CHILDREN);
		UCHECK_STATUS(status, stress_want(i % KF_STRESS_JOBS));
	}
	UCHECK_EQ(wait(NULL), -SYS_ECHILD);
	UCHECK(pattern_holds(shared, STRESS_HEAP_PAGES, (uint32_t)seed));
	return KF_OK;
}

int main(int arg)
{
	ucheck_setup(KF_FAILED, "kfail %d", arg);
	switch (arg) {
	case KF_FORK: return fork_case();
	case KF_EXEC: return exec_case();
	case KF_EXEC_LANDED: return exec_landed();
	case KF_HEAP: return heap_case();
	case KF_COW: return cow_case();
	case KF_STRESS: return stress_case();
	case KF_WAIT: return wait_case();
	case KF_THREAD: return thread_case();
	}
	printf("kfail: no case %d\n", arg);
	return KF_UNKNOWN;
}
