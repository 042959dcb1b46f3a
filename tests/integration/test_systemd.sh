#!/usr/bin/env bash
# The systemd collector against a real systemd (PID 1 of its own namespaces, real dbus-daemon system
# bus; tests/fixtures/systemd/sd-peer.sh): unit states, load state of a unit that does not exist,
# the include/exclude filter, a long-running service SIGKILLed via KillUnit (restart counter +1,
# the pass through `failed` counted from signals although no scrape sees it), a unit that fails at
# once, the default include, and the bus killed mid-run (up 0, node unaffected, one log line) and
# brought back (up 1 again).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd busctl promtool script unshare dbus-daemon
[[ $(id -u) == 0 ]] || fail "needs root: the test runs systemd in its own pid/mount/cgroup namespaces"

PEER=$HAWATCH_FIXTURES/systemd/sd-peer.sh
SD=$TMP/sd
BUS=unix:path=$SD/run/dbus/system_bus_socket
# The peer is not a child we can reap: stop it (cgroup.kill) whatever happens.
on_exit "$PEER" "$SD" kill

sdctl() { DBUS_SYSTEM_BUS_ADDRESS=$BUS busctl --system --timeout=5 "$@"; }
metric() { sample_value "$(scrape)" "$1"; }
state_of() {  # UNIT -> the state whose series is 1 (empty when none)
  scrape | sed -nE "s/^hawatch_systemd_unit_state\{state=\"([a-z-]+)\",unit=\"$1\"\} 1\$/\1/p"
}

"$PEER" "$SD" start || fail "the systemd peer did not start"
ok "systemd peer started"

cat >"$TMP/hawatch.yml" <<'EOF'
collectors:
  node: { interval: 5s }
  systemd:
    interval: 1s
    timeout: 2s
    unit_include: 'hw-(long|failing|excluded|ghost|masked|bad|slow)\.service'
    unit_exclude: 'hw-excl.*'
EOF
HAWATCH_LAUNCH=(env "DBUS_SYSTEM_BUS_ADDRESS=$BUS")
start_hawatch --config.file="$TMP/hawatch.yml"
wait_until 10 "systemd collector up" '[[ $(metric hawatch_systemd_up) == 1 ]]'
ok "hawatch_systemd_up 1 against the real systemd"

m=$(scrape)
scrape -o "$TMP/metrics.txt"
run_capture promtool check metrics <"$TMP/metrics.txt"
[[ $RC == 0 && -z $OUT$ERR ]] || fail "promtool check metrics: $OUT $ERR"
ok "promtool check metrics is clean"
assert_eq 1 "$(sample_value "$m" 'hawatch_collector_success{collector="systemd"}')" "systemd collector succeeds"

# --- states, load states, filter --------------------------------------------------------------
assert_eq active "$(state_of 'hw-long\.service')" "hw-long.service is active"
assert_eq failed "$(state_of 'hw-failing\.service')" "hw-failing.service (exit 3 at once) is failed"
assert_eq 6 "$(grep -c '^hawatch_systemd_unit_state{.*unit="hw-failing.service"}' <<<"$m")" \
  "one state series per ActiveState"
assert_eq 1 "$(sample_value "$m" 'hawatch_systemd_unit_load_state{state="loaded",unit="hw-long.service"}')" \
  "hw-long.service is loaded"
assert_eq 1 "$(sample_value "$m" 'hawatch_systemd_unit_load_state{state="not-found",unit="hw-ghost.service"}')" \
  "a unit that does not exist shows load state not-found"
assert_eq 1 "$(sample_value "$m" 'hawatch_systemd_unit_state{state="inactive",unit="hw-ghost.service"}')" \
  "a unit that does not exist is inactive"
