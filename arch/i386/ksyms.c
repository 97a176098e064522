/* ksyms.c - the kernel's code symbols (see ksyms.h and scripts/ksyms.sh). */
#include "ksyms.h"
#include "lib.h"

struct ksym {
	uint32_t addr; /* in increasing order */
	uint32_t name; /* offset of its name after the last entry */
};

struct ksym_table {
	uint32_t count;
	struct ksym sym[];
};

extern const char ksyms_start[], ksyms_end[], text_end[]; /* kernel.ld */

static const struct ksym_table *table(void)
{
	if ((size_t)(ksyms_end - ksyms_start) < sizeof(struct ksym_table))
		return NULL;
	return (const struct ksym_table *)ksyms_start;
}

const char *ksym_find(uint32_t addr, uint32_t *offset)
{
	const struct ksym_table *t = table();
	uint32_t lo = 0, hi;

	if (!t || t->count == 0 || addr < t->sym[0].addr || addr >= (uint32_t)text_end)
		return NULL;
	hi = t->count; /* the answer is the last entry at or below addr: in [lo, hi) */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (t->sym[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - t->sym[lo].addr;
	return (const char *)&t->sym[t->count] + t->sym[lo].name;
}

void ksym_print(uint32_t addr)
{
	uint32_t off;
	const char *name = ksym_find(addr, &off);

	kprintf("0x%08x", addr);
	if (name)
		kprintf(" %s+0x%x", name, off);
}
