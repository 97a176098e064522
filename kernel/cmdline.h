/*
 * cmdline.h - the kernel command line: words separated by blanks, some of
 * them options of the form key=value.
 *
 *   /boot/pagetrack.elf test kzone=32M
 *
 * Loaders put the kernel's own path first (QEMU and GRUB both do); it is a
 * word like the others and matches nothing.  When an option is given twice,
 * the last one counts.
 */
#ifndef PAGETRACK_CMDLINE_H
#define PAGETRACK_CMDLINE_H

#include "types.h"

#define CMDLINE_MAX 512 /* bytes kept, the NUL included */

/*
 * Copy src into dst, which has room for size > 0 bytes, cutting it short
 * if need be; dst is always NUL-terminated.  Returns strlen(src): a result
 * of size or more means the copy was cut.
 */
size_t cmdline_copy(char *dst, size_t size, const char *src);

/*
 * Print a warning for each word of line that is no option the kernel
 * knows (the first, the loader's path of the kernel, excepted when it
 * holds a '/'); returns how many there were.
 */
int cmdline_warn_unknown(const char *line);

/* Whether `word` appears in line as a whole word. */
bool cmdline_has_word(const char *line, const char *word);

/*
 * The value of option `key` (the text after "key=" up to the next blank),
 * copied into val, which has room for size > 0 bytes.  Returns 0, -E_NOENT
 * if line has no such option, or -E_RANGE if the value does not fit (val
 * then holds as much as fits).
 */
int cmdline_option(const char *line, const char *key, char *val, size_t size);

/*
 * Parse a size: a decimal number, or hexadecimal after "0x", optionally
 * followed by K, M or G (KiB, MiB, GiB).  Returns 0 with the size in
 * *bytes, -E_INVAL if s is not a size, or -E_RANGE if the size does not fit
 * in 32 bits.
 */
int cmdline_parse_size(const char *s, uint32_t *bytes);

#endif
