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
#   4. sealrelayd with `storage = postgresql://…` (issue 16, Deploy/postgresql.md) on a
#      throwaway PostgreSQL 15 cluster of its own (default settings, fsync on; the relay sets
#      synchronous_commit = on, so each 202 comes after COMMIT), first one node, then two
#      `sealrelayd run` processes on the same database (a copy of the first node's state
#      directory, as Deploy/postgresql.md says), loaded by two wrk runs at once with half the
#      connections each (nothing balances them: nginx-light has no stream module), summed.
# It also prints the CPU each server used during its run (for PostgreSQL: the relay nodes and,
# apart, every process of the cluster), and how busy the whole machine was (the load
# generator shares it), to tell a CPU-bound result from a disk-bound one, and the WAL the
# database wrote per report. Then the relay's RSS: idle, and while it receives one 1 GiB
# envelope; and the time the same envelope takes into PostgreSQL (1 MiB bytea chunks, one
# transaction), with the WAL it wrote, then as a chunked upload, with the node's peak RSS.
#
# Needs: wrk, nginx, curl, openssl, python3, postgresql (Debian: apt-get install wrk nginx
# curl openssl python3 postgresql; libsodium23 for the binaries). Everything runs in a
# temporary directory under BENCH_DIR (default $TMPDIR or /tmp), which is also the disk whose
# fsync rate is measured and where the database lives. As root, PostgreSQL runs as the
# `postgres` user (it refuses root).
# Then BENCH_BIG_PARALLEL 50 MiB envelopes at once (the large reports of Deploy/postgresql.md
# "Capacity"), into one node and spread over two.
# Environment: BENCH_SECONDS (10), BENCH_WARMUP (2), BENCH_CLIENTS (16), BENCH_BIG_MIB (1024),
# BENCH_BIG_PARALLEL (4);
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
BIG_PARALLEL=${BENCH_BIG_PARALLEL:-4}
MID_MIB=50
THREADS=$(nproc)
[ "$THREADS" -le "$CLIENTS" ] || THREADS=$CLIENTS

for tool in wrk nginx curl openssl python3; do
    command -v "$tool" >/dev/null || { echo "bench-relay: $tool not found (apt-get install $tool)" >&2; exit 1; }
done
PG_BIN=/usr/lib/postgresql/15/bin
[ -x "$PG_BIN/initdb" ] || { echo "bench-relay: no PostgreSQL 15 in $PG_BIN (apt-get install postgresql)" >&2; exit 1; }
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "bench-relay: as root PostgreSQL runs as the postgres user, and there is none" >&2
    exit 1
fi
for bin in "$RELAYD" "$SEAL"; do
    [ -x "$bin" ] || { echo "bench-relay: $bin is not executable" >&2; exit 1; }
done

W=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/bench-relay.XXXXXX")
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
RELAY_PID="" NGINX_PID="" NODE_A_PID="" NODE_B_PID="" PG_DATA=""
# The big envelope exists four times at once at most (the file sent, the node's partial file,
# the database's copy and its WAL), each 50 MiB one three times (the copy sent, the partial
# file, the database's), plus slack for the small reports and the WAL they write.
need_kib=$(( (4 * BIG_MIB + 2 * 3 * BIG_PARALLEL * MID_MIB + 3072) * 1024 ))
if [ "$(df -Pk "$W" | awk 'NR == 2 {print $4}')" -lt "$need_kib" ]; then
    rmdir "$W"
    echo "bench-relay: need $((need_kib / 1024)) MiB free under $(dirname "$W") (set BENCH_DIR or BENCH_BIG_MIB)" >&2
    exit 1
