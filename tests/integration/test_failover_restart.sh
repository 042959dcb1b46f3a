#!/usr/bin/env bash
# DNS failover across the daemon's own failures and restarts, and its API behind basic auth, with
# the exec hook on a record kept in a file (tests/fixtures/failover/file_record.sh, a slow
# provider: SET_DELAY sleeps inside the compare-and-swap's lock):
#   - kill -9 while the hook is writing the fail-over, restart at once: the record changes exactly
#     once, however the orphaned write and the new daemon interleave, and the group ends in
#     failed_over (adopted or cas_lost, never a second write, never a flip back); the intent the
#     killed daemon journalled makes that change its transition: counted once, and the admin's
#     webhook gets one FailoverTransition alert for it;
#   - a clean restart in failed_over with the app healthy again and manual failback: the persisted
#     state holds, no hook call, the transition count is kept;
#   - SIGHUP with a changed group (fail_after, failback hold) in failed_over: state and transitions
#     are kept, no hook call; a reload that breaks the group keeps the running one;
#   - with --web.config.file basic_auth_users: GET and POST /api/v1/failover without credentials
#     or with a wrong password are 401 and change nothing; with the password, fail-back makes one
#     change, audited as manual; an unknown group is 404.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/failover_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/failover_lib.sh"
require_cmd flock htpasswd

start_app web
APP=$APP_PORT
start_webhook_sink
new_record app "$PRIMARY"
STATE=$TMP/state
mkdir -p "$STATE"
AUDIT=$STATE/failover-audit.jsonl
SET_DELAY=3

write_config() {  # FAIL_AFTER HOLD
  cat >"$TMP/hawatch.yml" <<YAML
global: { state_directory: $STATE }
collectors:
  node: { enabled: false }
  probes:
    - { name: app, interval: 1s, timeout: 500ms, http: { url: "http://127.0.0.1:$APP/health" } }
alerting:
  route: { receiver: admin, group_by: [alertname, group], group_wait: 0s, group_interval: 1s, repeat_interval: 1h }
  receivers:
    - name: admin
      webhook_configs: [ { url: "http://127.0.0.1:$SINK_PORT/hook" } ]
  spool_directory: $STATE/spool
failover:
  - name: app
    record: { zone: test.example, name: app.test.example, type: A, ttl: 30 }
    primary: $PRIMARY
    backup: $BACKUP
    health: { probe: app }
    fail_after: $1
    min_hold: 0s
    failback: { mode: manual, hold: $2 }
    update:
$(exec_update node-a "        env: { SET_DELAY: \"$SET_DELAY\" }")
YAML
}
write_config 3 1s
run_capture "$HAWATCH_BIN" --check-config "--config.file=$TMP/hawatch.yml"
assert_eq 0 "$RC" "--check-config accepts the group ($ERR)"

transitions() { sample_value "$(scrape)" 'hawatch_failover_transitions_total{group="app"}'; }
hook_running() { pgrep -f "file_record.sh set $REC " >/dev/null; }

start_hawatch "--config.file=$TMP/hawatch.yml"
wait_until 15 "primary and healthy" '[[ $(group_field app state) == primary && $(group_field app healthy) == true ]]'
ok "the group learns primary from the record"

