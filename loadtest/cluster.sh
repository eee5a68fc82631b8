#!/usr/bin/env bash
# Cluster figures (SPEC section 9), each part on nodes started here from target/ssot.jar on
# loopback, with their own ports and data directories, on a fresh PostgreSQL database and a
# fresh cluster name (so a fresh Redis stream):
#   failover  kill -9 of the leader under write load, to the first write a survivor acknowledges;
#             RUNS times (default 5) on one cluster: the killed node is restarted, must converge
#             to the leader's revision, then the next leader is killed. Median and worst.
#   lag       follower apply lag (leader's commit to the follower's, ssot_cluster_apply_lag
#             p50/p99/max on each follower) at a steady WRITE_RATE (default 10,000) sync writes/s
#             for LAG_SECONDS (default 60), with Redis, then without (followers poll PostgreSQL).
#   reads     single-key GET (wrk, HTTP/1.1, 64 connections) on a follower against a single node
#             (no cluster, no PostgreSQL), both pinned to core 1, load on core 0, RUNS pairs in
#             alternating order; the ratio is the median of the pairs' ratios.
#   forward   PUT latency through a follower (forwarded to the leader) against a PUT on the
#             leader: wrk with 1 and with 16 connections, RUNS alternating pairs; p50 and p99.
#   sync      durability=sync PUT throughput (wrk, 64 connections) on the leader of three nodes,
#             and on a single node with the same PostgreSQL, in alternating pairs.
#
#   loadtest/cluster.sh [failover|lag|reads|forward|sync|all]... (default all)
#   env: RUNS=5 DURATION=10 (seconds per run) WRITE_RATE=10000 LAG_SECONDS=60 REDIS=redis://127.0.0.1:6379
# Needs target/ssot.jar, PostgreSQL at 127.0.0.1:5432 (user postgres, trust), Redis for the
# parts that use it, wrk, h2load, psql, curl, taskset.
set -euo pipefail
cd "$(dirname "$0")/.."
. loadtest/bench-env.sh   # the token, and rate limits far above the load
RUNS=${RUNS:-5}
DURATION=${DURATION:-10}
WRITE_RATE=${WRITE_RATE:-10000}
LAG_SECONDS=${LAG_SECONDS:-60}
REDIS=${REDIS:-redis://127.0.0.1:6379}
BASE_PORT=18100
DB=ssot_cluster_bench_$$
DIR=$(mktemp -d /tmp/ssot-cluster.XXXXXX)
export PGOPTIONS="-c client_min_messages=warning"
PSQL="psql -h 127.0.0.1 -U postgres -qtA"
declare -A PIDS=()
NAME=

for f in target/ssot.jar loadtest/put.lua; do
  [ -f "$f" ] || { echo "missing $f (mvn -B -q -DskipTests install)" >&2; exit 2; }
done
for c in wrk h2load psql curl taskset; do
  command -v "$c" > /dev/null || { echo "missing $c (apt-get install wrk nghttp2-client postgresql-client curl util-linux)" >&2; exit 2; }
done

stop_all() {
  for i in "${!PIDS[@]}"; do kill -9 "${PIDS[$i]}" 2>/dev/null || true; wait "${PIDS[$i]}" 2>/dev/null || true; done
  PIDS=()
}
cleanup() {
  stop_all
  $PSQL -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" > /dev/null || true
  [ -n "$NAME" ] && redis-cli -u "$REDIS" DEL "ssot:$NAME:commits" > /dev/null 2>&1 || true
  [ -n "${KEEP_LOGS:-}" ] && echo "logs kept in $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
url() { echo "http://127.0.0.1:$((BASE_PORT + $1))"; }

# fresh_cluster: stops every node, empties the database, data directories and stream name.
fresh_cluster() {
  stop_all
  [ -n "$NAME" ] && redis-cli -u "$REDIS" DEL "ssot:$NAME:commits" > /dev/null 2>&1 || true
  $PSQL -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" > /dev/null
  rm -rf "$DIR"/data-*
  NAME=bench-$$-$RANDOM
}

# start_node <i> <cpus> [VAR=value ...]: node i (port BASE_PORT+i, data dir data-i) in cluster
# mode; without REDIS_URL=... among the variables, it has no Redis.
start_node() {
  local i=$1 cpus=$2
  shift 2
  env SSOT_HTTP_PORT=$((BASE_PORT + i)) SSOT_DATA_DIR="$DIR/data-$i" SSOT_CLUSTER_ENABLED=true \
    SSOT_CLUSTER_NAME="$NAME" SSOT_CLUSTER_NODE_ID="n$i" SSOT_PG_URL="postgresql://postgres@127.0.0.1:5432/$DB" \
    "$@" taskset -c "$cpus" java -jar target/ssot.jar >> "$DIR/n$i.log" 2>&1 &
  PIDS[$i]=$!
}
await_ready() {
  until curl -sf -o /dev/null "$(url "$1")/health/ready"; do
    kill -0 "${PIDS[$1]}" 2>/dev/null || { echo "node $1 stopped:" >&2; tail -5 "$DIR/n$1.log" >&2; exit 1; }
    sleep 0.1
  done
}

# leader_of <i>: the number of the node that node i names as leader (empty when none).
leader_of() {
  curl -s -H "$AUTH" "$(url "$1")/v1/cluster" | sed -n 's/.*"leader":{"id":"n\([0-9]*\)".*/\1/p'
}
await_leader() {
  local l=
  until [ -n "$l" ] && [ "$(curl -s -H "$AUTH" "$(url "$l")/v1/cluster" | grep -o '"role":"[a-z]*"' | head -1)" = '"role":"leader"' ]; do
    sleep 0.1
    l=$(leader_of "$1")
  done
  echo "$l"
}
revision() { curl -s "$(url "$1")/metrics" | awk '/^ssot_store_revision / { printf "%d", $2 }'; }
metric() { curl -s "$(url "$1")/metrics" | grep -E "^$2" | tr '\n' ' '; }

# median and max of numbers, one per line
stats() { sort -n | awk '{ a[NR] = $1 } END { printf "median %s, worst %s (of %d)", a[int((NR + 1) / 2)], a[NR], NR }'; }

# wrk's latency in ms (it prints us, ms or s)
to_ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }; printf "%.2f", v }'; }
# Redis's CPU time (user + system) so far, in ms; 0 without Redis.
redis_cpu_ms() {
  redis-cli -u "$REDIS" INFO cpu 2> /dev/null | tr -d '\r' \
    | awk -F: '$1 == "used_cpu_sys" || $1 == "used_cpu_user" { t += $2 } END { printf "%d", t * 1000 }'
}
# All PostgreSQL processes' CPU time (user + system) so far, in ms.
pg_cpu_ms() {
  local t=0 p
  for p in $(pgrep -x postgres); do t=$(( t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2> /dev/null || echo 0) )); done
  echo $(( t * 1000 / $(getconf CLK_TCK) ))
}
# CPU time (user + system, in clock ticks) a process has used so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# wrk_run <node> <out> <wrk args...>: prints "rps p50ms p99ms cpu-us-per-request" (of node's
# process: the figure that stays put on a busy machine, where throughput swings with what else runs)
wrk_run() {
  local pid=${PIDS[$1]} out=$2 ticks0
  shift 2
  ticks0=$(cpu_ticks "$pid")
  taskset -c 0 wrk -H "$AUTH" -t1 --latency "$@" > "$out"
  grep -qE "Non-2xx|Socket errors" "$out" && echo "WARNING: $(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' ')" >&2
  echo "$(awk '/^Requests\/sec:/ { print $2 }' "$out") $(awk '$1 == "50%" { print $2 }' "$out" | to_ms)" \
    "$(awk '$1 == "99%" { print $2 }' "$out" | to_ms)" \
    "$(awk -v t="$(( $(cpu_ticks "$pid") - ticks0 ))" -v hz="$(getconf CLK_TCK)" '/requests in/ { printf "%.1f", t * 1e6 / hz / $1 }' "$out")"
}
# ratio_stats: median, lowest and highest of numbers, one per line
ratio_stats() { sort -n | awk '{ a[NR] = $1 } END { printf "median %s (lowest %s, highest %s; %d pairs)", a[int((NR + 1) / 2)], a[1], a[NR], NR }'; }

