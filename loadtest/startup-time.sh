#!/usr/bin/env bash
# Start-up time with N keys in the data directory: fills a fresh data dir with N keys (through
# the store's own write path, closed cleanly), then starts `java -jar target/ssot.jar` on it and
# reports when a single-key read is first answered and when prefix listing is ready. Then the
# same with the class-data-sharing archive that docker/cds-archive.sh builds for the jar
# (`java -XX:SharedArchiveFile=target/ssot.jsa -jar target/ssot.jar`). Each start twice.
#
#   loadtest/startup-time.sh [keys=1000000] [port=18080]
# SSOT_JAR=<jar> (default target/ssot.jar) names the server; two jars, comma-separated
# (SSOT_JAR=old.jar,new.jar), start in turn on the same data directory, so both are timed in one run.
# Needs target/ssot.jar and bench/target/benchmarks.jar (see bench/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
. loadtest/bench-env.sh   # the token, and rate limits far above the load
KEYS=${1:-1000000}
PORT=${2:-18080}
DIR=$(mktemp -d /tmp/ssot-startup.XXXXXX)
PID=
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DIR"' EXIT

java -cp bench/target/benchmarks.jar $(sed -n 's#.*<jvm.flags>\(.*\)</jvm.flags>.*#\1#p' pom.xml) \
  io.ssot.bench.FillStore "$DIR/data" "$KEYS"
du -sh "$DIR/data"
I=$((KEYS - 3))
KEY="svc$((I % 1000))/prod/setting.$I"

now_ms() { date +%s%3N; }
start_once() { # label, java options
  local start read list
  start=$(now_ms)
  # shellcheck disable=SC2086
  SSOT_HTTP_PORT=$PORT SSOT_DATA_DIR="$DIR/data" SSOT_STORE_MAX_KEYS=$KEYS java $2 -jar "$3" > "$DIR/server.log" 2>&1 &
  PID=$!
  until curl -H "$AUTH" -sf -o /dev/null "http://127.0.0.1:$PORT/v1/kv/$KEY"; do
    kill -0 "$PID" 2>/dev/null || { echo "$3 stopped:" >&2; tail -5 "$DIR/server.log" >&2; exit 1; }
    sleep 0.01
  done
  read=$(now_ms)
  until curl -s "http://127.0.0.1:$PORT/health/ready" | grep -q '"listing":"ready"'; do sleep 0.01; done
  list=$(now_ms)
  curl -H "$AUTH" -sf "http://127.0.0.1:$PORT/v1/kv?prefix=svc$((I % 1000))/prod/&limit=3&keysOnly=true" > /dev/null
  echo "$1 ($3): keys=$KEYS first single-key read after $((read - start)) ms; listing ready after $((list - start)) ms"
  grep "Opened the store" "$DIR/server.log" | sed 's/^.* - /  server: /'
  kill "$PID"
  wait "$PID" || true
}
IFS=, read -r -a JARS <<< "${SSOT_JAR:-target/ssot.jar}"
export -n SSOT_JAR # the server refuses SSOT_ variables that name no setting
for _ in 1 2; do
  for jar in "${JARS[@]}"; do start_once "plain" "" "$jar"; done
done
for i in "${!JARS[@]}"; do docker/cds-archive.sh "${JARS[$i]}" "$DIR/ssot-$i.jsa" > /dev/null; done
for _ in 1 2; do
  for i in "${!JARS[@]}"; do start_once "CDS archive" "-XX:SharedArchiveFile=$DIR/ssot-$i.jsa" "${JARS[$i]}"; done
done
