/*
 * lib.h - the small library the core uses: memory functions, a printf,
 * and panic.
 *
 * The memory and string functions come from libc on the host and from
 * lib/string.c in the kernel and the user programs.  kprintf is
 * pagetrack's own (lib/printf.c) on both, and the user programs' printf
 * uses the same formatter, so output is formatted the same way everywhere.
 * It understands %d %i %u %x %X %c %s %p %%, the flags '-' and '0', a field
 * width, and the length modifiers 'l', 'll' (64-bit values in hexadecimal
 * and decimal) and 'z' (size_t).
 */
#ifndef PAGETRACK_LIB_H
#define PAGETRACK_LIB_H

#include <stdarg.h>
#include "types.h"

#if __STDC_HOSTED__
#include <string.h>
#else
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
#endif

/* errors.h's functions by their short names, in pagetrack's own code */
#define err_name pt_err_name
#define err_cause pt_err_cause

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* Format into a character sink; returns the number of characters emitted. */
typedef void (*putc_fn)(char c, void *ctx);
int kvformat(putc_fn out, void *ctx, const char *fmt, va_list ap);

/* Print to the console (hw_putc). */
int kprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);
int kvprintf(const char *fmt, va_list ap);

/* Format into buf (always NUL-terminated when size > 0); returns the full length. */
int ksnprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/*
 * A character sink into a buffer, for kvformat and the dumps: it keeps at
 * most size - 1 characters and counts every one it is given in len;
 * strbuf_end writes the NUL and returns how many were kept.
 */
struct strbuf {
	char *buf;
	size_t size, len;
};

void strbuf_putc(char c, void *ctx);
size_t strbuf_end(struct strbuf *b);

/*
 * A broken invariant: print "panic: <message>" and end the run with a
 * failure status.  Never used for conditions a caller can cause.
 */
_Noreturn void panic(const char *fmt, ...) PRINTF_LIKE(1, 2);

#define ASSERT(cond)                                                                  \
	do {                                                                          \
		if (!(cond))                                                          \
			panic("%s: assertion failed: %s (%s:%d)", __func__, #cond,    \
			      __FILE__, __LINE__);                                    \
	} while (0)

#endif
