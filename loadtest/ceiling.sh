#!/usr/bin/env bash
# The ceiling run: single-key GET on SSOT side by side with a bare Vert.x server that
# answers a fixed body of the same size (io.ssot.bench.BareVertxServer, built from the project's
# own code), in one run on this machine. Both servers are pinned to core 1 (one event loop
# each), the load generators to core 0. Per protocol, both targets are warmed up (20 s each),
# then measured in RUNS pairs (default 5) of back-to-back runs, the order alternating from pair
# to pair (ceiling then SSOT, SSOT then ceiling, ...):
#   wrk     HTTP/1.1, 1 thread, 64 connections, --latency
#   h2load  h2c, 64 connections x 10 streams (H2_STREAMS=n for n; percentiles from its --log-file)
# Prints req/s (median of the runs), p50 and p99 of the median run, each server's CPU time per
# request, and SSOT/ceiling as the median of the pairs' ratios. Why pairs: this machine's speed
# swings by a fifth for tens of seconds at a time (the bare server alone, run after run), so
# only runs next to each other see the same machine; the alternating order cancels a drift.
#
#   loadtest/ceiling.sh [duration of a run=10s] [ceilingPort=18091] [ssotPort=18092]
#
# Builds nothing. Prerequisites (from the repository root):
#   mvn -q -DskipTests install              # target/ssot.jar, and the server for bench/
#   mvn -q -f bench/pom.xml package          # bench/target/benchmarks.jar (BareVertxServer)
#   apt-get install wrk nghttp2-client       # wrk, h2load; taskset and curl are needed too
set -euo pipefail
cd "$(dirname "$0")/.."
. loadtest/bench-env.sh   # the token, and rate limits far above the load
. loadtest/ceiling-pair.sh  # start_ceiling_pair: both servers, side by side
DURATION=${1:-10s}
SECS=${DURATION%s}
WARMUP_SECS=${WARMUP_SECS:-20}
RUNS=${RUNS:-5}
CEIL_PORT=${2:-18091}
SSOT_PORT=${3:-18092}
H2_STREAMS=${H2_STREAMS:-10}
KEY_PATH=/v1/kv/payments/prod/db
# The same 136-byte value as BareVertxServer.TYPICAL_VALUE, so both bodies are the same size.
VALUE='{"pool":{"min":4,"max":32},"timeoutMs":2500,"url":"pg://db-1.internal:5432/app","ssl":true,"replicas":["db-2.internal","db-3.internal"]}'

for f in target/ssot.jar bench/target/benchmarks.jar; do
  [ -f "$f" ] || { echo "missing $f: build it first (see the header of $0)" >&2; exit 2; }
done
for c in wrk h2load taskset curl; do
  command -v "$c" > /dev/null || { echo "missing $c (apt-get install wrk nghttp2-client util-linux curl)" >&2; exit 2; }
done

start_ceiling_pair ceiling
CEIL=http://127.0.0.1:$CEIL_PORT$KEY_PATH
SSOT=http://127.0.0.1:$SSOT_PORT$KEY_PATH
curl -H "$AUTH" -sf -X PUT "$SSOT?durability=local" -H 'Content-Type: application/json' -d "$VALUE" > /dev/null
echo "bodies: ceiling $(curl -H "$AUTH" -s -o /dev/null -w '%{size_download}' "$CEIL") B, SSOT $(curl -H "$AUTH" -s -o /dev/null -w '%{size_download}' "$SSOT") B;" \
  "$RUNS pairs of ${SECS}s runs; $(date -u +%FT%TZ) on $(nproc) cores"

# wrk's latency figures in ms (it prints us, ms or s).
to_ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }; printf "%.2f", v }'; }

# CPU time (user + system, in clock ticks) a process has used so far.
TICK_HZ=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# run <target> <h1|h2c> <url> <out>: one measured run, appends
# "target proto rps p50ms p99ms cpu-us-per-request" to results. The server's CPU time per request
# is the figure that stays put on a busy machine, where throughput swings with what else runs.
run() {
  local target=$1 proto=$2 url=$3 out=$4 secs=${5:-$SECS} pid ticks0 requests
  case "$url" in "$CEIL") pid=$CEIL_PID ;; *) pid=$SSOT_PID ;; esac
  ticks0=$(cpu_ticks "$pid")
  if [ "$proto" = h1 ]; then
    taskset -c 0 wrk -H "$AUTH" -t1 -c64 -d"$secs"s --latency "$url" > "$out"
    grep -qE "Non-2xx|Socket errors" "$out" && echo "WARNING $target $proto: $(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' ')" >&2
    local rps p50 p99
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    p50=$(awk '$1 == "50%" { print $2 }' "$out" | to_ms)
    p99=$(awk '$1 == "99%" { print $2 }' "$out" | to_ms)
    requests=$(awk '/requests in/ { print $1 }' "$out")
    echo "$target HTTP/1.1 $rps $p50 $p99 $(cpu_per_request "$pid" "$ticks0" "$requests")" >> "$DIR/results"
  else
    taskset -c 0 h2load -H "$AUTH" -c64 -m"$H2_STREAMS" -D"$secs" --log-file="$out.log" "$url" > "$out"
    grep -q "status codes: [0-9]* 2xx, 0 3xx, 0 4xx, 0 5xx" "$out" || echo "WARNING $target $proto: $(grep 'status codes' "$out")" >&2
    grep -qE "requests: .* 0 failed, 0 errored" "$out" || echo "WARNING $target $proto: $(grep '^requests:' "$out")" >&2
    local rps pct
    rps=$(sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p' "$out")
    pct=$(awk -F'\t' '$2 == 200 { print $3 }' "$out.log" | sort -n \
      | awk '{ a[NR] = $1 } END { i50 = int(NR * 0.50 + 0.5); i99 = int(NR * 0.99 + 0.5); if (i50 < 1) i50 = 1; if (i99 < 1) i99 = 1;
                                 printf "%.2f %.2f", a[i50] / 1000, a[i99] / 1000 }')
    rm -f "$out.log"
    requests=$(sed -n 's/^requests: \([0-9]*\) total.*/\1/p' "$out")
    echo "$target h2c $rps $pct $(cpu_per_request "$pid" "$ticks0" "$requests")" >> "$DIR/results"
  fi
  echo "  $(tail -1 "$DIR/results")"
}

