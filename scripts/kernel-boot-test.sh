#!/usr/bin/env bash
# kernel-boot-test.sh - boot the demo the ways a new user might, on the
# CPUs pagetrack supports, and check what it says.
#
#   scripts/kernel-boot-test.sh [--timeout S] KERNEL.elf USER.elf...
#
# The boots run side by side, under -icount as `make run` boots, without a
# swap disk but where a case needs one.  The cases:
#   i486-only     no instruction the i486 lacks in the kernel or the user
#                 programs (objdump), but rdtsc in the benchmarks (the
#                 kernel's and membench), cpuid in
#                 the CPU check, and ud2 (an invalid opcode on every CPU)
#   cpu-486       -cpu 486 and -cpu pentium: the demo passes, the cpu: line
#   cpu-pentium   says what the CPU has, and the summary lines are those of
#                 the default CPU, byte for byte (a process is preempted
#                 after the same instructions of its own, whatever the
#                 kernel did in between)
#   smp-4         4 CPUs, twice: the demo passes, the three others start,
#                 the summary lines of parts 1 and 2 are the default boot's
#                 (they run on the boot CPU alone), and part 4's says
#                 cpus=4 with shootdowns, ipis, relocations_while_shared and
#                 shrinks above 0, data_errors=0 and frames_leaked=0, the same on
#                 both boots
#   disk-noise    with noise=disk (every page fault of a process waits for
#                 a read from the swap disk, which QEMU completes in host
#                 time), the summary lines are the default boot's
#   mem-1         MEM=1 is refused at once, before QEMU starts
#   mem-16        MEM=16 with an unknown word: the word is warned about,
#                 the kernel zone's line says RAM cut it short, the demo
#                 says to raise MEM, and the run fails
#   mem-24        MEM=24: a worker killed for want of memory is told in
#                 words, no raw status, and forks are named as such
# Prints one line per failing case and "kernel-boot: N passed, M failed";
# the boots' outputs are kept beside the kernel (boot-<case>.log).

set -uo pipefail

timeout_s=120
kernel=""
users=()

while [ $# -gt 0 ]; do
	case $1 in
	--timeout) timeout_s=$2; shift 2 ;;
	-*) echo "usage: $0 [--timeout S] KERNEL.elf USER.elf..." >&2; exit 2 ;;
	*) if [ -z "$kernel" ]; then kernel=$1; else users+=("$1"); fi; shift ;;
	esac
done
[ -n "$kernel" ] || { echo "usage: $0 [--timeout S] KERNEL.elf USER.elf..." >&2; exit 2; }

here=$(dirname "$0")
dir=$(dirname "$kernel")
passed=0
failed=0

# boot NAME QEMU.SH-OPTIONS...: in the background, into boot-NAME.log, status in .status
boot() {
	local name=$1
	shift
	("$here/qemu.sh" --icount --timeout "$timeout_s" "$@" "$kernel" >"$dir/boot-$name.log" 2>&1
		echo $? >"$dir/boot-$name.status") &
}

log() {
	tr -d '\r' <"$dir/boot-$1.log"
}

status() {
	cat "$dir/boot-$1.status"
}

