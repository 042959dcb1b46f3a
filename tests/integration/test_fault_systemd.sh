#!/usr/bin/env bash
# Fault matrix, the system bus (tests/fixtures/systemd/sd-peer.sh: real systemd + dbus-daemon in
# their own namespaces): the bus killed, hung (a unix listener on the bus socket that accepts and
# never answers) and answering garbage → hawatch keeps serving, hawatch_systemd_up 0 with a reason
# on the status page, scrapes within 2x baseline; systemd back → up 1 by itself. See fault_lib.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"
require_cmd busctl script unshare dbus-daemon
[[ $(id -u) == 0 ]] || fail "needs root: the test runs systemd in its own pid/mount/cgroup namespaces"

PEER=$HAWATCH_FIXTURES/systemd/sd-peer.sh
SD=$TMP/sd
SOCK=$SD/run/dbus/system_bus_socket
on_exit "$PEER" "$SD" kill
"$PEER" "$SD" start >/dev/null
cat >"$TMP/hawatch.yml" <<'YML'
collectors:
  node: { enabled: false }
  systemd: { interval: 1s, timeout: 2s, unit_include: 'hw-long\.service' }
YML
HAWATCH_LAUNCH=(env "DBUS_SYSTEM_BUS_ADDRESS=unix:path=$SOCK")
start_hawatch --config.file="$TMP/hawatch.yml"
fault_init "system bus" hawatch_systemd_up systemd

fault_begin stopped
"$PEER" "$SD" kill
fault_expect_down
"$PEER" "$SD" start >/dev/null
fault_expect_recovered

for mode in hang garbage; do
  "$PEER" "$SD" kill
  fault_begin "${mode/hang/hung}"
  mkdir -p "$(dirname "$SOCK")"
  start_fault_peer "$mode" "unix:$SOCK"
  fault_expect_down
  stop_fault_peer
  "$PEER" "$SD" start >/dev/null
  fault_expect_recovered
done
