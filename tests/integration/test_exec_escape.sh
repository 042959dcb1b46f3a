#!/usr/bin/env bash
# Exec check processes that leave their process group with setsid do not outlive their check:
# not when the check exits, not when it times out, not when the daemon stops (SIGTERM) while the
# check still runs. No zombies are left either.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

check=$HAWATCH_FIXTURES/hostile/escape_check.sh
gone() { ! kill -0 "$1" 2>/dev/null; }  # not even a zombie: reaped
zombies_of() { ps -o stat= --ppid "$1" | grep -c '^Z' || true; }

cat >"$TMP/hawatch.yml" <<YAML
collectors: { node: { enabled: false } }
plugins:
  exec:
    - { name: exits, command: [$check, $TMP/exits.pid, "0"], interval: 30s, timeout: 5s }
    - { name: times_out, command: [$check, $TMP/times_out.pid, "3000"], interval: 30s, timeout: 1s }
YAML
start_hawatch --config.file="$TMP/hawatch.yml"
wait_until 10 "both checks wrote their helpers' pids" '[[ -s $TMP/exits.pid && -s $TMP/times_out.pid ]]'
exits=$(<"$TMP/exits.pid") times_out=$(<"$TMP/times_out.pid")
wait_until 5 "the helper of the check that exited is gone" 'gone "$exits"'
ok "the setsid helper of a check that exited was killed and reaped"
wait_until 5 "the helper of the check that timed out is gone" 'gone "$times_out"'
ok "the setsid helper of a check that timed out was killed and reaped"
wait_until 5 "the check that timed out is gone" 'gone "$(<"$TMP/times_out.pid.main")"'
ok "the check that timed out was killed and reaped"
m=$(scrape)
assert_eq 1 "$(sample_value "$m" 'hawatch_plugin_timeouts_total{plugin="times_out",check="times_out"}')" \
  "the timeout was counted"
assert_eq 0 "$(zombies_of "$HAWATCH_PID")" "no zombie children of the daemon"
stop_process "$HAWATCH_PID"
assert_eq 0 "$EXIT_STATUS" "exit status after SIGTERM"

# A check still running at SIGTERM: it and its escaped helper go with the daemon.
cat >"$TMP/running.yml" <<YAML
collectors: { node: { enabled: false } }
plugins:
  exec:
    - { name: running, command: [$check, $TMP/running.pid, "3000"], interval: 30s, timeout: 20s }
YAML
start_hawatch --config.file="$TMP/running.yml"
wait_until 10 "the check wrote its helper's pid" '[[ -s $TMP/running.pid ]]'
running=$(<"$TMP/running.pid") main=$(<"$TMP/running.pid.main")
sleep 0.5
kill -0 "$running" 2>/dev/null || fail "the running check's helper died early (test is void)"
ok "a running check's helper lives while its check runs"
stop_process "$HAWATCH_PID"
assert_eq 0 "$EXIT_STATUS" "exit status after SIGTERM with a check running"
for pid in "$running" "$main"; do
  gone "$pid" || { kill -KILL "$pid"; fail "process $pid of a check running at SIGTERM outlived the daemon"; }
done
ok "a check running at SIGTERM and its setsid helper were killed with the daemon"
