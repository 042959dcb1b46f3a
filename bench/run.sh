#!/usr/bin/env bash
# hawatch vs node_exporter, side by side, in one run. See bench/README.md.
#
#   bench/run.sh
#
# Environment (all optional):
#   N=1000               scrapes per target and pass (identity, gzip) for the latency run
#   WARMUP=20            warm-up scrapes per target and pass
#   WRK_SECONDS=30       duration of each wrk throughput run
#   WRK_THREADS=2 WRK_CONNECTIONS=4
#   IDLE_SECONDS=300     idle window for the idle-CPU measurement (hawatch collects every 15 s)
#   ALL_COLLECTORS=1     also run a hawatch with every collector that runs here (0: skip)
#   SCALING=1            also run bench/scaling.sh (series 1k/10k/100k, 1/4/16 scrapers; 0: skip)
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
WRK_SECONDS=${WRK_SECONDS:-30}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-4}
IDLE_SECONDS=${IDLE_SECONDS:-300}
ALL_COLLECTORS=${ALL_COLLECTORS:-1}
SCALING=${SCALING:-1}
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
  cmake --build "$BUILD_DIR" --parallel "$NPROC" --target hawatch hawatch-plugin-host \
    bench_scrape_latency bench_rules_eval hailo amslpr_db >/dev/null
fi
HAWATCH=$ROOT/$BUILD_DIR/exporter/hawatch
SCRAPE=$ROOT/$BUILD_DIR/bench/bench_scrape_latency
[[ -x $HAWATCH && -x $SCRAPE ]] || die "missing $HAWATCH or $SCRAPE"
mkdir -p "$RESULTS_DIR"
RESULTS_DIR=$(cd "$RESULTS_DIR" && pwd)

