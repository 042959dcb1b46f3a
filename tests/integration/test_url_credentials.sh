#!/usr/bin/env bash
# Credentials in URLs (user:password and query tokens) of http and peer probes, litestream's
# metrics_url and what an exec check prints are never shown: not in the log (debug level), not
# on the status page, not in /metrics, not in --check-config's errors.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd sqlite3

PW=pr0be-s3cret TOKEN=qu3ry-t0ken
closed=$(free_port)  # nothing listens there: every fetch fails and reports its URL
mkdir -p "$TMP/replica"
sqlite3 "$TMP/app.db" 'CREATE TABLE t (x); INSERT INTO t VALUES (1);'
printf '#!/bin/sh\necho "CRITICAL - cannot reach https://admin:%s@127.0.0.1:%s/x?token=%s"\nexit 2\n' \
  "$PW" "$closed" "$TOKEN" >"$TMP/check.sh"
chmod +x "$TMP/check.sh"
cat >"$TMP/hawatch.yml" <<YAML
collectors:
  node: { enabled: false }
  probes:
    - { name: app, interval: 1s, http: { url: "http://admin:$PW@127.0.0.1:$closed/health?token=$TOKEN" } }
    - { name: peer, interval: 1s, peer: { url: "http://peer:$PW@127.0.0.1:$closed/-/healthy?token=$TOKEN" } }
  litestream:
    - { name: db, db_path: $TMP/app.db, replica_path: $TMP/replica, metrics_url: "http://127.0.0.1:$closed/metrics?token=$TOKEN" }
plugins:
  exec:
    - { name: leaky, command: [$TMP/check.sh], interval: 1s, timeout: 1s }
YAML
start_hawatch --config.file="$TMP/hawatch.yml" --log.level=debug
wait_until 10 "every unit reported" '[[ $(hstatus /-/ready) == 200 ]]'
sleep 2  # a few rounds of failures, each logged
m=$(scrape)
status=$(hcurl /)
assert_match "$m" '^hawatch_probe_success\{probe="app"\} 0' "the http probe failed (its error carries the URL)"
assert_contains "$status" "litestream/db" "the status page lists the failing units"
stop_process "$HAWATCH_PID"
log=$(cat "$HAWATCH_LOG")
assert_contains "$log" "127.0.0.1:$closed" "the log names the failing URLs' hosts"
for secret in "$PW" "$TOKEN"; do
  assert_not_contains "$log" "$secret" "the log never shows $secret"
  assert_not_contains "$status" "$secret" "the status page never shows $secret"
  assert_not_contains "$m" "$secret" "/metrics never shows $secret"
done

# A URL that does not parse is reported without its secrets too.
cat >"$TMP/bad.yml" <<YAML
collectors:
  probes:
    - { name: app, http: { url: "http://admin:$PW@bad host/?token=$TOKEN" } }
YAML
run_capture "$HAWATCH_BIN" --check-config --config.file="$TMP/bad.yml"
assert_eq 1 "$RC" "--check-config refuses the bad URL"
assert_match "$ERR" "bad.yml:[0-9]+:[0-9]+: .*bad URL" "the error names the URL's position"
assert_not_contains "$ERR$OUT" "$PW" "--check-config never shows the password"
assert_not_contains "$ERR$OUT" "$TOKEN" "--check-config never shows the token"
