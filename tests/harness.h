/*
 * harness.h - one small test harness for the host and the kernel.
 *
 * A suite is a named list of test cases with an optional setup and teardown
 * that run around every case.  A case is a void function; an assertion that
 * fails prints the file, the line and both values, marks the case failed and
 * returns from it.  The runner is silent on success apart from the closing
 * line of each suite:
 *
 *     host-frame: 54 passed, 0 failed
 *
 * The same suite runs on both platforms: test_platform ("host" or "kernel")
 * is put in front of its name.
 *
 * A suite's cases may come from several files, one subject each: every file
 * makes a part of its case table (DEFINE_PART), and the suite runs a
 * NULL-ended list of parts in order (DEFINE_SUITE_OF_PARTS).  DEFINE_SUITE
 * is the suite of one table.
 *
 * Assertions return from the function they are written in; a helper that
 * asserts returns early too, and its caller should check test_failed(), or
 * call it through RUN.
 */
#ifndef PAGETRACK_HARNESS_H
#define PAGETRACK_HARNESS_H

#include "errors.h"
#include "lib.h"
#include "types.h"

struct test_case {
	const char *name;
	void (*fn)(void);
};

/* One file's share of a suite: a table of cases. */
struct test_part {
	const struct test_case *cases;
	size_t ncases;
};

struct test_suite {
	const char *name;                     /* without the platform: "frame" */
	const struct test_part *const *parts; /* run in order, NULL-ended */
	void (*setup)(void);                  /* before each case, may be NULL */
	void (*teardown)(void);               /* after each case (may assert), may be NULL */
};

#define TEST_CASE(fn) { #fn, fn }
#define DEFINE_PART(var, arr) const struct test_part var = { arr, ARRAY_SIZE(arr) }
#define DEFINE_SUITE_OF_PARTS(var, sname, partlist, su, td)                            \
	const struct test_suite var = { sname, partlist, su, td }
#define DEFINE_SUITE(var, sname, arr, su, td)                                          \
	static DEFINE_PART(var##_part_, arr);                                          \
	static const struct test_part *const var##_parts_[] = { &var##_part_, NULL };  \
	DEFINE_SUITE_OF_PARTS(var, sname, var##_parts_, su, td)

extern const char *test_platform;

/* Print each case's name as it starts: "case host-vm/name" (PAGETRACK_TEST_LIST on the host). */
extern bool test_list_cases;

/* Run every case of a suite, print its closing line; returns the number failed. */
int test_run_suite(const struct test_suite *s);

/* Whether the running case has failed an assertion. */
bool test_failed(void);

/* Record a failed assertion (used by the macros below). */
void test_fail(const char *file, int line, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* Call a helper that may fail the case; return if it did. */
#define RUN(call)                                                                      \
	do {                                                                           \
		call;                                                                  \
		if (test_failed())                                                     \
			return;                                                        \
	} while (0)

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);            \
			return;                                                        \
		}                                                                      \
	} while (0)

#define CHECK_CMP_(a, op, b)                                                           \
	do {                                                                           \
		long long a_ = (long long)(a), b_ = (long long)(b);                    \
		if (!(a_ op b_)) {                                                     \
			test_fail(__FILE__, __LINE__,                                  \
				  "%s %s %s: %lld (0x%llx) vs %lld (0x%llx)", #a, #op,  \
				  #b, a_, (unsigned long long)a_, b_,                  \
				  (unsigned long long)b_);                             \
			return;                                                        \
		}                                                                      \
	} while (0)

#define CHECK_EQ(a, b) CHECK_CMP_(a, ==, b)
#define CHECK_NE(a, b) CHECK_CMP_(a, !=, b)
#define CHECK_LT(a, b) CHECK_CMP_(a, <, b)
#define CHECK_LE(a, b) CHECK_CMP_(a, <=, b)
#define CHECK_GT(a, b) CHECK_CMP_(a, >, b)
#define CHECK_GE(a, b) CHECK_CMP_(a, >=, b)

/* An action that must return 0, or the negated error code e. */
#define CHECK_RC_(expr, want)                                                          \
	do {                                                                           \
		int got_ = (int)(expr), want_ = (want);                               \
		if (got_ != want_) {                                                   \
			test_fail(__FILE__, __LINE__, "%s: got %d (%s), want %d (%s)",  \
				  #expr, got_, err_name(got_), want_, err_name(want_)); \
			return;                                                        \
		}                                                                      \
	} while (0)

#define CHECK_OK(expr) CHECK_RC_(expr, 0)
#define CHECK_ERR(expr, e) CHECK_RC_(expr, -(e))

/* Byte-wise equality of two buffers; reports the first differing offset. */
#define CHECK_MEM_EQ(a, b, n)                                                          \
	do {                                                                           \
		size_t off_ = test_mem_diff((a), (b), (n));                            \
		if (off_ != (size_t)-1) {                                              \
			test_fail(__FILE__, __LINE__, "%s and %s differ at byte %u",   \
				  #a, #b, (unsigned)off_);                             \
			return;                                                        \
		}                                                                      \
	} while (0)

#define CHECK_STR_EQ(a, b)                                                             \
	do {                                                                           \
		const char *a_ = (a), *b_ = (b);                                       \
		if (strcmp(a_, b_) != 0) {                                             \
			test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" vs \"%s\"",    \
				  #a, #b, a_, b_);                                     \
			return;                                                        \
		}                                                                      \
	} while (0)

/* Offset of the first differing byte, or (size_t)-1 if equal. */
size_t test_mem_diff(const void *a, const void *b, size_t n);

#endif
