#!/usr/bin/env bash
# The shipped alert rules (alerting/rules/**/*.rules.yml) pass `promtool check rules`, their tests
# (alerting/rules/tests/*.test.yml) pass `promtool test rules`, and rules_lint.py finds every alert
# tested (firing and silent), with a runbook, on metric families hawatch really serves. The lint is
# also shown to fail on a rule naming a metric hawatch does not serve, and on a missing runbook.
# Finally the daemon itself serves the families the rules read that its default config can
# produce here (a name in the sources is not proof that it reaches /metrics).
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

# ---- 5. the daemon serves what the rules read -------------------------------------------------
# Families every hawatch serves with the node, network and self collectors (no peers needed).
cat >"$TMP/hawatch.yml" <<'EOF'
collectors:
  node: {}
  network: {}
EOF
start_hawatch --config.file="$TMP/hawatch.yml"
metrics=$(scrape)
for family in hawatch_collector_success hawatch_config_last_reload_successful \
  hawatch_node_filesystem_avail_bytes hawatch_node_filesystem_size_bytes \
  hawatch_node_filesystem_readonly hawatch_node_memory_available_bytes \
  hawatch_node_memory_total_bytes hawatch_node_time_synced hawatch_network_default_routes; do
  assert_match "$metrics" "^${family}[{ ]" "/metrics serves $family, which the rules read"
done
assert_match "$metrics" '^hawatch_network_default_routes\{family="ipv4"\} ' \
  "DefaultRouteLost's selector (family=\"ipv4\") matches a served series"
assert_match "$metrics" '^hawatch_node_filesystem_avail_bytes\{mountpoint="/"\} ' \
  "the disk rules' mountpoint label is served"
