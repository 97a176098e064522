/*
 * monitor.c - the kernel monitor (see monitor.h): read a line, split it
 * into words, find the command in the table, check its arguments, run it.
 * Each command prints with the dumps and decoders the rest of the kernel
 * has: pt_vm_dump and pt_vm_dump_block, pagefault_print_walk, pt_kzone_dump,
 * pt_trk_dump, pt_vm_check; evict and swapout page out through the pager
 * (pager.h), between the processes' turns, as the kernel's own policy does.
 */
#include "monitor.h"
#include "check.h"
#include "cpu.h"
#include "errors.h"
#include "frame.h"
#include "lib.h"
#include "pagefault.h"
#include "pager.h"
#include "pressure.h"
#include "proc.h"
#include "programs.h"
#include "seam.h"
#include "serial.h"
#include "smp.h"
#include "spinlock.h"
#include "status.h"
#include "timer.h"
#include "uapi.h"
#include "vmspace.h"

#define LINE_MAX 80       /* a command line's bytes, the NUL included */
#define MAX_WORDS 4       /* a command and its arguments */
#define MAX_JOBS 16       /* processes started with run, not yet reported ended */
#define TURNS_AFTER 8     /* turns processes get after each command */
#define KZONE_LINES 40    /* layout lines kzone shows by default */
#define COM1_IRQ 4
#define KEY_BACKSPACE 0x08
#define KEY_DELETE 0x7F

struct command {
	const char *name;
	const char *args; /* for the usage line */
	const char *help;
	int min_args, max_args;
	void (*run)(char **argv);
};

struct job {
	int pid;
	char name[PROC_NAME_MAX];
};

static struct job jobs[MAX_JOBS];
static bool quitting;

/* ---- input ------------------------------------------------------------------ */

/* COM1's interrupt only wakes the hlt in next_byte; the byte is polled. */
static bool serial_irq(struct trap_frame *tf)
{
	(void)tf;
	timer_eoi();
	return true;
}

/* The next byte typed; processes run meanwhile, and the CPU sleeps when none can. */
static char next_byte(void)
{
	int c;

	while ((c = serial_getc()) < 0)
		if (!proc_step())
			wait_for_interrupt();
	return (char)c;
}

/*
 * Read a line into line (LINE_MAX bytes), echoing it, with backspace.
 * Returns false if it was too long (the bytes past the end are dropped).
 */
static bool read_line(char *line)
{
	size_t len = 0;
	bool fits = true;

	for (;;) {
		char c = next_byte();
		if (c == '\r' || c == '\n')
			break;
		if ((c == KEY_BACKSPACE || c == KEY_DELETE) && len > 0) {
			len--;
			kprintf("\b \b");
		} else if (c >= ' ' && c < KEY_DELETE && len < LINE_MAX - 1) {
			line[len++] = c;
			hw_putc(c);
		} else if (c >= ' ' && c < KEY_DELETE) {
			fits = false;
		}
	}
	line[len] = '\0';
	hw_putc('\n');
	return fits;
}

/* Split line into words in place; returns how many (at most max). */
static int split(char *line, char **words, int max)
{
	int n = 0;

	for (char *s = line; *s && n < max;) {
		while (*s == ' ' || *s == '\t')
			*s++ = '\0';
		if (!*s)
			break;
		words[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
	}
	return n;
}

/* ---- arguments ---------------------------------------------------------------- */

/* A decimal number of at most 9 digits in s: 0 and *value, or -1. */
static int parse_decimal(const char *s, int *value)
{
	int v = 0, digits = 0;

	for (; *s >= '0' && *s <= '9' && digits < 9; s++, digits++)
		v = v * 10 + (*s - '0');
	if (digits == 0 || *s)
		return -1;
	*value = v;
	return 0;
}

/* A 32-bit address in hexadecimal, with or without 0x: 0 and *va, or -1. */
static int parse_address(const char *s, vaddr_t *va)
{
	uint32_t v = 0;
	int digits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; *s; s++, digits++) {
		char c = *s;
		int d = c >= '0' && c <= '9' ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0 || digits == 8)
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	if (digits == 0)
		return -1;
	*va = v;
	return 0;
}

