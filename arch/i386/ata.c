/* ata.c - the ATA disk on the primary IDE channel (see ata.h). */
#include "ata.h"
#include "cpu.h"
#include "errors.h"
#include "lib.h"
#include "pci.h"

/* The primary channel's legacy ports: the command block, then the control block. */
#define ATA_BASE 0x1F0
#define ATA_CTRL 0x3F6 /* read: Alternate Status; write: Device Control */

#define REG_DATA (ATA_BASE + 0)
#define REG_ERROR (ATA_BASE + 1) /* read; writing it sets Features */
#define REG_COUNT (ATA_BASE + 2)
#define REG_LBA_LO (ATA_BASE + 3)
#define REG_LBA_MID (ATA_BASE + 4)
#define REG_LBA_HI (ATA_BASE + 5)
#define REG_DEVICE (ATA_BASE + 6)
#define REG_STATUS (ATA_BASE + 7) /* read; writing it issues a command */
#define REG_COMMAND REG_STATUS

#define ST_ERR BIT(0)  /* the command failed: the Error register says why */
#define ST_DRQ BIT(3)  /* the device wants or offers a block of data */
#define ST_DF BIT(5)   /* device fault */
#define ST_DRDY BIT(6) /* the device accepts commands */
#define ST_BSY BIT(7)  /* the device owns the registers: nothing else is valid */
#define ST_FLOATING 0xFF /* what a channel with nothing on it may read as */

#define CTL_NIEN BIT(1) /* no interrupts from the device: we poll */
#define CTL_SRST BIT(2) /* soft reset of both devices on the channel */

#define DEV_UNIT1 BIT(4) /* device 1 of the channel (we use device 0) */
#define DEV_LBA BIT(6)
#define DEV_ALWAYS (BIT(7) | BIT(5)) /* obsolete bits, set as older devices expect */

#define CMD_IDENTIFY 0xEC
#define CMD_SET_MULTIPLE 0xC6

#define IDENTIFY_WORDS 256
#define ID_MULTIPLE_MAX 47            /* low byte: the most sectors per READ MULTIPLE block */
#define ID_CAPABILITIES 49
#define ID_CAP_DMA BIT(8)
#define ID_CAP_LBA BIT(9)
#define ID_LBA28_SECTORS 60           /* words 60-61 */
#define ID_COMMANDS2 83
#define ID_CMD2_LBA48 BIT(10)
#define ID_LBA48_SECTORS 100          /* words 100-103 */
#define ID_MODEL 27                   /* words 27-46, two characters each, high byte first */
#define ID_MODEL_WORDS 20

#define SETTLE_READS 4    /* 400 ns: how long a device may take to show BSY */
#define RESET_HOLD_READS 50      /* SRST is held at least 5 us */
#define RESET_WAIT_READS 20000   /* the 2 ms after SRST before BSY means anything */

/* The bus-master IDE registers of the primary channel, from BAR4 of the controller. */
#define BM_COMMAND 0
#define BM_STATUS 2
#define BM_PRDT 4
#define BM_CMD_START BIT(0)
#define BM_CMD_TO_MEMORY BIT(3) /* the controller writes memory: a read from the disk */
#define BM_ST_ACTIVE BIT(0)
#define BM_ST_ERROR BIT(1)
#define BM_ST_IRQ BIT(2)
#define PCI_CLASS_STORAGE 0x01
#define PCI_SUBCLASS_IDE 0x01
#define IDE_PROGIF_PRIMARY_NATIVE BIT(0) /* the primary channel is not at the legacy ports */
#define IDE_PROGIF_BUS_MASTER BIT(7)

/* One entry of the table of physical regions a DMA transfer moves. */
struct prd {
	uint32_t addr;
	uint16_t bytes; /* 0 means 64 KiB */
	uint16_t flags;
};
#define PRD_LAST BIT(15)

/* Aligned to its size, so it never crosses the 64 KiB boundary the controller forbids. */
static struct prd prd_table __attribute__((aligned(sizeof(struct prd))));

enum mode { PIO, DMA };

