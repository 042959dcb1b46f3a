#!/usr/bin/env bash
# Cost of collecting systemd unit state: hawatch's systemd collector vs node_exporter's, against
# the same real systemd (tests/fixtures/systemd/sd-peer.sh) with 10 and 200 long-running units.
#
#   HAWATCH_BIN=build/exporter/hawatch bench/systemd_units.sh
#
# Environment (all optional):
#   HAWATCH_BIN=build/exporter/hawatch
#   NODE_EXPORTER=/usr/bin/prometheus-node-exporter
#   UNIT_COUNTS="10 200"
#   SECONDS_PER_RUN=20   one collection per second for this long, per exporter and unit count
#   RESULTS_DIR=...      raw samples (default: a temp dir, printed at the end)
#
# Per exporter and unit count it reports the collection duration (hawatch: the collector's own
# hawatch_collector_duration_seconds, sampled every second, collector interval 1 s; node_exporter:
# node_scrape_collector_duration_seconds{collector="systemd"} of a scrape every second) and the
# CPU per collection of the exporter, of systemd (PID 1) and of dbus-daemon, from the cgroups'
# cpu.stat usage_usec. Only the systemd collector runs in either exporter. Needs root (the peer
# runs in its own namespaces). Both exporters listen on 127.0.0.1 only; everything is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
HAWATCH_BIN=${HAWATCH_BIN:-$ROOT/build/exporter/hawatch}
NODE_EXPORTER=${NODE_EXPORTER:-/usr/bin/prometheus-node-exporter}
UNIT_COUNTS=${UNIT_COUNTS:-10 200}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-20}
PEER=$ROOT/tests/fixtures/systemd/sd-peer.sh
WORK=$(mktemp -d /tmp/hawatch-bench-systemd.XXXXXX)
RESULTS_DIR=${RESULTS_DIR:-$WORK/results}
mkdir -p "$RESULTS_DIR"
SD=$WORK/sd
BUS=unix:path=$SD/run/dbus/system_bus_socket

die() { echo "bench: error: $*" >&2; exit 1; }
[[ -x $HAWATCH_BIN ]] || die "HAWATCH_BIN=$HAWATCH_BIN is not executable"
[[ -x $NODE_EXPORTER ]] || die "$NODE_EXPORTER missing (package prometheus-node-exporter)"
[[ $(id -u) == 0 ]] || die "needs root (systemd runs in its own namespaces)"

EXPORTER_PID=
cleanup() {
  [[ -n $EXPORTER_PID ]] && kill "$EXPORTER_PID" 2>/dev/null && wait "$EXPORTER_PID" 2>/dev/null
  "$PEER" "$SD" kill >/dev/null 2>&1 || true
  [[ ${KEEP_TMP:-0} == 1 ]] || rm -rf "$SD"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# CPU µs used so far by the processes of a cgroup (cgroup v2 cpu.stat, includes exited children).
cg_usec() { awk '$1 == "usage_usec" { print $2 }' "$1/cpu.stat"; }
# CPU µs of one process (utime+stime, clock ticks -> µs).
pid_usec() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) * 1000000 / hz }' "/proc/$1/stat"; }
value() { awk -v sel="$2" 'index($0, sel " ") == 1 { print $NF; exit }' <<<"$1"; }

# stats FILE -> "p50 p90 max" of the numbers in FILE, in ms
stats() { sort -g "$1" | awk '{ a[NR] = $1 * 1000 } END { if (NR == 0) { print "n/a n/a n/a"; exit }
  printf "%.2f %.2f %.2f\n", a[int((NR + 1) * 0.5)], a[int((NR - 1) * 0.9) + 1], a[NR] }'; }

declare -a ROWS=()

