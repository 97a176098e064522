/*
 * elf.h - loading a program: an ELF32 i386 executable, checked before
 * anything of it is trusted.
 *
 * Every PT_LOAD segment must lie inside its image and inside the program
 * area [PROGRAM_BASE, MAP_BASE), with memsz >= filesz, start on a page
 * boundary, and share no page with another segment; the entry point must
 * lie in an executable segment.  Segments without PF_W are mapped
 * read-only, so a program cannot write to its code.
 */
#ifndef PAGETRACK_ELF_H
#define PAGETRACK_ELF_H

#include "types.h"

struct elf_info {
	vaddr_t entry; /* where the program starts */
	vaddr_t end;   /* the first page after its highest segment: the heap starts here */
};

/*
 * Map the program in image[0..size) into the empty address space `as`:
 * fresh zeroed frames with the segments' bytes copied in.  Returns 0, or
 * -SYS_EINVAL for an image that is not a valid program (the reason is
 * printed, naming `name`), or -SYS_ENOMEM.  On failure the address space
 * may hold some of the program: the caller destroys it.
 */
int elf_load(int as, const uint8_t *image, uint32_t size, const char *name,
	     struct elf_info *info);

#endif
