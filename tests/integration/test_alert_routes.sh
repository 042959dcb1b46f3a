#!/usr/bin/env bash
# hawatch's router against the real Alertmanager's: `amtool config routes test` and
# alert_route_tool read the same Alertmanager-format config (tests/fixtures/alerting/routes.yml)
# and must name the same receivers, in the same order, for every label set in routes.cases.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd amtool

TOOL=${HAWATCH_BUILD_DIR:?}/alerting/alert_route_tool
[[ -x $TOOL ]] || fail "alert_route_tool not built ($TOOL)"
CONFIG=$HAWATCH_FIXTURES/alerting/routes.yml

run_capture amtool check-config "$CONFIG"
assert_eq 0 "$RC" "amtool accepts the fixture config"

cases=0
while read -r -a labels; do
  [[ ${#labels[@]} -gt 0 ]] || continue
  want=$(amtool config routes test --config.file="$CONFIG" "${labels[@]}" 2>/dev/null)
  got=$("$TOOL" "$CONFIG" "${labels[@]}")
  [[ $want == "$got" ]] || fail "labels ${labels[*]}: amtool routes to '$want', hawatch to '$got'"
  cases=$((cases + 1))
done <"$HAWATCH_FIXTURES/alerting/routes.cases"
((cases >= 15)) || fail "only $cases label sets tried"
ok "$cases label sets routed as amtool routes them"

# A config error is reported at its line and column.
printf 'route:\n  receiver: admin\n  routes:\n    - matchers: [%s]\nreceivers: [{name: admin}]\n' \
  "'a~b'" >"$TMP/bad.yml"
run_capture "$TOOL" "$TMP/bad.yml"
assert_eq 1 "$RC" "a bad matcher fails"
assert_contains "$ERR" "$TMP/bad.yml:4:18: route.routes[0].matchers[0]: matcher \"a~b\": at column 2" \
  "the error names file, line, column and the column in the matcher"
