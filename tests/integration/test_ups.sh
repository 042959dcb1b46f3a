#!/usr/bin/env bash
# apcupsd and nut collectors against real peers, observed through the running daemon's /metrics:
#  - a real apcupsd (apcsmart driver) talking to smartsim over a pty pair: online, on battery,
#    low battery (→ apcupsd's own shutdown, into a stub apccontrol), apcupsd stopped and restarted;
#  - a real NUT upsd with dummy-ups: OL, "OB LB" via SET VAR, driver paused (DATA-STALE), resumed,
#    driver killed (DRIVER-NOT-CONNECTED); one entry logs in with USERNAME/PASSWORD.
# Also: promtool finds nothing to lint, connections are reused between runs, the password never
# reaches the log. Detection times are printed.
set -euo pipefail
BIN=${HAWATCH_BIN:?}
FX=${HAWATCH_FIXTURES:?}/ups
WORK=$(mktemp -d /tmp/hawatch-ups-test.XXXXXX)
chmod 755 "$WORK"
HAWATCH_PID=
cleanup() {
  [[ -n $HAWATCH_PID ]] && kill "$HAWATCH_PID" 2>/dev/null && wait "$HAWATCH_PID" 2>/dev/null || true
  D=$WORK/apc bash "$FX/apcupsd_fixture.sh" stop >/dev/null 2>&1 || true
  D=$WORK/nut bash "$FX/nut_fixture.sh" stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in socat curl gcc promtool ss setpriv /lib/nut/upsd /lib/nut/dummy-ups; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (run scripts/install-deps.sh)" >&2; exit 1; }
done
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
APC_PORT=$(free_port); NUT_PORT=$(free_port); WEB_PORT=$(free_port)

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
metrics() { curl -sf --max-time 2 "http://127.0.0.1:$WEB_PORT/metrics" || true; }
# wait_for LABEL REGEX [TIMEOUT_S]: polls /metrics until a line matches; prints how long it took.
wait_for() {
  local label=$1 regex=$2 timeout_ms=$(( ${3:-15} * 1000 )) start elapsed
  start=$(date +%s%3N)
  while true; do
    elapsed=$(( $(date +%s%3N) - start ))
    if metrics | grep -Eq -- "$regex"; then
      printf 'ok   %-58s %d.%02d s\n' "$label" $((elapsed / 1000)) $((elapsed % 1000 / 10))
      return 0
    fi
    if (( elapsed > timeout_ms )); then
      fail "$label: no line matching /$regex/ within $((timeout_ms / 1000))s"
      metrics | grep -E '^hawatch_(ups|nut|collector_success)' >&2 || true
      return 0
    fi
    sleep 0.2
  done
}
expect() {  # expect LABEL REGEX: the current /metrics has a matching line
  if metrics | grep -Eq -- "$2"; then echo "ok   $1"; else fail "$1: no line matching /$2/"; fi
}
expect_not() {
  if metrics | grep -Eq -- "$2"; then fail "$1: unexpected line matching /$2/"; else echo "ok   $1"; fi
}
lint() {
  local out
  out=$(metrics | promtool check metrics 2>&1) || true
  [[ -z $out ]] && echo "ok   promtool check metrics ($1)" || fail "promtool ($1): $out"
}
apc() { D=$WORK/apc PORT=$APC_PORT bash "$FX/apcupsd_fixture.sh" "$@"; }
nut() { D=$WORK/nut PORT=$NUT_PORT MAXAGE=3 bash "$FX/nut_fixture.sh" "$@"; }

echo "== starting peers: apcupsd on :$APC_PORT, upsd on :$NUT_PORT"
apc start
nut start

# hawatch runs unprivileged; the password file is readable by it alone.
RUN_AS=()
if [[ $(id -u) -eq 0 ]]; then
  RUN_AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
printf 'monpass\n' > "$WORK/nut.password"
chmod 600 "$WORK/nut.password"
[[ $(id -u) -eq 0 ]] && chown nobody "$WORK/nut.password"
cat > "$WORK/hawatch.yml" <<YAML
collectors:
  node: { enabled: false }
  apcupsd:
    - { name: apc1, address: "127.0.0.1:$APC_PORT", interval: 1s, timeout: 1s }
  nut:
    - { name: nut1, address: "127.0.0.1:$NUT_PORT", ups: dummy, username: monuser,
        password_file: "$WORK/nut.password", interval: 1s, timeout: 1s }
    - { name: all, address: "127.0.0.1:$NUT_PORT", interval: 1s, timeout: 1s }
    - { name: wrong, address: "127.0.0.1:$NUT_PORT", ups: nosuch, interval: 1s, timeout: 1s }
YAML
"${RUN_AS[@]}" "$BIN" --check-config --config.file="$WORK/hawatch.yml" || { fail "check-config"; exit 1; }
"${RUN_AS[@]}" "$BIN" --config.file="$WORK/hawatch.yml" --web.listen-address="127.0.0.1:$WEB_PORT" \
  --log.level=debug > "$WORK/hawatch.log" 2>&1 &
HAWATCH_PID=$!

echo "== on line"
wait_for "apcupsd up" '^hawatch_ups_up\{ups="apc1"\} 1$'
wait_for "nut (configured ups) up" '^hawatch_ups_up\{ups="nut1"\} 1$'
wait_for "nut (listed ups) up" '^hawatch_ups_up\{ups="all/dummy"\} 1$'
for ups in apc1 nut1 all/dummy; do
  n=$(metrics | grep -c "^hawatch_ups_status{flag=\"[A-Z]*\",ups=\"$ups\"}" || true)
  [[ $n == 14 ]] && echo "ok   $ups: all 14 status flags present" || fail "$ups: $n status flags, want 14"
done
expect "apcupsd OL" '^hawatch_ups_status\{flag="OL",ups="apc1"\} 1$'
expect "apcupsd OB 0" '^hawatch_ups_status\{flag="OB",ups="apc1"\} 0$'
expect "apcupsd charge" '^hawatch_ups_battery_charge_ratio\{ups="apc1"\} 1$'
expect "apcupsd runtime" '^hawatch_ups_battery_runtime_seconds\{ups="apc1"\} 1200$'
expect "apcupsd load" '^hawatch_ups_load_ratio\{ups="apc1"\} 0.25$'
expect "apcupsd input volts" '^hawatch_ups_input_voltage_volts\{ups="apc1"\} 120$'
expect "apcupsd battery volts" '^hawatch_ups_battery_voltage_volts\{ups="apc1"\} 24$'
expect "apcupsd on battery 0" '^hawatch_ups_on_battery_seconds\{ups="apc1"\} 0$'
expect "apcupsd transfers 0" '^hawatch_ups_transfers_total\{ups="apc1"\} 0$'
expect "apcupsd last transfer" '^hawatch_ups_last_transfer_info\{reason="No transfers since turnon",ups="apc1"\} 1$'
expect "apcupsd self-test" '^hawatch_ups_self_test_info\{result="OK",ups="apc1"\} 1$'
expect "nut OL" '^hawatch_ups_status\{flag="OL",ups="nut1"\} 1$'
expect "nut charge" '^hawatch_ups_battery_charge_ratio\{ups="nut1"\} 1$'
expect "nut runtime" '^hawatch_ups_battery_runtime_seconds\{ups="nut1"\} 1800$'
expect "nut load" '^hawatch_ups_load_ratio\{ups="nut1"\} 0.23$'
expect "nut input volts" '^hawatch_ups_input_voltage_volts\{ups="nut1"\} 230.4$'
expect "nut variable" '^hawatch_nut_variable\{ups="nut1",variable="battery.charge.low"\} 10$'
expect "nut self-test" '^hawatch_ups_self_test_info\{result="Done and passed",ups="nut1"\} 1$'
expect "collector success" '^hawatch_collector_success\{collector="nut/nut1"\} 1$'
expect "nut unknown ups → up 0" '^hawatch_ups_error_info\{reason="unknown ups",ups="wrong"\} 1$'
expect "nut unknown ups → collector_success 0" '^hawatch_collector_success\{collector="nut/wrong"\} 0$'
expect_not "no error info for the working ones" '^hawatch_ups_error_info\{reason="[^"]*",ups="(apc1|nut1|all/dummy)"\}'
lint "on line"

echo "== connection reuse"
sleep 3  # three more runs of each unit
conns=$(ss -Htn state established "( dport = :$NUT_PORT )" | wc -l)
[[ $conns == 3 ]] && echo "ok   3 upsd connections after several runs (one per entry)" || fail "upsd connections: $conns, want 3"
conns=$(ss -Htn state established "( dport = :$APC_PORT )" | wc -l)
[[ $conns == 1 ]] && echo "ok   1 apcupsd connection after several runs" || fail "apcupsd connections: $conns, want 1"

echo "== on battery"
apc onbatt
wait_for "apcupsd OB" '^hawatch_ups_status\{flag="OB",ups="apc1"\} 1$'
expect "apcupsd DISCHRG" '^hawatch_ups_status\{flag="DISCHRG",ups="apc1"\} 1$'
expect "apcupsd OL 0" '^hawatch_ups_status\{flag="OL",ups="apc1"\} 0$'
wait_for "apcupsd transfers 1" '^hawatch_ups_transfers_total\{ups="apc1"\} 1$'
wait_for "apcupsd last transfer reason" '^hawatch_ups_last_transfer_info\{reason="Low line voltage",ups="apc1"\} 1$'
wait_for "apcupsd time on battery > 0" '^hawatch_ups_on_battery_seconds\{ups="apc1"\} [1-9]'
nut set ups.status "OB LB"
wait_for "nut OB" '^hawatch_ups_status\{flag="OB",ups="nut1"\} 1$'
expect "nut LB" '^hawatch_ups_status\{flag="LB",ups="nut1"\} 1$'
expect "nut OL 0" '^hawatch_ups_status\{flag="OL",ups="nut1"\} 0$'
wait_for "nut (listed) LB" '^hawatch_ups_status\{flag="LB",ups="all/dummy"\} 1$'
wait_for "nut time on battery > 0" '^hawatch_ups_on_battery_seconds\{ups="nut1"\} [1-9]'
lint "on battery"

echo "== apcupsd low battery (apcupsd starts its shutdown; apccontrol is a stub)"
apc lowbatt
wait_for "apcupsd LB" '^hawatch_ups_status\{flag="LB",ups="apc1"\} 1$'
wait_for "apcupsd FSD (SHUTTING DOWN)" '^hawatch_ups_status\{flag="FSD",ups="apc1"\} 1$' 30
expect "apcupsd LB kept while shutting down" '^hawatch_ups_status\{flag="LB",ups="apc1"\} 1$'
grep -q doshutdown "$WORK/apc/run/apccontrol.log" && echo "ok   apcupsd asked the stub apccontrol for doshutdown" \
  || fail "apccontrol stub was not called"

echo "== NUT driver paused (DATA-STALE), resumed, killed (DRIVER-NOT-CONNECTED)"
nut pause-driver
wait_for "nut data stale → up 0" '^hawatch_ups_up\{ups="nut1"\} 0$' 20
expect "nut stale reason" '^hawatch_ups_error_info\{reason="data stale",ups="nut1"\} 1$'
expect "nut flags 0 while stale" '^hawatch_ups_status\{flag="OB",ups="nut1"\} 0$'
expect "collector itself fine while stale" '^hawatch_collector_success\{collector="nut/nut1"\} 1$'
nut resume-driver
wait_for "nut back after resume" '^hawatch_ups_up\{ups="nut1"\} 1$' 20
nut kill-driver
wait_for "nut driver killed → up 0" '^hawatch_ups_error_info\{reason="driver not connected",ups="nut1"\} 1$'
wait_for "nut (listed) driver killed → up 0" '^hawatch_ups_error_info\{reason="driver not connected",ups="all/dummy"\} 1$'

echo "== apcupsd stopped, then started again"
apc stop-apcupsd
wait_for "apcupsd stopped → up 0" '^hawatch_ups_up\{ups="apc1"\} 0$'
wait_for "apcupsd stopped reason" '^hawatch_ups_error_info\{reason="connection refused",ups="apc1"\} 1$'
expect "apcupsd stopped → collector_success 0" '^hawatch_collector_success\{collector="apcupsd/apc1"\} 0$'
expect "apcupsd flags still present" '^hawatch_ups_status\{flag="OL",ups="apc1"\} 0$'
lint "peers down"
apc start-apcupsd
wait_for "apcupsd restarted → reconnected, up 1" '^hawatch_ups_up\{ups="apc1"\} 1$' 20

echo "== log"
if grep -q monpass "$WORK/hawatch.log"; then fail "the NUT password appears in the log"; else echo "ok   password not in the log"; fi
n=$(grep -c 'UPS not available.*ups=apc1.*reason="connection refused"' "$WORK/hawatch.log" || true)
[[ $n == 1 ]] && echo "ok   'UPS not available' logged once for apc1's outage" || fail "apc1 outage logged $n times, want 1"
grep -q 'UPS available again.*ups=apc1' "$WORK/hawatch.log" && echo "ok   recovery logged" || fail "recovery not logged"

if ((failures)); then
  echo "--- hawatch log (tail)"; tail -30 "$WORK/hawatch.log"
  echo "ups: $failures check(s) failed" >&2
  exit 1
fi
echo "ups: all checks passed"
