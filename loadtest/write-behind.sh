#!/usr/bin/env bash
# Write figures with PostgreSQL write-behind, against a fresh database and data directory:
#   1. local-durability PUT throughput (wrk, 64 connections) with the write-behind running, and
#      the write-behind's sustained throughput to PostgreSQL (history rows/s) over the same time;
#   2. write-behind lag p50/p99 at a steady 10,000 writes/s for 60 s (h2load --rps, POST /v1/txn);
#   3. durability=sync PUT throughput (wrk, 64 connections; group commit through PostgreSQL).
#
#   loadtest/write-behind.sh [duration=20s] [lagSeconds=60]
# Needs target/ssot.jar, a PostgreSQL at 127.0.0.1:5432 (user postgres), wrk, h2load and psql.
set -euo pipefail
cd "$(dirname "$0")/.."
. loadtest/bench-env.sh   # the token, and rate limits far above the load
DURATION=${1:-20s}
LAG_SECONDS=${2:-60}
PORT=18082
DB=ssot_bench_$$
DIR=$(mktemp -d /tmp/ssot-wb.XXXXXX)
B=http://127.0.0.1:$PORT
export PGOPTIONS="-c client_min_messages=warning"
PSQL="psql -h 127.0.0.1 -U postgres -qtA"
PID=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  $PSQL -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT

start_server() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  rm -rf "$DIR/data"
  $PSQL -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
  SSOT_HTTP_PORT=$PORT SSOT_DATA_DIR="$DIR/data" SSOT_PG_URL="postgresql://postgres@127.0.0.1:5432/$DB" \
    java -jar target/ssot.jar > "$DIR/server.log" 2>&1 &
  PID=$!
  until curl -sf -o /dev/null "$B/health/ready"; do sleep 0.1; done
}
persisted() { $PSQL -d "$DB" -c "SELECT persisted_revision FROM ssot_state"; }
rows() { $PSQL -d "$DB" -c "SELECT count(*) FROM ssot_history"; }
now_ms() { date +%s%3N; }

echo "== 1. local-durability PUT with write-behind running ($DURATION)"
start_server
wrk -H "$AUTH" -t1 -c64 -d5s -s loadtest/put.lua "$B/v1/kv" > /dev/null   # warm-up
R0=$(rows); T0=$(now_ms)
wrk -H "$AUTH" -t1 -c64 -d"$DURATION" --latency -s loadtest/put.lua "$B/v1/kv" | grep -E "Requests/sec|50%|99%|Non-2xx"
R1=$(rows); T1=$(now_ms)
echo "write-behind during the run: $(( (R1 - R0) * 1000 / (T1 - T0) )) history rows/s"
until [ "$(curl -s "$B/health/ready" | grep -o '"outboxDepth":[0-9]*' | cut -d: -f2)" = "0" ]; do sleep 0.1; done
T2=$(now_ms); R2=$(rows)
echo "backlog drained $(( T2 - T1 )) ms after the run; overall $(( (R2 - R0) * 1000 / (T2 - T0) )) rows/s"

echo "== 2. write-behind lag at 10,000 writes/s for ${LAG_SECONDS}s"
start_server
echo '{"success":[{"op":"put","key":"bench/lag","value":{"n":1,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}]}' > "$DIR/txn.json"
h2load -H "$AUTH" -c10 -m1 --rps=1000 -D"$LAG_SECONDS" -d "$DIR/txn.json" -H 'Content-Type: application/json' \
  "$B/v1/txn" | grep -E "finished in|requests:|status codes"
curl -s "$B/metrics" | grep -E '^ssot_writebehind_lag_seconds(\{|_count|_max)'

echo "== 3. durability=sync PUT ($DURATION)"
start_server
wrk -H "$AUTH" -t1 -c64 -d5s -s loadtest/put.lua "$B/v1/kv?durability=sync" > /dev/null
wrk -H "$AUTH" -t1 -c64 -d"$DURATION" --latency -s loadtest/put.lua "$B/v1/kv?durability=sync" \
  | grep -E "Requests/sec|50%|99%|Non-2xx"
echo "rows in PostgreSQL: $(rows), persisted revision $(persisted)"
