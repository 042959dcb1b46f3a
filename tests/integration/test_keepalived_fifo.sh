#!/usr/bin/env bash
# keepalived collector, notify-FIFO fallback: two real keepalived VRRP nodes in network namespaces
# running without D-Bus, each writing its transitions to its vrrp_notify_fifo; hawatch (as nobody,
# inside n1's namespace, `source: auto` with no system bus) falls back to n1's FIFO.
#   - hawatch started before the FIFO exists: keepalived_up 0, and why;
#   - the FIFO made as the docs say (keepalived's own would be 0600: umask 0177), keepalived
#     started: it writes BACKUP, then MASTER, and hawatch follows;
#   - lines that are not keepalived events are counted and ignored;
#   - keepalived stopped (it closes its end): up 0, instance at init;
#   - the FIFO recreated at the same path, keepalived restarted: hawatch reopens it, follows again.
source "$(dirname "$0")/lib.sh"
source "$HAWATCH_FIXTURES/keepalived/ka-lab.sh"
ka_trap

require_cmd ip keepalived setpriv
[[ $(id -u) == 0 ]] || fail "must run as root: it creates network namespaces and runs keepalived"
chmod 755 "$TMP"

ka_lab_up "$TMP/ka"
ka_conf n1 150 fifo
ka_conf n2 100 fifo
fifo=$KA_DIR/n1.fifo

ka_hawatch_config "$TMP/hawatch.yml" "notify_fifo: $fifo" "vips: [ { address: $KA_VIP, interface: eth0 } ]"
ka_hawatch n1 "$TMP/hawatch.yml"

state='hawatch_vrrp_state{instance="VI_1"}'
success='hawatch_collector_success{collector="keepalived"}'

# ---- before keepalived: no FIFO ---------------------------------------------------------------------
wait_until 5 "a first keepalived run" '[[ -n $(ka_value n1 "$success") ]]'
m=$(ka_scrape n1)
assert_eq 0 "$(sample_value "$m" hawatch_keepalived_up)" "no FIFO yet: keepalived down"
assert_eq 0 "$(sample_value "$m" "$success")" "no FIFO yet: collector reports it"
assert_eq 0 "$(sample_value "$m" "hawatch_vip_present{address=\"$KA_VIP\",interface=\"\"}")" "no VIP yet"
assert_contains "$(<"$KA_DIR/hawatch-n1.log")" "$fifo: No such file or directory" "hawatch logs the missing FIFO"

# ---- keepalived up ------------------------------------------------------------------------------------
mkfifo -m 0600 "$fifo"  # what keepalived would create: root only
wait_until 5 "hawatch to say why it cannot read a root-only FIFO" \
  'grep -q "Permission denied (create the FIFO before keepalived starts" "$KA_DIR/hawatch-n1.log"'
ok "a root-only FIFO: hawatch logs how to fix it"
rm -f "$fifo"
make_fifo() { mkfifo -m 0640 "$fifo" && chgrp nogroup "$fifo"; }  # hawatch runs as nobody:nogroup
make_fifo
ka_start n1
ka_start n2
wait_until 15 "n1 MASTER through its FIFO" '[[ $(ka_value n1 "$state") == 2 ]]'
m=$(ka_scrape n1)
assert_eq 1 "$(sample_value "$m" hawatch_keepalived_up)" "keepalived up"
assert_eq 1 "$(sample_value "$m" 'hawatch_keepalived_source{source="fifo"}')" "states from the FIFO"
assert_eq 0 "$(sample_value "$m" 'hawatch_keepalived_source{source="dbus"}')" "not from D-Bus (no bus)"
assert_eq 1 "$(sample_value "$m" "$success")" "collector succeeds"
assert_eq 1 "$(sample_value "$m" "hawatch_vip_present{address=\"$KA_VIP\",interface=\"eth0\"}")" "n1 holds the VIP on eth0"
assert_not_contains "$m" "hawatch_vrrp_instance_info" "no interface/vrid info from a FIFO"

# ---- foreign lines on the FIFO -----------------------------------------------------------------------
printf 'VS [192.0.2.1]:tcp:80 UP\nINSTANCE VI_1 BACKUP 100\nINSTANCE "VI_1" SLEEPING 100\n' >"$fifo"
wait_until 5 "the bad lines to be counted" \
  '[[ $(ka_value n1 hawatch_keepalived_notify_fifo_invalid_lines_total) == 2 ]]'
ok "two malformed INSTANCE lines counted, the checker's VS line ignored"
assert_eq 2 "$(ka_value n1 "$state")" "state unchanged by the bad lines"
assert_contains "$(<"$KA_DIR/hawatch-n1.log")" 'unknown state \"SLEEPING\"' "hawatch logs what it ignored"

# ---- keepalived stopped ------------------------------------------------------------------------------
stop_process "${KA_PID[n1]}" TERM 10
wait_until 5 "hawatch to see keepalived gone" '[[ $(ka_value n1 hawatch_keepalived_up) == 0 ]]'
m=$(ka_scrape n1)
assert_eq 0 "$(sample_value "$m" "$state")" "VI_1 still listed, at init (0)"
assert_eq 0 "$(sample_value "$m" "$success")" "collector reports keepalived down"
assert_eq 0 "$(sample_value "$m" "hawatch_vip_present{address=\"$KA_VIP\",interface=\"\"}")" \
  "graceful stop: keepalived removed the VIP"
[[ -p $fifo ]] || fail "keepalived should leave a FIFO it did not create"
ok "keepalived left the FIFO it did not create"

# ---- keepalived back, on a new FIFO at the same path (as after a reboot with /run on tmpfs) ---------
rm -f "$fifo"
make_fifo
ka_start n1
wait_until 15 "n1 MASTER again through the new FIFO" \
  '[[ $(ka_value n1 "$state") == 2 && $(ka_value n1 hawatch_keepalived_up) == 1 ]]'
ok "hawatch reopened the recreated FIFO and follows keepalived again"
assert_eq 1 "$(ka_value n1 "hawatch_vip_present{address=\"$KA_VIP\",interface=\"eth0\"}")" "VIP back on n1"
