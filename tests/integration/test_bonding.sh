#!/usr/bin/env bash
# bonding collector end to end: the daemon reads fixture trees of real kernel output (this kernel
# has no bonding driver) through --path.sysfs/--path.procfs. Several bonds (active-backup with a
# slave down, 802.3ad with a slave outside the active aggregator, an empty bond) -> exact series
# and a promtool-clean /metrics; truncated files -> collector_success 0 with the path logged and
# the readable parts still served; no bonding driver -> off under auto, a clear failure when forced.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd promtool

F=$HAWATCH_FIXTURES/bonding
cat >"$TMP/auto.yml" <<YAML
collectors:
  node: { enabled: false }
  systemd: { enabled: false }
  network: { enabled: false }
  bonding: { enabled: auto, interval: 1s }
YAML
tree() { echo "--path.sysfs=$F/$1/sys" "--path.procfs=$F/$1/proc"; }
reported() { [[ -n $(sample_value "$(scrape)" 'hawatch_collector_success{collector="bonding"}') ]]; }

# ---- several bonds ------------------------------------------------------------------------------
# shellcheck disable=SC2046  # tree() yields two arguments
start_hawatch "--config.file=$TMP/auto.yml" $(tree multi)
wait_until 10 "bonding reported" reported
M=$(scrape)
v() { sample_value "$M" "$1"; }
assert_eq 1 "$(v 'hawatch_collector_success{collector="bonding"}')" "multi: collector_success 1"
assert_eq 3 "$(v hawatch_bonds)" "multi: three bonds"
assert_eq "2 1" "$(v 'hawatch_bond_slaves{bond="bond0"}') $(v 'hawatch_bond_active_slaves{bond="bond0"}')" \
  "bond0: 2 slaves, 1 with link"
assert_eq "1 0" "$(v 'hawatch_bond_slave_up{bond="bond0",slave="eth0"}') $(v 'hawatch_bond_slave_up{bond="bond0",slave="eth1"}')" \
  "bond0: eth0 up, eth1 down"
assert_eq "1 0" "$(v 'hawatch_bond_active_slave{bond="bond0",slave="eth0"}') $(v 'hawatch_bond_active_slave{bond="bond0",slave="eth1"}')" \
  "bond0: eth0 is the active slave"
assert_eq 3 "$(v 'hawatch_bond_slave_link_failures_total{bond="bond0",slave="eth1"}')" "bond0/eth1: 3 link failures"
assert_eq 1 "$(v 'hawatch_bond_info{bond="bond1",mode="802.3ad"}')" "bond1 is 802.3ad"
assert_eq "1 0" "$(v 'hawatch_bond_slave_in_active_aggregator{bond="bond1",slave="eth2"}') $(v 'hawatch_bond_slave_in_active_aggregator{bond="bond1",slave="eth3"}')" \
  "bond1: eth3 is up but outside the active aggregator"
assert_eq "0 0 0" "$(v 'hawatch_bond_slaves{bond="bond2"}') $(v 'hawatch_bond_active_slaves{bond="bond2"}') $(v 'hawatch_bond_up{bond="bond2"}')" \
  "bond2: empty and down, counts present at 0"
scrape -o "$TMP/multi.txt"
run_capture promtool check metrics <"$TMP/multi.txt"
[[ $RC == 0 && -z $OUT && -z $ERR ]] || fail "promtool check metrics exited $RC: $OUT $ERR"
ok "multi: promtool check metrics is clean"
stop_process "$HAWATCH_PID"

# ---- truncated files ----------------------------------------------------------------------------
# shellcheck disable=SC2046
start_hawatch "--config.file=$TMP/auto.yml" $(tree truncated)
wait_until 10 "bonding reported" reported
M=$(scrape)
assert_eq 0 "$(v 'hawatch_collector_success{collector="bonding"}')" "truncated: collector_success 0"
assert_eq 1 "$(v 'hawatch_bond_slave_up{bond="bond0",slave="eth0"}')" "truncated: readable slaves still served"
assert_eq "" "$(v 'hawatch_bond_slave_up{bond="bond0",slave="eth1"}')" "truncated: no guess for the unreadable slave"
wait_until 5 "the problems logged" "grep -q 'lower_eth1/bonding_slave/mii_status' '$HAWATCH_LOG'"
assert_file_contains "$HAWATCH_LOG" 'bad MII status' "truncated: the log names the file and what is wrong"
# (The scheduler logs a run's first problem; the unit test checks every one of them.)
stop_process "$HAWATCH_PID"

# ---- no bonding driver --------------------------------------------------------------------------
# shellcheck disable=SC2046
start_hawatch "--config.file=$TMP/auto.yml" $(tree none)
M=$(scrape)
assert_eq "" "$(v 'hawatch_collector_success{collector="bonding"}')" "none: auto leaves bonding off"
stop_process "$HAWATCH_PID"
sed 's/bonding: { enabled: auto, interval: 1s }/bonding: { enabled: true, interval: 1s }/' "$TMP/auto.yml" >"$TMP/forced.yml"
# shellcheck disable=SC2046
start_hawatch "--config.file=$TMP/forced.yml" $(tree none)
wait_until 10 "bonding reported" reported
M=$(scrape)
assert_eq 0 "$(v 'hawatch_collector_success{collector="bonding"}')" "none, forced on: collector_success 0"
wait_until 5 "the failure logged" "grep -q 'class/net/bonding_masters' '$HAWATCH_LOG'"
ok "none, forced on: the log names the missing bonding_masters"
