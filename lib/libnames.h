/*
 * libnames.h - the names lib/'s functions take inside the library (make
 * lib), where a kernel has its own kprintf and panic: every compile of the
 * library includes this first (-include), so that the core's calls and
 * lib/'s definitions both say pt_printf, pt_panic, ...  The kernel and the
 * tests are built without it and keep the short names.  docs/PORTING.md
 * lists every name the library defines; pagetrack/lib.h declares these.
 */
#ifndef PAGETRACK_LIBNAMES_H
#define PAGETRACK_LIBNAMES_H

#define kvformat pt_vformat
#define kprintf pt_printf
#define kvprintf pt_vprintf
#define ksnprintf pt_snprintf
#define kvsnprintf pt_vsnprintf
#define strbuf_putc pt_strbuf_putc
#define strbuf_end pt_strbuf_end
#define panic pt_panic

#endif
