/* elf.c - the ELF32 program loader (see elf.h). */
#include "pressure.h"
#include "elf.h"
#include "frame.h"
#include "kmap.h"
#include "lib.h"
#include "seam.h"
#include "syserr.h"
#include "uapi.h"
#include "vmspace.h"

#define EI_NIDENT 16
#define ELFCLASS32 1
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_386 3
#define PT_LOAD 1
#define PHF_X 1 /* p_flags: executable */
#define PHF_W 2 /* p_flags: writable */
#define MAX_PHDRS 16

struct elf32_ehdr {
	uint8_t ident[EI_NIDENT];
	uint16_t type, machine;
	uint32_t version, entry, phoff, shoff, flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf32_phdr {
	uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

static int reject(const char *name, const char *why)
{
	kprintf("exec: %s: not a valid program: %s\n", name, why);
	return -SYS_EINVAL;
}

static const char *check_header(const struct elf32_ehdr *eh, uint32_t size)
{
	static const uint8_t magic[4] = { 0x7F, 'E', 'L', 'F' };

	if (size < sizeof(*eh) || memcmp(eh->ident, magic, 4) != 0)
		return "no ELF header";
	if (eh->ident[4] != ELFCLASS32 || eh->ident[5] != ELFDATA2LSB)
		return "not 32-bit little-endian";
	if (eh->type != ET_EXEC || eh->machine != EM_386 || eh->version != EV_CURRENT)
		return "not an i386 executable";
	if (eh->phentsize != sizeof(struct elf32_phdr) || eh->phnum == 0 ||
	    eh->phnum > MAX_PHDRS || !IS_ALIGNED(eh->phoff, 4))
		return "bad program header table";
	if (eh->phoff > size || eh->phnum * sizeof(struct elf32_phdr) > size - eh->phoff)
		return "program headers outside the image";
	return NULL;
}

static const char *check_segment(const struct elf32_phdr *ph, uint32_t size)
{
	if (ph->offset > size || ph->filesz > size - ph->offset)
		return "a segment lies outside the image";
	if (ph->filesz > ph->memsz)
		return "a segment's file size exceeds its memory size";
	if (!IS_ALIGNED(ph->vaddr, PAGE_SIZE))
		return "a segment does not start on a page boundary";
	if (ph->vaddr < PROGRAM_BASE || ph->vaddr >= MAP_BASE || ph->memsz > MAP_BASE - ph->vaddr)
		return "a segment lies outside the program area";
	return NULL;
}

static vaddr_t seg_end(const struct elf32_phdr *ph)
{
	return ALIGN_UP(ph->vaddr + ph->memsz, PAGE_SIZE);
}

/* Check every segment, and that none shares a page with another. */
static const char *check_segments(const struct elf32_ehdr *eh, const struct elf32_phdr *ph,
				  uint32_t size)
{
	bool entry_ok = false;

	for (uint32_t i = 0; i < eh->phnum; i++) {
		if (ph[i].type != PT_LOAD)
			continue;
		const char *why = check_segment(&ph[i], size);
		if (why)
			return why;
		for (uint32_t j = 0; j < i; j++)
			if (ph[j].type == PT_LOAD && ph[i].vaddr < seg_end(&ph[j]) &&
			    ph[j].vaddr < seg_end(&ph[i]))
				return "two segments share a page";
		if ((ph[i].flags & PHF_X) && eh->entry >= ph[i].vaddr &&
		    eh->entry < ph[i].vaddr + ph[i].memsz)
			entry_ok = true;
	}
	return entry_ok ? NULL : "the entry point is not in an executable segment";
}

/* Map the pages of one segment, copying its bytes in. */
static int load_segment(int as, const uint8_t *image, const struct elf32_phdr *ph)
{
	uint32_t flags = VM_USER | ((ph->flags & PHF_W) ? VM_WRITE : 0);

	for (vaddr_t va = ph->vaddr; va < seg_end(ph); va += PAGE_SIZE) {
		paddr_t pa;
		pressure_before_alloc(); /* below the low watermark: reclaim first */
		int rc = pt_frame_alloc(ZONE_USER, &pa);
		if (rc < 0)
			return -SYS_ENOMEM;
		pt_kmap_zero(pa);
		uint32_t off = va - ph->vaddr; /* bytes of the file that land on this page */
		if (off < ph->filesz) {
			vaddr_t w = pt_kmap(pa);
			memcpy(hw_kva(w), image + ph->offset + off, MIN(PAGE_SIZE, ph->filesz - off));
			pt_kunmap(w);
		}
		if ((rc = pt_vm_map(as, va, pa, flags)) < 0) {
			pt_frame_unref(pa);
			return sys_error(rc);
		}
	}
	return 0;
}

int elf_load(int as, const uint8_t *image, uint32_t size, const char *name,
	     struct elf_info *info)
{
	const struct elf32_ehdr *eh = (const void *)image;
	const char *why = check_header(eh, size);

	if (why)
		return reject(name, why);
	const struct elf32_phdr *ph = (const void *)(image + eh->phoff);
	if ((why = check_segments(eh, ph, size)))
		return reject(name, why);
	info->entry = eh->entry;
	info->end = PROGRAM_BASE;
	for (uint32_t i = 0; i < eh->phnum; i++) {
		if (ph[i].type != PT_LOAD)
			continue;
		int rc = load_segment(as, image, &ph[i]);
		if (rc < 0)
			return rc;
		info->end = MAX(info->end, seg_end(&ph[i]));
	}
	return 0;
}
