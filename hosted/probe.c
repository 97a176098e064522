/* probe.c (hosted) - probes through the model MMU. */
#include "probe.h"
#include "lib.h"
#include "mmu_model.h"
#include "seam.h"

uint32_t probe(vaddr_t va, uint32_t how, uint32_t *val)
{
	struct mmu_result r = mmu_access(va, how & (PF_W | PF_U));

	if (r.fault)
		return PROBE_FAULTED | r.err;
	/* an unaligned word may straddle pages; the probes use aligned words */
	uint32_t *word = hw_phys(r.pa);
	if (how & PROBE_WRITE)
		*word = *val;
	else
		*val = *word;
	return 0;
}