measure() {  # NAME UNITS URL DURATION_SELECTOR
  local name=$1 units=$2 url=$3 sel=$4 cg out samples=$RESULTS_DIR/$1-$2.txt
  cg=$("$PEER" "$SD" cgroup)
  : >"$samples"
  # Warm up: first connection, first listing.
  for _ in 1 2 3; do curl -sf --max-time 5 "$url" >/dev/null || true; sleep 1; done
  local t0_sd t0_bus t0_ex n=0 body
  t0_sd=$(cg_usec "$cg/init.scope"); t0_bus=$(cg_usec "$cg/system.slice/dbus.service"); t0_ex=$(pid_usec "$EXPORTER_PID")
  for ((i = 0; i < SECONDS_PER_RUN; i++)); do
    body=$(curl -sf --max-time 5 "$url") || die "$name: scrape failed"
    value "$body" "$sel" >>"$samples"
    n=$((n + 1))
    sleep 1
  done
  local d_sd d_bus d_ex collections=$n
  d_sd=$(($(cg_usec "$cg/init.scope") - t0_sd)); d_bus=$(($(cg_usec "$cg/system.slice/dbus.service") - t0_bus))
  d_ex=$(awk -v a="$(pid_usec "$EXPORTER_PID")" -v b="$t0_ex" 'BEGIN { print a - b }')
  # hawatch collects once a second on its own: count its collections over the same window.
  [[ $name == hawatch ]] && collections=$SECONDS_PER_RUN
  local got
  # State series of the benchmark units in the last body (label unit= in hawatch, name= in node_exporter).
  got=$(grep -E '^(hawatch|node)_systemd_unit_state\{' <<<"$body" | grep -c '"hw-bench-' || true)
  read -r p50 p90 max < <(stats "$samples")
  ROWS+=("| $name | $units | $p50 | $p90 | $max | $(awk -v v="$d_ex" -v n="$collections" 'BEGIN { printf "%.2f", v / n / 1000 }') | $(awk -v v="$d_sd" -v n="$collections" 'BEGIN { printf "%.2f", v / n / 1000 }') | $(awk -v v="$d_bus" -v n="$collections" 'BEGIN { printf "%.2f", v / n / 1000 }') | $got |")
}

for units in $UNIT_COUNTS; do
  SDPEER_BENCH_UNITS=$units "$PEER" "$SD" start >/dev/null || die "systemd peer did not start"

  port=$(free_port)
  cat >"$WORK/hawatch.yml" <<'EOF'
collectors:
  node: { enabled: false }
  systemd:
    interval: 1s
    unit_include: 'hw-bench-.*\.service'
EOF
  DBUS_SYSTEM_BUS_ADDRESS=$BUS "$HAWATCH_BIN" --config.file="$WORK/hawatch.yml" \
    --web.listen-address="127.0.0.1:$port" --log.level=warn >"$RESULTS_DIR/hawatch-$units.log" 2>&1 &
  EXPORTER_PID=$!
  measure hawatch "$units" "http://127.0.0.1:$port/metrics" 'hawatch_collector_duration_seconds{collector="systemd"}'
  kill "$EXPORTER_PID"; wait "$EXPORTER_PID" 2>/dev/null || true; EXPORTER_PID=

  port=$(free_port)
  DBUS_SYSTEM_BUS_ADDRESS=$BUS "$NODE_EXPORTER" --collector.disable-defaults --collector.systemd \
    --collector.systemd.unit-include='hw-bench-.*\.service' --collector.systemd.enable-restarts-metrics \
    --collector.systemd.enable-start-time-metrics --collector.systemd.enable-task-metrics \
    --web.listen-address="127.0.0.1:$port" >"$RESULTS_DIR/node_exporter-$units.log" 2>&1 &
  EXPORTER_PID=$!
  sleep 0.5
  measure node_exporter "$units" "http://127.0.0.1:$port/metrics" 'node_scrape_collector_duration_seconds{collector="systemd"}'
  kill "$EXPORTER_PID"; wait "$EXPORTER_PID" 2>/dev/null || true; EXPORTER_PID=

  "$PEER" "$SD" stop >/dev/null
done

echo "## systemd collection cost ($(date -u +%FT%TZ), $SECONDS_PER_RUN collections each, $(nproc) cores)"
echo
echo "| exporter | units | duration p50 ms | p90 ms | max ms | exporter CPU ms/collection | systemd CPU ms/collection | dbus-daemon CPU ms/collection | state series seen |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${ROWS[@]}"
echo
echo "raw samples: $RESULTS_DIR"
