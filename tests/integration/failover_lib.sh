# Helpers for the failover tests (test_failover*.sh), sourced after lib.sh: an HTTP app whose
# health the test switches, a DNS record kept in a file behind the exec hook
# (tests/fixtures/failover/file_record.sh, a compare-and-swap under flock), a webhook sink for
# the transition alerts, and readers of the failover API.

RECORD_SH=$HAWATCH_FIXTURES/failover/file_record.sh
PRIMARY=127.0.0.10
BACKUP=127.0.0.20

# start_app NAME : a static HTTP server on a free loopback port serving NAME's /health while the
# test wants it healthy; sets APP_PORT and APP_DIR_<NAME>.
start_app() {
  local name=$1 dir=$TMP/app-$1
  mkdir -p "$dir"
  echo ok >"$dir/health"
  APP_PORT=$(free_port)
  start_bg "app-$name" "$TMP/app-$name.log" "$PY" -m http.server --bind 127.0.0.1 \
    --directory "$dir" "$APP_PORT"
  wait_until 10 "app $name listening" "curl -fsS -o /dev/null http://127.0.0.1:$APP_PORT/health"
}
# The app's health check answers 404 (fails) or 200 again.
app_fail() { rm -f "$TMP/app-$1/health"; }
app_heal() { echo ok >"$TMP/app-$1/health"; }

# new_record NAME VALUE : a record file holding VALUE; sets REC (its path) and REC_LOG (the log of
# every update call).
new_record() {
  REC=$TMP/record-$1
  REC_LOG=$TMP/record-$1.log
  printf '%s\n' "$2" >"$REC"
  : >"$REC_LOG"
}
record_value() { cat "$1"; }
# Successful changes in a record's log.
record_changes() { grep -c -- '-> ok$' "$1" || true; }

# start_webhook_sink : the alerting tests' webhook receiver on a free port; sets SINK_PORT, SINK_DIR.
start_webhook_sink() {
  SINK_PORT=$(free_port)
  SINK_DIR=$TMP/sink
  start_bg sink "$TMP/sink.log" "$PY" "$HAWATCH_FIXTURES/alerting/webhook_sink.py" "$SINK_DIR" \
    "$SINK_PORT" 200
  wait_until 10 "webhook sink listening" "grep -q listening '$TMP/sink.log'"
}
# The transition alerts the sink received, one line each: "status from->to group".
sink_transitions() {
  local f
  for f in "$SINK_DIR"/[0-9]*.json; do
    [[ -e $f && $f != *.headers.json ]] || continue
    jq -r '.alerts[] | select(.labels.alertname == "FailoverTransition") |
      "\(.status) \(.labels.from)->\(.labels.to) \(.labels.group)"' "$f"
  done
}

# exec_update WHO [EXTRA_YAML] : the `update:` block for the record $REC (query command included).
exec_update() {
  cat <<YAML
      exec:
        command: [$RECORD_SH, set, $REC, $REC_LOG, $1, "{{old}}", "{{new}}"]
        query_command: [$RECORD_SH, get, $REC]
        timeout: 5s
${2:-}
YAML
}

# group_field GROUP FIELD : a field of GROUP in GET /api/v1/failover of the daemon started last.
group_field() {
  hcurl /api/v1/failover |
    jq -r --arg g "$1" --arg f "$2" '.groups[] | select(.name == $g) | .[$f]'
}

# The daemon's hawatch_failover_state for GROUP ("" when not served).
failover_state() { sample_value "$(scrape)" "hawatch_failover_state{group=\"$1\"}"; }

# ---- a real BIND serving the record (tests/fixtures/dns/bind_fixture.sh) -----------------------
# start_bind : named for zone test.example (vip A $PRIMARY), updates signed with
# $BIND_DIR/keys/ddns.key; sets BIND_PORT, BIND_DIR, BIND_PID. Restartable: start_bind again
# after stop_bind serves the zone as the journal left it.
start_bind() {
  BIND_DIR=$TMP/bind
  if [[ ! -e $BIND_DIR/named.conf ]]; then
    require_cmd named dig tsig-keygen named-checkconf named-checkzone
    BIND_PORT=$(free_port)
    bash "$HAWATCH_FIXTURES/dns/bind_fixture.sh" prepare "$BIND_DIR" "$BIND_PORT" >/dev/null
  fi
  start_bg named "$TMP/named.log" named -g -4 -n 1 -c "$BIND_DIR/named.conf"
  BIND_PID=$BG_PID
  bash "$HAWATCH_FIXTURES/dns/bind_fixture.sh" wait "$BIND_PORT"
}
stop_bind() { stop_process "$BIND_PID"; }
# The A values BIND serves for NAME, sorted, space-separated ("" when none or no answer).
served() {
  dig +short +time=1 +tries=1 @127.0.0.1 -p "$BIND_PORT" "$1" A 2>/dev/null | sort | paste -sd' '
}
# The zone's SOA serial.
soa_serial() {
  dig +short +time=1 +tries=1 @127.0.0.1 -p "$BIND_PORT" test.example SOA | awk '{ print $3 }'
}
# The `update:` block for the rfc2136 hook on that BIND, with its TSIG key.
rfc2136_update() {
  cat <<YAML
      rfc2136: { server: "127.0.0.1:$BIND_PORT", tsig_key_file: "$BIND_DIR/keys/ddns.key", timeout: 1s }
YAML
}
