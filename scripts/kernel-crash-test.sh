#!/usr/bin/env bash
# kernel-crash-test.sh - check that a kernel bug ends the run with a clear
# report and a failure status, never a hang or a pass.
#
#   scripts/kernel-crash-test.sh [--timeout S] KERNEL.elf
#
# Boots the kernel with crash=null, crash=user, crash=double and
# crash=nested, which make it fault on purpose after paging is on (the last
# two with no stack to take the fault, and with a report that faults in
# turn), and checks each run: QEMU must report failure, and the output
# must hold the decoded fault or the double fault (exactly once), the walk of the address through the page tables and the trap
# report with its backtrace, each address with the function it is in
# (kmain+0x..., from the symbol table the build puts in the image).  Prints "kernel-crash: N passed, M failed".

set -uo pipefail

timeout_s=60
kernel=""

while [ $# -gt 0 ]; do
	case $1 in
	--timeout) timeout_s=$2; shift 2 ;;
	*) kernel=$1; shift ;;
	esac
done
[ -n "$kernel" ] || { echo "usage: $0 [--timeout S] KERNEL.elf" >&2; exit 2; }

here=$(dirname "$0")
passed=0
failed=0

# expect_crash ARG DECODED PATTERN...: boot with crash=ARG; the decoded
# fault DECODED must appear exactly once, every PATTERN at least once.
expect_crash() {
	local arg=$1 decoded=$2 out pattern ok=true status=0 count
	shift 2
	out=$("$here/qemu.sh" --timeout "$timeout_s" --args "crash=$arg" "$kernel" 2>&1 |
		tr -d '\r') || status=$?
	if [ "$status" -eq 0 ]; then
		echo "FAIL kernel-crash/$arg: the run reported success"
		ok=false
	fi
	count=$(grep -cF -- "$decoded" <<<"$out")
	if [ "$count" -ne 1 ]; then
		echo "FAIL kernel-crash/$arg: the output holds $count times: $decoded"
		ok=false
	fi
	for pattern in "$@"; do
		if ! grep -qF -- "$pattern" <<<"$out"; then
			echo "FAIL kernel-crash/$arg: the output lacks: $pattern"
			ok=false
		fi
	done
	if $ok; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		tail -n 30 <<<"$out" | sed 's/^/  | /'
	fi
}

expect_crash null \
	"page fault at 0x00000000: page not present, read, supervisor mode" \
	"walk of 0x00000000" "PTE[0] = 0x00000000 -> not present" \
	"trap: #PF page fault (vector 14) in kernel mode" "the kernel reported failure" \
	"    0x" " kmain+0x" " _start+0x"
expect_crash user \
	"page fault at 0x40001234: page not present, write, supervisor mode" \
	"PDE[256] = 0x00000000 -> not present" "the kernel reported failure"

# a double fault: reported once by the double-fault task, on its own stack
expect_crash double \
	"trap: #DF double fault (vector 8)" "kmain+0x" "esp 0x00001000" \
	"trap: unhandled exception, stopping" "the kernel reported failure"
# a fault in the report of a fault: one more line, and the run stops
expect_crash nested \
	"while reporting a trap; stopping" \
	"page fault at 0x00000000: page not present, read, supervisor mode" \
	"the kernel reported failure"

echo "kernel-crash: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
