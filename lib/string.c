/*
 * string.c - the memory and string functions of the freestanding i386
 * builds, the kernel and the user programs alike (declared in lib.h; the
 * host uses its C library's).  gcc emits calls to memset and memcpy by
 * itself, for struct copies and large initialisers, so these must exist
 * even where no code names them.
 *
 * The Makefile builds this file with -fno-tree-loop-distribute-patterns:
 * otherwise gcc may recognise the loop in memset as a memset and turn it
 * into a call to itself.
 */
#include "lib.h"

/* Whether all three values are multiples of 4: then whole words can be moved. */
static bool word_aligned(uintptr_t a, uintptr_t b, size_t n)
{
	return ((a | b | n) & 3) == 0;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	if (word_aligned((uintptr_t)d, 0, n)) {
		uint32_t w = (uint8_t)c * 0x01010101u;
		for (uint32_t *p = dst; n > 0; n -= 4)
			*p++ = w;
		return dst;
	}
	while (n-- > 0)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	if (word_aligned((uintptr_t)dst, (uintptr_t)src, n)) {
		uint32_t *d = dst;
		const uint32_t *s = src;
		for (; n > 0; n -= 4)
			*d++ = *s++;
		return dst;
	}
	unsigned char *d = dst;
	const unsigned char *s = src;
	while (n-- > 0)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	/* copying forward never overwrites bytes still to be read */
	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n-- > 0)
		d[n] = s[n];
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, SIZE_MAX);
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x != y)
			return x < y ? -1 : 1;
		if (x == 0)
			break;
	}
	return 0;
}
