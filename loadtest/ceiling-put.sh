#!/usr/bin/env bash
# The write ceiling run: PUT ?durability=local on SSOT side by side with a bare Vert.x server that
# reads each PUT's whole body and answers a fixed body of the size of SSOT's PUT answer, with the
# same headers (io.ssot.bench.BareVertxServer, built from the project's own code), in one run on
# this machine. Both servers are pinned to core 1 (one event loop each), wrk to core 0 (HTTP/1.1,
# 1 thread, 64 connections, --latency) with loadtest/put.lua: ~100-byte JSON values over 10,000
# rotating keys. After a warm-up of each, three measured runs each, interleaved (ceiling, SSOT,
# ceiling, SSOT, ...) so drift hits both alike. Prints req/s (median of the 3 runs), p50 and p99
# of the median run, and SSOT/ceiling, also per run pair.
#
#   loadtest/ceiling-put.sh [duration=20s] [ceilingPort=18191] [ssotPort=18192]
#
# SSOT_JAVA_OPTS adds JVM options to the SSOT server (e.g. a JFR recording for a profile).
# Builds nothing. Prerequisites (from the repository root):
#   mvn -q -DskipTests install              # target/ssot.jar, and the server for bench/
#   mvn -q -f bench/pom.xml package          # bench/target/benchmarks.jar (BareVertxServer)
#   apt-get install wrk                      # taskset and curl are needed too
set -euo pipefail
cd "$(dirname "$0")/.."
. loadtest/bench-env.sh   # the token, and rate limits far above the load
. loadtest/ceiling-pair.sh  # start_ceiling_pair: both servers, side by side
DURATION=${1:-20s}
SECS=${DURATION%s}
CEIL_PORT=${2:-18191}
SSOT_PORT=${3:-18192}

for f in target/ssot.jar bench/target/benchmarks.jar; do
  [ -f "$f" ] || { echo "missing $f: build it first (see the header of $0)" >&2; exit 2; }
done
for c in wrk taskset curl; do
  command -v "$c" > /dev/null || { echo "missing $c (apt-get install wrk util-linux curl)" >&2; exit 2; }
done

start_ceiling_pair ceiling-put
CEIL=http://127.0.0.1:$CEIL_PORT/v1/kv?durability=local
SSOT=http://127.0.0.1:$SSOT_PORT/v1/kv?durability=local
size() { curl -H "$AUTH" -s -o /dev/null -w '%{size_download}' -X PUT -H 'Content-Type: application/json' \
  -d '{"n":1,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}' "$1"; }
echo "PUT answers: ceiling $(size "http://127.0.0.1:$CEIL_PORT/v1/kv/bench/k1234") B," \
  "SSOT $(size "http://127.0.0.1:$SSOT_PORT/v1/kv/bench/k1234?durability=local") B (at revision 1);" \
  "duration ${SECS}s per run; $(date -u +%FT%TZ) on $(nproc) cores"

# wrk's latency figures in ms (it prints us, ms or s).
to_ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }; printf "%.2f", v }'; }

# run <target> <url> <out>: one measured run, appends "target rps p50ms p99ms" to results.
run() {
  local target=$1 url=$2 out=$3
  taskset -c 0 wrk -H "$AUTH" -t1 -c64 -d"$SECS"s --latency -s loadtest/put.lua "$url" > "$out"
  grep -qE "Non-2xx|Socket errors" "$out" && echo "WARNING $target: $(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' ')" >&2
  local rps p50 p99
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  p50=$(awk '$1 == "50%" { print $2 }' "$out" | to_ms)
  p99=$(awk '$1 == "99%" { print $2 }' "$out" | to_ms)
  echo "$target $rps $p50 $p99" >> "$DIR/results"
  echo "  $(tail -1 "$DIR/results")"
}

echo "== warm-up (${SECS}s each)"
run warmup "$CEIL" "$DIR/w1" > /dev/null
run warmup "$SSOT" "$DIR/w2" > /dev/null
for i in 1 2 3; do
  echo "== run $i"
  run ceiling "$CEIL" "$DIR/c$i"
  run ssot "$SSOT" "$DIR/s$i"
done
echo "SSOT store revision at the end: $(curl -H "$AUTH" -s -D - -o /dev/null "http://127.0.0.1:$SSOT_PORT/v1/kv/bench/k1" \
  | tr -d '\r' | awk -F': ' 'tolower($1) == "x-ssot-revision" { print $2 }')"

echo
printf "%-8s %-9s %12s %9s %9s %13s\n" target request "req/s" "p50 ms" "p99 ms" "SSOT/ceiling"
# The median run by throughput; its percentiles.
c=$(awk '$1 == "ceiling"' "$DIR/results" | sort -k2,2n | sed -n 2p)
s=$(awk '$1 == "ssot"' "$DIR/results" | sort -k2,2n | sed -n 2p)
echo "$c" | awk '{ printf "%-8s %-9s %12.0f %9s %9s %13s\n", $1, "PUT", $2, $3, $4, "" }'
ratio=$(awk -v a="$(echo "$s" | cut -d' ' -f2)" -v b="$(echo "$c" | cut -d' ' -f2)" 'BEGIN { printf "%.1f%%", 100 * a / b }')
echo "$s" | awk -v r="$ratio" '{ printf "%-8s %-9s %12.0f %9s %9s %13s\n", $1, "PUT", $2, $3, $4, r }'
# Each SSOT run against the ceiling run just before it: steadier when the machine's load drifts.
paired=$(paste <(awk '$1 == "ssot" { print $2 }' "$DIR/results") <(awk '$1 == "ceiling" { print $2 }' "$DIR/results") \
  | awk '{ printf "%.1f\n", 100 * $1 / $2 }')
echo "  SSOT/ceiling per run pair: $(echo $paired | sed 's/ /%, /g')%; median $(echo "$paired" | sort -n | sed -n 2p)%"
echo "(req/s: median of 3 runs; p50/p99: of that run; wrk -t1 -c64 -s loadtest/put.lua, durability=local;" \
  "servers on core 1, load on core 0)"
