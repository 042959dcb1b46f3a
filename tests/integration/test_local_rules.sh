#!/usr/bin/env bash
# Local rule evaluation on the built daemon: rule files from rule_files evaluated on the daemon's
# own values (an exec check drives them here); the lifecycle pending -> firing -> resolved seen in
# /metrics (ALERTS, ALERTS_FOR_STATE, hawatch_alerts), in GET /api/v2/alerts (Alertmanager's JSON)
# and on the status page; a recording rule served in /metrics; alert state kept across a restart
# (a firing alert is firing again at once, its `for` clock not restarted); a broken rule file
# refused at start and by --check-config with FILE:LINE:COL, and at SIGHUP the old rules kept with
# hawatch_config_last_reload_successful 0; /metrics clean for promtool throughout.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd jq promtool

TEXTFILES=$TMP/textfile
STATE=$TMP/state
mkdir -p "$TEXTFILES" "$STATE"
set_value() { printf '# HELP site_barrier_errors Barrier errors.\n# TYPE site_barrier_errors gauge\nsite_barrier_errors %s\n' "$1" >"$TEXTFILES/site.prom.tmp" && mv "$TEXTFILES/site.prom.tmp" "$TEXTFILES/site.prom"; }
set_value 0

cat >"$TMP/site.rules.yml" <<'RULES'
groups:
  - name: site
    interval: 1s
    rules:
      - record: site:barrier_errors:max
        expr: max(site_barrier_errors)
      - alert: BarrierErrors
        expr: site_barrier_errors > 0
        for: 3s
        labels: { severity: critical }
        annotations:
          summary: 'Barrier errors: {{ $value }} ({{ $labels.severity }})'
          description: "Quote \" and <b>tags</b> stay escaped"
RULES
CONFIG=$TMP/hawatch.yml
# An exec check in Prometheus format re-reads the value every second.
cat >"$CONFIG" <<EOF2
global: { state_directory: $STATE, evaluation_interval: 1s }
collectors: { node: {} }
plugins:
  exec:
    - { name: site, command: [/bin/cat, $TEXTFILES/site.prom], interval: 1s, timeout: 1s, format: prometheus }
rule_files: [ site.rules.yml ]
EOF2
run_capture "$HAWATCH_BIN" --check-config --config.file="$CONFIG"
assert_eq 0 "$RC" "check-config accepts rule_files ($ERR)"

state_of() { scrape | awk -v n="$1" '$1 ~ "^ALERTS[{]" && index($1, "alertname=\"" n "\"") { match($1, /alertstate="[a-z]+"/); print substr($1, RSTART + 12, RLENGTH - 13) }'; }

start_hawatch --config.file="$CONFIG"
wait_until 30 "recording rule served" '[[ $(sample_value "$(scrape)" "site_barrier_errors_max") == 0 ]]'
ok "recording rule site:barrier_errors:max is served as site_barrier_errors_max (0)"
assert_eq 1 "$(sample_value "$(scrape)" 'hawatch_collector_success{collector="rules"}')" "rules unit succeeds"
assert_eq "" "$(state_of BarrierErrors)" "no alert while the value is 0"
assert_eq "[]" "$(hcurl /api/v2/alerts)" "API: no alerts"