part_failover() {
  echo "== failover: kill -9 of the leader under load, to the first write acknowledged by a survivor ($RUNS runs)"
  fresh_cluster
  for i in 1 2 3; do start_node "$i" 0-1 SSOT_REDIS_URL="$REDIS"; done
  for i in 1 2 3; do await_ready "$i"; done
  : > "$DIR/failover"
  for run in $(seq 1 "$RUNS"); do
    local leader survivors=() s t0 t1 code
    leader=$(await_leader 1)
    for i in 1 2 3; do [ "$i" != "$leader" ] && survivors+=("$i"); done
    # Sync writes through the leader and a follower until the kill.
    wrk -H "$AUTH" -t1 -c8 -d30s -s loadtest/put.lua "$(url "$leader")/v1/kv" > /dev/null 2>&1 &
    local w1=$!
    wrk -H "$AUTH" -t1 -c8 -d30s -s loadtest/put.lua "$(url "${survivors[0]}")/v1/kv" > /dev/null 2>&1 &
    local w2=$!
    sleep 3
    kill -9 "${PIDS[$leader]}"
    t0=$(now_ms)
    wait "${PIDS[$leader]}" 2>/dev/null || true
    t1=
    while [ -z "$t1" ]; do
      for s in "${survivors[@]}"; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 -X PUT -H "$AUTH" -H 'Content-Type: application/json' \
          -d "{\"run\":$run}" "$(url "$s")/v1/kv/failover/probe" || true)
        if [ "$code" = 200 ] || [ "$code" = 201 ]; then t1=$(now_ms); break; fi
      done
    done
    kill "$w1" "$w2" 2>/dev/null || true
    wait "$w1" "$w2" 2>/dev/null || true
    echo $((t1 - t0)) >> "$DIR/failover"
    local next
    next=$(await_leader "${survivors[0]}")
    # The killed node comes back with its data directory and must reach the leader's revision.
    start_node "$leader" 0-1 SSOT_REDIS_URL="$REDIS"
    await_ready "$leader"
    local want back=-1 deadline=$(( $(now_ms) + 30000 ))
    want=$(revision "$next")
    while [ "$(now_ms)" -lt "$deadline" ]; do
      back=$(revision "$leader")
      [ "$back" -ge "$want" ] && break
      sleep 0.2
    done
    echo "run $run: leader n$leader killed, n$next took a write after $((t1 - t0)) ms; n$leader restarted at revision $back (leader had $want)"
  done
  echo "failover time: $(stats < "$DIR/failover") ms"
}

