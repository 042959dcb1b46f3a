#!/usr/bin/env bash
# Scenario 7, hawatch itself: the primary's hawatch runs as a unit of a real systemd
# (tests/fixtures/systemd/sd-peer.sh) with the shipped unit's Type=notify, Restart= and RestartSec=
# (packaging/systemd/hawatch.service), joined to the primary's network namespace. Two gate checks
# go CRITICAL → CheckCritical is notified, but the webhook receiver holds the request open; in the
# middle of that notification hawatch is killed with SIGKILL (KillUnit main 9). While it is down a
# third check goes CRITICAL. systemd restarts it; nothing is lost: the notification in flight is
# delivered again from the spool (same idempotency key), and the alert raised while hawatch was
# down is notified too.
source "$(dirname "$0")/../lib/drill.sh"
require_cmd busctl script unshare dbus-daemon mount

SHIPPED=$HAWATCH_SOURCE_DIR/packaging/systemd/hawatch.service
unit_setting() { sed -n "s/^$1=//p" "$SHIPPED" | tail -n1; }
RESTART=$(unit_setting Restart)
RESTART_SEC=$(unit_setting RestartSec)
[[ -n $RESTART && -n $RESTART_SEC ]] || fail "no Restart=/RestartSec= in $SHIPPED"

DRILL_SINK_PLAN=hang,200 drill_lab_up

# The gate checks: Nagios plugins whose state is a file (0 OK, 2 CRITICAL).
mkdir -p "$TMP/checks"
for g in gate1 gate2 gate3; do echo 0 >"$TMP/checks/$g"; done
cat >"$TMP/checks/check_gate" <<'SH'
#!/bin/sh
s=$(cat "$1")
[ "$s" = 0 ] && echo "OK - barrier answers" || echo "CRITICAL - barrier does not answer"
exit "$s"
SH
chmod 755 "$TMP/checks/check_gate"
exec_lines=""
for g in gate1 gate2 gate3; do
  exec_lines+="
    - { name: $g, command: [$TMP/checks/check_gate, $TMP/checks/$g], interval: 1s, timeout: 1s }"
done
# The gates' checks run apart, so their alerts fire up to an interval plus an evaluation apart;
# group_wait lets both into the one notification that is to be caught in flight.
DRILL_GROUP_WAIT=2s
drill_config n1 "  node: { enabled: false }" "plugins:
  exec:$exec_lines"

# ---- hawatch as a systemd unit in the primary's namespace -------------------------------------------
# systemd's /run is its own (sd-peer), so the namespace is handed over as a bind-mounted file.
NETNS_FILE=$TMP/n1.netns
touch "$NETNS_FILE"
mount --bind "/run/netns/$(drill_ns n1)" "$NETNS_FILE"
on_exit umount "$NETNS_FILE"
mkdir -p "$TMP/units"
cat >"$TMP/units/hawatch.service" <<UNIT
[Unit]
Description=hawatch (drill): the shipped unit's start and restart settings
[Service]
Type=$(unit_setting Type)
NotifyAccess=$(unit_setting NotifyAccess)
ExecStart=$HAWATCH_BIN --config.file=$TMP/n1/hawatch.yml --web.listen-address=0.0.0.0:9847
Restart=$RESTART
RestartSec=$RESTART_SEC
NetworkNamespacePath=$NETNS_FILE
UNIT
PEER=$HAWATCH_FIXTURES/systemd/sd-peer.sh
SD=$TMP/sd
on_exit "$PEER" "$SD" kill
SDPEER_EXTRA_UNITS=$TMP/units "$PEER" "$SD" start >/dev/null || fail "the systemd peer did not start"
sdctl() { DBUS_SYSTEM_BUS_ADDRESS=unix:path=$SD/run/dbus/system_bus_socket busctl --system --timeout=5 "$@"; }
unit_prop() {  # PROPERTY INTERFACE
  sdctl get-property org.freedesktop.systemd1 /org/freedesktop/systemd1/unit/hawatch_2eservice \
    "org.freedesktop.systemd1.$2" "$1" | cut -d' ' -f2- | tr -d '"'
}
sdctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager \
  StartUnit ss hawatch.service replace >/dev/null
wait_until 20 "hawatch.service active (Type=notify: ready)" '[[ $(unit_prop ActiveState Unit) == active ]]'
wait_until 10 "the primary's hawatch answers" '[[ $(dcurl n1 /-/healthy -o /dev/null -w "%{http_code}" 2>/dev/null) == 200 ]]'
ok "hawatch.service active under systemd ($RESTART, RestartSec=$RESTART_SEC), answering in the primary's namespace"
wait_until 15 "the gate checks OK" "[[ \$(dval n1 'hawatch_check_status{plugin=\"gate1\",check=\"gate1\"}') == 0 ]]"

