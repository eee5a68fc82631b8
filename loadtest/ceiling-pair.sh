# Sourced by the ceiling scripts (ceiling.sh, ceiling-put.sh, ceiling-watch.sh).
#
#   start_ceiling_pair <name>
# starts the bare Vert.x server (io.ssot.bench.BareVertxServer, on $CEIL_PORT) and SSOT (on
# $SSOT_PORT, from $SSOT_JAR, default target/ssot.jar, with the JVM options of $SSOT_JAVA_OPTS if
# set), both pinned to core 1 with one
# event loop, logs and data in a fresh directory $DIR (/tmp/ssot-<name>.*), and waits until both
# answer. Sets DIR, CEIL_PID and SSOT_PID; at exit both servers are stopped and $DIR removed.
start_ceiling_pair() {
  DIR=$(mktemp -d "/tmp/ssot-$1.XXXXXX")
  CEIL_PID=
  SSOT_PID=
  trap stop_ceiling_pair EXIT
  taskset -c 1 java -cp bench/target/benchmarks.jar io.ssot.bench.BareVertxServer "$CEIL_PORT" > "$DIR/ceiling.log" 2>&1 &
  CEIL_PID=$!
  # Without SSOT_JAR: the server refuses SSOT_ variables that name no setting.
  # shellcheck disable=SC2086 # SSOT_JAVA_OPTS is a list of options
  env -u SSOT_JAR SSOT_HTTP_PORT=$SSOT_PORT SSOT_DATA_DIR="$DIR/data" SSOT_HTTP_EVENT_LOOPS=1 \
    taskset -c 1 java ${SSOT_JAVA_OPTS:-} -jar "${SSOT_JAR:-target/ssot.jar}" > "$DIR/ssot.log" 2>&1 &
  SSOT_PID=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$SSOT_PORT/health/ready"; do sleep 0.1; done
  until curl -sf -o /dev/null "http://127.0.0.1:$CEIL_PORT/"; do sleep 0.1; done # any GET gets its body
}

stop_ceiling_pair() {
  for p in $CEIL_PID $SSOT_PID; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$DIR"
}