/* The address in `word`, in *va: true, or false after saying what is wrong. */
static bool find_address(const char *cmd, const char *word, vaddr_t *va)
{
	if (parse_address(word, va) == 0)
		return true;
	kprintf("%s: \"%s\" is not an address: give up to 8 hex digits, as 40001000 or "
		"0x40001000\n", cmd, word);
	return false;
}

/* The process `word` names, in *info: true, or false after saying what is wrong. */
static bool find_process(const char *cmd, const char *word, struct proc_info *info)
{
	static struct proc_info all[NPROC];
	int pid, n = proc_list(all, NPROC);

	if (parse_decimal(word, &pid) < 0) {
		kprintf("%s: \"%s\" is not a pid: give a process's number, as ps lists them\n", cmd,
			word);
		return false;
	}
	for (int i = 0; i < n; i++) {
		if (all[i].pid == pid) {
			*info = all[i];
			return true;
		}
	}
	kprintf("%s: no process has pid %d: ps lists those there are\n", cmd, pid);
	return false;
}

/* Like find_process, for a process that still has its address space. */
static bool find_space(const char *cmd, const char *word, struct proc_info *info)
{
	if (!find_process(cmd, word, info))
		return false;
	if (info->as >= 0)
		return true;
	kprintf("%s: process %d has ended: its address space is gone\n", cmd, info->pid);
	return false;
}

/* ---- processes the monitor started ---------------------------------------------- */

static void add_job(int pid, const char *name)
{
	for (int i = 0; i < MAX_JOBS; i++) {
		if (jobs[i].pid == 0) {
			jobs[i].pid = pid;
			ksnprintf(jobs[i].name, sizeof(jobs[i].name), "%s", name);
			return;
		}
	}
}

/* Collect every process run started that has ended, with a line for each. */
static void report_ended(void)
{
	char how[STATUS_TEXT_MAX];
	int status;

	for (int i = 0; i < MAX_JOBS; i++) {
		if (jobs[i].pid == 0 || proc_reap(jobs[i].pid, &status) < 0)
			continue;
		kprintf("[process %d (%s) %s]\n", jobs[i].pid, jobs[i].name,
			wait_status_text(status, how, sizeof(how)));
		jobs[i].pid = 0;
	}
}

static int job_count(void)
{
	int n = 0;

	for (int i = 0; i < MAX_JOBS; i++)
		n += jobs[i].pid != 0;
	return n;
}

/* ---- the commands ------------------------------------------------------------------ */

static void cmd_help(char **argv);

static void cmd_ps(char **argv)
{
	static struct proc_info all[NPROC];
	int n = proc_list(all, NPROC), threads = 0;

	(void)argv;
	kprintf("  pid  parent  state     space  heap end    name\n");
	for (int i = 0; i < n; i++) {
		const struct proc_info *p = &all[i];
		char parent[12];
		char thread[24] = "";
		ksnprintf(parent, sizeof(parent), "%d", p->parent);
		if (p->group != p->pid) /* a thread: its process's parent, heap end and name */
			ksnprintf(thread, sizeof(thread), " (thread of %d)", p->group);
		kprintf("  %3d  %6s  %-8s  %5d  0x%08x  %s%s\n", p->pid,
			p->parent == 0 ? "kernel" : p->parent < 0 ? "none" : parent, p->state, p->as,
			p->brk, p->name, thread);
		threads += p->group != p->pid;
	}
	if (threads > 0)
		kprintf("%d process%s and %d thread%s\n", n - threads, n - threads == 1 ? "" : "es",
			threads, threads == 1 ? "" : "s");
	else
		kprintf("%d process%s\n", n, n == 1 ? "" : "es");
}

/* What vm shows of process p: its ranges, then its block. */
static void show_space(const struct proc_info *p)
{
	kprintf("process %d (%s): address space %d; ranges: start-end size flags (u user, r "
		"read, w write, c copy-on-write) first frame, or s and the first slot of pages in "
		"swap\n", p->pid, p->name, p->as);
	pt_vm_dump(p->as, pt_console_sink, NULL);
	pt_vm_dump_block(p->as, pt_console_sink, NULL);
}

