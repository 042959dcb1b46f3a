#!/usr/bin/env bash
# The config file in odd states — missing, unreadable (hawatch runs as nobody), a directory, a
# FIFO (must not block the open: no writer ever comes), a symlink loop — at start-up (the daemon
# and --check-config exit 1 at once with an error naming the file and the cause) and at SIGHUP
# (the reload is refused with that error, the old config keeps running, the status page and
# hawatch_config_last_reload_successful say so; the good file back → reload succeeds).
# The same for --web.config.file at start-up.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd setpriv mkfifo timeout
[[ $(id -u) == 0 ]] || fail "needs root: the unreadable case runs hawatch as nobody (root reads anything)"

chmod 755 "$TMP"
CFG=$TMP/conf/hawatch.yml
mkdir -p "$TMP/conf"
chown nobody "$TMP/conf"
AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
good() {
  rm -rf "$CFG"
  printf 'global: { node_name: odd-files }\ncollectors:\n  node: { interval: 1s }\n' >"$CFG.new"
  chmod 644 "$CFG.new"
  mv "$CFG.new" "$CFG"
}
# make_odd KIND : puts the config path into that state; sets CAUSE (what the error must say).
make_odd() {
  rm -rf "$CFG"
  case $1 in
    missing) CAUSE="No such file or directory" ;;
    unreadable) good; chmod 000 "$CFG"; CAUSE="Permission denied" ;;
    directory) mkdir "$CFG"; CAUSE="is a directory, not a regular file" ;;
    fifo) mkfifo "$CFG"; chmod 666 "$CFG"; CAUSE="is a FIFO, not a regular file" ;;
    symlink-loop) ln -s "$CFG" "$CFG"; CAUSE="Too many levels of symbolic links" ;;
  esac
}
KINDS=(missing unreadable directory fifo symlink-loop)

# ---- at start-up ----------------------------------------------------------------------------------
for kind in "${KINDS[@]}"; do
  make_odd "$kind"
  for mode in --check-config daemon; do
    args=("--config.file=$CFG" "--web.listen-address=127.0.0.1:$(free_port)")
    [[ $mode == --check-config ]] && args=(--check-config "--config.file=$CFG")
    run_capture timeout 10 "${AS_NOBODY[@]}" "$HAWATCH_BIN" "${args[@]}"
    assert_eq 1 "$RC" "start-up, config $kind ($mode): exit status 1, at once (not blocked)"
    assert_contains "$OUT$ERR" "$CFG" "start-up, config $kind ($mode): the error names the file"
    assert_contains "$OUT$ERR" "$CAUSE" "start-up, config $kind ($mode): the error says \"$CAUSE\""
  done
done

WEB=$TMP/conf/web.yml
for kind in directory fifo symlink-loop; do
  rm -rf "$WEB"
  case $kind in
    directory) mkdir "$WEB"; cause="is a directory" ;;
    fifo) mkfifo "$WEB"; chmod 666 "$WEB"; cause="is a FIFO" ;;
    symlink-loop) ln -s "$WEB" "$WEB"; cause="Too many levels of symbolic links" ;;
  esac
  good
  run_capture timeout 10 "${AS_NOBODY[@]}" "$HAWATCH_BIN" "--config.file=$CFG" \
    "--web.config.file=$WEB" "--web.listen-address=127.0.0.1:$(free_port)"
  assert_eq 1 "$RC" "start-up, web config $kind: exit status 1, at once"
  assert_contains "$ERR$OUT" "$cause" "start-up, web config $kind: the error says \"$cause\""
done
rm -rf "$WEB"

# ---- at reload ------------------------------------------------------------------------------------
good
HAWATCH_LAUNCH=("${AS_NOBODY[@]}")
start_hawatch "--config.file=$CFG"
metric() { sample_value "$(scrape)" "$1"; }
wait_until 10 "node collector running" '[[ $(metric "hawatch_collector_success{collector=\"node\"}") == 1 ]]'
for kind in "${KINDS[@]}"; do
  make_odd "$kind"
  before=$(grep -c 'configuration reload failed' "$HAWATCH_LOG" || true)
  kill -HUP "$HAWATCH_PID"
  wait_until 10 "reload of a $kind config refused" \
    '(( $(grep -c "configuration reload failed" "$HAWATCH_LOG" || true) > before ))'
  line=$(grep 'configuration reload failed' "$HAWATCH_LOG" | tail -n1)
  assert_contains "$line" "$CAUSE" "reload, config $kind: the log says \"$CAUSE\""
  assert_contains "$line" "$CFG" "reload, config $kind: the log names the file"
  assert_contains "$line" "keeping the previous configuration" "reload, config $kind: old config kept"
  alive "$HAWATCH_PID" || fail "hawatch died on a $kind config at reload"
  assert_eq 0 "$(metric hawatch_config_last_reload_successful)" "reload, config $kind: reload_successful 0"
  t0=$(metric 'hawatch_collector_last_success_timestamp_seconds{collector="node"}')
  wait_until 10 "the old config's node collector still runs" \
    '[[ $(metric "hawatch_collector_last_success_timestamp_seconds{collector=\"node\"}") != "$t0" ]]'
  ok "reload, config $kind: the old config keeps running (node collector still runs every second)"
  assert_contains "$(hcurl /)" "last configuration reload failed" "reload, config $kind: the status page says so"
done
good
kill -HUP "$HAWATCH_PID"
wait_until 10 "good config reloaded" '[[ $(metric hawatch_config_last_reload_successful) == 1 ]]'
ok "the good file back: reload succeeds (reload_successful 1)"
assert_file_contains "$HAWATCH_LOG" 'msg="configuration reloaded"' "the successful reload is logged"
