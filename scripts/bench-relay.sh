#!/usr/bin/env bash
# Relay intake benchmark (issue 3, "Performance"): prints figures, never asserts on speed.
#
#   scripts/bench-relay.sh RELAYD_BINARY SEAL_BINARY
#
# On loopback, over TLS 1.3 with keep-alive, 16 concurrent clients POST valid ~64 KiB
# envelopes, each request its own bytes (a new envelope id, stored and fsynced: the last 16
# payload bytes carry a counter) with its own proof-of-work token (0-bit challenges minted
# with the relay's pow.key: scripts/bench-relay/mint_tokens.py), for BENCH_SECONDS (default
# 10) to
#   1. sealrelayd (durable: each 202 comes after fsync of the file and of its directory),
#   2. nginx storing each request body to a file (client_body_in_file_only; nginx does not
#      fsync), answering 202,
# with the same load generator (wrk, Debian package), and measures
#   3. the raw rate of the relay's durability step on the spool's disk: write 64 KiB to a
#      new file, fsync, rename, fsync the directory (one writer, and 16 in parallel),
#      measured just before and just after the relay's run, because a shared disk drifts.
# It also prints the CPU each server used during its run, and how busy the whole machine was
# (the load generator shares it), to tell a CPU-bound result from a disk-bound one.
# Then the relay's RSS: idle, and while it receives one 1 GiB envelope.
#
# Needs: wrk, nginx, curl, openssl, python3 (Debian: apt-get install wrk nginx curl openssl
# python3; libsodium23 for the binaries). Everything runs in a temporary directory under
# BENCH_DIR (default $TMPDIR or /tmp), which is also the disk whose fsync rate is measured.
# Environment: BENCH_SECONDS (10), BENCH_WARMUP (2), BENCH_CLIENTS (16), BENCH_BIG_MIB (1024);
# BENCH_PERF_DIR: record the relay's run with `perf record -g` (Debian linux-perf) and write
# its top entries (`perf report`) there as relay-perf.txt.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 RELAYD_BINARY SEAL_BINARY" >&2
    exit 2
fi
abspath() { (cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")"); }
RELAYD=$(abspath "$1")
SEAL=$(abspath "$2")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SECONDS_RUN=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-2}
CLIENTS=${BENCH_CLIENTS:-16}
BIG_MIB=${BENCH_BIG_MIB:-1024}
THREADS=$(nproc)
[ "$THREADS" -le "$CLIENTS" ] || THREADS=$CLIENTS

for tool in wrk nginx curl openssl python3; do
    command -v "$tool" >/dev/null || { echo "bench-relay: $tool not found (apt-get install $tool)" >&2; exit 1; }
done
for bin in "$RELAYD" "$SEAL"; do
    [ -x "$bin" ] || { echo "bench-relay: $bin is not executable" >&2; exit 1; }
done

W=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/bench-relay.XXXXXX")
RELAY_PID="" NGINX_PID=""
# The big envelope exists twice at once (the file sent, the spool's copy) plus slack.
need_kib=$(( (2 * BIG_MIB + 512) * 1024 ))
if [ "$(df -Pk "$W" | awk 'NR == 2 {print $4}')" -lt "$need_kib" ]; then
    rmdir "$W"
    echo "bench-relay: need $((need_kib / 1024)) MiB free under $(dirname "$W") (set BENCH_DIR or BENCH_BIG_MIB)" >&2
    exit 1