fi
cleanup() {
    local pid
    for pid in $RELAY_PID $NGINX_PID $NODE_A_PID $NODE_B_PID; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in $RELAY_PID $NGINX_PID $NODE_A_PID $NODE_B_PID; do
        wait "$pid" 2>/dev/null || true
    done
    if [ -n "$PG_DATA" ]; then as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$W"
}
# as_postgres CMD...: PostgreSQL's own tools refuse root; as root they run as `postgres`.
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
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
# run_wrk PORT[,PORT...] SECONDS -> one RESULT line of post.lua: $CLIENTS connections split
# evenly across the ports, one wrk per port, all at once, merged (merge_results.py). Every
# wrk its own run number (so its own envelope ids: nodes on one database would otherwise
# answer one another's bytes from the index) and its own tokens, minted with POW_KEY.
RUN=0
POW_KEY=""
run_wrk() {
    local ports n k conns threads pids=() files=() i
    IFS=, read -r -a ports <<<"$1"
    n=${#ports[@]}
    # All the tokens first, so that the wrk runs start together.
    for ((k = 1; k <= n; k++)); do
        [ -z "$POW_KEY" ] || python3 "$HERE/bench-relay/mint_tokens.py" "$POW_KEY" $((6000 * $2 + 20000)) "$W/tokens-$((RUN + k)).txt"
    done
    for ((k = 0; k < n; k++)); do
        RUN=$((RUN + 1))
        conns=$(( CLIENTS / n + (k < CLIENTS % n ? 1 : 0) ))
        threads=$(( THREADS < conns ? THREADS : conns ))
        BENCH_BODY="$W/report.seal" BENCH_TOKENS="$W/tokens-$RUN.txt" BENCH_THREADS="$threads" BENCH_RUN="$RUN" \
            BENCH_QUANTILES="$W/wrk-$RUN.q" \
            wrk -t "$threads" -c "$conns" -d "${2}s" --timeout 10s \
            -s "$HERE/bench-relay/post.lua" "https://127.0.0.1:${ports[k]}/v1/reports" >"$W/wrk-$RUN.out" &
        pids+=($!) files+=("$W/wrk-$RUN")
    done
    wait "${pids[@]}"
    for i in "${files[@]}"; do grep '^RESULT' "$i.out" >"$i" || { cat "$i.out" >&2; return 1; }; done
    python3 "$HERE/bench-relay/merge_results.py" "${files[@]}"
    for i in "${files[@]}"; do rm -f "$i" "$i.out" "$i.q"; done
    rm -f "$W"/tokens-*.txt
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
# cpu_us PROC_TICKS ACCEPTED: microseconds of CPU per accepted report.
cpu_us() { awk -v p="$1" -v n="$2" -v hz="$TICK" 'BEGIN {printf "%.0f", (n > 0 ? 1e6 * p / hz / n : 0)}'; }

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

# seal_bytes SOURCE BYTES OUT: an envelope carrying BYTES read from SOURCE; prints its size.
seal_bytes() {
    head -c "$2" "$1" >"$W/blob.bin"
    "$SEAL" encrypt --bundle bundle.json --org-fingerprint "$FP" --message "benchmark" \
        --attach "$W/blob.bin" --allow-unscrubbed "$W/blob.bin" --codename-file "$W/codename.txt" \
        --out "$3" >/dev/null 2>&1
    rm -f "$W/blob.bin"
    stat -c %s "$3"
}
# seal_with_attachment BYTES OUT: an envelope carrying BYTES of random data.
seal_with_attachment() { seal_bytes /dev/urandom "$1" "$2"; }
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
BIG_SIZE=$(seal_bytes /dev/zero $((BIG_MIB << 20)) big.seal)
log "making a ${MID_MIB} MiB envelope (seal encrypt)"
MID_SIZE=$(seal_bytes /dev/zero $((MID_MIB << 20)) mid.seal)

# --- the relay -------------------------------------------------------------------------------
# init_relay DIR PORT ADMIN_PORT [init options...]: a relay state directory with high quotas:
# identical bytes share one id (so the spool holds one copy), but each upload still reserves
# a slot while it streams.
init_relay() {
    local dir=$1 port=$2 admin=$3
    shift 3
    "$RELAYD" init --dir "$dir" --bundle bundle.json --reviewer-credential reviewers/alice.fetch.pub \
        --listen "127.0.0.1:$port" --hostname 127.0.0.1 "$@" >/dev/null
    sed -i -e "s/^admin_listen = .*/admin_listen = 127.0.0.1:$admin/" \
        -e "s/^max_envelopes = .*/max_envelopes = 100000000/" \
        -e "s/^max_envelope_bytes = .*/max_envelope_bytes = $((BIG_SIZE + (64 << 20)))/" \
        -e "s/^max_spool_bytes = .*/max_spool_bytes = $((8 << 30))/" "$dir/relay.conf"
}
init_relay "$W/relay" "$RELAY_PORT" "$ADMIN_PORT"
POW_KEY="$W/relay/pow.key"
CA="$W/relay/tls/cert.pem"
"$RELAYD" run --config "$W/relay/relay.conf" 2>"$W/relay.log" &
RELAY_PID=$!
wait_https "$RELAY_PORT" "$CA"

post_once() { # FILE PORT -> HTTP status; streams the file (curl -T), never holds it in memory
    local token="$W/token.$BASHPID" status  # several may run at once
    python3 "$HERE/bench-relay/mint_tokens.py" "$POW_KEY" 1 "$token"
    # `Expect:` off: curl would otherwise ask for 100 Continue before a body over 1 MiB, which
    # the relay does not send, and wait a second before sending it anyway.
    status=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" -X POST -T "$1" -H 'Expect:' \
        -H 'Content-Type: application/octet-stream' -H "Seal-PoW: $(<"$token")" \
        "https://127.0.0.1:$2/v1/reports")
    rm -f "$token"
    echo "$status"
}
# check_accepts PORT LOG: one valid envelope must get 202.
check_accepts() {
    local status
    status=$(post_once report.seal "$1")
    [ "$status" = 202 ] || { echo "bench-relay: the relay answered $status to a valid envelope:" >&2; cat "$2" >&2; exit 1; }
}
check_accepts "$RELAY_PORT" "$W/relay.log"
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
BIG_STATUS=$(post_once big.seal "$RELAY_PORT")
t1=$(date +%s.%N)
kill "$SAMPLER" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true
BIG_RSS_MAX=$(cat "$W/rss.max" 2>/dev/null || echo 0)
BIG_HWM=$(kib VmHWM "$RELAY_PID")
BIG_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')

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
run_wrk "$RELAY_PORT" "$SECONDS_RUN" >"$W/result"
c1=$(cpu_ticks "$RELAY_PID") m1=$(machine_ticks)
RELAY_RESULT=$(<"$W/result")
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
RELAY_US=$(cpu_us $((c1 - c0)) "$(field accepted "$RELAY_RESULT")")
AFTER_RSS=$(kib VmRSS "$RELAY_PID")
kill -TERM "$RELAY_PID"
wait "$RELAY_PID" 2>/dev/null || true
RELAY_PID=""
rm -rf "$W/relay/spool"  # room for the database's copy of the big envelope

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
run_wrk "$NGINX_PORT" "$SECONDS_RUN" >"$W/result"
# shellcheck disable=SC2046
c1=$(cpu_ticks $(nginx_pids)) m1=$(machine_ticks)
NGINX_RESULT=$(<"$W/result")
NGINX_CPU=$(cpu_line $((c1 - c0)) "$m0" "$m1" "$(field accepted "$NGINX_RESULT")")
NGINX_US=$(cpu_us $((c1 - c0)) "$(field accepted "$NGINX_RESULT")")
kill -TERM "$NGINX_PID"
wait "$NGINX_PID" 2>/dev/null || true
NGINX_PID=""

# --- the relay on PostgreSQL: one node, then two nodes on one database ------------------------
log "postgresql: a throwaway cluster in $W/pg"
PG="$W/pg"
PG_PORT=$(free_port)
mkdir -p "$PG/socket"
python3 -c 'import secrets; print(secrets.token_hex(16))' >"$W/db.password"
chmod 600 "$W/db.password"
cp "$W/db.password" "$PG/pwfile"
if [ "$(id -u)" -eq 0 ]; then chmod 711 "$W"; chown -R postgres:postgres "$PG"; fi
as_postgres "$PG_BIN/initdb" -D "$PG/data" -U sealrelay --pwfile="$PG/pwfile" --auth=scram-sha-256 \
    --no-sync -E UTF8 --locale=C >"$W/initdb.log"
cat >>"$PG/data/postgresql.conf" <<EOF
# scripts/bench-relay.sh: loopback only, a private socket directory, and the logging settings
# of Deploy/postgresql.md; everything else is PostgreSQL 15's default (fsync, full_page_writes).
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG/socket'
log_connections = off
log_disconnections = off
log_statement = none
log_min_duration_statement = -1
log_min_error_statement = panic
track_commit_timestamp = off
log_line_prefix = '%q'
EOF
PG_DATA="$PG/data"
as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG/server.log" -w -t 30 start >/dev/null
pg_sql() { # SQL [DB]
    PGPASSWORD=$(<"$W/db.password") "$PG_BIN/psql" -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U sealrelay \
        -d "${2:-bench}" -c "$1"
}
pg_sql "CREATE DATABASE bench" postgres
PG_SETTINGS=$(pg_sql "SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name) FROM pg_settings
    WHERE name IN ('shared_buffers', 'max_wal_size', 'full_page_writes', 'wal_compression', 'fsync', 'checkpoint_timeout')")
# pg_ticks: clock ticks used so far by the whole cluster: the postmaster, each process it runs
# now (a backend per relay connection, WAL writer, checkpointer, ...) and those it reaped.
pg_ticks() {
    local pm
    pm=$(head -1 "$PG_DATA/postmaster.pid")
    # shellcheck disable=SC2046
    echo $(( $(cpu_ticks "$pm" $(pgrep -P "$pm")) + $(awk '{print $16 + $17}' "/proc/$pm/stat") ))
}
wal_bytes() { pg_sql "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"; }
checkpoints() { pg_sql "SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter"; }
# page_writes: 8 KiB pages the cluster wrote to its tables so far (checkpointer, background
# writer, backends).
page_writes() { pg_sql "SELECT buffers_checkpoint + buffers_clean + buffers_backend FROM pg_stat_bgwriter"; }
PAGES_START=$(page_writes)

NODE_B_PORT=$(free_port)
ADMIN_B_PORT=$(free_port)
init_relay "$W/node-a" "$RELAY_PORT" "$ADMIN_PORT" \
    --storage "postgresql://sealrelay@127.0.0.1:$PG_PORT/bench" --storage-password-file "$W/db.password"
POW_KEY="$W/node-a/pow.key"
CA="$W/node-a/tls/cert.pem"
"$RELAYD" run --config "$W/node-a/relay.conf" 2>"$W/node-a.log" &
NODE_A_PID=$!
wait_https "$RELAY_PORT" "$CA"
check_accepts "$RELAY_PORT" "$W/node-a.log"
PG_ACCEPTED=1
# The second node: a copy of the first's state directory once it has run (its first start
# made pow.key, which both must share); only its listeners differ.
cp -a "$W/node-a" "$W/node-b"
sed -i -e "s#$W/node-a#$W/node-b#g" -e "s/^listen = .*/listen = 127.0.0.1:$NODE_B_PORT/" \
    -e "s/^admin_listen = .*/admin_listen = 127.0.0.1:$ADMIN_B_PORT/" "$W/node-b/relay.conf"

# pg_load PORTS PID...: warm-up, then the measured run against the nodes PID...; sets LOAD_RESULT,
# LOAD_RELAY (relays' CPU line), LOAD_DB (the cluster's), LOAD_RELAY_US, LOAD_DB_US, LOAD_WAL
# (bytes of WAL per accepted report), LOAD_CKPT (checkpoints during the run).
pg_load() {
    local ports=$1 w0 k0 c0 d0 m0 w1 k1 c1 d1 m1 n
    shift
    run_wrk "$ports" "$WARMUP" >"$W/result"
    PG_ACCEPTED=$((PG_ACCEPTED + $(field accepted "$(<"$W/result")")))
    w0=$(wal_bytes) k0=$(checkpoints)
    c0=$(cpu_ticks "$@") d0=$(pg_ticks) m0=$(machine_ticks)
    run_wrk "$ports" "$SECONDS_RUN" >"$W/result"
    c1=$(cpu_ticks "$@") d1=$(pg_ticks) m1=$(machine_ticks)
    w1=$(wal_bytes) k1=$(checkpoints)
    LOAD_RESULT=$(<"$W/result")
    n=$(field accepted "$LOAD_RESULT")
    PG_ACCEPTED=$((PG_ACCEPTED + n))
    LOAD_RELAY=$(cpu_line $((c1 - c0)) "$m0" "$m1" "$n")
    LOAD_DB=$(cpu_line $((d1 - d0)) "$m0" "$m1" "$n")
    LOAD_RELAY_US=$(cpu_us $((c1 - c0)) "$n")
    LOAD_DB_US=$(cpu_us $((d1 - d0)) "$n")
    LOAD_WAL=$(awk -v w=$((w1 - w0)) -v n="$n" 'BEGIN {printf "%.0f", (n > 0 ? w / n : 0)}')
    LOAD_CKPT=$((k1 - k0))
}
# pg_parallel PORT[,PORT...] PID...: BIG_PARALLEL copies of mid.seal, each its own id (the
# last 16 payload bytes differ, as in post.lua), posted at once, spread over the ports; PID...
# are the nodes. Sets PAR_LINE.
PAR_ROUND=0
pg_parallel() {
    local ports i port pids=() ok=0 w0 w1 c0 c1 d0 d1 t0 t1
    IFS=, read -r -a ports <<<"$1"
    shift
    PAR_ROUND=$((PAR_ROUND + 1))
    for i in $(seq 1 "$BIG_PARALLEL"); do
        cp mid.seal "mid-$i.seal"
        printf '%016d' $((PAR_ROUND * 1000 + i)) | dd of="mid-$i.seal" bs=1 seek=$((MID_SIZE - 16)) conv=notrunc status=none
    done
    w0=$(wal_bytes)
    c0=$(cpu_ticks "$@") d0=$(pg_ticks) t0=$(date +%s.%N)
    for i in $(seq 1 "$BIG_PARALLEL"); do
        port=${ports[$(( (i - 1) % ${#ports[@]} ))]}
        post_once "mid-$i.seal" "$port" >"mid-$i.status" &
        pids+=($!)
    done
    wait "${pids[@]}"
    t1=$(date +%s.%N) c1=$(cpu_ticks "$@") d1=$(pg_ticks)
    w1=$(wal_bytes)
    for i in $(seq 1 "$BIG_PARALLEL"); do
        [ "$(<"mid-$i.status")" != 202 ] || ok=$((ok + 1))
        rm -f "mid-$i.seal" "mid-$i.status"
    done
    PAR_LINE=$(awk -v ok="$ok" -v n="$BIG_PARALLEL" -v a="$t0" -v b="$t1" -v size="$MID_SIZE" -v wal=$((w1 - w0)) \
        -v r=$((c1 - c0)) -v d=$((d1 - d0)) -v hz="$TICK" 'BEGIN {mib = n * size / 1048576;
        printf "%d of %d got 202 in %.2fs = %.1f MiB/s together; WAL %.2f x the bytes; CPU per MiB: relay %.1f ms, PostgreSQL %.1f ms",
            ok, n, b - a, mib / (b - a), wal / (n * size), 1000 * r / hz / mib, 1000 * d / hz / mib}')
}
log "postgresql, one node: ${WARMUP}s warm-up, then ${SECONDS_RUN}s of load"
pg_load "$RELAY_PORT" "$NODE_A_PID"
PG1_RESULT=$LOAD_RESULT PG1_RELAY=$LOAD_RELAY PG1_DB=$LOAD_DB PG1_RELAY_US=$LOAD_RELAY_US PG1_DB_US=$LOAD_DB_US
PG1_WAL=$LOAD_WAL PG1_CKPT=$LOAD_CKPT
log "postgresql, one node: $BIG_PARALLEL ${MID_MIB} MiB envelopes at once"
pg_parallel "$RELAY_PORT" "$NODE_A_PID"
PAR1_LINE=$PAR_LINE

"$RELAYD" run --config "$W/node-b/relay.conf" 2>"$W/node-b.log" &
NODE_B_PID=$!
wait_https "$NODE_B_PORT" "$CA"
check_accepts "$NODE_B_PORT" "$W/node-b.log"
PG_ACCEPTED=$((PG_ACCEPTED + 1))
log "postgresql, two nodes: ${WARMUP}s warm-up, then ${SECONDS_RUN}s of load, $((CLIENTS / 2))+$((CLIENTS - CLIENTS / 2)) connections"
pg_load "$RELAY_PORT,$NODE_B_PORT" "$NODE_A_PID" "$NODE_B_PID"
PG2_RESULT=$LOAD_RESULT PG2_RELAY=$LOAD_RELAY PG2_DB=$LOAD_DB PG2_RELAY_US=$LOAD_RELAY_US PG2_DB_US=$LOAD_DB_US
PG2_WAL=$LOAD_WAL PG2_CKPT=$LOAD_CKPT
log "postgresql, two nodes: $BIG_PARALLEL ${MID_MIB} MiB envelopes at once"
pg_parallel "$RELAY_PORT,$NODE_B_PORT" "$NODE_A_PID" "$NODE_B_PID"
PAR2_LINE=$PAR_LINE
kill -TERM "$NODE_B_PID"
wait "$NODE_B_PID" 2>/dev/null || true
NODE_B_PID=""
PG_ENVELOPES=$(pg_sql "SELECT count(*) FROM envelopes")

log "postgresql: one ${BIG_MIB} MiB envelope into the database"
w0=$(wal_bytes) k0=$(checkpoints)
c0=$(cpu_ticks "$NODE_A_PID") d0=$(pg_ticks)
t0=$(date +%s.%N)
PG_BIG_STATUS=$(post_once big.seal "$RELAY_PORT")
t1=$(date +%s.%N)
c1=$(cpu_ticks "$NODE_A_PID") d1=$(pg_ticks)
w1=$(wal_bytes) k1=$(checkpoints)
PG_BIG_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
PG_BIG_WAL=$((w1 - w0)) PG_BIG_CKPT=$((k1 - k0))
PG_BIG_CPU=$(awk -v r=$((c1 - c0)) -v d=$((d1 - d0)) -v hz="$TICK" -v mib=$((BIG_SIZE >> 20)) \
    'BEGIN {printf "CPU per MiB: relay %.1f ms, PostgreSQL %.1f ms", 1000 * r / hz / mib, 1000 * d / hz / mib}')

# chunked_once FILE PORT: FILE as the page sends a large one: POST /v1/uploads, then PUTs of
# 8 MiB slices (dd reads each from FILE), then complete; prints the completion's HTTP status.
chunked_once() {
    local token="$W/token.$BASHPID" id size offset=0 n
    python3 "$HERE/bench-relay/mint_tokens.py" "$POW_KEY" 1 "$token"
    id=$(curl -s --cacert "$CA" -X POST -H "Seal-PoW: $(<"$token")" "https://127.0.0.1:$2/v1/uploads" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["upload"])')
    rm -f "$token"
    size=$(stat -c %s "$1")
    while [ "$offset" -lt "$size" ]; do
        n=$(( size - offset < (8 << 20) ? size - offset : (8 << 20) ))
        dd if="$1" of="$W/slice" bs=1M iflag=skip_bytes,count_bytes skip="$offset" count="$n" status=none
        curl -s -o /dev/null --cacert "$CA" -X PUT -H "Upload-Offset: $offset" -H 'Content-Type: application/octet-stream' -H 'Expect:' \
            --data-binary @"$W/slice" "https://127.0.0.1:$2/v1/uploads/$id"
        offset=$((offset + n))
    done
    rm -f "$W/slice"
    curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" -X POST "https://127.0.0.1:$2/v1/uploads/$id/complete"
}
# The same envelope again as a chunked upload, its id changed as in pg_parallel: its bytes
# wait in the database between slices (upload_chunks), so the node's memory must stay flat.
log "postgresql: one ${BIG_MIB} MiB envelope as a chunked upload, RSS sampled"
printf '%016d' 999999 | dd of=big.seal bs=1 seek=$((BIG_SIZE - 16)) conv=notrunc status=none
sleep 1
echo 5 >"/proc/$NODE_A_PID/clear_refs"  # VmHWM starts again from the RSS of now
PG_CHUNKED_BEFORE=$(kib VmRSS "$NODE_A_PID")
t0=$(date +%s.%N)
PG_CHUNKED_STATUS=$(chunked_once big.seal "$RELAY_PORT")
t1=$(date +%s.%N)
PG_CHUNKED_HWM=$(kib VmHWM "$NODE_A_PID")
PG_CHUNKED_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
PG_DB_MIB=$(pg_sql "SELECT pg_database_size('bench') / 1048576")
kill -TERM "$NODE_A_PID"
wait "$NODE_A_PID" 2>/dev/null || true
NODE_A_PID=""
rm -f big.seal mid.seal

# What the bytes' whole life costs the database. Once every reviewer acknowledged an envelope
# the relay deletes its row, and its chunks with it (ON DELETE CASCADE): here everything at
# once, as SQL, after a checkpoint (the first change to a page after one writes the whole page
# to WAL, as it would in steady operation), then, after another (autovacuum comes later), the
# VACUUM that makes the space reusable; a checkpoint after each step writes its pages.
log "postgresql: deleting everything the database holds, then VACUUM"
PG_HELD=$(pg_sql "SELECT coalesce(sum(size), 0) FROM envelopes")
pg_sql "CHECKPOINT"
p0=$(page_writes) w0=$(wal_bytes)
pg_sql "DELETE FROM envelopes"
pg_sql "CHECKPOINT"
p1=$(page_writes) w1=$(wal_bytes)
pg_sql "VACUUM chunks"
pg_sql "CHECKPOINT"
p2=$(page_writes) w2=$(wal_bytes)
PG_DELETE_LINE=$(awk -v held="$PG_HELD" -v d=$((w1 - w0)) -v v=$((w2 - w1)) \
    -v pi=$((p0 - PAGES_START)) -v pd=$((p1 - p0)) -v pv=$((p2 - p1)) \
    'BEGIN {printf "%.0f MiB held; WAL of the DELETE %.2f x those bytes, of the VACUUM %.2f x;\n", held / 1048576, d / held, v / held;
        printf "  table pages written, x those bytes: %.2f for the inserts, %.2f for the DELETE, %.2f for the VACUUM",
            8192 * pi / held, 8192 * pd / held, 8192 * pv / held}')

# --- figures -------------------------------------------------------------------------------------
rate() { awk -v n="$(field accepted "$1")" -v us="$(field duration_us "$1")" 'BEGIN {printf "%.1f", n / (us / 1e6)}'; }
ms() { awk -v us="$(field "$1" "$2")" 'BEGIN {printf "%.1f", us / 1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
RELAY_RATE=$(rate "$RELAY_RESULT")
NGINX_RATE=$(rate "$NGINX_RESULT")
PG1_RATE=$(rate "$PG1_RESULT")
PG2_RATE=$(rate "$PG2_RESULT")
PG1_US=$((PG1_RELAY_US + PG1_DB_US))
PG2_US=$((PG2_RELAY_US + PG2_DB_US))
mibs() { awk -v b="$1" -v s="$2" 'BEGIN {if (s > 0) printf "%.1f", b / 1048576 / s; else print "n/a"}'; }
# row LABEL RESULT CPU_US CPU_WHOSE: one line of the summary table.
row() {
    printf '%-28s %9s %8s %8s %8s %-24s %8s %8s\n' "$1" "$(rate "$2")" "$(ms p50_us "$2")" "$(ms p99_us "$2")" "$3" "$4" \
        "$(ratio "$(rate "$2")" "$NGINX_RATE")" "$(ratio "$3" "$NGINX_US")"
}
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
pg, 1 node:  $(describe "$PG1_RESULT")
             relay CPU: $PG1_RELAY
             PostgreSQL CPU: $PG1_DB
             WAL: $PG1_WAL bytes per report ($(ratio "$PG1_WAL" "$size") x the envelope), $PG1_CKPT checkpoints during the run
pg, 2 nodes: $(describe "$PG2_RESULT")
             relays' CPU (both nodes): $PG2_RELAY
             PostgreSQL CPU: $PG2_DB
             WAL: $PG2_WAL bytes per report ($(ratio "$PG2_WAL" "$size") x the envelope), $PG2_CKPT checkpoints during the run
             (PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'): $PG_SETTINGS; the relay sets synchronous_commit = on;
             database on the spool disk, over TCP loopback; two wrk runs of $((CLIENTS / 2))+$((CLIENTS - CLIENTS / 2)) connections, one per node, summed)
             envelopes in the database after both runs: $PG_ENVELOPES ($PG_ACCEPTED counted as accepted, warm-ups included;
             wrk does not count the requests still in flight when it stops, which the relay stores all the same)
fsync bound: $F1/s with 1 writer, $FN/s with $CLIENTS writers (write 64 KiB + fsync + rename + fsync dir;
             mean of before/after the relay's run: ${FSYNC_BEFORE% *}/${FSYNC_AFTER% *} and ${FSYNC_BEFORE#* }/${FSYNC_AFTER#* })

relay / nginx:              $(ratio "$RELAY_RATE" "$NGINX_RATE")
pg 1 node / nginx:          $(ratio "$PG1_RATE" "$NGINX_RATE")   (issue 16's goal: at least 0.5)
pg 2 nodes / nginx:         $(ratio "$PG2_RATE" "$NGINX_RATE");  2 nodes / 1 node: $(ratio "$PG2_RATE" "$PG1_RATE")
relay / fsync (1 writer):   $(ratio "$RELAY_RATE" "$F1")
relay / fsync ($CLIENTS writers): $(ratio "$RELAY_RATE" "$FN")

relay RSS idle:             $(mib "$IDLE_RSS") MiB (VmHWM so far $(mib "$IDLE_HWM") MiB)
relay RSS, ${BIG_MIB} MiB upload: status $BIG_STATUS in ${BIG_SECS}s ($BIG_SIZE bytes); peak sampled VmRSS $(mib "$BIG_RSS_MAX") MiB, VmHWM $(mib "$BIG_HWM") MiB
                            = $(mib $((BIG_HWM - IDLE_RSS))) MiB above idle (VmHWM - idle VmRSS)
relay RSS after the load:   $(mib "$AFTER_RSS") MiB

big envelope, ${BIG_MIB} MiB ($BIG_SIZE bytes), one POST each (curl over TLS, stream to the node's partial file, then stored):
  file spool:               $BIG_STATUS in ${BIG_SECS}s = $(mibs "$BIG_SIZE" "$BIG_SECS") MiB/s
  PostgreSQL (1 MiB bytea): $PG_BIG_STATUS in ${PG_BIG_SECS}s = $(mibs "$BIG_SIZE" "$PG_BIG_SECS") MiB/s; WAL $(mib $((PG_BIG_WAL / 1024))) MiB ($(ratio "$PG_BIG_WAL" "$BIG_SIZE") x the envelope), $PG_BIG_CKPT checkpoints; $PG_BIG_CPU
  PostgreSQL, $BIG_PARALLEL x ${MID_MIB} MiB ($MID_SIZE bytes each) at once, to one node: $PAR1_LINE
                                        spread over two nodes: $PAR2_LINE
  PostgreSQL, as a chunked upload of 8 MiB slices: $PG_CHUNKED_STATUS in ${PG_CHUNKED_SECS}s = $(mibs "$BIG_SIZE" "$PG_CHUNKED_SECS") MiB/s;
                            node RSS $(mib "$PG_CHUNKED_BEFORE") MiB before, peak (VmHWM) $(mib "$PG_CHUNKED_HWM") MiB = $(mib $((PG_CHUNKED_HWM - PG_CHUNKED_BEFORE))) MiB above
  database size at the end: $PG_DB_MIB MiB
  deleting it all (as acknowledgements do) after a checkpoint: $PG_DELETE_LINE

summary (CPU per report: the server's processes; for PostgreSQL, relay nodes + the whole cluster)
$(printf '%-28s %9s %8s %8s %8s %-24s %8s %8s' configuration reports/s "p50 ms" "p99 ms" "CPU us" "(whose)" "/nginx" "CPU/nginx")
$(row "nginx, body to file" "$NGINX_RESULT" "$NGINX_US" "nginx")
$(row "relay, file spool" "$RELAY_RESULT" "$RELAY_US" "relay")
$(row "relay, PostgreSQL, 1 node" "$PG1_RESULT" "$PG1_US" "relay $PG1_RELAY_US + pg $PG1_DB_US")
$(row "relay, PostgreSQL, 2 nodes" "$PG2_RESULT" "$PG2_US" "relays $PG2_RELAY_US + pg $PG2_DB_US")
load average: $LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (the load generator runs here too; the machine may be shared)
EOF
