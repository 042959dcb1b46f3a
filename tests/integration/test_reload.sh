#!/usr/bin/env bash
# SIGHUP reloads the config file: a good change takes effect, a bad one is refused (the old config
# keeps running, the error names FILE:LINE:COL), fixing it recovers; SIGTERM stops cleanly.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd promtool

cfg=$TMP/hawatch.yml
extra=$TMP/extra-mount
mkdir -p "$extra"
write_config() {  # MOUNTPOINTS-YAML-LIST
  cat >"$cfg.new" <<EOF
global:
  node_name: reload-test
collectors:
  node:
    interval: 1s
    mountpoints: $1
EOF
  mv "$cfg.new" "$cfg"  # atomically, as an editor or config management would
}
has_series() { [[ -n $(sample_value "$(scrape)" "$1") ]]; }
metric() { sample_value "$(scrape)" "$1"; }
reloaded_ok() { [[ $(metric hawatch_config_last_reload_successful) == "$1" ]]; }
log_lines() { grep -c . "$HAWATCH_LOG" || true; }

write_config '["/"]'
start_hawatch --config.file="$cfg"
wait_until 10 "first collection" '[[ $(hstatus /-/ready) == 200 ]]'
assert_eq 1 "$(metric hawatch_config_last_reload_successful)" "reload status 1 after start-up"
has_series 'hawatch_node_filesystem_size_bytes{mountpoint="/"}' || fail "no series for / at start-up"
ok "series for / at start-up"
! has_series "hawatch_node_filesystem_size_bytes{mountpoint=\"$extra\"}" ||
  fail "series for $extra before it was configured"
ok "no series for $extra yet"
t0=$(metric hawatch_config_last_reload_success_timestamp_seconds)

# ---- 1. a good change -------------------------------------------------------------------------
sleep 0.2  # so that the success timestamp can move
write_config "[\"/\", \"$extra\"]"
kill -HUP "$HAWATCH_PID"
wait_until 10 "series for $extra after SIGHUP" \
  "has_series 'hawatch_node_filesystem_size_bytes{mountpoint=\"$extra\"}'"
ok "SIGHUP with a new mountpoint: its series appears"
assert_eq 1 "$(metric hawatch_config_last_reload_successful)" "reload status 1 after a good reload"
t1=$(metric hawatch_config_last_reload_success_timestamp_seconds)
awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b > a) }' || fail "success timestamp did not move ($t0 -> $t1)"
ok "last reload success timestamp moved forward"
wait_until 5 "reload logged" "grep -q 'msg=\"configuration reloaded\"' '$HAWATCH_LOG'"
ok "log says configuration reloaded"
assert_file_contains "$HAWATCH_LOG" "generation=2" "collectors restarted as generation 2"

# ---- 2. a bad change is refused -------------------------------------------------------------
cat >"$cfg.new" <<EOF
global:
  node_name: reload-test
collectors:
  node:
    interval: 1s
    mountpoints: ["/"]
    mountpoint_filter: nope
EOF
mv "$cfg.new" "$cfg"
before=$(log_lines)
kill -HUP "$HAWATCH_PID"
wait_until 10 "reload status 0 after a bad config" 'reloaded_ok 0'
ok "bad config: hawatch_config_last_reload_successful 0"
alive "$HAWATCH_PID" || fail "hawatch died on a bad reload"
ok "bad config: process still running"
assert_eq 200 "$(hstatus /-/healthy)" "bad config: still healthy"
errors=$(tail -n +"$((before + 1))" "$HAWATCH_LOG" | grep 'level=error' || true)
assert_match "$errors" "err=\"?$cfg:7:5: .*mountpoint_filter" "bad config: error line names $cfg:7:5"
assert_eq "$t1" "$(metric hawatch_config_last_reload_success_timestamp_seconds)" \
  "bad config: success timestamp unchanged"
# The old configuration keeps collecting: the series stays fresh across several runs.
c0=$(metric 'hawatch_collector_last_success_timestamp_seconds{collector="node"}')
sleep 2.5
m=$(scrape)
[[ -n $(sample_value "$m" "hawatch_node_filesystem_size_bytes{mountpoint=\"$extra\"}") ]] ||
  fail "the previous config's series for $extra vanished after a refused reload"
ok "bad config: the previous config's series are still served"
c1=$(sample_value "$m" 'hawatch_collector_last_success_timestamp_seconds{collector="node"}')
awk -v a="$c0" -v b="$c1" 'BEGIN { exit !(b > a) }' || fail "node collector stopped running ($c0 -> $c1)"
ok "bad config: the node collector keeps running"
assert_eq 1 "$(sample_value "$m" 'hawatch_collector_success{collector="node"}')" "bad config: node collector succeeds"
assert_eq 0 "$(sample_value "$m" hawatch_config_last_reload_successful)" "bad config: status stays 0"

# A syntax error is refused the same way.
printf 'global:\n  node_name: [unclosed\n' >"$cfg"
before=$(log_lines)
kill -HUP "$HAWATCH_PID"
wait_until 10 "error logged for a syntax error" \
  "tail -n +$((before + 1)) '$HAWATCH_LOG' | grep -q 'level=error'"
errors=$(tail -n +"$((before + 1))" "$HAWATCH_LOG" | grep 'level=error')
assert_match "$errors" "$cfg:[0-9]+:[0-9]+: " "syntax error: error line names FILE:LINE:COL"
alive "$HAWATCH_PID" || fail "hawatch died on a YAML syntax error"
ok "syntax error: process still running"

# A config file that disappeared is refused too.
rm -f "$cfg"
before=$(log_lines)
kill -HUP "$HAWATCH_PID"
wait_until 10 "error logged for a missing file" \
  "tail -n +$((before + 1)) '$HAWATCH_LOG' | grep -q 'level=error'"
assert_match "$(tail -n +"$((before + 1))" "$HAWATCH_LOG" | grep 'level=error')" "$cfg" \
  "missing file: error names the file"
assert_eq 0 "$(metric hawatch_config_last_reload_successful)" "missing file: status 0"

# ---- 3. fixing the config recovers --------------------------------------------------------------
write_config '["/"]'
kill -HUP "$HAWATCH_PID"
wait_until 10 "reload status back to 1" 'reloaded_ok 1'
ok "fixed config: hawatch_config_last_reload_successful 1"
wait_until 10 "series for $extra to go" \
  "! has_series 'hawatch_node_filesystem_size_bytes{mountpoint=\"$extra\"}'"
ok "fixed config without $extra: its series is gone"
has_series 'hawatch_node_filesystem_size_bytes{mountpoint="/"}' || fail "no series for / after the fix"
ok "series for / after the fix"
run_capture promtool check metrics <<<"$(scrape)"
[[ $RC == 0 && -z $OUT$ERR ]] || fail "metrics after reloads fail promtool: $OUT $ERR"
ok "metrics after reloads pass promtool"

# ---- 4. SIGTERM -------------------------------------------------------------------------------
start=$SECONDS
stop_process "$HAWATCH_PID" TERM 5
assert_eq 0 "$EXIT_STATUS" "SIGTERM: exit status 0"
ok "SIGTERM: exited within $((SECONDS - start)) s"
assert_match "$(tail -n 3 "$HAWATCH_LOG")" 'msg=stopped' "log ends with stopped"
assert_file_contains "$HAWATCH_LOG" 'msg=stopping signal=SIGTERM' "log says stopping on SIGTERM"
