#!/usr/bin/env bash
# Checks what can be checked of docker/ without a container engine (README, "docker/"):
#   - docker/prometheus.yml with promtool: its syntax as it is, then in full (files it names must
#     exist) on a copy whose token file points to a temporary one, as the compose secret is only
#     there inside the container;
#   - every PromQL expression of the Grafana dashboard, parsed by promtool as recording rules (the
#     dashboard's variables replaced by values they take);
#   - with --tests, also ComposeFileTest (compose.yaml against the Compose JSON Schema, node
#     settings, targets), ComposeHealthcheckTest (the nodes' healthcheck against a real server)
#     and DashboardMetricsTest (the dashboard's metric names against a real server's /metrics),
#     which otherwise run with the test suite.
# Needs promtool (Debian: apt-get install prometheus) and jq.
#
#   docker/check.sh [--tests]
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in promtool jq; do
  command -v "$tool" > /dev/null || { echo "missing $tool (apt-get install prometheus jq)" >&2; exit 2; }
done
TMP=$(mktemp -d /tmp/ssot-docker-check.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

promtool check config --syntax-only docker/prometheus.yml

echo "token-for-promtool-check" > "$TMP/ssot_admin_token"
sed "s|/run/secrets/ssot_admin_token|$TMP/ssot_admin_token|" docker/prometheus.yml > "$TMP/prometheus.yml"
grep -q "$TMP/ssot_admin_token" "$TMP/prometheus.yml" || { echo "prometheus.yml names no /run/secrets/ssot_admin_token" >&2; exit 1; }
promtool check config "$TMP/prometheus.yml"

# Grafana's $__rate_interval is at least four scrape intervals (15 s here); $instance is a regex.
jq -r '[.panels[] | .targets[]? | .expr] | to_entries[]
       | "      - record: ssot:dashboard:expr\(.key)\n        expr: \(.value | tojson)"' \
  docker/grafana/dashboards/ssot.json \
  | sed 's/\$__rate_interval/1m/g; s/\$instance/.*/g' > "$TMP/exprs"
[ -s "$TMP/exprs" ] || { echo "the dashboard has no PromQL expression" >&2; exit 1; }
{ echo "groups:"; echo "  - name: dashboard"; echo "    rules:"; cat "$TMP/exprs"; } > "$TMP/dashboard-rules.yml"
echo "Dashboard: $(grep -c 'record:' "$TMP/dashboard-rules.yml") PromQL expressions"
promtool check rules "$TMP/dashboard-rules.yml"

if [ "${1:-}" = "--tests" ]; then
  mvn -B -q test -pl protocol,server -am -Dtest='ComposeFileTest,ComposeHealthcheckTest,DashboardMetricsTest' \
    -Dsurefire.failIfNoSpecifiedTests=false -DskipITs
fi
