#!/usr/bin/env bash
# shellcheck disable=SC2034  # KA_NS_PREFIX, DRILL_HAWATCH_ARGS, DRILL_ADDR are read by the sourced libraries
# Scenario 5, network:
#   - bond0 (active-backup, eth0 + eth1) loses eth1 → BondDegraded (warning). This kernel has no
#     bonding driver, so bond0 is the fixture tree's (tests/fixtures/bonding/multi, bond0 made
#     healthy), composed with the node's real interfaces and routes: the primary's hawatch reads
#     --path.sysfs/--path.procfs trees in which bond0 is fixture data and everything else links to
#     the namespace's own /sys/class/net and /proc/self/net;
#   - the VRRP master (real keepalived, VRRPv2 unicast, advert 1 s; tests/fixtures/keepalived/
#     ka-lab.sh) is SIGKILLed → the backup's hawatch sees itself MASTER and holding the VIP;
#     the dead node keeps the VIP in its kernel → VipWithoutMaster (critical) on the primary;
#   - the primary's eth0 loses its link and the default route moves to eth1 → both seen.
source "$(dirname "$0")/../lib/drill.sh"
require_cmd keepalived dbus-daemon

drill_lab_up

# ---- the composed trees ---------------------------------------------------------------------------
T=$TMP/tree
FIX=$HAWATCH_FIXTURES/bonding/multi
mkdir -p "$T/sys/class/net" "$T/proc/net/bonding"
cp -r "$FIX/sys/class/net/bond0" "$T/sys/class/net/"
echo bond0 >"$T/sys/class/net/bonding_masters"
for i in eth0 eth1 lo; do ln -s "/sys/class/net/$i" "$T/sys/class/net/$i"; done
for f in /proc/self/net/*; do
  [[ $(basename "$f") == bonding ]] || ln -s "/proc/self/net/$(basename "$f")" "$T/proc/net/"
done
for f in /proc/*; do
  b=$(basename "$f")
  [[ $b == net || $b =~ ^[0-9]+$ ]] || ln -s "/proc/$b" "$T/proc/$b"
done
SLAVE1=$T/sys/class/net/bond0/lower_eth1/bonding_slave
put() { printf '%s\n' "$2" >"$1.tmp" && mv "$1.tmp" "$1"; }  # FILE TEXT, atomically
bond_eth1() {  # up | down : eth1's MII state in sysfs and in /proc/net/bonding/bond0
  local speed=1000 duplex=full failures=3
  [[ $1 == down ]] && { speed=Unknown duplex=Unknown failures=4; }
  put "$SLAVE1/mii_status" "$1"
  put "$SLAVE1/link_failure_count" "$failures"
  sed -e '/^Slave Interface: eth1/,/^$/{' -e "s/^MII Status: .*/MII Status: $1/" \
    -e "s/^Speed: .*/Speed: $([[ $speed == Unknown ]] && echo Unknown || echo "$speed Mbps")/" \
    -e "s/^Duplex: .*/Duplex: $duplex/" -e "s/^Link Failure Count: .*/Link Failure Count: $failures/" -e '}' \
    "$FIX/proc/net/bonding/bond0" >"$T/proc/net/bonding/bond0.tmp"
  mv "$T/proc/net/bonding/bond0.tmp" "$T/proc/net/bonding/bond0"
}
bond_eth1 up

# ---- keepalived on both nodes, D-Bus on a private system bus -------------------------------------------
source "$HAWATCH_FIXTURES/keepalived/ka-lab.sh"
KA_NS_PREFIX=$DRILL_NS  # ka-lab's nodes n1, n2 are the drill's (same names, addresses, eth0)
KA_DIR=$TMP/ka
mkdir -p "$KA_DIR"
ka_bus_up
ka_conf n1 150 dbus
ka_conf n2 100 dbus
ka_start n1
ka_start n2

for node in n1 n2; do
  drill_config "$node" "  network: { interval: 1s, timeout: 1s, interface_include: 'eth.*|bond.*' }
  bonding: { interval: 1s, timeout: 1s, enabled: $([[ $node == n1 ]] && echo true || echo false) }
  keepalived: { interval: 1s, timeout: 1s, source: dbus, dbus_service_name: org.keepalived.Vrrp1.$node,
                vips: [ { address: $KA_VIP } ] }"
