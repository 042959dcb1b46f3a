#!/usr/bin/env bash
# The daemon's alerting service end to end: alerts POSTed to /api/v2/alerts (what a Prometheus
# sends) and Alertmanager webhook messages POSTed to /api/v1/webhook are routed to hawatch's
# webhook receiver (a real HTTP server, tests/fixtures/alerting/webhook_sink.py); GET
# /api/v2/alerts shows them in Alertmanager's shape; bad payloads are answered 400 with the reason
# and change nothing; an inbound HMAC secret refuses unsigned and forged requests; the metrics are
# served; the local rules' alerts reach the receiver too; a reload keeps silences and the spool.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SINK=$HAWATCH_FIXTURES/alerting/webhook_sink.py
SINK_PORT=$(free_port)
start_bg sink "$TMP/sink.log" "$PY" "$SINK" "$TMP/out" "$SINK_PORT" 200
wait_until 10 "sink listening" "grep -q listening '$TMP/sink.log'"
printf 'inbound-secret\n' >"$TMP/inbound"

cat >"$TMP/rules.yml" <<'YAML'
groups:
  - name: local
    interval: 1s
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
        labels: { severity: info, team: local }
        annotations: { summary: "always" }
YAML

write_config() {  # EXTRA_ROUTE_LINES
  cat >"$TMP/hawatch.yml" <<YAML
global: { external_url: "http://hawatch.test:9847" }
collectors: { node: {} }
rule_files: [ $TMP/rules.yml ]
alerting:
  spool_directory: $TMP/spool
  route:
    receiver: hook
    group_by: [alertname]
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 1h
${1:-}
  receivers:
    - name: hook
      webhook_configs: [ { url: "http://127.0.0.1:$SINK_PORT/hook", send_resolved: true } ]
    - name: other
YAML
}
write_config
run_capture "$HAWATCH_BIN" --check-config "--config.file=$TMP/hawatch.yml"
assert_eq 0 "$RC" "--check-config accepts the alerting section ($ERR)"
assert_not_contains "$ERR" "not implemented" "the alerting section is no longer announced as ignored"

# A receiver kind this build cannot deliver to is an error at its place, not silently ignored.
cat >"$TMP/unknown.yml" <<YAML
alerting:
  route: { receiver: r }
  receivers:
    - name: r
      smoke_signal_configs: [ {} ]
    - name: s
      exec_configs: [ { command: [/bin/true] } ]
YAML
run_capture "$HAWATCH_BIN" --check-config "--config.file=$TMP/unknown.yml"
assert_eq 1 "$RC" "--check-config refuses an unknown receiver kind"
assert_match "$ERR" "^$TMP/unknown.yml:5:7: .*smoke_signal_configs" "the unknown key is named at FILE:LINE:COL"
if ! grep -q '"exec_configs", each<' "$HAWATCH_SOURCE_DIR/alerting/service/build_receivers.cpp"; then
  assert_match "$ERR" "^$TMP/unknown.yml:7:21: .*exec_configs is not supported" \
    "a kind not built in is an error at FILE:LINE:COL"
fi
sed -i 's/    group_wait: 0s/    group_wait: soon/' "$TMP/hawatch.yml"
run_capture "$HAWATCH_BIN" --check-config "--config.file=$TMP/hawatch.yml"
assert_eq 1 "$RC" "--check-config refuses a bad duration in the route"
assert_match "$ERR" "^$TMP/hawatch.yml:[0-9]+:[0-9]+: .*group_wait" "named at FILE:LINE:COL"
write_config

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

# ---- POST /api/v2/alerts: the shape Prometheus sends ------------------------------------------
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LATER=$(date -u -d '+10 min' +%Y-%m-%dT%H:%M:%SZ)
ALERTS='[{"labels":{"alertname":"DiskFull","instance":"pi1","severity":"critical"},
          "annotations":{"summary":"disk full"},"startsAt":"'$NOW'","endsAt":"'$LATER'",
          "generatorURL":"http://prom/graph"}]'
