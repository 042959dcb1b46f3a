#!/usr/bin/env bash
# Fault matrix, email receiver (the real aiosmtpd sink tests/fixtures/alerting/smtp_sink.py, plain
# SMTP on loopback): the SMTP server stopped, hung (accepts and never answers) and answering
# garbage → hawatch keeps serving, the attempts fail and are retried from the spool,
# hawatch_notification_receiver_up 0 with the server's error on the status page (valid UTF-8,
# no control characters, whatever the peer sent), scrapes within 2x baseline; the server back →
# up 1 by itself, the sink stores messages again, and every notification the spool held is
# delivered (nothing dropped, nothing given up). See fault_lib.sh (receiver_fault_matrix).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/fault_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"
require_cmd jq
"$PY" -c 'import aiosmtpd' 2>/dev/null || fail "python3-aiosmtpd is not installed (scripts/install-deps.sh)"

PORT=$(free_port)
SINKS=0
# Each start of the sink gets an OUTDIR of its own (its message numbers start again at 0001).
sink_up() {
  SINKS=$((SINKS + 1))
  start_bg "sink#$SINKS" "$TMP/sink.$SINKS.log" "$PY" "$HAWATCH_FIXTURES/alerting/smtp_sink.py" \
    "$TMP/out.$SINKS" --port "$PORT"
  SINK_PID=$BG_PID
  wait_until 10 "smtp sink #$SINKS listening" "grep -q listening '$TMP/sink.$SINKS.log'"
}
sink_down() { stop_process "$SINK_PID" TERM 5; }
# Messages the sinks stored, in all.
messages() { find "$TMP" -path "$TMP/out.*" -name '*.eml' | wc -l; }
# stored FAULT : the sink stores messages (again, after FAULT).
stored() {
  local before=${STORED:-0}
  wait_until 20 "$1: the sink stores messages" "((\$(messages) > $before))"
  STORED=$(messages)
  ok "$1: the sink stores messages ($STORED in all)"
}

receiver_fault_config "      email_configs:
        - { to: ops@example.test, from: hawatch@example.test, smarthost: \"127.0.0.1:$PORT\", require_tls: false, timeout: 2s }"
sink_up
start_hawatch --config.file="$TMP/hawatch.yml"
receiver_fault_matrix email sink_up sink_down stored
# Each delivery is one message stored by the sink (a sink stopped by SIGTERM may have stored one
# whose reply never came back: that attempt is retried, so the sink can hold more, never fewer).
((RECEIVER_DELIVERED <= $(messages))) ||
  fail "hawatch counts $RECEIVER_DELIVERED delivered, the sink stored $(messages)"
ok "the sink stored every delivered message ($(messages) stored)"
ok "done"
