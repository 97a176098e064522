/*
 * monitor.h - the kernel monitor: a prompt on the serial console from
 * which to look inside the running kernel (the word "monitor" on the
 * command line; `make shell`).
 *
 *   monitor> run spin 2
 *   monitor> vm 1
 *   monitor> walk 1 40000000
 *
 * Processes run while the monitor waits for a line: it reads COM1 by
 * polling, lets the next process run a turn whenever no byte is waiting,
 * and halts the CPU until the UART's interrupt when none can run.  After
 * each command, processes get a few turns more before the prompt comes
 * back, and the prompt is preceded by a line for each process the monitor
 * started that has ended since, as a shell reports its finished jobs.
 * `help` lists the commands.
 */
#ifndef PAGETRACK_MONITOR_H
#define PAGETRACK_MONITOR_H

/*
 * Read and run commands until `quit` or `halt`.  Returns 0; the kernel
 * then ends the run as a success.
 */
int monitor_run(void);

#endif
