#!/usr/bin/env bash
# The watch fan-out ceiling run: N WebSocket watchers of one key on SSOT, side by side with a bare
# Vert.x server that sends each PUT body as a text message to every connected WebSocket
# (io.ssot.bench.BareVertxServer), in one run on this machine. Both servers are pinned to core 1
# (one event loop each), the load client io.ssot.bench.WatchFanoutClient to core 0: it opens N
# connections with one watch each, writes M changes/s for each rate and records the delivery
# latency of every (watcher, change) from a System.nanoTime taken by the writer just before the
# PUT (same JVM) into an HdrHistogram. Against the bare server the writer PUTs the very frame SSOT
# sends a watcher for the same write, so both deliver messages of the same size. Runs alternate
# (ceiling, SSOT, ceiling, SSOT, ...), each a fresh client JVM with its own warm-up.
#
#   loadtest/ceiling-watch.sh [watchers=10000] [rates=10,100] [seconds=15] [runs=3] [ceilingPort=18191] [ssotPort=18192]
#
# WATCHES_PER_CONNECTION=k (default 1) puts k watches on each WebSocket (watchers/k sockets), as a
# client library multiplexing a process's watches does; the bare server then sends k copies of each
# message per socket.
# SSOT_JAVA_OPTS adds JVM options to the SSOT server (e.g. a JFR recording for a profile).
# Builds nothing. Prerequisites (from the repository root):
#   mvn -q -DskipTests install              # target/ssot.jar, and the server for bench/
#   mvn -q -f bench/pom.xml package          # bench/target/benchmarks.jar
set -euo pipefail
cd "$(dirname "$0")/.."
. loadtest/bench-env.sh   # the token, and rate limits far above the load
. loadtest/ceiling-pair.sh  # start_ceiling_pair: both servers, side by side
# One connection per watcher plus the writer's: above limits.maxConnections' default of 10,000.
export SSOT_LIMITS_MAX_CONNECTIONS=${SSOT_LIMITS_MAX_CONNECTIONS:-50000}
WATCHERS=${1:-10000}
RATES=${2:-10,100}
SECS=${3:-15}
RUNS=${4:-3}
PER_CONNECTION=${WATCHES_PER_CONNECTION:-1}
CEIL_PORT=${5:-18191}
SSOT_PORT=${6:-18192}

for f in target/ssot.jar bench/target/benchmarks.jar; do
  [ -f "$f" ] || { echo "missing $f: build it first (see the header of $0)" >&2; exit 2; }
done
for c in taskset curl; do
  command -v "$c" > /dev/null || { echo "missing $c (apt-get install util-linux curl)" >&2; exit 2; }
done
# One descriptor per connection in the client and in each server, plus the JVM's own.
NEED=$((WATCHERS + 1000))
[ "$(ulimit -n)" -ge "$NEED" ] || ulimit -n "$NEED" 2>/dev/null || {
  echo "open-file limit $(ulimit -n) (hard $(ulimit -Hn)) is below the $NEED needed for $WATCHERS watchers" >&2; exit 2; }

start_ceiling_pair ceiling-watch
echo "$WATCHERS watchers ($PER_CONNECTION per connection), rates $RATES changes/s, ${SECS}s each, $RUNS runs per target;" \
  "open-file limit $(ulimit -n); $(date -u +%FT%TZ) on $(nproc) cores"

client() {
  taskset -c 0 java -Xmx1g -cp bench/target/benchmarks.jar io.ssot.bench.WatchFanoutClient "$1" "$2" \
    "$WATCHERS" "$RATES" "$SECS" 5 "$PER_CONNECTION" 2>&1 | tee -a "$DIR/client.log" | grep --line-buffered -E "^(RESULT|WARNING)|watches open" | sed 's/^/  /' \
    || echo "  the $2 client failed: $(grep -m1 -E 'Exception|rror' "$DIR/client.log")"
}
for i in $(seq 1 "$RUNS"); do
  echo "== run $i"
  client "127.0.0.1:$CEIL_PORT" bare
  client "127.0.0.1:$SSOT_PORT" ssot
done
grep -q Exception "$DIR/client.log" && { echo "client errors:"; grep -m5 Exception "$DIR/client.log"; }
echo "SSOT after the runs: open watches $(curl -s "http://127.0.0.1:$SSOT_PORT/metrics" | awk '/^ssot_watch_open/ { print $2 }'), slow consumers cancelled $(curl -s "http://127.0.0.1:$SSOT_PORT/metrics" | awk '/^ssot_watch_slow_consumers/ { print $2 }')"

echo
printf "%-8s %6s %7s %10s %10s %9s %9s %9s %12s\n" target "rate/s" writes expected received "p50 ms" "p99 ms" "max ms" "delivered/s"
for rate in ${RATES//,/ }; do
  for t in bare ssot; do
    # The median run by p99.
    awk -v t="$t" -v r="$rate" '$1 == "RESULT" && $2 == t && $3 == r' "$DIR/client.log" | sort -k8,8n \
      | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }' \
      | awk '{ printf "%-8s %6s %7s %10s %10s %9s %9s %9s %12s\n", ($2 == "bare" ? "ceiling" : "ssot"), $3, $4, $5, $6, $7, $8, $9, $10 }'
  done
  pairs=$(paste <(awk -v r="$rate" '$1 == "RESULT" && $2 == "bare" && $3 == r { print $8 }' "$DIR/client.log") \
                <(awk -v r="$rate" '$1 == "RESULT" && $2 == "ssot" && $3 == r { print $8 }' "$DIR/client.log") \
    | awk '{ printf "%s/%s ", $1, $2 }')
  echo "  $rate/s p99 ms per run pair (ceiling/SSOT): $pairs"
done
echo "(median run by p99; latency = receive time - the writer's send time, per (watcher, change);" \
  "servers on core 1, client on core 0)"
