#!/usr/bin/env bash
# First throughput figures for single-key GET: wrk (HTTP/1.1, 64 connections) and h2load (h2c,
# 64 connections x 10 streams) against a server started here, pinned to core 1 with the load
# generator on core 0. Not the ceiling comparison (that is the performance suite's job).
#
#   loadtest/get-baseline.sh [duration=20s] [port=18081]
# Needs target/ssot.jar, wrk and h2load (Debian: apt-get install wrk nghttp2-client).
set -euo pipefail
cd "$(dirname "$0")/.."
. loadtest/bench-env.sh   # the token, and rate limits far above the load
DURATION=${1:-20s}
PORT=${2:-18081}
DIR=$(mktemp -d /tmp/ssot-get.XXXXXX)
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DIR"' EXIT

SSOT_HTTP_PORT=$PORT SSOT_DATA_DIR="$DIR/data" SSOT_HTTP_EVENT_LOOPS=1 \
  taskset -c 1 java -jar target/ssot.jar > "$DIR/server.log" 2>&1 &
PID=$!
B=http://127.0.0.1:$PORT
until curl -sf -o /dev/null "$B/health/live"; do sleep 0.05; done
curl -H "$AUTH" -sf -X PUT "$B/v1/kv/payments/prod/db" -H 'Content-Type: application/json' \
  -d '{"pool":{"min":4,"max":32},"timeoutMs":2500,"url":"pg://db-1.internal:5432/app","ssl":true}' > /dev/null

echo "== warm-up"
taskset -c 0 wrk -H "$AUTH" -t1 -c64 -d10s "$B/v1/kv/payments/prod/db" > /dev/null
echo "== wrk, HTTP/1.1, 64 connections, GET /v1/kv/payments/prod/db"
taskset -c 0 wrk -H "$AUTH" -t1 -c64 -d"$DURATION" --latency "$B/v1/kv/payments/prod/db"
echo "== wrk, HTTP/1.1, 64 connections, GET ?raw=true"
taskset -c 0 wrk -H "$AUTH" -t1 -c64 -d"$DURATION" --latency "$B/v1/kv/payments/prod/db?raw=true"
echo "== h2load, h2c, 64 connections x 10 streams, GET /v1/kv/payments/prod/db"
taskset -c 0 h2load -H "$AUTH" -c64 -m10 -D"${DURATION%s}" "$B/v1/kv/payments/prod/db" | grep -E "requests:|finished in|status codes|time for request|req/s"