static struct ata_state {
	struct ata_disk disk;
	uint16_t bm;     /* the bus-master registers' I/O base, 0 without DMA */
	bool use_dma;
	bool unready;    /* a reset did not finish: set the channel up before the next command */
	uint8_t unit;    /* the device register's unit bit: 0 but in a test */
	uint32_t poll_limit;
	struct ata_stats stats;
} ata;

/* ---- the status register and its waits ----------------------------------- */

static uint8_t alt_status(void)
{
	return inb(ATA_CTRL);
}

/* Let n reads of the Alternate Status go by: a delay that lasts at least n * 100 ns. */
static void pause_reads(uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		alt_status();
}

/* The status once BSY is clear, or -E_IO when the device stays busy past the limit. */
static int wait_not_busy(void)
{
	for (uint32_t i = 0; i < ata.poll_limit; i++) {
		uint8_t st = alt_status();
		if (!(st & ST_BSY))
			return st;
	}
	ata.stats.timeouts++;
	return -E_IO;
}

/* The command failed with status st: note why, acknowledge it, and say -E_IO. */
static int failed(uint8_t st)
{
	ata.stats.errors++;
	ata.stats.last_status = st;
	ata.stats.last_error = inb(REG_ERROR);
	inb(REG_STATUS);
	return -E_IO;
}

/* Wait until the device wants or offers the next block of data: 0 or -E_IO. */
static int wait_data(void)
{
	int st = wait_not_busy();

	if (st < 0)
		return st;
	if ((st & (ST_ERR | ST_DF)) || !(st & ST_DRQ))
		return failed((uint8_t)st);
	return 0;
}

/*
 * The end of a command: the device idle, no data pending, no error.  Reads
 * the Status register proper, which acknowledges the command.  0 or -E_IO.
 */
static int finish(void)
{
	int st = wait_not_busy();

	if (st < 0)
		return st;
	st = inb(REG_STATUS);
	if (st & (ST_ERR | ST_DF | ST_DRQ))
		return failed((uint8_t)st);
	return 0;
}

/* ---- issuing commands ---------------------------------------------------- */

/* The status once the device is ready for a command (BSY clear, DRDY set), or -E_IO. */
static int wait_ready(void)
{
	for (uint32_t i = 0; i < ata.poll_limit; i++) {
		uint8_t st = alt_status();
		if ((st & (ST_BSY | ST_DRDY)) == ST_DRDY)
			return st;
	}
	ata.stats.timeouts++;
	return -E_IO;
}

/*
 * Select the disk with the device register's bits dev, and wait until it
 * accepts a command (the registers may be written only then): 0 or -E_IO.
 */
static int select_device(uint8_t dev)
{
	int st = wait_not_busy();

	if (st < 0)
		return st;
	outb(REG_DEVICE, DEV_ALWAYS | ata.unit | dev);
	pause_reads(SETTLE_READS);
	if ((st = wait_ready()) < 0)
		return st;
	if (st & ST_DRQ) /* still in the middle of a transfer */
		return failed((uint8_t)st);
	return 0;
}

/* Issue cmd for count sectors from lba, with 48-bit registers if ext. */
static void issue(uint8_t cmd, uint64_t lba, uint16_t count, bool ext)
{
	if (ext) { /* each register holds two bytes, the high one written first */
		outb(REG_COUNT, (uint8_t)(count >> 8));
		outb(REG_LBA_LO, (uint8_t)(lba >> 24));
		outb(REG_LBA_MID, (uint8_t)(lba >> 32));
		outb(REG_LBA_HI, (uint8_t)(lba >> 40));
	}
	outb(REG_COUNT, (uint8_t)count);
	outb(REG_LBA_LO, (uint8_t)lba);
	outb(REG_LBA_MID, (uint8_t)(lba >> 8));
	outb(REG_LBA_HI, (uint8_t)(lba >> 16));
	outb(REG_COMMAND, cmd);
	pause_reads(SETTLE_READS);
}

