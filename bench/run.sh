#!/usr/bin/env bash
# hawatch vs node_exporter, side by side, in one run. See bench/README.md.
#
#   bench/run.sh
#
# Environment (all optional):
#   N=1000               scrapes per target and pass (identity, gzip) for the latency run
#   WARMUP=20            warm-up scrapes per target and pass
#   WRK_SECONDS=10       duration of each wrk throughput run
#   WRK_THREADS=2 WRK_CONNECTIONS=4
#   IDLE_SECONDS=30      idle window for the idle-CPU measurement (hawatch collects every 15 s)
#   BUILD_DIR=build-bench
#   NODE_EXPORTER=/usr/bin/prometheus-node-exporter
#   SKIP_BUILD=1         use the binaries already in BUILD_DIR
#   RESULTS_DIR=...      where raw outputs go (default BUILD_DIR/bench-results/DATE)
#
# Both exporters listen on free 127.0.0.1 ports only and are stopped on exit, whatever happens.
# Run as root, both are started as nobody (as in production; hawatch refuses nothing as root but
# warns about it).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
COMMAND_LINE="$(printf '%q ' "$0" "$@")"
COMMAND_LINE=${COMMAND_LINE% }

N=${N:-1000}
WARMUP=${WARMUP:-20}
WRK_SECONDS=${WRK_SECONDS:-10}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-4}
IDLE_SECONDS=${IDLE_SECONDS:-30}
BUILD_DIR=${BUILD_DIR:-build-bench}
NODE_EXPORTER=${NODE_EXPORTER:-/usr/bin/prometheus-node-exporter}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS_DIR=${RESULTS_DIR:-$BUILD_DIR/bench-results/$STAMP}

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in curl wrk jq awk "$NODE_EXPORTER"; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/install-deps.sh installs it)"
done

# Environment of the run, recorded before anything starts.
LOADAVG_BEFORE=$(cat /proc/loadavg)
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
HOST=$(uname -n)
KERNEL="$(uname -sr) $(uname -m)"
NPROC=$(nproc)
CPU_MODEL=$(awk -F': *' '/^(model name|Model|Hardware)[[:space:]]*:/ {print $2; exit}' /proc/cpuinfo)
MEM_TOTAL=$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
REVISION=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]]; then REVISION+="+dirty"; fi
NE_VERSION=$("$NODE_EXPORTER" --version 2>&1 | awk 'NR == 1 {print $3; exit}')
HZ=$(getconf CLK_TCK)

# ---------------------------------------------------------------------------------------------
# Build (Release; bench/ is only added when tests are on).
if [[ -z ${SKIP_BUILD:-} ]]; then
  log "building Release in $BUILD_DIR"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHAWATCH_BUILD_TESTS=ON >/dev/null
  cmake --build "$BUILD_DIR" --parallel "$NPROC" --target hawatch bench_scrape_latency >/dev/null
fi
HAWATCH=$ROOT/$BUILD_DIR/exporter/hawatch
SCRAPE=$ROOT/$BUILD_DIR/bench/bench_scrape_latency
[[ -x $HAWATCH && -x $SCRAPE ]] || die "missing $HAWATCH or $SCRAPE"
mkdir -p "$RESULTS_DIR"
RESULTS_DIR=$(cd "$RESULTS_DIR" && pwd)

# ---------------------------------------------------------------------------------------------
# Processes: started here, stopped on any exit.
HW_PID="" NE_PID=""
cleanup() {
  local pid
  for pid in $HW_PID $NE_PID; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $HW_PID $NE_PID; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 40000))
    if port_free "$p" && ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
      echo "$p"
      return
    fi
  done
  die "no free loopback port found"
}

RUN_AS=()
if [[ $(id -u) -eq 0 ]] && command -v setpriv >/dev/null; then
  RUN_AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups --no-new-privs)
fi

HW_PORT=$(free_port)
NE_PORT=$(free_port)
while [[ $NE_PORT == "$HW_PORT" ]]; do NE_PORT=$(free_port); done
HW_URL=http://127.0.0.1:$HW_PORT/metrics
NE_URL=http://127.0.0.1:$NE_PORT/metrics
HW_CMD=("$HAWATCH" "--web.listen-address=127.0.0.1:$HW_PORT")
NE_CMD=("$NODE_EXPORTER" --no-collector.systemd "--web.listen-address=127.0.0.1:$NE_PORT")