# lag_run <label> [VAR=value ...]: three nodes, WRITE_RATE sync writes/s on the leader for
# LAG_SECONDS, then each follower's ssot_cluster_apply_lag.
lag_run() {
  local label=$1
  shift
  fresh_cluster
  for i in 1 2 3; do start_node "$i" 0-1 "$@"; done
  for i in 1 2 3; do await_ready "$i"; done
  local leader
  leader=$(await_leader 1)
  echo '{"success":[{"op":"put","key":"bench/lag","value":{"n":1,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}]}' > "$DIR/txn.json"
  # 20 clients x 500/s; up to 8 writes in flight each so that a slow group commit does not slow the rate.
  # A warm-up at the same rate, then the window measured: the buckets' counts before and after.
  h2load -H "$AUTH" -H 'Content-Type: application/json' -c20 -m8 --rps=$((WRITE_RATE / 20)) -D10 \
    -d "$DIR/txn.json" "$(url "$leader")/v1/txn" > /dev/null
  sleep 2
  for i in 1 2 3; do [ "$i" != "$leader" ] && lag_buckets "$i" > "$DIR/buckets0-$i"; done
  local redis0 pg0 nodes0=() i
  redis0=$(redis_cpu_ms); pg0=$(pg_cpu_ms)
  for i in 1 2 3; do nodes0[$i]=$(cpu_ticks "${PIDS[$i]}"); done
  h2load -H "$AUTH" -H 'Content-Type: application/json' -c20 -m8 --rps=$((WRITE_RATE / 20)) -D"$LAG_SECONDS" \
    -d "$DIR/txn.json" "$(url "$leader")/v1/txn" > "$DIR/h2load.out"
  echo "$label: $(grep -E '^finished in' "$DIR/h2load.out"); $(grep -E '^status codes' "$DIR/h2load.out")"
  # CPU per write, the inputs of a sizing: each node, Redis and PostgreSQL (all its processes).
  local writes hz cpu=""
  writes=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' "$DIR/h2load.out")
  hz=$(getconf CLK_TCK)
  for i in 1 2 3; do
    cpu+="n$i$([ "$i" = "$leader" ] && echo ' (leader)') $(( ($(cpu_ticks "${PIDS[$i]}") - nodes0[i]) * 1000000 / hz / writes )) us, "
  done
  echo "  CPU per write: ${cpu}Redis $(( ($(redis_cpu_ms) - redis0) * 1000 / writes )) us, PostgreSQL $(( ($(pg_cpu_ms) - pg0) * 1000 / writes )) us"
  sleep 2
  for i in 1 2 3; do
    [ "$i" = "$leader" ] && continue
    lag_buckets "$i" > "$DIR/buckets1-$i"
    echo "  follower n$i: apply lag over the ${LAG_SECONDS}s window $(window_percentiles "$DIR/buckets0-$i" "$DIR/buckets1-$i")," \
      "max since start $(metric "$i" 'ssot_cluster_apply_lag_seconds_max' | awk '{ print $2 }') s" \
      "(revision $(revision "$i"), leader $(revision "$leader"))"
  done
}

