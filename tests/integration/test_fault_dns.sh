#!/usr/bin/env bash
# Fault matrix, DNS server (a real BIND, tests/fixtures/dns/bind_fixture.sh): stopped, hung (reads
# every query, never answers; UDP and TCP) and answering garbage, for both of hawatch's users of a
# DNS server:
#   - a failover group (RFC 2136 hook with TSIG): hawatch_failover_dns_up 0 with the reason in the
#     group's "DNS server" cell on the status page, the DNS failover row red, the group keeps its
#     state (no change is attempted while healthy), and back to 1 by itself;
#     and the shipped FailoverDnsUnreachable rule sees it (pending);
#   - a dns probe of the same record: hawatch_probe_success 0, its reason on the page, back to 1.
# Each through fault_lib's checks (serving, scrapes within 2x baseline, page valid UTF-8).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/fault_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"
# shellcheck source=tests/integration/failover_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/failover_lib.sh"
require_cmd jq

start_bind
start_app web
mkdir -p "$TMP/state"
cat >"$TMP/hawatch.yml" <<YAML
global: { state_directory: $TMP/state, evaluation_interval: 1s }
rule_files: [ $HAWATCH_SOURCE_DIR/alerting/rules/self.rules.yml ]
collectors:
  node: { enabled: false }
  probes:
    - { name: app, interval: 1s, timeout: 500ms, http: { url: "http://127.0.0.1:$APP_PORT/health" } }
    - { name: dnsvip, interval: 1s, timeout: 1s, dns: { server: "127.0.0.1:$BIND_PORT", name: vip.test.example, expect: [$PRIMARY] } }
failover:
  - name: dnsfault
    record: { zone: test.example, name: vip.test.example, type: A, ttl: 30 }
    primary: $PRIMARY
    backup: $BACKUP
    health: { probe: app }
    failback: { mode: manual }
    update:
$(rfc2136_update)
YAML
start_hawatch --config.file="$TMP/hawatch.yml"
wait_until 20 "the group learns primary from BIND" '[[ $(group_field dnsfault state) == primary ]]'

# dns_fault FAULT : breaks BIND that way (stopped: killed; hung/garbage: a fault peer on its port,
# UDP and TCP).
dns_fault() {
  stop_bind
  fault_begin "$1"
  [[ $1 == stopped ]] && return
  local mode=${1/hung/hang}
  start_fault_peer "$mode" "udp:127.0.0.1:$BIND_PORT"
  UDP_PEER=$FAULT_PID
  start_fault_peer "$mode" "tcp:127.0.0.1:$BIND_PORT"
}
dns_restore() {
  stop_fault_peer
  [[ -n ${UDP_PEER:-} ]] && stop_process "$UDP_PEER" TERM 5
  UDP_PEER=
  start_bind
}

# ---- the failover group ------------------------------------------------------------------------
# The group re-reads the record every 5 s while idle; its timeout is 1 s.
fault_init "DNS server (failover group, RFC 2136)" 'hawatch_failover_dns_up{group="dnsfault"}' dnsfault
for f in stopped hung garbage; do
  dns_fault "$f"
  fault_expect_down
  assert_contains "$(hcurl /)" 'dnsfault: the DNS server does not answer' "$f: the DNS failover row says so"
  assert_eq false "$(hcurl /api/v1/failover | jq -r '.groups[0].dns_server.answering')" \
    "$f: GET /api/v1/failover says the DNS server is not answering"
  assert_eq primary "$(group_field dnsfault state)" "$f: the group keeps its state"
  # The local rules see the failover unit's series (its 2 m "for" is longer than this test).
  wait_until 10 "$f: FailoverDnsUnreachable pending in the local rules" \
    '[[ $(sample_value "$(scrape)" "hawatch_alerts{alertname=\"FailoverDnsUnreachable\",state=\"pending\"}") == 1 ]]'
  assert_eq 0 "$(sample_value "$(scrape)" 'hawatch_dns_updates_total{group="dnsfault",result="ok"}')" \
    "$f: no update was sent (the app is healthy)"
  dns_restore
  fault_expect_recovered
done
assert_eq answering "$(status_reason dnsfault)" "the group's DNS server cell says answering again"

# ---- the dns probe -----------------------------------------------------------------------------
# A failed probe is not a failed collector (probes/dnsvip stays ok): its reason is the Probes
# subsystem's.
# shellcheck disable=SC2034  # read by fault_lib.sh
FAULT_REASON_OF=subsystem_reason
fault_init "DNS server (dns probe)" 'hawatch_probe_success{probe="dnsvip"}' probes
for f in stopped hung garbage; do
  dns_fault "$f"
  fault_expect_down
  assert_contains "$FAULT_REASON" "probe dnsvip failing: " "$f: the Probes row names the probe and why"
  dns_restore
  fault_expect_recovered
done
assert_eq "$PRIMARY" "$(served vip.test.example)" "BIND still serves the primary: nothing was written"
ok "done"
