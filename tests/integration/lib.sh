# Shared helpers for the integration tests; sourced by every tests/integration/test_*.sh.
#
# Environment (set by ctest, see tests/CMakeLists.txt):
#   HAWATCH_BIN         the daemon under test
#   HAWATCH_SOURCE_DIR  the source tree
#   HAWATCH_FIXTURES    tests/fixtures
# KEEP_TMP=1 keeps the per-test temp dir for inspection.
#
# Every process started through start_bg/start_hawatch is stopped (and reaped) on exit, and the
# temp dir is removed. Any failed check exits non-zero with the logs of the started processes.

# shellcheck disable=SC2034  # RC, OUT, ERR, HAWATCH_* are for the sourcing test
set -euo pipefail
set -o errtrace
shopt -s inherit_errexit

: "${HAWATCH_BIN:?HAWATCH_BIN must point at the hawatch binary}"
: "${HAWATCH_SOURCE_DIR:?HAWATCH_SOURCE_DIR must point at the source tree}"
: "${HAWATCH_FIXTURES:?HAWATCH_FIXTURES must point at tests/fixtures}"
[[ -x $HAWATCH_BIN ]] || { echo "FAIL: HAWATCH_BIN=$HAWATCH_BIN is not executable" >&2; exit 1; }

# Debian's python; the `python3` on PATH may be a different build.
PY=/usr/bin/python3
TEST_NAME=$(basename "$0" .sh)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hawatch-${TEST_NAME}.XXXXXX")
CHECKS=0

declare -a _BG_PIDS=()       # every background process started, in start order
declare -A _BG_NAME=()       # pid -> name
declare -A _BG_LOG=()        # pid -> log file
declare -A _BG_REAPED=()     # pid -> exit status, once waited for

# Prefixes the daemon's command line, e.g. (env FOO=1 bash -c 'exec "$@"' wrapper).
declare -a HAWATCH_LAUNCH=()
# Extra curl options for the start-up health probe (TLS material, credentials).
declare -a HAWATCH_CURL=()
HAWATCH_SCHEME=http

log_note() { echo "# $*"; }
ok() {
  CHECKS=$((CHECKS + 1))
  echo "ok $CHECKS - $*"
}

dump_logs() {
  local pid
  for pid in "${_BG_PIDS[@]}"; do
    local log=${_BG_LOG[$pid]}
    echo "---- ${_BG_NAME[$pid]} (pid $pid) log: $log (last 60 lines) ----" >&2
    if [[ -s $log ]]; then tail -n 60 "$log" >&2; else echo "(empty)" >&2; fi
  done
}

fail() {
  echo "FAIL [$TEST_NAME]: $*" >&2
  dump_logs
  exit 1
}

_on_err() {
  local rc=$? cmd=$1 line=$2
  # In a subshell ($(...)) just leave: the command in the main shell that ran it reports.
  ((BASHPID == $$)) || exit "$rc"
  echo "FAIL [$TEST_NAME]: command failed (exit $rc) at line $line: $cmd" >&2
  dump_logs
  exit 1
}
trap '_on_err "$BASH_COMMAND" "$LINENO"' ERR

require_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || fail "required tool '$c' is not installed"
  done
}
require_cmd curl jq

# ---- assertions ---------------------------------------------------------------------------------

assert_eq() {  # EXPECTED ACTUAL MESSAGE
  [[ $1 == "$2" ]] || fail "$3: expected '$1', got '$2'"
  ok "$3"
}

assert_ne() {  # UNEXPECTED ACTUAL MESSAGE
  [[ $1 != "$2" ]] || fail "$3: did not expect '$2'"
  ok "$3"
}

assert_contains() {  # HAYSTACK NEEDLE MESSAGE
  [[ $1 == *"$2"* ]] || fail "$3: '$2' not found in:
$1"
  ok "$3"
}

assert_not_contains() {  # HAYSTACK NEEDLE MESSAGE
  [[ $1 != *"$2"* ]] || fail "$3: '$2' unexpectedly found in:
$1"
  ok "$3"
}

assert_match() {  # STRING ERE MESSAGE  (multi-line strings: any line may match)
  grep -Eq -- "$2" <<<"$1" || fail "$3: no line matches /$2/ in:
$1"
  ok "$3"
}

