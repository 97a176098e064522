/* errors.c - names of the error codes, for messages and test reports. */
#include "errors.h"

static const char *const names[E_COUNT] = {
	[E_OK] = "OK",         [E_INVAL] = "E_INVAL", [E_NOMEM] = "E_NOMEM",
	[E_EXIST] = "E_EXIST", [E_NOENT] = "E_NOENT", [E_BADH] = "E_BADH",
	[E_RANGE] = "E_RANGE", [E_BUSY] = "E_BUSY",   [E_FREE] = "E_FREE",
	[E_NOTOWN] = "E_NOTOWN", [E_FAULT] = "E_FAULT", [E_IO] = "E_IO",
};

const char *err_name(int err)
{
	if (err < 0)
		err = -err;
	if (err >= E_COUNT)
		return "E_?";
	return names[err];
}
