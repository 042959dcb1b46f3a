# shellcheck shell=bash
# shellcheck disable=SC2034  # AT, T0, W_*, PEER_DELAY are read by the sourcing scenarios
# The HA drill's framework, sourced by every tests/drill/scenarios/NN_name.sh (run by
# tests/drill/run.sh, which sets the environment below). On top of tests/integration/lib.sh (its
# cleanup registry, start_bg, wait_until, sample_value):
#
#   the lab — network namespaces joined by two bridges in a "switch" namespace:
#     primary n1: eth0 10.200.0.1, eth1 10.201.0.1      backup n2: eth0 10.200.0.2, eth1 10.201.0.2
#     lab: eth0 10.200.0.254, eth1 10.201.0.254 (both nodes' gateways; the webhook sink, mail and
#     DNS servers live here, and every HTTP request of the drill is made from here)
#   each node runs its own hawatch with its own config on its own address (port 9847), the
#   shipped rules with the drill's short `for` (DRILL_RULES), and a route to the webhook sink
#   (http://10.200.0.254:8080/<node>), which records every notification with its receive time;
#   timing — drill_fault marks the fault (t0); a step then polls every 100 ms for detection (the
#   metric shows the fault), the alert firing (ALERTS in /metrics) and the notification (the
#   sink's receive time), and records one row of the summary table (drill_record).
#
# Environment (run.sh): HAWATCH_BIN, HAWATCH_SOURCE_DIR, HAWATCH_FIXTURES, DRILL_RULES (the rule
# files and for.tsv), DRILL_RESULTS (the rows, TSV), DRILL_INTERVAL (collector interval, s),
# DRILL_EVAL (evaluation interval, s), DRILL_SLACK (s allowed for a loaded machine).
source "$(dirname "${BASH_SOURCE[0]}")/../../integration/lib.sh"
require_cmd ip jq
[[ $(id -u) == 0 ]] || fail "the drill needs root: network namespaces, systemd, keepalived"
: "${DRILL_RULES:?run the drill through tests/drill/run.sh}" "${DRILL_RESULTS:?}"
DRILL_INTERVAL=${DRILL_INTERVAL:-1}
DRILL_EVAL=${DRILL_EVAL:-0.5}
DRILL_SLACK=${DRILL_SLACK:-1}
DRILL_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DRILL_SCENARIO=$TEST_NAME
DRILL_FAILED=0
chmod 755 "$TMP"

# ---- the lab --------------------------------------------------------------------------------------

DRILL_NS=dr$$
declare -A DRILL_ADDR=([n1]=10.200.0.1 [n2]=10.200.0.2 [lab]=10.200.0.254)
declare -A DRILL_NODE_NAME=([n1]=primary [n2]=backup)
drill_ns() { echo "$DRILL_NS-$1"; }  # n1 | n2 | lab | sw

# drill_lab_up : the namespaces, bridges, links and addresses; default routes via the lab; the sink
# (answering as DRILL_SINK_PLAN says, default 200).
drill_lab_up() {
  local sw node i net
  sw=$(drill_ns sw)
  for node in sw n1 n2 lab; do
    make_netns "$(drill_ns "$node")"
    ip -n "$(drill_ns "$node")" link set lo up
  done
  for i in 0 1; do
    ip -n "$sw" link add "br$i" type bridge
    ip -n "$sw" link set "br$i" up
  done
  for node in n1 n2 lab; do
    for i in 0 1; do
      net=10.20$i.0
      ip link add "eth$i" netns "$(drill_ns "$node")" type veth peer name "$node-$i" netns "$sw"
      ip -n "$sw" link set "$node-$i" master "br$i"
      ip -n "$sw" link set "$node-$i" up
      ip -n "$(drill_ns "$node")" addr add "$net.${DRILL_ADDR[$node]##*.}/24" dev "eth$i"
      ip -n "$(drill_ns "$node")" link set "eth$i" up
    done
  done
  for node in n1 n2; do
    ip -n "$(drill_ns "$node")" route add default via 10.200.0.254 dev eth0
  done
  drill_sink_up "${DRILL_SINK_PLAN:-200}"
}

# on_node NODE CMD... : runs CMD in NODE's namespace.
on_node() {
  local node=$1
  shift
  ip netns exec "$(drill_ns "$node")" "$@"
}

# ---- the webhook sink -------------------------------------------------------------------------------

