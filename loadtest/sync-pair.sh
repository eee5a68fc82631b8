#!/usr/bin/env bash
# durability=sync PUT throughput of two server jars side by side, each a single node with a fresh
# data directory and a fresh PostgreSQL database: wrk (1 thread, C connections, put.lua) in
# alternating pairs of D-second runs after a warm-up of each; per run req/s, p50, p99, and the CPU
# time per request of the server and of all PostgreSQL processes together.
#
#   loadtest/sync-pair.sh <jarA> <jarB>     env: RUNS=4 D=10 C=64 CONF_A=<conf of jar A> CONF_B=<...>
# An older jar may need its own configuration file (CONF_A): a jar refuses settings it does not know.
# Needs PostgreSQL at 127.0.0.1:5432 (user postgres), wrk, psql.
set -euo pipefail
cd "$(dirname "$0")/.."
. loadtest/bench-env.sh
RUNS=${RUNS:-4}; D=${D:-10}; C=${C:-64}
JAR_A=$1; JAR_B=$2
export PGOPTIONS="-c client_min_messages=warning"
P="psql -h 127.0.0.1 -U postgres -qtA -d postgres"
DIR=$(mktemp -d /tmp/ssot-sync-pair.XXXXXX)
DB=ssot_sync_pair_$$
for n in a b; do $P -c "DROP DATABASE IF EXISTS ${DB}_$n WITH (FORCE)" -c "CREATE DATABASE ${DB}_$n" > /dev/null; done
SSOT_CONFIG=${CONF_A:-conf/ssot.yaml} SSOT_HTTP_PORT=18201 SSOT_DATA_DIR="$DIR/a" \
  SSOT_PG_URL="postgresql://postgres@127.0.0.1:5432/${DB}_a" java -jar "$JAR_A" > "$DIR/a.log" 2>&1 &
PA=$!
SSOT_CONFIG=${CONF_B:-conf/ssot.yaml} SSOT_HTTP_PORT=18202 SSOT_DATA_DIR="$DIR/b" \
  SSOT_PG_URL="postgresql://postgres@127.0.0.1:5432/${DB}_b" java -jar "$JAR_B" > "$DIR/b.log" 2>&1 &
PB=$!
cleanup() {
  kill "$PA" "$PB" 2> /dev/null || true
  wait 2> /dev/null || true
  for n in a b; do $P -c "DROP DATABASE IF EXISTS ${DB}_$n WITH (FORCE)" > /dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT
for p in 18201 18202; do
  until curl -sf -o /dev/null "localhost:$p/health/ready"; do
    kill -0 "$PA" 2> /dev/null && kill -0 "$PB" 2> /dev/null || { echo "a server stopped:" >&2; tail -3 "$DIR"/*.log >&2; exit 1; }
    sleep 0.2
  done
done
HZ=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
pg_ticks() { local t=0 p; for p in $(pgrep -x postgres); do t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2> /dev/null || echo 0))); done; echo $t; }
# run <port> <pid>: "req/s p50 p99 srv <µs>us pg <µs>us"
run() {
  local t0 p0 out n
  t0=$(ticks "$2"); p0=$(pg_ticks)
  out=$(wrk -H "$AUTH" -t1 -c"$C" -d"${D}s" --latency -s loadtest/put.lua "http://127.0.0.1:$1/v1/kv?durability=sync")
  n=$(echo "$out" | awk '/requests in/ { print $1 }')
  echo "$out" | awk -v s=$(( ($(ticks "$2") - t0) * 1000000 / HZ )) -v pg=$(( ($(pg_ticks) - p0) * 1000000 / HZ )) -v n="$n" \
    '/^Requests\/sec/ { r = $2 } $1 == "50%" { p = $2 } $1 == "99%" { q = $2 } END { printf "%s %s %s srv %.0fus pg %.0fus", r, p, q, s / n, pg / n }'
}
echo "$(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg); A = $JAR_A, B = $JAR_B; $RUNS pairs of ${D}s, $C connections"
run 18201 "$PA" > /dev/null; run 18202 "$PB" > /dev/null
for i in $(seq 1 "$RUNS"); do
  if [ $((i % 2)) = 1 ]; then a=$(run 18201 "$PA"); b=$(run 18202 "$PB"); else b=$(run 18202 "$PB"); a=$(run 18201 "$PA"); fi
  echo "pair $i: A $a | B $b | B/A $(echo "$a $b" | awk '{ printf "%.3f", $8 / $1 }')"
done