fi
cleanup() {
    local pid
    for pid in $RELAY_PID $NGINX_PID; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in $RELAY_PID $NGINX_PID; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '%s\n' "$*" >&2; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
kib() { awk '/^'"$1"':/ {print $2}' "/proc/$2/status"; }
# wait_https PORT CA: poll until the TLS listener answers (bounded, ~30 s).
wait_https() {
    local _
    for _ in $(seq 1 300); do
        if curl -s -o /dev/null --cacert "$2" "https://127.0.0.1:$1/"; then return 0; fi
        sleep 0.1
    done
    echo "bench-relay: nothing answered on 127.0.0.1:$1" >&2
    return 1
}
# run_wrk PORT SECONDS -> RESULT line of post.lua; each run its own tokens and envelope ids.
RUN=0
run_wrk() {
    RUN=$((RUN + 1))
    if [ -r "$W/relay/pow.key" ]; then
        python3 "$HERE/bench-relay/mint_tokens.py" "$W/relay/pow.key" $((6000 * $2 + 20000)) "$W/tokens.txt"
    fi
    BENCH_BODY="$W/report.seal" BENCH_TOKENS="$W/tokens.txt" BENCH_THREADS="$THREADS" BENCH_RUN="$RUN" \
        wrk -t "$THREADS" -c "$CLIENTS" -d "${2}s" --timeout 10s \
        -s "$HERE/bench-relay/post.lua" "https://127.0.0.1:$1/v1/reports" | grep '^RESULT'
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }
TICK=$(getconf CLK_TCK)
# cpu_ticks PID...: user+system clock ticks used so far by these processes (all threads).
cpu_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }
# machine_ticks: "busy total" clock ticks of the whole machine so far (from /proc/stat).
machine_ticks() { awk '/^cpu / {busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6}' /proc/stat; }
# cpu_line PROC_TICKS MACHINE_BEFORE MACHINE_AFTER ACCEPTED
cpu_line() {
    awk -v p="$1" -v b0="${2% *}" -v t0="${2#* }" -v b1="${3% *}" -v t1="${3#* }" -v n="$4" -v hz="$TICK" -v cpus="$(nproc)" \
        'BEGIN {secs = (t1 - t0) / hz / cpus; printf "%.1f CPU-s over %.1fs (%.0f%% of %d CPUs), %.0f us CPU per accepted report; whole machine %.0f%% busy", \
            p / hz, secs, 100 * p / hz / secs / cpus, cpus, (n > 0 ? 1e6 * p / hz / n : 0), 100 * (b1 - b0) / (t1 - t0)}'
}

export SEAL_STATE_DIR="$W/seal-state"
cd "$W"

# --- keys, bundle, and envelopes that the relay accepts ------------------------------------
log "setting up keys, bundle and envelopes in $W"
RELAY_PORT=$(free_port)
ADMIN_PORT=$(free_port)
"$SEAL" org keygen --out org --no-passphrase >/dev/null
FP=$("$SEAL" fingerprint org/org.pub | awk '/^hex:/ {print $2}')
"$SEAL" keygen --name alice --out reviewers --no-passphrase >/dev/null
"$SEAL" credential new --name alice --out reviewers >/dev/null
"$SEAL" org bundle --org-key org/org.seckey --reviewer reviewers/alice.pub \
    --relay-url "https://127.0.0.1:$RELAY_PORT" --valid-days 30 --out bundle.json >/dev/null

# seal_with_attachment BYTES OUT: an envelope carrying BYTES of random data.
seal_with_attachment() {
    head -c "$1" /dev/urandom >"$W/blob.bin"
    "$SEAL" encrypt --bundle bundle.json --org-fingerprint "$FP" --message "benchmark" \
        --attach "$W/blob.bin" --allow-unscrubbed "$W/blob.bin" --codename-file "$W/codename.txt" \
        --out "$2" >/dev/null 2>&1
    rm -f "$W/blob.bin"
    stat -c %s "$2"
}
# About 64 KiB: measure the overhead once, then aim the attachment at 64 KiB minus it
# (Padmé rounds the padded size, so the result lands near, not on, 65536).
probe=$(seal_with_attachment 40000 probe.seal)
size=$(seal_with_attachment $((40000 + 65536 - probe)) report.seal)
if [ "$size" -gt 65536 ]; then
    size=$(seal_with_attachment $((40000 + 65536 - probe - (size - 65536))) report.seal)
fi
rm -f probe.seal
log "envelope: $size bytes"
log "making a ${BIG_MIB} MiB envelope (seal encrypt)"
head -c $((BIG_MIB << 20)) /dev/zero >"$W/big.bin"
"$SEAL" encrypt --bundle bundle.json --org-fingerprint "$FP" --message "big" --attach "$W/big.bin" \
    --allow-unscrubbed "$W/big.bin" --codename-file "$W/codename.txt" --out big.seal >/dev/null 2>&1