CODE=$(curl -s -o "$TMP/post.out" -w '%{http_code}' -XPOST -H 'Content-Type: application/json' \
  --data "$ALERTS" "$HAWATCH_URL/api/v2/alerts")
assert_eq 200 "$CODE" "POST /api/v2/alerts is taken"
wait_until 10 "the webhook receives DiskFull" \
  "sink_has '.alerts[] | select(.labels.alertname == \"DiskFull\")'"
ok "the webhook receiver got the posted alert"
sink_has '.version == "4" and .receiver == "hook" and .externalURL == "http://hawatch.test:9847"' ||
  fail "message is not Alertmanager's version 4 for receiver hook"
ok "version 4 message for receiver hook with the external URL"
HDR=$(ls "$TMP"/out/*.headers.json | head -n1)
assert_match "$(jq -r '."Idempotency-Key"' "$HDR")" '^[0-9a-f-]{36}$' "an idempotency key header (a UUID) is sent"

GOT=$(hcurl /api/v2/alerts)
assert_eq "DiskFull" "$(jq -r '.[] | select(.labels.alertname == "DiskFull") | .labels.alertname' <<<"$GOT")" \
  "GET /api/v2/alerts lists the posted alert"
assert_eq "active hook" "$(jq -r '.[] | select(.labels.alertname == "DiskFull") | "\(.status.state) \(.receivers[0].name)"' <<<"$GOT")" \
  "with its state and receiver"
assert_match "$(jq -r '.[] | select(.labels.alertname == "DiskFull") | .fingerprint' <<<"$GOT")" '^[0-9a-f]{16}$' \
  "and its fingerprint"

# ---- the local rules' alerts go the same way ---------------------------------------------------
wait_until 15 "the webhook receives the local rule's alert" \
  "sink_has '.alerts[] | select(.labels.alertname == \"AlwaysFiring\" and .labels.team == \"local\")'"
ok "a local rule's firing alert reaches the webhook receiver"
sink_has '.alerts[] | select(.labels.alertname == "AlwaysFiring") | .generatorURL | startswith("http://hawatch.test:9847/graph?g0.expr=")' ||
  fail "the local alert's generatorURL is not Prometheus' table link"
ok "the local alert's generatorURL is the expression's link"
LOCAL_END=$(hcurl /api/v2/alerts | jq -r '.[] | select(.labels.alertname == "AlwaysFiring") | .endsAt')
END_S=$(date -d "$LOCAL_END" +%s)
DELTA=$((END_S - $(date +%s)))
((DELTA > 150 && DELTA <= 245)) || fail "endsAt of a local alert is now+$DELTA s, expected ~4*max(1s eval, 1m resend)=240 s"
ok "a local alert's endsAt is now + 4 * max(interval, resend delay) (+$DELTA s)"

# ---- POST /api/v1/webhook: an Alertmanager's message -------------------------------------------
MSG='{"version":"4","groupKey":"{}:{alertname=\"UpstreamDown\"}","truncatedAlerts":0,"status":"firing",
      "receiver":"central","groupLabels":{"alertname":"UpstreamDown"},"commonLabels":{},
      "commonAnnotations":{},"externalURL":"http://am:9093",
      "alerts":[{"status":"firing","labels":{"alertname":"UpstreamDown","site":"amslpr"},
                 "annotations":{},"startsAt":"'$NOW'","endsAt":"0001-01-01T00:00:00Z",
                 "generatorURL":"","fingerprint":"0123456789abcdef"}]}'
assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' -XPOST --data "$MSG" "$HAWATCH_URL/api/v1/webhook")" \
  "POST /api/v1/webhook is taken"
wait_until 10 "the webhook receives UpstreamDown" \
  "sink_has '.alerts[] | select(.labels.alertname == \"UpstreamDown\")'"
ok "an Alertmanager webhook message's alerts reach hawatch's receiver"

# ---- bad payloads: 400 with the reason, nothing changed ----------------------------------------
BEFORE=$(hcurl /api/v2/alerts | jq -S '[.[] | .fingerprint] | sort')
bad() {  # PATH BODY EXPECTED_REASON MESSAGE
  local code
  code=$(curl -s -o "$TMP/bad.out" -w '%{http_code}' -XPOST --data-binary "$2" "$HAWATCH_URL$1")
  assert_eq 400 "$code" "$4: 400"
  assert_contains "$(cat "$TMP/bad.out")" "$3" "$4: the reason"
}
bad /api/v2/alerts '{"not":"a list"}' "expected a list of alerts" "an object for alerts"
bad /api/v2/alerts '[{"labels":{"alertname":"Good"}},{"labels":{}}]' "at least one label pair" \
  "one bad alert among good ones"
bad /api/v2/alerts '[{"labels":{"alertname":"X"},"startsAt":"yesterday"}]' "RFC 3339" "a bad time"
bad /api/v2/alerts '[{"labels":{"alert name":"X"}}]' "invalid label name" "a bad label name"
bad /api/v2/alerts '[{"labels' "not JSON" "truncated JSON"
bad /api/v1/webhook '{"version":"3","alerts":[]}' 'version \"4\"' "a webhook of another version"
bad /api/v2/silences '{"matchers":[]}' "" "a silence without times"
AFTER=$(hcurl /api/v2/alerts | jq -S '[.[] | .fingerprint] | sort')
assert_eq "$BEFORE" "$AFTER" "bad payloads changed no alert"
assert_eq 0 "$(hcurl /api/v2/alerts | jq '[.[] | select(.labels.alertname == "Good")] | length')" \
  "the good alert of a rejected batch was not taken"
head -c 2000000 /dev/zero | tr '\0' 'x' >"$TMP/big"
assert_eq 413 "$(curl -s -o /dev/null -w '%{http_code}' -XPOST --data-binary @"$TMP/big" "$HAWATCH_URL/api/v2/alerts")" \
  "a body over 1 MiB is refused (413)"

# ---- silences survive a reload; the routing changes -------------------------------------------
SIL='{"matchers":[{"name":"alertname","value":"DiskFull","isRegex":false,"isEqual":true}],
      "startsAt":"'$NOW'","endsAt":"'$LATER'","createdBy":"test","comment":"maintenance"}'
SID=$(curl -sS -XPOST --data "$SIL" "$HAWATCH_URL/api/v2/silences" | jq -r .silenceID)
assert_match "$SID" '^[0-9a-f-]{36}$' "a silence is created"
assert_eq suppressed "$(hcurl /api/v2/alerts | jq -r '.[] | select(.labels.alertname == "DiskFull") | .status.state')" \
  "the silenced alert is suppressed"
write_config "    routes: [ { matchers: ['team=\"local\"'], receiver: other } ]"
kill -HUP "$HAWATCH_PID"
wait_until 10 "reload" "grep -q 'configuration reloaded' '$HAWATCH_LOG'"
assert_eq "$SID" "$(hcurl "/api/v2/silence/$SID" | jq -r .id)" "the silence is kept across the reload"
assert_eq other "$(hcurl /api/v2/alerts | jq -r '.[] | select(.labels.alertname == "AlwaysFiring") | .receivers[0].name')" \
  "the reloaded route sends the local alert to another receiver"
# A bad new alerting section keeps the running one.
write_config "    routes: [ { receiver: nobody } ]"
kill -HUP "$HAWATCH_PID"
wait_until 10 "bad reload reported" "grep -q 'configuration reload failed' '$HAWATCH_LOG'"
assert_eq 0 "$(sample_value "$(scrape)" hawatch_config_last_reload_successful)" "the bad reload is reported"
assert_eq "$SID" "$(hcurl "/api/v2/silence/$SID" | jq -r .id)" "the service still answers after a bad reload"

# ---- metrics -----------------------------------------------------------------------------------
# The alerting unit publishes its metrics once a second: scrape a snapshot taken after the above.
ASKED=$(date +%s.%N)
alerting_published() { sample_value "$(scrape)" 'hawatch_collector_last_success_timestamp_seconds{collector="alerting"}'; }
wait_until 5 "a fresh alerting snapshot" "awk -v t=\"\$(alerting_published)\" -v a=$ASKED 'BEGIN { exit !(t > a) }'"
M=$(scrape)
assert_match "$M" '^hawatch_notifications_total\{receiver="hook",integration="webhook"\} [1-9]' \
  "hawatch_notifications_total counts the deliveries"
assert_match "$M" '^hawatch_notifications_failed_total\{receiver="hook",integration="webhook"\} 0$' \
  "hawatch_notifications_failed_total"
# A notification can still be in flight (the reload regroups); the metric is a collector snapshot.
queue_length() { sample_value "$(scrape)" hawatch_notification_queue_length; }
assert_match "$(queue_length)" '^[0-9]+$' "hawatch_notification_queue_length is served"
wait_until 15 "the spool drains (hawatch_notification_queue_length 0)" '[[ $(queue_length) == 0 ]]'
ok "hawatch_notification_queue_length falls to 0 once delivered"
assert_match "$M" '^hawatch_notification_latency_seconds_count [1-9]' "the latency histogram counts"
assert_match "$M" '^hawatch_notification_latency_seconds_bucket\{le="0.05"\} [1-9]' \
  "local deliveries are under 50 ms"
assert_match "$M" '^hawatch_alerting_alerts_received_total\{source="webhook"\} 1$' "received by source"
assert_promtool_clean "with the alerting service"
assert_contains "$(hcurl /)" "Alert routing" "the status page has the alerting section"

# ---- inbound HMAC ------------------------------------------------------------------------------
write_config "  inbound: { hmac_secret_file: $TMP/inbound }"
kill -HUP "$HAWATCH_PID"
wait_until 10 "reload with inbound HMAC" "[[ \$(grep -c 'configuration reloaded' '$HAWATCH_LOG') -ge 2 ]]"
BODY='[{"labels":{"alertname":"Signed"}}]'
assert_eq 401 "$(curl -s -o /dev/null -w '%{http_code}' -XPOST --data "$BODY" "$HAWATCH_URL/api/v2/alerts")" \
  "an unsigned request is refused"
TS=$(date +%s)
SIG=$(printf '%s' "$TS:$BODY" | openssl dgst -sha256 -hmac inbound-secret -hex | awk '{print $NF}')
# The same signature with its first digit changed.
if [[ ${SIG:0:1} == 0 ]]; then FORGED=1${SIG:1}; else FORGED=0${SIG:1}; fi
assert_eq 401 "$(curl -s -o /dev/null -w '%{http_code}' -XPOST -H "X-Hawatch-Timestamp: $TS" \
  -H "X-Hawatch-Signature: $FORGED" --data "$BODY" "$HAWATCH_URL/api/v2/alerts")" "a forged signature is refused"
assert_eq 401 "$(curl -s -o /dev/null -w '%{http_code}' -XPOST -H "X-Hawatch-Timestamp: $((TS - 3600))" \
  -H "X-Hawatch-Signature: $SIG" --data "$BODY" "$HAWATCH_URL/api/v2/alerts")" "an old timestamp is refused"
assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' -XPOST -H "X-Hawatch-Timestamp: $TS" \
  -H "X-Hawatch-Signature: $SIG" --data "$BODY" "$HAWATCH_URL/api/v2/alerts")" "a signed request is taken"

# ---- SIGTERM stops cleanly ----------------------------------------------------------------------
stop_process "$HAWATCH_PID" TERM 10
assert_eq 0 "$EXIT_STATUS" "SIGTERM stops the daemon cleanly"