/* A command without data (or whose data the caller moves next): 0 or -E_IO. */
static int command(uint8_t cmd, uint8_t count)
{
	int rc = select_device(0);

	if (rc < 0)
		return rc;
	issue(cmd, 0, count, false);
	return 0;
}

/* ---- recovering from a failure --------------------------------------------- */

/* READ/WRITE MULTIPLE in blocks of the disk's `multiple` sectors: 0 or -E_IO. */
static int set_multiple(void)
{
	int rc;

	if (ata.disk.multiple <= 1)
		return 0;
	if ((rc = command(CMD_SET_MULTIPLE, ata.disk.multiple)) < 0)
		return rc;
	return finish();
}

/*
 * The channel set up for the next command: after a reset, the device idle
 * again and the block size set again.  0 or -E_IO.
 */
static int ready(void)
{
	int rc;

	if (!ata.unready)
		return 0;
	if ((rc = wait_not_busy()) < 0 || (rc = set_multiple()) < 0)
		return rc;
	ata.unready = false;
	return 0;
}

/*
 * Put the channel back in a known state after a failure: a soft reset
 * (which also ends a transfer the device still waits on) with the
 * interrupt left off, then the set-up ready() does.  The failure was
 * reported already; if the channel is not back yet, the next command
 * waits for it (and fails if it never comes back).
 */
static void reset_channel(void)
{
	ata.stats.resets++;
	ata.unready = true;
	if (ata.bm)
		outb(ata.bm + BM_COMMAND, 0);
	outb(ATA_CTRL, CTL_NIEN | CTL_SRST);
	pause_reads(RESET_HOLD_READS);
	outb(ATA_CTRL, CTL_NIEN);
	pause_reads(RESET_WAIT_READS);
	ready();
}

/* A page transfer's result: after a failure the channel is reset. */
static int done(int rc)
{
	if (rc < 0)
		reset_channel();
	return rc;
}

/* The READ or WRITE command that moves a page in this mode, 28-bit or 48-bit. */
static uint8_t page_command(enum mode m, bool write, bool ext)
{
	static const uint8_t cmds[2][2][2] = {
		[PIO] = { { 0x20, 0x24 }, { 0x30, 0x34 } },   /* READ/WRITE SECTORS (EXT) */
		[DMA] = { { 0xC8, 0x25 }, { 0xCA, 0x35 } },   /* READ/WRITE DMA (EXT) */
	};
	static const uint8_t multiple[2][2] = {
		{ 0xC4, 0x29 }, { 0xC5, 0x39 },              /* READ/WRITE MULTIPLE (EXT) */
	};

	if (m == PIO && ata.disk.multiple > 1)
		return multiple[write][ext];
	return cmds[m][write][ext];
}

/* Select the disk and issue the command that moves page `page`: 0 or -E_IO. */
static int start_page(uint32_t page, enum mode m, bool write)
{
	uint64_t lba = (uint64_t)page * ATA_SECTORS_PER_PAGE;
	bool ext = lba + ATA_SECTORS_PER_PAGE > ATA_LBA28_SECTORS;
	int rc;

	if ((rc = ready()) < 0)
		return rc;
	if ((rc = select_device(DEV_LBA | (ext ? 0 : (uint8_t)((lba >> 24) & 0xF)))) < 0)
		return rc;
	issue(page_command(m, write, ext), lba, ATA_SECTORS_PER_PAGE, ext);
	return 0;
}

/* ---- moving pages ------------------------------------------------------------- */

static void count_page(bool write)
{
	if (write)
		ata.stats.writes++;
	else
		ata.stats.reads++;
}

/* One block of n sectors through the data port. */
static void pio_block(uint8_t *p, uint32_t n, bool write)
{
	uint32_t dwords = n * ATA_SECTOR_SIZE / sizeof(uint32_t);

	if (write)
		outsl(REG_DATA, p, dwords);
	else
		insl(REG_DATA, p, dwords);
}