/* Say that process p's block is out, and where (info: its space's, out). */
static void say_block_out(const char *cmd, const struct proc_info *p,
			  const struct vm_space_info *info)
{
	kprintf("%s: process %d (%s) has its block out in swap (slots %u-%u): its tables come "
		"back when it runs\n", cmd, p->pid, p->name, info->out_slot,
		info->out_slot + info->tables);
}

static void cmd_vm(char **argv)
{
	struct proc_info p;

	if (find_space("vm", argv[1], &p))
		show_space(&p);
}

static void cmd_walk(char **argv)
{
	struct proc_info p;
	struct vm_space_info info;
	vaddr_t va;

	if (!find_space("walk", argv[1], &p) || !find_address("walk", argv[2], &va))
		return;
	int rc = pt_vm_info(p.as, &info);
	if (rc < 0) {
		kprintf("walk: address space %d: %s (%s)\n", p.as, err_name(rc), err_cause(rc));
		return;
	}
	if (info.out) {
		say_block_out("walk", &p, &info);
		return;
	}
	kprintf("process %d (%s): PDE index %u (bits 31-22), PTE index %u (bits 21-12), offset "
		"0x%03x\n", p.pid, p.name, pde_index(va), pte_index(va), va & PAGE_MASK);
	pagefault_print_walk(info.block, p.as, va);
}

/* What the errors of pt_pager_evict and pt_pager_block_out mean here (pager.h). */
static const char *const pager_meanings[E_COUNT] = {
	[E_INVAL] = "give the address of a page, a multiple of 1000",
	[E_RANGE] = "only user pages go out: from 40000000 up",
	[E_NOENT] = "nothing is mapped there",
	[E_EXIST] = "the page is in swap already",
	[E_BUSY] = "a page is shared, pinned or device memory, or the space is live: it stays "
		   "in RAM",
	[E_NOMEM] = "no free swap slot, or no room in the kernel zone for the block",
	[E_IO] = "the disk failed: the slot is retired, and what did not go out stays",
};

static const char *pager_error_meaning(int rc)
{
	const char *m = -rc > 0 && -rc < E_COUNT ? pager_meanings[-rc] : NULL;

	return m ? m : "see pager.h";
}

/*
 * Whether pages of process p can go out now, after saying why not: there
 * must be swap, and its space must not be live (the monitor runs between
 * processes' turns, so none is, unless it is broken).
 */
static bool can_page_out(const char *cmd, const struct proc_info *p)
{
	if (!pressure_swap_on()) {
		kprintf("%s: there is no swap: boot with a swap disk (make shell SWAP=64)\n", cmd);
		return false;
	}
	if (pt_vm_live() == p->as || strcmp(p->state, "running") == 0) {
		kprintf("%s: process %d (%s) is running: its address space is live, and a live "
			"space stays in RAM\n", cmd, p->pid, p->name);
		return false;
	}
	return true;
}

/* Pages the pager has sent to swap, written or dropped clean, since boot. */
static uint32_t pages_gone_out(void)
{
	struct pager_stats w;

	pt_pager_get_stats(&w);
	return w.swap_outs + w.clean_drops;
}

static void cmd_swapout(char **argv)
{
	struct proc_info p;
	struct vm_space_info info;

	if (!find_space("swapout", argv[1], &p) || !can_page_out("swapout", &p))
		return;
	uint32_t before = pages_gone_out();
	int rc = pt_pager_block_out(p.as);
	if (rc == 0)
		rc = pt_vm_info(p.as, &info);
	if (rc < 0) {
		kprintf("swapout: process %d (%s): %s (%s): %s\n", p.pid, p.name, err_name(rc),
			err_cause(rc), pager_error_meaning(rc));
		return;
	}
	kprintf("swapout: process %d (%s): %u pages went out, then its block\n", p.pid, p.name,
		pages_gone_out() - before);
	say_block_out("swapout", &p, &info);
	show_space(&p);
}

