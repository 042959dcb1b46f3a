#!/usr/bin/env bash
# DNS failover in the running daemon, end to end with the exec hook on a record kept in a file
# (tests/fixtures/failover/file_record.sh, compare-and-swap under flock):
#   - a 1 s HTTP probe of a real app fails -> after fail_after (3) results the hook is called
#     exactly once with old=primary new=backup; the API, hawatch_failover_state,
#     hawatch_failover_transitions_total and hawatch_dns_updates_total{result="ok"} say so;
#   - the transition reaches the admin's webhook receiver as a FailoverTransition alert;
#   - automatic failback after `after` healthy results and `hold`, again one hook call;
#   - a dry-run group on its own record decides the same but never calls its hook, and the audit
#     log says dry run;
#   - a group whose health is a local rule's alert ({ alert: AppDown }) fails over when it fires;
#   - a dns_update_configs receiver, routed the same alert, drives a third group;
#   - /metrics stays clean for promtool.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/failover_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/failover_lib.sh"
require_cmd promtool flock

start_app web
APP=$APP_PORT
echo ok >"$TMP/app-web/other"
start_webhook_sink
new_record app "$PRIMARY"
REC_APP=$REC LOG_APP=$REC_LOG
UPDATE_APP=$(exec_update node-a)
new_record shadow "$PRIMARY"
REC_SHADOW=$REC LOG_SHADOW=$REC_LOG
UPDATE_SHADOW=$(exec_update node-a)
new_record alert "$PRIMARY"
REC_ALERT=$REC LOG_ALERT=$REC_LOG
UPDATE_ALERT=$(exec_update node-a)
new_record recv "$PRIMARY"
REC_RECV=$REC LOG_RECV=$REC_LOG
UPDATE_RECV=$(exec_update node-a)
STATE=$TMP/state
mkdir -p "$STATE"

cat >"$TMP/app.rules.yml" <<'RULES'
groups:
  - name: app
    interval: 1s
    rules:
      - alert: AppDown
        expr: hawatch_probe_success{probe="app"} == 0
        labels: { severity: critical }
RULES
CONFIG=$TMP/hawatch.yml
cat >"$CONFIG" <<YAML
global: { state_directory: $STATE, evaluation_interval: 1s }
collectors:
  node: { enabled: false }
  probes:
    - { name: app, interval: 1s, timeout: 500ms, http: { url: "http://127.0.0.1:$APP/health" } }
    - { name: other, interval: 1s, timeout: 500ms, http: { url: "http://127.0.0.1:$APP/other" } }
rule_files: [ app.rules.yml ]
alerting:
  route:
    receiver: admin
    group_by: [alertname, group]
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 1h
    routes:
      - { matchers: ['alertname="AppDown"'], receiver: dns }
  receivers:
    - name: admin
      webhook_configs: [ { url: "http://127.0.0.1:$SINK_PORT/hook" } ]
    - name: dns
      dns_update_configs: [ { failover: recv, action: fail_over } ]
  spool_directory: $STATE/spool
failover:
  - name: app
    record: { zone: test.example, name: app.test.example, type: A, ttl: 30 }
    primary: $PRIMARY
    backup: $BACKUP
    health: { probe: app }
    fail_after: 3
    min_hold: 1s
    failback: { mode: auto, after: 3, hold: 2s }
    update:
$UPDATE_APP
  - name: shadow
    record: { zone: test.example, name: shadow.test.example, type: A, ttl: 30 }
    primary: $PRIMARY
    backup: $BACKUP
    health: { probe: app }
    fail_after: 3
    min_hold: 1s
    dry_run: true
    update:
$UPDATE_SHADOW
  - name: alert
    record: { zone: test.example, name: alert.test.example, type: A, ttl: 30 }
    primary: $PRIMARY
    backup: $BACKUP
    health: { alert: AppDown }
    fail_after: 2
    min_hold: 1s
    update:
$UPDATE_ALERT
  - name: recv
    record: { zone: test.example, name: recv.test.example, type: A, ttl: 30 }
    primary: $PRIMARY
    backup: $BACKUP
    health: { probe: other }
    min_hold: 1s
    update:
$UPDATE_RECV
YAML
run_capture "$HAWATCH_BIN" --check-config "--config.file=$CONFIG"
assert_eq 0 "$RC" "--check-config accepts the failover section ($ERR)"
assert_not_contains "$ERR" "not implemented" "no 'not implemented' warning for failover"

start_hawatch "--config.file=$CONFIG"
wait_until 15 "groups learn the record" '[[ $(group_field app state) == primary && $(group_field alert state) == primary ]]'
ok "API: app is primary (learnt from the served record)"
wait_until 10 "app healthy" '[[ $(group_field app healthy) == true ]]'
ok "API: the probe's results reach the group"
metrics=$(scrape)
assert_eq 0 "$(sample_value "$metrics" 'hawatch_failover_state{group="app"}')" "hawatch_failover_state 0 (primary)"
assert_eq 0 "$(sample_value "$metrics" 'hawatch_failover_transitions_total{group="app"}')" "no transitions yet"
for r in ok cas_lost refused notauth servfail timeout error; do
  [[ $(sample_value "$metrics" "hawatch_dns_updates_total{group=\"app\",result=\"$r\"}") == 0 ]] ||
    fail "hawatch_dns_updates_total{result=$r} not served as 0 from the start"