set_value 3
wait_until 40 "alert pending" '[[ $(state_of BarrierErrors) == pending ]]'
ok "value 3: BarrierErrors pending"
wait_until 20 "alert firing" '[[ $(state_of BarrierErrors) == firing ]]'
ok "after for: BarrierErrors firing"
M=$(scrape)
assert_eq 1 "$(sample_value "$M" 'hawatch_alerts{alertname="BarrierErrors",state="firing"}')" "hawatch_alerts counts it"
assert_match "$M" '^ALERTS_FOR_STATE[{].*alertname="BarrierErrors".* [0-9]+$' "ALERTS_FOR_STATE served"
assert_promtool_clean "with a firing alert"
API=$(hcurl /api/v2/alerts)
jq -e . >/dev/null <<<"$API" || fail "API: not JSON: $API"
assert_eq 1 "$(jq length <<<"$API")" "API: one alert"
assert_eq BarrierErrors "$(jq -r '.[0].labels.alertname' <<<"$API")" "API: alertname label"
assert_eq critical "$(jq -r '.[0].labels.severity' <<<"$API")" "API: rule label"
assert_eq 'Barrier errors: 3 ()' "$(jq -r '.[0].annotations.summary' <<<"$API")" "API: templated summary"
assert_eq 'Quote " and <b>tags</b> stay escaped' "$(jq -r '.[0].annotations.description' <<<"$API")" "API: JSON escaping"
assert_match "$(jq -r '.[0].fingerprint' <<<"$API")" '^[0-9a-f]{16}$' "API: fingerprint"
assert_eq active "$(jq -r '.[0].status.state' <<<"$API")" "API: state active"
PAGE=$(hcurl /)
assert_contains "$PAGE" '<tr class="firing"><td>BarrierErrors</td><td>firing</td>' "status page lists the firing alert"
assert_not_contains "$PAGE" '<b>tags</b>' "status page escapes annotations"
first_active=$(scrape | awk '$1 ~ /^ALERTS_FOR_STATE[{]/ && /BarrierErrors/ { print $2 }')

# ---- restart: the alert is firing at once, with its original active time ------------------------
stop_process "$HAWATCH_PID"
[[ -s $STATE/alerts.state ]] || fail "no alert state file in $STATE"
ok "alert state written to $STATE/alerts.state"
start_hawatch --config.file="$CONFIG"
wait_until 30 "alert back after restart" '[[ -n $(state_of BarrierErrors) ]]'
assert_eq firing "$(state_of BarrierErrors)" "after restart the alert is firing at once (for clock kept)"
assert_eq "$first_active" "$(scrape | awk '$1 ~ /^ALERTS_FOR_STATE[{]/ && /BarrierErrors/ { print $2 }')" "active time kept across the restart"

# ---- SIGHUP with a broken rule file keeps the old rules ------------------------------------------
cp "$TMP/site.rules.yml" "$TMP/site.rules.good"
printf 'groups:\n  - name: site\n    rules:\n      - alert: Broken\n        expr: rate(site_barrier_errors[5m]\n' >"$TMP/site.rules.yml"
kill -HUP "$HAWATCH_PID"
wait_until 10 "reload reported failed" '[[ $(sample_value "$(scrape)" hawatch_config_last_reload_successful) == 0 ]]'
ok "bad rule file at SIGHUP: hawatch_config_last_reload_successful 0"
assert_match "$(cat "$HAWATCH_LOG")" 'site.rules.yml:5:[0-9]+' "reload error names FILE:LINE:COL"
sleep 1.5
assert_eq firing "$(state_of BarrierErrors)" "the old rules keep running"
run_capture "$HAWATCH_BIN" --check-config --config.file="$CONFIG"
assert_eq 1 "$RC" "check-config refuses the broken rule file"
assert_match "$ERR" 'site.rules.yml:5:[0-9]+: ' "check-config: FILE:LINE:COL"
stop_process "$HAWATCH_PID"
run_capture "$HAWATCH_BIN" --config.file="$CONFIG" --web.listen-address=127.0.0.1:0
assert_eq 1 "$RC" "start-up refuses the broken rule file"
assert_match "$ERR$OUT" 'site.rules.yml:5:[0-9]+' "start-up error names FILE:LINE:COL"

# ---- resolution -----------------------------------------------------------------------------------
cp "$TMP/site.rules.good" "$TMP/site.rules.yml"
set_value 0
start_hawatch --config.file="$CONFIG"
wait_until 40 "alert resolved" '[[ -z $(state_of BarrierErrors) ]] && [[ $(sample_value "$(scrape)" "site_barrier_errors_max") == 0 ]]'
ok "value 0: the alert resolves"
assert_eq "[]" "$(hcurl /api/v2/alerts)" "API: no firing alert after resolution"
assert_promtool_clean "after resolution"
