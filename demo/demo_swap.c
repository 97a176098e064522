/*
 * demo_swap.c - part 3 of what `make run` shows: more memory than the
 * machine has.  The program overcommit (user/overcommit.c) forks workers
 * that together touch OVERCOMMIT_TENTHS / 10 times the user zone, each
 * writing every page, sleeping while the others write, then checking every
 * page; the kernel pages out (the clock, and whole sleeping processes) to
 * make room and reads every page back when touched.  Then a summary line:
 * how far memory was overcommitted, what went to swap and back, and that
 * no data, slot or frame was lost.
 */
#include "check.h"
#include "demo_frames.h"
#include "frame.h"
#include "lib.h"
#include "pager.h"
#include "pressure.h"
#include "proc.h"
#include "runs.h"
#include "status.h"
#include "swap.h"
#include "uapi.h"
#include "vmspace.h"

#define OVERCOMMIT_TENTHS 30 /* the workers touch 3.0 times the user zone, or a little more */
#define WORKERS 8            /* as user/overcommit.c forks */
#define BAD_MAX 250          /* overcommit's statuses: bad pages up to this, then failures */

static uint32_t free_slots(void)
{
	struct swap_counts c;

	pt_swap_get_counts(&c);
	return c.free;
}

bool demo_overcommit(void)
{
	uint32_t zone = pt_frame_total_count(ZONE_USER);
	uint32_t pages = (zone * OVERCOMMIT_TENTHS / 10 + WORKERS - 1) / WORKERS;
	uint32_t frames = demo_free_frames(), slots = free_slots(), touched = pages * WORKERS;
	struct pager_stats ps;
	int status = -1;

	kprintf("demo: part 3: more memory than the machine has\n");
	if (!pressure_swap_on()) {
		kprintf("demo: part 3: skipped: there is no swap (no disk: SWAP=0), and it needs "
			"some to hold more than the user zone's %u frames\n", zone);
		return true;
	}
	if (slots < touched) { /* every page touched may keep a slot, resident or not */
		kprintf("demo: part 3: skipped: the swap's %u slots are fewer than the %u pages it "
			"touches: raise SWAP to %u MiB or more\n", slots, touched,
			(touched + 1 + 255) / 256);
		return true;
	}
	kprintf("demo: %u workers touch %u pages each, %u in all, in a user zone of %u frames; "
		"reclaim below %u free frames, up to %u\n", WORKERS, pages, touched, zone,
		pressure_low(), pressure_high());
	pt_vm_reset_stats();
	pt_pager_reset_stats();
	int pid = proc_spawn("overcommit", (int)pages);
	if (pid < 0) {
		kprintf("demo: cannot start overcommit: %s\n", sys_err_text(pid));
		return false;
	}
	int blocked = proc_run();
	bool reaped = proc_reap(pid, &status) == 0;
	pt_pager_get_stats(&ps);
	uint32_t leaked_frames = frames - demo_free_frames(), leaked_slots = slots - free_slots();
	char how[STATUS_TEXT_MAX];
	kprintf("demo: overcommit %s\n", wait_status_text(status, how, sizeof(how)));
	bool sound = pt_vm_check() == 0;
	if (!sound)
		kprintf("demo: the invariants do not hold after part 3\n");
	uint32_t errors = status >= 0 && status <= BAD_MAX ? (uint32_t)status : touched;
	uint32_t tenths = touched / zone * 10 + touched % zone * 10 / zone; /* no 64-bit division */
	kprintf("summary: overcommit=%u.%u swap_outs=%u swap_ins=%u blocks_out=%u blocks_in=%u "
		"major_faults=%u data_errors=%u swap_slots_leaked=%u frames_leaked=%u\n",
		tenths / 10, tenths % 10, ps.swap_outs, ps.swap_ins, ps.blocks_out, ps.blocks_in,
		ps.major_faults, errors, leaked_slots, leaked_frames);
	return reaped && sound && blocked == 0 && status == 0 && leaked_frames == 0 &&
	       leaked_slots == 0;
}