# lag_buckets <node>: "upper-bound cumulative-count" lines of ssot_cluster_apply_lag_seconds_bucket
lag_buckets() {
  curl -s "$(url "$1")/metrics" | sed -n 's/^ssot_cluster_apply_lag_seconds_bucket{le="\([^"]*\)"} \([0-9.eE+]*\)$/\1 \2/p'
}
# window_percentiles <before> <after>: p50, p99 (bucket upper bounds, in ms) and the count of the window
window_percentiles() {
  join <(sort "$1") <(sort "$2") | awk '$1 != "+Inf" { printf "%s %d\n", $1 * 1000, $3 - $2 }' | sort -g | awk '
    { le[NR] = $1; c[NR] = $2 } END {
      n = c[NR]; p50 = p99 = "?"
      for (i = 1; i <= NR; i++) { if (p50 == "?" && c[i] >= n * 0.50) p50 = le[i]; if (p99 == "?" && c[i] >= n * 0.99) p99 = le[i] }
      printf "p50 <= %s ms, p99 <= %s ms (%d revisions)", p50, p99, n }'
}

part_lag() {
  echo "== lag: follower apply lag at $WRITE_RATE sync writes/s for ${LAG_SECONDS}s after a 10 s warm-up (bucket bounds of ssot_cluster_apply_lag)"
  lag_run "with Redis" SSOT_REDIS_URL="$REDIS"
  lag_run "without Redis (poll every 1s)"
}

part_reads() {
  echo "== reads: single-key GET on a follower against a single node ($RUNS pairs of ${DURATION}s)"
  fresh_cluster
  local value='{"pool":{"min":4,"max":32},"timeoutMs":2500,"url":"pg://db-1.internal:5432/app","ssl":true,"replicas":["db-2.internal","db-3.internal"]}'
  start_node 1 0 SSOT_REDIS_URL="$REDIS"
  await_ready 1
  await_leader 1 > /dev/null
  start_node 2 1 SSOT_REDIS_URL="$REDIS" SSOT_HTTP_EVENT_LOOPS=1
  env SSOT_HTTP_PORT=$((BASE_PORT + 9)) SSOT_DATA_DIR="$DIR/data-9" SSOT_HTTP_EVENT_LOOPS=1 \
    taskset -c 1 java -jar target/ssot.jar >> "$DIR/n9.log" 2>&1 &
  PIDS[9]=$!
  await_ready 2
  await_ready 9
  curl -sf -o /dev/null -X PUT -H "$AUTH" -H 'Content-Type: application/json' -d "$value" "$(url 1)/v1/kv/payments/prod/db"
  curl -sf -o /dev/null -X PUT -H "$AUTH" -H 'Content-Type: application/json' -d "$value" "$(url 9)/v1/kv/payments/prod/db"
  until curl -sf -o /dev/null -H "$AUTH" "$(url 2)/v1/kv/payments/prod/db"; do sleep 0.1; done
  local follower single
  follower="$(url 2)/v1/kv/payments/prod/db"
  single="$(url 9)/v1/kv/payments/prod/db"
  taskset -c 0 wrk -H "$AUTH" -t1 -c64 -d15s "$follower" > /dev/null
  taskset -c 0 wrk -H "$AUTH" -t1 -c64 -d15s "$single" > /dev/null
  : > "$DIR/ratios"
  for run in $(seq 1 "$RUNS"); do
    local f s
    if [ $((run % 2)) = 1 ]; then
      s=$(wrk_run 9 "$DIR/wrk.out" -c64 -d"${DURATION}s" "$single"); f=$(wrk_run 2 "$DIR/wrk.out" -c64 -d"${DURATION}s" "$follower")
    else
      f=$(wrk_run 2 "$DIR/wrk.out" -c64 -d"${DURATION}s" "$follower"); s=$(wrk_run 9 "$DIR/wrk.out" -c64 -d"${DURATION}s" "$single")
    fi
    echo "pair $run: single node $s, follower $f (req/s p50ms p99ms cpu-us/req)"
    echo "$f $s" | awk '{ printf "%.3f\n", $1 / $5 }' >> "$DIR/ratios"
    echo "$f $s" | awk '{ printf "%.3f\n", $8 / $4 }' >> "$DIR/cpu-ratios"
  done
  echo "follower/single GET req/s: $(ratio_stats < "$DIR/ratios")"
  echo "follower/single GET by CPU per request (single's over the follower's): $(ratio_stats < "$DIR/cpu-ratios")"
}