# cpu_per_request <pid> <ticks before> <requests>: microseconds of server CPU per request.
cpu_per_request() {
  awk -v t0="$2" -v t1="$(cpu_ticks "$1")" -v n="$3" -v hz="$TICK_HZ" 'BEGIN { printf "%.2f", (t1 - t0) * 1e6 / hz / n }'
}

for proto in h1 h2c; do
  echo "== $proto: warm-up (${WARMUP_SECS}s each)"
  run warmup "$proto" "$CEIL" "$DIR/w1" "$WARMUP_SECS" > /dev/null
  run warmup "$proto" "$SSOT" "$DIR/w2" "$WARMUP_SECS" > /dev/null
  for i in $(seq 1 "$RUNS"); do
    echo "== $proto: pair $i"
    if [ $((i % 2)) = 1 ]; then
      run ceiling "$proto" "$CEIL" "$DIR/c$i"
      run ssot "$proto" "$SSOT" "$DIR/s$i"
    else
      run ssot "$proto" "$SSOT" "$DIR/s$i"
      run ceiling "$proto" "$CEIL" "$DIR/c$i"
    fi
  done
done

echo
MID=$(( (RUNS + 1) / 2 ))
median() { sort -n | sed -n "${MID}p"; }
PAIRED=
printf "%-8s %-9s %12s %9s %9s %11s %13s %13s\n" target protocol "req/s" "p50 ms" "p99 ms" "CPU us/req" "SSOT/ceiling" "ceiling/SSOT"
for proto in HTTP/1.1 h2c; do
  # The median run by throughput, with its percentiles; CPU per request: the median of the runs.
  c=$(awk -v p="$proto" '$1 == "ceiling" && $2 == p' "$DIR/results" | sort -k3,3n | sed -n "${MID}p")
  s=$(awk -v p="$proto" '$1 == "ssot" && $2 == p' "$DIR/results" | sort -k3,3n | sed -n "${MID}p")
  ccpu=$(awk -v p="$proto" '$1 == "ceiling" && $2 == p { print $6 }' "$DIR/results" | median)
  scpu=$(awk -v p="$proto" '$1 == "ssot" && $2 == p { print $6 }' "$DIR/results" | median)
  # Each pair's SSOT run against its ceiling run: throughput ratio and CPU-per-request ratio.
  pairs=$(paste <(awk -v p="$proto" '$1 == "ssot" && $2 == p { print $3, $6 }' "$DIR/results") \
                <(awk -v p="$proto" '$1 == "ceiling" && $2 == p { print $3, $6 }' "$DIR/results") \
    | awk '{ printf "%.1f %.1f\n", 100 * $1 / $3, 100 * $4 / $2 }')
  ratio=$(echo "$pairs" | cut -d' ' -f1 | median)
  cratio=$(echo "$pairs" | cut -d' ' -f2 | median)
  echo "$c" | awk -v u="$ccpu" '{ printf "%-8s %-9s %12.0f %9s %9s %11s\n", $1, $2, $3, $4, $5, u }'
  echo "$s" | awk -v r="$ratio%" -v u="$scpu" -v cr="$cratio%" '{ printf "%-8s %-9s %12.0f %9s %9s %11s %13s %13s\n", $1, $2, $3, $4, $5, u, r, cr }'
  PAIRED="$PAIRED  $proto SSOT/ceiling per pair: $(echo "$pairs" | cut -d' ' -f1 | paste -sd' ' | sed 's/ /%, /g')%\n"
done
printf "%b" "$PAIRED"
echo "(req/s: median of $RUNS runs; p50/p99: of that run; CPU us/req: server CPU time per request, median of $RUNS runs;"
echo " SSOT/ceiling: median over the pairs of SSOT req/s / ceiling req/s; ceiling/SSOT: the same for CPU time per request;"
echo " wrk -t1 -c64, h2load -c64 -m$H2_STREAMS, ${SECS}s runs; servers on core 1, load on core 0)"
