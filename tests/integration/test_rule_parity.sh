#!/usr/bin/env bash
# Runs every promtool unit-test file under tests/fixtures/rules, the shipped rules' tests
# (alerting/rules/tests) and the engine's case table (tests/fixtures/promql) through both `promtool test rules`
# (Prometheus 2.42) and hawatch-test-rules, and requires the same stdout, stderr and exit code:
# the same alerts, timings, template output and failure reports. Files named engine_*_test.yml use
# PromQL beyond plain selectors and comparisons and pass only with the real engine
# (alerting/promql), not with the test-only stand-in.
# Stand-alone (no lib.sh): it needs neither the daemon nor any peer but promtool.
set -euo pipefail
SRC=${HAWATCH_SOURCE_DIR:?}
BIN=${HAWATCH_TEST_RULES_BIN:?path of hawatch-test-rules}
HAWATCH_BIN=${HAWATCH_BIN:?path of hawatch}
command -v promtool >/dev/null || { echo "promtool is not installed" >&2; exit 1; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
passed=0
failed=0
tests=()
for pattern in tests/fixtures/rules/*_test.yml alerting/rules/tests/*.test.yml tests/fixtures/promql/*.yml; do
  for f in "$SRC"/$pattern; do [[ -e $f ]] && tests+=("$f"); done
done
((${#tests[@]} > 20)) || { echo "only ${#tests[@]} test files found" >&2; exit 1; }
for path in "${tests[@]}"; do
  cd "$(dirname "$path")"
  test=$(basename "$path")
  p_rc=0
  promtool test rules "$test" >"$OUT/p.out" 2>"$OUT/p.err" || p_rc=$?
  h_rc=0
  "$BIN" "$test" >"$OUT/h.out" 2>"$OUT/h.err" || h_rc=$?
  # ... and the daemon's own subcommand, which must answer the same.
  d_rc=0
  "$HAWATCH_BIN" test rules "$test" >"$OUT/d.out" 2>"$OUT/d.err" || d_rc=$?
  if [[ $d_rc != "$h_rc" ]] || ! cmp -s "$OUT/h.out" "$OUT/d.out" || ! cmp -s "$OUT/h.err" "$OUT/d.err"; then
    echo "FAIL $test: hawatch test rules differs from hawatch-test-rules (exit $d_rc vs $h_rc)" >&2
    failed=$((failed + 1))
    continue
  fi
  if [[ $p_rc == "$h_rc" ]] && cmp -s "$OUT/p.out" "$OUT/h.out" && cmp -s "$OUT/p.err" "$OUT/h.err"; then
    echo "PASS ${path#"$SRC"/} (exit $p_rc)"
    passed=$((passed + 1))
  else
    echo "FAIL ${path#"$SRC"/}: promtool exit $p_rc, hawatch exit $h_rc" >&2
    diff -u --label promtool --label hawatch "$OUT/p.out" "$OUT/h.out" >&2 || true
    diff -u --label promtool.stderr --label hawatch.stderr "$OUT/p.err" "$OUT/h.err" >&2 || true
    failed=$((failed + 1))
  fi
done
echo "rule parity: $passed passed, $failed failed"
((failed == 0))
