/* errors.c - names of the error codes, for messages and test reports. */
#include "errors.h"

static const char *const names[E_COUNT] = {
	[E_OK] = "OK",         [E_INVAL] = "E_INVAL", [E_NOMEM] = "E_NOMEM",
	[E_EXIST] = "E_EXIST", [E_NOENT] = "E_NOENT", [E_BADH] = "E_BADH",
	[E_RANGE] = "E_RANGE", [E_BUSY] = "E_BUSY",   [E_FREE] = "E_FREE",
	[E_NOTOWN] = "E_NOTOWN", [E_FAULT] = "E_FAULT", [E_IO] = "E_IO",   [E_AGAIN] = "E_AGAIN",
};

const char *pt_err_name(int err)
{
	if (err < 0)
		err = -err;
	if (err >= E_COUNT)
		return "E_?";
	return names[err];
}

static const char *const causes[E_COUNT] = {
	[E_OK] = "no error",
	[E_INVAL] = "a bad argument",
	[E_NOMEM] = "out of memory",
	[E_EXIST] = "already mapped",
	[E_NOENT] = "not mapped, or no such thing",
	[E_BADH] = "not a live address space",
	[E_RANGE] = "out of range",
	[E_BUSY] = "in use",
	[E_FREE] = "already free",
	[E_NOTOWN] = "not a frame the allocator hands out",
	[E_FAULT] = "a bad user address",
	[E_IO] = "the disk failed",
	[E_AGAIN] = "it would have to wait",
};

const char *pt_err_cause(int err)
{
	if (err < 0)
		err = -err;
	if (err >= E_COUNT)
		return "not an error code";
	return causes[err];
}
