/*
 * errors.h - the error codes of pagetrack.
 *
 * An action returns 0 on success or one of these, negated (-E_NOMEM).
 * Functions that hand something back (a handle, a count) return it as a
 * non-negative number, or a negative error.  Every failing call leaves the
 * state exactly as it was before the call.
 */
#ifndef PAGETRACK_ERRORS_H
#define PAGETRACK_ERRORS_H

enum pt_error {
	E_OK = 0,
	E_INVAL,    /* bad argument: unaligned, zero length, unknown flag bits */
	E_NOMEM,    /* out of frames (or of tracker slots) */
	E_EXIST,    /* already mapped */
	E_NOENT,    /* not mapped */
	E_BADH,     /* not a live address-space handle */
	E_RANGE,    /* outside the allowed range: kernel space, past the end, wraps */
	E_BUSY,     /* in use: a pinned or still-referenced frame, the live address space */
	E_FREE,     /* the frame is already free (double free) */
	E_NOTOWN,   /* the frame is not one the allocator hands out */
	E_FAULT,    /* a bad user pointer, or a fault that is not ours to resolve */
	E_IO,       /* the disk failed a transfer, or did not answer in time */
	E_AGAIN,    /* a call told not to wait would have to (the disk, a block that grows) */
	E_COUNT
};

/*
 * The name of an error code, positive or negated ("E_NOMEM").  Prefixed, as
 * every name the library defines is (docs/PORTING.md); pagetrack's own code
 * says err_name (lib.h).
 */
const char *pt_err_name(int err);

/* What an error code means, positive or negated ("out of memory"). */
const char *pt_err_cause(int err);

#endif
