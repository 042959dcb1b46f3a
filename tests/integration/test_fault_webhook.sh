#!/usr/bin/env bash
# Fault matrix, webhook receiver (tests/fixtures/alerting/webhook_sink.py): the receiver stopped,
# hung (accepts and never answers) and answering garbage → hawatch keeps serving, the attempts
# fail and are retried from the spool, hawatch_notification_receiver_up 0 with the receiver's
# error on the status page (valid UTF-8, no control characters, whatever the peer sent), scrapes
# within 2x baseline; the receiver back → up 1 by itself, and every notification the spool held
# is delivered (nothing dropped). See fault_lib.sh (receiver_fault_matrix).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/fault_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"
require_cmd jq

PORT=$(free_port)
SINKS=0
# Each start of the sink gets an OUTDIR of its own (its numbering starts again at 0001).
sink_up() {
  SINKS=$((SINKS + 1))
  start_bg "sink#$SINKS" "$TMP/sink.$SINKS.log" "$PY" "$HAWATCH_FIXTURES/alerting/webhook_sink.py" \
    "$TMP/out.$SINKS" "$PORT" 200
  SINK_PID=$BG_PID
  wait_until 10 "webhook sink #$SINKS listening" "grep -q listening '$TMP/sink.$SINKS.log'"
}
sink_down() { stop_process "$SINK_PID" TERM 5; }
# Notifications the sinks received, in all.
notifications() { find "$TMP" -path "$TMP/out.*" -name '[0-9]*.json' ! -name '*.headers.json' | wc -l; }
# received FAULT : the sink got notifications (again, after FAULT).
received() {
  local before=${RECEIVED:-0}
  wait_until 20 "$1: the sink receives notifications" "((\$(notifications) > $before))"
  RECEIVED=$(notifications)
  ok "$1: the sink receives notifications ($RECEIVED in all)"
}

receiver_fault_config '      webhook_configs: [ { url: "http://127.0.0.1:'"$PORT"'/hook", timeout: 2s } ]'
sink_up
start_hawatch --config.file="$TMP/hawatch.yml"
receiver_fault_matrix webhook sink_up sink_down received
ok "done"
