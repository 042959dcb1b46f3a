#!/usr/bin/env bash
# The systemd notification protocol without systemd: hawatch sends READY=1 once /metrics is
# served, WATCHDOG=1 while WATCHDOG_USEC/WATCHDOG_PID name it, RELOADING=1/READY=1 around a
# SIGHUP, and STOPPING=1 on SIGTERM.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# notify_listener NAME : a unix datagram socket at $TMP/NAME.sock; every datagram is appended to
# $TMP/NAME.msgs as "<monotonic seconds> <message with newlines as |>".
notify_listener() {
  local sock=$TMP/$1.sock msgs=$TMP/$1.msgs
  : >"$msgs"
  start_bg "notify-$1" "$TMP/$1.listener.log" "$PY" -u -c '
import os, socket, sys, time
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
print("listening", flush=True)
with open(out, "a") as f:
    while True:
        data = s.recv(65536)
        f.write("%.6f %s\n" % (time.monotonic(), data.decode("utf-8", "replace").strip().replace("\n", "|")))
        f.flush()
' "$sock" "$msgs"
  wait_until 5 "notify listener $1" "grep -q listening '$TMP/$1.listener.log'"
}
count() { grep -c -- "$2" "$TMP/$1.msgs" || true; }

# ---- 1. READY, WATCHDOG, RELOADING, STOPPING --------------------------------------------------
notify_listener main
port=$(free_port)
url=http://127.0.0.1:$port
# exec keeps the PID, so WATCHDOG_PID=$$ names hawatch itself.
start_bg hawatch "$TMP/hawatch.log" env NOTIFY_SOCKET="$TMP/main.sock" WATCHDOG_USEC=500000 \
  bash -c 'export WATCHDOG_PID=$$; exec "$@"' wrapper \
  "$HAWATCH_BIN" --web.listen-address="127.0.0.1:$port"
pid=$BG_PID
HAWATCH_LOG=$TMP/hawatch.log

# Only look at HTTP once READY=1 is in: from then on /metrics must answer at the first try.
wait_until 10 "READY=1" "[[ \$(count main 'READY=1') -ge 1 ]] || { alive $pid || fail 'hawatch exited'; false; }"
ok "READY=1 received"
status=$(curl -s -o "$TMP/metrics.txt" -w '%{http_code}' --max-time 5 "$url/metrics" || true)
assert_eq 200 "$status" "/metrics answers right after READY=1"
assert_file_contains "$TMP/metrics.txt" "hawatch_build_info{" "/metrics has content right after READY=1"
ready_line=$(grep -m1 'READY=1' "$TMP/main.msgs")
assert_contains "$ready_line" "STATUS=" "READY=1 carries a STATUS"
first_ready=$(grep -m1 -n 'READY=1' "$TMP/main.msgs" | cut -d: -f1)
assert_eq 0 "$(head -n "$((first_ready - 1))" "$TMP/main.msgs" | grep -c 'WATCHDOG=1' || true)" \
  "no WATCHDOG=1 before READY=1"

# WATCHDOG_USEC=500000: a keep-alive at least every 250 ms.
sleep 2
n=$(count main 'WATCHDOG=1')
((n >= 4)) || fail "only $n WATCHDOG=1 in 2 s with WATCHDOG_USEC=500000"
ok "$n WATCHDOG=1 messages in ~2 s"
# The typical gap must be half of WATCHDOG_USEC (a daemon pinging at WATCHDOG_USEC itself would
# show 0.5 s); a single late one only below 1 s, as one busy moment of a loaded CI box can make it.
gaps=$(awk '/WATCHDOG=1/ { if (prev) printf "%.3f\n", $1 - prev; prev = $1 }' "$TMP/main.msgs" | sort -n)
median_gap=$(sed -n "$((($(wc -l <<<"$gaps") + 1) / 2))p" <<<"$gaps")
max_gap=$(tail -n1 <<<"$gaps")
awk -v g="$median_gap" 'BEGIN { exit !(g < 0.4) }' || fail "median gap $median_gap s between WATCHDOG=1 (expected ~0.25 s)"
awk -v g="$max_gap" 'BEGIN { exit !(g < 1.0) }' || fail "a gap of $max_gap s between WATCHDOG=1"
ok "gaps between WATCHDOG=1: median $median_gap s (~WATCHDOG_USEC/2), largest $max_gap s"

# SIGHUP: RELOADING=1 then READY=1 again.
ready_before=$(count main 'READY=1')
kill -HUP "$pid"
wait_until 10 "READY=1 after SIGHUP" "[[ \$(count main 'READY=1') -gt $ready_before ]]"
reloading=$(grep -n 'RELOADING=1' "$TMP/main.msgs" | tail -1 | cut -d: -f1)
last_ready=$(grep -n 'READY=1' "$TMP/main.msgs" | tail -1 | cut -d: -f1)
[[ -n $reloading ]] || fail "no RELOADING=1 on SIGHUP: $(cat "$TMP/main.msgs")"
((reloading < last_ready)) || fail "RELOADING=1 did not come before the new READY=1"
ok "SIGHUP: RELOADING=1 then READY=1"
# Type=notify-reload wants the reload's CLOCK_MONOTONIC time in the same message.
assert_match "$(grep 'RELOADING=1' "$TMP/main.msgs" | tail -1)" ' RELOADING=1\|MONOTONIC_USEC=[0-9]+$' \
  "RELOADING=1 carries MONOTONIC_USEC"

# SIGTERM: STOPPING=1, then a clean exit.
kill -TERM "$pid"
wait_exit "$pid" 10
assert_eq 0 "$EXIT_STATUS" "exit status 0 after SIGTERM"
assert_eq 1 "$(count main 'STOPPING=1')" "STOPPING=1 received once"
stopping=$(grep -n 'STOPPING=1' "$TMP/main.msgs" | cut -d: -f1)
assert_eq "$stopping" "$(grep -c . "$TMP/main.msgs")" "STOPPING=1 is the last message"

# ---- 2. WATCHDOG_PID naming another process: no keep-alives ------------------------------------
notify_listener other
port=$(free_port)
start_bg hawatch-other-pid "$TMP/hawatch-other.log" env NOTIFY_SOCKET="$TMP/other.sock" \
  WATCHDOG_USEC=500000 WATCHDOG_PID=1 "$HAWATCH_BIN" --web.listen-address="127.0.0.1:$port"
pid=$BG_PID
wait_until 10 "READY=1" "[[ \$(count other 'READY=1') -ge 1 ]] || { alive $pid || fail 'hawatch exited'; false; }"
sleep 1.2
assert_eq 0 "$(count other 'WATCHDOG=1')" "WATCHDOG_PID of another process: no WATCHDOG=1"
stop_process "$pid"
assert_eq 0 "$EXIT_STATUS" "exit status 0 after SIGTERM"
assert_eq 1 "$(count other 'STOPPING=1')" "STOPPING=1 received"

# ---- 3. no NOTIFY_SOCKET at all: runs normally ------------------------------------------------
HAWATCH_LAUNCH=(env -u NOTIFY_SOCKET -u WATCHDOG_USEC -u WATCHDOG_PID)
start_hawatch
assert_eq 200 "$(hstatus /metrics)" "without NOTIFY_SOCKET /metrics is served"
stop_process "$HAWATCH_PID"
assert_eq 0 "$EXIT_STATUS" "without NOTIFY_SOCKET: exit status 0 after SIGTERM"
