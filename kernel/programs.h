/*
 * programs.h - the user programs built into the kernel image (the programs of user/,
 * embedded by programs.S): each an ELF32 executable for elf_load().
 */
#ifndef PAGETRACK_PROGRAMS_H
#define PAGETRACK_PROGRAMS_H

#include "types.h"

struct program {
	const char *name;     /* "init", "worker", ... */
	const uint8_t *image; /* the ELF file */
	uint32_t size;        /* its bytes */
};

/* The table, ended by an entry whose name is NULL. */
extern const struct program programs[];

/* The program called `name`, or NULL if there is none. */
const struct program *program_find(const char *name);

#endif
