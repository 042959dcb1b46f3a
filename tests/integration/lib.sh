# Shared helpers for the integration tests; sourced by every tests/integration/test_*.sh.
#
# Environment (set by ctest, see tests/CMakeLists.txt):
#   HAWATCH_BIN         the daemon under test
#   HAWATCH_SOURCE_DIR  the source tree
#   HAWATCH_FIXTURES    tests/fixtures
# KEEP_TMP=1 keeps the per-test temp dir for inspection.
#
# Cleanup registry: whatever a test starts is stopped by lib.sh's EXIT trap, on success, on a failed
# check, on a failing command under set -e, on SIGINT/SIGTERM:
#   - start_bg/start_hawatch processes run in their own session (setsid) and are stopped with their
#     whole process group (TERM, then KILL), then reaped;
#   - on_exit CMD ARGS... registers any other cleanup (a fixture's `stop`, a peer that is not our
#     child), run last-registered-first, with set -e and the ERR trap off;
#   - make_netns NAME creates a network namespace, killed (every pid in it) and deleted at exit;
#   - make_tmpdir VAR creates a further temp dir, removed at exit (like $TMP).
# A test must never set its own EXIT trap (test_harness.sh checks that): a `(exit $rc); _cleanup`
# inside one dies at the `(exit $rc)` under set -e and leaves everything running.
# Any failed check exits non-zero with the logs of the started processes.

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
declare -a _CLEANUPS=()      # on_exit commands (each a quoted command line), run last-first
declare -a _NETNS=()         # make_netns namespaces
declare -a _TMPDIRS=()       # make_tmpdir directories

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

