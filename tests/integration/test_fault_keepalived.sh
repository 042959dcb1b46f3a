#!/usr/bin/env bash
# Fault matrix, keepalived over D-Bus (tests/fixtures/keepalived/ka-lab.sh: a real keepalived VRRP
# node in a network namespace, owning its name on a private system bus; hawatch on the same bus,
# as nobody): keepalived stopped, hung (SIGSTOP: the bus takes the calls, keepalived never answers)
# and answering garbage (tests/fixtures/faults/fake_keepalived.py owns the name: introspection that
# is not XML, properties of the wrong types) → hawatch keeps serving, keepalived up/success 0 with
# a reason on the status page, scrapes within 2x baseline; keepalived back → 1 by itself.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"
source "$HAWATCH_FIXTURES/keepalived/ka-lab.sh"
ka_trap
require_cmd ip keepalived dbus-daemon setpriv
[[ $(id -u) == 0 ]] || fail "must run as root: it creates network namespaces and runs keepalived"
chmod 755 "$TMP"

ka_lab_up "$TMP/ka"
ka_bus_up
ka_conf n1 150 dbus
ka_start n1
ka_hawatch_config "$TMP/hawatch.yml" "source: dbus" "dbus_service_name: org.keepalived.Vrrp1.n1"
sed -i 's/timeout: 1s/timeout: 2s/' "$TMP/hawatch.yml"
HAWATCH_LAUNCH=(env "DBUS_SYSTEM_BUS_ADDRESS=$KA_BUS" setpriv --reuid=nobody --regid=nogroup --clear-groups)
start_hawatch --config.file="$TMP/hawatch.yml"
UP=hawatch_keepalived_up
SUCCESS='hawatch_collector_success{collector="keepalived"}'
fault_init keepalived "$SUCCESS" keepalived
wait_until 10 "keepalived_up 1" '[[ $(sample_value "$(scrape)" "$UP") == 1 ]]'

fault_begin stopped
stop_process "${KA_PID[n1]}"
fault_expect_down
assert_eq 0 "$(sample_value "$(scrape)" "$UP")" "keepalived stopped: $UP 0"
ka_start n1
fault_expect_recovered

fault_begin hung
vrrp=$(<"$KA_DIR/n1.vrrp.pid")
kill -STOP "$vrrp"
on_exit kill -CONT "$vrrp"
fault_expect_down
assert_eq 0 "$(sample_value "$(scrape)" "$UP")" "keepalived hung: $UP 0"
kill -CONT "$vrrp"
fault_expect_recovered

fault_begin garbage
stop_process "${KA_PID[n1]}"
start_bg fake-keepalived "$TMP/fake-keepalived.log" env "DBUS_SYSTEM_BUS_ADDRESS=$KA_BUS" \
  "$PY" "$HAWATCH_FIXTURES/faults/fake_keepalived.py" org.keepalived.Vrrp1.n1
fake=$BG_PID
wait_until 10 "fake keepalived on the bus" 'grep -q ready "$TMP/fake-keepalived.log"'
fault_expect_down
stop_process "$fake"
ka_start n1
fault_expect_recovered
