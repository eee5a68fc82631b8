#!/usr/bin/env bash
# Snapshot save and restore of KEYS keys (default 1,000,000 of VALUE_BYTES=100, filled through
# POST /v1/txn by fill-txn.py) on a small heap (HEAP=192m), and the heap while a snapshot streams:
#   save:     GET /v1/snapshot to a file at full speed (a warm-up, then the one timed); then again
#             at full speed and to a reader limited to SLOW_RATE (default 20M bytes/s) with the live
#             heap (after a full collection, jcmd GC.run) sampled every 2 s during each stream,
#             against the idle one;
#   verify:   SnapshotFile.verify of the file (loadtest/SnapshotTool.java on the jar's class path);
#   restore:  offline into an empty data directory (SnapshotRestore.intoDataDir), then a server
#             started on it must hold KEYS keys at the snapshot's revision; and online, POST
#             /v1/snapshot to a fresh server (same heap).
# Fails (exit 1) when the live heap during a stream exceeds the idle one by more than BOUND_MB
# (default 32), or a restored server does not hold the snapshot's keys and revision.
#
#   loadtest/snapshot.sh      KEYS=1000000 VALUE_BYTES=100 HEAP=192m SLOW_RATE=20M PORT=18094
# Needs python3, curl, jcmd; build first (mvn -q -DskipTests package).
set -euo pipefail
cd "$(dirname "$0")/.."
. loadtest/bench-env.sh
KEYS=${KEYS:-1000000}
VALUE_BYTES=${VALUE_BYTES:-100}
HEAP=${HEAP:-192m}
SLOW_RATE=${SLOW_RATE:-20M}
BOUND_MB=${BOUND_MB:-32}
PORT=${PORT:-18194}
DIR=$(mktemp -d /tmp/ssot-snapshot.XXXXXX)
PID=
trap 'stop_server; rm -rf "$DIR"' EXIT
B=http://127.0.0.1:$PORT
export SSOT_STORE_MAX_KEYS=$((KEYS + KEYS / 10)) SSOT_STORE_AVERAGE_VALUE_BYTES=$((VALUE_BYTES + 200))
# The jar's manifest opens these for java -jar; a class-path launch (SnapshotTool) must say so itself.
OPENS="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED
  -Dchronicle.analytics.disable=true"
tool() { java $OPENS -cp target/ssot.jar loadtest/SnapshotTool.java "$@"; }

start_server() { # data dir, label
  if curl -s -o /dev/null "$B/health/live"; then echo "port $PORT is taken by another server: set PORT"; exit 1; fi
  GC_LOG="$DIR/$2.gc"
  SSOT_HTTP_PORT=$PORT SSOT_DATA_DIR="$1" java -Xmx$HEAP -Xlog:gc:file="$GC_LOG" -jar target/ssot.jar \
    > "$DIR/$2.log" 2>&1 &
  PID=$!
  until curl -s "$B/health/ready" | grep -q '"listing":"ready"'; do
    kill -0 "$PID" 2>/dev/null || { cat "$DIR/$2.log"; exit 1; }
    sleep 0.2
  done
  kill -0 "$PID" 2>/dev/null || { cat "$DIR/$2.log"; exit 1; }
}
stop_server() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=; fi
}
live_mb() { # the live heap: what a full collection (jcmd GC.run) leaves, from the GC log (MB)
  jcmd "$PID" GC.run > /dev/null
  sleep 0.2
  grep 'Pause Full (Diagnostic Command)' "$GC_LOG" | tail -1 | sed -E 's/.* [0-9]+M->([0-9]+)M\(.*/\1/'
}
timed() { # label: saves the snapshot at full speed, nothing else running
  curl -sf -H "$AUTH" -w '%{time_total}' -o "$DIR/$1.snapshot" "$B/v1/snapshot" > "$DIR/$1.time"
  printf '%-6s %s bytes in %s s\n' "$1" "$(stat -c %s "$DIR/$1.snapshot")" "$(cat "$DIR/$1.time")"
}
stream() { # label, curl options...: saves the snapshot, samples the live heap meanwhile (full collections slow it)
  local label=$1 peak=0 curl_pid mb
  shift
  curl -sf -H "$AUTH" "$@" -w '%{time_total}' -o "$DIR/$label.snapshot" "$B/v1/snapshot" > "$DIR/$label.time" &
  curl_pid=$!
  while kill -0 "$curl_pid" 2>/dev/null; do
    mb=$(live_mb); [ "$mb" -gt "$peak" ] && peak=$mb
    sleep 2
  done
  wait "$curl_pid"
  printf '%-6s %s bytes in %s s; live heap during the stream at most %d MB (idle %d MB)\n' "$label" \
    "$(stat -c %s "$DIR/$label.snapshot")" "$(cat "$DIR/$label.time")" "$peak" "$IDLE"
  if [ "$peak" -gt $((IDLE + BOUND_MB)) ]; then echo "FAIL: the heap grew by more than $BOUND_MB MB"; exit 1; fi
}

start_server "$DIR/data" source
python3 loadtest/fill-txn.py "$B" "$KEYS" "$VALUE_BYTES"
REVISION=$(curl -s "$B/health/ready" | sed -E 's/.*"revision":([0-9]+).*/\1/')
IDLE=$(live_mb)
echo "$KEYS keys at revision $REVISION, heap -Xmx$HEAP, live heap idle $IDLE MB"
timed warmup
timed save
stream fast
stream slow --limit-rate "$SLOW_RATE"
stop_server

tool verify "$DIR/save.snapshot"
tool restore "$DIR/save.snapshot" "$DIR/restored" "$SSOT_STORE_MAX_KEYS"
start_server "$DIR/restored" restored
READY=$(curl -s "$B/health/ready")
echo "$READY" | grep -q "\"revision\":$REVISION," && echo "$READY" | grep -q "\"keys\":$KEYS," \
  || { echo "FAIL: the restored server is not at revision $REVISION with $KEYS keys: $READY"; exit 1; }
echo "offline restore: a server on it is at revision $REVISION with $KEYS keys"
stop_server

start_server "$DIR/online" online
ANSWER=$(curl -sf -H "$AUTH" -H 'Content-Type: application/x-ndjson' -X POST -T "$DIR/save.snapshot" \
  -w ' in %{time_total} s' "$B/v1/snapshot")
echo "online restore (POST /v1/snapshot): $ANSWER"
curl -s "$B/health/ready" | grep -q "\"keys\":$KEYS," || { echo "FAIL: the online restore lacks keys"; exit 1; }
stop_server
