#!/usr/bin/env bash
# The shipped alert rules (alerting/rules/**/*.rules.yml) pass `promtool check rules`, their tests
# (alerting/rules/tests/*.test.yml) pass `promtool test rules`, and rules_lint.py finds every alert
# tested (firing and silent), with a runbook, on metric families hawatch really serves. The lint is
# also shown to fail on a rule naming a metric hawatch does not serve, and on a missing runbook.
# Finally a real Prometheus evaluates every rule against a hawatch watching broken targets:
# the expected alerts go active with the promised labels, and no rule fails to evaluate.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd promtool

RULES=$HAWATCH_SOURCE_DIR/alerting/rules
RUNBOOKS=$HAWATCH_SOURCE_DIR/docs/runbooks
LINT=$HAWATCH_SOURCE_DIR/tests/integration/rules_lint.py

mapfile -t rule_files < <(find "$RULES" -name '*.rules.yml' | sort)
mapfile -t test_files < <(find "$RULES/tests" -name '*.test.yml' | sort)
((${#rule_files[@]} > 0)) || fail "no rule files under $RULES"
((${#test_files[@]} > 0)) || fail "no rule tests under $RULES/tests"

# ---- 1. promtool check rules, per file -------------------------------------------------------
for f in "${rule_files[@]}"; do
  run_capture promtool check rules "$f"
  [[ $RC == 0 ]] || fail "promtool check rules ${f#"$RULES"/}: $OUT $ERR"
  assert_match "$OUT" 'SUCCESS: [1-9][0-9]* rules found' "promtool check rules ${f#"$RULES"/}"
done

# ---- 2. promtool test rules, per file --------------------------------------------------------
for f in "${test_files[@]}"; do
  run_capture promtool test rules "$f"
  [[ $RC == 0 ]] || fail "promtool test rules ${f#"$RULES"/}: $OUT $ERR"
  assert_contains "$OUT" SUCCESS "promtool test rules ${f#"$RULES"/}"
done

# Every rule file is exercised by some test file.
for f in "${rule_files[@]}"; do
  rel=${f#"$RULES"/}
  grep -qF -- "../$rel" "${test_files[@]}" || fail "no test file lists ../$rel in rule_files"
done
ok "every rule file is loaded by a test file"

# ---- 3. the lint: tests, runbooks, served metrics, local PromQL subset -----------------------
run_capture "$PY" "$LINT" "$HAWATCH_SOURCE_DIR"
[[ $RC == 0 ]] || fail "rules_lint.py found problems:
$OUT
$ERR"
assert_match "$OUT" '^[0-9]+ alerts in [0-9]+ rule files' "rules_lint: $OUT"

# ---- 4. the lint fails where it should --------------------------------------------------------
# A copy of the rules where one expression names a metric hawatch does not serve.
BAD=$TMP/bad-rules
cp -r "$RULES" "$BAD"
sed -i 's/hawatch_ups_status{flag="OB"} == 1/hawatch_ups_on_battery == 1/' "$BAD/power.rules.yml"
grep -q hawatch_ups_on_battery "$BAD/power.rules.yml" || fail "could not plant the bad metric"
run_capture "$PY" "$LINT" "$HAWATCH_SOURCE_DIR" --rules "$BAD"
assert_eq 1 "$RC" "lint exits 1 on an unknown metric"
assert_contains "$OUT" "power.rules.yml: UpsOnBattery: metric hawatch_ups_on_battery is not a family hawatch serves" \
  "lint names the rule and the unknown metric"

# A node_exporter name (what someone porting rules would write) is refused too.
sed -i 's/hawatch_node_time_synced == 0/node_timex_sync_status == 0/' "$BAD/node.rules.yml"
run_capture "$PY" "$LINT" "$HAWATCH_SOURCE_DIR" --rules "$BAD"
assert_contains "$OUT" "ClockNotSynchronised: metric node_timex_sync_status is not a family hawatch serves" \
  "lint refuses a node_exporter metric name"

# A function outside the local engine's subset, and an alert without runbook or test.
cp -r "$RULES" "$TMP/bad2"
cat >"$TMP/bad2/extra.rules.yml" <<'EOF'
groups:
  - name: extra
    rules:
      - alert: NotShipped
        expr: histogram_quantile(0.9, rate(hawatch_collector_duration_seconds[5m])) > 1
        labels: { severity: page }
        annotations: { summary: x }
EOF
run_capture "$PY" "$LINT" "$HAWATCH_SOURCE_DIR" --rules "$TMP/bad2"
assert_eq 1 "$RC" "lint exits 1 on an untested alert without runbook"
assert_contains "$OUT" "NotShipped: function histogram_quantile is outside hawatch's local PromQL subset" \
  "lint refuses a function the local engine lacks"
assert_contains "$OUT" "NotShipped: no runbook" "lint requires a runbook"
assert_contains "$OUT" "alert NotShipped: no promtool test expects it firing" "lint requires a firing test"
assert_contains "$OUT" "labels.severity is 'page'" "lint requires a known severity"
assert_contains "$OUT" "annotation runbook_url is missing" "lint requires runbook_url"

# A runbook directory missing one runbook.
cp -r "$RUNBOOKS" "$TMP/runbooks"
rm "$TMP/runbooks/UpsOnBattery.md"
run_capture "$PY" "$LINT" "$HAWATCH_SOURCE_DIR" --runbooks "$TMP/runbooks"
assert_eq 1 "$RC" "lint exits 1 on a missing runbook"
assert_contains "$OUT" "UpsOnBattery: no runbook" "lint names the alert without runbook"

# ---- 5. a real Prometheus evaluates the rules on a real hawatch ------------------------------
# hawatch watches things that are broken on purpose; the alerts those breakages must raise go
# pending (or firing) with the labels the rules promise, every rule evaluates without error, and
# alerts whose condition does not hold stay silent. This proves the label shapes the promtool
# tests assume against what the daemon really serves.
require_cmd prometheus
closed_port=$(free_port)  # released at once: nothing listens there
mkdir -p "$TMP/backups" "$TMP/textfile" "$TMP/checks"
echo "not a database" | gzip >"$TMP/backups/amslpr_20260101_000000.db.gz"
touch -d '3 days ago' "$TMP/backups/amslpr_20260101_000000.db.gz"
printf 'this is { not the text format\n' >"$TMP/textfile/broken.prom"
cat >"$TMP/checks/cameras.sh" <<'EOF'
#!/bin/sh
echo "CRITICAL - camera gate does not answer"
exit 2
EOF
chmod +x "$TMP/checks/cameras.sh"
cat >"$TMP/hawatch.yml" <<EOF
collectors:
  node: {}
  network: {}
  keepalived: { source: fifo, interval: 1s, notify_fifo: $TMP/keepalived.fifo, vips: [127.0.0.1, 192.0.2.99] }
  nut: [ { name: ups1, address: "127.0.0.1:$closed_port" } ]
  postgres: [ { name: db, dsn: "host=127.0.0.1 port=$closed_port user=hawatch dbname=amslpr" } ]
  probes:
    - { name: app, interval: 1s, timeout: 500ms, http: { url: "http://127.0.0.1:$closed_port/health" } }
    - { name: peer, interval: 1s, timeout: 500ms, peer: { url: "http://127.0.0.1:$closed_port" } }
  backups:
    - { name: amslpr-db, path_glob: "$TMP/backups/amslpr_*.db.gz", max_age: 26h, verify_sqlite: true }
plugins:
  exec: [ { name: cameras, command: [ "$TMP/checks/cameras.sh" ] } ]
  textfile_directory: $TMP/textfile
EOF
start_hawatch --config.file="$TMP/hawatch.yml"
target="127.0.0.1:$HAWATCH_PORT"

prom_port=$(free_port)
prom="http://127.0.0.1:$prom_port"
{
  echo "global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }"
  echo "rule_files:"
  for f in "${rule_files[@]}"; do echo "  - $f"; done
  echo "scrape_configs:"
  echo "  - { job_name: hawatch, static_configs: [ { targets: [ \"$target\" ] } ] }"
} >"$TMP/prometheus.yml"
start_bg prometheus "$TMP/prometheus.log" prometheus --config.file="$TMP/prometheus.yml" \
  --storage.tsdb.path="$TMP/tsdb" --web.listen-address="127.0.0.1:$prom_port" --log.level=info
prom_pid=$BG_PID
prom_ready() {
  alive "$prom_pid" || fail "prometheus exited during start-up"
  [[ $(curl -s -o /dev/null -w '%{http_code}' "$prom/-/ready" 2>/dev/null || true) == 200 ]]
}
wait_until 30 "prometheus /-/ready" prom_ready
ok "prometheus is ready with every shipped rule file"

# Active (pending or firing) alerts as "alertname label=value,...", one a line.
active_alerts() {
  curl -sS --max-time 5 "$prom/api/v1/alerts" |
    jq -r '.data.alerts[] | .labels.alertname + " " +
      ([.labels | to_entries[] | select(.key != "alertname" and .key != "job" and .key != "instance")
        | .key + "=" + .value] | sort | join(","))'
}
# ALERT LABELS (sorted, comma-separated, without alertname/job/instance)
expect_alert() {
  wait_until 40 "$1{$2} pending or firing" "active_alerts | grep -qxF -- '$1 $2'"
  ok "$1{$2} is active"
}
expect_gone() {  # ALERT LABELS
  wait_until 40 "$1{$2} to end" "! active_alerts | grep -qxF -- '$1 $2'"
  ok "$1{$2} is no longer active"
}
expect_alert PeerDown "probe=peer,severity=critical"
expect_alert ProbeFailing "probe=app,severity=warning"
expect_alert BackupStale "backup=amslpr-db,severity=warning"
expect_alert BackupCorrupt "backup=amslpr-db,severity=critical"
expect_alert CheckCritical "check=cameras,plugin=cameras,severity=critical"
expect_alert UpsLost "severity=warning,ups=ups1"
expect_alert ReplicationDown "name=db,severity=critical"
expect_alert CollectorFailing "collector=textfile,severity=warning"
expect_alert VipLost "address=192.0.2.99,severity=critical"
expect_alert KeepalivedDown "severity=warning"

alerts=$(active_alerts)
assert_no_match "$alerts" '^ProbeFailing .*probe=peer' "a peer probe raises PeerDown, not ProbeFailing"
assert_no_match "$alerts" '^(UpsOnBattery|UpsLowBattery) ' "a UPS without data is not on battery"
assert_no_match "$alerts" '^VipOnMultipleNodes ' "one node cannot hold a VIP on several nodes"
assert_no_match "$alerts" '^VipLost .*address=127\.0\.0\.1' "a VIP held by the only node is not lost"
assert_no_match "$alerts" '^VipWithoutMaster ' "no VRRP instance known yet: a held VIP does not alert"

# keepalived's side of the notify FIFO (missing so far: KeepalivedDown), played by the test
# (read-write: never blocks on open). With a Prometheus scrape the VRRP instance arrives as
# exported_instance: the rules' other branch.
mkfifo "$TMP/keepalived.fifo"
exec {ka_fd}<>"$TMP/keepalived.fifo"
echo 'INSTANCE "VI_1" BACKUP 100' >&"$ka_fd"
expect_alert VipWithoutMaster "address=127.0.0.1,interface=lo,severity=critical"
expect_gone KeepalivedDown "severity=warning"
assert_no_match "$(active_alerts)" '^VrrpMasterWithoutVip ' "a VRRP backup without a VIP is fine"

echo 'INSTANCE "VI_1" MASTER 100' >&"$ka_fd"
expect_alert VrrpMasterWithoutVip "address=192.0.2.99,severity=critical"
expect_gone VipWithoutMaster "address=127.0.0.1,interface=lo,severity=critical"

echo 'INSTANCE "VI_1" FAULT 100' >&"$ka_fd"
expect_alert VrrpInstanceFault "exported_instance=VI_1,severity=warning"
fault=$(curl -sS --max-time 5 "$prom/api/v1/alerts" |
  jq -r '.data.alerts[] | select(.labels.alertname == "VrrpInstanceFault") | .annotations.summary')
assert_eq "VRRP instance VI_1 is in FAULT state" "$fault" "the summary names the VRRP instance, not the node"

# Every rule evaluated, and without an error.
rules=$(curl -sS --max-time 5 "$prom/api/v1/rules")
n=$(jq '[.data.groups[].rules[]] | length' <<<"$rules")
(( n >= 30 )) || fail "prometheus loaded only $n rules"
ok "prometheus loaded $n rules"
bad=$(jq -r '.data.groups[].rules[] | select(.health != "ok") | .name + ": " + .health + " " + (.lastError // "")' <<<"$rules")
assert_eq "" "$bad" "every rule evaluates without error on hawatch's real series"
