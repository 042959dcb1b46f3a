#!/usr/bin/env bash
# Fault matrix, webhook receiver (tests/fixtures/alerting/webhook_sink.py): the receiver stopped,
# hung (accepts and never answers) and answering garbage → hawatch keeps serving, the attempts
# fail and are retried from the spool, hawatch_notification_receiver_up 0 with the receiver's
# error on the status page (valid UTF-8, no control characters, whatever the peer sent), scrapes
# within 2x baseline; the receiver back → up 1 by itself, and every notification the spool held
# is delivered (nothing dropped). See fault_lib.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"
require_cmd jq

PORT=$(free_port)
sink_up() {
  start_bg sink "$TMP/sink.log" "$PY" "$HAWATCH_FIXTURES/alerting/webhook_sink.py" "$TMP/sink" \
    "$PORT" 200
  SINK_PID=$BG_PID
  wait_until 10 "webhook sink listening" "grep -q listening '$TMP/sink.log'"
}
sink_down() { stop_process "$SINK_PID" TERM 5; }

cat >"$TMP/rules.yml" <<'YAML'
groups:
  - name: fault
    interval: 1s
    rules:
      - alert: FaultWebhookDemo
        expr: vector(1)
YAML
# A notification every 2 s (repeat_interval), each tried at once: the receiver's state is known
# within seconds of a change, as on a site whose alerts keep firing.
cat >"$TMP/hawatch.yml" <<YAML
global: { state_directory: $TMP/state, evaluation_interval: 1s }
collectors:
  node: { enabled: false }
rule_files: [ $TMP/rules.yml ]
alerting:
  route: { receiver: sink, group_by: [alertname], group_wait: 0s, group_interval: 1s, repeat_interval: 2s }
  receivers:
    - name: sink
      webhook_configs: [ { url: "http://127.0.0.1:$PORT/hook", timeout: 2s } ]
  spool_directory: $TMP/state/spool
YAML
mkdir -p "$TMP/state"
sink_up
start_hawatch --config.file="$TMP/hawatch.yml"
UP='hawatch_notification_receiver_up{receiver="sink",integration="webhook"}'
wait_until 20 "a notification delivered" \
  '[[ $(sample_value "$(scrape)" "hawatch_notifications_delivered_total{receiver=\"sink\",integration=\"webhook\"}") -ge 1 ]]'
fault_init "webhook receiver" "$UP" sink/webhook/0

fault_begin stopped
sink_down
fault_expect_down
assert_match "$FAULT_REASON" 'onnect|refused' "stopped: the reason says the connection failed"
assert_contains "$(hcurl /)" 'data-subsystem="alerting" data-state="bad"' "stopped: the Notifications row is red"
assert_contains "$(hcurl /)" 'notifications to sink (webhook) failing' "... and names the receiver"
sink_up
fault_expect_recovered
wait_until 10 "the Notifications row green again" \
  '[[ $(hcurl /) != *"notifications to sink (webhook) failing"* ]]'

for mode in hang garbage; do
  sink_down
  fault_begin "${mode/hang/hung}"
  start_fault_peer "$mode" "tcp:127.0.0.1:$PORT"
  fault_expect_down
  stop_fault_peer
  sink_up
  fault_expect_recovered
done

# Nothing silently dropped: every record the outages left in the spool is delivered once the
# receiver is back (their retries back off, at most 5 min; these outages were seconds long).
wait_until 90 "the spool drained" \
  '[[ $(sample_value "$(scrape)" hawatch_notification_queue_length) == 0 ]]'
M=$(scrape)
assert_eq 0 "$(sample_value "$M" 'hawatch_notifications_given_up_total{receiver="sink",integration="webhook"}')" \
  "no notification was given up"
ok "every spooled notification delivered after the outages ($(sample_value "$M" \
  'hawatch_notifications_delivered_total{receiver="sink",integration="webhook"}') delivered)"
ok "done"
