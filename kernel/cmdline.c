/* cmdline.c - reading words, options and sizes from the kernel command line. */
#include "cmdline.h"
#include "errors.h"
#include "lib.h"

#define CMDLINE_WORD_SHOWN 64 /* characters of an unknown word shown, the NUL included */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * The next word of the line at *pos: returns its first character and sets
 * *len, moving *pos past it; NULL when no word is left.
 */
static const char *next_word(const char **pos, size_t *len)
{
	const char *s = *pos, *word;

	while (*s && is_blank(*s))
		s++;
	if (!*s)
		return NULL;
	for (word = s; *s && !is_blank(*s); s++)
		;
	*len = (size_t)(s - word);
	*pos = s;
	return word;
}

/*
 * Every word the kernel reads (README.md lists them): a plain word, or an
 * option's key with its '='.
 */
static const char *const known_words[] = {
	"test", "bench", "monitor", "pictures", "kzone=", "crash=", "only=", "disk_mib=", "disk_bad=",
	"disk_bad_read=", "noise=", "cpus=", "acpi=",
};

/* Whether the word of len characters at w is one of known_words. */
static bool is_known(const char *w, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(known_words); i++) {
		const char *k = known_words[i];
		size_t klen = strlen(k);
		bool option = k[klen - 1] == '=';
		if (option ? len >= klen && strncmp(w, k, klen) == 0
			   : len == klen && strncmp(w, k, len) == 0)
			return true;
	}
	return false;
}

/* The first word is the loader's path of the kernel when it holds a '/'. */
static bool is_kernel_path(const char *w, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (w[i] == '/')
			return true;
	return false;
}

int cmdline_warn_unknown(const char *line)
{
	size_t len;
	int unknown = 0;
	bool first = true;

	for (const char *w; (w = next_word(&line, &len)) != NULL; first = false) {
		if (is_known(w, len) || (first && is_kernel_path(w, len)))
			continue;
		char word[CMDLINE_WORD_SHOWN];
		cmdline_copy(word, MIN(len + 1, sizeof(word)), w);
		kprintf("cmdline: \"%s\" is not an option the kernel knows: ignored (it knows",
			word);
		for (size_t i = 0; i < ARRAY_SIZE(known_words); i++)
			kprintf(" %s", known_words[i]);
		kprintf(")\n");
		unknown++;
	}
	return unknown;
}

size_t cmdline_copy(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src), n = MIN(len, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
	return len;
}

bool cmdline_has_word(const char *line, const char *word)
{
	size_t want = strlen(word), len;

	for (const char *w; (w = next_word(&line, &len)) != NULL;)
		if (len == want && strncmp(w, word, len) == 0)
			return true;
	return false;
}

int cmdline_option(const char *line, const char *key, char *val, size_t size)
{
	size_t klen = strlen(key), len, vlen = 0;
	const char *found = NULL;

	for (const char *w; (w = next_word(&line, &len)) != NULL;) {
		if (len > klen && strncmp(w, key, klen) == 0 && w[klen] == '=') {
			found = w + klen + 1; /* keep looking: the last one counts */
			vlen = len - klen - 1;
		}
	}
	if (!found)
		return -E_NOENT;
	size_t n = MIN(vlen, size - 1);
	memcpy(val, found, n);
	val[n] = '\0';
	return vlen < size ? 0 : -E_RANGE;
}

/* The value of a digit in base 16, or -1. */
static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The shift a size suffix stands for (none: 0), or -1 if s is not a suffix. */
static int suffix_shift(const char *s)
{
	if (s[0] == '\0')
		return 0;
	if (s[1] != '\0')
		return -1;
	switch (s[0]) {
	case 'K':
	case 'k':
		return 10;
	case 'M':
	case 'm':
		return 20;
	case 'G':
	case 'g':
		return 30;
	default:
		return -1;
	}
}

int cmdline_parse_size(const char *s, uint32_t *bytes)
{
	unsigned base = 10;
	uint64_t n = 0;
	const char *digits;
	int d, shift;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (digits = s; (d = digit_value(*s)) >= 0 && (unsigned)d < base; s++) {
		n = n * base + (unsigned)d;
		if (n > UINT32_MAX)
			return -E_RANGE;
	}
	if (s == digits || (shift = suffix_shift(s)) < 0)
		return -E_INVAL;
	n <<= shift;
	if (n > UINT32_MAX)
		return -E_RANGE;
	*bytes = (uint32_t)n;
	return 0;
}
