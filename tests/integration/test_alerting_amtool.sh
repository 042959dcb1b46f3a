#!/usr/bin/env bash
# The ecosystem's own client against hawatch: the real amtool (prometheus-alertmanager 0.25)
# adds and lists alerts, adds, queries and expires silences, reads the receivers and the route
# tree from /api/v2/status; a silence it adds suppresses the alert and survives a restart.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd amtool

SINK_PORT=$(free_port)
start_bg sink "$TMP/sink.log" "$PY" "$HAWATCH_FIXTURES/alerting/webhook_sink.py" "$TMP/out" "$SINK_PORT" 200
wait_until 10 "sink listening" "grep -q listening '$TMP/sink.log'"
cat >"$TMP/hawatch.yml" <<YAML
collectors: { node: {} }
alerting:
  spool_directory: $TMP/spool
  route:
    receiver: hook
    group_by: [alertname]
    group_wait: 0s
    routes: [ { matchers: ['severity="critical"'], receiver: pager } ]
  receivers:
    - name: hook
      webhook_configs: [ { url: "http://127.0.0.1:$SINK_PORT/hook" } ]
    - name: pager
      webhook_configs: [ { url: "http://127.0.0.1:$SINK_PORT/pager" } ]
YAML
start_hawatch "--config.file=$TMP/hawatch.yml"
am() { amtool --no-version-check "--alertmanager.url=$HAWATCH_URL" "$@"; }

run_capture am alert add DiskFull severity=warning instance=pi1 --annotation=summary="disk full"
assert_eq 0 "$RC" "amtool alert add ($ERR)"
run_capture am alert add UpsOnBattery severity=critical instance=ups1
assert_eq 0 "$RC" "amtool alert add, a second alert ($ERR)"
run_capture am alert query
assert_eq 0 "$RC" "amtool alert query ($ERR)"
assert_match "$OUT" '^DiskFull +[0-9-]+ [0-9:]+ UTC +disk full +active' "amtool lists DiskFull as active"
assert_match "$OUT" '^UpsOnBattery ' "amtool lists UpsOnBattery"
run_capture am alert query -o json alertname=UpsOnBattery
assert_eq pager "$(jq -r '.[0].receivers[0].name' <<<"$OUT")" "a matcher filter, and the routed receiver"
assert_eq 1 "$(jq length <<<"$OUT")" "the filter selects one alert"
wait_until 10 "both alerts delivered" "[[ \$(ls '$TMP'/out/[0-9]*[0-9].json 2>/dev/null | wc -l) -ge 2 ]]"
ok "amtool's alerts reach the webhook receivers"

run_capture am silence add alertname=DiskFull --comment="disk swap" --author=ops -d 1h
assert_eq 0 "$RC" "amtool silence add ($ERR)"
SID=$OUT
assert_match "$SID" '^[0-9a-f-]{36}$' "amtool prints the new silence's id"
run_capture am silence query
assert_match "$OUT" "^$SID +alertname=\"DiskFull\" .* ops +disk swap" "amtool silence query lists it"
run_capture am silence query -o json alertname=DiskFull
assert_eq active "$(jq -r '.[0].status.state' <<<"$OUT")" "the silence is active"
run_capture am alert query
assert_no_match "$OUT" '^DiskFull' "a silenced alert is not listed by default"
run_capture am alert query -s
assert_match "$OUT" '^DiskFull .* suppressed' "amtool alert query -s shows it suppressed"

run_capture curl -sS "$HAWATCH_URL/api/v2/alerts/groups"
assert_eq 2 "$(jq length <<<"$OUT")" "GET /api/v2/alerts/groups: one group per alertname"

# The silence survives a restart of hawatch (the state file); alerts do not, as in Alertmanager
# (their senders send them again).
stop_process "$HAWATCH_PID" TERM 10
start_hawatch "--config.file=$TMP/hawatch.yml"
run_capture am silence query -q
assert_eq "$SID" "$OUT" "the silence is back after a restart"

run_capture am silence expire "$SID"
assert_eq 0 "$RC" "amtool silence expire ($ERR)"
run_capture am silence query -q
assert_eq "" "$OUT" "no active silence after expiry"
run_capture am silence query --expired -o json
assert_eq expired "$(jq -r --arg id "$SID" '.[] | select(.id == $id) | .status.state' <<<"$OUT")" \
  "the expired silence is listed as expired"
run_capture am silence expire 00000000-0000-0000-0000-000000000000
assert_ne 0 "$RC" "expiring an unknown silence fails"

run_capture am config routes
assert_eq 0 "$RC" "amtool config routes ($ERR)"
assert_contains "$OUT" "receiver: hook" "the route tree's root"
assert_contains "$OUT" "receiver: pager" "and its child"
run_capture am config routes test severity=critical
assert_eq pager "$OUT" "amtool config routes test routes as hawatch does"
run_capture curl -sS "$HAWATCH_URL/api/v2/receivers"
assert_eq "hook pager" "$(jq -r '[.[].name] | join(" ")' <<<"$OUT")" "GET /api/v2/receivers"