assert_no_match() {  # STRING ERE MESSAGE
  ! grep -Eq -- "$2" <<<"$1" || fail "$3: a line matches /$2/:
$(grep -E -- "$2" <<<"$1")"
  ok "$3"
}

assert_file_contains() {  # FILE NEEDLE MESSAGE
  grep -Fq -- "$2" "$1" || fail "$3: '$2' not found in $1:
$(tail -n 40 "$1")"
  ok "$3"
}

# Runs a command, capturing its status, stdout and stderr without tripping set -e:
#   run_capture cmd args...   -> RC, OUT, ERR
run_capture() {
  local out_f=$TMP/.run.out err_f=$TMP/.run.err
  RC=0
  "$@" >"$out_f" 2>"$err_f" || RC=$?
  OUT=$(<"$out_f")
  ERR=$(<"$err_f")
}

# Waits up to SECONDS for `eval CONDITION` to succeed, re-evaluating every 0.1 s.
wait_until() {  # SECONDS DESCRIPTION CONDITION
  local deadline=$((SECONDS + $1)) desc=$2 cond=$3
  until eval "$cond"; do
    ((SECONDS < deadline)) || fail "timed out after $1 s waiting for: $desc"
    sleep 0.1
  done
}

# ---- ports --------------------------------------------------------------------------------------