DRILL_SINK=""
drill_sink_up() {  # [PLAN]  (webhook_sink.py's answer plan, default 200)
  DRILL_SINK=$TMP/sink
  start_bg sink "$TMP/sink.log" env SINK_ADDR=10.200.0.254 \
    ip netns exec "$(drill_ns lab)" "$PY" "$HAWATCH_FIXTURES/alerting/webhook_sink.py" \
    "$DRILL_SINK" 8080 "${1:-200}"
  wait_until 10 "the webhook sink listening" "grep -q listening '$TMP/sink.log'"
}

# Receive time of the first notification from NODE since SINCE listing ALERT with STATUS (and
# LABEL=VALUE...); empty when none.
sink_first() {  # NODE ALERT STATUS SINCE [LABEL=VALUE...]
  "$PY" "$DRILL_HERE/sink_query.py" first "$DRILL_SINK" "/$1" "$2" "$3" "$4" "${@:5}" || true
}
sink_count() { "$PY" "$DRILL_HERE/sink_query.py" count "$DRILL_SINK" "/$1" "$2" "$3" "$4" "${@:5}"; }

# ---- the nodes' hawatch -----------------------------------------------------------------------------

# The collectors that are `auto` by default: off in the drill unless a scenario configures them,
# so that nothing about the host itself (clock, disks) alerts in the middle of a scenario.
DRILL_AUTO_COLLECTORS=(node systemd bonding network keepalived pi)

# drill_config NODE COLLECTOR_LINES [EXTRA_TOP_LEVEL_YAML] : writes $TMP/NODE/hawatch.yml — the
# node's collectors (COLLECTOR_LINES: YAML lines under `collectors:`, indented two spaces), the
# drill rules, and alerting to the sink with the inhibit rule of hawatch's example config
# (DRILL_RECEIVER_EXTRA: more lines for the receiver, e.g. email_configs; DRILL_GROUP_WAIT: the
# route's group_wait, 0s unless a scenario needs alerts that fire apart to go out together).
drill_config() {
  local node=$1 collectors=$2 extra=${3:-} dir=$TMP/$1 c
  mkdir -p "$dir/state" "$dir/spool"
  {
    printf 'global: { node_name: %s, state_directory: %s, evaluation_interval: %sms }\n' \
      "${DRILL_NODE_NAME[$node]}" "$dir/state" "$(awk -v e="$DRILL_EVAL" 'BEGIN { print e * 1000 }')"
    printf 'collectors:\n%s\n' "$collectors"
    for c in "${DRILL_AUTO_COLLECTORS[@]}"; do
      grep -q "^  $c:" <<<"$collectors" || printf '  %s: { enabled: false }\n' "$c"
    done
    printf 'rule_files: [ "%s/*.rules.yml" ]\n' "$DRILL_RULES"
    cat <<EOF
alerting:
  spool_directory: $dir/spool
  delivery: { initial_backoff: 200ms, max_backoff: 1s, deadline: 10m }
  route: { receiver: drill, group_by: [alertname], group_wait: ${DRILL_GROUP_WAIT:-0s}, group_interval: 1s, repeat_interval: 1h }
  inhibit_rules:
    - { source_matchers: ['alertname="UpsOnBattery"'], target_matchers: ['severity="warning"'], equal: [instance] }
  receivers:
    - name: drill
      webhook_configs: [ { url: "http://10.200.0.254:8080/$node", send_resolved: true, timeout: 5s } ]
${DRILL_RECEIVER_EXTRA:-}
EOF
    printf '%s\n' "$extra"
  } >"$dir/hawatch.yml"
  run_capture "$HAWATCH_BIN" --check-config --config.file="$dir/hawatch.yml"
  [[ $RC == 0 ]] || fail "$node's drill config is refused: $OUT $ERR
$(cat -n "$dir/hawatch.yml")"
}

# drill_hawatch NODE [ENV=VALUE...] : starts NODE's hawatch in its namespace, on port 9847 of the
# node's addresses (the drill reaches it at DRILL_ADDR[NODE]; config from drill_config; more flags from DRILL_HAWATCH_ARGS) and waits until it answers. Sets
# DRILL_PID[NODE].
declare -a DRILL_HAWATCH_ARGS=()
declare -A DRILL_PID=()
declare -A DRILL_RUNS=()
drill_hawatch() {
  local node=$1 n
  shift
  n=$((${DRILL_RUNS[$node]:-0} + 1))
  DRILL_RUNS[$node]=$n
  start_bg "hawatch-$node#$n" "$TMP/$node/hawatch.$n.log" env "$@" \
    ip netns exec "$(drill_ns "$node")" "$HAWATCH_BIN" --config.file="$TMP/$node/hawatch.yml" \
    "--web.listen-address=0.0.0.0:9847" "${DRILL_HAWATCH_ARGS[@]}"
  DRILL_PID[$node]=$BG_PID
  local deadline=$((SECONDS + 15))
  until [[ $(dcurl "$node" /-/healthy -o /dev/null -w '%{http_code}' 2>/dev/null) == 200 ]]; do
    alive "${DRILL_PID[$node]}" || fail "$node's hawatch exited during start-up"
    ((SECONDS < deadline)) || fail "$node's hawatch did not answer within 15 s"
    sleep 0.1
  done
}

