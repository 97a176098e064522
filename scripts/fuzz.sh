#!/usr/bin/env bash
# fuzz.sh - run the libFuzzer target for a while and say whether it found
# anything.
#
#   scripts/fuzz.sh --seconds N BINARY CORPUS_DIR...
#
# The CORPUS_DIRs (fuzz/corpus, fuzz/regressions) are only read: every
# input in them runs first, then libFuzzer mutates them.  New inputs go to
# build/fuzz/corpus.  Each run works in its own build/fuzz/run.<pid>/ (so
# that two runs in one tree keep apart): its log, and the input it stopped
# on, crash-* (or timeout-*, leak-*, oom-*).  A run that passes leaves its
# log as build/fuzz/fuzz.log and removes its directory.  Ends with
# "fuzz: N passed, M failed": N inputs ran and passed every check, M is 1
# when libFuzzer stopped on a failing input.  Exits non-zero then, after
# saying how to reproduce it.

set -euo pipefail

seconds=60
usage() {
	echo "usage: $0 [--seconds N] BINARY CORPUS_DIR..." >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--seconds)
		[ $# -ge 2 ] || usage
		seconds=$2
		shift 2
		;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || usage
bin=$1
shift
[[ $seconds =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || usage

work=$(dirname "$bin")
run=$work/run.$$
mkdir -p "$work/corpus" "$run"
log=$run/fuzz.log

status=0
"$bin" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -max_len=1024 \
	-print_final_stats=1 -artifact_prefix="$run/" "$work/corpus" "$@" >"$log" 2>&1 ||
	status=$?

runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
cov=$(grep -ao 'cov: [0-9]*' "$log" | tail -n 1 || true)
runs=${runs:-0}

if [ "$status" -eq 0 ] && [ "$runs" -eq 0 ]; then
	echo "fuzz: libFuzzer ran no input; its log is $log"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi
if [ "$status" -eq 0 ]; then
	mv "$log" "$work/fuzz.log"
	rm -rf "$run"
	echo "fuzz: $seconds s, ${cov:-cov: ?}, corpus $(find "$work/corpus" -type f | wc -l) inputs"
	echo "fuzz: $runs passed, 0 failed"
	exit 0
fi

echo "fuzz: libFuzzer stopped with status $status; the end of $log:"
tail -n 40 "$log"
found=$(find "$run" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o \
	-name 'leak-*' -o -name 'oom-*' \) | head -n 1)
if [ -n "$found" ]; then
	echo "fuzz: the failing input is $found; reproduce it with"
	echo "  PAGETRACK_FUZZ_TRACE=1 $bin $found"
	echo "  $(dirname "$work")/host/fuzz-replay -t $found"
	echo "and keep it as a regression: cp $found fuzz/regressions/<what-it-found>"
fi
echo "fuzz: $runs passed, 1 failed"
exit 1