done
DRILL_HAWATCH_ARGS=(--path.sysfs="$T/sys" --path.procfs="$T/proc")
drill_hawatch n1 "DBUS_SYSTEM_BUS_ADDRESS=$KA_BUS"
DRILL_HAWATCH_ARGS=()
drill_hawatch n2 "DBUS_SYSTEM_BUS_ADDRESS=$KA_BUS"
STATE='hawatch_vrrp_state{instance="VI_1"}'
VIP="hawatch_vip_present{address=\"$KA_VIP\",interface=\"eth0\"}"
wait_until 30 "primary MASTER with the VIP, backup BACKUP, bond0 with 2 active slaves" \
  "[[ \$(dval n1 '$STATE') == 2 && \$(dval n1 '$VIP') == 1 && \$(dval n2 '$STATE') == 1 && \$(dval n1 'hawatch_bond_active_slaves{bond=\"bond0\"}') == 2 ]]"
ok "primary is VRRP master with the VIP, backup is backup; bond0 has both slaves"
assert_eq 1 "$(dval n1 'hawatch_network_default_route{gateway="10.200.0.254",interface="eth0"}')" \
  "primary: default route via 10.200.0.254 on eth0 (through the composed tree)"

# ---- bond slave fails --------------------------------------------------------------------------------
drill_fault "bond0's eth1 loses its link (MII down)"
bond_eth1 down
drill_alert_step "bond slave fails" "BondDegraded (warning) notified" n1 BondDegraded \
  'hawatch_bond_active_slaves{bond="bond0"} == 1' 'bond="bond0"'

# ---- the VRRP master dies ---------------------------------------------------------------------------------
drill_fault "the primary's keepalived is SIGKILLed (VRRP master)"
ka_kill9 n1
# Both nodes are watched at once: the dead node's alert in the background.
drill_alert_step "VRRP master killed: the dead node keeps the VIP" "VipWithoutMaster (critical) on the primary, notified" \
  n1 VipWithoutMaster 'hawatch_keepalived_up == 0' "address=\"$KA_VIP\"" &
VIP_STEP=$!
# keepalived's own failover (master-down interval: 3 adverts + skew) is the peer's delay.
STEP_PEER='ka_has_vip n2' drill_seen_step "VRRP master killed: new master" \
  "backup's hawatch: VI_1 MASTER, VIP on eth0" "backup MASTER with the VIP" n2 "$VIP == 1"
drill_check "new master state" "backup's VI_1 state 2 (MASTER)" "state $(dval n2 "$STATE")" \
  '[[ $(dval n2 "$STATE") == 2 ]]'
wait "$VIP_STEP" || true

# ---- the primary's eth0 fails; the default route moves to eth1 -------------------------------------------
drill_fault "the primary's eth0 loses its link (switch port down)"
ip -n "$(drill_ns sw)" link set n1-0 down
DRILL_ADDR[n1]=10.201.0.1  # from now on the drill reaches the primary over its second link
drill_seen_step "eth0 link lost" "eth0 down" "hawatch_network_interface_up{eth0} 0" n1 \
  'hawatch_network_interface_up{interface="eth0"} == 0'
drill_fault "the default route moves to eth1 (via 10.201.0.254)"
ip -n "$(drill_ns n1)" route replace default via 10.201.0.254 dev eth1
drill_seen_step "default route moves" "default route via eth1 seen" "default route via 10.201.0.254 on eth1" n1 \
  'hawatch_network_default_route{gateway="10.201.0.254",interface="eth1"} == 1'
m=$(dmetrics n1)
drill_check "old default route gone" "no default route left on eth0" \
  "$(grep -c '^hawatch_network_default_route{.*interface="eth0"} 1' <<<"$m" || true) default route series on eth0 at 1" \
  '! grep -q "^hawatch_network_default_route{.*interface=\"eth0\"} 1" <<<"$m"'
drill_finish
