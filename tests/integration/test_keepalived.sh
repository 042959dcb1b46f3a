#!/usr/bin/env bash
# keepalived collector, D-Bus source: two real keepalived VRRP nodes in network namespaces (bridge in
# a third), keepalived's D-Bus API on a private system bus with keepalived's own policy, and one
# hawatch per node inside that node's namespace, running as nobody.
#   - n1 (priority 150) MASTER with the VIP, n2 BACKUP without it, as hawatch reports them;
#   - n1's keepalived SIGKILLed: n2 becomes MASTER with the VIP, seen through n2's hawatch
#     (detection time printed); n1's hawatch reports keepalived down and its instance at init,
#     and whether the dead node kept the VIP, as the kernel has it;
#   - n1's keepalived restarted: it takes MASTER back, and n1's hawatch sees it again;
#   - n2's keepalived hangs (SIGSTOP): runs give up in time, scrapes stay fast;
#   - an IPv6 VIP on both nodes: the copy that fails duplicate address detection does not count.
source "$(dirname "$0")/lib.sh"
source "$HAWATCH_FIXTURES/keepalived/ka-lab.sh"
ka_trap

require_cmd ip keepalived dbus-daemon setpriv promtool
[[ $(id -u) == 0 ]] || fail "must run as root: it creates network namespaces and runs keepalived"
chmod 755 "$TMP"  # hawatch runs as nobody: it must reach the bus socket and read its config

ka_lab_up "$TMP/ka"
ka_bus_up
ka_conf n1 150 dbus
ka_conf n2 100 dbus
ka_start n1
ka_start n2

for node in n1 n2; do
  ka_hawatch_config "$TMP/hawatch-$node.yml" "source: dbus" "dbus_service_name: org.keepalived.Vrrp1.$node" \
    "vips: [ { address: $KA_VIP }, \"fd00::100\" ]"
  ka_hawatch "$node" "$TMP/hawatch-$node.yml"
done

state='hawatch_vrrp_state{instance="VI_1"}'
vip_on_eth0="hawatch_vip_present{address=\"$KA_VIP\",interface=\"eth0\"}"
vip_absent="hawatch_vip_present{address=\"$KA_VIP\",interface=\"\"}"
success='hawatch_collector_success{collector="keepalived"}'

# ---- steady state ---------------------------------------------------------------------------------
wait_until 15 "n1 MASTER and n2 BACKUP through hawatch" \
  '[[ $(ka_value n1 "$state") == 2 && $(ka_value n2 "$state") == 1 ]]'
m1=$(ka_scrape n1)
m2=$(ka_scrape n2)
assert_eq 1 "$(sample_value "$m1" hawatch_keepalived_up)" "n1: keepalived up"
assert_eq 1 "$(sample_value "$m1" 'hawatch_keepalived_source{source="dbus"}')" "n1: states read over D-Bus"
assert_eq 2 "$(sample_value "$m1" "$state")" "n1: VI_1 is MASTER (2)"
assert_eq 1 "$(sample_value "$m1" "$vip_on_eth0")" "n1: holds the VIP on eth0"
assert_eq 1 "$(sample_value "$m1" \
  'hawatch_vrrp_instance_info{family="IPv4",instance="VI_1",interface="eth0",vrid="51"}')" \
  "n1: instance info from keepalived's object path"
assert_eq 1 "$(sample_value "$m1" "$success")" "n1: collector succeeds"
assert_eq 1 "$(sample_value "$m2" hawatch_keepalived_up)" "n2: keepalived up"
assert_eq 1 "$(sample_value "$m2" "$state")" "n2: VI_1 is BACKUP (1)"
assert_eq 0 "$(sample_value "$m2" "$vip_absent")" "n2: does not hold the VIP (interface \"\")"
assert_eq "" "$(sample_value "$m2" "$vip_on_eth0")" "n2: no VIP series on eth0"
ka_has_vip n1 && ! ka_has_vip n2 || fail "the kernel disagrees: VIP should be on n1 only"
ok "the kernel agrees: VIP on n1 only"
run_capture promtool check metrics <<<"$m1"
assert_eq "0:" "$RC:$OUT$ERR" "promtool check metrics: n1's /metrics is clean"

# ---- n1 crashes -------------------------------------------------------------------------------------
t0=$(date +%s.%N)
ka_kill9 n1
kernel_vip_at=""
deadline=$((SECONDS + 20))
until [[ $(ka_value n2 "$state") == 2 && $(ka_value n2 "$vip_on_eth0") == 1 ]]; do
  [[ -z $kernel_vip_at ]] && ka_has_vip n2 && kernel_vip_at=$(date +%s.%N)
  ((SECONDS < deadline)) || fail "n2's hawatch did not report MASTER with the VIP within 20 s"
  sleep 0.05