# A loopback port the kernel just handed out (and released): free unless someone races us for it.
free_port() {
  "$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# ---- processes ----------------------------------------------------------------------------------

# True while PID runs (a zombie — exited but not yet reaped — counts as not running).
alive() {
  local pid=$1 stat
  [[ -n ${_BG_REAPED[$pid]+x} ]] && return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# start_bg NAME LOGFILE CMD... : starts CMD in the background; sets BG_PID.
start_bg() {
  local name=$1 log=$2
  shift 2
  "$@" >"$log" 2>&1 </dev/null &
  BG_PID=$!
  _BG_PIDS+=("$BG_PID")
  _BG_NAME[$BG_PID]=$name
  _BG_LOG[$BG_PID]=$log
}

# Reaps PID (which must have exited or be exiting); sets EXIT_STATUS.
_reap() {
  local pid=$1 rc=0
  if [[ -n ${_BG_REAPED[$pid]+x} ]]; then
    EXIT_STATUS=${_BG_REAPED[$pid]}
    return
  fi
  wait "$pid" 2>/dev/null || rc=$?
  _BG_REAPED[$pid]=$rc
  EXIT_STATUS=$rc
}

# wait_exit PID SECONDS : waits for PID to exit by itself; sets EXIT_STATUS. Fails on timeout.
wait_exit() {
  local pid=$1 deadline=$((SECONDS + $2))
  while alive "$pid"; do
    ((SECONDS < deadline)) || fail "${_BG_NAME[$pid]} (pid $pid) did not exit within $2 s"
    sleep 0.05
  done
  _reap "$pid"
}

# stop_process PID [SIGNAL] [SECONDS] : signals PID and waits for it; sets EXIT_STATUS.
stop_process() {
  local pid=$1 sig=${2:-TERM} secs=${3:-10}
  if alive "$pid"; then kill "-$sig" "$pid" 2>/dev/null || true; fi
  wait_exit "$pid" "$secs"
}

_cleanup() {
  local rc=$? pid
  trap - ERR
  set +e
  for pid in "${_BG_PIDS[@]}"; do
    [[ -n ${_BG_REAPED[$pid]+x} ]] && continue
    alive "$pid" && kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${_BG_PIDS[@]}"; do
    [[ -n ${_BG_REAPED[$pid]+x} ]] && continue
    local i=0
    while alive "$pid" && ((i++ < 100)); do sleep 0.05; done
    if alive "$pid"; then
      echo "# ${_BG_NAME[$pid]} (pid $pid) ignored SIGTERM; killing it" >&2
      kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    _BG_REAPED[$pid]=cleaned-up
  done
  if [[ ${KEEP_TMP:-0} == 1 ]]; then
    echo "# kept $TMP" >&2
  else
    rm -rf "$TMP"
  fi
  if ((rc == 0)); then
    echo "PASS $TEST_NAME: $CHECKS checks"
  else
    echo "FAIL $TEST_NAME (exit $rc) after $CHECKS passed checks" >&2
  fi
  exit "$rc"
}
trap _cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- hawatch ------------------------------------------------------------------------------------

# curl against the daemon started last, with HAWATCH_CURL options: hcurl PATH [curl args...]
hcurl() {
  local path=$1
  shift
  curl -sS --max-time 10 "${HAWATCH_CURL[@]}" "$@" "$HAWATCH_URL$path"
}

# HTTP status of PATH on the daemon started last ("000" when there is no HTTP answer).
hstatus() {
  local path=$1 code
  shift
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${HAWATCH_CURL[@]}" "$@" \
    "$HAWATCH_URL$path" 2>/dev/null) || true
  echo "${code:-000}"
}

# start_hawatch ARGS... : starts the daemon on a free loopback port and waits (max 10 s) until
# /-/healthy answers 200. Sets HAWATCH_PID, HAWATCH_PORT, HAWATCH_URL, HAWATCH_LOG.
# HAWATCH_LAUNCH prefixes the command, HAWATCH_CURL/HAWATCH_SCHEME shape the health probe.
_HAWATCH_RUNS=0
start_hawatch() {
  _HAWATCH_RUNS=$((_HAWATCH_RUNS + 1))
  HAWATCH_PORT=$(free_port)
  HAWATCH_URL="$HAWATCH_SCHEME://127.0.0.1:$HAWATCH_PORT"
  HAWATCH_LOG=$TMP/hawatch.$_HAWATCH_RUNS.log
  start_bg "hawatch#$_HAWATCH_RUNS" "$HAWATCH_LOG" "${HAWATCH_LAUNCH[@]}" "$HAWATCH_BIN" \
    "--web.listen-address=127.0.0.1:$HAWATCH_PORT" "$@"
  HAWATCH_PID=$BG_PID
  local deadline=$((SECONDS + 10))
  until [[ $(hstatus /-/healthy) == 200 ]]; do
    if ! alive "$HAWATCH_PID"; then
      _reap "$HAWATCH_PID"
      fail "hawatch exited with status $EXIT_STATUS during start-up (args: $*)"
    fi
    ((SECONDS < deadline)) || fail "hawatch did not answer /-/healthy within 10 s (args: $*)"
    sleep 0.1
  done
}

# Metrics text of the daemon started last (no gzip).
scrape() { hcurl "${HAWATCH_TELEMETRY_PATH:-/metrics}" "$@"; }

# Value of the sample written exactly as SELECTOR ("name" or "name{labels}") in METRICS_TEXT;
# empty when there is none.
sample_value() {  # METRICS_TEXT SELECTOR
  # Through the environment: awk -v would interpret the backslashes of escaped label values.
  SEL=$2 awk 'BEGIN { sel = ENVIRON["SEL"] } substr($0, 1, length(sel) + 1) == sel " " { print $NF; exit }' <<<"$1"
}

# ---- checks on the running daemon --------------------------------------------------------------

# Times N scrapes of the daemon started last (default 20) while LABEL (a failure mode) holds;
# prints p50/max and fails when any took MAX seconds or more (default 0.25).
assert_scrapes_fast() {  # LABEL [N] [MAX]
  local label=$1 n=${2:-20} max_allowed=${3:-0.25} i sorted
  local -a times=()
  for ((i = 0; i < n; i++)); do
    times+=("$(curl -s -o /dev/null -w '%{time_total}' --max-time 5 "${HAWATCH_CURL[@]}" "$HAWATCH_URL${HAWATCH_TELEMETRY_PATH:-/metrics}")")
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  local p50 max
  p50=$(sed -n "$(((n + 1) / 2))p" <<<"$sorted")
  max=$(tail -n1 <<<"$sorted")
  log_note "scrape time while $label: p50 ${p50}s max ${max}s ($n scrapes)"
  awk -v m="$max" -v a="$max_allowed" 'BEGIN { exit !(m < a) }' || fail "a scrape took ${max}s while $label"
  ok "scrapes stay under ${max_allowed}s while $label (max ${max}s)"
}

# `promtool check metrics` finds nothing in the daemon's /metrics.
assert_promtool_clean() {  # LABEL
  local out
  out=$(scrape | promtool check metrics 2>&1) || true
  [[ -z $out ]] || fail "promtool check metrics ($1): $out"
  ok "promtool check metrics: clean ($1)"
}
