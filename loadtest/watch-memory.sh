#!/usr/bin/env bash
# Memory per open watch, for sizing: starts the server (target/ssot.jar, fresh data directory),
# reads its heap after a full collection (jcmd GC.run) and its RSS, opens WATCHERS watches with
# io.ssot.bench.WatchFanoutClient (PER_SOCKET watches on each WebSocket, as the client library
# puts a process's watches on one socket), reads both again while they are open (one change per
# second flows to them), and prints the growth per watch and per socket.
#
#   loadtest/watch-memory.sh [watchers=10000] [perSocket=100]
# Needs target/ssot.jar, bench/target/benchmarks.jar (mvn -q -f bench/pom.xml package), jcmd.
set -euo pipefail
cd "$(dirname "$0")/.."
. loadtest/bench-env.sh
WATCHERS=${1:-10000}
PER_SOCKET=${2:-100}
PORT=18194
DIR=$(mktemp -d /tmp/ssot-watch-memory.XXXXXX)
PID=
CLIENT=
cleanup() {
  for p in $CLIENT $PID; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true

# Room for every watch socket and the probes beside them.
SSOT_LIMITS_MAX_CONNECTIONS=$((WATCHERS + 100)) SSOT_HTTP_PORT=$PORT SSOT_DATA_DIR="$DIR/data" java -jar target/ssot.jar > "$DIR/server.log" 2>&1 &
PID=$!
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/ready"; do sleep 0.1; done

# heap_used_kib: used heap after a full collection, in KiB; rss_kib: resident set in KiB.
heap_used_kib() {
  jcmd "$PID" GC.run > /dev/null
  sleep 1
  jcmd "$PID" GC.heap_info | grep -oE 'used [0-9]+K' | head -1 | grep -oE '[0-9]+'
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status"; }
open_watches() { curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" | awk '/^ssot_watch_open / { n = $2 } END { printf "%d", n }'; }

H0=$(heap_used_kib); R0=$(rss_kib)
java -cp bench/target/benchmarks.jar io.ssot.bench.WatchFanoutClient \
  "127.0.0.1:$PORT" ssot "$WATCHERS" 1 60 0 "$PER_SOCKET" > "$DIR/client.log" 2>&1 &
CLIENT=$!
until [ "$(open_watches)" -ge "$WATCHERS" ]; do
  kill -0 "$CLIENT" 2>/dev/null || { echo "the client stopped:" >&2; tail -5 "$DIR/client.log" >&2; exit 1; }
  kill -0 "$PID" 2>/dev/null || { echo "the server stopped:" >&2; tail -5 "$DIR/server.log" >&2; exit 1; }
  sleep 0.5
done
sleep 5
H1=$(heap_used_kib); R1=$(rss_kib)
SOCKETS=$(( (WATCHERS + PER_SOCKET - 1) / PER_SOCKET ))
echo "$(date -u +%FT%TZ): $WATCHERS watches on $SOCKETS WebSockets ($PER_SOCKET per socket), open: $(open_watches)"
echo "heap after a full GC: $((H0 / 1024)) MiB idle, $((H1 / 1024)) MiB with the watches: $(( (H1 - H0) * 1024 / WATCHERS )) B per watch"
echo "RSS: $((R0 / 1024)) MiB idle, $((R1 / 1024)) MiB with the watches: $(( (R1 - R0) * 1024 / WATCHERS )) B per watch"