# dcurl NODE PATH [curl args] : a request to NODE's hawatch, made from the lab.
dcurl() {
  local node=$1 path=$2
  shift 2
  ip netns exec "$(drill_ns lab)" curl -sS --max-time 3 "$@" "http://${DRILL_ADDR[$node]}:9847$path"
}
dmetrics() { dcurl "$1" /metrics 2>/dev/null || true; }
dval() { sample_value "$(dmetrics "$1")" "$2"; }  # NODE SELECTOR

# State of ALERT in the metrics text $M (ALERTS{alertstate=...}): firing, pending or empty. With
# LABEL="VALUE" arguments, only the series carrying them.
alert_in() {  # ALERT [LABEL="VALUE"...]
  local name=$1 line l
  shift
  while IFS= read -r line; do
    for l in "$@"; do [[ $line == *"$l"* ]] || continue 2; done
    [[ $line =~ alertstate=\"([a-z]+)\" ]] && echo "${BASH_REMATCH[1]}" && return
  done < <(grep -F "alertname=\"$name\"" <<<"$M" | grep '^ALERTS{' || true)
}
dalert() {  # NODE ALERT [LABEL="VALUE"...] : the same, on NODE now
  local M
  M=$(dmetrics "$1")
  alert_in "${@:2}"
}
# State of ALERT (with LABEL=VALUE...) in NODE's GET /api/v2/alerts: active, suppressed, or empty
# (not firing). The alert store is what the notifications are made from; /metrics' ALERTS shows
# the same a little later (it is served from the last collection).
api_alert() {  # NODE ALERT [LABEL=VALUE...]
  local node=$1 name=$2 want
  shift 2
  want=$(printf '%s\n' "$@" | jq -Rn '[inputs | select(length > 0) | split("=") | {(.[0]): (.[1:] | join("="))}] | add // {}')
  dcurl "$node" /api/v2/alerts 2>/dev/null | jq -r --arg n "$name" --argjson w "$want" \
    '[.[] | select(.labels.alertname == $n and (.labels | contains($w))) | .status.state] | first // ""' 2>/dev/null || true
}

# ---- timing ------------------------------------------------------------------------------------------

now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }  # T0 T -> "T - T0"
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }         # A <= B
# `for` of ALERT in the drill rules, in seconds.
for_of() {
  local f
  f=$(awk -v a="$1" '$1 == a { print $3 }' "$DRILL_RULES/for.tsv")
  [[ -n $f ]] || fail "no rule named $1 in the shipped rules"
  awk -v f="$f" 'BEGIN { n = f + 0; if (f ~ /ms$/) n /= 1000; else if (f ~ /m$/) n *= 60; else if (f ~ /h$/) n *= 3600; print n }'
}
# Detection bound for ALERT: a collector run, `for`, two evaluation ticks (the one that sees the
# new value and marks the alert pending, and the one at which `for` has run out), and the slack.
alert_bound() {  # ALERT [EXTRA_SECONDS]
  awk -v i="$DRILL_INTERVAL" -v e="$DRILL_EVAL" -v f="$(for_of "$1")" -v s="$DRILL_SLACK" -v x="${2:-0}" \
    'BEGIN { printf "%.1f", i + 2 * e + f + s + x }'
}

# drill_fault DESCRIPTION [T0] : the fault is injected now (or at T0, Unix seconds).
drill_fault() {
  T0=${2:-$(now)}
  log_note "fault: $1 (t0 $(date -u -d "@$T0" +%T.%N | cut -c1-12))"
}

# poll SECONDS CONDITION : evaluates CONDITION every 100 ms until it holds; AT = the time it was
# seen (after the answer arrived). Returns 1 after SECONDS without it.
poll() {
  local deadline
  deadline=$(awk -v t="$(now)" -v s="$1" 'BEGIN { printf "%.3f", t + s }')
  while :; do
    if eval "$2"; then
      AT=$(now)
      return 0
    fi
    le "$(now)" "$deadline" || return 1
    sleep 0.1
  done
}

