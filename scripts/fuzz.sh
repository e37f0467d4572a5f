#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ with the address sanitizer and runs each for a
# bounded time on its committed seed corpus plus what earlier runs found.
#
#   scripts/fuzz.sh SECONDS [TARGET ...]      e.g. scripts/fuzz.sh 10  (CI), 1800 (a release)
#
# A crash, a timeout (10 s for one input), a leak or memory past 2 GiB fails the run; the
# input is kept in .artifacts/fuzz/ as a file to replay (`.build-fuzz/release/fuzz-X FILE`).
# New inputs go to .artifacts/fuzz/corpus/, never into the committed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: $0 SECONDS [TARGET ...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=($(ls Fuzz/Sources/Entry))
fi

bash scripts/fuzz-build.sh .build-fuzz -sanitize=fuzzer,address

out=.artifacts/fuzz
mkdir -p "$out"
# Leaks in libraries that are not ours, each explained in the file.
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp:print_suppressions=0"
failed=()
for t in "${targets[@]}"; do
    mkdir -p "$out/corpus/$t" "Fuzz/Corpus/$t"
    log="$out/$t.log"
    if .build-fuzz/release/fuzz-"$t" "$out/corpus/$t" "Fuzz/Corpus/$t" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=1048576 \
        -print_final_stats=1 -artifact_prefix="$out/$t-" >"$log" 2>&1; then
        runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
        rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log")
        cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | awk '{print $2}')
        echo "fuzz $t: ${runs:-?} runs, ${rate:-?}/s, coverage ${cov:-?} edges in ${seconds}s"
    else
        echo "fuzz $t: FAILED (see $log; the input is in $out/$t-*)"
        tail -n 30 "$log" | sed 's/^/    /'
        failed+=("$t")
    fi
done
total=${#targets[@]}
echo "fuzz: $((total - ${#failed[@]})) passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
