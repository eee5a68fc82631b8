#!/usr/bin/env bash
# The monitoring of docker/ run for real, without containers: one node of the jar in cluster mode
# (on a fresh PostgreSQL database and the local Redis, asking a token for /metrics as a node on a
# non-loopback bind does) scraped by Prometheus (Debian's prometheus package) with
# docker/prometheus.yml, only its target, token file, port and scrape interval changed. After some
# requests every PromQL expression of the Grafana dashboard, and its node variable, must return
# at least one series from that Prometheus.
#
#   docker/live-check.sh [jar=target/ssot.jar]
#
# Needs java, prometheus, jq, curl, psql (PostgreSQL at 127.0.0.1:5432, user postgres) and Redis
# at 127.0.0.1:6379. Takes about 20 s.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=${1:-target/ssot.jar}
[ -f "$JAR" ] || { echo "missing $JAR: build it first (mvn -B -q -DskipTests package -pl protocol,server -am)" >&2; exit 2; }
for tool in java prometheus jq curl psql redis-cli; do
  command -v "$tool" > /dev/null || { echo "missing $tool" >&2; exit 2; }
done
TMP=$(mktemp -d /tmp/ssot-live-check.XXXXXX)
NAME=ssot_live_check_$$
TOKEN=live-check-token-$RANDOM$RANDOM$RANDOM
SERVER= PROMETHEUS=
cleanup() {
  [ -n "$PROMETHEUS" ] && kill "$PROMETHEUS" 2>/dev/null && wait "$PROMETHEUS" 2>/dev/null
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" > /dev/null || true
  redis-cli -h 127.0.0.1 DEL "ssot:$NAME:commits" > /dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "live check: $*" >&2; exit 1; }

psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $NAME"
SSOT_HTTP_HOST=127.0.0.1 SSOT_HTTP_PORT=0 SSOT_DATA_DIR="$TMP/data" SSOT_AUTH_ANONYMOUS_MONITORING=never \
  SSOT_ADMIN_TOKEN=$TOKEN SSOT_CLUSTER_ENABLED=true SSOT_CLUSTER_NAME=$NAME SSOT_CLUSTER_NODE_ID=n1 \
  SSOT_PG_URL=postgresql://postgres@127.0.0.1:5432/$NAME SSOT_REDIS_URL=redis://127.0.0.1:6379 \
  java -jar "$JAR" > "$TMP/server.log" 2>&1 &
SERVER=$!
PORT=
for _ in $(seq 600); do
  PORT=$(sed -n 's|.*Serving on http://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$TMP/server.log")
  [ -n "$PORT" ] && break
  kill -0 "$SERVER" 2>/dev/null || break
  sleep 0.1
done
[ -n "$PORT" ] || { cat "$TMP/server.log" >&2; fail "the node did not start"; }
NODE=http://127.0.0.1:$PORT
A="Authorization: Bearer $TOKEN"

# A free port for Prometheus (it cannot report one it picked itself).
PROM_PORT=
for _ in $(seq 50); do
  p=$(( 20000 + RANDOM % 20000 ))
  if ! (exec 3<> "/dev/tcp/127.0.0.1/$p") 2>/dev/null; then PROM_PORT=$p; break; fi
done
[ -n "$PROM_PORT" ] || fail "no free port for Prometheus"
PROM=http://127.0.0.1:$PROM_PORT
printf '%s' "$TOKEN" > "$TMP/token"
sed -e "s|/run/secrets/ssot_admin_token|$TMP/token|" \
    -e "s|\[\"ssot-1:8080\", \"ssot-2:8080\", \"ssot-3:8080\"\]|[\"127.0.0.1:$PORT\"]|" \
    -e "s|scrape_interval: 15s|scrape_interval: 1s|" \
    -e "s|localhost:9090|127.0.0.1:$PROM_PORT|" docker/prometheus.yml > "$TMP/prometheus.yml"
for changed in "$TMP/token" "127.0.0.1:$PORT" "scrape_interval: 1s" "127.0.0.1:$PROM_PORT"; do
  grep -qF "$changed" "$TMP/prometheus.yml" || fail "docker/prometheus.yml changed shape: could not set $changed"
done
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
  --web.listen-address="127.0.0.1:$PROM_PORT" > "$TMP/prometheus.log" 2>&1 &
PROMETHEUS=$!
for _ in $(seq 100); do curl -sf -o /dev/null "$PROM/-/ready" && break; sleep 0.2; done
curl -sf -o /dev/null "$PROM/-/ready" || { cat "$TMP/prometheus.log" >&2; fail "Prometheus did not start"; }

# Requests of a few kinds, a 404 among them. Writes get 503 until the node holds the leader's lock.
put() { curl -sf -o /dev/null -X PUT -H "$A" -d "{\"n\":$1}" "$NODE/v1/kv/live/k$1"; }
for _ in $(seq 150); do put 0 && break; sleep 0.2; done
put 0 || fail "the node takes no write: $(curl -s -H "$A" "$NODE/v1/cluster")"
for i in $(seq 1 10); do
  put "$i" || fail "a write failed"
  curl -s -o /dev/null -H "$A" "$NODE/v1/kv/live/k$i"
  curl -s -o /dev/null -H "$A" "$NODE/v1/kv/live/missing"
  curl -s -o /dev/null -H "$A" "$NODE/v1/kv?prefix=live/"
  sleep 0.5
done

query() { curl -sf --get --data-urlencode "query=$1" "$PROM/api/v1/query"; }
for _ in $(seq 60); do
  [ "$(query 'count_over_time(up{job="ssot"}[1m])' | jq -r '.data.result[0].value[1] // 0')" -ge 5 ] && break
  sleep 0.5
done
TARGET=$(curl -sf "$PROM/api/v1/targets" | jq -c '.data.activeTargets[] | select(.labels.job == "ssot") | {health, lastError}')
echo "ssot target: $TARGET"
[ "$(jq -r .health <<< "$TARGET")" = up ] || fail "Prometheus does not scrape the node: $TARGET"

# Grafana's $__rate_interval is at least four scrape intervals (15 s in compose.yaml).
FAILED=0
COUNT=0
while IFS= read -r expr; do
  q=$(sed 's/\$__rate_interval/1m/g; s/\$instance/.*/g' <<< "$expr")
  series=$(query "$q" | jq -r 'if .status == "success" then (.data.result | length) else -1 end') || series=-1
  COUNT=$((COUNT + 1))
  if [ "$series" -lt 1 ]; then
    echo "NO DATA  $q"
    FAILED=$((FAILED + 1))
  fi
done < <(jq -r '.panels[] | .targets[]? | .expr' docker/grafana/dashboards/ssot.json)
VARIABLE=$(jq -r '.templating.list[0].definition' docker/grafana/dashboards/ssot.json)
METRIC=$(sed -n 's/^label_values(\([a-z_]*\), instance)$/\1/p' <<< "$VARIABLE")
[ -n "$METRIC" ] || fail "unexpected node variable: $VARIABLE"
INSTANCES=$(curl -sf --get --data-urlencode "match[]=$METRIC" "$PROM/api/v1/label/instance/values" | jq -c .data)
[ "$INSTANCES" = "[\"127.0.0.1:$PORT\"]" ] || { echo "NO DATA  $VARIABLE: $INSTANCES"; FAILED=$((FAILED + 1)); }
echo "dashboard: $COUNT expressions and the node variable queried, $FAILED without data"
[ "$FAILED" -eq 0 ] || fail "$FAILED queries of the dashboard found nothing"
