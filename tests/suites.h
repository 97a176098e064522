/* suites.h - every test suite, for the host and kernel runners. */
#ifndef PAGETRACK_SUITES_H
#define PAGETRACK_SUITES_H

#include "harness.h"

/* shared: run on the host and in the kernel */
extern const struct test_suite printf_suite;
extern const struct test_suite hw_suite;
extern const struct test_suite vm_suite;
extern const struct test_suite oom_suite;
extern const struct test_suite random_suite;
extern const struct test_suite swap_pager_suite;

/* host only */
extern const struct test_suite frame_suite;
extern const struct test_suite frame_source_suite;
extern const struct test_suite mmu_suite;
extern const struct test_suite paging_suite;
extern const struct test_suite stress_suite;
extern const struct test_suite disk_suite;
extern const struct test_suite swap_slots_suite;
extern const struct test_suite swap_io_suite;
extern const struct test_suite swap_model_suite;
extern const struct test_suite cpus_suite;

/* kernel only */
extern const struct test_suite kframe_suite;
extern const struct test_suite proc_suite;
extern const struct test_suite kfail_suite;
extern const struct test_suite swap_disk_suite;
extern const struct test_suite swap_disk_errors_suite; /* a disk that fails: only=swap-disk-errors */
extern const struct test_suite swap_proc_suite;
extern const struct test_suite swap_proc_errors_suite; /* reads fail: only=swap-proc-errors */
extern const struct test_suite smp_suite;

#endif