# setpriv execs, so $! is the exporter's own PID.
"${RUN_AS[@]}" "${HW_CMD[@]}" >"$RESULTS_DIR/hawatch.log" 2>&1 </dev/null &
HW_PID=$!
"${RUN_AS[@]}" "${NE_CMD[@]}" >"$RESULTS_DIR/node_exporter.log" 2>&1 </dev/null &
NE_PID=$!

wait_up() {  # name pid url
  for _ in $(seq 100); do
    kill -0 "$2" 2>/dev/null || die "$1 exited at start-up; see $RESULTS_DIR/$1.log"
    curl -fsS -o /dev/null --max-time 2 "$3" 2>/dev/null && return
    sleep 0.1
  done
  die "$1 did not answer $3 within 10 s"
}
wait_up hawatch "$HW_PID" "http://127.0.0.1:$HW_PORT/-/ready"
wait_up node_exporter "$NE_PID" "$NE_URL"
log "hawatch pid $HW_PID on :$HW_PORT, node_exporter $NE_VERSION pid $NE_PID on :$NE_PORT"

# CPU ticks (utime + stime) of a PID; the comm field may hold spaces, so cut after the last ')'.
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
# On-CPU nanoseconds summed over the live threads (schedstat field 1): ns resolution where the
# ticks above are 10 ms, which is coarse next to hawatch's few ms per 1000 scrapes. Time of threads
# that exit between two readings is lost, so this can only under-count; both are reported.
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }'; }
status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
calc() { awk "BEGIN { printf \"%.${2:-3}f\", $1 }"; }
# ratio a b: a/b (1 decimal, or 2 significant digits below 1), or n/a when b is 0.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    if (b + 0 == 0) { print "n/a"; exit }
    r = a / b
    if (r >= 1 || r == 0) printf "%.1f×", r; else printf "%.2g×", r
  }'
}

# ---------------------------------------------------------------------------------------------
# 1. Scrape latency, identity then gzip, with each process's CPU over each pass.
declare -A CPU1K CPU1K_NS
for mode in identity gzip; do
  log "latency: $N interleaved scrapes per target ($mode)"
  hw0=$(ticks "$HW_PID") ne0=$(ticks "$NE_PID")
  hwns0=$(cpu_ns "$HW_PID") nens0=$(cpu_ns "$NE_PID")
  "$SCRAPE" --mode="$mode" --warmup="$WARMUP" "$N" hawatch="$HW_URL" node_exporter="$NE_URL" \
    >"$RESULTS_DIR/latency-$mode.txt"
  hw1=$(ticks "$HW_PID") ne1=$(ticks "$NE_PID")
  hwns1=$(cpu_ns "$HW_PID") nens1=$(cpu_ns "$NE_PID")
  scrapes=$((N + WARMUP))
  CPU1K[hawatch,$mode]=$(calc "($hw1 - $hw0) / $HZ / $scrapes * 1000" 3)
  CPU1K[node_exporter,$mode]=$(calc "($ne1 - $ne0) / $HZ / $scrapes * 1000" 3)
  CPU1K_NS[hawatch,$mode]=$(calc "($hwns1 - $hwns0) / 1e9 / $scrapes * 1000" 4)
  CPU1K_NS[node_exporter,$mode]=$(calc "($nens1 - $nens0) / 1e9 / $scrapes * 1000" 4)
  grep -v '^RESULT ' "$RESULTS_DIR/latency-$mode.txt" >&2
  grep '^RESULT ' "$RESULTS_DIR/latency-$mode.txt" | cut -c8- >"$RESULTS_DIR/latency-$mode.json"
done
lat() {  # target mode field
  jq -r --arg t "$1" --arg m "$2" --arg f "$3" \
    '.results[] | select(.target == $t and .mode == $m) | .[$f]' "$RESULTS_DIR/latency-$2.json"
}