# result NAME OK WHY: count the case, saying why it failed
result() {
	if [ "$2" = true ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL kernel-boot/$1: $3"
		[ ! -f "$dir/boot-$1.log" ] || log "$1" | tail -n 15 | sed 's/^/  | /'
	fi
}

# has NAME TEXT: the boot's output holds TEXT
has() {
	log "$1" | grep -F -- "$2" >/dev/null
}

# Instructions of CPUs after the i486, by objdump's names.  Not pause: its
# bytes (F3 90) are rep nop, which an i486 runs as a nop.
readonly LATER='cmov|fcmov|fcomip?|fucomip?|cmpxchg8b|rdmsr|wrmsr|rdpmc|sysenter|sysexit|nop[lw]|movbe|popcnt|[lms]fence|%x?mm[0-9]'

# Every instruction of FILE past the i486, "function: instruction", bar the allowed ones.
later_instructions() {
	objdump -d "$1" | awk -v later="$LATER" -v file="$(basename "$1")" '
		/^[0-9a-f]+ <.*>:$/ { fn = $2; next }
		{
			insn = $0; sub(/^[^\t]*\t[^\t]*\t/, "", insn)
			if (insn ~ "^(" later ")" || insn ~ /%x?mm[0-9]/)
				print fn " " insn
			else if (insn ~ /^rdtsc/ && file !~ /^membench/ &&
				 fn !~ /^<(kbench_run|bench_|time_|disk_time_)/)
				print fn " " insn
			else if (insn ~ /^cpuid/ && fn !~ /^<(read_cpuid|cpu_detect)/)
				print fn " " insn
		}'
}

boot default
boot cpu-486 --cpu 486
boot cpu-pentium --cpu pentium
boot mem-16 --mem 16 --args tset
boot mem-24 --mem 24
boot smp-4 --smp 4
boot smp-4-again --smp 4
boot disk-noise --swap 64 --swap-image "$dir/swap-noise.img" --args noise=disk

# i486-only, while they run
found=""
for f in "$kernel" "${users[@]}"; do
	found+=$(later_instructions "$f" | sed "s|^|$(basename "$f"): |")
done
result i486-only "$([ -z "$found" ] && echo true || echo false)" \
	"instructions the i486 lacks: $(head -c 300 <<<"$found")"

# mem-1: refused before QEMU starts, so at once
start=$SECONDS
out=$("$here/qemu.sh" --timeout "$timeout_s" --mem 1 "$kernel" 2>&1)
rc=$?
ok=true
[ "$rc" -ne 0 ] && grep -qF "too little to boot" <<<"$out" && [ $((SECONDS - start)) -lt 5 ] ||
	ok=false
result mem-1 "$ok" "MEM=1 was not refused at once: $out"

wait

summaries() {
	log "$1" | grep '^summary:'
}

for cpu in 486 pentium; do
	name=cpu-$cpu
	family=$([ "$cpu" = 486 ] && echo 4 || echo 5)
	ok=true
	why=""
	[ "$(status "$name")" -eq 0 ] || { ok=false; why="the demo failed; "; }
	has "$name" "cpu: GenuineIntel family $family " || { ok=false; why+="no cpu: line for family $family; "; }
	has "$name" "global pages (PGE) no" || { ok=false; why+="PGE reported; "; }
	[ "$(summaries "$name" | wc -l)" -eq 2 ] && [ "$(summaries "$name")" = "$(summaries default)" ] ||
		{ ok=false; why+="its summaries are not the default CPU's; "; }
	result "$name" "$ok" "$why"
done

ok=true
why=""
[ "$(status smp-4)" -eq 0 ] || { ok=false; why="the demo failed; "; }
has smp-4 "smp: 4 cpus (MADT), 3 started" || { ok=false; why+="not 3 cpus started; "; }
[ "$(summaries smp-4 | head -n 2)" = "$(summaries default)" ] ||
	{ ok=false; why+="its summaries of parts 1 and 2 are not the default boot's; "; }
part4=$(summaries smp-4 | sed -n 3p)
grep -Eq '^summary: cpus=4 threads=3 shootdowns=[1-9][0-9]* ipis=[1-9][0-9]* relocations_while_shared=[1-9][0-9]* shrinks=[1-9][0-9]* data_errors=0 frames_leaked=0$' <<<"$part4" ||
	{ ok=false; why+="part 4's summary is not as it should be: $part4; "; }
[ "$(summaries smp-4)" = "$(summaries smp-4-again)" ] ||
	{ ok=false; why+="a second boot's summaries differ; "; }
result smp-4 "$ok" "$why"

rm -f "$dir/swap-noise.img"
ok=true
why=""
[ "$(status disk-noise)" -eq 0 ] || { ok=false; why="the demo failed; "; }
has disk-noise "noise: every page fault of a process reads a page of the disk first" ||
	{ ok=false; why+="no noise; "; }
[ "$(summaries disk-noise | wc -l)" -eq 2 ] && [ "$(summaries disk-noise)" = "$(summaries default)" ] ||
	{ ok=false; why+="its summaries are not the default boot's; "; }
result disk-noise "$ok" "$why"

ok=true
why=""
[ "$(status mem-16)" -ne 0 ] || { ok=false; why="the run passed; "; }
for text in 'cmdline: "tset" is not an option the kernel knows: ignored' \
	"cut to the end of RAM" "no RAM is left above it for the user zone" \
	"demo: no free user frame to share" "raise MEM"; do
	has mem-16 "$text" || { ok=false; why+="lacks: $text; "; }
done
result mem-16 "$ok" "$why"

ok=true
why=""
[ "$(status mem-24)" -ne 0 ] || { ok=false; why="the run passed; "; }
log mem-24 | grep -E '^init: [a-z-]+: .*killed: out of memory' >/dev/null ||
	{ ok=false; why+="no init line saying a worker was killed: out of memory; "; }
has mem-24 "(fork of init)" || { ok=false; why+="no process named fork of init; "; }
! log mem-24 | grep -E '0x103|ended with [0-9]' >/dev/null || { ok=false; why+="a raw status; "; }
result mem-24 "$ok" "$why"

echo "kernel-boot: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
