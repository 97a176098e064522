/*
 * string.c - the memory and string functions of the freestanding i386
 * builds, the kernel and the user programs alike (declared in lib.h; the
 * host uses its C library's).  gcc emits calls to memset and memcpy by
 * itself, for struct copies and large initialisers, so these must exist
 * even where no code names them.
 *
 * memset and memcpy hold no loop a compiler could turn back into a call
 * to themselves: the string instructions do the moving.
 */
#include "lib.h"

/*
 * memset, memcpy and memmove move four bytes per iteration of one string
 * instruction (rep stosl, rep movsl), then the last 0-3 bytes with the byte
 * forms.  Measured with the kernel benchmarks under QEMU -icount, where
 * every iteration of a rep prefix counts as an instruction, zeroing a page
 * costs 1,024 of them where a loop of word stores cost 4 per word; the
 * byte forms (rep stosb, rep movsb) would cost 4,096.  On the real CPUs
 * since the i486 the string forms are the fast way to move whole pages.
 */
void *memset(void *dst, int c, size_t n)
{
	uint32_t w = (uint8_t)c * 0x01010101u;
	void *d = dst;
	size_t words = n / 4, bytes = n % 4;

	__asm__ volatile("rep stosl" : "+D"(d), "+c"(words) : "a"(w) : "memory");
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(bytes) : "a"(w) : "memory");
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	const void *s = src;
	size_t words = n / 4, bytes = n % 4;

	__asm__ volatile("rep movsl" : "+D"(d), "+S"(s), "+c"(words) : : "memory");
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(bytes) : : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	/* copying forward never overwrites bytes still to be read */
	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	/* backward, from the last byte down, with the direction flag set for the copy only */
	d += n - 1;
	s += n - 1;
	__asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
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
