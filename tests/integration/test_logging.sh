#!/usr/bin/env bash
# Log output on stderr: --log.format=json is one JSON object per line, logfmt lines have the
# ts/level/msg prefix, and --log.level filters.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# A config that makes every kind of line happen: a warning (an unimplemented section), values
# that need escaping, and — after a SIGHUP with a broken file — an error.
weird=$TMP/'dir with "quotes" and \back\slash'
mkdir -p "$weird"
cfg=$weird/hawatch.yml
node_name=$'pi "one" \\ tab\té'
cat >"$cfg" <<EOF
global:
  node_name: "pi \"one\" \\\\ tab\té"
collectors:
  node:
    interval: 1s
alerting:
  receivers: []
EOF

# run_and_stop LABEL ARGS... : start hawatch, SIGHUP it with a broken config, SIGTERM it; the log
# lands in $TMP/LABEL.log (stderr) and $TMP/LABEL.out (stdout).
run_and_stop() {
  local label=$1
  shift
  cp "$cfg" "$weird/$label.yml"
  HAWATCH_LAUNCH=(bash -c 'exec "$@" 2>"$0"' "$TMP/$label.log")
  start_hawatch --config.file="$weird/$label.yml" "$@"
  mv "$HAWATCH_LOG" "$TMP/$label.out"
  HAWATCH_LOG=$TMP/$label.log
  _BG_LOG[$HAWATCH_PID]=$HAWATCH_LOG
  printf 'global:\n  bogus_key: 1\n' >"$weird/$label.yml"
  kill -HUP "$HAWATCH_PID"
  wait_until 10 "refused reload" "[[ \$(sample_value \"\$(scrape)\" hawatch_config_last_reload_successful) == 0 ]]"
  stop_process "$HAWATCH_PID"
  [[ $EXIT_STATUS == 0 ]] || fail "$label: exit status $EXIT_STATUS after SIGTERM"
  [[ ! -s $TMP/$label.out ]] || fail "$label: unexpected output on stdout: $(cat "$TMP/$label.out")"
  ok "$label: ran, reloaded, stopped; nothing on stdout"
}

# ---- json ---------------------------------------------------------------------------------------
run_and_stop json --log.format=json
log=$TMP/json.log
lines=$(grep -c '' "$log")
((lines >= 6)) || fail "json: only $lines log lines"
lineno=0
while IFS= read -r line; do
  lineno=$((lineno + 1))
  jq -e 'type == "object" and (.ts | type == "string") and (.level | type == "string")
         and (.msg | type == "string") and ([.[] | type == "string"] | all)' \
    <<<"$line" >/dev/null 2>&1 || fail "json: line $lineno is not a JSON object with ts/level/msg: $line"
done <"$log"
ok "json: all $lines lines are JSON objects with string ts, level, msg"
assert_eq 0 "$(jq -r .level "$log" | grep -cvE '^(debug|info|warn|error)$' || true)" "json: levels are debug/info/warn/error"
assert_eq 0 "$(jq -r .ts "$log" | grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$' || true)" \
  "json: ts is RFC 3339 UTC"
assert_eq "$node_name" "$(jq -r 'select(.msg == "starting hawatch") | .node' "$log")" \
  "json: a node name with quotes, backslash, tab and UTF-8 survives escaping"
assert_eq "$weird/json.yml" "$(jq -r 'select(.msg == "starting hawatch") | .config' "$log")" \
  "json: a config path with quotes and backslashes survives escaping"
assert_eq "network,node" "$(jq -r 'select(.msg == "collectors started") | .collectors' "$log")" \
  "json: structured fields are their own keys (collectors started: collectors)"
assert_match "$(jq -r 'select(.level == "warn") | .msg + " " + (.warning // "")' "$log")" \
  'configuration .*json.yml:7:3: section "alerting" has no route' "json: a config warning names FILE:LINE:COL"
err=$(jq -r 'select(.level == "error") | .err' "$log")
assert_contains "$err" "$weird/json.yml:2:3: " "json: reload error names FILE:LINE:COL"
assert_contains "$err" "bogus_key" "json: reload error names the key"
assert_eq stopped "$(tail -n 1 "$log" | jq -r .msg)" "json: the last line is stopped"

# ---- logfmt (the default) -------------------------------------------------------------------------
run_and_stop logfmt
log=$TMP/logfmt.log
lines=$(grep -c '' "$log")
((lines >= 6)) || fail "logfmt: only $lines log lines"
bad=$(grep -vE '^ts=[^ ]+ level=(debug|info|warn|error) msg=' "$log" || true)
[[ -z $bad ]] || fail "logfmt: lines without the ts/level/msg prefix:
$bad"
ok "logfmt: all $lines lines start with ts= level= msg="
assert_match "$(cat "$log")" '^ts=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z level=info msg="starting hawatch" ' \
  "logfmt: the starting line"
assert_match "$(cat "$log")" 'node="pi \\"one\\" \\\\ tab\\té"' "logfmt: escaped node name"
assert_match "$(cat "$log")" 'level=error msg="configuration reload failed' "logfmt: the reload error"
assert_match "$(tail -n 1 "$log")" 'level=info msg=stopped$' "logfmt: the last line is stopped"

# ---- --log.level ----------------------------------------------------------------------------------
run_and_stop warn --log.level=warn
log=$TMP/warn.log
assert_not_contains "$(cat "$log")" 'starting hawatch' "warn level: no 'starting hawatch' line"
assert_no_match "$(cat "$log")" 'level=(debug|info) ' "warn level: no info or debug lines"
assert_match "$(cat "$log")" 'level=warn msg=configuration ' "warn level: warnings still logged"
assert_match "$(cat "$log")" 'level=error ' "warn level: errors still logged"

run_and_stop error --log.level=error --log.format=json
log=$TMP/error.log
assert_eq "error" "$(jq -r .level "$log" | sort -u | tr '\n' ' ' | xargs)" "error level: only error lines"

run_and_stop debug --log.level=debug
log=$TMP/debug.log
assert_match "$(cat "$log")" 'level=info msg="starting hawatch"' "debug level: info lines included"
