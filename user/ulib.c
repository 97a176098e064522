/*
 * ulib.c - the user library (see ulib.h): system calls through
 * `int $0x80`, and console output through the core's formatter.  The
 * memory and string functions come from lib/string.c.
 */
#include "ulib.h"
#include "seam.h"

#define OUT_BUF 256 /* bytes of printf output collected before a write */

int syscall(int n, int a, int b, int c)
{
	int ret;

	asm volatile("int $0x80"
		     : "=a"(ret)
		     : "a"(n), "b"(a), "c"(b), "d"(c)
		     : "memory", "cc");
	return ret;
}

/* ---- the system calls ---------------------------------------------------- */

int write(int fd, const void *buf, uint32_t len)
{
	return syscall(SYS_WRITE, fd, (int)buf, (int)len);
}

_Noreturn void exit(int status)
{
	for (;;)
		syscall(SYS_EXIT, status, 0, 0);
}

int getpid(void)
{
	return syscall(SYS_GETPID, 0, 0, 0);
}

int yield(void)
{
	return syscall(SYS_YIELD, 0, 0, 0);
}

int sleep(uint32_t turns)
{
	return syscall(SYS_SLEEP, (int)turns, 0, 0);
}

void *sbrk(int increment)
{
	return (void *)syscall(SYS_SBRK, increment, 0, 0);
}

int fork(void)
{
	return syscall(SYS_FORK, 0, 0, 0);
}

int wait(int *status)
{
	return syscall(SYS_WAIT, (int)status, 0, 0);
}

void *map(void *addr, uint32_t len, int prot)
{
	return (void *)syscall(SYS_MAP, (int)addr, (int)len, prot);
}

int unmap(void *addr, uint32_t len)
{
	return syscall(SYS_UNMAP, (int)addr, (int)len, 0);
}

int protect(void *addr, uint32_t len, int prot)
{
	return syscall(SYS_PROTECT, (int)addr, (int)len, prot);
}

int exec(const char *name, int arg)
{
	return syscall(SYS_EXEC, (int)name, arg, 0);
}

int thread(void *entry, void *esp)
{
	return syscall(SYS_THREAD, (int)entry, (int)esp, 0);
}

int join(int tid, int *status)
{
	return syscall(SYS_JOIN, tid, (int)status, 0);
}

int pin(int cpu)
{
	return syscall(SYS_PIN, cpu, 0, 0);
}

_Noreturn void thread_exit(int status)
{
	exit(status); /* SYS_EXIT ends only the thread, unless it is the leader */
}

/* ---- threads ----------------------------------------------------------------- */

/*
 * Where fn returns to: its result, in EAX, becomes thread_exit's argument
 * (the stack pointer is then 16-byte aligned, as fn's caller would have it).
 */
asm(".text\n"
    ".type thread_return, @function\n"
    "thread_return:\n\t"
    "subl $12, %esp\n\t"
    "pushl %eax\n\t"
    "call thread_exit\n"
    ".size thread_return, . - thread_return\n");
extern char thread_return[];

void *thread_stack(void *top, void *arg)
{
	/* fn is entered as if called: ESP + 4 16-byte aligned, the argument there */
	uint32_t *sp = (uint32_t *)(ALIGN_DOWN((uint32_t)top, 16) - 16);

	sp[0] = (uint32_t)arg;
	sp[-1] = (uint32_t)thread_return;
	return sp - 1;
}

/*
 * The stacks thread_create mapped, for thread_join to unmap.  Threads may
 * create and join at once, preempted anywhere: a slot is taken with an
 * atomic exchange of its `used` word, and filled before its tid says so.
 */
static struct thread_slot {
	volatile int used;
	volatile int tid;
	void *stack;
	uint32_t size;
} stacks[THREADS_MAX];

static struct thread_slot *take_slot(void)
{
	for (int i = 0; i < THREADS_MAX; i++)
		if (__atomic_exchange_n(&stacks[i].used, 1, __ATOMIC_SEQ_CST) == 0)
			return &stacks[i];
	return NULL;
}

static void give_back(struct thread_slot *s)
{
	s->tid = 0;
	__atomic_store_n(&s->used, 0, __ATOMIC_SEQ_CST);
}

int thread_create(int (*fn)(void *arg), void *arg, uint32_t stack_size)
{
	struct thread_slot *s = take_slot();
	uint32_t size = ALIGN_UP(stack_size ? stack_size : 1, PAGE_SIZE);

	if (!s)
		return -SYS_EAGAIN;
	uint8_t *stack = map(NULL, size, PROT_READ | PROT_WRITE);
	int tid = uerr(stack);
	if (tid == 0 && (tid = thread((void *)fn, thread_stack(stack + size, arg))) < 0)
		unmap(stack, size);
	if (tid < 0) {
		give_back(s);
		return tid;
	}
	s->stack = stack;
	s->size = size;
	s->tid = tid;
	return tid;
}

int thread_join(int tid, int *status)
{
	int rc = join(tid, status);

	for (int i = 0; rc == 0 && i < THREADS_MAX; i++) {
		if (stacks[i].used && stacks[i].tid == tid) {
			unmap(stacks[i].stack, stacks[i].size);
			give_back(&stacks[i]);
		}
	}
	return rc;
}

/* ---- console output -------------------------------------------------------- */

struct outbuf {
	char buf[OUT_BUF];
	uint32_t len;
};

static void out_flush(struct outbuf *o)
{
	if (o->len > 0)
		write(1, o->buf, o->len);
	o->len = 0;
}

static void out_putc(char c, void *ctx)
{
	struct outbuf *o = ctx;

	o->buf[o->len++] = c;
	if (o->len == sizeof(o->buf))
		out_flush(o);
}

int vprintf(const char *fmt, va_list ap)
{
	struct outbuf o = { .len = 0 };
	int n = kvformat(out_putc, &o, fmt, ap);

	out_flush(&o);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	return printf("%s\n", s);
}

/* The formatter's seam (seam.h): one character, and the end of a failed run. */
void hw_putc(char c)
{
	write(1, &c, 1);
}

_Noreturn void hw_fail(void)
{
	exit(127);
}
