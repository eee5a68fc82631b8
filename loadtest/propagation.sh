#!/usr/bin/env bash
# Change propagation: from a PUT on the server to the call of a ConfigView listener in another
# JVM, at fixed rates of changes (io.ssot.bench.PropagationProbe). Starts a server from
# target/ssot.jar on a fresh data directory, then per rate a warm-up and a measured run; prints
# per rate the changes sent, PUT errors, changes received (distinct), missing, duplicates
# (every change must reach the listener exactly once) and latency p50/p90/p99/max, and stops
# the server. Exit code 1 if a change was missing or duplicated or a PUT failed.
#
#   loadtest/propagation.sh [rates=100,1000] [seconds=20]
#
# Environment: WARMUP (seconds per rate, default 5); DURABILITY (local or sync, default local);
# PG_URL (default none: the embedded store alone) a PostgreSQL URL for the write-behind, or
# PG_URL=fresh for a new database on 127.0.0.1:5432 (user postgres), dropped at the end;
# LISTENER=raw for a plain watch listener of the same client instead of a ConfigView's (the
# view's ceiling); PORT (default 18193); PIN=0 to not pin (by default the server runs on core 1 and both probe
# JVMs on core 0); PROBE_CP, the probe's class path (default bench/target/benchmarks.jar).
# The writer's send time and the listener's receive time are both read from the wall clock (the
# same clock for two JVMs on one machine), each through nanoTime plus a calibrated offset; both
# JVMs print the calibration's uncertainty (microseconds).
# Builds nothing. Prerequisites (from the repository root):
#   mvn -q -DskipTests install              # target/ssot.jar, and the client for bench/
#   mvn -q -f bench/pom.xml package          # bench/target/benchmarks.jar
set -euo pipefail
cd "$(dirname "$0")/.."
. loadtest/bench-env.sh   # the token, and rate limits far above the load
RATES=${1:-100,1000}
SECS=${2:-20}
WARMUP=${WARMUP:-5}
DURABILITY=${DURABILITY:-local}
PORT=${PORT:-18193}
PROBE_CP=${PROBE_CP:-bench/target/benchmarks.jar}
B=http://127.0.0.1:$PORT

[ -f target/ssot.jar ] || { echo "missing target/ssot.jar: build it first (see the header of $0)" >&2; exit 2; }
[ -n "${PROBE_CP%%:*}" ] && [ -e "${PROBE_CP%%:*}" ] \
  || { echo "missing $PROBE_CP: build it first (see the header of $0)" >&2; exit 2; }
SERVER_PIN=() PROBE_PIN=()
if [ "${PIN:-1}" != 0 ] && command -v taskset > /dev/null && [ "$(nproc)" -ge 2 ]; then
  SERVER_PIN=(taskset -c 1) PROBE_PIN=(taskset -c 0)
fi

DIR=$(mktemp -d /tmp/ssot-propagation.XXXXXX)
DB=
PID=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  [ -n "$DB" ] && psql -h 127.0.0.1 -U postgres -qtA -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" > /dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT

if [ "${PG_URL:-}" = fresh ]; then
  DB=ssot_propagation_$$
  PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -U postgres -qtA -d postgres -c "CREATE DATABASE $DB" > /dev/null
  PG_URL="postgresql://postgres@127.0.0.1:5432/$DB"
fi
STORE="embedded"
if [ -n "${PG_URL:-}" ]; then
  export SSOT_PG_URL=$PG_URL
  STORE="embedded, PostgreSQL write-behind to ${PG_URL%%\?*}"
fi

SSOT_HTTP_PORT=$PORT SSOT_DATA_DIR="$DIR/data" "${SERVER_PIN[@]}" java -jar target/ssot.jar > "$DIR/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 600); do
  curl -sf -o /dev/null "$B/health/ready" && break
  kill -0 "$PID" 2>/dev/null || { echo "the server did not start:" >&2; tail -20 "$DIR/server.log" >&2; exit 2; }
  sleep 0.1
done
curl -sf -o /dev/null "$B/health/ready" || { echo "the server is not ready after 60 s" >&2; exit 2; }

echo "rates $RATES changes/s, ${SECS}s each after a ${WARMUP}s warm-up, durability=$DURABILITY," \
  "store: $STORE; pinned: ${SERVER_PIN[*]:-no}${PROBE_PIN:+ (server), ${PROBE_PIN[*]} (probe)};" \
  "$(date -u +%FT%TZ) on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
STATUS=0
"${PROBE_PIN[@]}" java -Xms256m -Xmx256m -Dprobe.listener="${LISTENER:-view}" -cp "$PROBE_CP" io.ssot.bench.PropagationProbe "$B" "$RATES" "$SECS" "$WARMUP" "$DURABILITY" \
  || STATUS=$?
grep -E 'ERROR|Exception' "$DIR/server.log" | head -5 || true
exit $STATUS