done
ok "hawatch_dns_updates_total served for every result from the start"
assert_eq 1 "$(sample_value "$metrics" 'hawatch_collector_success{collector="failover"}')" "the failover unit reports"
assert_contains "$(hcurl /)" "DNS failover" "the status page has the failover section"
assert_promtool_clean "primary"
assert_eq 0 "$(record_changes "$LOG_APP")" "no hook call while healthy"

# ---- the app fails -----------------------------------------------------------------------------
failed_at=$(date +%s.%N)
app_fail web
wait_until 20 "record moved to the backup" '[[ $(record_value "$REC_APP") == "$BACKUP" ]]'
moved_at=$(date +%s.%N)
elapsed=$(awk -v a="$failed_at" -v b="$moved_at" 'BEGIN { printf "%.2f", b - a }')
log_note "app failed -> record changed in ${elapsed}s"
awk -v e="$elapsed" 'BEGIN { exit !(e >= 1.5) }' || fail "failed over after ${elapsed}s: before fail_after (3) results"
ok "not before fail_after results (${elapsed}s)"
assert_eq "node-a set $PRIMARY $BACKUP -> ok" "$(cat "$LOG_APP")" "the hook was called once, old=primary new=backup"
wait_until 10 "API failed_over" '[[ $(group_field app state) == failed_over ]]'
ok "API: app failed_over"
assert_eq "$BACKUP" "$(group_field app serving)" "API: serving the backup"
metrics=$(scrape)
assert_eq 1 "$(sample_value "$metrics" 'hawatch_failover_state{group="app"}')" "hawatch_failover_state 1"
assert_eq 1 "$(sample_value "$metrics" 'hawatch_failover_transitions_total{group="app"}')" "one transition"
assert_eq 1 "$(sample_value "$metrics" 'hawatch_dns_updates_total{group="app",result="ok"}')" "one ok update"

wait_until 15 "transition alert delivered" '[[ $(sink_transitions) == *"firing primary->failed_over app"* ]]'
ok "the transition reached the admin's webhook receiver"
app_alert=$(cat "$SINK_DIR"/[0-9]*[0-9].json |
  jq -c '.alerts[] | select(.labels.alertname == "FailoverTransition" and .labels.group == "app")' | head -n1)
assert_eq critical "$(jq -r .labels.severity <<<"$app_alert")" "severity critical"
assert_contains "$(jq -r .annotations.summary <<<"$app_alert")" \
  "app.test.example A $BACKUP" "the summary names the record and the new value"

# The dry-run group decided the same but left its record alone.
wait_until 10 "dry-run group failed over (in its own eyes)" '[[ $(group_field shadow state) == failed_over ]]'
ok "dry run: the group's state follows the health"
assert_eq "$PRIMARY" "$(record_value "$REC_SHADOW")" "dry run: the record is unchanged"
assert_eq "" "$(cat "$LOG_SHADOW")" "dry run: the hook was never called"
AUDIT=$STATE/failover-audit.jsonl
audited() { [[ -n $(jq -c "select($1)" "$AUDIT" 2>/dev/null) ]]; }
wait_until 5 "dry-run decision audited" \
  "audited '.group == \"shadow\" and .dry_run == true and .action == \"fail_over\"'"
ok "dry run: audited as a dry-run fail_over"
assert_contains "$(cat "$HAWATCH_LOG")" "dry run" "dry run: logged"
audited '.group == "app" and .action == "fail_over"' || fail "audit log has no fail_over for app"
ok "audit log: app's fail_over with its reason ($(jq -r 'select(.group == "app" and .action == "fail_over") | .reason' "$AUDIT" | head -n1))"

# The local rule's alert drove its group; routed to dns_update_configs it drove another.
wait_until 15 "alert-driven group moved" '[[ $(record_value "$REC_ALERT") == "$BACKUP" ]]'
ok "health { alert: AppDown }: failed over while the alert fires"
wait_until 15 "receiver-driven group moved" '[[ $(record_value "$REC_RECV") == "$BACKUP" ]]'
ok "dns_update_configs: the routed alert failed the group over"
assert_eq 1 "$(record_changes "$LOG_RECV")" "dns_update_configs: one change"
assert_eq 1 "$(record_changes "$LOG_APP")" "still exactly one change of app's record"

# ---- the app recovers: automatic failback ------------------------------------------------------
app_heal web
wait_until 20 "record back on the primary" '[[ $(record_value "$REC_APP") == "$PRIMARY" ]]'
ok "auto failback: the record serves the primary again"
assert_eq "node-a set $BACKUP $PRIMARY -> ok" "$(sed -n 2p "$LOG_APP")" "failback: one call, old=backup new=primary"
wait_until 10 "API primary" '[[ $(group_field app state) == primary ]]'
assert_eq 2 "$(sample_value "$(scrape)" 'hawatch_failover_transitions_total{group="app"}')" "two transitions"
wait_until 15 "failback alert delivered" '[[ $(sink_transitions) == *"firing failed_over->primary app"* ]]'
ok "the failback reached the webhook receiver"
# Manual failback (the default) keeps the alert group on the backup although AppDown resolved.
sleep 3
assert_eq "$BACKUP" "$(record_value "$REC_ALERT")" "manual failback: no automatic return"
assert_eq 2 "$(record_changes "$LOG_APP")" "no further changes"
assert_promtool_clean "after failback"
