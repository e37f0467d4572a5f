#!/usr/bin/env bash
# Relay-network benchmark (issue 15): prints figures, never asserts on speed.
#
#   scripts/bench-network.sh RELAYD_BINARY SEAL_BINARY
#
# A home relay and an edge relay (role = edge, the home's self-signed certificate pinned as
# upstream_ca) on loopback, TLS 1.3, as docs/ARCHITECTURE.md "Relay network" describes.
#   1. Reports per second: BENCH_REPORTS envelopes made in advance with `seal encrypt`, sent
#      by one `seal submit --envelope …` process (each with its own proof of work, at the
#      lowest difficulty on both relays) straight to the home, then as many others to the
#      edge; the ratio edge/home comes from this one run.
#   2. The added latency to the reviewer's inbox: from the edge's last 202 until `seal fetch`
#      at the home has every report sent to the edge (forward_interval = BENCH_INTERVAL,
#      each round at the interval plus or minus half of it).
#   3. The edge's RSS: idle, and its peak while it receives and then forwards one
#      BENCH_BIG_MIB envelope (sampled every 0.1 s until the envelope left its spool).
# Needs: curl, python3. Environment: BENCH_REPORTS (40), BENCH_INTERVAL (5), BENCH_BIG_MIB (1024),
# BENCH_DIR (default $TMPDIR or /tmp).
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 RELAYD_BINARY SEAL_BINARY" >&2
    exit 2
fi
abspath() { (cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")"); }
RELAYD=$(abspath "$1")
SEAL=$(abspath "$2")
REPORTS=${BENCH_REPORTS:-40}
INTERVAL=${BENCH_INTERVAL:-5}
BIG_MIB=${BENCH_BIG_MIB:-1024}
for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "bench-network: $tool not found" >&2; exit 1; }
done

