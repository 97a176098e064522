/* ucheck.c - checks, known contents in memory, and stack growth (see ucheck.h). */
#include "ucheck.h"
#include "status.h"
#include "ulib.h"

#define WHO_MAX 64 /* "utest N " and the longest case name fit */

static char who[WHO_MAX] = "?";
static int fail_status = 1; /* until ucheck_setup: the status each program here uses */

void ucheck_setup(int status, const char *who_fmt, ...)
{
	va_list ap;

	va_start(ap, who_fmt);
	kvsnprintf(who, sizeof(who), who_fmt, ap);
	va_end(ap);
	fail_status = status;
}

/* The file's name without its folders: the build names sources by their path. */
static const char *base_name(const char *path)
{
	const char *name = path;

	for (const char *c = path; *c; c++)
		if (*c == '/')
			name = c + 1;
	return name;
}

void ucheck_failed(const char *file, int line, const char *what)
{
	printf("%s: pid %d: %s:%d: %s\n", who, getpid(), base_name(file), line, what);
	exit(fail_status);
}

void ucheck_eq_failed(const char *file, int line, const char *a, const char *b, int x, int y)
{
	printf("%s: pid %d: %s:%d: %s == %s: %d (0x%x) vs %d (0x%x)\n", who, getpid(),
	       base_name(file), line, a, b, x, (unsigned)x, y, (unsigned)y);
	exit(fail_status);
}

void ucheck_status_failed(const char *file, int line, const char *what, int status, int want)
{
	char got[STATUS_TEXT_MAX], wanted[STATUS_TEXT_MAX];

	printf("%s: pid %d: %s:%d: %s: the child %s, want %s\n", who, getpid(), base_name(file),
	       line, what, wait_status_text(status, got, sizeof(got)),
	       wait_status_text(want, wanted, sizeof(wanted)));
	exit(fail_status);
}

void pattern_fill(void *p, uint32_t n, uint32_t seed)
{
	volatile uint32_t *w = p;

	for (uint32_t i = 0; i < n * PAGE_SIZE / 4; i++)
		w[i] = pattern(&w[i], seed);
}

bool pattern_holds(const void *p, uint32_t n, uint32_t seed)
{
	const volatile uint32_t *w = p;

	for (uint32_t i = 0; i < n * PAGE_SIZE / 4; i++)
		if (w[i] != pattern(&w[i], seed))
			return false;
	return true;
}

bool pages_zero(const void *p, uint32_t n)
{
	const volatile uint32_t *w = p;

	for (uint32_t i = 0; i < n * PAGE_SIZE / 4; i++)
		if (w[i] != 0)
			return false;
	return true;
}

uint32_t stack_dive(uint32_t bytes)
{
	volatile uint8_t frame[STACK_FRAME_BYTES];
	uint32_t changed = 0;

	for (uint32_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)bytes;
	if (bytes > sizeof(frame))
		changed = stack_dive(bytes - sizeof(frame));
	for (uint32_t i = 0; i < sizeof(frame); i++)
		if (frame[i] != (uint8_t)bytes)
			return changed + 1;
	return changed;
}