static void cmd_evict(char **argv)
{
	struct proc_info p;
	struct vm_mapping m;
	vaddr_t va;

	if (!find_space("evict", argv[1], &p) || !find_address("evict", argv[2], &va) ||
	    !can_page_out("evict", &p))
		return;
	int rc = pt_pager_evict(p.as, va);
	if (rc == 0)
		rc = pt_vm_query(p.as, va, &m);
	if (rc < 0) {
		kprintf("evict: 0x%08x of process %d (%s): %s (%s): %s\n", va, p.pid, p.name,
			err_name(rc), err_cause(rc), pager_error_meaning(rc));
		return;
	}
	kprintf("evict: 0x%08x of process %d (%s) is in swap, slot %u: it comes back when the "
		"process touches it\n", va, p.pid, p.name, m.slot);
}

static void cmd_kzone(char **argv)
{
	int lines = KZONE_LINES;

	if (argv[1] && (parse_decimal(argv[1], &lines) < 0 || lines == 0)) {
		kprintf("kzone: \"%s\" is not a number of lines: give 1 or more\n", argv[1]);
		return;
	}
	pt_kzone_dump(pt_console_sink, NULL, (uint32_t)lines);
}

static void cmd_trackers(char **argv)
{
	(void)argv;
	pt_trk_dump(pt_console_sink, NULL);
}

static void cmd_stats(char **argv)
{
	struct vm_stats s;
	struct pager_stats w;
	struct proc_stats p;

	(void)argv;
	pt_vm_get_stats(&s);
	proc_get_stats(&p);
	kprintf("frames free: %u in the kernel zone, %u in the user zone\n",
		pt_frame_free_count(ZONE_KERNEL), pt_frame_free_count(ZONE_USER));
	kprintf("paging: spaces=%u (peak %u) tracker_pages=%u blocks=%u block_pages=%u "
		"tables=%u relocations=%u inplace_growths=%u shrinks=%u pages_copied=%u\n",
		s.spaces, s.spaces_peak, s.tracker_pages, s.blocks, s.block_pages, s.tables,
		s.relocations, s.inplace_growths, s.shrinks, s.pages_copied);
	kprintf("faults: cow_copies=%u cow_reuses=%u zero_fills=%u; tlb: invlpgs=%u "
		"flushes=%u\n", s.cow_copies, s.cow_reuses, s.zero_fills, s.invlpgs,
		s.tlb_flushes);
	pt_pager_get_stats(&w);
	kprintf("swap: slots=%u used=%u retired=%u; pages out=%u dropped_clean=%u in=%u; "
		"blocks out=%u in=%u out_now=%u\n", w.slots_total, w.slots_used, w.slots_retired,
		w.swap_outs, w.clean_drops, w.swap_ins, w.blocks_out, w.blocks_in, w.spaces_out);
	kprintf("processes: live=%u created=%u forks=%u execs=%u exits=%u killed=%u "
		"switches=%u preemptions=%u threads=%u\n", p.live, p.processes, p.forks, p.execs,
		p.exits, p.killed, p.switches, p.preemptions, p.threads);
	kprintf("cpus: %u running; shootdowns=%u ipis=%u; big lock waits=%u; without it: "
		"faults=%u clones=%u destroys=%u\n", smp_running(), s.shootdowns, s.ipis,
		klock_waits(), p.faults_unlocked, p.clones_unlocked, p.destroys_unlocked);
}

/* The programs run can start, after `lead`. */
static void list_programs(const char *lead)
{
	kprintf("%s", lead);
	for (const struct program *p = programs; p->name; p++)
		kprintf(" %s", p->name);
	kprintf("\n");
}

static void cmd_run(char **argv)
{
	int arg = 0;

	if (argv[2] && parse_decimal(argv[2], &arg) < 0) {
		kprintf("run: \"%s\" is not a number: a program takes one, 0 to 999999999\n",
			argv[2]);
		return;
	}
	if (job_count() == MAX_JOBS) {
		kprintf("run: %d processes started here still run: kill one first\n", MAX_JOBS);
		return;
	}
	int pid = proc_spawn(argv[1], arg);
	if (pid == -SYS_ENOENT) {
		kprintf("run: there is no program \"%s\"; ", argv[1]);
		list_programs("the programs are");
		return;
	}
	if (pid < 0) {
		kprintf("run: %s: %s\n", argv[1], sys_err_text(pid));
		return;
	}
	add_job(pid, argv[1]);
	kprintf("started process %d (%s %d)\n", pid, argv[1], arg);
}

