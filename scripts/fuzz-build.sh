#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ into SCRATCH with the sanitizer or instrumentation
# the caller names (scripts/fuzz.sh: the address sanitizer; scripts/fuzz-coverage.sh:
# llvm-cov's counters).
#
#   scripts/fuzz-build.sh SCRATCH [SWIFTC_FLAG ...]
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${1:?usage: $0 SCRATCH [SWIFTC_FLAG ...]}
shift
flags=()
for f in "$@"; do flags+=(-Xswiftc "$f"); done

# SwiftPM keeps its plan of a path dependency's sources across builds and does not notice
# files that SealRelay added or removed since, so the plan is made anew each time (the
# compiled objects stay). lld, because gold stops with an internal error on the sanitized link.
# -enable-testing, because some harnesses reach internal types (Fuzz/Sources/FuzzTargets).
rm -f "$scratch/release.yaml" "$scratch"/*/release/description.json
nice -n 10 swift build -c release --package-path Fuzz --scratch-path "$scratch" \
    -Xswiftc -use-ld=lld -Xswiftc -enable-testing "${flags[@]}" >&2
