#!/usr/bin/env bash
# What local rule evaluation costs (issue 14), in three figures:
#   1. one evaluation cycle of the shipped rules (alerting/rules) over the series of a hawatch with
#      every collector on (the /metrics text bench/run.sh saves as metrics-hawatch_all.txt), with
#      15 minutes of history per series;
#   2. one cycle of 1000 generated rules over 10 000 series;
#   3. scrape latency of a hawatch evaluating the shipped rules every second against one that
#      evaluates none, both on the default collectors, scraped interleaved (bench_scrape_latency).
#
#   bench/rules.sh                   # METRICS=... N=2000 BUILD_DIR=build-bench SKIP_BUILD=1
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD_DIR=${BUILD_DIR:-build-bench}
N=${N:-2000}
METRICS=${METRICS:-$(ls -d "$BUILD_DIR"/bench-results/*/metrics-hawatch_all.txt 2>/dev/null | tail -1)}
[[ -n $METRICS && -s $METRICS ]] || { echo "rules.sh: no METRICS file (run bench/run.sh first, or set METRICS)" >&2; exit 1; }
if [[ -z ${SKIP_BUILD:-} ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHAWATCH_BUILD_TESTS=ON >/dev/null
  cmake --build "$BUILD_DIR" --parallel "$(nproc)" --target hawatch bench_rules_eval bench_scrape_latency >/dev/null
fi
EVAL=$BUILD_DIR/bench/bench_rules_eval
HAWATCH=$BUILD_DIR/exporter/hawatch
RULES=(alerting/rules/*.rules.yml)

echo "## Rule evaluation"
echo
echo "- shipped rules (${#RULES[@]} files) over $(basename "$METRICS"):"
echo "  $("$EVAL" shipped "$METRICS" "${RULES[@]}")"
echo "- synthetic: $("$EVAL" synthetic 1000 10000)"

TMP=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
printf 'collectors:\n  node:\n    interval: 15s\n' >"$TMP/plain.yml"
{ cat "$TMP/plain.yml"; printf 'global: { evaluation_interval: 1s }\nrule_files:\n'; for r in "${RULES[@]}"; do printf '  - %s\n' "$ROOT/$r"; done; } >"$TMP/rules.yml"
PA=$(port); PB=$(port)
"$HAWATCH" --config.file="$TMP/plain.yml" --web.listen-address=127.0.0.1:$PA >"$TMP/a.log" 2>&1 &
PIDS+=($!)
"$HAWATCH" --config.file="$TMP/rules.yml" --web.listen-address=127.0.0.1:$PB >"$TMP/b.log" 2>&1 &
PIDS+=($!)
for p in $PA $PB; do
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$p/-/ready" && break; sleep 0.1; done
done
sleep 3  # a few rule evaluations first
echo
echo "Scrape latency, $N interleaved scrapes each (rules evaluated every second in the second):"
echo
echo '```'
"$BUILD_DIR/bench/bench_scrape_latency" --mode=identity "$N" no_rules=http://127.0.0.1:$PA/metrics \
  shipped_rules_1s=http://127.0.0.1:$PB/metrics | grep -v '^RESULT'
echo '```'
grep -c 'ALERTS' <(curl -s "http://127.0.0.1:$PB/metrics") >/dev/null || true