rm -f "$W/big.bin"
BIG_SIZE=$(stat -c %s big.seal)

# --- the relay -------------------------------------------------------------------------------
"$RELAYD" init --dir "$W/relay" --bundle bundle.json --reviewer-credential reviewers/alice.fetch.pub \
    --listen "127.0.0.1:$RELAY_PORT" --hostname 127.0.0.1 >/dev/null
CONF="$W/relay/relay.conf"
# High quotas: identical bytes share one id (so the spool holds one copy), but each upload
# still reserves a slot while it streams.
sed -i -e "s/^admin_listen = .*/admin_listen = 127.0.0.1:$ADMIN_PORT/" \
    -e "s/^max_envelopes = .*/max_envelopes = 100000000/" \
    -e "s/^max_envelope_bytes = .*/max_envelope_bytes = $((BIG_SIZE + (64 << 20)))/" \
    -e "s/^max_spool_bytes = .*/max_spool_bytes = $((8 << 30))/" "$CONF"
CA="$W/relay/tls/cert.pem"
"$RELAYD" run --config "$CONF" 2>"$W/relay.log" &
RELAY_PID=$!
wait_https "$RELAY_PORT" "$CA"

post_once() { # FILE -> HTTP status; streams the file (curl -T), never holds it in memory
    python3 "$HERE/bench-relay/mint_tokens.py" "$W/relay/pow.key" 1 "$W/token.txt"
    curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" -X POST -T "$1" \
        -H 'Content-Type: application/octet-stream' -H "Seal-PoW: $(cat "$W/token.txt")" \
        "https://127.0.0.1:$RELAY_PORT/v1/reports"
}
warm=$(post_once report.seal)
[ "$warm" = 202 ] || { echo "bench-relay: the relay answered $warm to a valid envelope:" >&2; cat "$W/relay.log" >&2; exit 1; }
sleep 1
IDLE_RSS=$(kib VmRSS "$RELAY_PID")
IDLE_HWM=$(kib VmHWM "$RELAY_PID")

log "relay: one ${BIG_MIB} MiB envelope while sampling RSS"
(
    max=0
    while [ -r "/proc/$RELAY_PID/status" ]; do
        r=$(kib VmRSS "$RELAY_PID" 2>/dev/null || echo 0)
        [ "${r:-0}" -le "$max" ] || { max=$r; echo "$max" >"$W/rss.max"; }
        sleep 0.05
    done
) &
SAMPLER=$!
t0=$(date +%s.%N)
BIG_STATUS=$(post_once big.seal)
t1=$(date +%s.%N)
kill "$SAMPLER" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true
BIG_RSS_MAX=$(cat "$W/rss.max" 2>/dev/null || echo 0)
BIG_HWM=$(kib VmHWM "$RELAY_PID")
BIG_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
rm -f big.seal

# --- the disk's durability bound, just before and just after the relay's run (a shared disk
#     drifts: the two show how much) ----------------------------------------------------------
FSYNC_SECONDS=$(( (SECONDS_RUN + 1) / 2 ))
fsync_pair() { # LABEL -> "R1 RN": rates with 1 writer and with $CLIENTS writers
    local one many
    log "fsync bound ($1 the relay's run): ${FSYNC_SECONDS}s with 1 writer, ${FSYNC_SECONDS}s with $CLIENTS"
    mkdir -p "$W/fsync-$1-1" "$W/fsync-$1-n"
    one=$(python3 "$HERE/bench-relay/fsync_rate.py" "$W/fsync-$1-1" "$FSYNC_SECONDS" 1 | grep '^RESULT')
    many=$(python3 "$HERE/bench-relay/fsync_rate.py" "$W/fsync-$1-n" "$FSYNC_SECONDS" "$CLIENTS" | grep '^RESULT')
    rm -rf "$W/fsync-$1-1" "$W/fsync-$1-n"
    echo "$(field rate "$one") $(field rate "$many")"
}
FSYNC_BEFORE=$(fsync_pair before)