int ata_pio_page(uint32_t page, void *buf, bool write)
{
	uint32_t block = ata.disk.multiple;
	int rc;

	count_page(write);
	if ((rc = start_page(page, PIO, write)) < 0)
		return done(rc);
	for (uint32_t s = 0; s < ATA_SECTORS_PER_PAGE; s += block) {
		if ((rc = wait_data()) < 0)
			return done(rc);
		pio_block((uint8_t *)buf + s * ATA_SECTOR_SIZE, block, write);
		pause_reads(SETTLE_READS); /* the device may take this long to show BSY again */
	}
	return done(finish());
}

/* Wait until the controller has moved the whole PRD table: 0 or -E_IO. */
static int wait_dma(void)
{
	for (uint32_t i = 0; i < ata.poll_limit; i++) {
		uint8_t st = inb(ata.bm + BM_STATUS);
		if (st & BM_ST_ERROR)
			return failed(alt_status());
		if (!(st & BM_ST_ACTIVE))
			return 0;
	}
	ata.stats.timeouts++;
	return -E_IO;
}

/* Point the controller at the frame, direction set, the status's error and interrupt cleared. */
static void dma_setup(paddr_t frame, bool write)
{
	prd_table = (struct prd){ frame, PAGE_SIZE, PRD_LAST };
	compiler_barrier(); /* the table is in memory before the controller may read it */
	outb(ata.bm + BM_COMMAND, 0);
	outl(ata.bm + BM_PRDT, (uint32_t)(uintptr_t)&prd_table);
	outb(ata.bm + BM_STATUS, inb(ata.bm + BM_STATUS) | BM_ST_ERROR | BM_ST_IRQ);
	outb(ata.bm + BM_COMMAND, write ? 0 : BM_CMD_TO_MEMORY);
}

int ata_dma_page(uint32_t page, paddr_t frame, bool write)
{
	uint8_t dir = write ? 0 : BM_CMD_TO_MEMORY;
	int rc;

	count_page(write);
	dma_setup(frame, write);
	if ((rc = start_page(page, DMA, write)) < 0)
		return done(rc);
	outb(ata.bm + BM_COMMAND, dir | BM_CMD_START);
	rc = wait_dma();
	outb(ata.bm + BM_COMMAND, dir);
	compiler_barrier(); /* what the controller wrote is read only from now on */
	return done(rc < 0 ? rc : finish());
}

/* ---- finding the disk -------------------------------------------------------- */

/*
 * IDENTIFY DEVICE into id: 0, or -E_NOENT when device 0 is not an ATA
 * disk (nothing answers, or the signature of a packet device).
 */
static int identify(uint16_t *id)
{
	int st = wait_not_busy();

	if (st < 0)
		return -E_NOENT;
	issue(CMD_IDENTIFY, 0, 0, false);
	if (alt_status() == 0)
		return -E_NOENT; /* no device to take the command */
	if (wait_not_busy() < 0)
		return -E_NOENT;
	if (inb(REG_LBA_MID) != 0 || inb(REG_LBA_HI) != 0)
		return -E_NOENT; /* ATAPI or SATA's signature: not an ATA disk */
	if (wait_data() < 0)
		return -E_NOENT;
	insl(REG_DATA, id, IDENTIFY_WORDS / 2);
	return finish() < 0 ? -E_NOENT : 0;
}

/* The model name: two characters a word, the first in the high byte, blanks trimmed. */
static void read_model(const uint16_t *id, char *model)
{
	size_t n = 0;

	for (size_t w = 0; w < ID_MODEL_WORDS; w++) {
		model[n++] = (char)(id[ID_MODEL + w] >> 8);
		model[n++] = (char)(id[ID_MODEL + w] & 0xFF);
	}
	while (n > 0 && (model[n - 1] == ' ' || model[n - 1] == 0))
		n--;
	model[n] = 0;
}

static uint64_t id_number(const uint16_t *id, size_t word, size_t words)
{
	uint64_t v = 0;

	for (size_t i = words; i-- > 0;)
		v = v << 16 | id[word + i];
	return v;
}

