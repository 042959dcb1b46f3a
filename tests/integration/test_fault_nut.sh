#!/usr/bin/env bash
# Fault matrix, NUT upsd (tests/fixtures/ups/nut_fixture.sh: real upsd + dummy-ups): upsd stopped,
# hung (a listener that accepts and never answers) and answering garbage on its port → hawatch
# keeps serving, hawatch_ups_up 0 with a reason on the status page, scrapes within 2x baseline;
# upsd back → up 1 by itself. See fault_lib.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"
require_cmd socat /lib/nut/upsd /lib/nut/dummy-ups

PORT=$(free_port)
nut() { D=$TMP/nut PORT=$PORT bash "$HAWATCH_FIXTURES/ups/nut_fixture.sh" "$@"; }
nut_up() { D=$TMP/nut PORT=$PORT bash "$HAWATCH_FIXTURES/ups/nut_fixture.sh" start >/dev/null; }
on_exit nut stop
nut_up
cat >"$TMP/hawatch.yml" <<YML
collectors:
  node: { enabled: false }
  nut:
    - { name: nut1, address: "127.0.0.1:$PORT", ups: dummy, interval: 1s, timeout: 2s }
YML
start_hawatch --config.file="$TMP/hawatch.yml"
fault_init "NUT upsd" 'hawatch_ups_up{ups="nut1"}' nut/nut1

fault_begin stopped
nut stop >/dev/null
fault_expect_down
nut_up
fault_expect_recovered

for mode in hang garbage; do
  nut stop >/dev/null
  fault_begin "${mode/hang/hung}"
  start_fault_peer "$mode" "tcp:127.0.0.1:$PORT"
  fault_expect_down
  stop_fault_peer
  nut_up
  fault_expect_recovered
done
