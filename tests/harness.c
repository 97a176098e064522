/* harness.c - the test runner shared by the host and the kernel. */
#include "harness.h"

const char *test_platform = "host";

static bool case_failed;
static const char *cur_suite, *cur_case;

bool test_failed(void)
{
	return case_failed;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	/* only the first failure of a case is reported: later ones follow from it */
	if (case_failed)
		return;
	case_failed = true;
	kprintf("FAIL %s-%s/%s: %s:%d: ", test_platform, cur_suite, cur_case, file, line);
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
}

size_t test_mem_diff(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return i;
	return (size_t)-1;
}

int test_run_suite(const struct test_suite *s)
{
	int passed = 0, failed = 0;

	cur_suite = s->name;
	for (size_t i = 0; i < s->ncases; i++) {
		cur_case = s->cases[i].name;
		case_failed = false;
		if (s->setup)
			s->setup();
		if (!case_failed)
			s->cases[i].fn();
		if (s->teardown)
			s->teardown();
		if (case_failed)
			failed++;
		else
			passed++;
	}
	kprintf("%s-%s: %d passed, %d failed\n", test_platform, s->name, passed, failed);
	return failed;
}
