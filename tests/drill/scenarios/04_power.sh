#!/usr/bin/env bash
# Scenario 4, power: the primary's UPS is an APC SmartUPS behind real apcupsd (the smartsim
# simulator on a pty, tests/fixtures/ups/apcupsd_fixture.sh), the backup's a NUT dummy-ups behind
# real upsd (tests/fixtures/ups/nut_fixture.sh), each in its node's namespace. Mains fails → the UPS
# goes on battery → UpsOnBattery (critical); the battery runs low → UpsLowBattery (critical); the
# shutdown that follows stops the node's app → its ProbeFailing warning is inhibited by
# UpsOnBattery (the example config's inhibit rule): listed as suppressed, never notified. Mains
# returns (apcupsd) → UpsOnBattery resolved.
source "$(dirname "$0")/../lib/drill.sh"
require_cmd socat gcc

drill_lab_up

# The node's app: an HTTP server answering /health, stopped by the shutdown.
app_up() {  # NODE
  mkdir -p "$TMP/$1/www"
  echo ok >"$TMP/$1/www/health"
  start_bg "app-$1" "$TMP/$1/app.log" ip netns exec "$(drill_ns "$1")" \
    "$PY" -m http.server 8000 --bind 127.0.0.1 --directory "$TMP/$1/www"
  APP_PID[$1]=$BG_PID
}
declare -A APP_PID=()
PROBE='  probes:
    - { name: app, interval: 1s, timeout: 500ms, http: { url: "http://127.0.0.1:8000/health" } }'

# ---- the peers ------------------------------------------------------------------------------------
APC=$HAWATCH_FIXTURES/ups/apcupsd_fixture.sh
NUT=$HAWATCH_FIXTURES/ups/nut_fixture.sh
apc() { on_node n1 env D="$TMP/apc" PORT=3551 bash "$APC" "$@"; }
nut() { on_node n2 env D="$TMP/nut" PORT=3493 bash "$NUT" "$@"; }
on_exit apc stop
on_exit nut stop
apc start >"$TMP/apc-fixture.log" 2>&1 || fail "apcupsd fixture: $(cat "$TMP/apc-fixture.log")"
nut start >"$TMP/nut-fixture.log" 2>&1 || fail "NUT fixture: $(cat "$TMP/nut-fixture.log")"
printf 'monpass\n' >"$TMP/nut.password"
app_up n1
app_up n2

drill_config n1 "  apcupsd:
    - { name: apc, address: \"127.0.0.1:3551\", interval: 1s, timeout: 1s }
$PROBE"
drill_config n2 "  nut:
    - { name: nut, address: \"127.0.0.1:3493\", ups: dummy, username: monuser,
        password_file: \"$TMP/nut.password\", interval: 1s, timeout: 1s }
$PROBE"
drill_hawatch n1
drill_hawatch n2
declare -A UPS=([n1]=apc [n2]=nut)
for node in n1 n2; do
  wait_until 20 "${UPS[$node]} on line through hawatch" \
    "[[ \$(dval $node 'hawatch_ups_status{flag=\"OL\",ups=\"${UPS[$node]}\"}') == 1 && \$(dval $node 'hawatch_probe_success{probe=\"app\"}') == 1 ]]"
  ok "${DRILL_NODE_NAME[$node]}: UPS ${UPS[$node]} on line, app answering"
done

# What the UPS daemon itself reports (apcupsd's NIS via apcaccess; upsd's GET VAR): the drill's
# view of the peer, so that the daemon's own polling is not counted against hawatch.
peer_status() {  # NODE
  if [[ $1 == n1 ]]; then apc status
  else printf 'GET VAR dummy ups.status\n' | on_node n2 socat -t2 -T3 - TCP:127.0.0.1:3493 2>/dev/null || true; fi
}
for node in n1 n2; do
  u=${UPS[$node]}
  who="${DRILL_NODE_NAME[$node]} ($([[ $u == apc ]] && echo apcupsd || echo NUT))"

  drill_fault "$who: mains fails, the UPS runs on battery"
  if [[ $u == apc ]]; then apc onbatt; else nut set ups.status "OB DISCHRG"; fi
  STEP_PEER="[[ \$(peer_status $node) == *ONBATT* || \$(peer_status $node) == *'\"OB'* ]]" \
    drill_alert_step "$who: on battery" "UpsOnBattery (critical) notified" "$node" UpsOnBattery \
    "hawatch_ups_status{flag=\"OB\",ups=\"$u\"} == 1" "ups=\"$u\""

  drill_fault "$who: the battery runs low"
  if [[ $u == apc ]]; then apc lowbatt; else nut set ups.status "OB DISCHRG LB"; fi
  STEP_PEER="[[ \$(peer_status $node) == *LOWBATT* || \$(peer_status $node) == *' LB\"'* ]]" \
    drill_alert_step "$who: low battery" "UpsLowBattery (critical) notified" "$node" UpsLowBattery \
    "hawatch_ups_status{flag=\"LB\",ups=\"$u\"} == 1" "ups=\"$u\""

  # The shutdown stops the app: ProbeFailing (warning) fires, held back by UpsOnBattery.
  drill_fault "$who: the shutdown stops the app"
  stop_process "${APP_PID[$node]}" TERM 5
  bound=$(alert_bound ProbeFailing 2)  # two more failed probes: three in a row
  if poll "$(awk -v b="$bound" 'BEGIN { printf "%d", 3 * b + 10 }')" \
    '[[ $(api_alert "$node" ProbeFailing probe=app) == suppressed ]]'; then
    seen=$(since "$T0" "$AT")
    sleep 2  # a notification, had one been sent, would be at the sink by now (group_wait 0s)
    sent=$(sink_count "$node" ProbeFailing firing "$T0")
    result=PASS
    ((sent == 0)) && le "$seen" "$bound" || result=FAIL
    drill_record "$who: shutdown stops the app" "ProbeFailing (warning) inhibited by UpsOnBattery, not notified" \
      "ProbeFailing suppressed, $sent notification(s)" "-" "$seen" "-" "$bound" "$result"
  else
    drill_record "$who: shutdown stops the app" "ProbeFailing (warning) inhibited by UpsOnBattery, not notified" \
      "ProbeFailing never listed as suppressed (state: '$(api_alert "$node" ProbeFailing probe=app)')" \
      "-" "-" "-" "$bound" FAIL
  fi
done

# ---- mains returns (apcupsd): on line again ---------------------------------------------------------
drill_fault "primary (apcupsd): mains returns"
apc lowbatt
apc onbatt
drill_resolve_step "primary (apcupsd): mains back" "UpsOnBattery resolved and notified" n1 UpsOnBattery 'ups="apc"'
drill_finish
