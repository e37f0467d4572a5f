#!/usr/bin/env bash
# What the relay's quota check costs on PostgreSQL against a spool of N envelopes (default
# 1,000,000: a day at the load of Deploy/postgresql.md "Capacity"), in a throwaway cluster:
# a count of every envelope, as before migration 4, against the 16 rows of `usage` that
# `PostgresSpool.usage` reads now (Sources/SealRelay/Spool/PostgresSchema.swift). pgbench, one
# client, 10 s each; only the rows the check reads are made (no chunks).
#
#   bash scripts/bench-relay/quota_check.sh [N]
set -euo pipefail
N=${1:-1000000}
PG_BIN=/usr/lib/postgresql/15/bin
W=$(mktemp -d "${TMPDIR:-/tmp}/quota-check.XXXXXX")
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" -eq 0 ]; then chown postgres "$W"; fi
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_postgres "$PG_BIN/initdb" -D "$W/data" --no-sync -E UTF8 --locale=C >/dev/null
as_postgres "$PG_BIN/pg_ctl" -D "$W/data" -l "$W/log" -w -o "-p $PORT -k $W -c listen_addresses=''" start >/dev/null
trap 'as_postgres "$PG_BIN/pg_ctl" -D "$W/data" -m immediate stop >/dev/null; rm -rf "$W"' EXIT
q() { as_postgres "$PG_BIN/psql" -X -q -At -h "$W" -p "$PORT" -d postgres -c "$1"; }
q "CREATE TABLE envelopes (blob text PRIMARY KEY, id text NOT NULL, mailbox text, size bigint NOT NULL,
   expiry_day integer NOT NULL, receipt bytea)"
q "INSERT INTO envelopes SELECT md5(g::text), md5((g + 1)::text), NULL, 65333, 20500, decode(repeat('ab', 120), 'hex')
   FROM generate_series(1, $N) g"
q "CREATE TABLE usage (shard integer PRIMARY KEY, envelopes bigint NOT NULL, bytes bigint NOT NULL)"
q "INSERT INTO usage SELECT s, 0, 0 FROM generate_series(0, 15) s"
q "UPDATE usage SET envelopes = t.c, bytes = t.b FROM (SELECT count(*) AS c, sum(size) AS b FROM envelopes) AS t WHERE shard = 0"
q "VACUUM ANALYZE"
echo "quota check against $N envelopes (PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'), pgbench, 1 client, 10 s):"
declare -A latency
for name in count usage; do
    case $name in
        count) sql="SELECT count(*), coalesce(sum(size), 0)::bigint FROM envelopes" ;;
        usage) sql="SELECT coalesce(sum(envelopes), 0)::bigint, coalesce(sum(bytes), 0)::bigint FROM usage" ;;
    esac
    echo "$sql" >"$W/$name.sql"
    latency[$name]=$(as_postgres "$PG_BIN/pgbench" -n -h "$W" -p "$PORT" -T 10 -c 1 -f "$W/$name.sql" postgres 2>&1 |
        awk '/latency average/ {print $4}')
    echo "  $name: ${latency[$name]} ms per check ($sql)"
done
awk -v a="${latency[count]}" -v b="${latency[usage]}" 'BEGIN {printf "  count / usage: %.0f x\n", a / b}'
