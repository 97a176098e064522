#!/usr/bin/env bash
# example-hosted-test.sh - run examples/hosted (built against
# libpagetrack-host.a) and check what it says: paging initialised in its six
# steps, two pages mapped, a copy-on-write clone sharing both frames, the
# clone's write faulting and getting a frame of its own while the other
# page stays shared, each space reading its own bytes, the invariants
# holding, and every user frame back at the end.
#
#   scripts/example-hosted-test.sh EXAMPLE
#
# Prints "example-hosted: N passed, M failed".

set -uo pipefail

[ $# -eq 1 ] || { echo "usage: $0 EXAMPLE" >&2; exit 2; }

passed=0
failed=0
out=$("$1" 2>&1)
rc=$?

check() { # description, then a command that must succeed
	local what=$1
	shift
	if "$@"; then passed=$((passed + 1)); else
		echo "example-hosted: FAIL: $what"
		failed=$((failed + 1))
	fi
}

has() { grep -qxF -- "$1" <<<"$out"; }
count() { grep -cxF -- "$1" <<<"$out"; }
# the frame the last line "example: NAME VA -> frame F..." gave
same() { [ -n "$1" ] && [ "$1" = "$2" ]; }
differ() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" != "$2" ]; }
frame_of() { grep -E "^example: $1 $2 -> frame " <<<"$out" | sed -n "${3}p" | awk '{ print $6 }'; }

check "the example exits 0 (it exited $rc)" test "$rc" -eq 0
check "pt_paging_init prints its six steps" test "$(grep -c '^paging: [1-6]\. ' <<<"$out")" -eq 6
check "paging is on after step 6" grep -q '^paging: 6\. .*paging on' <<<"$out"

# before the clone: a's two pages writable, in frames of their own
check "a maps page A writable, alone" test "$(grep -c '^example: a 0x40000000 -> frame 0x[0-9a-f]* writable$' <<<"$out")" -eq 1
check "a's dump shows both pages private" has "40000000-40002000 00002000 urw- $(printf %08x "$(frame_of a 0x40000000 1)")"

# after the clone: both spaces map the same frames, copy-on-write
check "the clone is made" grep -q '^example: cloned a copy-on-write as 2$' <<<"$out"
check "the clone shares a's frame for page A" same "$(frame_of b 0x40000000 1)" "$(frame_of a 0x40000000 1)"
check "the clone shares a's frame for page B" same "$(frame_of b 0x40001000 1)" "$(frame_of a 0x40001000 1)"
check "a's pages are copy-on-write after the clone" test "$(grep -c '^example: a 0x4000[01]000 -> frame 0x[0-9a-f]* writable cow$' <<<"$out")" -eq 4
check "the dumps mark both spaces' pages c" test "$(count "40000000-40002000 00002000 urwc $(printf %08x "$(frame_of a 0x40000000 1)")")" -eq 3

# the write through the model MMU: a protection fault on a user write (P|W|U)
check "b's write faults with error 0x7 and pt_vm_fault resolves it" \
	has "example: write of 0x40000000 in space 2 faulted, error 0x7; pt_vm_fault: OK"
check "only that one access faults" test "$(grep -c 'faulted' <<<"$out")" -eq 1
check "b gets a frame of its own for page A" differ "$(frame_of b 0x40000000 2)" "$(frame_of a 0x40000000 1)"
check "b's page A is writable and private" grep -q '^example: b 0x40000000 -> frame 0x[0-9a-f]* writable$' <<<"$out"
check "page B is still shared" same "$(frame_of b 0x40001000 2)" "$(frame_of a 0x40001000 3)"
check "a keeps its frame for page A" same "$(frame_of a 0x40000000 3)" "$(frame_of a 0x40000000 1)"
check "b's dump splits the range at the copy" \
	has "40000000-40001000 00001000 urw- $(printf %08x "$(frame_of b 0x40000000 2)")"
check "each space reads its own bytes" has "example: a reads 'A' 'b', b reads 'B' 'b'"

check "the invariants hold" has "example: pt_vm_check: OK"
free0=$(sed -n 's/^example: booted, \([0-9]*\) user frames free$/\1/p' <<<"$out")
free1=$(sed -n 's/^example: destroyed both, \([0-9]*\) user frames free$/\1/p' <<<"$out")
check "every user frame is back ($free0 before, $free1 after)" same "$free0" "$free1"
check "nothing panics" test "$(grep -c 'panic' <<<"$out")" -eq 0

echo "example-hosted: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
