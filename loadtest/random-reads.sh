#!/usr/bin/env bash
# Random single-key reads over a large key space against hot-key reads, on a small heap: fills a
# data directory with KEYS keys of VALUE_BYTES (POST /v1/txn through the first jar, see
# fill-txn.py), then for each jar given (default target/ssot.jar) starts the server on it with
# -Xmx$HEAP pinned to core 1 (wrk on core 0, -t1 -c64 --latency) and measures, on one server:
#   idle:    heap after a full collection (jcmd GC.run), RSS (anonymous / file-backed) and the
#            largest classes of the heap (jcmd GC.class_histogram: what the key index costs);
#   warm-up: WARMUP_SECS of GETs of random keys, reported (req/s, p99, collections) but kept out
#            of the figures below, as ceiling.sh does: on one core the JIT compilers take turns
#            with the event loop, and the read cache and the answer caches fill from empty;
#   random:  RANDOM_SECS of GETs of random keys (random-get.lua): req/s, p50, p99, the full
#            collections the load caused (-Xlog:gc: count and pause time), then heap after a full
#            collection and RSS;
#   then ALTERNATE_SECS hot-key GET (one of the same keys), random, hot, random: req/s and p99
#   of each, and random/hot: the two random runs' req/s over the two hot runs', and the same by
#   the server's CPU time per request (hot over random), the figure that stays put on a busy machine.
# With several jars the servers take turns on the same data directory, PAIRS rounds in
# alternating order, so a noisy machine affects them alike. Values are only read after the fill.
#
#   loadtest/random-reads.sh [jar...]
#   KEYS=1000000 VALUE_BYTES=1024 HEAP=256m WARMUP_SECS=20 RANDOM_SECS=60 ALTERNATE_SECS=15 PAIRS=2 PORT=18093
#   KEEP_DATA=<dir>: fill it once and keep it (reused when it already holds a store)
# Needs wrk (Debian: apt-get install wrk), python3, jcmd.
set -euo pipefail
cd "$(dirname "$0")/.."
. loadtest/bench-env.sh   # the token, and rate limits far above the load
KEYS=${KEYS:-1000000}
VALUE_BYTES=${VALUE_BYTES:-1024}
HEAP=${HEAP:-256m}
WARMUP_SECS=${WARMUP_SECS:-20}
RANDOM_SECS=${RANDOM_SECS:-60}
ALTERNATE_SECS=${ALTERNATE_SECS:-15}
PAIRS=${PAIRS:-2}
PORT=${PORT:-18093}
JARS=("$@")
[ ${#JARS[@]} -gt 0 ] || JARS=(target/ssot.jar)
DIR=$(mktemp -d /tmp/ssot-random-reads.XXXXXX)
DATA=${KEEP_DATA:-$DIR/data}
PID=
trap 'stop_server; rm -rf "$DIR"' EXIT
B=http://127.0.0.1:$PORT
HOT_KEY=svc7/prod/setting.7
export SSOT_STORE_MAX_KEYS=$((KEYS + KEYS / 10)) SSOT_STORE_AVERAGE_VALUE_BYTES=$((VALUE_BYTES + 200)) KEYS

start_server() { # jar, label, java options...
  local jar=$1 label=$2
  shift 2
  SSOT_HTTP_PORT=$PORT SSOT_DATA_DIR="$DATA" taskset -c 1 java "$@" -jar "$jar" > "$DIR/$label.log" 2>&1 &
  PID=$!
  until curl -s "$B/health/ready" | grep -q '"listing":"ready"'; do
    kill -0 "$PID" 2>/dev/null || { cat "$DIR/$label.log"; exit 1; }
    sleep 0.2
  done
}
stop_server() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=; fi
}
# heap after a full collection (MB) and RSS anon/file (MB)
heap_and_rss() { # gc log
  jcmd "$PID" GC.run > /dev/null
  sleep 0.5
  local heap
  heap=$(grep 'Pause Full (Diagnostic Command)' "$1" | tail -1 | sed -E 's/.* [0-9]+M->([0-9]+)M\(([0-9]+)M\).*/\1 MB of \2 MB/')
  echo "heap after full GC $heap; RSS $(awk '/RssAnon/{a=$2}/RssFile/{f=$2}END{printf "anon %d MB, file %d MB", a/1024, f/1024}' /proc/$PID/status)"
}
full_gcs() { # gc log: full collections not asked for by jcmd, count, total pause and causes
  local lines
  lines=$(grep 'Pause Full' "$1" | grep -v -e 'Diagnostic Command' -e 'Heap Inspection' || true)
  echo "$lines" | awk 'NF {t+=$NF+0; n++} END {printf "%d full GCs, %.1f s", n, t/1000}'
  echo "$lines" | grep . | sed -E 's/.*Pause Full \(([^)]*)\).*/\1/' | sort | uniq -c \
    | awk 'BEGIN { ORS = "" } NR == 1 { print " (" } NR > 1 { print ", " } { c = $1; $1 = ""; print c " ×" $0 } END { if (NR) print ")" }' || true
}
young_gcs() {
  grep -E 'Pause Young' "$1" | awk '{t+=$NF+0; n++} END {printf "%d young GCs, %.1f s", n, t/1000}'
}
collections_since() { # gc log, lines of it already counted: the full and the young collections after them
  echo "$(tail -n +$(($2 + 1)) "$1" | full_gcs /dev/stdin), $(tail -n +$(($2 + 1)) "$1" | young_gcs /dev/stdin)"
}
TICK_HZ=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }
run_wrk() { # seconds, url or "random"; prints "req/s p50 p99 cpu": ms, and the server's CPU µs per request
  local out ticks0
  ticks0=$(cpu_ticks)
  if [ "$2" = random ]; then
    out=$(taskset -c 0 wrk -t1 -c64 -d"$1"s --latency -s loadtest/random-get.lua "$B")
  else
    out=$(taskset -c 0 wrk -H "$AUTH" -t1 -c64 -d"$1"s --latency "$B/v1/kv/$HOT_KEY")
  fi
  if echo "$out" | grep -q 'Non-2xx'; then echo "$out" >&2; exit 1; fi
  echo "$out" | awk -v ticks=$(($(cpu_ticks) - ticks0)) -v hz="$TICK_HZ" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { r = $2 } $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) } /requests in/ { n = $1 }
    END { printf "%.0f %.2f %.2f %.1f", r, p50, p99, ticks * 1e6 / hz / n }'
}