# ---------------------------------------------------------------------------------------------
# Processes: started here, stopped on any exit.
HW_PID="" NE_PID="" HA_PID=""
ALL_DIR=$RESULTS_DIR/all-collectors
cleanup() {
  local pid
  for pid in $HW_PID $NE_PID $HA_PID; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $HW_PID $NE_PID $HA_PID; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if ((ALL_COLLECTORS)); then "$ROOT/bench/all_collectors.sh" stop "$ALL_DIR" || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

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

# A third exporter: hawatch with every collector that runs on this machine, against local peers
# (bench/all_collectors.sh); its peer probe watches the default-config hawatch.
TARGETS=(hawatch node_exporter)
if ((ALL_COLLECTORS)); then
  log "starting the all-collectors peers"
  BUILD_DIR=$BUILD_DIR "$ROOT/bench/all_collectors.sh" start "$ALL_DIR" "http://127.0.0.1:$HW_PORT"
  HA_PORT=$(free_port)
  HA_URL=http://127.0.0.1:$HA_PORT/metrics
  HA_CMD=("$HAWATCH" "--config.file=$ALL_DIR/hawatch.yml" "--web.listen-address=127.0.0.1:$HA_PORT")
  mapfile -t HA_ENV <"$ALL_DIR/env"
  env "${HA_ENV[@]}" "${RUN_AS[@]}" "${HA_CMD[@]}" >"$RESULTS_DIR/hawatch_all.log" 2>&1 </dev/null &
  HA_PID=$!
  # env and setpriv exec, so $! is hawatch's PID; every collector reports before /-/ready is 200.
  wait_up hawatch_all "$HA_PID" "http://127.0.0.1:$HA_PORT/-/ready"
  log "hawatch (all collectors) pid $HA_PID on :$HA_PORT"
  # Its series, for the rule evaluation bench (bench/rules.sh).
  curl -s "$HA_URL" >"$RESULTS_DIR/metrics-hawatch_all.txt" || true
  TARGETS=(hawatch hawatch_all node_exporter)
fi
declare -A PID_OF=([hawatch]=$HW_PID [node_exporter]=$NE_PID [hawatch_all]=$HA_PID)
declare -A URL_OF=([hawatch]=$HW_URL [node_exporter]=$NE_URL [hawatch_all]=${HA_URL:-})

# CPU ticks (utime + stime) of a PID; the comm field may hold spaces, so cut after the last ')'.
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
# On-CPU nanoseconds per live thread ("TID NS" lines, schedstat field 1): ns resolution where the
# ticks above are 10 ms, which is coarse next to hawatch's few ms per 1000 scrapes. cpu_ns_since
# sums each thread's growth since such a snapshot (a thread born since counts from 0); a thread
# that exits in between (hawatch's idle HTTP threads end after a minute) loses its time, so this
# can only under-count. Both are reported.
cpu_snapshot() {
  local f
  for f in /proc/"$1"/task/*/schedstat; do
    [[ -r $f ]] && printf '%s %s\n' "$(basename "$(dirname "$f")")" "$(cut -d' ' -f1 "$f" 2>/dev/null)"
  done 2>/dev/null || true
}
cpu_ns_since() {  # PID SNAPSHOT
  awk 'NR == FNR { before[$1] = $2; next } { s += $2 - ($1 in before ? before[$1] : 0) }
       END { printf "%.0f", s }' <(printf '%s\n' "$2") <(cpu_snapshot "$1")
}
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
declare -A CPU1K CPU1K_NS T0 NS0
scrape_targets=()
for t in "${TARGETS[@]}"; do scrape_targets+=("$t=${URL_OF[$t]}"); done
for mode in identity gzip; do
  log "latency: $N interleaved scrapes per target ($mode)"
  for t in "${TARGETS[@]}"; do T0[$t]=$(ticks "${PID_OF[$t]}") NS0[$t]=$(cpu_snapshot "${PID_OF[$t]}"); done
  "$SCRAPE" --mode="$mode" --warmup="$WARMUP" "$N" "${scrape_targets[@]}" >"$RESULTS_DIR/latency-$mode.txt"
  scrapes=$((N + WARMUP))
  for t in "${TARGETS[@]}"; do
    CPU1K[$t,$mode]=$(calc "($(ticks "${PID_OF[$t]}") - ${T0[$t]}) / $HZ / $scrapes * 1000" 3)
    CPU1K_NS[$t,$mode]=$(calc "$(cpu_ns_since "${PID_OF[$t]}" "${NS0[$t]}") / 1e9 / $scrapes * 1000" 4)
  done
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
for target in "${TARGETS[@]}"; do
  url=${URL_OF[$target]} pid=${PID_OF[$target]}
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
declare -A IDLE IDLE_NS
for t in "${TARGETS[@]}"; do T0[$t]=$(ticks "${PID_OF[$t]}") NS0[$t]=$(cpu_snapshot "${PID_OF[$t]}"); done
start=$(date +%s.%N)
sleep "$IDLE_SECONDS"
elapsed=$(calc "$(date +%s.%N) - $start" 3)
for t in "${TARGETS[@]}"; do
  IDLE[$t]=$(calc "($(ticks "${PID_OF[$t]}") - ${T0[$t]}) / $HZ / $elapsed * 100" 3)
  IDLE_NS[$t]=$(calc "$(cpu_ns_since "${PID_OF[$t]}" "${NS0[$t]}") / 1e9 / $elapsed * 100" 4)
done

# ---------------------------------------------------------------------------------------------
# 4. Memory, after everything above (VmHWM = peak over the whole run).
# PSS divides each shared page among the processes mapping it (smaps_rollup needs root or the
# same user); where it cannot be read it is reported as n/a.
pss_kib() { awk '$1 == "Pss:" { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
# Private_Dirty: pages only this process has written (heap, stacks, relocated data): what it
# really costs the node whatever else runs, and what sharing cannot lower.
private_dirty_kib() { awk '$1 == "Private_Dirty:" { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
declare -A MEM
for t in "${TARGETS[@]}"; do
  for k in VmRSS VmHWM RssAnon RssFile Threads; do MEM[$t,$k]=$(status_kib "${PID_OF[$t]}" "$k"); done
done
# The two hawatch share every library page while both run, which would halve each one's PSS; on a
# node only one runs. So the all-collectors one is measured and stopped first, and the default one
# measured alone (the all-collectors PSS is therefore shared with the default hawatch: a low bound).
if ((ALL_COLLECTORS)); then
  MEM[hawatch_all,Pss]=$(pss_kib "$HA_PID")
  MEM[hawatch_all,PrivateDirty]=$(private_dirty_kib "$HA_PID")
  awk '/^[0-9a-f]+-[0-9a-f]+ / { name = $6 == "" ? "[anon]" : $6 }
       /^Rss:/ { rss[name] += $2 } /^Pss:/ { pss[name] += $2 }
       END { for (n in rss) printf "%8d %8d %s\n", rss[n], pss[n], n }' \
    "/proc/$HA_PID/smaps" 2>/dev/null | sort -rn >"$RESULTS_DIR/smaps-hawatch_all.txt" || true
  kill -TERM "$HA_PID" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$HA_PID" 2>/dev/null || break; sleep 0.1; done
  wait "$HA_PID" 2>/dev/null || true
fi
# Other processes on this machine that map Poco (other hawatch instances) share those pages and so
# lower hawatch's PSS; the report says how many there were.
POCO_SHARERS=$(grep -l libPocoFoundation /proc/[0-9]*/maps 2>/dev/null | grep -vc "^/proc/$HW_PID/" || true)
for t in hawatch node_exporter; do
  MEM[$t,Pss]=$(pss_kib "${PID_OF[$t]}")
  MEM[$t,PrivateDirty]=$(private_dirty_kib "${PID_OF[$t]}")
  # Per mapped file, for the RSS analysis in BENCHMARKS.md.
  awk '/^[0-9a-f]+-[0-9a-f]+ / { name = $6 == "" ? "[anon]" : $6 }
       /^Rss:/ { rss[name] += $2 } /^Pss:/ { pss[name] += $2 }
       END { for (n in rss) printf "%8d %8d %s\n", rss[n], pss[n], n }' \
    "/proc/${PID_OF[$t]}/smaps" 2>/dev/null | sort -rn >"$RESULTS_DIR/smaps-$t.txt" || true
done
LOADAVG_AFTER=$(cat /proc/loadavg)

cleanup
HW_PID="" NE_PID="" HA_PID=""
ALL_COLLECTORS_RAN=$ALL_COLLECTORS
ALL_COLLECTORS=0  # cleanup() already stopped the peers

# ---------------------------------------------------------------------------------------------
# 5. Scaling: series and concurrent scrapers (its own hawatch instances, after the above).
if ((SCALING)); then
  log "scaling (bench/scaling.sh)"
  HAWATCH=$HAWATCH SCRAPE=$SCRAPE RESULTS_DIR=$RESULTS_DIR RUN_AS="${RUN_AS[*]}" \
    "$ROOT/bench/scaling.sh" >"$RESULTS_DIR/scaling.md"
fi

# ---------------------------------------------------------------------------------------------
# Report.
mib() { calc "$1 / 1024" 1; }
HAS_ALL=$ALL_COLLECTORS_RAN
# | metric | hawatch | [hawatch all] | node_exporter | ratio | [ratio all] |
row() {
  if ((HAS_ALL)); then printf '| %s | %s | %s | %s | %s | %s |\n' "$@"
  else printf '| %s | %s | %s | %s |\n' "$1" "$2" "$4" "$5"; fi
}
# value getters per target: v TARGET -> value, via the array name and key suffix given
lower_better() {  # label hawatch all node_exporter  (ratio node_exporter / hawatch)
  row "$1" "$2" "$3" "$4" "$(ratio "$4" "$2")" "$(ratio "$4" "$3")"
}
higher_better() {
  row "$1" "$2" "$3" "$4" "$(ratio "$2" "$4")" "$(ratio "$3" "$4")"
}
info_row() { row "$1" "$2" "$3" "$4" "$(ratio "$4" "$2") (info)" "$(ratio "$4" "$3") (info)"; }
latv() { if [[ $1 == hawatch_all ]] && ((!HAS_ALL)); then echo 0; else lat "$@"; fi; }
fmt() { calc "$1" "$2"; }

{
  echo "## hawatch vs node_exporter"
  echo
  echo "- date: $DATE"
  echo "- machine: $HOST, $NPROC CPUs ($CPU_MODEL), $MEM_TOTAL RAM"
  echo "- kernel: $KERNEL"
  echo "- load average before: $LOADAVG_BEFORE; after: $LOADAVG_AFTER"
  echo "- hawatch: revision $REVISION, Release build, embedded default config"
  echo "  (\`${HW_CMD[*]##*/}\`)"
  if ((HAS_ALL)); then
    echo "- hawatch (all): the same binary with every collector that runs here against local peers"
    echo "  (bench/all_collectors.sh; config saved as all-collectors/hawatch.yml in the raw outputs)"
  fi
  echo "- node_exporter: $NE_VERSION (\`${NE_CMD[*]##*/}\`)"
  if ((${#RUN_AS[@]})); then echo "- exporters run as nobody (\`${RUN_AS[*]}\`)"; fi
  echo "- command: \`$COMMAND_LINE\` with N=$N WARMUP=$WARMUP WRK_SECONDS=$WRK_SECONDS" \
       "WRK_THREADS=$WRK_THREADS WRK_CONNECTIONS=$WRK_CONNECTIONS IDLE_SECONDS=$IDLE_SECONDS"
  echo "- raw outputs: $RESULTS_DIR"
  echo
  echo "Ratio: node_exporter / hawatch for latency, CPU and memory; hawatch / node_exporter for"
  echo "throughput. Either way, bigger = better for hawatch. \"(info)\" rows are not a score."
  echo
  row metric hawatch "hawatch (all collectors)" node_exporter ratio "ratio (all)"
  row --- ---: ---: ---: ---: ---:
  for mode in identity gzip; do
    for q in p50 p90 p99 max; do
      lower_better "scrape latency $q, $mode (ms)" "$(fmt "$(latv hawatch "$mode" "${q}_ms")" 3)" \
        "$(fmt "$(latv hawatch_all "$mode" "${q}_ms")" 3)" "$(fmt "$(latv node_exporter "$mode" "${q}_ms")" 3)"
    done
  done
  for mode in identity gzip; do
    info_row "body bytes, $mode" "$(fmt "$(latv hawatch "$mode" mean_bytes)" 0)" \
      "$(fmt "$(latv hawatch_all "$mode" mean_bytes)" 0)" "$(fmt "$(latv node_exporter "$mode" mean_bytes)" 0)"
  done
  info_row "samples per scrape" "$(latv hawatch identity samples)" "$(latv hawatch_all identity samples)" \
    "$(latv node_exporter identity samples)"
  for mode in identity gzip; do
    lower_better "CPU s per 1000 scrapes, $mode (utime+stime)" \
      "${CPU1K[hawatch,$mode]}" "${CPU1K[hawatch_all,$mode]:-0}" "${CPU1K[node_exporter,$mode]}"
    lower_better "CPU s per 1000 scrapes, $mode (schedstat)" \
      "${CPU1K_NS[hawatch,$mode]}" "${CPU1K_NS[hawatch_all,$mode]:-0}" "${CPU1K_NS[node_exporter,$mode]}"
  done
  higher_better "wrk throughput, -t$WRK_THREADS -c$WRK_CONNECTIONS -d${WRK_SECONDS}s (req/s)" \
    "${RPS[hawatch]}" "${RPS[hawatch_all]:-0}" "${RPS[node_exporter]}"
  lower_better "CPU s per 1000 requests under wrk" "${WRKCPU[hawatch]}" "${WRKCPU[hawatch_all]:-0}" \
    "${WRKCPU[node_exporter]}"
  lower_better "idle CPU, ${IDLE_SECONDS} s window, utime+stime (% of a core)" "${IDLE[hawatch]}" \
    "${IDLE[hawatch_all]:-0}" "${IDLE[node_exporter]}"
  lower_better "idle CPU, ${IDLE_SECONDS} s window, schedstat (% of a core)" "${IDLE_NS[hawatch]}" \
    "${IDLE_NS[hawatch_all]:-0}" "${IDLE_NS[node_exporter]}"
  for k in "PrivateDirty:Private_Dirty: pages only this process wrote (smaps_rollup)" \
           "Pss:PSS: shared pages divided among sharers (all: measured alongside the default one)" \
           "VmRSS:VmRSS after the run" "VmHWM:VmHWM, peak RSS" "RssAnon:RssAnon: heap, stacks" \
           "RssFile:RssFile: mapped binary and libraries"; do
    lower_better "${k#*:} (MiB)" "$(mib "${MEM[hawatch,${k%%:*}]}")" \
      "$(mib "${MEM[hawatch_all,${k%%:*}]:-0}")" "$(mib "${MEM[node_exporter,${k%%:*}]}")"
  done
  info_row "threads" "${MEM[hawatch,Threads]}" "${MEM[hawatch_all,Threads]:-0}" "${MEM[node_exporter,Threads]}"
  echo
  met() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "met" : "NOT met") }'; }
  le() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t ? "met" : "NOT met") }'; }
  p50=$(ratio "$(lat node_exporter identity p50_ms)" "$(lat hawatch identity p50_ms)")
  dirty=$(ratio "${MEM[node_exporter,PrivateDirty]}" "${MEM[hawatch,PrivateDirty]}")
  pss=$(ratio "${MEM[node_exporter,Pss]}" "${MEM[hawatch,Pss]}")
  rps=$(ratio "${RPS[hawatch]}" "${RPS[node_exporter]}")
  echo "### Goals (reported, not asserted)"
  echo
  echo "| goal | result | |"
  echo "| --- | --- | --- |"
  echo "| scrape p50 ≤ 1/10 of node_exporter's | ${p50} lower (identity) | $(met "${p50%×}" 10) |"
  if ((HAS_ALL)); then
    p99all=$(fmt "$(lat hawatch_all identity p99_ms)" 3)
    p99allgz=$(fmt "$(lat hawatch_all gzip p99_ms)" 3)
    echo "| p99 ≤ 2 ms with every collector enabled | ${p99all} ms identity, ${p99allgz} ms gzip | $(le "$(awk -v a="$p99all" -v b="$p99allgz" 'BEGIN { print (a > b ? a : b) }')" 2) |"
  fi
  echo "| Private_Dirty ≤ 1/4 of node_exporter's (default config) | ${dirty} lower ($(mib "${MEM[hawatch,PrivateDirty]}") vs $(mib "${MEM[node_exporter,PrivateDirty]}") MiB) | $(met "${dirty%×}" 4) |"
  echo "| PSS ≤ 1/2 of node_exporter's (default config) | ${pss} lower ($(mib "${MEM[hawatch,Pss]}") vs $(mib "${MEM[node_exporter,Pss]}") MiB) | $(met "${pss%×}" 2) |"
  if ((HAS_ALL)); then
    dirtyall=$(ratio "${MEM[node_exporter,PrivateDirty]}" "${MEM[hawatch_all,PrivateDirty]}")
    pssall=$(ratio "${MEM[node_exporter,Pss]}" "${MEM[hawatch_all,Pss]}")
    echo "| Private_Dirty ≤ 1/4 of node_exporter's (every collector) | ${dirtyall} lower ($(mib "${MEM[hawatch_all,PrivateDirty]}") MiB) | $(met "${dirtyall%×}" 4) |"
    echo "| PSS ≤ 1/2 of node_exporter's (every collector; shares pages with the default hawatch, a low bound) | ${pssall} lower ($(mib "${MEM[hawatch_all,Pss]}") MiB) | $(met "${pssall%×}" 2) |"
  fi
  echo "| wrk scrapes/s ≥ 10× node_exporter's | ${rps} | $(met "${rps%×}" 10) |"
  echo "| idle CPU ≤ 0.5 % of a core (default config, schedstat) | ${IDLE_NS[hawatch]} % | $(le "${IDLE_NS[hawatch]}" 0.5) |"
  if ((HAS_ALL)); then
    echo "| idle CPU ≤ 0.5 % of a core (all collectors, schedstat) | ${IDLE_NS[hawatch_all]} % | $(le "${IDLE_NS[hawatch_all]}" 0.5) |"
  fi
  echo
  conns=""
  for t in "${TARGETS[@]}"; do conns+=" $t $(lat "$t" identity new_connections)/$(lat "$t" gzip new_connections),"; done
  echo "New connections during the timed latency scrapes (0 = keep-alive held throughout;" \
       "identity/gzip):${conns%,}."
  echo
  echo "PSS divides shared pages among every process mapping them: when hawatch's was read," \
       "$POCO_SHARERS other processes on this machine mapped Poco (and libc etc. are shared" \
       "with everything); RSS counts every page hawatch maps, shared or not."
  for t in hawatch node_exporter; do
    [[ -s $RESULTS_DIR/smaps-$t.txt ]] || continue
    echo
    echo "Where $t's resident memory comes from (/proc/PID/smaps, after the run):"
    echo
    echo "| mapped from | RSS MiB | PSS MiB |"
    echo "| --- | ---: | ---: |"
    awk -f "$ROOT/bench/smaps_groups.awk" "$RESULTS_DIR/smaps-$t.txt"
  done
  if ((SCALING)); then
    echo
    echo "## Scaling (hawatch)"
    echo
    cat "$RESULTS_DIR/scaling.md"
  fi
} | tee "$RESULTS_DIR/report.md"