assert_not_contains "$m" 'unit="hw-excluded.service"' "unit_exclude removes hw-excluded.service"
assert_not_contains "$m" 'unit="hw-other.service"' "units outside unit_include are not listed"
assert_not_contains "$m" 'unit="dbus.service"' "dbus.service is outside unit_include"
ts=$(sample_value "$m" 'hawatch_systemd_unit_active_enter_timestamp_seconds{unit="hw-long.service"}')
now=$(date +%s)
awk -v t="$ts" -v n="$now" 'BEGIN { exit !(t > n - 600 && t <= n + 1) }' ||
  fail "active-enter timestamp of hw-long.service ($ts) is not within the last 10 minutes (now $now)"
ok "active-enter timestamp of hw-long.service is recent"
[[ -n $(sample_value "$m" 'hawatch_systemd_unit_cpu_seconds_total{unit="hw-long.service"}') ]] ||
  fail "no CPU usage for hw-long.service"
ok "CPU usage reported for hw-long.service"
assert_eq 0 "$(sample_value "$m" 'hawatch_systemd_unit_failures_total{unit="hw-failing.service"}')" \
  "a unit already failed when first seen is not counted as a new failure"

# --- load states systemd produces on demand: masked, bad-setting -----------------------------------
assert_eq 1 "$(sample_value "$m" 'hawatch_systemd_unit_load_state{state="masked",unit="hw-masked.service"}')" \
  "a unit linked to /dev/null shows load state masked"
assert_eq 1 "$(sample_value "$m" 'hawatch_systemd_unit_load_state{state="bad-setting",unit="hw-bad.service"}')" \
  "a unit without ExecStart= shows load state bad-setting"
for u in hw-masked hw-bad hw-ghost; do
  assert_eq 0 "$(grep -E "^hawatch_systemd_unit_load_state\{state=\"loaded\",unit=\"$u\.service\"\}" <<<"$m" | awk '{ print $2 }')" \
    "$u.service is not 'loaded'"
done

# --- reloading and deactivating (ExecReload= / ExecStop= take 3 s) -----------------------------------
assert_eq active "$(state_of 'hw-slow\.service')" "hw-slow.service is active"
sdctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager \
  ReloadUnit ss hw-slow.service replace >/dev/null
wait_until 5 "hw-slow.service reloading" '[[ $(state_of "hw-slow\\.service") == reloading ]]'
ok "hw-slow.service seen reloading"
wait_until 10 "hw-slow.service active after reload" '[[ $(state_of "hw-slow\\.service") == active ]]'
sdctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager \
  StopUnit ss hw-slow.service replace >/dev/null
wait_until 5 "hw-slow.service deactivating" '[[ $(state_of "hw-slow\\.service") == deactivating ]]'
ok "hw-slow.service seen deactivating"
wait_until 10 "hw-slow.service inactive" '[[ $(state_of "hw-slow\\.service") == inactive ]]'
ok "hw-slow.service inactive after a clean stop"
assert_eq 0 "$(metric 'hawatch_systemd_unit_failures_total{unit="hw-slow.service"}')" "a clean stop is no failure"

# --- SIGKILL via KillUnit: auto-restart, restarts +1, the failure counted -----------------------
r0=$(sample_value "$m" 'hawatch_systemd_service_restarts_total{unit="hw-long.service"}')
f0=$(sample_value "$m" 'hawatch_systemd_unit_failures_total{unit="hw-long.service"}')
assert_eq 0 "$f0" "no failures of hw-long.service yet"
sdctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager \
  KillUnit ssi hw-long.service all 9
seen_failed=0
deadline=$((SECONDS + 15))
until [[ $(metric 'hawatch_systemd_service_restarts_total{unit="hw-long.service"}') == $((r0 + 1)) &&
  $(state_of 'hw-long\.service') == active ]]; do
  ((SECONDS < deadline)) || fail "hw-long.service did not come back with NRestarts $((r0 + 1))"
  [[ $(state_of 'hw-long\.service') == failed ]] && seen_failed=1
  sleep 0.2
