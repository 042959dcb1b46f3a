#!/usr/bin/env bash
# network collector against a real kernel: hawatch runs (as nobody) inside a network namespace
# this test creates, with two veth links into a second namespace acting as the gateways — eth0
# (primary, default route metric 100, IPv4 and IPv6) and wlan0 (the HA guide's second path,
# metric 600). Checked through /metrics: links up, default routes, gateways answering ICMP echo;
# then eth0's far end goes down (interface_up 0, its gateways unreachable, wlan0 still carries
# the default route), then eth0 itself goes down (its routes are gone), then recovery.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd ip setpriv promtool

NS=hawatch-net-$$        # where hawatch runs
GW=hawatch-netgw-$$      # the gateways' side
make_netns "$NS"
make_netns "$GW"
in_ns() { ip netns exec "$NS" "$@"; }
in_gw() { ip netns exec "$GW" "$@"; }

in_ns ip link set lo up
in_gw ip link set lo up
in_ns ip link add eth0 type veth peer name gw-eth0 netns "$GW"
in_ns ip link add wlan0 type veth peer name gw-wlan0 netns "$GW"
# Down links lose their IPv6 addresses (keep_addr_on_down=0): recovery sets both ends up again.
setup_gw_eth0() {
  in_gw ip addr flush dev gw-eth0
  in_gw ip addr add 10.77.0.1/24 dev gw-eth0
  in_gw ip -6 addr add fd77::1/64 dev gw-eth0 nodad
  in_gw ip link set gw-eth0 up
}
setup_gw_eth0
in_gw ip addr add 10.78.0.1/24 dev gw-wlan0
in_gw ip addr add 10.99.0.1/32 dev lo   # a peer beyond the gateways, reached by the default route
in_gw ip link set gw-wlan0 up
setup_eth0() {
  in_ns ip addr flush dev eth0
  in_ns ip addr add 10.77.0.2/24 dev eth0
  in_ns ip -6 addr add fd77::2/64 dev eth0 nodad
  in_ns ip link set eth0 up
  in_ns ip route add default via 10.77.0.1 dev eth0 metric 100
  in_ns ip -6 route add default via fd77::1 dev eth0 metric 100
}
setup_eth0
in_ns ip addr add 10.78.0.2/24 dev wlan0
in_ns ip link set wlan0 up
in_ns ip route add default via 10.78.0.1 dev wlan0 metric 600
# Unprivileged ICMP echo (hawatch needs no CAP_NET_RAW) for everyone in this namespace.
in_ns sysctl -qw net.ipv4.ping_group_range="0 2147483647"
[[ -e /proc/net/ipv6_route ]] || fail "this kernel has no IPv6 (/proc/net/ipv6_route missing)"
ok "namespaces $NS and $GW: eth0 (10.77.0.2, fd77::2) and wlan0 (10.78.0.2) to their gateways"

cat >"$TMP/net.yml" <<YAML
collectors:
  node: { enabled: false }
  systemd: { enabled: false }
  bonding: { enabled: false }
  network:
    interval: 300ms
    timeout: 2s
    check_gateways: true
    ping_timeout: 250ms
    targets: [10.99.0.1]
YAML
chmod 711 "$TMP"
chmod 644 "$TMP/net.yml"
port=19847  # inside our own namespace: nothing else listens there
start_bg hawatch-ns "$TMP/hawatch.log" ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
  "$HAWATCH_BIN" "--config.file=$TMP/net.yml" "--web.listen-address=127.0.0.1:$port"
ns_scrape() { in_ns curl -sS --max-time 5 "http://127.0.0.1:$port/metrics" 2>/dev/null || true; }
v() { sample_value "$M" "$1"; }

wait_until 10 "all three gateways answer" 'M=$(ns_scrape); [[ "$(v "hawatch_network_gateway_reachable{gateway=\"10.77.0.1\"}") $(v "hawatch_network_gateway_reachable{gateway=\"fd77::1\"}") $(v "hawatch_network_gateway_reachable{gateway=\"10.78.0.1\"}")" == "1 1 1" ]]'
ok "gateways 10.77.0.1, fd77::1 and 10.78.0.1 answer ICMP echo (hawatch runs as nobody)"
assert_eq 1 "$(v 'hawatch_network_gateway_reachable{gateway="10.99.0.1"}')" "peer 10.99.0.1 (a target beyond the gateway) answers"
assert_eq 1 "$(v 'hawatch_network_interface_up{interface="eth0"}')" "eth0 is up"
assert_eq 1 "$(v 'hawatch_network_interface_up{interface="wlan0"}')" "wlan0 is up"
assert_eq "" "$(v 'hawatch_network_interface_up{interface="lo"}')" "lo is not reported"
assert_eq 1 "$(v 'hawatch_network_default_route{gateway="10.77.0.1",interface="eth0"}')" "IPv4 default route via 10.77.0.1 on eth0"
assert_eq 100 "$(v 'hawatch_network_default_route_metric{gateway="10.77.0.1",interface="eth0"}')" "  ... with metric 100"
assert_eq 1 "$(v 'hawatch_network_default_route{gateway="fd77::1",interface="eth0"}')" "IPv6 default route via fd77::1 on eth0"
assert_eq 1 "$(v 'hawatch_network_default_route{gateway="10.78.0.1",interface="wlan0"}')" "IPv4 default route via 10.78.0.1 on wlan0"
assert_eq "2 1" "$(v 'hawatch_network_default_routes{family="ipv4"}') $(v 'hawatch_network_default_routes{family="ipv6"}')" \
  "two IPv4 default routes, one IPv6"
