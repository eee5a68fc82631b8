#!/usr/bin/env bash
# The ceiling run: single-key GET on SSOT side by side with a bare Vert.x server that
# answers a fixed body of the same size (io.ssot.bench.BareVertxServer, built from the project's
# own code), in one run on this machine. Both servers are pinned to core 1 (one event loop
# each), the load generators to core 0. Per protocol, both targets are warmed up, then measured
# three times each, interleaved (ceiling, SSOT, ceiling, SSOT, ...) so drift hits both alike:
#   wrk     HTTP/1.1, 1 thread, 64 connections, --latency
#   h2load  h2c, 64 connections x 10 streams (H2_STREAMS=n for n; percentiles from its --log-file)
# Prints req/s (median of the 3 runs), p50 and p99 of the median run, SSOT/ceiling, and each
# server's CPU time per request (steadier than req/s when the machine is busy).
#
#   loadtest/ceiling.sh [duration=20s] [ceilingPort=18091] [ssotPort=18092]
#
# Builds nothing. Prerequisites (from the repository root):
#   mvn -q -DskipTests install              # target/ssot.jar, and the server for bench/
#   mvn -q -f bench/pom.xml package          # bench/target/benchmarks.jar (BareVertxServer)
#   apt-get install wrk nghttp2-client       # wrk, h2load; taskset and curl are needed too
set -euo pipefail
cd "$(dirname "$0")/.."
. loadtest/bench-env.sh   # the token, and rate limits far above the load
. loadtest/ceiling-pair.sh  # start_ceiling_pair: both servers, side by side
DURATION=${1:-20s}
SECS=${DURATION%s}
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
  "duration ${SECS}s per run; $(date -u +%FT%TZ) on $(nproc) cores"

# wrk's latency figures in ms (it prints us, ms or s).
to_ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }; printf "%.2f", v }'; }

# CPU time (user + system, in clock ticks) a process has used so far.
TICK_HZ=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# run <target> <h1|h2c> <url> <out>: one measured run, appends
# "target proto rps p50ms p99ms cpu-us-per-request" to results. The server's CPU time per request
# is the figure that stays put on a busy machine, where throughput swings with what else runs.
run() {
  local target=$1 proto=$2 url=$3 out=$4 pid ticks0 requests
  case "$url" in "$CEIL") pid=$CEIL_PID ;; *) pid=$SSOT_PID ;; esac
  ticks0=$(cpu_ticks "$pid")
  if [ "$proto" = h1 ]; then
    taskset -c 0 wrk -H "$AUTH" -t1 -c64 -d"$SECS"s --latency "$url" > "$out"
    grep -qE "Non-2xx|Socket errors" "$out" && echo "WARNING $target $proto: $(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' ')" >&2
    local rps p50 p99
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    p50=$(awk '$1 == "50%" { print $2 }' "$out" | to_ms)
    p99=$(awk '$1 == "99%" { print $2 }' "$out" | to_ms)
    requests=$(awk '/requests in/ { print $1 }' "$out")
    echo "$target HTTP/1.1 $rps $p50 $p99 $(cpu_per_request "$pid" "$ticks0" "$requests")" >> "$DIR/results"
  else
    taskset -c 0 h2load -H "$AUTH" -c64 -m"$H2_STREAMS" -D"$SECS" --log-file="$out.log" "$url" > "$out"
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
  echo "== $proto: warm-up (${SECS}s each)"
  run warmup "$proto" "$CEIL" "$DIR/w1" > /dev/null
  run warmup "$proto" "$SSOT" "$DIR/w2" > /dev/null
  for i in 1 2 3; do
    echo "== $proto: run $i"
    run ceiling "$proto" "$CEIL" "$DIR/c$i"
    run ssot "$proto" "$SSOT" "$DIR/s$i"
  done
done

echo
PAIRED=
printf "%-8s %-9s %12s %9s %9s %13s %11s %13s\n" target protocol "req/s" "p50 ms" "p99 ms" "SSOT/ceiling" "CPU us/req" "ceiling/SSOT"
for proto in HTTP/1.1 h2c; do
  # The median run by throughput; its percentiles.
  c=$(awk -v p="$proto" '$1 == "ceiling" && $2 == p' "$DIR/results" | sort -k3,3n | sed -n 2p)
  s=$(awk -v p="$proto" '$1 == "ssot" && $2 == p' "$DIR/results" | sort -k3,3n | sed -n 2p)
  # CPU per request: the median over the three runs of each target.
  ccpu=$(awk -v p="$proto" '$1 == "ceiling" && $2 == p { print $6 }' "$DIR/results" | sort -n | sed -n 2p)
  scpu=$(awk -v p="$proto" '$1 == "ssot" && $2 == p { print $6 }' "$DIR/results" | sort -n | sed -n 2p)
  echo "$c" | awk -v u="$ccpu" '{ printf "%-8s %-9s %12.0f %9s %9s %13s %11s\n", $1, $2, $3, $4, $5, "", u }'
  ratio=$(awk -v a="$(echo "$s" | cut -d' ' -f3)" -v b="$(echo "$c" | cut -d' ' -f3)" 'BEGIN { printf "%.1f%%", 100 * a / b }')
  cratio=$(awk -v a="$ccpu" -v b="$scpu" 'BEGIN { printf "%.1f%%", 100 * a / b }')
  echo "$s" | awk -v r="$ratio" -v u="$scpu" -v cr="$cratio" '{ printf "%-8s %-9s %12.0f %9s %9s %13s %11s %13s\n", $1, $2, $3, $4, $5, r, u, cr }'
  # Each SSOT run against the ceiling run just before it: steadier when the machine's load drifts.
  paired=$(paste <(awk -v p="$proto" '$1 == "ssot" && $2 == p { print $3 }' "$DIR/results") \
                 <(awk -v p="$proto" '$1 == "ceiling" && $2 == p { print $3 }' "$DIR/results") \
    | awk '{ printf "%.1f\n", 100 * $1 / $2 }')
  PAIRED="$PAIRED  $proto SSOT/ceiling per run pair: $(echo $paired | sed 's/ /%, /g')%; median $(echo "$paired" | sort -n | sed -n 2p)%\n"
done
printf "%b" "$PAIRED"
echo "(req/s: median of 3 runs; p50/p99: of that run; CPU us/req: server CPU time per request, median of 3 runs;"
echo " ceiling/SSOT: the throughput ratio one saturated core would give; wrk -t1 -c64, h2load -c64 -m$H2_STREAMS; servers on core 1, load on core 0)"
