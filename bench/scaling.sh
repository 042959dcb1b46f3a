#!/usr/bin/env bash
# How hawatch's cost grows with the work: scrape latency and RSS vs number of series (textfile
# directory with 1k, 10k, 100k series), vs concurrent scrapers (wrk -c1/-c4/-c16), and what idle
# keep-alive clients do to a scrape. Called by bench/run.sh; also runs on its own:
#
#   HAWATCH=build-bench/exporter/hawatch SCRAPE=build-bench/bench/bench_scrape_latency \
#     RESULTS_DIR=/tmp/x bench/scaling.sh
#
# Environment: SERIES="1000 10000 100000", SCALING_N=300 (interleaved scrapes per instance and
# pass), SCALING_WRK_SECONDS=5, CONCURRENCY="1 4 16", IDLE_CLIENTS="20 48 100", RUN_AS (a prefix
# command, e.g. setpriv ... to run as nobody). Prints markdown tables on stdout.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${HAWATCH:?path of the hawatch binary}" "${SCRAPE:?path of bench_scrape_latency}"
: "${RESULTS_DIR:?where raw outputs go}"
SERIES=${SERIES:-1000 10000 100000}
SCALING_N=${SCALING_N:-300}
SCALING_WRK_SECONDS=${SCALING_WRK_SECONDS:-5}
CONCURRENCY=${CONCURRENCY:-1 4 16}
IDLE_CLIENTS=${IDLE_CLIENTS:-20 48 100}
read -r -a RUN_AS_CMD <<<"${RUN_AS:-}"
OUT=$RESULTS_DIR/scaling
mkdir -p "$OUT"
chmod 755 "$OUT"

