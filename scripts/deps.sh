#!/usr/bin/env bash
# deps.sh - make sure the tools a target needs are installed (Debian).
#
#   scripts/deps.sh run     what building and booting the kernel needs
#   scripts/deps.sh test    what the test suites need (host and kernel)
#   scripts/deps.sh bench   what the benchmarks need (make bench)
#   scripts/deps.sh debug   what make debug needs: what run needs, and gdb
#   scripts/deps.sh iso     what make iso needs: GRUB for BIOS PCs, xorriso, mtools
#   scripts/deps.sh pictures  what make pictures needs: what run needs, and python3
#
# Quiet when everything is there.  Otherwise, as root, installs the missing
# packages with apt-get; as anyone else, prints the command to run and
# exits 1.
#
# To add a tool, add a line to TOOLS: the command, the Debian package that
# provides it, and the targets that need it.  A command with a '/' in it is
# a file (a glob) that must exist instead: libFuzzer's runtime is a library.

set -euo pipefail

# command            package           needed by
TOOLS="
gcc                  gcc               run test bench debug pictures
ld                   binutils          run test bench debug pictures
objdump              binutils          run test debug
nm                   binutils          run test bench debug pictures
make                 make              run test bench debug pictures
timeout              coreutils         run test bench debug pictures
qemu-system-i386     qemu-system-x86   run test bench debug pictures
python3              python3           test pictures
gdb                  gdb               debug
grub-mkrescue        grub-common       iso test
/usr/lib/grub/i386-pc/multiboot.mod grub-pc-bin iso test
xorriso              xorriso           iso test
mformat              mtools            iso test
gnuplot              gnuplot-nox       bench
clang-14             clang-14          test
clang-tidy-14        clang-tidy-14     test
cppcheck             cppcheck          test
valgrind             valgrind          test
/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a libclang-rt-14-dev test
"

usage() {
	echo "usage: $0 run|test|bench|debug|iso|pictures" >&2
	exit 2
}

[ $# -eq 1 ] || usage
case $1 in
run | test | bench | debug | iso | pictures) target=$1 ;;
*) usage ;;
esac

# The packages that provide the missing commands of the target, each once.
missing_packages() {
	local cmd pkg targets
	while read -r cmd pkg targets; do
		[ -n "$cmd" ] || continue
		[[ " $targets " == *" $target "* ]] || continue
		if [[ $cmd == */* ]]; then
			compgen -G "$cmd" >/dev/null || echo "$pkg"
		else
			command -v "$cmd" >/dev/null 2>&1 || echo "$pkg"
		fi
	done <<<"$TOOLS" | sort -u
}

packages=$(missing_packages | tr '\n' ' ')
packages=${packages% }
[ -n "$packages" ] || exit 0

echo "deps.sh: missing for '$target': $packages" >&2
if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps.sh: no apt-get here: install the equivalents of these Debian packages: $packages" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: run: sudo apt-get install -y $packages" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086 # one word per package
apt-get install -y --no-install-recommends $packages

still=$(missing_packages | tr '\n' ' ')
still=${still% }
if [ -n "$still" ]; then
	echo "deps.sh: still missing after the install: $still" >&2
	exit 1
fi
