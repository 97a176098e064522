#!/usr/bin/env bash
# monitor-test.sh - a scripted session with the kernel monitor, through
# QEMU's serial port, and its answers checked.
#
#   scripts/monitor-test.sh [--timeout S] KERNEL.elf
#
# Boots the kernel with "monitor", its serial input a named pipe of this
# script's (QEMU reads nothing from any socket).  Once the first prompt
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

# the session: process 1 is spin (3 heap pages), process 2 hello
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
	"quit"
)

rm -f "$fifo"
mkfifo "$fifo" || exit 1
"$here/qemu.sh" --stdin --timeout "$timeout_s" --args monitor "$kernel" <"$fifo" >"$log" 2>&1 &
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

check help help '^  walk <pid> <va> ' '^  kill <pid> ' '^programs for run:.* spin'
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
check stats stats '^processes: live=1 created=1 ' '^frames free: [0-9]+ in the kernel zone'
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
out=$(answer quit)
ok=false
[ "$status" -eq 0 ] && grep -q '^monitor: quit' <<<"$out" && ok=true
result quit "$ok" "quit did not end the run with success (qemu.sh: $status)" "$(tail -n 5 "$log")"

echo "kernel-monitor: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