done
t1=$(date +%s.%N)
[[ -n $kernel_vip_at ]] || kernel_vip_at=$t1
detect=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
vrrp=$(awk -v a="$t0" -v b="$kernel_vip_at" 'BEGIN { printf "%.2f", b - a }')
echo "# DETECTION: n1 SIGKILL -> n2's hawatch reports MASTER with the VIP: ${detect} s" \
  "(VIP on n2 in the kernel after ${vrrp} s; VRRPv2, advert_int 1, hawatch interval 1s)"
ok "n2 took over: MASTER with the VIP, seen through hawatch after ${detect} s"
assert_eq "" "$(ka_value n2 "$vip_absent")" "n2: the 'absent' series went with the change"

wait_until 5 "n1's hawatch to notice keepalived is gone" '[[ $(ka_value n1 hawatch_keepalived_up) == 0 ]]'
m1=$(ka_scrape n1)
assert_eq 0 "$(sample_value "$m1" hawatch_keepalived_up)" "n1: keepalived down"
assert_eq 0 "$(sample_value "$m1" "$state")" "n1: VI_1 still listed, at init (0)"
assert_eq 0 "$(sample_value "$m1" "$success")" "n1: collector reports the failure"
assert_contains "$(<"$KA_DIR/hawatch-n1.log")" "keepalived is not on the system bus as org.keepalived.Vrrp1.n1" \
  "n1: hawatch logs why"
if ka_has_vip n1; then
  assert_eq 1 "$(sample_value "$m1" "$vip_on_eth0")" "n1: the dead node kept the VIP (stale), and hawatch says so"
  echo "# after SIGKILL the kernel keeps the VIP on the dead node n1: both nodes hold $KA_VIP"
else
  assert_eq 0 "$(sample_value "$m1" "$vip_absent")" "n1: VIP gone with keepalived, and hawatch says so"
  echo "# after SIGKILL the VIP left n1"
fi

# ---- n1 comes back ----------------------------------------------------------------------------------
ka_start n1
wait_until 15 "n1 MASTER again (higher priority preempts)" \
  '[[ $(ka_value n1 "$state") == 2 && $(ka_value n2 "$state") == 1 ]]'
assert_eq 1 "$(ka_value n1 hawatch_keepalived_up)" "n1: keepalived up again, same hawatch"
assert_eq 1 "$(ka_value n1 "$success")" "n1: collector succeeds again"
wait_until 5 "n2 to release the VIP" '[[ $(ka_value n2 "$vip_absent") == 0 ]]'
ok "n2 back to BACKUP without the VIP"

# ---- keepalived hangs (stopped, still on the bus): bounded calls, scrapes unaffected --------------
n2_vrrp=$(<"$KA_DIR/n2.vrrp.pid")
kill -STOP "$n2_vrrp"
wait_until 5 "n2's hawatch to give up on a silent keepalived" '[[ $(ka_value n2 hawatch_keepalived_up) == 0 ]]'
t0=$(date +%s%N)
m2=$(ka_scrape n2)
scrape_ms=$((($(date +%s%N) - t0) / 1000000))
kill -CONT "$n2_vrrp"
((scrape_ms < 2000)) || fail "a scrape took ${scrape_ms} ms while keepalived hung"
ok "a scrape answers in ${scrape_ms} ms while keepalived hangs"
assert_eq 0 "$(sample_value "$m2" "$success")" "n2: collector reports the hang"
assert_contains "$(<"$KA_DIR/hawatch-n2.log")" "no answer on the system bus in time" "n2: hawatch logs the timeout"
wait_until 5 "n2's hawatch to see keepalived answer again" '[[ $(ka_value n2 hawatch_keepalived_up) == 1 ]]'
ok "n2: keepalived answers again after SIGCONT"

# ---- an IPv6 address on both nodes: the second copy fails duplicate address detection ------------
v6_on_eth0='hawatch_vip_present{address="fd00::100",interface="eth0"}'
v6_absent='hawatch_vip_present{address="fd00::100",interface=""}'
assert_eq 0 "$(ka_value n1 "$v6_absent")" "n1: fd00::100 not configured yet"
ip -n "$(ka_ns n1)" addr add fd00::100/64 dev eth0
wait_until 10 "n1 to hold fd00::100 once DAD passed" '[[ $(ka_value n1 "$v6_on_eth0") == 1 ]]'
ok "n1: holds fd00::100 after DAD"
ip -n "$(ka_ns n2)" addr add fd00::100/64 dev eth0
wait_until 10 "n2's copy to fail DAD" 'ip -n "$(ka_ns n2)" -6 addr show dev eth0 | grep -q dadfailed'
assert_eq 0 "$(ka_value n2 "$v6_absent")" "n2: a copy that failed DAD is not counted as held"
assert_eq 1 "$(ka_value n1 "$v6_on_eth0")" "n1: still holds fd00::100"
