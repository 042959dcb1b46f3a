#!/usr/bin/env bash
# The systemd collector against odd answers a real systemd does not give on demand, from
# python3-dbusmock on a private bus (tests/fixtures/systemd/odd_systemd.py): an ActiveState outside
# the contract's six, LoadState=error, a wrongly typed property, extreme and unset counters, and
# malformed change signals. (The real-systemd behaviour is tested in test_systemd.sh.)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd busctl promtool dbus-daemon
"$PY" -c 'import dbusmock' 2>/dev/null || fail "python3-dbusmock is not installed for $PY"

SOCK=$TMP/bus
BUS=unix:path=$SOCK
start_bg dbus-daemon "$TMP/dbus-daemon.log" dbus-daemon --config-file="$HAWATCH_FIXTURES/systemd/bus.conf" \
  --address="$BUS" --nofork --nopidfile
wait_until 10 "private bus socket" '[[ -S $SOCK ]]'
start_bg dbusmock "$TMP/dbusmock.log" env DBUS_SYSTEM_BUS_ADDRESS="$BUS" \
  "$PY" -m dbusmock --system --template "$HAWATCH_FIXTURES/systemd/odd_systemd.py"
busctl_() { DBUS_SYSTEM_BUS_ADDRESS=$BUS busctl --system --timeout=5 "$@"; }
wait_until 15 "mock systemd on the bus" \
  'busctl_ call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager Subscribe >/dev/null 2>&1'
ok "dbusmock systemd is on the private bus"

cat >"$TMP/hawatch.yml" <<'EOF'
collectors:
  node: { interval: 1s }
  systemd: { interval: 1s, unit_include: 'odd-.*\.service' }
EOF
HAWATCH_LAUNCH=(env "DBUS_SYSTEM_BUS_ADDRESS=$BUS")
start_hawatch --config.file="$TMP/hawatch.yml"
metric() { sample_value "$(scrape)" "$1"; }
wait_until 10 "systemd collector up" '[[ $(metric hawatch_systemd_up) == 1 ]]'
m=$(scrape)
scrape -o "$TMP/metrics.txt"
run_capture promtool check metrics <"$TMP/metrics.txt"
[[ $RC == 0 && -z $OUT$ERR ]] || fail "promtool check metrics: $OUT $ERR"
ok "promtool check metrics is clean"

# An unknown ActiveState: the unit is there, every contract state 0.
assert_eq 1 "$(sample_value "$m" 'hawatch_systemd_unit_load_state{state="loaded",unit="odd-maintenance.service"}')" \
  "unit in state 'maintenance' is listed"
assert_eq 6 "$(grep -cE '^hawatch_systemd_unit_state\{state="[a-z]+",unit="odd-maintenance.service"\} 0$' <<<"$m")" \
  "an ActiveState outside the six gives six zeros"
# LoadState=error
assert_eq 1 "$(sample_value "$m" 'hawatch_systemd_unit_load_state{state="error",unit="odd-error.service"}')" \
  "load state error"
# A wrongly typed property: that unit is left out with a clear error; the others are served.
assert_not_contains "$m" 'unit="odd-badtype.service"' "the unit with a malformed ActiveState is left out"
assert_eq 0 "$(sample_value "$m" 'hawatch_collector_success{collector="systemd"}')" \
  "a malformed unit makes the collection unsuccessful"
assert_eq 1 "$(sample_value "$m" hawatch_systemd_up)" "systemd is still up"
assert_file_contains "$HAWATCH_LOG" \
  "odd-badtype.service: property ActiveState has D-Bus type 'i', expected 's'" "the error names unit, property and types"
# Extreme and unset counters.
assert_eq 4294967295 "$(sample_value "$m" 'hawatch_systemd_service_restarts_total{unit="odd-huge.service"}')" \
  "NRestarts at UINT32_MAX"
awk -v v="$(sample_value "$m" 'hawatch_systemd_unit_memory_bytes{unit="odd-huge.service"}')" \
  'BEGIN { exit !(v == 2^63) }' || fail "MemoryCurrent 2^63 not served as such"
ok "MemoryCurrent 2^63"
assert_not_contains "$m" 'hawatch_systemd_unit_tasks{unit="odd-huge.service"}' "unset TasksCurrent is absent, not 1.8e19"
assert_not_contains "$m" 'hawatch_systemd_unit_cpu_seconds_total{unit="odd-huge.service"}' "unset CPUUsageNSec is absent"
assert_eq 1700000000 "$(sample_value "$m" 'hawatch_systemd_unit_active_enter_timestamp_seconds{unit="odd-huge.service"}')" \
  "active-enter timestamp in seconds"

# Change signals: a malformed one is ignored; a well-formed entry into failed is counted once.
path=/org/freedesktop/systemd1/unit/odd_2dmaintenance_2eservice
emit() {  # ACTIVESTATE_TYPE VALUE
  busctl_ call org.freedesktop.systemd1 "$path" org.freedesktop.DBus.Mock EmitSignal sssav \
    org.freedesktop.DBus.Properties PropertiesChanged 'sa{sv}as' \
    3 s org.freedesktop.systemd1.Unit 'a{sv}' 1 ActiveState "$1" "$2" as 0
}
emit i 7
emit s failed
emit s failed  # repeated while failed: not a second failure
wait_until 10 "failure counted from the mock's signal" \
  '[[ $(metric "hawatch_systemd_unit_failures_total{unit=\"odd-maintenance.service\"}") == 1 ]]'
ok "an entry into failed announced by PropertiesChanged is counted"
sleep 1.5
assert_eq 1 "$(metric 'hawatch_systemd_unit_failures_total{unit="odd-maintenance.service"}')" \
  "a repeated 'failed' is not a second failure"
assert_eq 1 "$(metric 'hawatch_collector_success{collector="node"}')" "node collector unaffected"
alive "$HAWATCH_PID" || fail "hawatch died"
stop_process "$HAWATCH_PID"
assert_eq 0 "$EXIT_STATUS" "hawatch exits 0 on SIGTERM"