log() { printf 'scaling: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

declare -A PID PORT
cleanup() {
  local n pid
  for n in "${!PID[@]}"; do kill -TERM "${PID[$n]}" 2>/dev/null || true; done
  for n in "${!PID[@]}"; do
    pid=${PID[$n]}
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

# N series in DIR: 100 gauge families of N/100 series with two labels each, in files of at most
# 10 families (10k series, ~0.5 MB: a textfile is read whole, at most 1 MiB).
write_prom() {  # N DIR
  awk -v n="$1" -v dir="$2" 'BEGIN {
    fams = 100; per = n / fams
    for (f = 0; f < fams; f++) {
      file = sprintf("%s/series-%02d.prom", dir, int(f / 10))
      printf "# HELP bench_series_%d A synthetic series for the scaling benchmark.\n", f >file
      printf "# TYPE bench_series_%d gauge\n", f >file
      for (i = 0; i < per; i++)
        printf "bench_series_%d{instance=\"node-%d\",slot=\"%d\"} %d.5\n", f, i % 50, i, i >file
    }
  }'
}

# Starts instance NAME on a free port and waits for /-/ready; a port taken between the check and
# the bind (other work on this machine) is retried on another one.
start_instance() {  # NAME
  local name=$1
  for _ in 1 2 3; do
    PORT[$name]=$(free_port)
    "${RUN_AS_CMD[@]}" "$HAWATCH" --config.file="$OUT/$name.yml" \
      --web.listen-address="127.0.0.1:${PORT[$name]}" >"$OUT/$name.log" 2>&1 </dev/null &
    PID[$name]=$!
    for _ in $(seq 300); do
      curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${PORT[$name]}/-/ready" 2>/dev/null && return 0
      kill -0 "${PID[$name]}" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "${PID[$name]}" 2>/dev/null && die "$name not ready within 30 s"
    wait "${PID[$name]}" 2>/dev/null || true
    grep -q 'Address already in use' "$OUT/$name.log" || die "$name exited; see $OUT/$name.log"
  done
  die "$name: no free port after 3 attempts"
}

targets=()
for n in $SERIES; do
  name=s$((n / 1000))k
  mkdir -p "$OUT/$name"
  write_prom "$n" "$OUT/$name"
  printf 'collectors:\n  node: {}\nplugins:\n  textfile_directory: %s\n' "$OUT/$name" >"$OUT/$name.yml"
  chmod -R a+rX "$OUT"
  start_instance "$name"
  targets+=("$name=http://127.0.0.1:${PORT[$name]}/metrics")
done

log "latency vs series: $SCALING_N interleaved scrapes per instance (${targets[*]%%=*})"
"$SCRAPE" --mode=both --warmup=10 "$SCALING_N" "${targets[@]}" >"$OUT/latency.txt"
grep '^RESULT ' "$OUT/latency.txt" | cut -c8- >"$OUT/latency.json"
lat() { jq -r --arg t "$1" --arg m "$2" --arg f "$3" \
  '.results[] | select(.target == $t and .mode == $m) | .[$f]' "$OUT/latency.json"; }
collect_ms() {  # the textfile collector's last run, from the instance's own self-metrics
  curl -fsS --max-time 5 "http://127.0.0.1:${PORT[$1]}/metrics" |
    awk '/^hawatch_collector_duration_seconds\{collector="textfile"\}/ { printf "%.2f", $2 * 1000 }'
}

echo "### Scrape latency and memory vs number of series"
echo
echo "One hawatch per row (node collector + a textfile directory with the synthetic series), all"
echo "running at once and scraped interleaved ($SCALING_N scrapes each per pass, keep-alive)."
echo
echo "| series (textfile) | samples served | body KiB identity / gzip | p50 ms identity | p99 ms identity | p50 ms gzip | p99 ms gzip | textfile collection ms | VmRSS MiB | RssAnon MiB |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for n in $SERIES; do
  name=s$((n / 1000))k
  printf '| %s | %s | %s / %s | %.3f | %.3f | %.3f | %.3f | %s | %s | %s |\n' "$n" \
    "$(lat "$name" identity samples)" \
    "$(awk -v b="$(lat "$name" identity mean_bytes)" 'BEGIN { printf "%.0f", b / 1024 }')" \
    "$(awk -v b="$(lat "$name" gzip mean_bytes)" 'BEGIN { printf "%.0f", b / 1024 }')" \
    "$(lat "$name" identity p50_ms)" "$(lat "$name" identity p99_ms)" \
    "$(lat "$name" gzip p50_ms)" "$(lat "$name" gzip p99_ms)" \
    "$(collect_ms "$name")" \
    "$(mib "$(status_kib "${PID[$name]}" VmRSS)")" "$(mib "$(status_kib "${PID[$name]}" RssAnon)")"
done
echo

log "throughput vs concurrent scrapers: wrk -c${CONCURRENCY// /,} for ${SCALING_WRK_SECONDS}s each"
wrk_field() {  # FILE FIELD -> value in ms (wrk prints us/ms/s)
  awk -v f="$2" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    f == "rps" && /^Requests\/sec:/ { printf "%.0f", $2 }
    f == "p50" && $1 == "50%" { printf "%.3f", ms($2) }
    f == "p99" && $1 == "99%" { printf "%.3f", ms($2) }
    f == "errors" && /Socket errors|Non-2xx/ { e = e $0 " " }
    END { if (f == "errors") print e }' "$1"
}
echo "### Throughput and latency vs concurrent scrapers"
echo
echo "wrk --latency, ${SCALING_WRK_SECONDS} s per cell, identity, keep-alive; threads = min(connections, 2)."
echo
echo "| series | connections | req/s | p50 ms | p99 ms | VmHWM MiB after | errors |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | --- |"
for n in $SERIES; do
  name=s$((n / 1000))k
  for c in $CONCURRENCY; do
    t=$((c < 2 ? c : 2))
    f=$OUT/wrk-$name-c$c.txt
    wrk "-t$t" "-c$c" "-d${SCALING_WRK_SECONDS}s" --latency "http://127.0.0.1:${PORT[$name]}/metrics" >"$f"
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$c" "$(wrk_field "$f" rps)" \
      "$(wrk_field "$f" p50)" "$(wrk_field "$f" p99)" \
      "$(mib "$(status_kib "${PID[$name]}" VmHWM)")" "$(wrk_field "$f" errors)"
  done
done
echo

echo "### Idle keep-alive clients vs one scrape"
echo
echo "bench/idle_clients.py: N connections each send one keep-alive request and stay open, idle;"
echo "then one scrape of /metrics on a new connection (60 s client timeout). Against the"
echo "${SERIES%% *}-series instance."
echo
echo "| idle clients | answered within 0.5 s | scrape status | scrape seconds |"
echo "| ---: | ---: | --- | ---: |"
first=s$((${SERIES%% *} / 1000))k
for k in $IDLE_CLIENTS; do
  line=$(/usr/bin/python3 "$ROOT/bench/idle_clients.py" "${PORT[$first]}" "$k")
  echo "$line" >>"$OUT/idle_clients.txt"
  # idle=N answered=K status=S seconds=T
  awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
         printf "| %s | %s | %s | %s |\n", v["idle"], v["answered"], v["status"], v["seconds"] }' <<<"$line"
  # Let the idle connections' keep-alive run out before the next row.
  sleep 6
done
echo