if [ ! -f "$DATA/kv.dat" ]; then
  mkdir -p "$DATA"
  start_server "${JARS[0]}" fill -Xmx2g
  python3 loadtest/fill-txn.py "$B" "$KEYS" "$VALUE_BYTES"
  curl -H "$AUTH" -sf "$B/v1/kv/$HOT_KEY" > /dev/null
  stop_server
  du -sh "$DATA"
fi

measure() { # jar, label
  local gc=$DIR/gc-$2.log
  start_server "$1" "$2" -Xmx"$HEAP" -Xlog:gc:file="$gc"
  echo "== $2 ($1), -Xmx$HEAP, $KEYS keys of $VALUE_BYTES bytes, $(grep -o 'Using [A-Za-z0-9]*' "$gc") (the JVM's choice)"
  echo "  idle: $(heap_and_rss "$gc")"
  echo "  idle, largest classes (jcmd GC.class_histogram: instances, bytes, class):"
  jcmd "$PID" GC.class_histogram | sed -n '4,9p' | awk '{ printf "    %s %s %s\n", $2, $3, $4 }'
  local before r
  before=$(wc -l < "$gc")
  r=($(run_wrk "$WARMUP_SECS" random))
  echo "  warm-up ${WARMUP_SECS}s of random reads (not counted below): ${r[0]} req/s, p99 ${r[2]} ms; $(collections_since "$gc" "$before")"
  before=$(wc -l < "$gc")
  r=($(run_wrk "$RANDOM_SECS" random))
  echo "  random ${RANDOM_SECS}s: ${r[0]} req/s, p50 ${r[1]} ms, p99 ${r[2]} ms, CPU ${r[3]} µs/request; $(collections_since "$gc" "$before")"
  echo "  after: $(heap_and_rss "$gc")"
  local h1 r1 h2 r2
  h1=($(run_wrk "$ALTERNATE_SECS" hot)); r1=($(run_wrk "$ALTERNATE_SECS" random))
  h2=($(run_wrk "$ALTERNATE_SECS" hot)); r2=($(run_wrk "$ALTERNATE_SECS" random))
  echo "  alternating ${ALTERNATE_SECS}s runs (req/s, p99 ms, CPU µs/request): hot ${h1[0]} ${h1[2]} ${h1[3]}," \
    "random ${r1[0]} ${r1[2]} ${r1[3]}, hot ${h2[0]} ${h2[2]} ${h2[3]}, random ${r2[0]} ${r2[2]} ${r2[3]}"
  echo "  random/hot: req/s $(awk -v a="${r1[0]}" -v b="${r2[0]}" -v c="${h1[0]}" -v d="${h2[0]}" 'BEGIN { printf "%.2f", (a + b) / (c + d) }')," \
    "by CPU per request $(awk -v a="${r1[3]}" -v b="${r2[3]}" -v c="${h1[3]}" -v d="${h2[3]}" 'BEGIN { printf "%.2f", (c + d) / (a + b) }');" \
    "whole run: $(full_gcs "$gc"), $(young_gcs "$gc")"
  stop_server
}

for ((p = 0; p < PAIRS; p++)); do
  for ((j = 0; j < ${#JARS[@]}; j++)); do
    k=$(( p % 2 == 0 ? j : ${#JARS[@]} - 1 - j ))
    measure "${JARS[$k]}" "$(basename "${JARS[$k]}" .jar)-$((p + 1))"
  done
done
