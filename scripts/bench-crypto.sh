#!/usr/bin/env bash
# Throughput of `seal encrypt` / `seal open` on a 1 GiB attachment next to age (the
# baseline), and the cost of one Argon2id key unlock. Prints figures only: it never fails
# because something is slow. Usage: scripts/bench-crypto.sh SEAL_BINARY
# Needs /usr/bin/time (Debian package `time`) and age/age-keygen (Debian package `age`).
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 SEAL_BINARY (e.g. .build/release/seal)" >&2
    exit 2
fi
SEAL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$SEAL" ] || { echo "bench-crypto: $1 is not an executable" >&2; exit 2; }
for tool in /usr/bin/time age age-keygen sha256sum; do
    command -v "$tool" >/dev/null || { echo "bench-crypto: $tool is missing (apt-get install time age)" >&2; exit 2; }
done

SIZE_MIB=${BENCH_SIZE_MIB:-1024}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/seal-bench.XXXXXX")
trap 'rm -rf "$DIR"' EXIT INT TERM
export SEAL_STATE_DIR="$DIR/state"
cd "$DIR"

# measure LABEL CMD...: runs CMD under /usr/bin/time -v; sets SECONDS_TAKEN (wall clock),
# CPU_SECONDS (user + system) and RSS_MIB (peak resident set).
measure() {
    local label=$1; shift
    if ! /usr/bin/time -v -o "$DIR/time.txt" "$@" >"$DIR/cmd.out" 2>"$DIR/cmd.err"; then
        echo "bench-crypto: $label failed:" >&2
        cat "$DIR/cmd.err" >&2
        exit 1
    fi
    SECONDS_TAKEN=$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.3f", s }' "$DIR/time.txt")
    RSS_MIB=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$DIR/time.txt")
    CPU_SECONDS=$(awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ { s += $2 } END { printf "%.2f", s }' "$DIR/time.txt")
}

row() { # row LABEL SECONDS RSS CPU
    awk -v l="$1" -v s="$2" -v r="$3" -v c="$4" -v m="$SIZE_MIB" \
        'BEGIN { printf "%-14s %8.2f s %8.1f MiB/s %8.1f MiB peak RSS %8.2f s CPU\n", l, s, (s > 0 ? m / s : 0), r, c }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

echo "seal:    $SEAL"
echo "age:     $(age --version)"
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "file:    $SIZE_MIB MiB of random bytes in $DIR"
echo

head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom > big.bin
ORIGINAL=$(sha256sum big.bin | cut -d' ' -f1)

# Demo keys. Throughput uses unprotected keys so Argon2id is not part of it.
"$SEAL" org keygen --out org --no-passphrase >/dev/null 2>&1
FP=$("$SEAL" fingerprint org/org.pub | awk '/^hex:/ {print $2}')
"$SEAL" keygen --name plain --out keys --no-passphrase >/dev/null 2>&1
printf 'benchmark passphrase\n' > pass.txt
"$SEAL" keygen --name locked --out keys --passphrase-file pass.txt >/dev/null
"$SEAL" org bundle --org-key org/org.seckey --reviewer keys/plain.pub --relay-url https://127.0.0.1:8443 \
    --valid-days 30 --out bundle.json >/dev/null
age-keygen -o age-key.txt 2>/dev/null
RECIPIENT=$(age-keygen -y age-key.txt)

# seal: encrypt to the bundle's reviewer, then open.
measure "seal encrypt" "$SEAL" encrypt --bundle bundle.json --org-fingerprint "$FP" \
    --attach big.bin --allow-unscrubbed big.bin --codename-file codename.txt --out big.seal
SEAL_ENC_S=$SECONDS_TAKEN; SEAL_ENC_RSS=$RSS_MIB; SEAL_ENC_CPU=$CPU_SECONDS
SEAL_SIZE=$(stat -c %s big.seal)
measure "seal open" "$SEAL" open --key keys/plain.seckey --out opened big.seal
SEAL_DEC_S=$SECONDS_TAKEN; SEAL_DEC_RSS=$RSS_MIB; SEAL_DEC_CPU=$CPU_SECONDS
SEAL_OK=$([ "$(sha256sum opened/thread-*/report-*/attachments/big.bin | cut -d' ' -f1)" = "$ORIGINAL" ] && echo yes || echo NO)
rm -rf big.seal opened

# age: the same file, X25519 recipient.
measure "age encrypt" age -r "$RECIPIENT" -o big.age big.bin
AGE_ENC_S=$SECONDS_TAKEN; AGE_ENC_RSS=$RSS_MIB; AGE_ENC_CPU=$CPU_SECONDS
AGE_SIZE=$(stat -c %s big.age)
measure "age decrypt" age -d -i age-key.txt -o big.out big.age
AGE_DEC_S=$SECONDS_TAKEN; AGE_DEC_RSS=$RSS_MIB; AGE_DEC_CPU=$CPU_SECONDS
AGE_OK=$([ "$(sha256sum big.out | cut -d' ' -f1)" = "$ORIGINAL" ] && echo yes || echo NO)
rm -f big.age big.out

echo "== throughput ($SIZE_MIB MiB; wall clock, /usr/bin/time -v) =="
row "seal encrypt" "$SEAL_ENC_S" "$SEAL_ENC_RSS" "$SEAL_ENC_CPU"
row "seal open" "$SEAL_DEC_S" "$SEAL_DEC_RSS" "$SEAL_DEC_CPU"
row "age encrypt" "$AGE_ENC_S" "$AGE_ENC_RSS" "$AGE_ENC_CPU"
row "age decrypt" "$AGE_DEC_S" "$AGE_DEC_RSS" "$AGE_DEC_CPU"
echo "ratio seal/age (time): encrypt $(ratio "$SEAL_ENC_S" "$AGE_ENC_S"), decrypt $(ratio "$SEAL_DEC_S" "$AGE_DEC_S")"
echo "output size: seal $SEAL_SIZE B (+$(awk -v a="$SEAL_SIZE" -v m="$SIZE_MIB" 'BEGIN { printf "%.2f", (a / (m * 1048576) - 1) * 100 }')%, Padme)," \
     "age $AGE_SIZE B (+$(awk -v a="$AGE_SIZE" -v m="$SIZE_MIB" 'BEGIN { printf "%.3f", (a / (m * 1048576) - 1) * 100 }')%)"
echo "round trip identical: seal $SEAL_OK, age $AGE_OK"
echo

# One Argon2id unlock: `seal fingerprint` of a protected key minus the same on an
# unprotected one (both read a key and print its fingerprint), best of three each.
best() { # best CMD...: the lowest wall-clock seconds of three runs, and the peak RSS of that run
    local b="" r=""
    for _ in 1 2 3; do
        measure "$*" "$@"
        if [ -z "$b" ] || awk -v x="$SECONDS_TAKEN" -v y="$b" 'BEGIN { exit !(x < y) }'; then b=$SECONDS_TAKEN; r=$RSS_MIB; fi
    done
    SECONDS_TAKEN=$b; RSS_MIB=$r
}
best "$SEAL" fingerprint keys/plain.seckey
PLAIN_S=$SECONDS_TAKEN; PLAIN_RSS=$RSS_MIB
best "$SEAL" fingerprint keys/locked.seckey --passphrase-file pass.txt
LOCKED_S=$SECONDS_TAKEN; LOCKED_RSS=$RSS_MIB
read -r OPS MEM < <(python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["protected"]; print(p["ops"], p["mem"])' keys/locked.seckey 2>/dev/null || echo "? ?")
echo "== Argon2id key unlock (ops $OPS, mem $MEM B) =="
printf '%-38s %6.3f s %9.1f MiB peak RSS\n' "seal fingerprint, unprotected key" "$PLAIN_S" "$PLAIN_RSS"
printf '%-38s %6.3f s %9.1f MiB peak RSS\n' "seal fingerprint, protected key" "$LOCKED_S" "$LOCKED_RSS"
echo "one unlock costs about $(awk -v a="$LOCKED_S" -v b="$PLAIN_S" 'BEGIN { printf "%.3f", a - b }') s"
