#!/usr/bin/env bash
# dns probes against a real BIND on loopback: the answer is reported (so a failover record is
# visible), an RFC 2136 update shows up in the next answer, and wrong rcodes, unexpected answers
# and a dead server are failures with their reasons.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd named dig nsupdate tsig-keygen named-checkconf

DNS_PORT=$(free_port)
bash "$HAWATCH_FIXTURES/probes/bind_fixture.sh" prepare "$TMP/bind" "$DNS_PORT"
start_bg named "$TMP/named.log" named -g -4 -n 1 -c "$TMP/bind/named.conf"
NAMED_PID=$BG_PID
bash "$HAWATCH_FIXTURES/probes/bind_fixture.sh" wait "$DNS_PORT"
ok "BIND answering on 127.0.0.1:$DNS_PORT"

SERVER="127.0.0.1:$DNS_PORT"
cat >"$TMP/hawatch.yml" <<YAML
collectors:
  node: { enabled: false }
  probes:
    - { name: vip, interval: 500ms, timeout: 400ms, dns: { server: "$SERVER", name: vip.test.example } }
    - { name: vip_tcp, dns: { server: "$SERVER", name: vip.test.example, transport: tcp } }
    - { name: vip_expected, interval: 500ms, timeout: 400ms, dns: { server: "$SERVER", name: vip.test.example, expect: [127.0.0.10] } }
    - { name: app_cname, dns: { server: "$SERVER", name: app.test.example, type: CNAME } }
    - { name: missing, dns: { server: "$SERVER", name: nope.test.example } }
    - { name: missing_ok, dns: { server: "$SERVER", name: nope.test.example, valid_rcodes: [NXDOMAIN] } }
    - { name: no_aaaa, dns: { server: "$SERVER", name: vip.test.example, type: AAAA } }
    - { name: refused, dns: { server: "$SERVER", name: example.org } }
YAML
run_capture "$HAWATCH_BIN" --check-config "--config.file=$TMP/hawatch.yml"
assert_eq 0 "$RC" "config passes --check-config ($OUT$ERR)"
start_hawatch "--config.file=$TMP/hawatch.yml"
wait_until 10 "every dns probe reported" '[[ $(scrape | grep -c "^hawatch_probe_success{") == 8 ]]'
M=$(scrape)

expect_probe() {  # NAME SUCCESS [REASON]
  assert_eq "$2" "$(sample_value "$M" "hawatch_probe_success{probe=\"$1\"}")" "probe $1: success $2"
  [[ -z ${3:-} ]] || assert_eq 1 "$(sample_value "$M" "hawatch_probe_failure{probe=\"$1\",reason=\"$3\"}")" "probe $1: reason $3"
}
expect_probe vip 1
assert_eq 1 "$(sample_value "$M" 'hawatch_probe_dns_answer_info{probe="vip",type="A",value="127.0.0.10"}')" \
  "the answer is visible: vip.test.example A 127.0.0.10"
assert_eq "1 60 0" "$(sample_value "$M" 'hawatch_probe_dns_answer_records{probe="vip"}') $(sample_value "$M" 'hawatch_probe_dns_answer_ttl_seconds{probe="vip"}') $(sample_value "$M" 'hawatch_probe_dns_rcode{probe="vip"}')" \
  "one record, TTL 60, rcode NOERROR"
expect_probe vip_tcp 1
expect_probe vip_expected 1
expect_probe app_cname 1
assert_eq 1 "$(sample_value "$M" 'hawatch_probe_dns_answer_info{probe="app_cname",type="CNAME",value="vip.test.example."}')" \
  "CNAME answer reported"
expect_probe missing 0 rcode
assert_eq 3 "$(sample_value "$M" 'hawatch_probe_dns_rcode{probe="missing"}')" "NXDOMAIN is rcode 3"
expect_probe missing_ok 1
expect_probe no_aaaa 0 no_answer
expect_probe refused 0 rcode
assert_eq 5 "$(sample_value "$M" 'hawatch_probe_dns_rcode{probe="refused"}')" "a zone the server does not serve: REFUSED (5)"

# Failover: the record moves to the backup node's address via a TSIG-signed RFC 2136 update.
nsupdate -k "$TMP/bind/ddns.key" <<UPDATE
server 127.0.0.1 $DNS_PORT
zone test.example
update delete vip.test.example A
update add vip.test.example 30 A 127.0.0.11
send
UPDATE
ok "vip.test.example moved to 127.0.0.11 (nsupdate)"
wait_until 5 "the probe sees the new answer" \
  '[[ $(sample_value "$(scrape)" "hawatch_probe_dns_answer_info{probe=\"vip\",type=\"A\",value=\"127.0.0.11\"}") == 1 ]]'
M=$(scrape)
assert_eq "" "$(sample_value "$M" 'hawatch_probe_dns_answer_info{probe="vip",type="A",value="127.0.0.10"}')" \
  "the old answer is gone"
assert_eq 30 "$(sample_value "$M" 'hawatch_probe_dns_answer_ttl_seconds{probe="vip"}')" "new TTL 30"
wait_until 5 "expect fails on the moved record" \
  '[[ $(sample_value "$(scrape)" "hawatch_probe_failure{probe=\"vip_expected\",reason=\"unexpected_answer\"}") == 1 ]]'
ok "probe with expect: [127.0.0.10] fails with unexpected_answer after the move"

# The DNS server dies: no answer within the timeout.
stop_process "$NAMED_PID" TERM 10
wait_until 5 "vip probe fails" '[[ $(sample_value "$(scrape)" "hawatch_probe_success{probe=\"vip\"}") == 0 ]]'
M=$(scrape)
assert_eq -1 "$(sample_value "$M" 'hawatch_probe_dns_rcode{probe="vip"}')" "no answer: rcode -1"
reason=$(grep -oE 'hawatch_probe_failure\{probe="vip",reason="(timeout|network)"\} 1' <<<"$M" || true)
[[ -n $reason ]] || fail "dead server: expected reason timeout or network: $(grep 'probe="vip"' <<<"$M")"
ok "dead DNS server reported ($reason)"
assert_eq 1 "$(sample_value "$M" 'hawatch_collector_success{collector="probes/vip"}')" "still a probe failure, not a collector failure"
