/* console.h - COM1, kprintf and panic. */
#ifndef HH_CONSOLE_H
#define HH_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

void console_init(void);
void console_putc(char c);

/*
 * printf to the console: %d %i %u %x %X %c %s %p %%, the flags '-' and
 * '0', a width, and the length modifiers l, ll and z.
 */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);

/* The same, into any sink of characters (ctx is the sink's). */
int kvformat(void (*out)(char c, void *ctx), void *ctx, const char *fmt, va_list ap);

/* The same into buf, NUL-terminated when size > 0; returns the length it would have. */
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Print "panic: <message>" and end the run with QEMU's failure status. */
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
