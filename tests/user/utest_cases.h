/*
 * utest_cases.h - the cases of the utest program, one line each: its
 * number (utest's argument), its name, and the wait() status it must end
 * with.  tests/user/utest.c runs them; tests/kernel/test_proc.c starts each one and
 * checks the status, so the list is written once for both.
 *
 * A case that passes ends with 0, or with the status it is about; one
 * that fails prints a line naming the failed check and exits with 1.
 */
#ifndef PAGETRACK_UTEST_CASES_H
#define PAGETRACK_UTEST_CASES_H

#include "uapi.h"

#define UTEST_FAILED 1     /* a check failed */
#define UTEST_UNKNOWN 200  /* no case of that number */
#define UTEST_MAIN_RETURN 99
#define UTEST_EXEC_ARG 42
#define UTEST_KILLED_FAULT (KILLED_BIT | KILL_FAULT)
#define UTEST_KILLED_STACK (KILLED_BIT | KILL_STACK)

#define UTEST_CASES(X)                                                                 \
	X(1, write_reaches_the_console, 0)                                             \
	X(2, write_refuses_a_bad_fd, 0)                                                \
	X(3, write_refuses_kernel_buffers, 0)                                          \
	X(4, write_refuses_unmapped_buffers, 0)                                        \
	X(5, write_refuses_wrapping_ranges, 0)                                         \
	X(6, exit_status_reaches_the_parent, 0)                                        \
	X(7, main_returns_the_exit_status, UTEST_MAIN_RETURN)                          \
	X(8, getpid_is_stable_and_unique, 0)                                           \
	X(9, yield_returns_zero, 0)                                                    \
	X(10, sbrk_grows_and_shrinks_the_heap, 0)                                      \
	X(11, sbrk_refuses_bad_increments, 0)                                          \
	X(12, heap_ends_at_the_break, UTEST_KILLED_FAULT)                              \
	X(13, shrunken_heap_is_gone, UTEST_KILLED_FAULT)                               \
	X(14, fork_gives_the_child_a_copy, 0)                                          \
	X(15, fork_copies_data_bss_and_stack, 0)                                       \
	X(16, child_writes_do_not_reach_the_parent, 0)                                 \
	X(17, parent_writes_do_not_reach_the_child, 0)                                 \
	X(18, copies_stay_private_over_three_generations, 0)                           \
	X(19, wait_without_children_fails, 0)                                          \
	X(20, wait_collects_every_child, 0)                                            \
	X(21, wait_accepts_a_null_status, 0)                                           \
	X(22, wait_refuses_bad_status_pointers, 0)                                     \
	X(23, wait_reports_killed_children, 0)                                         \
	X(24, map_gives_zeroed_memory, 0)                                              \
	X(25, map_refuses_bad_arguments, 0)                                            \
	X(26, unmap_removes_pages, 0)                                                  \
	X(27, unmap_refuses_bad_arguments, 0)                                          \
	X(28, protect_changes_rights, 0)                                               \
	X(29, protect_refuses_bad_arguments, 0)                                        \
	X(30, read_only_map_refuses_writes, UTEST_KILLED_FAULT)                        \
	X(31, protected_page_refuses_writes, UTEST_KILLED_FAULT)                       \
	X(32, unmapped_memory_is_gone, UTEST_KILLED_FAULT)                             \
	X(33, protect_after_fork_keeps_copies_private, 0)                              \
	X(34, exec_of_an_unknown_program_fails, 0)                                     \
	X(35, exec_replaces_the_program, UTEST_EXEC_ARG)                               \
	X(36, exec_in_a_child, 0)                                                      \
	X(37, unknown_system_calls_fail, 0)                                            \
	X(38, stack_grows_to_its_limit, 0)                                             \
	X(39, stack_overflow_kills, UTEST_KILLED_STACK)                                \
	X(40, guard_page_kills, UTEST_KILLED_STACK)                                    \
	X(41, null_read_kills, UTEST_KILLED_FAULT)                                     \
	X(42, null_write_kills, UTEST_KILLED_FAULT)                                    \
	X(43, kernel_read_kills, UTEST_KILLED_FAULT)                                   \
	X(44, kernel_write_kills, UTEST_KILLED_FAULT)                                  \
	X(45, kmap_window_read_kills, UTEST_KILLED_FAULT)                              \
	X(46, user_gate_write_kills, UTEST_KILLED_FAULT)                               \
	X(47, code_write_kills, UTEST_KILLED_FAULT)                                    \
	X(48, unmapped_read_kills, UTEST_KILLED_FAULT)                                 \
	X(49, read_below_the_guard_page_kills, UTEST_KILLED_FAULT)                     \
	X(50, privileged_instruction_kills, UTEST_KILLED_FAULT)                        \
	X(51, orphans_finish_after_their_parent, 0)                                    \
	X(52, many_children_at_once, 0)                                                \
	X(53, fork_fails_when_the_table_is_full, 0)                                    \
	X(54, fork_shares_a_big_heap, 0)                                               \
	X(55, heap_spread_over_many_tables_survives_fork, 0)                           \
	X(56, probe_return_vector_kills, UTEST_KILLED_FAULT)                           \
	X(57, traps_from_ring_3_end_only_the_process, 0)                              \
	X(58, user_gate_read_kills, UTEST_KILLED_FAULT)                                \
	X(59, user_gate_code_cannot_be_run, UTEST_KILLED_FAULT)                        \
	X(60, user_gate_fault_is_not_a_probe, UTEST_KILLED_FAULT)                      \
	X(61, full_region_table_refuses_splits, 0)                                     \
	X(62, full_map_area_refuses_maps, 0)                                           \
	X(63, fpu_registers_are_each_process_own, 0)                                   \
	X(64, fpu_starts_empty, 0)                                                     \
	X(65, fpu_error_kills, UTEST_KILLED_FAULT)                                     \
	X(66, write_to_null_reads_and_drops, 0)                                        \
	X(67, threads_share_memory, 0)                                                 \
	X(68, threads_sum_into_their_own_slots, 0)                                     \
	X(69, join_returns_each_status, 0)                                             \
	X(70, join_refuses_what_is_not_a_thread, 0)                                    \
	X(71, threads_touch_each_others_maps, 0)                                       \
	X(72, leader_exit_ends_every_thread, 0)                                        \
	X(73, thread_fault_kills_the_process, 0)                                       \
	X(74, fork_from_a_thread, 0)                                                   \
	X(75, thread_refuses_bad_arguments_and_too_many, 0)                            \
	X(76, exec_with_threads_alive_is_busy, 0)                                      \
	X(77, thread_fault_kills_the_leader_too, UTEST_KILLED_FAULT)                   \
	X(78, pin_takes_each_cpu_and_refuses_others, 0)

#endif
