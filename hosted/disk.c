/* disk.c (hosted) - the model swap disk (see disk.h) and the seam's disk functions. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "disk.h"
#include "errors.h"
#include "lib.h"
#include "seam.h"

struct bad_page {
	uint32_t page;
	enum disk_ops ops; /* 0: the entry is unused */
};

static struct {
	uint8_t *data;
	uint32_t pages;
	uint32_t countdown[DISK_IO + 1]; /* indexed by enum disk_ops; 0: off */
	struct bad_page bad[DISK_BAD_PAGES];
	struct disk_counts counts;
} dk;

static size_t disk_bytes(uint32_t pages)
{
	return (size_t)pages * PAGE_SIZE;
}

void disk_release(void)
{
	if (dk.data)
		munmap(dk.data, disk_bytes(dk.pages));
	dk.data = NULL;
	dk.pages = 0;
}

void disk_attach(uint32_t pages)
{
	disk_release();
	disk_heal();
	dk.counts = (struct disk_counts){ 0 };
	if (pages == 0)
		return;
	/* fresh anonymous pages are zero, and the untouched ones cost nothing */
	void *p = mmap(NULL, disk_bytes(pages), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "disk_attach: cannot map a disk of %u pages\n", pages);
		exit(2);
	}
	dk.data = p;
	dk.pages = pages;
}

void disk_fail_nth(uint32_t n, enum disk_ops ops)
{
	if (ops >= DISK_READ && ops <= DISK_IO)
		dk.countdown[ops] = n;
}

int disk_fail_page(uint32_t p, enum disk_ops ops)
{
	struct bad_page *slot = NULL;

	if (p >= dk.pages)
		return -E_RANGE;
	for (size_t i = 0; i < ARRAY_SIZE(dk.bad); i++) {
		if (dk.bad[i].ops != 0 && dk.bad[i].page == p) {
			slot = &dk.bad[i];
			break;
		}
		if (dk.bad[i].ops == 0 && !slot)
			slot = &dk.bad[i];
	}
	if (!slot)
		return -E_NOMEM;
	*slot = (struct bad_page){ p, ops & DISK_IO };
	return 0;
}

void disk_heal(void)
{
	memset(dk.countdown, 0, sizeof(dk.countdown));
	memset(dk.bad, 0, sizeof(dk.bad));
}

void disk_get_counts(struct disk_counts *c)
{
	*c = dk.counts;
}

uint8_t *disk_page(uint32_t p)
{
	return p < dk.pages ? dk.data + disk_bytes(p) : NULL;
}

/* Count one step of the countdown for ops; true when it reaches its transfer. */
static bool count_down(enum disk_ops ops)
{
	if (dk.countdown[ops] == 0)
		return false;
	return --dk.countdown[ops] == 0;
}

/* Whether this transfer of kind op to page p is to fail; counts it down either way. */
static bool fails(enum disk_ops op, uint32_t p)
{
	bool fail = count_down(op);

	fail |= count_down(DISK_IO); /* both countdowns see every transfer */
	for (size_t i = 0; i < ARRAY_SIZE(dk.bad); i++)
		fail |= dk.bad[i].page == p && (dk.bad[i].ops & op);
	return fail;
}

static int check_args(uint32_t page, paddr_t frame)
{
	if (page >= dk.pages)
		return -E_RANGE;
	return IS_ALIGNED(frame, PAGE_SIZE) ? 0 : -E_INVAL;
}

uint32_t hw_disk_pages(void)
{
	return dk.pages;
}

/* The disk of the seam's contract: the core may ask for transfers on several threads at once. */
static pthread_mutex_t disk_lock = PTHREAD_MUTEX_INITIALIZER;

static int disk_read(uint32_t page, paddr_t frame)
{
	int rc = check_args(page, frame);

	if (rc < 0)
		return rc;
	dk.counts.reads++;
	if (fails(DISK_READ, page)) {
		dk.counts.read_errors++;
		memset(hw_phys(frame), DISK_JUNK, PAGE_SIZE);
		return -E_IO;
	}
	memcpy(hw_phys(frame), disk_page(page), PAGE_SIZE);
	return 0;
}

static int disk_write(uint32_t page, paddr_t frame)
{
	int rc = check_args(page, frame);

	if (rc < 0)
		return rc;
	dk.counts.writes++;
	if (fails(DISK_WRITE, page)) {
		dk.counts.write_errors++;
		memset(disk_page(page), DISK_JUNK, PAGE_SIZE);
		return -E_IO;
	}
	memcpy(disk_page(page), hw_phys(frame), PAGE_SIZE);
	return 0;
}

int hw_disk_read(uint32_t page, paddr_t frame)
{
	pthread_mutex_lock(&disk_lock);
	int rc = disk_read(page, frame);
	pthread_mutex_unlock(&disk_lock);
	return rc;
}

int hw_disk_write(uint32_t page, paddr_t frame)
{
	pthread_mutex_lock(&disk_lock);
	int rc = disk_write(page, frame);
	pthread_mutex_unlock(&disk_lock);
	return rc;
}
