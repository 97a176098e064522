/*
 * lib.h (shim) - what the shared test bodies of tests/ expect of the
 * tree's lib/lib.h, given by this kernel: its own kprintf, ksnprintf and
 * panic (console.h), its memory functions (string.c), pagetrack's error
 * names, and a character sink into a buffer.  Only the test objects see
 * it (the Makefile puts it first on their include path); pagetrack's
 * headers reach pagetrack/lib.h, which sits beside them.
 */
#ifndef HH_SHIM_LIB_H
#define HH_SHIM_LIB_H

#include <pagetrack/errors.h>
#include <pagetrack/lib.h>
#include "console.h"

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

#define err_name pt_err_name
#define err_cause pt_err_cause
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

#define ASSERT(cond)                                                                   \
	do {                                                                           \
		if (!(cond))                                                           \
			panic("%s: assertion failed: %s (%s:%d)", __func__, #cond,     \
			      __FILE__, __LINE__);                                     \
	} while (0)

/* A sink into buf that keeps size - 1 characters and counts all of them in len. */
struct strbuf {
	char *buf;
	size_t size, len;
};

static inline void strbuf_putc(char c, void *ctx)
{
	struct strbuf *b = ctx;

	if (b->len + 1 < b->size)
		b->buf[b->len] = c;
	b->len++;
}

/* Write the NUL; returns how many characters were kept. */
static inline size_t strbuf_end(struct strbuf *b)
{
	size_t kept = b->len < b->size ? b->len : (b->size ? b->size - 1 : 0);

	if (b->size)
		b->buf[kept] = '\0';
	return kept;
}

#endif