W=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/bench-network.XXXXXX")
HOME_PID="" EDGE_PID=""
cleanup() {
    local pid
    for pid in $HOME_PID $EDGE_PID; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in $HOME_PID $EDGE_PID; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '%s\n' "$*" >&2; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
kib() { awk '/^'"$1"':/ {print $2}' "/proc/$2/status"; }
now() { date +%s.%N; }
wait_https() {
    local _
    for _ in $(seq 1 300); do
        if curl -s -o /dev/null --cacert "$2" "https://127.0.0.1:$1/v1/bundle"; then return 0; fi
        sleep 0.1
    done
    echo "bench-network: nothing answered on 127.0.0.1:$1" >&2
    return 1
}
# set_key FILE KEY VALUE
set_key() { sed -i "/^$2 = /d" "$1"; echo "$2 = $3" >>"$1"; }

export SEAL_STATE_DIR="$W/seal-state"
cd "$W"
HOME_PORT=$(free_port)
EDGE_PORT=$(free_port)
HOME_URL="https://127.0.0.1:$HOME_PORT"
EDGE_URL="https://127.0.0.1:$EDGE_PORT"

log "setting up keys, bundle and envelopes in $W"
"$SEAL" org keygen --out org --no-passphrase >/dev/null
FP=$("$SEAL" fingerprint org/org.pub | awk '/^hex:/ {print $2}')
"$SEAL" keygen --name alice --out reviewers --no-passphrase >/dev/null
"$SEAL" credential new --name alice --out reviewers >/dev/null
"$SEAL" org bundle --org-key org/org.seckey --reviewer reviewers/alice.pub \
    --relay-url "$EDGE_URL" --relay-url "$HOME_URL" --valid-days 30 --out bundle.json >/dev/null
mkdir -p direct edged
for i in $(seq 1 "$REPORTS"); do
    for dir in direct edged; do
        "$SEAL" encrypt --bundle bundle.json --org-fingerprint "$FP" --message "benchmark report $dir $i" \
            --codename-file "$W/codename.txt" --out "$dir/$i.seal" >/dev/null 2>&1
    done
done
head -c $((BIG_MIB << 20)) /dev/zero >"$W/big.bin"
"$SEAL" encrypt --bundle bundle.json --org-fingerprint "$FP" --message "big" --attach "$W/big.bin" \
    --allow-unscrubbed "$W/big.bin" --codename-file "$W/codename.txt" --out big.seal >/dev/null 2>&1
rm -f "$W/big.bin"

"$RELAYD" init --dir "$W/home" --bundle bundle.json --reviewer-credential reviewers/alice.fetch.pub \
    --listen "127.0.0.1:$HOME_PORT" --hostname 127.0.0.1 >/dev/null
CA="$W/home/tls/cert.pem"
"$RELAYD" init --dir "$W/edge" --bundle bundle.json --listen "127.0.0.1:$EDGE_PORT" --hostname 127.0.0.1 \
    --tls-certificate "$CA" --tls-key "$W/home/tls/key.pem" \
    --role edge --upstream "$HOME_URL" --upstream-ca "$CA" >/dev/null
"$RELAYD" edge allow --config "$W/home/relay.conf" "$W/edge/relay.pub" >/dev/null
for side in home edge; do
    set_key "$W/$side/relay.conf" admin_listen "127.0.0.1:$(free_port)"
    set_key "$W/$side/relay.conf" pow_bits 1
    set_key "$W/$side/relay.conf" pow_max_bits 1
    set_key "$W/$side/relay.conf" forward_interval "$INTERVAL"
done
"$RELAYD" run --config "$W/home/relay.conf" 2>"$W/home.log" &
HOME_PID=$!
wait_https "$HOME_PORT" "$CA"
"$RELAYD" run --config "$W/edge/relay.conf" 2>"$W/edge.log" &
EDGE_PID=$!
wait_https "$EDGE_PORT" "$CA"

# submit URL DIR: every envelope of DIR in one seal process; prints the seconds it took.
submit() {
    local t0 t1
    t0=$(now)
    "$SEAL" submit --relay "$1" --org-fingerprint "$FP" --ca "$CA" $(for f in "$2"/*.seal; do printf -- '--envelope %s ' "$f"; done) >/dev/null
    t1=$(now)
    python3 -c "print(f'{$t1 - $t0:.3f}')"
}
log "sending $REPORTS reports straight to the home, then $REPORTS to the edge"
DIRECT=$(submit "$HOME_URL" direct)
EDGED=$(submit "$EDGE_URL" edged)
SENT=$(now)
# Everything sent straight is in the inbox already; wait for the edge's batch to arrive.
mkdir -p inbox
want=$((2 * REPORTS))
while :; do
    "$SEAL" fetch --relay "$HOME_URL" --credential reviewers/alice.fetch.seckey --ca "$CA" --out inbox >/dev/null 2>&1 || true
    [ "$(ls inbox | grep -c '\.seal$')" -ge "$want" ] && break
    sleep 0.2
done
ARRIVED=$(now)

EDGE_IDLE=$(kib VmRSS "$EDGE_PID")
log "sending one $BIG_MIB MiB envelope to the edge and sampling its RSS until it was forwarded"
peak=0
( "$SEAL" submit --relay "$EDGE_URL" --org-fingerprint "$FP" --ca "$CA" --envelope big.seal >/dev/null ) &
SUBMIT_PID=$!
while :; do
    rss=$(kib VmRSS "$EDGE_PID")
    [ "$rss" -gt "$peak" ] && peak=$rss
    if ! kill -0 "$SUBMIT_PID" 2>/dev/null && [ -z "$(ls "$W/edge/spool/envelopes" | grep '\.seal$' || true)" ]; then break; fi
    sleep 0.1
done
wait "$SUBMIT_PID"
HOME_HAS=$(ls "$W/home/spool/envelopes" | grep -c '\.seal$' || true)

python3 - "$REPORTS" "$DIRECT" "$EDGED" "$SENT" "$ARRIVED" "$INTERVAL" "$EDGE_IDLE" "$peak" "$BIG_MIB" "$HOME_HAS" <<'PY'
import sys
n, direct, edged, sent, arrived, interval, idle, peak, big, home_has = sys.argv[1:]
n = int(n); direct = float(direct); edged = float(edged)
print(f"reports/s straight to the home: {n / direct:.1f}  ({n} reports in {direct:.2f} s, one seal process)")
print(f"reports/s through the edge:     {n / edged:.1f}  ({n} reports in {edged:.2f} s)")
print(f"edge/home ratio:                {direct / edged:.2f}  (goal: at least 0.5)")
print(f"added latency to the inbox:     {float(arrived) - float(sent):.1f} s after the edge's last 202 (forward_interval {interval} s, each round ± half)")
print(f"edge RSS idle:                  {int(idle) / 1024:.0f} MiB")
print(f"edge RSS peak, {big} MiB envelope received and forwarded: {int(peak) / 1024:.0f} MiB (home now holds {home_has} envelope files)")
PY
