/* console.c - the serial console (COM1, 115200 8N1), kprintf and panic. */
#include <stdbool.h>
#include <stdint.h>
#include "console.h"
#include "cpu.h"

#define COM1 0x3F8
#define LSR_THR_EMPTY 0x20

void console_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts */
	outb(COM1 + 3, 0x80); /* divisor latch on */
	outb(COM1 + 0, 0x01); /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1, latch off */
	outb(COM1 + 2, 0xC7); /* FIFO on and cleared */
}

static void serial_putc(char c)
{
	while (!(inb(COM1 + 5) & LSR_THR_EMPTY))
		;
	outb(COM1, (uint8_t)c);
}

void console_putc(char c)
{
	if (c == '\n')
		serial_putc('\r');
	serial_putc(c);
}

/* ---- the formatter ---------------------------------------------------- */

struct spec {
	bool left, zero;
	int width;
	int size; /* 0: int, 1: long, 2: long long, 3: size_t */
};

struct out {
	void (*putc)(char c, void *ctx);
	void *ctx;
	int n;
};

static void emit(struct out *o, char c)
{
	o->putc(c, o->ctx);
	o->n++;
}

static void pad(struct out *o, int n, char c)
{
	while (n-- > 0)
		emit(o, c);
}

static void emit_str(struct out *o, const struct spec *sp, const char *s, int len)
{
	if (!sp->left)
		pad(o, sp->width - len, sp->zero ? '0' : ' ');
	for (int i = 0; i < len; i++)
		emit(o, s[i]);
	if (sp->left)
		pad(o, sp->width - len, ' ');
}

/* *v /= base, returning the remainder: divl twice, since there is no libgcc for a 64-bit divide. */
static uint32_t divide(unsigned long long *v, uint32_t base)
{
	uint32_t hi = (uint32_t)(*v >> 32), lo = (uint32_t)*v, qhi = hi / base, qlo, rem;

	__asm__("divl %4" : "=a"(qlo), "=d"(rem) : "a"(lo), "d"(hi % base), "rm"(base));
	*v = (unsigned long long)qhi << 32 | qlo;
	return rem;
}

static void emit_num(struct out *o, const struct spec *sp, unsigned long long v, unsigned base,
		     bool neg, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int i = sizeof(buf);

	do {
		buf[--i] = digits[divide(&v, base)];
	} while (v);
	if (neg && sp->zero) { /* the sign goes before the zeros */
		emit(o, '-');
		struct spec rest = *sp;
		rest.width--;
		emit_str(o, &rest, buf + i, (int)sizeof(buf) - i);
		return;
	}
	if (neg)
		buf[--i] = '-';
	emit_str(o, sp, buf + i, (int)sizeof(buf) - i);
}

static unsigned long long take_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->size) {
	case 1: return va_arg(*ap, unsigned long);
	case 2: return va_arg(*ap, unsigned long long);
	case 3: return va_arg(*ap, size_t);
	default: return va_arg(*ap, unsigned int);
	}
}

static long long take_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->size) {
	case 1: return va_arg(*ap, long);
	case 2: return va_arg(*ap, long long);
	case 3: return (long long)va_arg(*ap, size_t);
	default: return va_arg(*ap, int);
	}
}

/* Read the flags, width and length of one conversion; returns what follows them. */
static const char *parse_spec(const char *f, struct spec *sp)
{
	*sp = (struct spec){ 0 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else
			break;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == 'z') {
		sp->size = 3;
		f++;
	}
	while (*f == 'l' && sp->size < 2) {
		sp->size++;
		f++;
	}
	return f;
}

static void convert(struct out *o, const struct spec *sp, char c, va_list *ap)
{
	switch (c) {
	case 'd':
	case 'i': {
		long long v = take_signed(sp, ap);
		emit_num(o, sp, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, 10,
			 v < 0, false);
		break;
	}
	case 'u': emit_num(o, sp, take_unsigned(sp, ap), 10, false, false); break;
	case 'x': emit_num(o, sp, take_unsigned(sp, ap), 16, false, false); break;
	case 'X': emit_num(o, sp, take_unsigned(sp, ap), 16, false, true); break;
	case 'p':
		emit_str(o, &(struct spec){ 0 }, "0x", 2);
		emit_num(o, &(struct spec){ .zero = true, .width = 8 },
			 (uintptr_t)va_arg(*ap, void *), 16, false, false);
		break;
	case 'c': {
		char ch = (char)va_arg(*ap, int);
		emit_str(o, sp, &ch, 1);
		break;
	}
	case 's': {
		const char *s = va_arg(*ap, const char *);
		int len = 0;
		if (!s)
			s = "(null)";
		while (s[len])
			len++;
		emit_str(o, sp, s, len);
		break;
	}
	default:
		emit(o, '%');
		if (c)
			emit(o, c);
	}
}

int kvformat(void (*putc)(char c, void *ctx), void *ctx, const char *fmt, va_list ap)
{
	struct out o = { putc, ctx, 0 };
	struct spec sp;
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			emit(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp);
		convert(&o, &sp, *fmt, &args);
		if (*fmt)
			fmt++;
	}
	va_end(args);
	return o.n;
}

static void console_sink(char c, void *ctx)
{
	(void)ctx;
	console_putc(c);
}

int kvprintf(const char *fmt, va_list ap)
{
	return kvformat(console_sink, NULL, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

struct buffer {
	char *buf;
	size_t size, len;
};

static void buffer_sink(char c, void *ctx)
{
	struct buffer *b = ctx;

	if (b->len + 1 < b->size)
		b->buf[b->len] = c;
	b->len++;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buffer b = { buf, size, 0 };
	int n = kvformat(buffer_sink, &b, fmt, ap);

	if (size)
		buf[b.len < size ? b.len : size - 1] = '\0';
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

	kprintf("panic: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	qemu_exit(false);
}