# start_bg NAME LOGFILE CMD... : starts CMD in the background in a session of its own (so that
# cleanup can stop its whole process tree); sets BG_PID (the pid of CMD itself: a background job
# is never a group leader, so setsid execs without forking).
start_bg() {
  local name=$1 log=$2
  shift 2
  setsid "$@" >"$log" 2>&1 </dev/null &
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

# on_exit CMD ARGS... : runs CMD ARGS when the test exits, however it exits (last registered first).
on_exit() { _CLEANUPS+=("$(printf '%q ' "$@")"); }

# make_netns NAME : creates network namespace NAME; at exit every process in it is killed and it
# is deleted. Fails (with a reason) when namespaces cannot be created.
make_netns() {
  ip netns add "$1" || fail "cannot create network namespace $1 (needs root / CAP_SYS_ADMIN)"
  _NETNS+=("$1")
}

# make_tmpdir VAR : sets VAR to a new temp dir that is removed at exit (for what must not live
# under $TMP). Not `$(make_tmpdir)`: a command substitution's subshell could not register it.
make_tmpdir() {
  local d
  d=$(mktemp -d "${TMPDIR:-/tmp}/hawatch-${TEST_NAME}.XXXXXX")
  _TMPDIRS+=("$d")
  printf -v "$1" '%s' "$d"
}

# True while any process of PID's process group (session) runs.
_group_alive() { pgrep -g "$1" >/dev/null 2>&1 || alive "$1"; }

_stop_background() {
  local pid i
  for pid in "${_BG_PIDS[@]}"; do
    [[ -n ${_BG_REAPED[$pid]+x} ]] && { kill -TERM -- "-$pid" 2>/dev/null; continue; }
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${_BG_PIDS[@]}"; do
    i=0
    while _group_alive "$pid" && ((i++ < 100)); do sleep 0.05; done
    if _group_alive "$pid"; then
      echo "# ${_BG_NAME[$pid]} (pid $pid) or its children ignored SIGTERM; killing them" >&2
      kill -KILL -- "-$pid" 2>/dev/null
      kill -KILL "$pid" 2>/dev/null
    fi
    [[ -n ${_BG_REAPED[$pid]+x} ]] && continue
    wait "$pid" 2>/dev/null
    _BG_REAPED[$pid]=cleaned-up
  done
}

_run_cleanups() {
  local i
  for ((i = ${#_CLEANUPS[@]} - 1; i >= 0; i--)); do
    eval "${_CLEANUPS[$i]}" </dev/null >/dev/null 2>&1 || echo "# cleanup failed: ${_CLEANUPS[$i]}" >&2
  done
  _CLEANUPS=()
}

_delete_netns() {
  local ns pids
  for ns in "${_NETNS[@]}"; do
    pids=$(ip netns pids "$ns" 2>/dev/null)
    [[ -n $pids ]] && kill -KILL $pids 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  _NETNS=()
}

_cleanup() {
  local rc=$? d
  trap - ERR
  set +e +u
  _stop_background
  _run_cleanups
  _delete_netns
  if [[ ${KEEP_TMP:-0} == 1 ]]; then
    echo "# kept $TMP ${_TMPDIRS[*]}" >&2
  else
    rm -rf "$TMP"
    for d in "${_TMPDIRS[@]}"; do rm -rf "$d"; done
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

# Times N scrapes of the daemon started last; sets SCRAPE_P50 and SCRAPE_MAX (seconds).
time_scrapes() {  # [N]
  local n=${1:-20} i sorted
  local -a times=()
  for ((i = 0; i < n; i++)); do
    times+=("$(curl -s -o /dev/null -w '%{time_total}' --max-time 10 "${HAWATCH_CURL[@]}" "$HAWATCH_URL${HAWATCH_TELEMETRY_PATH:-/metrics}")")
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  SCRAPE_P50=$(sed -n "$(((n + 1) / 2))p" <<<"$sorted")
  SCRAPE_MAX=$(tail -n1 <<<"$sorted")
}

# Records the scrape latency of the healthy daemon, which assert_scrapes_fast then compares with.
scrape_baseline() {  # [N]
  time_scrapes "${1:-20}"
  SCRAPE_BASELINE_P50=$SCRAPE_P50
  log_note "scrape baseline: p50 ${SCRAPE_P50}s max ${SCRAPE_MAX}s"
}

# Times N scrapes (default 20) while LABEL (a failure mode) holds. Robust on a loaded 2-core box,
# yet failing when a scrape waits for a failing peer (then nearly every scrape takes the peer's
# timeout): the median must stay within 2x the baseline median (scrape_baseline; 10 ms when none
# was taken) plus 50 ms of noise, and below P50_MAX (default 0.25 s); the slowest one, which one
# busy moment can make slow, only below MAX (default 2 s).
assert_scrapes_fast() {  # LABEL [N] [MAX] [P50_MAX]
  local label=$1 n=${2:-20} max_allowed=${3:-2} p50_allowed=${4:-0.25}
  time_scrapes "$n"
  local bound
  bound=$(awk -v b="${SCRAPE_BASELINE_P50:-0.01}" -v c="$p50_allowed" \
    'BEGIN { x = 2 * b + 0.05; if (x > c) x = c; printf "%.3f", x }')
  log_note "scrape time while $label: p50 ${SCRAPE_P50}s max ${SCRAPE_MAX}s ($n scrapes, p50 bound ${bound}s)"
  awk -v m="$SCRAPE_P50" -v a="$bound" 'BEGIN { exit !(m <= a) }' ||
    fail "scrapes slowed down while $label: median ${SCRAPE_P50}s > ${bound}s"
  awk -v m="$SCRAPE_MAX" -v a="$max_allowed" 'BEGIN { exit !(m < a) }' ||
    fail "a scrape took ${SCRAPE_MAX}s while $label (limit ${max_allowed}s)"
  ok "scrapes stay fast while $label (p50 ${SCRAPE_P50}s <= ${bound}s, max ${SCRAPE_MAX}s < ${max_allowed}s)"
}

# `promtool check metrics` finds nothing in the daemon's /metrics.
assert_promtool_clean() {  # LABEL
  local out
  out=$(scrape | promtool check metrics 2>&1) || true
  [[ -z $out ]] || fail "promtool check metrics ($1): $out"
  ok "promtool check metrics: clean ($1)"
}
