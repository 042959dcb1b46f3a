#!/usr/bin/env bash
# icmp probes over unprivileged ICMP datagram sockets. On the host: 127.0.0.1 when
# net.ipv4.ping_group_range lets our group use them — otherwise a printed skip reason, and the
# clear error the probe gives in that case is checked instead. Then, always, inside a network
# namespace this test creates: forbidden (clear error), allowed (echo replies from 127.0.0.1 and
# ::1), no reply (timeout) and no route (unreachable), and recovery when the sysctl changes.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd ip sysctl setpriv

probe_config() {  # FILE
  cat >"$1" <<YAML
collectors:
  node: { enabled: false }
  probes:
    - { name: lo4, interval: 500ms, timeout: 400ms, icmp: { host: 127.0.0.1 } }
    - { name: lo6, interval: 500ms, timeout: 400ms, icmp: { host: "::1" } }
    - { name: silent, interval: 1s, timeout: 800ms, icmp: { host: 10.99.0.2 } }
    - { name: no_route, interval: 1s, icmp: { host: 192.0.2.1 } }
YAML
}

# ---- host ---------------------------------------------------------------------------------------
cat >"$TMP/host.yml" <<YAML
collectors:
  node: { enabled: false }
  probes:
    - { name: lo4, interval: 500ms, timeout: 400ms, icmp: { host: 127.0.0.1 } }
YAML
start_hawatch "--config.file=$TMP/host.yml"
wait_until 10 "host icmp probe reported" '[[ -n $(sample_value "$(scrape)" "hawatch_probe_success{probe=\"lo4\"}") ]]'
M=$(scrape)
range=$(sysctl -n net.ipv4.ping_group_range | tr -s '\t ' ' ')
gid=$(id -g)
read -r lo hi <<<"$range"
if ((gid >= lo && gid <= hi)); then
  assert_eq 1 "$(sample_value "$M" 'hawatch_probe_success{probe="lo4"}')" "host: ICMP echo to 127.0.0.1 answered"
else
  echo "# SKIP host ICMP echo: net.ipv4.ping_group_range is \"$range\" and excludes gid $gid on this host;"
  echo "#      checking the probe's error instead, then probing inside a network namespace"
  assert_eq "0 1 0" "$(sample_value "$M" 'hawatch_probe_success{probe="lo4"}') $(sample_value "$M" 'hawatch_probe_failure{probe="lo4",reason="error"}') $(sample_value "$M" 'hawatch_collector_success{collector="probes/lo4"}')" \
    "host: forbidden ICMP sockets are a probe error and a collector failure"
  wait_until 5 "the error logged" "grep -q 'ping_group_range is' '$HAWATCH_LOG'"
  assert_file_contains "$HAWATCH_LOG" "sysctl -w net.ipv4.ping_group_range" "host: the log says which sysctl to change"
fi
stop_process "$HAWATCH_PID"

# ---- a network namespace of our own -------------------------------------------------------------
NS=hawatch-icmp-$$
make_netns "$NS"
in_ns() { ip netns exec "$NS" "$@"; }
in_ns ip link set lo up
# A link with a neighbour that never answers: 10.99.0.2 gets no reply; 192.0.2.1 has no route.
in_ns ip link add hw0 type veth peer name hw1
in_ns ip addr add 10.99.0.1/24 dev hw0
in_ns ip link set hw0 up
in_ns ip link set hw1 up
in_ns sysctl -qw net.ipv4.ping_group_range="1 0"
ok "network namespace $NS created (ICMP sockets forbidden for now)"

probe_config "$TMP/ns.yml"
chmod 711 "$TMP"
chmod 644 "$TMP/ns.yml"
port=$(free_port)
# As nobody/nogroup: unprivileged ICMP is the point (no root, no CAP_NET_RAW).
start_bg hawatch-ns "$TMP/ns.log" ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
  "$HAWATCH_BIN" "--config.file=$TMP/ns.yml" "--web.listen-address=127.0.0.1:$port"
ns_scrape() { in_ns curl -sS --max-time 5 "http://127.0.0.1:$port/metrics" 2>/dev/null || true; }
wait_until 10 "forbidden probe reported" '[[ $(sample_value "$(ns_scrape)" "hawatch_probe_failure{probe=\"lo4\",reason=\"error\"}") == 1 ]]'
ok "netns, range \"1 0\": probe fails with reason error"
wait_until 5 "the error logged" "grep -q 'ping_group_range is' '$TMP/ns.log'"
assert_file_contains "$TMP/ns.log" 'cannot open an ICMP datagram socket: Permission denied (net.ipv4.ping_group_range is \"1 0\" and hawatch runs with gid 65534' \
  "netns: the error names the sysctl, its value and our group"

in_ns sysctl -qw net.ipv4.ping_group_range="0 2147483647"
wait_until 5 "lo4 recovers" '[[ $(sample_value "$(ns_scrape)" "hawatch_probe_success{probe=\"lo4\"}") == 1 ]]'
ok "netns, as nobody: after allowing the group, ICMP echo to 127.0.0.1 is answered (no restart needed)"
wait_until 5 "silent probe fails" '[[ $(sample_value "$(ns_scrape)" "hawatch_probe_failure{probe=\"silent\",reason=\"timeout\"}") == 1 ]]'
M=$(ns_scrape)
if in_ns ip -6 addr show dev lo | grep -q '::1'; then
  assert_eq 1 "$(sample_value "$M" 'hawatch_probe_success{probe="lo6"}')" "netns: ICMPv6 echo to ::1 answered"
else
  echo "# SKIP ICMPv6: IPv6 is disabled in this kernel (no ::1 on lo)"
fi
ok "netns: no echo reply from 10.99.0.2 within the timeout: reason timeout"
d=$(sample_value "$M" 'hawatch_probe_duration_seconds{probe="silent"}')
awk -v d="$d" 'BEGIN { exit !(d > 0.4 && d < 2) }' || fail "silent probe took $d s (timeout 800ms)"
ok "netns: the silent probe gave up after $d s (timeout 800 ms)"
assert_eq 1 "$(sample_value "$M" 'hawatch_probe_failure{probe="no_route",reason="unreachable"}')" \
  "netns: 192.0.2.1 without a route: reason unreachable"
rtt=$(sample_value "$M" 'hawatch_probe_duration_seconds{probe="lo4"}')
ok "netns: echo round trip to 127.0.0.1 took $rtt s"
assert_eq 1 "$(sample_value "$M" 'hawatch_collector_success{collector="probes/silent"}')" \
  "an unanswered echo is a probe failure, not a collector failure"
