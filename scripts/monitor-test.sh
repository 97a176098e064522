#!/usr/bin/env bash
# monitor-test.sh - a scripted session with the kernel monitor, through
# QEMU's serial port, and its answers checked.
#
#   scripts/monitor-test.sh [--timeout S] KERNEL.elf
#
# Boots the kernel with "monitor" and a swap disk of its own, its serial
# input a named pipe of this script's (QEMU reads nothing from any socket).  Once the first prompt
# shows, the commands below go down the pipe at once; the monitor reads
# them at its own pace, echoing each after its prompt, and `quit` ends the
# run.  The answer to a command is what follows its "monitor> <command>"
# line up to the next prompt.  The session is kept beside the kernel
# (monitor-test.log).  Prints one line per failing case and
# "kernel-monitor: N passed, M failed".

set -uo pipefail

timeout_s=120
kernel=""

while [ $# -gt 0 ]; do
	case $1 in
	--timeout) timeout_s=$2; shift 2 ;;
	-*) echo "usage: $0 [--timeout S] KERNEL.elf" >&2; exit 2 ;;
	*) kernel=$1; shift ;;
	esac
done
[ -n "$kernel" ] || { echo "usage: $0 [--timeout S] KERNEL.elf" >&2; exit 2; }

here=$(dirname "$0")
dir=$(dirname "$kernel")
log=$dir/monitor-test.log
fifo=$dir/monitor-test.in
passed=0
failed=0
readonly SWAP_MIB=16 # a swap disk of its own: QEMU locks the image it writes

# the session: process 1 is spin (3 heap pages), process 2 hello, process 4
# (run nope took 3) spin again, whose pages and block go to swap (processes run a few turns
# after every command: spin touches its code and stack, never its heap)
COMMANDS=(
	"help"
	"run spin 3"
	"ps"
	"vm 1"
	"walk 1 40000000"
	"walk 1 0x80000000"
	"kzone"
	"trackers"
	"stats"
	"check"
	"run hello 7"
	"foo"
	"vm x"
	"vm 99"
	"walk 1 zz"
	"walk 1"
	"run nope"
	"kill 1"
	"ps"
	"kill 1"
	"check"
	"run spin 3"
	"evict 4 40003000"
	"vm 4"
	"walk 4 40003000"
	"check"
	"swapout 4"
	"check"
	"vm 4"
	"walk 4 40004000"
	"stats"
	"check"
	"swapout 99"
	"swapout 2"
	"evict 4 40003000"
	"evict 4 80000000"
	"evict 4 40003004"
	"kill 4"
	"quit"
)

rm -f "$fifo"
mkfifo "$fifo" || exit 1
"$here/qemu.sh" --stdin --timeout "$timeout_s" --swap "$SWAP_MIB" --swap-image "$dir/swap-monitor.img" \
	--args monitor "$kernel" <"$fifo" >"$log" 2>&1 &
qemu_pid=$!
exec 3>"$fifo"
# the first prompt: bytes sent before the UART is set up would be lost
for ((i = 0; i < timeout_s * 5; i++)); do
	grep -q 'monitor> ' "$log" && break
	kill -0 "$qemu_pid" 2>/dev/null || break
	sleep 0.2
done
printf '%s\n' "${COMMANDS[@]}" >&3
status=0
wait "$qemu_pid" || status=$?
exec 3>&-
rm -f "$fifo"

# answer COMMAND [N]: what the monitor printed after the Nth (default 1st) COMMAND
answer() {
	tr -d '\r' <"$log" | awk -v want="monitor> $1" -v nth="${2:-1}" '
		/^monitor> / { if (on) exit; if ($0 == want && ++seen == nth) on = 1; next }
		on { print }'
}

