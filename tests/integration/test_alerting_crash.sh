#!/usr/bin/env bash
# At-least-once across kill -9: 1000 alerts, each its own group (group_by: ['...']), so 1000
# notifications, while the receiver is down half the time and hawatch is killed with SIGKILL at
# random points and restarted on the same spool. The receiver is a real HTTP server for webhooks
# or, with CRASH_RECEIVER=email (test_alerting_crash_email.sh), a real SMTP server (aiosmtpd). As
# Prometheus does, the sender posts its alerts again after each restart (hawatch, like
# Alertmanager, keeps alerts in memory; what it has spooled it keeps on disk). In the end every
# alert was delivered at least once; duplicates (by alert and by idempotency key) are counted and
# printed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N=${CRASH_ALERTS:-1000}
RECEIVER=${CRASH_RECEIVER:-webhook}
SINK_PORT=$(free_port)
SINK_RUN=0
sink_up() {
  SINK_RUN=$((SINK_RUN + 1))
  if [[ $RECEIVER == email ]]; then
    start_bg "smtp$SINK_RUN" "$TMP/sink$SINK_RUN.log" "$PY" "$HAWATCH_FIXTURES/alerting/smtp_sink.py" \
      "$TMP/out/run$SINK_RUN" --port "$SINK_PORT"
  else
    start_bg "sink$SINK_RUN" "$TMP/sink$SINK_RUN.log" "$PY" "$HAWATCH_FIXTURES/alerting/webhook_sink.py" \
      "$TMP/out/run$SINK_RUN" "$SINK_PORT" 200
  fi
  SINK_PID=$BG_PID
  wait_until 10 "sink listening" "grep -q listening '$TMP/sink$SINK_RUN.log'"
}
sink_down() { stop_process "$SINK_PID" KILL 5; }

# One line per alert in each message ("crash-n:N"; no "=", which quoted-printable would escape).
if [[ $RECEIVER == email ]]; then
  "$PY" -c 'import aiosmtpd' 2>/dev/null || fail "python3-aiosmtpd is not installed (scripts/install-deps.sh)"
  RECEIVER_YAML="email_configs:
        - to: ops@example.test
          from: hawatch@example.test
          smarthost: 127.0.0.1:$SINK_PORT
          require_tls: false
          send_resolved: false
          text: \"{{ range .Alerts }}crash-n:{{ .Labels.n }}\\n{{ end }}\"
          html: ''"
else
  RECEIVER_YAML="webhook_configs: [ { url: \"http://127.0.0.1:$SINK_PORT/hook\", send_resolved: false, timeout: 2s } ]"
fi

cat >"$TMP/hawatch.yml" <<YAML
collectors: { node: {} }
alerting:
  spool_directory: $TMP/spool
  delivery: { initial_backoff: 100ms, max_backoff: 1s, deadline: 10m }
  route: { receiver: hook, group_by: ['...'], group_wait: 0s, group_interval: 1h, repeat_interval: 4h }
  receivers:
    - name: hook
      $RECEIVER_YAML
YAML

END=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)
batch() {  # FROM TO : the alerts FROM..TO as one postableAlerts body
  jq -nc --argjson a "$1" --argjson b "$2" --arg e "$END" \
    '[range($a; $b + 1) | {labels: {alertname: "Crash", n: (. | tostring)}, endsAt: $e}]'
}
post() {  # FROM TO
  batch "$1" "$2" >"$TMP/batch.json"
  curl -sS -o /dev/null --max-time 20 -XPOST --data-binary @"$TMP/batch.json" "$HAWATCH_URL/api/v2/alerts" || true
}

sink_up
start_hawatch "--config.file=$TMP/hawatch.yml"
KILLS=0
SPOOLED_AT_KILL=0
POSTED=0
STEP=100
while ((POSTED < N)); do
  post $((POSTED + 1)) $((POSTED + STEP))
  POSTED=$((POSTED + STEP))
  # The receiver flips between up and down. In the first round it stays down across the kill, so
  # at least one kill finds notifications waiting in the spool whatever the random timings (on a
  # fast machine every other kill may come after all were delivered).
  if ((KILLS == 0)); then
    sink_down
  elif ((RANDOM % 2)); then
    sink_down; sleep 0.$((RANDOM % 5)); sink_up
  fi
  # kill -9 at a random point of the delivery, then restart and send everything again.
  sleep "0.$((RANDOM % 8))"
  ((KILLS > 0)) || wait_until 10 "notifications waiting in the spool" \
    '[[ $(find "$TMP/spool" -maxdepth 1 -type f | wc -l) -gt 0 ]]'
  SPOOLED_AT_KILL=$((SPOOLED_AT_KILL + $(find "$TMP/spool" -maxdepth 1 -type f | wc -l)))
  kill -KILL "$HAWATCH_PID"
  wait_exit "$HAWATCH_PID" 5
  KILLS=$((KILLS + 1))
  start_hawatch "--config.file=$TMP/hawatch.yml"
  ((KILLS > 1)) || sink_up
  post 1 "$POSTED"
done
ok "$N alerts posted, hawatch killed with SIGKILL $KILLS times"
((SPOOLED_AT_KILL > 0)) || fail "no kill found notifications waiting in the spool: the test proves nothing"
ok "the kills found $SPOOLED_AT_KILL spooled notifications in all"

# The n label of every alert in every delivered notification, one per line.
delivered_ns() {
  if [[ $RECEIVER == email ]]; then
    find "$TMP/out" -name '[0-9]*.eml' -exec grep -aoh 'crash-n:[0-9]*' {} + 2>/dev/null | cut -d: -f2
  else
    find "$TMP/out" -name '[0-9]*.json' ! -name '*.headers.json' -exec cat {} + 2>/dev/null |
      jq -r '.alerts[].labels.n'
  fi
}
delivery_keys() {
  if [[ $RECEIVER == email ]]; then
    find "$TMP/out" -name '[0-9]*.eml' -exec grep -aih '^X-Hawatch-Idempotency-Key:' {} + |
      awk '{ print $2 }' | tr -d '\r'
  else
    find "$TMP/out" -name '*.headers.json' -exec cat {} + | jq -r '."Idempotency-Key"'
  fi
}
delivered_alerts() { delivered_ns | sort -u | wc -l; }
wait_until 80 "every alert delivered" "[[ \$(delivered_alerts) -ge $N ]]"
assert_eq "$N" "$(delivered_alerts)" "every one of the $N alerts was delivered at least once by $RECEIVER"
TOTAL=$(delivered_ns | wc -l)
KEYS=$(delivery_keys | sort)
[[ $(grep -c . <<<"$KEYS") -ge $N ]] || fail "fewer idempotency keys than alerts: $(grep -c . <<<"$KEYS")"
SAME_KEY=$(($(wc -l <<<"$KEYS") - $(uniq <<<"$KEYS" | wc -l)))
log_note "deliveries: $TOTAL for $N alerts ($((TOTAL - N)) duplicates; $SAME_KEY redeliveries of one idempotency key) over $KILLS kills"
echo "$TOTAL $N $SAME_KEY $KILLS" >"${CRASH_REPORT:-/dev/null}"
wait_until 10 "spool drained" "[[ \$(sample_value \"\$(scrape)\" hawatch_notification_queue_length) == 0 ]]"
ok "the spool is empty at the end"
