#!/usr/bin/env bash
# Fault matrix, the spool's disk full: hawatch runs with alerting.spool_directory on a 1 MiB tmpfs
# of its own mount namespace, which the test fills while alerts keep coming (the rules' own and one
# POSTed to /api/v2/alerts). Asserts: no crash, still serving; each refusal is a log line naming
# the cause and counted in hawatch_notification_spool_errors_total; the shipped
# NotificationSpoolFailing alert fires and the status page shows it; nothing is dropped: once
# space is free again, the alert that arrived while the disk was full is delivered, the spool
# drains, none given up, and no half-written record is left behind.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/fault_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"
require_cmd jq unshare nsenter mount
[[ $(id -u) == 0 ]] || fail "needs root for the tmpfs mount in its own namespace (CI runs as root)"

SPOOL=$TMP/spool
mkdir -p "$SPOOL"
SINK_PORT=$(free_port)
start_bg sink "$TMP/sink.log" "$PY" "$HAWATCH_FIXTURES/alerting/webhook_sink.py" "$TMP/sink" \
  "$SINK_PORT" 200
wait_until 10 "webhook sink listening" "grep -q listening '$TMP/sink.log'"

FAULT_SPOOL=$SPOOL FAULT_RULE_FILES=$HAWATCH_SOURCE_DIR/alerting/rules/self.rules.yml \
  receiver_fault_config '      webhook_configs: [ { url: "http://127.0.0.1:'"$SINK_PORT"'/hook", timeout: 2s } ]'
# The spool on a tmpfs only this hawatch sees (unshare execs, so the PID is hawatch's own).
# shellcheck disable=SC2016  # expanded by that sh
HAWATCH_LAUNCH=(unshare --mount --propagation private -- sh -c \
  'mount -t tmpfs -o size=1m,mode=0700 hawatch-spool "$0" && exec "$@"' "$SPOOL")
start_hawatch --config.file="$TMP/hawatch.yml"
in_ns() { nsenter -t "$HAWATCH_PID" -m -- "$@"; }
[[ $(in_ns findmnt -no FSTYPE --target "$SPOOL") == tmpfs ]] || fail "the spool is not on the tmpfs"
[[ $(findmnt -no FSTYPE --target "$SPOOL") != tmpfs ]] || fail "the tmpfs leaked out of the namespace"
# shellcheck disable=SC2034  # expanded by wait_until
DELIVERED='hawatch_notifications_delivered_total{receiver="sink",integration="webhook"}'
wait_until 20 "a notification delivered" '[[ $(sample_value "$(scrape)" "$DELIVERED") -ge 1 ]]'
assert_eq 0 "$(sample_value "$(scrape)" hawatch_notification_spool_errors_total)" "no spool error while there is space"

# ---- the disk fills up -------------------------------------------------------------------------
in_ns sh -c "dd if=/dev/zero of='$SPOOL/fill' bs=64k 2>/dev/null; true"
[[ $(in_ns df --output=avail -k "$SPOOL" | tail -1 | tr -d ' ') -le 4 ]] || fail "the tmpfs is not full"
ok "the spool's filesystem is full"
T_FULL=$(date +%s%N)
since() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LATER=$(date -u -d '+10 min' +%Y-%m-%dT%H:%M:%SZ)
CODE=$(curl -s -o "$TMP/post.out" -w '%{http_code}' -XPOST -H 'Content-Type: application/json' \
  --data '[{"labels":{"alertname":"ArrivedWhileDiskFull","severity":"critical"},"startsAt":"'"$NOW"'","endsAt":"'"$LATER"'"}]' \
  "$HAWATCH_URL/api/v2/alerts")
assert_eq 200 "$CODE" "an alert POSTed while the disk is full is taken"
wait_until 20 "the spool refuses notifications" \
  '[[ $(sample_value "$(scrape)" hawatch_notification_spool_errors_total) -ge 2 ]]'
wait_until 10 "the refusal in the log" "grep -q 'spool: notification not accepted' '$HAWATCH_LOG'"
LINE=$(grep -m1 'spool: notification not accepted' "$HAWATCH_LOG")
assert_match "$LINE" 'level=error' "the refusal is logged as an error"
assert_match "$LINE" 'No space left on device' "the log line names the cause ($LINE)"
wait_until 20 "NotificationSpoolFailing fires" \
  '[[ $(sample_value "$(scrape)" "hawatch_alerts{alertname=\"NotificationSpoolFailing\",state=\"firing\"}") == 1 ]]'
ok "the shipped NotificationSpoolFailing alert fires, $(since "$T_FULL") s after the disk filled"
assert_contains "$(hcurl /)" 'NotificationSpoolFailing firing' "the status page shows the alert"
assert_eq ArrivedWhileDiskFull "$(hcurl /api/v2/alerts | jq -r '.[] | select(.labels.alertname == "ArrivedWhileDiskFull") | .labels.alertname')" \
  "the alert that arrived is held, not lost"
sleep 3
alive "$HAWATCH_PID" || fail "hawatch died with its spool's disk full"
assert_eq 200 "$(hstatus /-/healthy)" "still serving with the disk full"
assert_scrapes_fast "spool disk full" 10
! grep -rq ArrivedWhileDiskFull "$TMP/sink" ||
  fail "ArrivedWhileDiskFull was delivered although the spool could not store it"
ok "nothing was delivered behind the spool's back"

# ---- space again -------------------------------------------------------------------------------
in_ns rm -f "$SPOOL/fill"
T_FREE=$(date +%s%N)
wait_until 30 "ArrivedWhileDiskFull delivered once there is space" \
  "grep -lq ArrivedWhileDiskFull '$TMP'/sink/[0-9]*.json 2>/dev/null"
ok "the alert that arrived while the disk was full is delivered, $(since "$T_FREE") s after space was freed"
wait_until 30 "NotificationSpoolFailing delivered too" \
  "grep -lq NotificationSpoolFailing '$TMP'/sink/[0-9]*.json 2>/dev/null"
wait_until 60 "the spool drained" '[[ $(sample_value "$(scrape)" hawatch_notification_queue_length) == 0 ]]'
assert_eq 0 "$(sample_value "$(scrape)" 'hawatch_notifications_given_up_total{receiver="sink",integration="webhook"}')" \
  "no notification was given up"
LEFT=$(in_ns find "$SPOOL" -name '*.tmp*' -printf '%f\n')
assert_eq "" "$LEFT" "no temporary or half-written file left in the spool"
assert_eq 0 "$(in_ns find "$SPOOL" -maxdepth 1 -name '*.rec' | wc -l)" "no record left in the spool"
ok "done"
