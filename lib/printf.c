/*
 * printf.c - pagetrack's own formatted output, the same on the host and in
 * the kernel.  No 64-bit division: the i386 kernel links no libgcc, so
 * 64-bit numbers are divided by their base one 32-bit half at a time.
 */
#include "lib.h"
#include "seam.h"

struct spec {
	bool left;      /* '-': pad on the right */
	char pad;       /* ' ' or '0' */
	int width;
	int longs;      /* number of 'l' modifiers */
};

/* n /= base, returning the remainder; base <= 16. */
static unsigned divmod64(uint64_t *n, unsigned base)
{
	uint32_t hi = (uint32_t)(*n >> 32), lo = (uint32_t)*n;
	uint32_t qhi = hi / base, rem = hi % base;
	/* (rem * 2^32 + lo) / base, in two 16-bit steps so nothing overflows */
	uint32_t mid = (rem << 16) | (lo >> 16);
	uint32_t qmid = mid / base;
	rem = mid % base;
	uint32_t low = (rem << 16) | (lo & 0xFFFF);
	uint32_t qlow = low / base;
	rem = low % base;
	*n = ((uint64_t)qhi << 32) | ((uint64_t)qmid << 16) | qlow;
	return rem;
}

static int emit_padded(putc_fn out, void *ctx, const struct spec *s, const char *body,
		       int len, bool negative)
{
	int total = len + (negative ? 1 : 0);
	int fill = s->width > total ? s->width - total : 0;
	int n = 0;

	if (!s->left && s->pad == ' ')
		for (; fill > 0; fill--, n++)
			out(' ', ctx);
	if (negative) {
		out('-', ctx);
		n++;
	}
	if (!s->left)
		for (; fill > 0; fill--, n++)
			out('0', ctx);
	for (int i = 0; i < len; i++, n++)
		out(body[i], ctx);
	for (; fill > 0; fill--, n++)
		out(' ', ctx);
	return n;
}

static int emit_number(putc_fn out, void *ctx, const struct spec *s, uint64_t n,
		       unsigned base, bool upper, bool negative)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int len = 0;

	do
		buf[sizeof(buf) - 1 - len++] = digits[divmod64(&n, base)];
	while (n != 0);
	return emit_padded(out, ctx, s, buf + sizeof(buf) - len, len, negative);
}

static const char *parse_spec(const char *fmt, struct spec *s)
{
	*s = (struct spec){ .pad = ' ' };
	for (;; fmt++) {
		if (*fmt == '-')
			s->left = true;
		else if (*fmt == '0')
			s->pad = '0';
		else
			break;
	}
	while (*fmt >= '0' && *fmt <= '9')
		s->width = s->width * 10 + (*fmt++ - '0');
	while (*fmt == 'l') {
		s->longs++;
		fmt++;
	}
	if (*fmt == 'z') /* size_t: the width of a long on both targets */
		s->longs = 1, fmt++;
	return fmt;
}

static uint64_t take_unsigned(va_list *ap, int longs)
{
	if (longs >= 2)
		return va_arg(*ap, unsigned long long);
	if (longs == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static int64_t take_signed(va_list *ap, int longs)
{
	if (longs >= 2)
		return va_arg(*ap, long long);
	if (longs == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

static int emit_conversion(putc_fn out, void *ctx, const struct spec *s, char conv,
			   va_list *ap)
{
	switch (conv) {
	case 'd':
	case 'i': {
		int64_t v = take_signed(ap, s->longs);
		uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
		return emit_number(out, ctx, s, mag, 10, false, v < 0);
	}
	case 'u':
		return emit_number(out, ctx, s, take_unsigned(ap, s->longs), 10, false, false);
	case 'x':
	case 'X':
		return emit_number(out, ctx, s, take_unsigned(ap, s->longs), 16, conv == 'X',
				   false);
	case 'p': {
		struct spec p = { .pad = '0', .width = 8 };
		return emit_number(out, ctx, &p, (uintptr_t)va_arg(*ap, void *), 16, false,
				   false);
	}
	case 'c': {
		char c = (char)va_arg(*ap, int);
		return emit_padded(out, ctx, s, &c, 1, false);
	}
	case 's': {
		const char *str = va_arg(*ap, const char *);
		if (!str)
			str = "(null)";
		return emit_padded(out, ctx, s, str, (int)strlen(str), false);
	}
	case '%':
		out('%', ctx);
		return 1;
	default: /* unknown: print it as written, so the mistake shows */
		out('%', ctx);
		out(conv, ctx);
		return 2;
	}
}

int kvformat(putc_fn out, void *ctx, const char *fmt, va_list ap)
{
	va_list args;
	int n = 0;

	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			out(*fmt++, ctx);
			n++;
			continue;
		}
		struct spec s;
		fmt = parse_spec(fmt + 1, &s);
		if (!*fmt)
			break;
		n += emit_conversion(out, ctx, &s, *fmt++, &args);
	}
	va_end(args);
	return n;
}

static void console_putc(char c, void *ctx)
{
	(void)ctx;
	hw_putc(c);
}

#ifdef PT_CONSOLE_LOCK
/* A kernel of several CPUs: one call's text at a time on the console (its spinlock.h). */
void console_lock(void);
void console_unlock(void);
#else
static void console_lock(void)
{
}

static void console_unlock(void)
{
}
#endif

int kvprintf(const char *fmt, va_list ap)
{
	console_lock();
	int n = kvformat(console_putc, NULL, fmt, ap);
	console_unlock();
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

void strbuf_putc(char c, void *ctx)
{
	struct strbuf *b = ctx;

	if (b->len + 1 < b->size)
		b->buf[b->len] = c;
	b->len++;
}

size_t strbuf_end(struct strbuf *b)
{
	size_t kept = b->size > 0 ? MIN(b->len, b->size - 1) : 0;

	if (b->size > 0)
		b->buf[kept] = '\0';
	return kept;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct strbuf b = { buf, size, 0 };
	int n = kvformat(strbuf_putc, &b, fmt, ap);

	strbuf_end(&b);
	return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

_Noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	console_lock(); /* one line, whatever other CPUs print */
	kprintf("panic: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	hw_fail();
}
