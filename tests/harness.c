/* harness.c - the test runner shared by the host and the kernel. */
#include "harness.h"

const char *test_platform = "host";
bool test_list_cases;

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

/* Run one case with the suite's setup and teardown; returns whether it passed. */
static bool run_case(const struct test_suite *s, const struct test_case *c)
{
	cur_case = c->name;
	case_failed = false;
	if (test_list_cases)
		kprintf("case %s-%s/%s\n", test_platform, s->name, c->name);
	if (s->setup)
		s->setup();
	if (!case_failed)
		c->fn();
	if (s->teardown)
		s->teardown();
	return !case_failed;
}

int test_run_suite(const struct test_suite *s)
{
	int passed = 0, failed = 0;

	cur_suite = s->name;
	for (const struct test_part *const *p = s->parts; *p; p++) {
		for (size_t i = 0; i < (*p)->ncases; i++) {
			if (run_case(s, &(*p)->cases[i]))
				passed++;
			else
				failed++;
		}
	}
	kprintf("%s-%s: %d passed, %d failed\n", test_platform, s->name, passed, failed);
	return failed;
}
