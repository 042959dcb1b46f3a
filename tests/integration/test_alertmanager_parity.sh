#!/usr/bin/env bash
# hawatch's alert path against the real Alertmanager 0.25: both get the same config (route with
# group_by, a child route, an inhibit rule) and the same posted alerts, and each sends its
# webhooks to a sink of its own. The version 4 messages must be the same, field for field
# (fingerprints, group keys, order of alerts, common labels, statuses), apart from the
# externalURL, which both are told.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd prometheus-alertmanager

TOOL=${HAWATCH_BUILD_DIR:?}/alerting/alert_pipeline_tool
[[ -x $TOOL ]] || fail "alert_pipeline_tool not built ($TOOL)"
SINK=$HAWATCH_FIXTURES/alerting/webhook_sink.py
AM_PORT=$(free_port)
AM_SINK=$(free_port)
HW_SINK=$(free_port)

# config FILE SINK_PORT [EXTRA] : the shared config, pointing at one sink.
config() {
  cat >"$1" <<YAML
route:
  receiver: admin
  group_by: [alertname, site]
  group_wait: 1s
  group_interval: 1m
  routes:
    - matchers: ['severity="critical"']
      receiver: oncall
      group_by: ['...']
inhibit_rules:
  - source_matchers: ['alertname="UpsOnBattery"']
    target_matchers: ['severity="warning"']
    equal: [site]
receivers:
  - name: admin
    webhook_configs: [ { url: "http://127.0.0.1:$2/admin", send_resolved: true } ]
  - name: oncall
    webhook_configs: [ { url: "http://127.0.0.1:$2/oncall", send_resolved: true } ]
${3:-}
YAML
}
config "$TMP/am.yml" "$AM_SINK"
config "$TMP/hawatch.yml" "$HW_SINK" "external_url: http://parity.example:9093"

start_bg am-sink "$TMP/am-sink.log" "$PY" "$SINK" "$TMP/am-out" "$AM_SINK" 200
start_bg hw-sink "$TMP/hw-sink.log" "$PY" "$SINK" "$TMP/hw-out" "$HW_SINK" 200
start_bg alertmanager "$TMP/am.log" prometheus-alertmanager --config.file="$TMP/am.yml" \
  --storage.path="$TMP/am-data" --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= \
  --web.external-url=http://parity.example:9093
wait_until 20 "alertmanager ready" "curl -sf http://127.0.0.1:$AM_PORT/-/ready >/dev/null"

# Explicit times, so both see the same alerts; one resolved, one inhibited, one critical. The
# inhibited one is new (it waits group_wait): Alertmanager flushes an old alert's new group at
# once, which can be before its inhibitor has seen the source alert of the same request.
now=$(date -u +%s)
t() { date -u -d "@$((now + $1))" +%Y-%m-%dT%H:%M:%S.123Z; }
cat >"$TMP/alerts.json" <<JSON
[
 {"labels": {"alertname": "DiskFull", "site": "main", "instance": "pi2", "job": "node",
             "odd": "quote\" nl\n tab\t"},
  "annotations": {"summary": "disk full", "runbook": "r1"}, "startsAt": "$(t -600)",
  "endsAt": "$(t 600)", "generatorURL": "http://prom/graph?g0.expr=1"},
 {"labels": {"alertname": "DiskFull", "site": "main", "instance": "pi1", "job": "node"},
  "annotations": {"summary": "disk full"}, "startsAt": "$(t -300)", "endsAt": "$(t 600)"},
 {"labels": {"alertname": "DiskFull", "site": "main", "instance": "pi3"},
  "annotations": {"summary": "disk full"}, "startsAt": "$(t -900)", "endsAt": "$(t -60)"},
 {"labels": {"alertname": "UpsOnBattery", "site": "lab"}, "startsAt": "$(t -120)",
  "endsAt": "$(t 600)"},
 {"labels": {"alertname": "TempHigh", "site": "lab", "severity": "warning"},
  "startsAt": "$(t 0)", "endsAt": "$(t 600)"},
 {"labels": {"alertname": "VipLost", "site": "main", "severity": "critical", "vip": "10.0.0.1"},
  "startsAt": "$(t -30)", "endsAt": "$(t 600)"}
]
JSON

# Alertmanager's inhibitor learns of alerts asynchronously: the source alert goes first, and the
# rest once its API shows the source as inhibiting (hawatch's inhibitor sees every alert before
# the dispatcher does).
jq '[.[] | select(.labels.alertname == "UpsOnBattery")]' "$TMP/alerts.json" >"$TMP/source.json"
jq '[.[] | select(.labels.alertname != "UpsOnBattery")]' "$TMP/alerts.json" >"$TMP/rest.json"
run_capture curl -sf -XPOST -H 'Content-Type: application/json' \
  "http://127.0.0.1:$AM_PORT/api/v2/alerts" --data-binary @"$TMP/source.json"
assert_eq 0 "$RC" "alertmanager took the source alert"
probe='[{"labels": {"alertname": "Probe", "site": "lab", "severity": "warning"}}]'
wait_until 10 "alertmanager's inhibitor knowing the source alert" "
  curl -sf -XPOST -H 'Content-Type: application/json' --data '$probe' \
    http://127.0.0.1:$AM_PORT/api/v2/alerts >/dev/null &&
  curl -sf 'http://127.0.0.1:$AM_PORT/api/v2/alerts?filter=alertname%3D%22Probe%22' |
    jq -e '.[0].status.inhibitedBy | length > 0' >/dev/null"
run_capture curl -sf -XPOST -H 'Content-Type: application/json' \
  "http://127.0.0.1:$AM_PORT/api/v2/alerts" --data-binary @"$TMP/rest.json"
assert_eq 0 "$RC" "alertmanager took the other alerts"
run_capture "$TOOL" "$TMP/hawatch.yml" "$TMP/alerts.json" "$TMP/hw-state" 3
assert_eq 0 "$RC" "hawatch delivered three notifications (stderr: $ERR)"
wait_until 20 "alertmanager's three notifications" \
  "[[ \$(find '$TMP/am-out' -name '[0-9]*.json' ! -name '*.headers.json' | wc -l) -ge 3 ]]"

# Each side's messages, keyed by groupKey, keys sorted.
messages() { jq -S -s 'map({(.groupKey): .}) | add' "$1"/[0-9][0-9][0-9][0-9].json; }
am=$(messages "$TMP/am-out")
hw=$(messages "$TMP/hw-out")
assert_eq "$(jq -r 'keys | join(" ")' <<<"$am")" "$(jq -r 'keys | join(" ")' <<<"$hw")" \
  "the same groups (group keys)"
assert_eq 3 "$(jq 'keys | length' <<<"$hw")" "three groups (TempHigh inhibited by UpsOnBattery)"
for key in $(jq -r 'keys[] | @base64' <<<"$am"); do
  k=$(base64 -d <<<"$key")
  a=$(jq -S --arg k "$k" '.[$k]' <<<"$am")
  h=$(jq -S --arg k "$k" '.[$k]' <<<"$hw")
  [[ $a == "$h" ]] || fail "group $k differs:
$(diff <(echo "$a") <(echo "$h"))"
  ok "group $k: the same message as Alertmanager's"
done