log "relay: ${WARMUP}s warm-up, then ${SECONDS_RUN}s of load"
run_wrk "$RELAY_PORT" "$WARMUP" >/dev/null
PERF_PID=""
if [ -n "${BENCH_PERF_DIR:-}" ]; then
    mkdir -p "$BENCH_PERF_DIR"
    perf record -F 499 -g -p "$RELAY_PID" -o "$W/relay.perf.data" 2>/dev/null &
    PERF_PID=$!
fi
c0=$(cpu_ticks "$RELAY_PID") m0=$(machine_ticks)
RELAY_RESULT=$(run_wrk "$RELAY_PORT" "$SECONDS_RUN")
c1=$(cpu_ticks "$RELAY_PID") m1=$(machine_ticks)
if [ -n "$PERF_PID" ]; then
    kill -INT "$PERF_PID"
    wait "$PERF_PID" 2>/dev/null || true
    perf report -i "$W/relay.perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null \
        | grep -E '^ +[0-9.]+%' | head -40 >"$BENCH_PERF_DIR/relay-perf.txt" || true
    perf report -i "$W/relay.perf.data" --children --sort symbol --stdio -g none 2>/dev/null \
        | grep -E '^ +[0-9.]+%' | head -40 >"$BENCH_PERF_DIR/relay-perf-children.txt" || true
    log "perf: $BENCH_PERF_DIR/relay-perf.txt"
fi
RELAY_CPU=$(cpu_line $((c1 - c0)) "$m0" "$m1" "$(field accepted "$RELAY_RESULT")")
AFTER_RSS=$(kib VmRSS "$RELAY_PID")
kill -TERM "$RELAY_PID"
wait "$RELAY_PID" 2>/dev/null || true
RELAY_PID=""

FSYNC_AFTER=$(fsync_pair after)

# --- nginx storing bodies to disk --------------------------------------------------------------
# `return 202` alone would discard the body unread, so the location proxies to a local
# upstream that answers 202: proxying makes nginx read the whole body, which
# client_body_in_file_only writes to a file under client_body_temp_path first (`clean`: the
# file is removed after the request, so ten seconds of load do not fill the disk);
# proxy_pass_request_body off keeps the body itself off the upstream hop.
NGINX_PORT=$(free_port)
UP_PORT=$(free_port)
N="$W/nginx"
mkdir -p "$N/body" "$N/proxy" "$N/tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$N/key.pem" -out "$N/cert.pem" 2>/dev/null
cat >"$N/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes auto;
pid $N/nginx.pid;
error_log $N/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $N/body;
    proxy_temp_path $N/proxy;
    fastcgi_temp_path $N/tmp;
    uwsgi_temp_path $N/tmp;
    scgi_temp_path $N/tmp;
    keepalive_requests 1000000;
    upstream accept202 { server 127.0.0.1:$UP_PORT; keepalive 32; }
    server {
        listen 127.0.0.1:$UP_PORT;
        location / { return 202; }
    }
    server {
        listen 127.0.0.1:$NGINX_PORT ssl;
        ssl_certificate $N/cert.pem;
        ssl_certificate_key $N/key.pem;
        ssl_protocols TLSv1.3;
        ssl_session_tickets off;
        ssl_session_cache off;
        client_max_body_size 4m;
        client_body_buffer_size 128k;
        location = /v1/reports {
            limit_except POST { deny all; }
            client_body_in_file_only clean;
            proxy_pass http://accept202;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
        }
        location / { return 204; }
    }
}
EOF
if [ "$(id -u)" -eq 0 ]; then sed -i '1i user root;' "$N/nginx.conf"; fi
nginx -p "$N" -c "$N/nginx.conf" -e "$N/error.log" &
NGINX_PID=$!
wait_https "$NGINX_PORT" "$N/cert.pem"
ncheck=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$N/cert.pem" -X POST -T report.seal \
    "https://127.0.0.1:$NGINX_PORT/v1/reports")
