/* acpi.c - the MADT, through the RSDP and the RSDT (see acpi.h). */
#include "acpi.h"
#include "errors.h"
#include "lib.h"
#include "seam.h"

#define EBDA_SEGMENT_AT 0x40E /* the BIOS data area's word: the EBDA's real-mode segment */
#define EBDA_SCAN 1024        /* the RSDP is in the EBDA's first KiB... */
#define BIOS_AREA 0xE0000     /* ...or in the BIOS's read-only area below 1 MiB */
#define BIOS_AREA_END 0x100000
#define RSDP_ALIGN 16
#define RSDP_V1_LEN 20 /* what ACPI 1.0's checksum covers */
#define RSDP_RSDT_AT 16

#define SDT_HEADER_LEN 36
#define SDT_LEN_AT 4
#define SDT_MAX_LEN 0x10000 /* far more than any RSDT or MADT a machine has */
#define MADT_LAPIC_AT 36
#define MADT_ENTRIES_AT 44

/* MADT entries: type, length, then the type's fields. */
enum {
	MADT_LAPIC = 0,          /* processor id, APIC id, flags (32 bits) */
	MADT_IOAPIC = 1,         /* id, reserved, address, GSI base */
	MADT_LAPIC_OVERRIDE = 5, /* reserved (16 bits), a 64-bit address of the local APICs */
};
#define MADT_LAPIC_LEN 8
#define MADT_IOAPIC_LEN 12
#define MADT_OVERRIDE_LEN 12
#define LAPIC_ENABLED BIT(0)

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static bool sums_to_zero(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum += p[i];
	return sum == 0;
}

/* The RSDP on a 16-byte boundary of [from, to), or NULL. */
static const uint8_t *scan_rsdp(paddr_t from, paddr_t to)
{
	for (paddr_t pa = from; pa + RSDP_V1_LEN <= to; pa += RSDP_ALIGN) {
		const uint8_t *p = hw_phys(pa);
		if (memcmp(p, "RSD PTR ", 8) == 0 && sums_to_zero(p, RSDP_V1_LEN))
			return p;
	}
	return NULL;
}

static const uint8_t *find_rsdp(void)
{
	uint16_t segment;

	memcpy(&segment, hw_phys(EBDA_SEGMENT_AT), sizeof(segment));
	paddr_t ebda = (paddr_t)segment << 4;
	const uint8_t *p = ebda >= PAGE_SIZE && ebda < BIOS_AREA ? scan_rsdp(ebda, ebda + EBDA_SCAN)
								 : NULL;
	return p ? p : scan_rsdp(BIOS_AREA, BIOS_AREA_END);
}

/* The table at pa with signature sig, whole and sound, or NULL. */
static const uint8_t *table_at(paddr_t pa, const char *sig)
{
	const uint8_t *t = hw_phys(pa);

	if (pa == 0 || memcmp(t, sig, 4) != 0)
		return NULL;
	uint32_t len = get32(t + SDT_LEN_AT);
	return len >= SDT_HEADER_LEN && len <= SDT_MAX_LEN && sums_to_zero(t, len) ? t : NULL;
}

/* The RSDT's entry with signature sig, or NULL. */
static const uint8_t *find_table(const uint8_t *rsdt, const char *sig)
{
	uint32_t n = (get32(rsdt + SDT_LEN_AT) - SDT_HEADER_LEN) / sizeof(uint32_t);

	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *t = table_at(get32(rsdt + SDT_HEADER_LEN + i * sizeof(uint32_t)), sig);
		if (t)
			return t;
	}
	return NULL;
}

static void add_cpu(struct madt_info *m, const uint8_t *e)
{
	if (e[1] < MADT_LAPIC_LEN || !(get32(e + 4) & LAPIC_ENABLED))
		return;
	if (m->ncpus < MADT_CPUS_MAX)
		m->apic_ids[m->ncpus] = e[3];
	m->ncpus++;
}

static void add_ioapic(struct madt_info *m, const uint8_t *e)
{
	if (e[1] < MADT_IOAPIC_LEN)
		return;
	if (m->nioapics < MADT_IOAPICS_MAX)
		m->ioapics[m->nioapics] = (struct madt_ioapic){
			.id = e[2], .base = get32(e + 4), .gsi_base = get32(e + 8),
		};
	m->nioapics++;
}

/* A 64-bit address for the local APICs: taken if paging can reach it. */
static void override_lapic(struct madt_info *m, const uint8_t *e)
{
	if (e[1] >= MADT_OVERRIDE_LEN && get32(e + 8) == 0)
		m->lapic = get32(e + 4);
}

static void read_entries(struct madt_info *m, const uint8_t *madt)
{
	uint32_t len = get32(madt + SDT_LEN_AT);

	for (uint32_t at = MADT_ENTRIES_AT; at + 2 <= len && madt[at + 1] >= 2; at += madt[at + 1]) {
		const uint8_t *e = madt + at;
		if (at + e[1] > len)
			break;
		if (e[0] == MADT_LAPIC)
			add_cpu(m, e);
		else if (e[0] == MADT_IOAPIC)
			add_ioapic(m, e);
		else if (e[0] == MADT_LAPIC_OVERRIDE)
			override_lapic(m, e);
	}
}

int acpi_read_madt(struct madt_info *m, const char **why)
{
	const uint8_t *rsdp = find_rsdp(), *rsdt = NULL, *madt = NULL;

	*m = (struct madt_info){ 0 };
	if (!rsdp)
		*why = "no RSDP in the EBDA or at 0xE0000-0xFFFFF";
	else if (!(rsdt = table_at(get32(rsdp + RSDP_RSDT_AT), "RSDT")))
		*why = "the RSDP names no sound RSDT";
	else if (!(madt = find_table(rsdt, "APIC")))
		*why = "the RSDT lists no sound MADT";
	if (!madt)
		return -E_NOENT;
	if (get32(madt + SDT_LEN_AT) < MADT_ENTRIES_AT) {
		*why = "the MADT is too short";
		return -E_NOENT;
	}
	m->where = (paddr_t)(uintptr_t)madt;
	m->lapic = get32(madt + MADT_LAPIC_AT);
	read_entries(m, madt);
	return 0;
}
