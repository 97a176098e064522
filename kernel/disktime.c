/* disktime.c - one raw disk transfer, timed (see disktime.h). */
#include "disktime.h"
#include "cpu.h"
#include "seam.h"

int disk_time_write(uint32_t page, paddr_t frame, uint64_t *cycles)
{
	uint64_t t0 = rdtsc();
	int rc = hw_disk_write(page, frame);

	*cycles = rdtsc() - t0;
	return rc;
}

int disk_time_read(uint32_t page, paddr_t frame, uint64_t *cycles)
{
	uint64_t t0 = rdtsc();
	int rc = hw_disk_read(page, frame);

	*cycles = rdtsc() - t0;
	return rc;
}