# ---------------------------------------------------------------------------------------------
# 2. Throughput: wrk against each /metrics in turn (wrk sends no Accept-Encoding: identity).
declare -A RPS WRKCPU
for target in hawatch node_exporter; do
  if [[ $target == hawatch ]]; then url=$HW_URL pid=$HW_PID; else url=$NE_URL pid=$NE_PID; fi
  log "wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d${WRK_SECONDS}s $target"
  t0=$(ticks "$pid")
  wrk "-t$WRK_THREADS" "-c$WRK_CONNECTIONS" "-d${WRK_SECONDS}s" --latency "$url" \
    >"$RESULTS_DIR/wrk-$target.txt"
  t1=$(ticks "$pid")
  RPS[$target]=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$RESULTS_DIR/wrk-$target.txt")
  requests=$(awk '/ requests in / { print $1 }' "$RESULTS_DIR/wrk-$target.txt")
  WRKCPU[$target]=$(calc "($t1 - $t0) / $HZ / $requests * 1000" 3)
  if grep -q 'Non-2xx\|Socket errors' "$RESULTS_DIR/wrk-$target.txt"; then
    log "warning: wrk saw errors against $target:"
    grep 'Non-2xx\|Socket errors' "$RESULTS_DIR/wrk-$target.txt" >&2
  fi
done

# ---------------------------------------------------------------------------------------------
# 3. Idle CPU: nobody scrapes; hawatch keeps collecting on its schedule, node_exporter does not
#    collect at all between scrapes.
log "idle window: $IDLE_SECONDS s"
hw0=$(ticks "$HW_PID") ne0=$(ticks "$NE_PID")
hwns0=$(cpu_ns "$HW_PID") nens0=$(cpu_ns "$NE_PID")
start=$(date +%s.%N)
sleep "$IDLE_SECONDS"
hw1=$(ticks "$HW_PID") ne1=$(ticks "$NE_PID")
hwns1=$(cpu_ns "$HW_PID") nens1=$(cpu_ns "$NE_PID")
elapsed=$(calc "$(date +%s.%N) - $start" 3)
IDLE_HW=$(calc "($hw1 - $hw0) / $HZ / $elapsed * 100" 3)
IDLE_NE=$(calc "($ne1 - $ne0) / $HZ / $elapsed * 100" 3)
IDLE_HW_NS=$(calc "($hwns1 - $hwns0) / 1e9 / $elapsed * 100" 4)
IDLE_NE_NS=$(calc "($nens1 - $nens0) / 1e9 / $elapsed * 100" 4)

# ---------------------------------------------------------------------------------------------
# 4. Memory, after everything above (VmHWM = peak over the whole run).
RSS_HW=$(status_kib "$HW_PID" VmRSS) RSS_NE=$(status_kib "$NE_PID" VmRSS)
HWM_HW=$(status_kib "$HW_PID" VmHWM) HWM_NE=$(status_kib "$NE_PID" VmHWM)
ANON_HW=$(status_kib "$HW_PID" RssAnon) ANON_NE=$(status_kib "$NE_PID" RssAnon)
FILE_HW=$(status_kib "$HW_PID" RssFile) FILE_NE=$(status_kib "$NE_PID" RssFile)
THREADS_HW=$(status_kib "$HW_PID" Threads) THREADS_NE=$(status_kib "$NE_PID" Threads)
LOADAVG_AFTER=$(cat /proc/loadavg)

cleanup
HW_PID="" NE_PID=""

# ---------------------------------------------------------------------------------------------
# Report.
mib() { calc "$1 / 1024" 1; }
row() { printf '| %s | %s | %s | %s |\n' "$@"; }
lower_better() { row "$1" "$2" "$3" "$(ratio "$3" "$2")"; }   # ratio node_exporter / hawatch
higher_better() { row "$1" "$2" "$3" "$(ratio "$2" "$3")"; }  # ratio hawatch / node_exporter
info_row() { row "$1" "$2" "$3" "$(ratio "$3" "$2") (info)"; }

