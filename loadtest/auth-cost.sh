#!/usr/bin/env bash
# The cost of authentication (and the rate limiter) on the single-key GET fast path: two SSOT
# servers side by side in one run, one with auth on (the default: bearer token checked, read
# bucket charged) and one with auth.enabled=false, each pinned to core 1 with one event loop;
# wrk (HTTP/1.1, 64 connections, the same token header to both) on core 0; a warm-up, then three
# interleaved measured runs each. Prints req/s, p50/p99 and server CPU time per request.
#
#   loadtest/auth-cost.sh [duration=20s] [authPort=18093] [openPort=18094]
#
# Builds nothing: needs target/ssot.jar (mvn -q -DskipTests package), wrk, taskset, curl.
set -euo pipefail
cd "$(dirname "$0")/.."
. loadtest/bench-env.sh   # the token, and rate limits far above the load
SECS=${1:-20s}; SECS=${SECS%s}
AUTH_PORT=${2:-18093}
OPEN_PORT=${3:-18094}
KEY_PATH=/v1/kv/payments/prod/db
VALUE='{"pool":{"min":4,"max":32},"timeoutMs":2500,"url":"pg://db-1.internal:5432/app","ssl":true,"replicas":["db-2.internal","db-3.internal"]}'
[ -f target/ssot.jar ] || { echo "missing target/ssot.jar: mvn -q -DskipTests package" >&2; exit 2; }

DIR=$(mktemp -d /tmp/ssot-authcost.XXXXXX)
PIDS=
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$DIR"; }
trap cleanup EXIT
start() { # start <port> <auth.enabled>
  SSOT_HTTP_PORT=$1 SSOT_DATA_DIR="$DIR/data-$1" SSOT_HTTP_EVENT_LOOPS=1 SSOT_AUTH_ENABLED=$2 \
    taskset -c 1 java -jar target/ssot.jar > "$DIR/ssot-$1.log" 2>&1 &
  PIDS="$PIDS $!"
  eval "PID_$1=$!"
  until curl -sf -o /dev/null "http://127.0.0.1:$1/health/ready"; do sleep 0.1; done
  curl -H "$AUTH" -sf -X PUT "http://127.0.0.1:$1$KEY_PATH" -H 'Content-Type: application/json' -d "$VALUE" > /dev/null
}
start "$AUTH_PORT" true
start "$OPEN_PORT" false
echo "$(date -u +%FT%TZ) on $(nproc) cores, ${SECS}s per run"
TICK_HZ=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
run() { # run <label> <port>: one wrk run, appends "label rps p99 cpu-us/req"
  local pid t0 out=$DIR/out
  eval "pid=\$PID_$2"
  t0=$(ticks "$pid")
  taskset -c 0 wrk -H "$AUTH" -t1 -c64 -d"$SECS"s --latency "http://127.0.0.1:$2$KEY_PATH" > "$out"
  grep -qE "Non-2xx|Socket errors" "$out" && echo "WARNING $1: $(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' ')" >&2
  awk -v label="$1" -v t0="$t0" -v t1="$(ticks "$pid")" -v hz="$TICK_HZ" '
    /requests in/ { n = $1 } /^Requests\/sec:/ { rps = $2 } $1 == "99%" { p99 = $2 }
    END { printf "%s %.0f %s %.2f\n", label, rps, p99, (t1 - t0) * 1e6 / hz / n }' "$out" | tee -a "$DIR/results"
}
echo "== warm-up"; run warmup "$AUTH_PORT" > /dev/null; run warmup "$OPEN_PORT" > /dev/null
for i in 1 2 3; do echo "== run $i"; run auth-on "$AUTH_PORT"; run auth-off "$OPEN_PORT"; done
echo
for label in auth-on auth-off; do
  awk -v l="$label" '$1 == l { print $2, $4 }' "$DIR/results" | sort -n | sed -n 2p \
    | awk -v l="$label" '{ printf "%-9s median req/s %8d   CPU us/req (of that run) %6.2f\n", l, $1, $2 }'
done
on=$(awk '$1 == "auth-on" { print $2 }' "$DIR/results" | sort -n | sed -n 2p)
off=$(awk '$1 == "auth-off" { print $2 }' "$DIR/results" | sort -n | sed -n 2p)
awk -v a="$on" -v b="$off" 'BEGIN { printf "auth on / auth off throughput: %.1f%%\n", 100 * a / b }'