# drill_record STEP EXPECTED OBSERVED DETECT ALERT NOTIFY BOUND RESULT : one row of the table.
drill_record() {
  local row
  row=$(printf '%s\t' "$DRILL_SCENARIO" "$@")
  printf '%s\n' "${row%$'\t'}" >>"$DRILL_RESULTS"
  [[ $8 == PASS ]] || DRILL_FAILED=1
  printf '# [%s] %s: %s (detected %s, alert %s, notified %s, bound %s)\n' "$8" "$1" "$3" "$4" "$5" "$6" "$7"
}

# The sink's LABEL=VALUE form of the LABEL="VALUE" filters, into the caller's `labels`.
sink_labels() {
  local t v
  labels=()
  for t in "$@"; do
    v=${t#*=}
    v=${v#\"}
    labels+=("${t%%=*}=${v%\"}")
  done
}

# watch MODE NODE ALERT DETECT TIMEOUT [LABEL="VALUE"...] : after drill_fault, the stopwatch
# (lib/watch.py, one process in the lab polling every 100 ms): the first time NODE's /metrics has
# DETECT ('SELECTOR OP VALUE'; skipped when empty), the first time NODE's alert API lists ALERT
# (MODE firing) or no longer does (MODE resolved), and the receive time of the sink's first
# notification of ALERT with status MODE. Sets W_DETECT, W_ALERT, W_NOTIFY (s after t0, or "-").
watch() {
  local mode=$1 node=$2 alert=$3 detect=$4 timeout=$5 out
  shift 5
  local -a labels args=()
  sink_labels "$@"
  [[ -n $detect ]] && args=(--detect "$detect")
  out=$(on_node lab "$PY" "$DRILL_HERE/watch.py" "http://${DRILL_ADDR[$node]}:9847" "$DRILL_SINK" \
    "/$node" "$mode" "$alert" "$T0" "$timeout" "${args[@]}" "${labels[@]}")
  read -r W_DETECT W_ALERT W_NOTIFY <<<"$out"
}

# drill_alert_step STEP EXPECTED NODE ALERT DETECT [LABEL="VALUE"...] : after drill_fault, the
# detection (DETECT: 'SELECTOR OP VALUE' on /metrics), ALERT firing on NODE within its bound, and its firing notification. STEP_EXTRA
# (s) widens the bound by a delay the peer itself adds (keepalived's master-down interval);
# STEP_TIMEOUT (s, default 3x the bound + 10) caps the wait.
# STEP_PEER, a condition (bash) on the peer itself (e.g. upsd answering OB), is polled meanwhile:
# the time the peer took to show the fault is added to the bound and to the observation.
drill_alert_step() {
  local step=$1 expected=$2 node=$3 alert=$4 cond=$5 bound timeout result=PASS observed
  shift 5
  bound=$(alert_bound "$alert" "${STEP_EXTRA:-0}")
  timeout=${STEP_TIMEOUT:-$(awk -v b="$bound" 'BEGIN { printf "%d", 3 * b + 10 }')}
  [[ -n ${STEP_PEER:-} ]] && peer_poll_start "$timeout"
  watch firing "$node" "$alert" "$cond" "$timeout" "$@"
  if [[ -n ${STEP_PEER:-} ]]; then
    peer_poll_end
    bound=$(alert_bound "$alert" "$(awk -v x="${STEP_EXTRA:-0}" -v p="${PEER_DELAY/-/99}" 'BEGIN { print x + p }')")
  fi
  [[ $W_DETECT != - && $W_ALERT != - && $W_NOTIFY != - ]] && le "$W_ALERT" "$bound" || result=FAIL
  observed="$alert $([[ $W_ALERT == - ]] && echo 'not firing' || echo firing) on ${DRILL_NODE_NAME[$node]}"
  [[ -n ${STEP_PEER:-} ]] && observed+=" (the peer showed the fault after $PEER_DELAY s)"
  [[ $W_DETECT == - ]] && observed+=" (fault not seen in the metrics)"
  [[ $W_NOTIFY == - ]] && observed+=", no notification" || observed+=", webhook received"
  drill_record "$step" "$expected" "$observed" "$W_DETECT" "$W_ALERT" "$W_NOTIFY" "$bound" "$result"
}

# Polls `eval STEP_PEER` every 100 ms in the background (peer_poll_start TIMEOUT); peer_poll_end
# waits for it and sets PEER_DELAY (s after t0, or "-").
peer_poll_start() {
  PEER_FILE=$TMP/peer.$RANDOM
  (
    end=$((SECONDS + $1))
    until eval "$STEP_PEER"; do
      ((SECONDS < end)) || exit 0
      sleep 0.1
    done
    now >"$PEER_FILE"
  ) &
  PEER_POLL_PID=$!
}
peer_poll_end() {
  wait "$PEER_POLL_PID" 2>/dev/null || true
  PEER_DELAY=-
  [[ -s $PEER_FILE ]] && PEER_DELAY=$(since "$T0" "$(<"$PEER_FILE")")
  return 0
}

# drill_resolve_step STEP EXPECTED NODE ALERT [LABEL="VALUE"...] : after drill_fault marked the fix,
# ALERT gone from NODE's alert API within a collector run + two evaluation ticks (+ slack; as for
# firing, without `for`), and its resolved notification. The detection column is that time.
drill_resolve_step() {
  local step=$1 expected=$2 node=$3 alert=$4 bound result=PASS observed
  shift 4
  bound=$(awk -v i="$DRILL_INTERVAL" -v e="$DRILL_EVAL" -v s="$DRILL_SLACK" -v x="${STEP_EXTRA:-0}" \
    'BEGIN { printf "%.1f", i + 2 * e + s + x }')
  watch resolved "$node" "$alert" "" "${STEP_TIMEOUT:-30}" "$@"
  [[ $W_ALERT != - && $W_NOTIFY != - ]] && le "$W_ALERT" "$bound" || result=FAIL
  observed="$alert $([[ $W_ALERT == - ]] && echo 'still active' || echo resolved)"
  [[ $W_NOTIFY == - ]] && observed+=", no resolved notification" || observed+=", resolved webhook received"
  drill_record "$step" "$expected" "$observed" "$W_ALERT" "-" "$W_NOTIFY" "$bound" "$result"
}

# drill_check STEP EXPECTED OBSERVED CONDITION : a row for a check without timing; passes when
# `eval CONDITION` succeeds.
drill_check() {
  local result=FAIL
  if eval "$4"; then result=PASS; fi
  drill_record "$1" "$2" "$3" "-" "-" "-" "-" "$result"
}

# drill_seen_step STEP EXPECTED OBSERVED NODE DETECT : a state change that raises no alert (the
# default route moving, a new VRRP master): DETECT ('SELECTOR OP VALUE') seen in NODE's /metrics
# within a collector interval + slack (+ STEP_EXTRA, + the peer's own delay with STEP_PEER).
drill_seen_step() {
  local step=$1 expected=$2 observed=$3 node=$4 detect=$5 bound result=PASS
  bound=$(awk -v i="$DRILL_INTERVAL" -v s="$DRILL_SLACK" -v x="${STEP_EXTRA:-0}" 'BEGIN { printf "%.1f", i + s + x }')
  [[ -n ${STEP_PEER:-} ]] && peer_poll_start "${STEP_TIMEOUT:-20}"
  watch firing "$node" - "$detect" "${STEP_TIMEOUT:-20}"
  if [[ -n ${STEP_PEER:-} ]]; then
    peer_poll_end
    bound=$(awk -v b="$bound" -v p="${PEER_DELAY/-/99}" 'BEGIN { printf "%.1f", b + p }')
    observed+=" (the peer showed it after $PEER_DELAY s)"
  fi
  [[ $W_DETECT != - ]] && le "$W_DETECT" "$bound" || result=FAIL
  [[ $W_DETECT == - ]] && observed="not seen: $observed"
  drill_record "$step" "$expected" "$observed" "$W_DETECT" "-" "-" "$bound" "$result"
}

# drill_finish : prints what the sink received, then exits 1 if any step failed.
drill_finish() {
  if [[ -n $DRILL_SINK ]]; then
    local node
    for node in n1 n2; do
      log_note "notifications from ${DRILL_NODE_NAME[$node]}: $("$PY" "$DRILL_HERE/sink_query.py" alerts "$DRILL_SINK" "/$node" 0 | paste -sd, -)"
    done
  fi
  ok "scenario $DRILL_SCENARIO finished"
  # From the table, not DRILL_FAILED alone: steps may have run in background subshells.
  ! awk -F'\t' -v s="$DRILL_SCENARIO" '$1 == s && $NF != "PASS" { bad = 1 } END { exit !bad }' "$DRILL_RESULTS" ||
    DRILL_FAILED=1
  ((DRILL_FAILED == 0)) || fail "a step of $DRILL_SCENARIO failed (see the rows above)"
}