assert_eq 1 "$(v 'hawatch_collector_success{collector="network"}')" "collector_success 1"
run_capture promtool check metrics <<<"$M"
[[ $RC == 0 && -z $OUT && -z $ERR ]] || fail "promtool check metrics exited $RC: $OUT $ERR"
ok "promtool check metrics is clean"

# ---- the far end of eth0 goes down (cable pulled at the switch) -----------------------------------
t0=$(date +%s.%N)
in_gw ip link set gw-eth0 down
wait_until 10 "eth0 down seen" 'M=$(ns_scrape); [[ $(v "hawatch_network_interface_up{interface=\"eth0\"}") == 0 ]]'
t1=$(date +%s.%N)
ok "eth0 lost carrier: interface_up 0, seen after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s (interval 300 ms)"
wait_until 10 "eth0's gateways unreachable" 'M=$(ns_scrape); [[ "$(v "hawatch_network_gateway_reachable{gateway=\"10.77.0.1\"}") $(v "hawatch_network_gateway_reachable{gateway=\"fd77::1\"}")" == "0 0" ]]'
t2=$(date +%s.%N)
ok "10.77.0.1 and fd77::1 unreachable, seen after $(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.2f", b - a }') s"
assert_eq 1 "$(v 'hawatch_network_gateway_reachable{gateway="10.78.0.1"}')" "wlan0's gateway still answers"
assert_eq 0 "$(v 'hawatch_network_gateway_reachable{gateway="10.99.0.1"}')" \
  "peer 10.99.0.1 unreachable: the preferred default route still points at the dead eth0"
assert_eq 1 "$(v 'hawatch_network_interface_up{interface="wlan0"}')" "wlan0 still up"
assert_eq 1 "$(v 'hawatch_collector_success{collector="network"}')" "an unreachable gateway is data, not a collector failure"
d=$(v 'hawatch_network_gateway_check_duration_seconds{gateway="10.77.0.1"}')
# (the default ping_timeout is 1 s: a check that ignored the option would take that long)
awk -v d="$d" 'BEGIN { exit !(d < 0.9) }' || fail "the silent gateway check took $d s (ping_timeout 250ms)"
ok "the silent gateway check gave up after $d s (ping_timeout 250 ms)"

# ---- eth0 itself down: the kernel drops its routes ------------------------------------------------
in_ns ip link set eth0 down
wait_until 10 "eth0's default routes gone" 'M=$(ns_scrape); [[ "$(v "hawatch_network_default_routes{family=\"ipv4\"}") $(v "hawatch_network_default_routes{family=\"ipv6\"}")" == "1 0" ]]'
ok "eth0 down: IPv4 default routes 1 (wlan0 only), IPv6 default routes 0"
assert_eq "" "$(v 'hawatch_network_default_route{gateway="10.77.0.1",interface="eth0"}')" "default route via eth0 is gone"
assert_eq "" "$(v 'hawatch_network_default_route{gateway="fd77::1",interface="eth0"}')" "IPv6 default route via eth0 is gone"
assert_eq 1 "$(v 'hawatch_network_default_route{gateway="10.78.0.1",interface="wlan0"}')" "running on wlan0's default route"
assert_eq 0 "$(v 'hawatch_network_interface_up{interface="eth0"}')" "eth0 still reported, as down"
wait_until 10 "peer back via wlan0" 'M=$(ns_scrape); [[ $(v "hawatch_network_gateway_reachable{gateway=\"10.99.0.1\"}") == 1 ]]'
ok "peer 10.99.0.1 answers again, now through wlan0"

# ---- recovery -------------------------------------------------------------------------------------
setup_gw_eth0
setup_eth0
wait_until 10 "eth0 back" 'M=$(ns_scrape); [[ "$(v "hawatch_network_interface_up{interface=\"eth0\"}") $(v "hawatch_network_gateway_reachable{gateway=\"10.77.0.1\"}") $(v "hawatch_network_gateway_reachable{gateway=\"fd77::1\"}") $(v "hawatch_network_gateway_reachable{gateway=\"10.99.0.1\"}")" == "1 1 1 1" ]]'
ok "eth0 back: interface up, both its gateways and the peer answer again"
assert_eq "2 1" "$(v 'hawatch_network_default_routes{family="ipv4"}') $(v 'hawatch_network_default_routes{family="ipv6"}')" \
  "default routes restored"
if grep -E 'level=(error|warn).*collector=network' "$TMP/hawatch.log" >/dev/null; then
  fail "the network collector logged problems: $(grep -E 'level=(error|warn).*collector=network' "$TMP/hawatch.log" | head -5)"
fi
ok "no problems from the network collector in hawatch's log"

# ---- ICMP sockets forbidden: the checks read 0 and the run fails, saying why ---------------------
in_ns sysctl -qw net.ipv4.ping_group_range="1 0"
wait_until 10 "checks fail" 'M=$(ns_scrape); [[ "$(v "hawatch_collector_success{collector=\"network\"}") $(v "hawatch_network_gateway_reachable{gateway=\"10.78.0.1\"}")" == "0 0" ]]'
ok "ping_group_range excludes hawatch: gateway_reachable 0 and collector_success 0"
assert_eq 1 "$(v 'hawatch_network_interface_up{interface="wlan0"}')" "  ... interface state is still served"
wait_until 5 "the reason logged" "grep -q 'ping_group_range is' '$TMP/hawatch.log'"
assert_file_contains "$TMP/hawatch.log" 'gateway checks: cannot open an ICMP datagram socket: Permission denied (net.ipv4.ping_group_range is \"1 0\"' \
  "the log says which sysctl forbids the checks"
