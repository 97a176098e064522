#!/usr/bin/env bash
# kernel-smp-test.sh - boot the kernel on machines of several CPUs and check
# that it starts each one once, and that the kernel suites pass on them.
#
#   scripts/kernel-smp-test.sh [--timeout S] [--swap MiB] KERNEL.elf
#
# The long boot runs beside the short ones, which run one after the other
# (qemu.sh --smp N, which tells the kernel N).
# The cases:
#   cpus-1, cpus-2, cpus-8
#               the smp suite alone (only=smp) on 1, 2 and 8 CPUs: "smp: N
#               cpus (MADT), N-1 started", one line "cpu K: started (apic
#               id K)" for each K from 1 to N-1 and no other, and the suite
#               passes (each CPU on a stack, a GDT and a TSS of its own)
#   no-acpi     2 CPUs and no ACPI tables: the kernel says there is no MADT
#               and runs on one, "smp: 1 cpu (no MADT), 0 started",
#               starting none, and the suite passes
#   suites-4    every kernel suite (test, with a swap disk of --swap MiB,
#               default 256) on 4 CPUs: the lines as above, and "ktest: pass"
#   proc-8      the proc suite alone on 8 CPUs, its processes and threads on
#               all of them (the stress with a thread on each among them):
#               the suite passes
# Prints one line per failing case and "kernel-smp-boot: N passed, M
# failed"; the boots' outputs are kept beside the kernel (smp-<case>.log).

set -uo pipefail

timeout_s=120
swap=256
kernel=""

usage() {
	echo "usage: $0 [--timeout S] [--swap MiB] KERNEL.elf" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--timeout) [ $# -ge 2 ] || usage; timeout_s=$2; shift 2 ;;
	--swap) [ $# -ge 2 ] || usage; swap=$2; shift 2 ;;
	-*) usage ;;
	*) [ -z "$kernel" ] || usage; kernel=$1; shift ;;
	esac
done
[ -n "$kernel" ] || usage

here=$(dirname "$0")
dir=$(dirname "$kernel")
passed=0
failed=0

# boot NAME QEMU.SH-OPTIONS...: in the background, into smp-NAME.log, status in .status
boot() {
	local name=$1
	shift
	("$here/qemu.sh" --timeout "$timeout_s" "$@" "$kernel" >"$dir/smp-$name.log" 2>&1
		echo $? >"$dir/smp-$name.status") &
}

log() {
	tr -d '\r' <"$dir/smp-$1.log"
}

# result NAME WHY: the case passed if WHY is empty
result() {
	if [ -z "$2" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL kernel-smp-boot/$1: $2"
		log "$1" | grep -E '^(cpu [0-9]|smp:|acpi:|kernel-|ktest:|trap:)' | tail -n 15 |
			sed 's/^/  | /'
	fi
}

# started_lines NAME N: why the CPU lines are not those of N CPUs started from the MADT
started_lines() {
	local name=$1 n=$2 k why="" cpus="cpus"
	[ "$n" -ne 1 ] || cpus="cpu"
	[ "$(log "$name" | grep -cx "smp: $n $cpus (MADT), $((n - 1)) started")" -eq 1 ] ||
		why+="no line \"smp: $n $cpus (MADT), $((n - 1)) started\"; "
	for ((k = 1; k < n; k++)); do
		[ "$(log "$name" | grep -cx "cpu $k: started (apic id $k)")" -eq 1 ] ||
			why+="not one line \"cpu $k: started (apic id $k)\"; "
	done
	[ "$(log "$name" | grep -cE '^cpu [0-9]+: started')" -eq $((n - 1)) ] ||
		why+="$(log "$name" | grep -cE '^cpu [0-9]+: started') cpu lines, not $((n - 1)); "
	echo "$why"
}

# passed_smp NAME: why the boot did not pass with the smp suite
passed_smp() {
	local why=""
	[ "$(cat "$dir/smp-$1.status")" -eq 0 ] || why+="the kernel did not report success; "
	log "$1" | grep -qE '^kernel-smp: [1-9][0-9]* passed, 0 failed$' ||
		why+="no \"kernel-smp: N passed, 0 failed\"; "
	echo "$why"
}

# the short boots one after the other, beside the long one: two QEMUs at most
boot suites-4 --smp 4 --swap "$swap" --swap-image "$dir/swap-smp.img" --args test
for n in 1 2 8; do
	boot "cpus-$n" --smp "$n" --args 'test only=smp'
	wait $!
done
boot no-acpi --smp 2 --no-acpi --args 'test only=smp'
wait $!
boot proc-8 --smp 8 --args 'test only=proc'
wait
rm -f "$dir/swap-smp.img"

for n in 1 2 8; do
	result "cpus-$n" "$(started_lines "cpus-$n" "$n")$(passed_smp "cpus-$n")"
done

why=$(passed_smp no-acpi)
log no-acpi | grep -q '^acpi: .*: one cpu$' || why+="no acpi: line saying why there is one cpu; "
[ "$(log no-acpi | grep -cx 'smp: 1 cpu (no MADT), 0 started')" -eq 1 ] ||
	why+="no line \"smp: 1 cpu (no MADT), 0 started\"; "
! log no-acpi | grep -qE '^cpu [0-9]+: started' || why+="a cpu started; "
result no-acpi "$why"

why=$(started_lines suites-4 4)
[ "$(cat "$dir/smp-suites-4.status")" -eq 0 ] || why+="the kernel did not report success; "
log suites-4 | grep -qE '^ktest: pass: [0-9]+ suites$' || why+="no \"ktest: pass\"; "
! log suites-4 | grep -qE '^kernel-[a-z0-9-]+: [0-9]+ passed, 0*[1-9][0-9]* failed' ||
	why+="failing suites: $(log suites-4 | grep -E ' passed, 0*[1-9][0-9]* failed' | paste -sd ';'); "
result suites-4 "$why"

why=""
[ "$(cat "$dir/smp-proc-8.status")" -eq 0 ] || why+="the kernel did not report success; "
log proc-8 | grep -qE '^kernel-proc: [1-9][0-9]* passed, 0 failed$' ||
	why+="no \"kernel-proc: N passed, 0 failed\"; "
result proc-8 "$why"

echo "kernel-smp-boot: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
