#!/usr/bin/env bash
# Fault matrix, alertmanager_configs forwarding to a real Alertmanager (prometheus-alertmanager,
# gossip off): the Alertmanager stopped, hung (accepts and never answers) and answering garbage
# → hawatch keeps serving, the attempts fail and are retried from the spool,
# hawatch_notification_receiver_up 0 with the error on the status page (valid UTF-8, no control
# characters, whatever the peer sent), scrapes within 2x baseline; the Alertmanager back → up 1
# by itself, it lists the alert again (it keeps alerts in memory only), and every notification
# the spool held is delivered (nothing dropped, nothing given up). See fault_lib.sh
# (receiver_fault_matrix).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/fault_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"
require_cmd jq prometheus-alertmanager

PORT=$(free_port)
AM=http://127.0.0.1:$PORT
cat >"$TMP/am.yml" <<'YAML'
route: { receiver: blackhole }
receivers: [ { name: blackhole } ]
YAML
AMS=0
am_up() {
  AMS=$((AMS + 1))
  start_bg "alertmanager#$AMS" "$TMP/am.$AMS.log" prometheus-alertmanager \
    --config.file="$TMP/am.yml" --storage.path="$TMP/am-data" \
    --web.listen-address="127.0.0.1:$PORT" --cluster.listen-address=
  AM_PID=$BG_PID
  wait_until 20 "alertmanager #$AMS ready" "curl -sf '$AM/-/ready' >/dev/null"
}
am_down() { stop_process "$AM_PID" TERM 10; }
# Our alert as the Alertmanager lists it (GET /api/v2/alerts), as JSON.
am_alerts() { curl -sf --max-time 5 -G "$AM/api/v2/alerts" --data-urlencode 'filter=alertname="FaultReceiverDemo"'; }
# listed FAULT : the (restarted) Alertmanager lists the alert, active, once.
listed() {
  wait_until 20 "$1: the Alertmanager lists the alert" \
    '[[ $(am_alerts | jq -r "[.[].status.state] | join(\" \")") == active ]]'
  ok "$1: the Alertmanager lists the alert, active"
}

receiver_fault_config "      alertmanager_configs: [ { urls: [ \"$AM\" ], timeout: 2s } ]"
am_up
start_hawatch --config.file="$TMP/hawatch.yml"
receiver_fault_matrix alertmanager am_up am_down listed
listed "after the outages"
ok "done"
