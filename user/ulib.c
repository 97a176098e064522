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
