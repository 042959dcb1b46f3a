#!/usr/bin/env bash
# Scenario 2, a crash-looping service: amslpr.service (Restart=on-failure, RestartSec=1s, the start
# limit of 5 starts in 60 s) runs under a real systemd (tests/fixtures/systemd/sd-peer.sh); at t0
# its program starts exiting 1 at once. systemd restarts it: the restart counter rises and
# ServiceCrashLooping fires (3 restarts); at the start limit the unit ends in `failed` and
# ServiceFailed fires. hawatch runs in the primary's namespace on that systemd's bus.
source "$(dirname "$0")/../lib/drill.sh"
require_cmd busctl script unshare dbus-daemon

RESTART_SEC=1
BROKEN=$TMP/amslpr.broken
mkdir -p "$TMP/units"
cat >"$TMP/units/amslpr.service" <<UNIT
[Unit]
Description=drill: the AMSLPR app; exits 1 at once while $BROKEN exists
StartLimitIntervalSec=60
StartLimitBurst=5
[Service]
ExecStart=/bin/sh -c 'while [ ! -e $BROKEN ]; do sleep 0.1; done; echo broken; exit 1'
Restart=on-failure
RestartSec=${RESTART_SEC}s
UNIT
PEER=$HAWATCH_FIXTURES/systemd/sd-peer.sh
SD=$TMP/sd
BUS=unix:path=$SD/run/dbus/system_bus_socket
on_exit "$PEER" "$SD" kill
SDPEER_EXTRA_UNITS=$TMP/units "$PEER" "$SD" start >/dev/null || fail "the systemd peer did not start"
sdctl() { DBUS_SYSTEM_BUS_ADDRESS=$BUS busctl --system --timeout=5 "$@"; }
unit_prop() {  # PROPERTY INTERFACE -> the value as busctl prints it, without type and quotes
  sdctl get-property org.freedesktop.systemd1 /org/freedesktop/systemd1/unit/amslpr_2eservice \
    "org.freedesktop.systemd1.$2" "$1" | cut -d' ' -f2- | tr -d '"'
}
sdctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager \
  StartUnit ss amslpr.service replace >/dev/null
wait_until 10 "amslpr.service active" '[[ $(unit_prop ActiveState Unit) == active ]]'
ok "amslpr.service active under the real systemd"

drill_lab_up
for node in n1 n2; do
  drill_config "$node" "  systemd: { interval: 1s, timeout: 1s, unit_include: 'amslpr\\.service' }"
done
drill_hawatch n1 "DBUS_SYSTEM_BUS_ADDRESS=$BUS"
U='unit="amslpr.service"'
wait_until 15 "hawatch sees amslpr.service active" \
  "[[ \$(dval n1 'hawatch_systemd_unit_state{state=\"active\",$U}') == 1 ]]"
assert_eq 0 "$(dval n1 "hawatch_systemd_service_restarts_total{$U}")" "primary: no restarts yet"

# ---- the app starts crashing: restarts, then the crash-loop alert --------------------------------
drill_fault "amslpr.service's program exits 1 at once (Restart=on-failure, RestartSec=${RESTART_SEC}s)"
touch "$BROKEN"
# The rule needs more than 2 restarts: three RestartSec waits, each after a failed run.
STEP_EXTRA=$((3 * RESTART_SEC + 1)) drill_alert_step "unit crash-loops" \
  "restart counter rises, ServiceCrashLooping (critical) notified" n1 ServiceCrashLooping \
  "hawatch_systemd_service_restarts_total{$U} >= 1" "$U"

# ---- the start limit: systemd gives up, the unit stays failed --------------------------------------
# t0 of this step: the moment systemd itself reports the unit failed for good — its 5th restart
# refused ("Start request repeated too quickly"; systemd 252 keeps Result=exit-code).
poll 30 '[[ $(unit_prop NRestarts Service) == 5 && $(unit_prop ActiveState Unit) == failed ]]' ||
  fail "systemd never hit amslpr.service's start limit"
drill_fault "systemd hit the start limit: amslpr.service failed" "$AT"
drill_alert_step "start limit hit" "ServiceFailed (critical) notified" n1 ServiceFailed \
  "hawatch_systemd_unit_state{state=\"failed\",$U} == 1" "$U"
nrestarts=$(unit_prop NRestarts Service)
counted=$(dval n1 "hawatch_systemd_service_restarts_total{$U}")
drill_check "restart counter" "hawatch's counter = systemd's NRestarts" \
  "NRestarts $nrestarts, hawatch_systemd_service_restarts_total $counted" \
  '[[ $counted == "$nrestarts" && $nrestarts -ge 3 ]]'
drill_finish