{
  echo "## hawatch vs node_exporter"
  echo
  echo "- date: $DATE"
  echo "- machine: $HOST, $NPROC CPUs ($CPU_MODEL), $MEM_TOTAL RAM"
  echo "- kernel: $KERNEL"
  echo "- load average before: $LOADAVG_BEFORE; after: $LOADAVG_AFTER"
  echo "- hawatch: revision $REVISION, Release build, embedded default config"
  echo "  (\`${HW_CMD[*]##*/}\`)"
  echo "- node_exporter: $NE_VERSION (\`${NE_CMD[*]##*/}\`)"
  if ((${#RUN_AS[@]})); then echo "- both exporters run as nobody (\`${RUN_AS[*]}\`)"; fi
  echo "- command: \`$COMMAND_LINE\` with N=$N WARMUP=$WARMUP WRK_SECONDS=$WRK_SECONDS" \
       "WRK_THREADS=$WRK_THREADS WRK_CONNECTIONS=$WRK_CONNECTIONS IDLE_SECONDS=$IDLE_SECONDS"
  echo "- raw outputs: $RESULTS_DIR"
  echo
  echo "Ratio: node_exporter / hawatch for latency, CPU and memory; hawatch / node_exporter for"
  echo "throughput. Either way, bigger = better for hawatch. \"(info)\" rows are not a score."
  echo
  row metric hawatch node_exporter ratio
  row --- ---: ---: ---:
  for mode in identity gzip; do
    for q in p50 p90 p99 max; do
      lower_better "scrape latency $q, $mode (ms)" \
        "$(calc "$(lat hawatch "$mode" "${q}_ms")" 3)" "$(calc "$(lat node_exporter "$mode" "${q}_ms")" 3)"
    done
  done
  info_row "body bytes, identity" "$(calc "$(lat hawatch identity mean_bytes)" 0)" \
    "$(calc "$(lat node_exporter identity mean_bytes)" 0)"
  info_row "body bytes, gzip" "$(calc "$(lat hawatch gzip mean_bytes)" 0)" \
    "$(calc "$(lat node_exporter gzip mean_bytes)" 0)"
  info_row "samples per scrape" "$(lat hawatch identity samples)" "$(lat node_exporter identity samples)"
  for mode in identity gzip; do
    lower_better "CPU s per 1000 scrapes, $mode (utime+stime)" \
      "${CPU1K[hawatch,$mode]}" "${CPU1K[node_exporter,$mode]}"
    lower_better "CPU s per 1000 scrapes, $mode (schedstat)" \
      "${CPU1K_NS[hawatch,$mode]}" "${CPU1K_NS[node_exporter,$mode]}"
  done
  higher_better "wrk throughput, -t$WRK_THREADS -c$WRK_CONNECTIONS (req/s)" "${RPS[hawatch]}" \
    "${RPS[node_exporter]}"
  lower_better "CPU s per 1000 requests under wrk" "${WRKCPU[hawatch]}" "${WRKCPU[node_exporter]}"
  lower_better "idle CPU, ${IDLE_SECONDS} s window, utime+stime (% of a core)" "$IDLE_HW" "$IDLE_NE"
  lower_better "idle CPU, ${IDLE_SECONDS} s window, schedstat (% of a core)" "$IDLE_HW_NS" "$IDLE_NE_NS"
  lower_better "VmRSS after the run (MiB)" "$(mib "$RSS_HW")" "$(mib "$RSS_NE")"
  lower_better "VmHWM, peak RSS (MiB)" "$(mib "$HWM_HW")" "$(mib "$HWM_NE")"
  lower_better "RssAnon after the run: heap, stacks (MiB)" "$(mib "$ANON_HW")" "$(mib "$ANON_NE")"
  lower_better "RssFile after the run: mapped binary and libraries (MiB)" "$(mib "$FILE_HW")" \
    "$(mib "$FILE_NE")"
  info_row "threads" "$THREADS_HW" "$THREADS_NE"
  echo
  p50=$(awk -v a="$(lat node_exporter identity p50_ms)" -v b="$(lat hawatch identity p50_ms)" \
    'BEGIN { printf "%.1f", a / b }')
  rss=$(awk -v a="$RSS_NE" -v b="$RSS_HW" 'BEGIN { printf "%.1f", a / b }')
  met() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "met" : "NOT met") }'; }
  echo "Targets (reported, not asserted): p50 ≤ 1/10 of node_exporter's: ${p50}× ($(met "$p50" 10));" \
       "RSS ≤ 1/4: ${rss}× ($(met "$rss" 4))."
  echo
  echo "New connections during the timed latency scrapes (0 = keep-alive held throughout):" \
       "hawatch $(lat hawatch identity new_connections)/$(lat hawatch gzip new_connections)," \
       "node_exporter $(lat node_exporter identity new_connections)/$(lat node_exporter gzip new_connections)" \
       "(identity/gzip)."
} | tee "$RESULTS_DIR/report.md"
