/*
 * ata.h - the swap disk: the ATA disk on the primary IDE channel (QEMU's
 * `-drive if=ide,index=0`), behind the seam's disk functions (seam.h).
 *
 * ata_init() finds it at boot: the channel's legacy ports (0x1F0-0x1F7,
 * 0x3F6), device 0, IDENTIFY DEVICE for its size (28-bit LBA, or 48-bit
 * where the disk offers it) and the bus-master IDE function of the PCI
 * controller (PIIX) if there is one.  A page is 8 sectors, moved by one
 * command:
 *
 *   DMA  READ/WRITE DMA (EXT) with one PRD for the frame: the controller
 *        moves the page to or from physical memory, so no window is needed;
 *   PIO  READ/WRITE MULTIPLE (EXT) in one block of 8 sectors where the disk
 *        allows it, else READ/WRITE SECTORS a sector at a time; the data go
 *        through the data port 32 bits at a time (rep insl / rep outsl) to
 *        a kernel address.
 *
 * DMA is used when the controller offers it; PIO is the fallback.
 *
 * Everything is polled: the device's interrupt is off (nIEN), and the
 * kernel runs with interrupts off anyway.  A wait reads the Alternate
 * Status register, which has no side effect, and gives up after
 * ATA_POLL_LIMIT reads; the Status register proper is read once, when a
 * command ends, as the ATA standard asks, to acknowledge it.  Any failure
 * (an error bit, a command that ends early, a wait that gives up) returns
 * -E_IO, and a soft reset of the channel then brings it back to a known
 * state, so one bad page never stops the others.  No FLUSH CACHE is sent:
 * swap does not outlive the run, and reads are served from the device's
 * cache like any other.
 */
#ifndef PAGETRACK_ATA_H
#define PAGETRACK_ATA_H

#include "types.h"

#define ATA_SECTOR_SIZE 512
#define ATA_SECTORS_PER_PAGE (PAGE_SIZE / ATA_SECTOR_SIZE)
#define ATA_LBA28_SECTORS (1u << 28) /* what 28-bit commands reach; 48-bit ones go further */
/*
 * Reads of the Alternate Status register before a wait gives up: each
 * takes at least 100 ns on the ISA timing of the legacy ports, so a wait
 * lasts at least 0.8 s on hardware; under QEMU's TCG a read takes about
 * 80 ns, and a wait that gives up about 0.7 s.
 */
#define ATA_POLL_LIMIT (1u << 23)

struct ata_disk {
	bool present;
	bool lba48;        /* 48-bit LBAs, used for sectors past 2^28 */
	bool dma;          /* the controller can move pages by bus-master DMA */
	uint8_t multiple;  /* sectors per PIO block (READ/WRITE MULTIPLE), 1: one at a time */
	uint64_t sectors;  /* 512-byte sectors the disk holds */
	char model[41];    /* what IDENTIFY DEVICE calls it, blanks trimmed */
};

/* What the driver has done since ata_init. */
struct ata_stats {
	uint32_t reads, writes;  /* pages transferred or tried */
	uint32_t errors;         /* commands the device failed (ERR or DF, or an early end) */
	uint32_t timeouts;       /* waits that gave up */
	uint32_t resets;         /* soft resets of the channel after a failure */
	uint8_t last_status;     /* the Status and Error registers of the last failure */
	uint8_t last_error;
};

/*
 * Find the disk and get it ready: 0, or -E_NOENT when the channel has no
 * ATA disk with LBA (nothing there, a CD-ROM, a floating bus).  Call once
 * at boot, before anything reads or writes the disk.
 */
int ata_init(void);

/* What ata_init found (present false: no disk). */
const struct ata_disk *ata_disk(void);

/* The disk's whole pages, at most UINT32_MAX; 0 without a disk. */
uint32_t ata_pages(void);

/*
 * Move page `page` (its 8 sectors from page * 8) between the disk and
 * memory; `write` says which way.  ata_dma_page takes the physical address
 * of the frame, ata_pio_page a kernel address of the page's bytes.
 * Preconditions: a disk is present, page < ata_pages(), the memory is a
 * page no one else touches during the call (and for DMA, below 4 GiB and
 * page aligned, which a frame always is).  Returns 0 or -E_IO.
 * ata_dma_page needs ata_disk()->dma.
 */
int ata_dma_page(uint32_t page, paddr_t frame, bool write);
int ata_pio_page(uint32_t page, void *buf, bool write);

/*
 * Whether the seam uses DMA (true when the controller offers it).  Tests
 * turn it off to drive the PIO path; ata_use_dma(true) without DMA changes
 * nothing.  Returns the setting before the call.
 */
bool ata_use_dma(bool on);
bool ata_dma_in_use(void);

/*
 * Tests only: how many status reads a wait makes before it gives up
 * (ATA_POLL_LIMIT after ata_init); returns the limit before the call.
 */
uint32_t ata_set_poll_limit(uint32_t polls);

/*
 * Tests only: address device `unit` of the channel (0, the disk, or 1)
 * from now on.  Nothing answers as device 1 (its status reads 0, never
 * ready), so every transfer meets a device that does not answer, and
 * gives up after its bounded wait.
 */
void ata_test_unit(uint8_t unit);

void ata_get_stats(struct ata_stats *s);

#endif