done
ok "hw-long.service restarted: restarts_total $r0 -> $((r0 + 1)), active again"
wait_until 5 "failure of hw-long.service counted" \
  '[[ $(metric "hawatch_systemd_unit_failures_total{unit=\"hw-long.service\"}") == 1 ]]'
ok "the pass through failed is counted (failures_total 1; a scrape saw state failed: $seen_failed)"

# --- a unit that fails at once, started again: one more failure --------------------------------
sdctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager \
  StartUnit ss hw-failing.service replace >/dev/null
wait_until 10 "failure of hw-failing.service counted" \
  '[[ $(metric "hawatch_systemd_unit_failures_total{unit=\"hw-failing.service\"}") == 1 ]]'
ok "hw-failing.service started again and failed: failures_total 1"
assert_eq failed "$(state_of 'hw-failing\.service')" "hw-failing.service is failed again"
assert_eq 1 "$(metric 'hawatch_systemd_unit_failures_total{unit="hw-long.service"}')" \
  "hw-long.service's failure count is unchanged"

# --- the default include (AMSLPR services only) ---------------------------------------------------
main_url=$HAWATCH_URL main_pid=$HAWATCH_PID main_log=$HAWATCH_LOG
printf 'collectors:\n  systemd: { interval: 1s }\n' >"$TMP/default.yml"
start_hawatch --config.file="$TMP/default.yml"
wait_until 10 "default-include collector up" '[[ $(metric hawatch_systemd_up) == 1 ]]'
d=$(scrape)
assert_not_contains "$d" 'hawatch_systemd_unit_state{' "the default include selects none of the test units"
assert_not_contains "$d" 'unit="amslpr.service"' "default include: missing AMSLPR services are not reported"
stop_process "$HAWATCH_PID"
HAWATCH_URL=$main_url HAWATCH_PID=$main_pid HAWATCH_LOG=$main_log

# --- bus killed mid-run: up 0, node unaffected, logged once --------------------------------------
"$PEER" "$SD" kill
ok "systemd peer killed (systemd, dbus-daemon and services at once)"
wait_until 10 "hawatch_systemd_up 0" '[[ $(metric hawatch_systemd_up) == 0 ]]'
ok "hawatch_systemd_up 0 with the bus gone"
sleep 3  # several more intervals while down
m=$(scrape)
assert_eq 0 "$(sample_value "$m" hawatch_systemd_up)" "still down"
assert_eq 0 "$(sample_value "$m" 'hawatch_collector_success{collector="systemd"}')" "systemd collector_success 0"
assert_eq 1 "$(sample_value "$m" 'hawatch_collector_success{collector="node"}')" "node collector unaffected"
[[ -n $(sample_value "$m" hawatch_node_load1) ]] || fail "node metrics missing while the bus is down"
ok "node metrics still served"
assert_no_match "$m" '^hawatch_systemd_unit_state\{' "no stale unit states while down"
assert_eq 1 "$(grep -c 'msg="systemd bus down"' "$HAWATCH_LOG")" "'systemd bus down' logged exactly once"
assert_eq 1 "$(grep -c 'msg="collector failed" collector=systemd' "$HAWATCH_LOG")" \
  "the collector failure is logged once, not per interval"

# --- a new bus comes: back to 1 -----------------------------------------------------------------
"$PEER" "$SD" start || fail "the systemd peer did not start again"
wait_until 20 "hawatch_systemd_up back to 1" '[[ $(metric hawatch_systemd_up) == 1 ]]'
ok "hawatch_systemd_up 1 again with the new bus"
m=$(scrape)
assert_eq 1 "$(sample_value "$m" hawatch_systemd_bus_disconnects_total)" "one disconnect counted"
assert_eq active "$(state_of 'hw-long\.service')" "hw-long.service seen on the new systemd"
assert_eq 1 "$(sample_value "$m" 'hawatch_collector_success{collector="systemd"}')" "systemd collector succeeds again"
assert_file_contains "$HAWATCH_LOG" 'msg="systemd bus up again"' "recovery is logged"
# Signals flow on the new connection too (it subscribed again).
sdctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager \
  KillUnit ssi hw-long.service all 9
