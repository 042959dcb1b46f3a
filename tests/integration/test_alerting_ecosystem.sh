#!/usr/bin/env bash
# hawatch inside a central Prometheus stack, with the real tools: a Prometheus 2.42 that lists
# hawatch under alerting.alertmanagers delivers its alerts into hawatch (POST /api/v2/alerts),
# and an Alertmanager 0.25 (gossip off) sends its webhook to hawatch's /api/v1/webhook; in both
# cases hawatch's own webhook receiver (a real HTTP server) gets the alerts, firing and then
# resolved.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd prometheus prometheus-alertmanager

SINK_PORT=$(free_port)
start_bg sink "$TMP/sink.log" "$PY" "$HAWATCH_FIXTURES/alerting/webhook_sink.py" "$TMP/out" "$SINK_PORT" 200
wait_until 10 "sink listening" "grep -q listening '$TMP/sink.log'"
cat >"$TMP/hawatch.yml" <<YAML
collectors: { node: {} }
alerting:
  spool_directory: $TMP/spool
  route: { receiver: hook, group_by: [alertname], group_wait: 0s, group_interval: 1s }
  receivers:
    - name: hook
      webhook_configs: [ { url: "http://127.0.0.1:$SINK_PORT/hook", send_resolved: true } ]
YAML
start_hawatch "--config.file=$TMP/hawatch.yml"

# sink_has JQ_FILTER : some delivered message satisfies the filter
sink_has() {
  local f
  for f in "$TMP"/out/[0-9]*.json; do
    [[ $f == *.headers.json || ! -e $f ]] && continue
    jq -e "$1" "$f" >/dev/null 2>&1 && return 0
  done
  return 1
}

# ---- Prometheus -> hawatch -----------------------------------------------------------------------
PROM_PORT=$(free_port)
cat >"$TMP/prom-rules.yml" <<'YAML'
groups:
  - name: central
    interval: 1s
    rules:
      - alert: CentralSeesPiDown
        expr: vector(1)
        labels: { severity: critical, site: amslpr }
        annotations: { summary: "from the central Prometheus" }
YAML
cat >"$TMP/prometheus.yml" <<YAML
global: { evaluation_interval: 1s, scrape_interval: 5s }
rule_files: [ $TMP/prom-rules.yml ]
alerting:
  alertmanagers:
    - api_version: v2
      static_configs: [ { targets: [ "127.0.0.1:$HAWATCH_PORT" ] } ]
YAML
# Its first send goes before service discovery has found hawatch (and is dropped, as
# Prometheus does): a short resend delay sends again soon.
start_bg prometheus "$TMP/prometheus.log" prometheus --config.file="$TMP/prometheus.yml" \
  --storage.tsdb.path="$TMP/tsdb" --web.listen-address="127.0.0.1:$PROM_PORT" \
  --web.external-url="http://prom.test:9090" --rules.alert.resend-delay=1s
PROM_PID=$BG_PID
wait_until 30 "hawatch's receiver gets Prometheus' alert" \
  "sink_has '.alerts[] | select(.labels.alertname == \"CentralSeesPiDown\" and .status == \"firing\")'"
ok "a real Prometheus delivers its alert into hawatch, and hawatch's webhook receiver gets it"
GOT=$(hcurl /api/v2/alerts | jq '.[] | select(.labels.alertname == "CentralSeesPiDown")')
assert_contains "$(jq -r .generatorURL <<<"$GOT")" "http://prom.test:9090/graph?g0.expr=vector" \
  "the alert keeps Prometheus' generatorURL"
assert_eq "amslpr critical" "$(jq -r '"\(.labels.site) \(.labels.severity)"' <<<"$GOT")" "and its labels"
run_capture curl -sS "http://127.0.0.1:$PROM_PORT/api/v1/alertmanagers"
assert_contains "$OUT" "127.0.0.1:$HAWATCH_PORT/api/v2/alerts" "Prometheus lists hawatch as an active Alertmanager"
# The rule goes away: Prometheus sends the alert resolved, hawatch's receiver hears of it.
: >"$TMP/prom-rules.yml"
echo 'groups: []' >"$TMP/prom-rules.yml"
kill -HUP "$PROM_PID"
wait_until 30 "the resolution arrives" \
  "sink_has '.alerts[] | select(.labels.alertname == \"CentralSeesPiDown\" and .status == \"resolved\")'"
ok "the resolved alert is delivered too"
stop_process "$PROM_PID" TERM 10

# ---- Alertmanager's webhook -> hawatch ------------------------------------------------------------
AM_PORT=$(free_port)
cat >"$TMP/am.yml" <<YAML
route: { receiver: to-hawatch, group_by: [alertname], group_wait: 0s, group_interval: 1s }
receivers:
  - name: to-hawatch
    webhook_configs: [ { url: "http://127.0.0.1:$HAWATCH_PORT/api/v1/webhook", send_resolved: true } ]
YAML
start_bg alertmanager "$TMP/am.log" prometheus-alertmanager --config.file="$TMP/am.yml" \
  --storage.path="$TMP/am-data" --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address=
wait_until 20 "alertmanager ready" "curl -sf http://127.0.0.1:$AM_PORT/-/ready >/dev/null"
AM=(amtool --no-version-check "--alertmanager.url=http://127.0.0.1:$AM_PORT")
run_capture "${AM[@]}" alert add UpsOnBatteryCentral ups=ups1 --annotation=summary="on battery"
assert_eq 0 "$RC" "the alert is given to Alertmanager ($ERR)"
wait_until 30 "hawatch's receiver gets Alertmanager's alert" \
  "sink_has '.alerts[] | select(.labels.alertname == \"UpsOnBatteryCentral\" and .status == \"firing\")'"
ok "Alertmanager's webhook reaches hawatch and hawatch's receiver delivers the alert"
assert_eq "on battery" "$(hcurl /api/v2/alerts | jq -r '.[] | select(.labels.alertname == "UpsOnBatteryCentral") | .annotations.summary')" \
  "hawatch holds the alert with its annotations"
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
run_capture "${AM[@]}" alert add UpsOnBatteryCentral ups=ups1 --annotation=summary="on battery" --end="$NOW"
assert_eq 0 "$RC" "the alert is resolved at Alertmanager ($ERR)"
wait_until 30 "the resolution arrives through both" \
  "sink_has '.alerts[] | select(.labels.alertname == \"UpsOnBatteryCentral\" and .status == \"resolved\")'"
ok "Alertmanager's resolved webhook resolves the alert at hawatch's receiver"
M=$(scrape)
assert_match "$M" '^hawatch_alerting_alerts_received_total\{source="api"\} [1-9]' "Prometheus' alerts counted as api"
assert_match "$M" '^hawatch_alerting_alerts_received_total\{source="webhook"\} [1-9]' "Alertmanager's as webhook"