# ---- kill -9 while the hook writes the fail-over -------------------------------------------------
app_fail web
wait_until 20 "the fail-over hook running" hook_running
FIRST_PID=$HAWATCH_PID
kill -KILL "$FIRST_PID"
wait_exit "$FIRST_PID" 5
ok "the daemon was killed while its hook held the record's lock"
assert_eq "$PRIMARY" "$(record_value "$REC")" "the write had not landed yet"
# Restart at once: the orphaned write is still sleeping in the lock, so the new daemon may read
# the old value, decide afresh and lose the compare-and-swap, or read the new one and adopt it.
start_hawatch "--config.file=$TMP/hawatch.yml"
wait_until 30 "the restarted daemon in failed_over" '[[ $(group_field app state) == failed_over ]]'
ok "the restarted daemon ends in failed_over"
wait_until 10 "the orphaned write finished" '! hook_running'
assert_eq "$BACKUP" "$(record_value "$REC")" "the record serves the backup"
assert_eq 1 "$(record_changes "$REC_LOG")" "exactly one change of the record ($(paste -sd';' "$REC_LOG"))"
how=$(jq -r 'select(.group == "app") | "\(.action)/\(.result // "")"' "$AUDIT" | tail -n1)
log_note "the restarted daemon's last decision: $how"
[[ $how == fail_over/* ]] ||
  fail "the restarted daemon did not complete the journalled fail-over: $how"
ok "the restarted daemon took the orphaned write as the journalled change ($how)"
assert_eq 1 "$(transitions)" "the journalled intent makes it one transition, counted once"
wait_until 15 "transition alert delivered" '[[ $(sink_transitions) == *"firing primary->failed_over app"* ]]'
ok "the admin is told of the fail-over the killed daemon started"
assert_eq 1 "$(jq -r 'select(.group == "app" and .transition == true) | .action' "$AUDIT" | grep -c fail_over)" \
  "one fail_over transition in the audit log across both daemons"
sleep 3
assert_eq 1 "$(record_changes "$REC_LOG")" "no further write while the app stays down"

# ---- a clean restart in failed_over, the app healthy, failback manual ----------------------------
app_heal web
wait_until 10 "healthy again" '[[ $(group_field app healthy) == true ]]'
T_BEFORE=$(transitions)
stop_process "$HAWATCH_PID" TERM 10
assert_eq 0 "$EXIT_STATUS" "SIGTERM stops the daemon cleanly"
start_hawatch "--config.file=$TMP/hawatch.yml"
wait_until 10 "healthy after the restart" '[[ $(group_field app healthy) == true ]]'
assert_eq failed_over "$(group_field app state)" "after a restart: still failed_over (no flip back)"
assert_eq "$T_BEFORE" "$(transitions)" "the transition count is persisted ($T_BEFORE)"
sleep 3
assert_eq "$BACKUP" "$(record_value "$REC")" "the record still serves the backup"
assert_eq 1 "$(record_changes "$REC_LOG")" "no hook call after the restart"

# ---- SIGHUP in failed_over ----------------------------------------------------------------------
reloads() { grep -c 'configuration reloaded' "$HAWATCH_LOG" || true; }
write_config 4 5s
kill -HUP "$HAWATCH_PID"
wait_until 10 "reload" '[[ $(reloads) -ge 1 ]]'
assert_eq failed_over "$(group_field app state)" "SIGHUP with a changed group: still failed_over"
assert_eq "$T_BEFORE" "$(transitions)" "SIGHUP: the transition count is kept"
assert_eq 4 "$(hcurl /api/v1/failover | jq -r '.groups[] | select(.name == "app") | .fail_after // empty')" \
  "the reloaded fail_after is in effect"
# A reload that breaks the group keeps the running one.
sed -i "s/primary: $PRIMARY/primary: not-an-address/" "$TMP/hawatch.yml"
kill -HUP "$HAWATCH_PID"
wait_until 10 "bad reload reported" "grep -q 'configuration reload failed' '$HAWATCH_LOG'"
assert_eq failed_over "$(group_field app state)" "a bad reload keeps the group failed_over"
sleep 2
assert_eq 1 "$(record_changes "$REC_LOG")" "no hook call on either reload"
write_config 3 1s

# ---- the API behind basic auth -------------------------------------------------------------------
WEB_PW=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf 'basic_auth_users:\n  admin: %s\n' "$(htpasswd -nbBC 5 admin "$WEB_PW" | cut -d: -f2)" >"$TMP/web.yml"
stop_process "$HAWATCH_PID" TERM 10
HAWATCH_CURL=(-u "admin:$WEB_PW")
start_hawatch "--config.file=$TMP/hawatch.yml" "--web.config.file=$TMP/web.yml"
wait_until 10 "failed_over behind auth" '[[ $(group_field app state) == failed_over ]]'
code() { curl -s -o "$TMP/reply" -w '%{http_code}' --max-time 10 "$@"; }
assert_eq 401 "$(code "$HAWATCH_URL/api/v1/failover")" "GET without credentials: 401"
assert_eq 401 "$(code -d '' "$HAWATCH_URL/api/v1/failover/app/fail-back")" "POST fail-back without credentials: 401"
assert_eq 401 "$(code -u admin:wrong -d '' "$HAWATCH_URL/api/v1/failover/app/fail-back")" \
  "POST fail-back with a wrong password: 401"
assert_eq 401 "$(code -u admin:wrong -d '' "$HAWATCH_URL/api/v1/failover/app/fail-over")" \
  "POST fail-over with a wrong password: 401"
sleep 1
assert_eq failed_over "$(group_field app state)" "the refused requests changed no state"
assert_eq 1 "$(record_changes "$REC_LOG")" "and called no hook"
assert_eq 404 "$(code -u "admin:$WEB_PW" -d '' "$HAWATCH_URL/api/v1/failover/nosuch/fail-back")" \
  "an unknown group: 404"
assert_eq 200 "$(code -u "admin:$WEB_PW" -d '' "$HAWATCH_URL/api/v1/failover/app/fail-back")" \
  "POST fail-back with the password: 200 ($(cat "$TMP/reply"))"
wait_until 15 "record back on the primary" '[[ $(record_value "$REC") == "$PRIMARY" ]]'
wait_until 10 "API primary" '[[ $(group_field app state) == primary ]]'
assert_eq 2 "$(record_changes "$REC_LOG")" "the manual fail-back is one change"
assert_eq "node-a set $BACKUP $PRIMARY -> ok" "$(grep -- '-> ok$' "$REC_LOG" | tail -n1)" \
  "old=backup new=primary"
assert_eq $((T_BEFORE + 1)) "$(transitions)" "one more transition"
manual=$(jq -r 'select(.group == "app" and .action == "fail_back") | .reason' "$AUDIT" | tail -n1)
assert_contains "$manual" "manual" "the audit log says the fail-back was manual"
assert_promtool_clean "after the manual fail-back"
