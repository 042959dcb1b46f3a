#!/usr/bin/env bash
# Instruction counts of hawatch's scrape and collection paths under callgrind (valgrind).
#
#   bench/profile.sh [HAWATCH_BIN]      (default build-bench/exporter/hawatch)
#
# Runs hawatch under callgrind with the node collector and a textfile directory of SERIES
# synthetic series (default 10000), scrapes /metrics N times (default 500) over one keep-alive
# connection, then N times with gzip, waits for two textfile collections, and prints instructions
# (Ir) per scrape and per collection, from callgrind's inclusive costs and call counts. The raw
# callgrind file stays in OUT (default a temp dir) for callgrind_annotate / kcachegrind.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/build-bench/exporter/hawatch}
SERIES=${SERIES:-10000}
N=${N:-500}
OUT=${OUT:-$(mktemp -d /tmp/hawatch-profile.XXXXXX)}
command -v valgrind >/dev/null || { echo "profile: valgrind not found" >&2; exit 1; }
[[ -x $BIN ]] || { echo "profile: $BIN is not executable" >&2; exit 1; }

mkdir -p "$OUT/textfile"
awk -v n="$SERIES" -v dir="$OUT/textfile" 'BEGIN {
  per = n / 100
  for (f = 0; f < 100; f++) {
    file = sprintf("%s/series-%02d.prom", dir, int(f / 10))
    printf "# HELP bench_series_%d Synthetic.\n# TYPE bench_series_%d gauge\n", f, f >file
    for (i = 0; i < per; i++) printf "bench_series_%d{instance=\"node-%d\",slot=\"%d\"} %d.5\n", f, i % 50, i, i >file
  }
}'
printf 'collectors:\n  node: {}\nplugins:\n  textfile_directory: %s\n' "$OUT/textfile" >"$OUT/hawatch.yml"
PORT=$((20000 + RANDOM % 40000))
valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" "$BIN" \
  --config.file="$OUT/hawatch.yml" --web.listen-address="127.0.0.1:$PORT" >"$OUT/valgrind.log" 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 300); do
  curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$PORT/-/ready" 2>/dev/null && break
  kill -0 "$PID" 2>/dev/null || { cat "$OUT/valgrind.log" >&2; exit 1; }
  sleep 0.2
done
started=$(date +%s)
# One curl per pass: N requests on one keep-alive connection.
urls=()
for _ in $(seq "$N"); do urls+=(-o /dev/null "http://127.0.0.1:$PORT/metrics"); done
curl -fsS --max-time 120 "${urls[@]}"
curl -fsS --max-time 120 -H "Accept-Encoding: gzip" "${urls[@]}"
# Let the textfile collector (every 15 s) run at least twice more.
sleep $((35 - ($(date +%s) - started) > 0 ? 35 - ($(date +%s) - started) : 0))
kill -TERM "$PID"
wait "$PID" 2>/dev/null || true
trap - EXIT

TREE=$(callgrind_annotate --tree=calling --inclusive=yes "$OUT/callgrind.out" 2>/dev/null)
# Inclusive Ir of the function on a "*" line, and the call count of CALLEE under CALLER.
incl() { awk -v f="$1" 'index($0, "*  ") && index($0, f) { gsub(",", "", $1); print $1; exit }' <<<"$TREE"; }
calls() {
  awk -v c="$1" -v f="$2" '
    index($0, "*  ") { in_caller = index($0, c) > 0; next }
    in_caller && index($0, f) && match($0, /\(([0-9,]+)x\)/) {
      s = substr($0, RSTART + 1, RLENGTH - 3); gsub(",", "", s); print s; exit }' <<<"$TREE"
}
per() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f", a / b; else print "n/a" }'; }

requests=$(calls "HTTPServerConnection::run()" "Handler::handleRequest")
conn=$(incl "Poco::Net::HTTPServerConnection::run()")
handler=$(incl "Handler::handleRequest")
textfile_runs=$(calls "Scheduler::launch" "TextfileCollector::collect")
textfile=$(incl "TextfileCollector::collect")
prepare=$(incl "hawatch::prepare_families")

echo "binary: $BIN"
echo "series: $SERIES textfile + node; requests: $requests ($N identity + $N gzip + readiness polls)"
echo "Ir per request, whole connection loop (Poco parsing + handler + send): $(per "$conn" "$requests")"
echo "Ir per request, handler only: $(per "$handler" "$requests")"
echo "Ir per textfile collection (read + parse + emit): $(per "$textfile" "$textfile_runs") over $textfile_runs runs"
echo "Ir of serialisation (prepare_families, all collectors) per textfile run: $(per "$prepare" "$textfile_runs")"
echo "callgrind output: $OUT/callgrind.out"