static void cmd_kill(char **argv)
{
	struct proc_info p;

	if (!find_process("kill", argv[1], &p))
		return;
	if (proc_terminate(p.pid) < 0) {
		kprintf("kill: process %d has ended already\n", p.pid);
		return;
	}
	kprintf("killed process %d (%s)\n", p.pid, p.name);
}

static void cmd_check(char **argv)
{
	(void)argv;
	if (pt_vm_check() == 0)
		kprintf("check: ok: every paging invariant holds\n");
	else
		kprintf("check: FAILED: the line above names the broken invariant\n");
}

static void cmd_quit(char **argv)
{
	(void)argv;
	quitting = true;
}

static const struct command commands[] = {
	{ "help", "", "this list", 0, 0, cmd_help },
	{ "ps", "", "the processes", 0, 0, cmd_ps },
	{ "vm", "<pid>", "a process's address space as ranges, and its page-table block", 1, 1,
	  cmd_vm },
	{ "walk", "<pid> <va>", "the PDE and PTE that translate va (hex) for a process", 2, 2,
	  cmd_walk },
	{ "kzone", "[lines]", "the kernel zone's layout: trackers, blocks, free runs", 0, 1,
	  cmd_kzone },
	{ "trackers", "", "every tracker in use, raw and decoded", 0, 0, cmd_trackers },
	{ "stats", "", "the paging system's and the processes' counters", 0, 0, cmd_stats },
	{ "run", "<program> [n]", "start a program with argument n (default 0)", 1, 2, cmd_run },
	{ "kill", "<pid>", "end a process", 1, 1, cmd_kill },
	{ "evict", "<pid> <va>", "page out the page at va (hex) of a process to swap", 2, 2,
	  cmd_evict },
	{ "swapout", "<pid>", "page out a process's pages, then its page-table block", 1, 1,
	  cmd_swapout },
	{ "check", "", "run the invariant checker (pt_vm_check)", 0, 0, cmd_check },
	{ "quit", "", "end the run (halt does the same)", 0, 0, cmd_quit },
	{ "halt", "", "end the run", 0, 0, cmd_quit },
};

static void cmd_help(char **argv)
{
	char usage[32];

	(void)argv;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		const struct command *c = &commands[i];
		ksnprintf(usage, sizeof(usage), "%s %s", c->name, c->args);
		kprintf("  %-22s %s\n", usage, c->help);
	}
	list_programs("programs for run:");
	kprintf("processes run while the monitor waits for a line\n");
}

/* ---- the loop ------------------------------------------------------------------------ */

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* Run one line of input. */
static void execute(char *line)
{
	char *words[MAX_WORDS + 1] = { 0 };
	int n = split(line, words, MAX_WORDS + 1);
	const struct command *c = n > 0 ? find_command(words[0]) : NULL;

	if (n == 0)
		return;
	if (!c) {
		kprintf("monitor: \"%s\" is not a command; help lists them\n", words[0]);
		return;
	}
	if (n - 1 < c->min_args || n - 1 > c->max_args) {
		kprintf("usage: %s %s\n", c->name, c->args);
		return;
	}
	words[n] = NULL;
	c->run(words);
}

/* Let processes run a few turns, then say which of those run started have ended. */
static void settle(void)
{
	for (int i = 0; i < TURNS_AFTER && proc_step(); i++)
		;
	report_ended();
}

int monitor_run(void)
{
	char line[LINE_MAX];

	pic_enable_irq(COM1_IRQ, serial_irq);
	serial_rx_interrupt_on();
	kprintf("monitor: type help for the commands\n");
	while (!quitting) {
		kprintf("monitor> ");
		if (read_line(line))
			execute(line);
		else
			kprintf("monitor: a line holds at most %d characters\n", LINE_MAX - 1);
		settle();
	}
	kprintf("monitor: quit, %d processes started here still running\n", job_count());
	return 0;
}