part_forward() {
  echo "== forward: PUT through a follower (forwarded) against a PUT on the leader ($RUNS pairs of ${DURATION}s)"
  fresh_cluster
  for i in 1 2; do start_node "$i" 0-1 SSOT_REDIS_URL="$REDIS"; done
  for i in 1 2; do await_ready "$i"; done
  local leader follower
  leader=$(await_leader 1)
  follower=$((3 - leader))
  for c in 1 16; do
    taskset -c 0 wrk -H "$AUTH" -t1 -c"$c" -d5s -s loadtest/put.lua "$(url "$follower")/v1/kv" > /dev/null
    for run in $(seq 1 "$RUNS"); do
      local l f
      if [ $((run % 2)) = 1 ]; then
        l=$(wrk_run "$leader" "$DIR/wrk.out" -c"$c" -d"${DURATION}s" -s loadtest/put.lua "$(url "$leader")/v1/kv")
        f=$(wrk_run "$follower" "$DIR/wrk.out" -c"$c" -d"${DURATION}s" -s loadtest/put.lua "$(url "$follower")/v1/kv")
      else
        f=$(wrk_run "$follower" "$DIR/wrk.out" -c"$c" -d"${DURATION}s" -s loadtest/put.lua "$(url "$follower")/v1/kv")
        l=$(wrk_run "$leader" "$DIR/wrk.out" -c"$c" -d"${DURATION}s" -s loadtest/put.lua "$(url "$leader")/v1/kv")
      fi
      echo "$c connection(s), pair $run: on the leader $l, through the follower $f (req/s p50ms p99ms cpu-us/req of the node called)"
    done
  done
}

part_sync() {
  echo "== sync: durability=sync PUT (64 connections) on the leader of three nodes and on a single node ($RUNS pairs of ${DURATION}s)"
  fresh_cluster
  for i in 1 2 3; do start_node "$i" 0-1 SSOT_REDIS_URL="$REDIS"; done
  for i in 1 2 3; do await_ready "$i"; done
  local leader
  leader=$(await_leader 1)
  $PSQL -d postgres -c "DROP DATABASE IF EXISTS ${DB}_single WITH (FORCE)" -c "CREATE DATABASE ${DB}_single" > /dev/null
  env SSOT_HTTP_PORT=$((BASE_PORT + 9)) SSOT_DATA_DIR="$DIR/data-9" SSOT_PG_URL="postgresql://postgres@127.0.0.1:5432/${DB}_single" \
    java -jar target/ssot.jar >> "$DIR/n9.log" 2>&1 &
  PIDS[9]=$!
  await_ready 9
  local cl single
  cl="$(url "$leader")/v1/kv?durability=sync"
  single="$(url 9)/v1/kv?durability=sync"
  wrk -H "$AUTH" -t1 -c64 -d5s -s loadtest/put.lua "$cl" > /dev/null
  wrk -H "$AUTH" -t1 -c64 -d5s -s loadtest/put.lua "$single" > /dev/null
  for run in $(seq 1 "$RUNS"); do
    local c s
    if [ $((run % 2)) = 1 ]; then
      c=$(wrk_run "$leader" "$DIR/wrk.out" -c64 -d"${DURATION}s" -s loadtest/put.lua "$cl"); s=$(wrk_run 9 "$DIR/wrk.out" -c64 -d"${DURATION}s" -s loadtest/put.lua "$single")
    else
      s=$(wrk_run 9 "$DIR/wrk.out" -c64 -d"${DURATION}s" -s loadtest/put.lua "$single"); c=$(wrk_run "$leader" "$DIR/wrk.out" -c64 -d"${DURATION}s" -s loadtest/put.lua "$cl")
    fi
    echo "pair $run: cluster leader $c, single node $s (req/s p50ms p99ms cpu-us/req)"
  done
  stop_all
  $PSQL -d postgres -c "DROP DATABASE IF EXISTS ${DB}_single WITH (FORCE)" > /dev/null || true
}

echo "$(date -u +%FT%TZ) on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
PARTS=("$@")
[ ${#PARTS[@]} = 0 ] || [ "${PARTS[0]}" = all ] && PARTS=(failover lag reads forward sync)
for p in "${PARTS[@]}"; do
  case "$p" in
    failover|lag|reads|forward|sync) "part_$p" ;;
    *) echo "unknown part $p (failover|lag|reads|forward|sync|all)" >&2; exit 2 ;;
  esac
done
