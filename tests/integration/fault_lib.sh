# shellcheck shell=bash
# The fault matrix's shared steps, sourced after lib.sh by tests/integration/test_fault_*.sh.
#
# Each test starts one real dependency and a hawatch watching it, then for each fault
# (stopped, hung = accepts and never answers, garbage = answers nonsense):
#   fault_begin FAULT                      # after breaking the dependency
#   fault_expect_down                      # the daemon keeps serving, the up metric goes 0, the
#                                          # status page names a reason, scrapes stay within 2x
#                                          # the healthy baseline
#   ...restore the real dependency...
#   fault_expect_recovered                 # up 1 again by itself; the recovery time is recorded
# One table row per fault goes to the log and, when FAULT_TABLE is set, is appended to that file
# (markdown: dependency | fault | outcome | reason | scrape p50/max | recovery).
#
#   fault_init DEPENDENCY UP_SELECTOR COLLECTOR
#       UP_SELECTOR: the sample that must go 0 (e.g. 'hawatch_ups_up{ups="nut1"}');
#       COLLECTOR: its hawatch_collector_* name / status-page row (e.g. nut/nut1).
#   start_fault_peer hang|garbage tcp:127.0.0.1:PORT|unix:PATH    (stopped by stop_fault_peer
#       or at exit)

FAULT_PEER=$HAWATCH_FIXTURES/faults/fault_peer.py
FAULT_DOWN_WITHIN=${FAULT_DOWN_WITHIN:-20}       # generous: a loaded box, timeouts of 1–2 s
FAULT_RECOVER_WITHIN=${FAULT_RECOVER_WITHIN:-30}

fault_init() {
  FAULT_DEP=$1 FAULT_UP=$2 FAULT_COLLECTOR=$3
  wait_until 30 "$FAULT_DEP healthy ($FAULT_UP 1)" '[[ $(sample_value "$(scrape)" "$FAULT_UP") == 1 ]]'
  ok "$FAULT_DEP: healthy, $FAULT_UP 1"
  scrape_baseline 20
  FAULT_BASELINE_P50=$SCRAPE_BASELINE_P50
}

start_fault_peer() {  # MODE ADDRESS
  FAULT_PEER_LOG=$TMP/fault-peer.$1.log
  start_bg "fault-peer-$1" "$FAULT_PEER_LOG" "$PY" "$FAULT_PEER" "$1" "$2"
  FAULT_PID=$BG_PID
  wait_until 10 "fault peer ($1 on $2) ready" 'grep -q ready "$FAULT_PEER_LOG"'
}

stop_fault_peer() {
  [[ -n ${FAULT_PID:-} ]] && stop_process "$FAULT_PID" TERM 5
  FAULT_PID=
}

fault_begin() {  # FAULT
  FAULT_NAME=$1
  FAULT_T0=$(date +%s%N)
}

_fault_seconds_since() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }

# The status page's error cell for COLLECTOR (empty when the row is missing or has none).
status_reason() {  # COLLECTOR
  hcurl / | COL=$1 awk 'BEGIN { c = ENVIRON["COL"] }
    index($0, "<td>" c "</td>") { n = split($0, cells, "<td>"); r = cells[n]; sub(/<\/td>.*/, "", r)
      gsub(/&quot;/, "\"", r); gsub(/&#39;/, "'\''", r); gsub(/&lt;/, "<", r); gsub(/&gt;/, ">", r); gsub(/&amp;/, "\\&", r); print r; exit }'
}

# The "Why" cell of the status page's Subsystems row ID (data-subsystem="ID"), for a dependency
# whose failure is not a collector's (a probe's target): set FAULT_REASON_OF=subsystem_reason and
# pass ID as fault_init's COLLECTOR.
subsystem_reason() {  # ID
  hcurl / | ID=$1 awk 'BEGIN { id = "data-subsystem=\"" ENVIRON["ID"] "\"" }
    index($0, id) { n = split($0, cells, "<td>"); r = cells[n - 1]; sub(/<\/td>.*/, "", r)
      gsub(/&quot;/, "\"", r); gsub(/&#39;/, "'\''", r); gsub(/&lt;/, "<", r); gsub(/&gt;/, ">", r); gsub(/&amp;/, "\\&", r); print r; exit }'
}

fault_expect_down() {
  local what="$FAULT_DEP $FAULT_NAME"
  wait_until "$FAULT_DOWN_WITHIN" "$what: $FAULT_UP 0" \
    '[[ $(sample_value "$(scrape)" "$FAULT_UP") == 0 ]]'
  FAULT_DETECTED=$(_fault_seconds_since "$FAULT_T0")
  ok "$what: $FAULT_UP 0 after ${FAULT_DETECTED}s"
  alive "$HAWATCH_PID" || fail "$what: hawatch died"
  assert_eq 200 "$(hstatus /-/healthy)" "$what: /-/healthy still 200"
  # A few more runs against the broken dependency: it stays down (no flapping), and the reason
  # recorded is the one this fault gives, not the one of the moment it broke.
  sleep "${FAULT_SETTLE:-4}"
  assert_eq 0 "$(sample_value "$(scrape)" "$FAULT_UP")" "$what: still 0 after several more runs"
  local reason=''
  wait_until 10 "$what: a reason on the status page for $FAULT_COLLECTOR" \
    'reason=$(${FAULT_REASON_OF:-status_reason} "$FAULT_COLLECTOR"); [[ -n $reason && $reason != "&ndash;" ]]'
  FAULT_REASON=$reason
  ok "$what: status page reason: $reason"
  hcurl / | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1 || fail "$what: the status page is not valid UTF-8"
  [[ -z $(hcurl / | LC_ALL=C tr -d '\n\t\040-\176\200-\377') ]] ||
    fail "$what: control characters on the status page"
  ok "$what: the status page stays valid UTF-8 without control characters"
  assert_scrapes_fast "$what" 10
  FAULT_SCRAPES="${SCRAPE_P50}/${SCRAPE_MAX}s"
}

fault_expect_recovered() {
  local what="$FAULT_DEP after $FAULT_NAME" t0
  t0=$(date +%s%N)
  wait_until "$FAULT_RECOVER_WITHIN" "$what: $FAULT_UP 1 again" \
    '[[ $(sample_value "$(scrape)" "$FAULT_UP") == 1 ]]'
  local recovery
  recovery=$(_fault_seconds_since "$t0")
  ok "$what: recovered by itself, $FAULT_UP 1 ${recovery}s after the dependency returned"
  local row reason=${FAULT_REASON//|/\\|}
  row="| $FAULT_DEP | $FAULT_NAME | up 0 after ${FAULT_DETECTED}s, serving | ${reason:0:90} | ${FAULT_SCRAPES} (base ${FAULT_BASELINE_P50}s) | ${recovery}s |"
  log_note "FAULT-ROW $row"
  [[ -n ${FAULT_TABLE:-} ]] && echo "$row" >>"$FAULT_TABLE"
  true
}

# ---- notification receivers (test_fault_webhook, test_fault_smtp, test_fault_alertmanager) -----
# One alert always firing, a notification every 2 s (repeat_interval), each tried at once: the
# receiver's state is known within seconds of a change, as on a site whose alerts keep firing.
#   receiver_fault_config RECEIVER_YAML   writes $TMP/hawatch.yml: receiver "sink" with
#       RECEIVER_YAML (its integration lines, indented for the receiver's mapping); the spool in
#       ${FAULT_SPOOL:-$TMP/state/spool}, plus the rule files in FAULT_RULE_FILES (", "-joined)
#   receiver_fault_matrix INTEGRATION UP_FN DOWN_FN [CHECK_FN]
#       with the real receiver listening on 127.0.0.1:$PORT (UP_FN starts it, DOWN_FN stops it):
#       each of stopped, hung, garbage through fault_lib's checks, the reason fitting the fault,
#       the Notifications row red naming the receiver, then green again after recovery, and
#       CHECK_FN FAULT (the receiver got notifications again); at the end the spool drained and
#       nothing was given up.
receiver_fault_config() {
  mkdir -p "$TMP/state"
  cat >"$TMP/rules.yml" <<'YAML'
groups:
  - name: fault
    interval: 1s
    rules:
      - alert: FaultReceiverDemo
        expr: vector(1)
YAML
  cat >"$TMP/hawatch.yml" <<YAML
global: { state_directory: $TMP/state, evaluation_interval: 1s }
collectors:
  node: { enabled: false }
rule_files: [ $TMP/rules.yml${FAULT_RULE_FILES:+, $FAULT_RULE_FILES} ]
alerting:
  route: { receiver: sink, group_by: [alertname], group_wait: 0s, group_interval: 1s, repeat_interval: 2s }
  receivers:
    - name: sink
$1
  spool_directory: ${FAULT_SPOOL:-$TMP/state/spool}
YAML
}

receiver_fault_matrix() {
  local integration=$1 up=$2 down=$3 check=${4:-true} fault page
  local sel="{receiver=\"sink\",integration=\"$integration\"}"
  local failing="notifications to sink ($integration) failing"
  wait_until 20 "a notification delivered" \
    '[[ $(sample_value "$(scrape)" "hawatch_notifications_delivered_total$sel") -ge 1 ]]'
  "$check" start
  fault_init "$integration receiver" "hawatch_notification_receiver_up$sel" "sink/$integration/0"
  for fault in stopped hung garbage; do
    fault_begin "$fault"
    "$down"
    [[ $fault == stopped ]] || start_fault_peer "${fault/hung/hang}" "tcp:127.0.0.1:$PORT"
    fault_expect_down
    case $fault in
      stopped) assert_match "$FAULT_REASON" 'onnect|refused' "stopped: the reason says the connection failed" ;;
      hung) assert_match "$FAULT_REASON" 'timed out|timeout' "hung: the reason says it timed out" ;;
      garbage) assert_no_match "$FAULT_REASON" 'timed out|timeout|onnect' \
        "garbage: the reason is the bad answer, not a timeout or a connection failure" ;;
    esac
    page=$(hcurl /)
    assert_contains "$page" 'data-subsystem="alerting" data-state="bad"' "$fault: the Notifications row is red"
    assert_contains "$page" "$failing" "$fault: ... and names the receiver"
    stop_fault_peer
    "$up"
    fault_expect_recovered
    wait_until 10 "$fault: the Notifications row green again" '[[ $(hcurl /) != *"$failing"* ]]'
    "$check" "$fault"
  done
  # Nothing silently dropped: every record the outages left in the spool is delivered once the
  # receiver is back (their retries back off, at most 5 min; these outages were seconds long).
  wait_until 90 "the spool drained" \
    '[[ $(sample_value "$(scrape)" hawatch_notification_queue_length) == 0 ]]'
  local m
  m=$(scrape)
  assert_eq 0 "$(sample_value "$m" "hawatch_notifications_given_up_total$sel")" "no notification was given up"
  RECEIVER_DELIVERED=$(sample_value "$m" "hawatch_notifications_delivered_total$sel")
  ok "every spooled notification delivered after the outages ($RECEIVER_DELIVERED delivered)"
}