/* Fill ata.disk from the IDENTIFY words: 0, or -E_NOENT for a disk without LBA. */
static int read_identity(const uint16_t *id)
{
	struct ata_disk *d = &ata.disk;

	if (!(id[ID_CAPABILITIES] & ID_CAP_LBA))
		return -E_NOENT;
	d->lba48 = id[ID_COMMANDS2] & ID_CMD2_LBA48;
	d->sectors = d->lba48 ? id_number(id, ID_LBA48_SECTORS, 4)
			      : id_number(id, ID_LBA28_SECTORS, 2);
	if ((id[ID_MULTIPLE_MAX] & 0xFF) >= ATA_SECTORS_PER_PAGE)
		d->multiple = ATA_SECTORS_PER_PAGE;
	read_model(id, d->model);
	return 0;
}

/*
 * The bus-master registers of the IDE controller on PCI, if it drives the
 * primary channel at its legacy ports and can master the bus: their I/O
 * base, with I/O and bus mastering switched on; 0 otherwise.
 */
static uint16_t find_bus_master(void)
{
	struct pci_fn f;

	if (!pci_find_class(PCI_CLASS_STORAGE, PCI_SUBCLASS_IDE, &f))
		return 0;
	uint8_t progif = (uint8_t)(pci_read(f, PCI_CLASS) >> 8);
	uint32_t bar = pci_read(f, PCI_BAR(4));
	if ((progif & IDE_PROGIF_PRIMARY_NATIVE) || !(progif & IDE_PROGIF_BUS_MASTER) ||
	    !(bar & PCI_BAR_IO) || (bar & 0xFFFC) == 0)
		return 0;
	pci_write(f, PCI_COMMAND, pci_read(f, PCI_COMMAND) | PCI_CMD_IO | PCI_CMD_BUS_MASTER);
	return (uint16_t)(bar & 0xFFFC);
}

/* Device 0 answers on the channel (a channel with nothing on it reads 0 or floats at 0xFF). */
static bool device_there(void)
{
	if (inb(REG_STATUS) == ST_FLOATING)
		return false;
	outb(ATA_CTRL, CTL_NIEN);
	outb(REG_DEVICE, DEV_ALWAYS | ata.unit);
	pause_reads(SETTLE_READS);
	uint8_t st = alt_status();
	return st != 0 && st != ST_FLOATING;
}

int ata_init(void)
{
	static uint16_t id[IDENTIFY_WORDS];
	int rc;

	ata = (struct ata_state){ .poll_limit = ATA_POLL_LIMIT, .disk = { .multiple = 1 } };
	if (!device_there())
		return -E_NOENT;
	if ((rc = identify(id)) < 0 || (rc = read_identity(id)) < 0)
		return rc;
	if (set_multiple() < 0) {
		ata.disk.multiple = 1;
		reset_channel();
	}
	if (id[ID_CAPABILITIES] & ID_CAP_DMA)
		ata.bm = find_bus_master();
	ata.disk.dma = ata.bm != 0;
	ata.use_dma = ata.disk.dma;
	ata.disk.present = true;
	ata.stats = (struct ata_stats){ 0 };
	return 0;
}

/* ---- queries ------------------------------------------------------------------ */

const struct ata_disk *ata_disk(void)
{
	return &ata.disk;
}

uint32_t ata_pages(void)
{
	if (!ata.disk.present)
		return 0;
	return (uint32_t)MIN(ata.disk.sectors / ATA_SECTORS_PER_PAGE, (uint64_t)UINT32_MAX);
}

bool ata_use_dma(bool on)
{
	bool was = ata.use_dma;

	ata.use_dma = on && ata.disk.dma;
	return was;
}

bool ata_dma_in_use(void)
{
	return ata.use_dma;
}

uint32_t ata_set_poll_limit(uint32_t polls)
{
	uint32_t was = ata.poll_limit;

	ata.poll_limit = polls;
	return was;
}

void ata_test_unit(uint8_t unit)
{
	ata.unit = unit ? DEV_UNIT1 : 0;
}

void ata_get_stats(struct ata_stats *s)
{
	*s = ata.stats;
}
