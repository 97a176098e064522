/*
 * lib.h (installed as pagetrack/lib.h by make lib) - what the library
 * offers of its own small C library, under the prefixed names it has there
 * (lib/libnames.h): the formatter and the panic the core uses.  Output goes
 * to hw_putc, and pt_panic ends with hw_fail (seam.h).  The core's headers
 * need only putc_fn from here; the kernel's own kprintf and panic are
 * untouched by the library.
 *
 * The formatter understands %d %i %u %x %X %c %s %p %%, the flags '-' and
 * '0', a field width, and the length modifiers 'l', 'll' and 'z'.
 */
#ifndef PAGETRACK_LIB_H
#define PAGETRACK_LIB_H

#include <stdarg.h>
#include "types.h"

/* A character sink, for pt_vformat and the dumps (check.h). */
typedef void (*putc_fn)(char c, void *ctx);

/* Format into a character sink; returns the number of characters emitted. */
int pt_vformat(putc_fn out, void *ctx, const char *fmt, va_list ap);

/* Print to the console (hw_putc). */
int pt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int pt_vprintf(const char *fmt, va_list ap);

/* Format into buf (always NUL-terminated when size > 0); returns the full length. */
int pt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int pt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/*
 * A broken invariant of the core: prints "panic: <message>" to the console,
 * then hw_fail().  The core never calls it for something a caller can cause.
 */
_Noreturn void pt_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
