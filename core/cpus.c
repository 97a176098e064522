/* cpus.c - the CPUs the core serves (see cpus.h). */
#include "cpus.h"
#include "errors.h"
#include "tracker.h"

uint32_t pt_ncpus = 1;
static const struct pt_smp_ops *ops; /* NULL: one CPU */

int pt_smp_init(uint32_t ncpus, const struct pt_smp_ops *o)
{
	if (ncpus == 0 || ncpus > PT_MAX_CPUS || (ncpus > 1 && (!o || !o->cpu_id || !o->send_ipi)))
		return -E_INVAL;
	for (uint32_t c = ncpus; c < PT_MAX_CPUS; c++)
		if (pt_trk_live_on[c] && pt_trk_live_on[c] != pt_trk_get(TRK_MASTER))
			return -E_BUSY;
	for (uint32_t c = ncpus; c < PT_MAX_CPUS; c++)
		pt_trk_live_on[c] = NULL;
	ops = ncpus > 1 ? o : NULL;
	pt_ncpus = ncpus;
	pt_trk_ncpus_changed();
	return 0;
}

uint32_t pt_cpu_self(void)
{
	return ops ? ops->cpu_id() : 0;
}

void pt_cpu_send_ipi(uint32_t cpus)
{
	if (ops && cpus)
		ops->send_ipi(cpus);
}
