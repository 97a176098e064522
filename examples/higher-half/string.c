/*
 * string.c - the C memory and string functions pagetrack and this kernel
 * need (the compiler calls memset and memcpy by itself too).  Zeroing and
 * copying pages is most of what a fault costs, hence rep stosl / movsl.
 */
#include <stddef.h>
#include <stdint.h>

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	if (((uintptr_t)dst | n) % 4 == 0) {
		uint32_t w = (uint8_t)c * 0x01010101u;
		size_t words = n / 4;
		__asm__ volatile("rep stosl" : "+D"(d), "+c"(words) : "a"(w) : "memory");
		return dst;
	}
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	if (((uintptr_t)dst | (uintptr_t)src | n) % 4 == 0) {
		size_t words = n / 4;
		__asm__ volatile("rep movsl" : "+D"(d), "+S"(src), "+c"(words) : : "memory");
		return dst;
	}
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
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
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}