[ "$ncheck" = 202 ] || { echo "bench-relay: nginx answered $ncheck:" >&2; cat "$N/error.log" >&2; exit 1; }
log "nginx: ${WARMUP}s warm-up, then ${SECONDS_RUN}s of load"
run_wrk "$NGINX_PORT" "$WARMUP" >/dev/null
nginx_pids() { echo "$NGINX_PID" $(pgrep -P "$NGINX_PID"); }
# shellcheck disable=SC2046
c0=$(cpu_ticks $(nginx_pids)) m0=$(machine_ticks)
NGINX_RESULT=$(run_wrk "$NGINX_PORT" "$SECONDS_RUN")
# shellcheck disable=SC2046
c1=$(cpu_ticks $(nginx_pids)) m1=$(machine_ticks)
NGINX_CPU=$(cpu_line $((c1 - c0)) "$m0" "$m1" "$(field accepted "$NGINX_RESULT")")
kill -TERM "$NGINX_PID"
wait "$NGINX_PID" 2>/dev/null || true
NGINX_PID=""

# --- figures -------------------------------------------------------------------------------------
rate() { awk -v n="$(field accepted "$1")" -v us="$(field duration_us "$1")" 'BEGIN {printf "%.1f", n / (us / 1e6)}'; }
ms() { awk -v us="$(field "$1" "$2")" 'BEGIN {printf "%.1f", us / 1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
RELAY_RATE=$(rate "$RELAY_RESULT")
NGINX_RATE=$(rate "$NGINX_RESULT")
# The bound: the mean of the before and after figures.
F1=$(awk -v a="${FSYNC_BEFORE% *}" -v b="${FSYNC_AFTER% *}" 'BEGIN {printf "%.1f", (a + b) / 2}')
FN=$(awk -v a="${FSYNC_BEFORE#* }" -v b="${FSYNC_AFTER#* }" 'BEGIN {printf "%.1f", (a + b) / 2}')
describe() {
    printf '%s/s accepted (202), p50 %s ms, p99 %s ms, max %s ms; %s requests, %s not 202 (%s), errors connect/read/write/timeout %s/%s/%s/%s\n' \
        "$(rate "$1")" "$(ms p50_us "$1")" "$(ms p99_us "$1")" "$(ms max_us "$1")" "$(field requests "$1")" \
        "$(field other "$1")" "$(field other_codes "$1")" "$(field err_connect "$1")" "$(field err_read "$1")" \
        "$(field err_write "$1")" "$(field err_timeout "$1")"
}

cat <<EOF

== SealRelay intake benchmark ==
machine:     $(nproc) CPUs, $(uname -r); spool disk: $(df -T "$W" | awk 'NR == 2 {print $1 " (" $2 ")"}')
load:        wrk $(wrk -v 2>&1 | awk 'NR == 1 {print $2}'), $THREADS threads, $CLIENTS keep-alive connections, TLS 1.3, ${SECONDS_RUN}s after ${WARMUP}s warm-up
body:        valid envelopes of $size bytes, each request a new id (stored, fsynced) with its own PoW token

relay:       $(describe "$RELAY_RESULT")
             relay CPU: $RELAY_CPU
nginx:       $(describe "$NGINX_RESULT")
             nginx CPU: $NGINX_CPU
             (nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'), body written to a temp file, no fsync)
fsync bound: $F1/s with 1 writer, $FN/s with $CLIENTS writers (write 64 KiB + fsync + rename + fsync dir;
             mean of before/after the relay's run: ${FSYNC_BEFORE% *}/${FSYNC_AFTER% *} and ${FSYNC_BEFORE#* }/${FSYNC_AFTER#* })

relay / nginx:              $(ratio "$RELAY_RATE" "$NGINX_RATE")
relay / fsync (1 writer):   $(ratio "$RELAY_RATE" "$F1")
relay / fsync ($CLIENTS writers): $(ratio "$RELAY_RATE" "$FN")

relay RSS idle:             $(mib "$IDLE_RSS") MiB (VmHWM so far $(mib "$IDLE_HWM") MiB)
relay RSS, ${BIG_MIB} MiB upload: status $BIG_STATUS in ${BIG_SECS}s ($BIG_SIZE bytes); peak sampled VmRSS $(mib "$BIG_RSS_MAX") MiB, VmHWM $(mib "$BIG_HWM") MiB
                            = $(mib $((BIG_HWM - IDLE_RSS))) MiB above idle (VmHWM - idle VmRSS)
relay RSS after the load:   $(mib "$AFTER_RSS") MiB
EOF
