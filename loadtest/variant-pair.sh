#!/usr/bin/env bash
# Single-key GET throughput and server CPU per request of two server variants (two jars, or one
# jar with two sets of settings), measured in alternating rounds so that drift of the machine
# falls on both alike. Both servers run at once, each pinned to core 1 with one event loop (an
# idle one costs nothing), the load generator on core 0; each round runs wrk (HTTP/1.1, 64
# connections) and h2load (h2c, 64 connections x 10 streams) against each variant in turn, over
# one hot key, sending Accept-Encoding: gzip (a compressing server sees what a browser sends).
#
#   loadtest/variant-pair.sh ROUNDS DURATION NAME_A JAR_A "SETTINGS_A" NAME_B JAR_B "SETTINGS_B"
#   e.g. loadtest/variant-pair.sh 5 10s main /tmp/main.jar "" branch target/ssot.jar "SSOT_HTTP_COMPRESSION=false"
# SETTINGS are space-separated NAME=value environment settings for that variant only. Prints
# per round and the median of each: requests/s and server CPU microseconds per request (user +
# system, from /proc), and the ratio B/A of the medians. Needs wrk and h2load.
set -euo pipefail
cd "$(dirname "$0")/.."
. loadtest/bench-env.sh
ROUNDS=$1 DURATION=$2
NAMES=("$3" "$6") JARS=("$4" "$7") SETTINGS=("$5" "$8") PORTS=(18481 18482)
DIR=$(mktemp -d /tmp/ssot-variants.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$DIR"; }
trap cleanup EXIT
KEY=/v1/kv/payments/prod/db
for i in 0 1; do
  # In $DIR: a conf/ssot.yaml of this checkout may name settings an older jar does not know.
  JAR=$(realpath "${JARS[$i]}")
  # shellcheck disable=SC2086 # SETTINGS is a list of NAME=value
  (cd "$DIR" && exec env SSOT_HTTP_PORT=${PORTS[$i]} SSOT_DATA_DIR="$DIR/data$i" SSOT_HTTP_EVENT_LOOPS=1 ${SETTINGS[$i]} \
    taskset -c 1 java -jar "$JAR" > "$DIR/server$i.log" 2>&1) &
  PIDS+=($!)
done
for i in 0 1; do
  B=http://127.0.0.1:${PORTS[$i]}
  until curl -sf -o /dev/null "$B/health/live"; do
    kill -0 "${PIDS[$i]}" 2>/dev/null || { echo "${NAMES[$i]} did not start:"; cat "$DIR/server$i.log"; exit 1; }
    sleep 0.1
  done
  curl -H "$AUTH" -sf -X PUT "$B$KEY" -H 'Content-Type: application/json' \
    -d '{"pool":{"min":4,"max":32},"timeoutMs":2500,"url":"pg://db-1.internal:5432/app","ssl":true}' > /dev/null
  taskset -c 0 wrk -H "$AUTH" -H 'Accept-Encoding: gzip' -t1 -c64 -d10s "$B$KEY" > /dev/null # warm-up
done
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK=$(getconf CLK_TCK)
# One measure: prints "requests/s cpu-us-per-request".
measure() { # tool index
  local B=http://127.0.0.1:${PORTS[$2]} before after out requests seconds
  before=$(cpu_ticks "${PIDS[$2]}")
  if [ "$1" = wrk ]; then
    out=$(taskset -c 0 wrk -H "$AUTH" -H 'Accept-Encoding: gzip' -t1 -c64 -d"$DURATION" "$B$KEY")
    requests=$(echo "$out" | awk '/requests in/ {print $1}')
    if echo "$out" | grep -q "Non-2xx"; then echo "$out" >&2; exit 1; fi
    seconds=$(echo "$out" | awk '/requests in/ {sub(/s,/, "", $4); print $4}')
  else
    out=$(taskset -c 0 h2load -H "$AUTH" -H 'Accept-Encoding: gzip' -c64 -m10 -D"${DURATION%s}" "$B$KEY")
    requests=$(echo "$out" | awk '/^status codes:/ {print $3}') # 2xx answers only
    seconds=$(echo "$out" | awk '/^finished in/ {sub(/s,/, "", $3); print $3}')
  fi
  after=$(cpu_ticks "${PIDS[$2]}")
  awk -v r="$requests" -v s="$seconds" -v c=$((after - before)) -v t="$TICK" \
    'BEGIN {printf "%.0f %.2f\n", r / s, c / t * 1e6 / r}'
}
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
for tool in wrk h2load; do
  : > "$DIR/$tool.0"; : > "$DIR/$tool.1"
done
for round in $(seq 1 "$ROUNDS"); do
  for tool in wrk h2load; do
    for i in 0 1; do
      m=$(measure $tool $i)
      echo "$m" >> "$DIR/$tool.$i"
      echo "round $round $tool ${NAMES[$i]}: $m (req/s, server CPU us/request)"
    done
  done
done
for tool in wrk h2load; do
  for i in 0 1; do
    rps[$i]=$(cut -d' ' -f1 "$DIR/$tool.$i" | median)
    cpu[$i]=$(cut -d' ' -f2 "$DIR/$tool.$i" | median)
    echo "$tool ${NAMES[$i]}: median ${rps[$i]} req/s, ${cpu[$i]} us CPU/request"
  done
  awk -v a="${rps[0]}" -v b="${rps[1]}" -v ca="${cpu[0]}" -v cb="${cpu[1]}" -v na="${NAMES[0]}" -v nb="${NAMES[1]}" -v t=$tool \
    'BEGIN {printf "%s %s/%s: throughput ratio %.3f, CPU per request ratio %.3f\n", t, nb, na, b / a, cb / ca}'
done
