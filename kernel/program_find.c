/* program_find.c - finding an embedded user program by name (see programs.h). */
#include "programs.h"
#include "lib.h"

const struct program *program_find(const char *name)
{
	for (const struct program *p = programs; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}