wait_until 10 "second failure of hw-long.service counted" \
  '[[ $(metric "hawatch_systemd_unit_failures_total{unit=\"hw-long.service\"}") == 2 ]]'
ok "failures counted on the new connection (hw-long.service failures_total 2)"

stop_process "$HAWATCH_PID"
assert_eq 0 "$EXIT_STATUS" "hawatch exits 0 on SIGTERM"
"$PEER" "$SD" stop >/dev/null
ok "systemd peer stopped"

# --- a bus without systemd on it: up 0, one log line --------------------------------------------
NOSD=$TMP/nosd.sock
# A private bus with nothing on it and nothing to activate.
start_bg dbus-daemon "$TMP/dbus-daemon.log" dbus-daemon --config-file="$HAWATCH_FIXTURES/systemd/bus.conf" \
  --address="unix:path=$NOSD" --nofork --nopidfile
wait_until 10 "plain dbus-daemon socket" '[[ -S $NOSD ]]'
HAWATCH_LAUNCH=(env "DBUS_SYSTEM_BUS_ADDRESS=unix:path=$NOSD")
printf 'collectors:\n  node: { interval: 5s }\n  systemd: { interval: 1s, timeout: 2s }\n' >"$TMP/nosd.yml"
start_hawatch --config.file="$TMP/nosd.yml"
wait_until 10 "systemd collector reports" '[[ -n $(metric hawatch_systemd_up) ]]'
sleep 3
m=$(scrape)
assert_eq 0 "$(sample_value "$m" hawatch_systemd_up)" "a bus without systemd: hawatch_systemd_up 0"
assert_eq 1 "$(sample_value "$m" 'hawatch_collector_success{collector="node"}')" "node unaffected"
assert_eq 1 "$(grep -c 'msg="systemd bus down"' "$HAWATCH_LOG")" "logged once"
assert_file_contains "$HAWATCH_LOG" 'reason="systemd not reachable: org.freedesktop.DBus.Error.NameHasNoOwner' "the log says systemd is not on the bus"
stop_process "$HAWATCH_PID"

# --- a bus that accepts and never answers (stuck dbus): no hang, up 0 within the timeout ---------
STUCK=$TMP/stuck.sock
start_bg stuck-bus "$TMP/stuck.log" "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(16)
held = []
while True:
    c, _ = s.accept(); held.append(c)  # accept, read nothing, answer nothing
' "$STUCK"
wait_until 10 "stuck socket" '[[ -S $STUCK ]]'
HAWATCH_LAUNCH=(env "DBUS_SYSTEM_BUS_ADDRESS=unix:path=$STUCK")
start_hawatch --config.file="$TMP/nosd.yml"
wait_until 10 "systemd collector reports" '[[ -n $(metric hawatch_systemd_up) ]]'
m=$(scrape)
assert_eq 0 "$(sample_value "$m" hawatch_systemd_up)" "a stuck bus: hawatch_systemd_up 0"
dur=$(sample_value "$m" 'hawatch_collector_duration_seconds{collector="systemd"}')
# (sd-bus' own default is 25 s: a collector that forgot its timeout would take that long)
awk -v d="$dur" 'BEGIN { exit !(d > 0 && d < 3) }' || fail "collection took ${dur}s against a stuck bus (timeout 1s)"
ok "the collection against a stuck bus ends within its timeout (1 s: the interval) (${dur}s)"
[[ $(hstatus /metrics) == 200 ]] || fail "/metrics does not answer while the bus is stuck"
ok "scrapes answer while the bus is stuck"
stop_process "$HAWATCH_PID" TERM 5
assert_eq 0 "$EXIT_STATUS" "hawatch stops promptly with a stuck bus"