# check NAME COMMAND[@N] PATTERN...: every extended regex PATTERN matches a line of the answer
check() {
	local name=$1 cmd=${2%@*} nth=1 out pattern ok=true why=""
	[[ $2 == *@* ]] && nth=${2##*@}
	shift 2
	out=$(answer "$cmd" "$nth")
	for pattern in "$@"; do
		grep -Eq -- "$pattern" <<<"$out" || { ok=false; why+="no line matches /$pattern/; "; }
	done
	result "$name" "$ok" "'$cmd': $why" "$out"
}

# result NAME OK WHY [ANSWER]: count the case, saying why it failed
result() {
	if [ "$2" = true ]; then
		passed=$((passed + 1))
		return
	fi
	failed=$((failed + 1))
	echo "FAIL kernel-monitor/$1: $3"
	[ -z "${4:-}" ] || sed 's/^/  | /' <<<"$4" | head -n 15
}

# the boot's lines before the first prompt: the swap the monitor's processes page out to
out=$(tr -d '\r' <"$log" | sed '/^monitor> /q')
ok=false
grep -Eq '^swap: 4095 slots \(15 MiB 1020 KiB\), metadata in [0-9]+ kernel-zone frames' <<<"$out" && ok=true
result boot-swap "$ok" "no line says the monitor has swap" "$(tail -n 5 <<<"$out")"
check help help '^  walk <pid> <va> ' '^  kill <pid> ' '^  evict <pid> <va> ' '^  swapout <pid> ' \
	'^programs for run:.* spin'
check run-starts "run spin 3" '^started process 1 \(spin 3\)$'
check ps-lists-it ps '^ +1 +kernel +(runnable|running) +[0-9]+ +0x40006000 +spin$' '^1 process$'
# its code is read-only, its data and heap writable, its stack at the top
check vm-ranges "vm 1" '^40000000-[0-9a-f]{8} [0-9a-f]{8} ur-- ' '^[0-9a-f-]{17} [0-9a-f]{8} urw- ' \
	'^ffffe000-fffff000 00001000 urw- '
check vm-block "vm 1" '^block of address space 1 at [0-9a-f]{8}: 3 pages: the directory, 2 tables' \
	'^  page 0 +[0-9a-f]{8}  directory$' '^  page 1 +[0-9a-f]{8}  table of PDE 256: 40000000-40400000, [0-9]+ entries live$' \
	'^  page 2 +[0-9a-f]{8}  table of PDE 1023: ffc00000-100000000, 1 entry live$'
check walk-mapped "walk 1 40000000" '^process 1 \(spin\): PDE index 256 .* PTE index 0 ' \
	'^    PDE\[256\] = 0x[0-9a-f]{8} P RW US( A)? -> table 0x' '^    PTE\[0\] = 0x[0-9a-f]{8} P US( A)? -> frame 0x'
check walk-unmapped "walk 1 0x80000000" '^    PDE\[512\] = 0x00000000 -> not present$'
check kzone kzone '^kernel zone 0x00100000-' 'block of address space 1: directory \+ 2 tables' '^  totals: '
check trackers trackers '^ +0 +[0-9a-f]{8} +[0-9]+ .*\(the kernel master table\)$' '^ +1 +[0-9a-f]{8} +3 +[0-9a-f]{8} +2$'
check stats stats '^processes: live=1 created=1 ' '^frames free: [0-9]+ in the kernel zone' \
	'^swap: slots=[0-9]+ used=[0-9]+ retired=0; pages out=[0-9]+ ' \
	'^cpus: 1 running; shootdowns=0 ipis=0; big lock waits=0; without it: faults=0 clones=0 destroys=0$'
check check-ok check '^check: ok: every paging invariant holds$'
check run-ends "run hello 7" '^\[process 2 \(hello\) exited with 7\]$'
check bad-command foo '^monitor: "foo" is not a command; help lists them$'
check bad-pid "vm x" '^vm: "x" is not a pid: give a process.s number, as ps lists them$'
check no-pid "vm 99" '^vm: no process has pid 99: ps lists those there are$'
check bad-address "walk 1 zz" '^walk: "zz" is not an address: give up to 8 hex digits'
check usage "walk 1" '^usage: walk <pid> <va>$'
check no-program "run nope" '^run: there is no program "nope"; the programs are .*spin'
check kill "kill 1" '^killed process 1 \(spin\)$' "^\[process 1 \(spin\) killed: on the kernel's order\]$"
check killed-gone ps@2 '^0 processes$'
check kill-again "kill 1@2" '^kill: no process has pid 1: ps lists those there are$'
check check-after check@2 '^check: ok: every paging invariant holds$'
# an evicted heap page stays in swap: spin never touches it again
check evict "evict 4 40003000" '^evict: 0x40003000 of process 4 \(spin\) is in swap, slot [0-9]+: '
check evict-vm "vm 4" '^address space [0-9]+: block 0x[0-9a-f]{8}, 3 pages, 2 tables, 7 pages mapped, 1 in swap$' \
	'^40003000-40004000 00001000 urw- s[0-9]+$' '^40004000-4000[56]000 0000[12]000 urw- [0-9a-f]{8}$'
check evict-walk "walk 4 40003000" '^    PTE\[3\] = 0x[0-9a-f]{8} RW US -> not present: in swap, slot [0-9]+$'
check evict-check check@3 '^check: ok: every paging invariant holds$'
# swapout shows the space as vm and walk do while it is out, before it runs again
check swapout "swapout 4" '^swapout: process 4 \(spin\): 6 pages went out, then its block$' \
	'^swapout: process 4 \(spin\) has its block out in swap \(slots [0-9]+-[0-9]+\): its tables come back when it runs$' \
	'^address space [0-9]+: out in slots [0-9]+-[0-9]+, 2 tables, 7 pages in swap$' \
	'^block of address space [0-9]+: out in swap, slots [0-9]+-[0-9]+, 2 tables$'
check swapout-check check@4 '^check: ok: every paging invariant holds$'
# it ran since: its block is back in RAM, with the pages it touched; the heap stays out
check back-vm "vm 4@2" '^address space [0-9]+: block 0x[0-9a-f]{8}, 3 pages, 2 tables, 7 pages mapped, 5 in swap$' \
	'^40000000-40001000 00001000 ur-- [0-9a-f]{8}$' '^40003000-40004000 00001000 urw- s[0-9]+$' \
	'^4000[45]000-40006000 0000[12]000 urw- s[0-9]+$' \
	'^block of address space [0-9]+ at [0-9a-f]{8}: 3 pages: the directory, 2 tables' \
	'^ffffe000-fffff000 00001000 urw- [0-9a-f]{8}$'
check back-walk "walk 4 40004000" '^process 4 \(spin\): PDE index 256 ' \
	'^    PTE\[4\] = 0x[0-9a-f]{8} RW US -> not present: in swap, slot [0-9]+$'
check swap-stats stats@2 '^swap: slots=4095 used=[1-9][0-9]* retired=0; pages out=[1-9][0-9]* dropped_clean=[0-9]+ in=[1-9][0-9]*; blocks out=1 in=1 out_now=0$'
check back-check check@5 '^check: ok: every paging invariant holds$'
check swapout-no-pid "swapout 99" '^swapout: no process has pid 99: ps lists those there are$'
check swapout-ended "swapout 2" '^swapout: no process has pid 2: ps lists those there are$'
check evict-again "evict 4 40003000@2" '^evict: 0x40003000 of process 4 \(spin\): E_EXIST \(already mapped\): the page is in swap already$'
check evict-unmapped "evict 4 80000000" '^evict: 0x80000000 of process 4 \(spin\): E_NOENT \(.*\): nothing is mapped there$'
check evict-unaligned "evict 4 40003004" '^evict: 0x40003004 of process 4 \(spin\): E_INVAL \(.*\): give the address of a page'
check kill-swapped "kill 4" '^killed process 4 \(spin\)$'
out=$(answer quit)
ok=false
[ "$status" -eq 0 ] && grep -q '^monitor: quit' <<<"$out" && ok=true
result quit "$ok" "quit did not end the run with success (qemu.sh: $status)" "$(tail -n 5 "$log")"

echo "kernel-monitor: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
