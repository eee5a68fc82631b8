#!/usr/bin/env bash
# Builds an application class-data-sharing archive for the server jar: starts it once with
# -XX:ArchiveClassesAtExit on an empty data directory, sends it the requests a start-up serves
# first (writes, reads, a listing, history, a short watch), stops it, and keeps the classes it
# loaded. A server started with -XX:SharedArchiveFile=<archive> maps them instead of loading and
# verifying some 6,000 classes from the jar: on the 2-core machine of loadtest/README.md the first
# read after a restart with 1,000,000 keys came after 1.2-1.4 s instead of 2.2-2.5 s.
#
#   docker/cds-archive.sh [jar=target/ssot.jar] [archive=<jar without .jar>.jsa]
#   java -XX:SharedArchiveFile=target/ssot.jsa -jar target/ssot.jar
#
# The archive fits only the JDK build and the jar it was made with; with any other the JVM says
# so and starts without it (slower, nothing else changes). Needs curl.
set -euo pipefail
JAR=${1:-target/ssot.jar}
ARCHIVE=${2:-${JAR%.jar}.jsa}
[ -f "$JAR" ] || { echo "missing $JAR: build it first (mvn -q -DskipTests package)" >&2; exit 2; }
DIR=$(mktemp -d /tmp/ssot-cds.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
TOKEN=cds-training-token-0123456789
rm -f "$ARCHIVE"
SSOT_HTTP_PORT=0 SSOT_HTTP_HOST=127.0.0.1 SSOT_DATA_DIR="$DIR/data" SSOT_ADMIN_TOKEN=$TOKEN \
  java -XX:ArchiveClassesAtExit="$ARCHIVE" -jar "$JAR" > "$DIR/server.log" 2>&1 &
PID=$!
PORT=
for _ in $(seq 600); do
  PORT=$(sed -n 's|.*Serving on http://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$DIR/server.log")
  [ -n "$PORT" ] && break
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.1
done
[ -n "$PORT" ] || { cat "$DIR/server.log" >&2; echo "the training server did not start" >&2; exit 1; }
BASE=http://127.0.0.1:$PORT
A="Authorization: Bearer $TOKEN"
curl -sf -H "$A" -X PUT "$BASE/v1/kv/cds/a" -H 'Content-Type: application/json' -d '{"x":1}' > /dev/null
curl -sf -H "$A" -X PUT "$BASE/v1/kv/cds/a?durability=sync" -d '{"x":2}' > /dev/null
curl -sf -H "$A" "$BASE/v1/kv/cds/a" > /dev/null
curl -sf -H "$A" "$BASE/v1/kv/cds/a?raw=true" > /dev/null
curl -sf -H "$A" "$BASE/v1/kv/cds/a%2Fb" > /dev/null || true
curl -sf -H "$A" "$BASE/v1/kv?prefix=cds/" > /dev/null
curl -sf -H "$A" "$BASE/v1/history/cds/a" > /dev/null
curl -s -H "$A" -H 'Accept: text/event-stream' --max-time 1 "$BASE/v1/watch?prefix=cds/" > /dev/null || true
curl -s "$BASE/metrics" > /dev/null || true
kill -TERM "$PID"
wait "$PID" || { echo "the training server failed; its log:" >&2; cat "$DIR/server.log" >&2; exit 1; }
[ -s "$ARCHIVE" ] || { echo "no archive was written" >&2; exit 1; }
echo "wrote $ARCHIVE ($(du -h "$ARCHIVE" | cut -f1)); start with: java -XX:SharedArchiveFile=$ARCHIVE -jar $JAR"
