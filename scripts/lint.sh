#!/usr/bin/env bash
# lint.sh - cppcheck and clang-tidy on the portable core.
#
#   scripts/lint.sh [--cppcheck CMD] [--clang-tidy CMD] FILE...
#
# cppcheck runs with every check on, less what scripts/cppcheck-suppressions.txt
# leaves out (each with its reason).  clang-tidy runs the checks of
# .clang-tidy (which says what it leaves out and why) three times: with the
# host build's flags, with the i386 kernel's, and with those in the
# higher-half layout (config/higher-half), so that every configuration is
# seen.  Any finding fails.  Ends with "lint: N passed, M failed", one for
# each of the four runs.

set -uo pipefail

cppcheck=cppcheck
tidy=clang-tidy
while [ $# -gt 0 ]; do
	case $1 in
	--cppcheck) cppcheck=$2; shift 2 ;;
	--clang-tidy) tidy=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { echo "usage: $0 [--cppcheck CMD] [--clang-tidy CMD] FILE..." >&2; exit 2; }

cd "$(dirname "$0")/.."
passed=0
failed=0

note() {
	if [ "$1" -eq 0 ]; then
		passed=$((passed + 1))
	else
		echo "lint: $2 reported findings"
		failed=$((failed + 1))
	fi
}

# cppcheck 2.10 does not take C11 _Noreturn as noreturn: say it the GNU way,
# so that it knows panic() does not return.
"$cppcheck" --enable=all --std=c11 --error-exitcode=1 --quiet \
	--suppressions-list=scripts/cppcheck-suppressions.txt \
	'-D_Noreturn=__attribute__((noreturn))' -DPT_DEBUG=1 -Iinclude -Ilib -Iconfig/identity "$@"
note $? cppcheck

# clang-tidy prints "N warnings generated" for what it suppresses: only real
# findings are shown.  One file per run, two at a time.
run_tidy() {
	local name=$1 out rc
	shift
	out=$(printf '%s\n' "${files[@]}" |
		xargs -P 2 -I{} "$tidy" --quiet {} -- "$@" 2>&1)
	rc=$?
	out=$(grep -v 'warnings\? generated\.$' <<<"$out")
	[ -z "$out" ] || echo "$out"
	note "$rc" "clang-tidy ($name)"
}

files=("$@")
run_tidy host -std=gnu11 -Iinclude -Ilib -Iconfig/identity -DPT_DEBUG=1
run_tidy i386 -std=gnu11 -m32 -march=i486 -ffreestanding -Iinclude -Ilib -Iconfig/identity -DPT_DEBUG=1
run_tidy i386-higher-half -std=gnu11 -m32 -march=i486 -ffreestanding -Iinclude -Ilib \
	-Iconfig/higher-half -DPT_DEBUG=1

echo "lint: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
