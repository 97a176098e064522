/* test_printf.c - the formatter every message goes through (host and kernel). */
#include "errors.h"
#include "harness.h"
#include "status.h"
#include "suites.h"
#include "uapi.h"

static char buf[128];

#define CHECK_FORMAT(want, ...)                                                        \
	do {                                                                           \
		int n_ = ksnprintf(buf, sizeof(buf), __VA_ARGS__);                     \
		CHECK_STR_EQ(buf, want);                                               \
		CHECK_EQ(n_, (int)strlen(want));                                       \
	} while (0)

static void decimal_signed_and_unsigned(void)
{
	CHECK_FORMAT("0 42 -42", "%d %d %d", 0, 42, -42);
	CHECK_FORMAT("-2147483648", "%d", (int)0x80000000u);
	CHECK_FORMAT("4294967295", "%u", 0xFFFFFFFFu);
}

static void hexadecimal_with_width_and_zero_pad(void)
{
	CHECK_FORMAT("ff FF 000000ff", "%x %X %08x", 255u, 255u, 255u);
	CHECK_FORMAT("   1f|1f   |", "%5x|%-5x|", 0x1fu, 0x1fu);
}

static void sixty_four_bit_values(void)
{
	CHECK_FORMAT("18446744073709551615", "%llu", 0xFFFFFFFFFFFFFFFFull);
	CHECK_FORMAT("-9223372036854775808", "%lld", (long long)0x8000000000000000ull);
	CHECK_FORMAT("123456789abcdef0", "%llx", 0x123456789abcdef0ull);
	CHECK_FORMAT("10000000000", "%llu", 10000000000ull);
}

static void strings_and_characters(void)
{
	CHECK_FORMAT("[ab  ] [  ab] x", "[%-4s] [%4s] %c", "ab", "ab", 'x');
	CHECK_FORMAT("100%", "%d%%", 100);
}

static void truncates_to_buffer_and_reports_full_length(void)
{
	char small[4];
	int n = ksnprintf(small, sizeof(small), "%s", "abcdef");
	CHECK_EQ(n, 6);
	CHECK_STR_EQ(small, "abc");
}

/* lib/status.c: what the kernel and the user programs print for a status or an error. */
static void wait_statuses_read_as_words(void)
{
	char buf[STATUS_TEXT_MAX];

	CHECK_STR_EQ(wait_status_text(0, buf, sizeof(buf)), "exited with 0");
	CHECK_STR_EQ(wait_status_text(255, buf, sizeof(buf)), "exited with 255");
	CHECK_STR_EQ(wait_status_text(KILLED_BIT | KILL_NOMEM, buf, sizeof(buf)),
		     "killed: out of memory");
	CHECK_STR_EQ(wait_status_text(KILLED_BIT | KILL_FAULT, buf, sizeof(buf)), "killed: fault");
	CHECK_STR_EQ(wait_status_text(KILLED_BIT | KILL_STACK, buf, sizeof(buf)),
		     "killed: stack overflow");
	CHECK_STR_EQ(wait_status_text(KILLED_BIT | KILL_IO, buf, sizeof(buf)), "killed: disk error");
	CHECK_STR_EQ(wait_status_text(KILLED_BIT | KILL_ORDER, buf, sizeof(buf)),
		     "killed: on the kernel's order");
	CHECK_STR_EQ(wait_status_text(KILLED_BIT | 9, buf, sizeof(buf)), "status 0x109");
	CHECK_STR_EQ(wait_status_text(-1, buf, sizeof(buf)), "status 0xffffffff");
}

static void errors_read_as_names_and_causes(void)
{
	CHECK_STR_EQ(sys_err_text(-SYS_ENOMEM), "ENOMEM (out of memory)");
	CHECK_STR_EQ(sys_err_text(SYS_ENOENT), "ENOENT (no program of that name)");
	CHECK_STR_EQ(sys_err_text(-SYS_EIO), "EIO (a page could not be read from swap)");
	CHECK_STR_EQ(sys_err_text(-SYS_ESRCH), "ESRCH (no such thread)");
	CHECK_STR_EQ(sys_err_text(-SYS_EAGAIN), "EAGAIN (too many threads)");
	CHECK_STR_EQ(sys_err_text(-SYS_EBUSY), "EBUSY (another thread is alive)");
	CHECK_STR_EQ(sys_err_text(-1), "E? (not an error a system call returns)");
	CHECK_STR_EQ(err_name(-E_NOMEM), "E_NOMEM");
	CHECK_STR_EQ(err_cause(-E_NOMEM), "out of memory");
	CHECK_STR_EQ(err_cause(E_IO), "the disk failed");
	CHECK_STR_EQ(err_cause(-E_COUNT), "not an error code");
	for (int e = 0; e < E_COUNT; e++)
		CHECK(err_cause(e) != NULL && err_name(e) != NULL);
}

static const struct test_case cases[] = {
	TEST_CASE(decimal_signed_and_unsigned),
	TEST_CASE(hexadecimal_with_width_and_zero_pad),
	TEST_CASE(sixty_four_bit_values),
	TEST_CASE(strings_and_characters),
	TEST_CASE(truncates_to_buffer_and_reports_full_length),
	TEST_CASE(wait_statuses_read_as_words),
	TEST_CASE(errors_read_as_names_and_causes),
};

DEFINE_SUITE(printf_suite, "printf", cases, NULL, NULL);