# ---- two gates fail; the notification hangs; hawatch is killed in the middle of it ---------------------
drill_fault "gate1 and gate2 go CRITICAL"
echo 2 >"$TMP/checks/gate1"
echo 2 >"$TMP/checks/gate2"
T_FAULT=$T0
poll 30 '[[ -s $DRILL_SINK/0001.json ]]' || fail "no notification reached the receiver"
in_flight=$(since "$T0" "$AT")
key=$(jq -r '."Idempotency-Key" // empty' "$DRILL_SINK/0001.headers.json")
drill_check "notification in flight" "CheckCritical for gate1+gate2 sent; the receiver holds it open" \
  "$(jq -r '[.alerts[].labels.check] | sort | join("+")' "$DRILL_SINK/0001.json") posted after $in_flight s, no answer yet" \
  '[[ $(jq -r "[.alerts[].labels.check] | sort | join(\"+\")" "$DRILL_SINK/0001.json") == gate1+gate2 ]]'

drill_fault "hawatch SIGKILLed in the middle of the notification"
sdctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager \
  KillUnit ssi hawatch.service main 9 >/dev/null
T_KILL=$T0
echo 2 >"$TMP/checks/gate3"  # a gate fails while hawatch is down
restart_bound=$(awk -v r="${RESTART_SEC%s}" -v s="$DRILL_SLACK" 'BEGIN { printf "%.1f", r + 1 + s }')
if poll 30 '[[ $(unit_prop NRestarts Service) -ge 1 && $(dcurl n1 /-/healthy -o /dev/null -w "%{http_code}" 2>/dev/null) == 200 ]]'; then
  back=$(since "$T0" "$AT")
  result=PASS
  le "$back" "$restart_bound" || result=FAIL
  drill_record "killed mid-notification: restarted" "systemd restarts hawatch after RestartSec=$RESTART_SEC" \
    "answering again, NRestarts $(unit_prop NRestarts Service)" "$back" "-" "-" "$restart_bound" "$result"
else
  drill_record "killed mid-notification: restarted" "systemd restarts hawatch after RestartSec=$RESTART_SEC" \
    "not answering (ActiveState $(unit_prop ActiveState Unit))" "-" "-" "-" "$restart_bound" FAIL
fi

# ---- nothing lost ---------------------------------------------------------------------------------------
# The notification in flight comes again from the spool: a second request with the same key.
redelivered=""
if poll 30 'redelivered=$(sink_first n1 CheckCritical firing "$T_KILL" check=gate1); [[ -n $redelivered ]]'; then :; fi
key2=$(for f in "$DRILL_SINK"/[0-9]*.headers.json; do
  [[ $f == */0001.headers.json ]] || jq -r '."Idempotency-Key" // empty' "$f"
done | grep -Fx -- "$key" | head -n1 || true)
drill_record "notification in flight delivered" "the spooled notification (gate1+gate2) delivered after the restart, same idempotency key" \
  "$([[ -n $redelivered ]] && echo "delivered" || echo "not delivered")$([[ -n $key && $key2 == "$key" ]] && echo ", same key" || echo ", key not seen again")" \
  "-" "-" "$([[ -n $redelivered ]] && since "$T_KILL" "$redelivered" || echo -)" "-" \
  "$([[ -n $redelivered && -n $key && $key2 == "$key" ]] && echo PASS || echo FAIL)"
# gate3, failed while hawatch was down: fired after the restart and notified.
T0=$T_KILL
watch firing n1 CheckCritical "" 30 'check="gate3"'
bound=$(awk -v b="$restart_bound" -v a="$(alert_bound CheckCritical "${DRILL_GROUP_WAIT%s}")" 'BEGIN { printf "%.1f", b + a }')
drill_record "alert raised while hawatch was down" "CheckCritical for gate3 fires after the restart and is notified" \
  "$([[ $W_ALERT == - ]] && echo 'not firing' || echo firing)$([[ $W_NOTIFY == - ]] && echo ', not notified' || echo ', notified')" \
  "-" "$W_ALERT" "$W_NOTIFY" "$bound" \
  "$([[ $W_ALERT != - && $W_NOTIFY != - ]] && le "$W_ALERT" "$bound" && echo PASS || echo FAIL)"
n=$("$PY" "$DRILL_HERE/sink_query.py" count "$DRILL_SINK" /n1 CheckCritical firing "$T_FAULT")
drill_check "each gate notified" "gate1, gate2, gate3 each in a delivered notification" \
  "$(for g in gate1 gate2 gate3; do printf '%s:%s ' "$g" "$(sink_count n1 CheckCritical firing "$T_KILL" "check=$g")"; done)($n requests with CheckCritical in all)" \
  '[[ $(sink_count n1 CheckCritical firing "$T_KILL" check=gate1) -ge 1 && $(sink_count n1 CheckCritical firing "$T_KILL" check=gate2) -ge 1 && $(sink_count n1 CheckCritical firing "$T_KILL" check=gate3) -ge 1 ]]'
drill_finish
