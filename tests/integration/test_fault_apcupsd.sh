#!/usr/bin/env bash
# Fault matrix, apcupsd (tests/fixtures/ups/apcupsd_fixture.sh: real apcupsd + smartsim): apcupsd
# stopped, hung (a listener that accepts and never answers) and answering garbage on its NIS
# port → hawatch keeps serving, hawatch_ups_up 0 with a reason on the status page, scrapes within
# 2x baseline; apcupsd back → up 1 by itself. See fault_lib.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"
require_cmd socat gcc

PORT=$(free_port)
apc() { D=$TMP/apc PORT=$PORT bash "$HAWATCH_FIXTURES/ups/apcupsd_fixture.sh" "$@"; }
apc_up() {
  apc start-apcupsd
  wait_until 30 "apcupsd ONLINE" '[[ $(apc status) == ONLINE ]]'
}
on_exit apc stop
apc start >/dev/null
cat >"$TMP/hawatch.yml" <<YML
collectors:
  node: { enabled: false }
  apcupsd:
    - { name: apc1, address: "127.0.0.1:$PORT", interval: 1s, timeout: 2s }
YML
start_hawatch --config.file="$TMP/hawatch.yml"
fault_init apcupsd 'hawatch_ups_up{ups="apc1"}' apcupsd/apc1

fault_begin stopped
apc stop-apcupsd
fault_expect_down
apc_up
fault_expect_recovered

for mode in hang garbage; do
  apc stop-apcupsd
  fault_begin "${mode/hang/hung}"
  start_fault_peer "$mode" "tcp:127.0.0.1:$PORT"
  fault_expect_down
  stop_fault_peer
  apc_up
  fault_expect_recovered
done
