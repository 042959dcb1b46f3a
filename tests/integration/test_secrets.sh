#!/usr/bin/env bash
# Secrets never leak. Every secret-bearing option that exists is set to a recognisable secret
# ("hwsecret-..."), its peers fail in every way (closed port, garbage, a hostile peer that echoes
# what it was sent back in its error reply, a wrong-password login), and then everything hawatch
# says is searched: every log line at debug level (start-up, failing runs, a refused reload, a
# failed login), /metrics, the status page, the alert API, --check-config's output for the good
# config and for broken ones (a syntax error next to the secrets, a DSN that does not parse, a
# missing secret file) — zero hits. One positive check per kind shows that the option is live (the
# bearer token and basic-auth password do arrive at the HTTP peer), so "zero hits" is not the
# trivial result of an option being ignored.
#
# Secret-bearing options covered (SECURITY.md lists them):
#   --web.config.file basic_auth_users (the client's password; the bcrypt hash)
#   collectors.nut[].password_file, collectors.mysql[].password_file / password_env,
#   collectors.postgres[].dsn password= / password_file, probes http/peer url user:password and
#   ?token=, probes http basic_auth.password_file / bearer_token_file, litestream metrics_url
#   token, alerting.receivers[].webhook_configs[] hmac_secret_file / http_config basic_auth and
#   bearer_token_file (read once the alerting wiring lands; today the section is ignored).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd htpasswd setpriv sqlite3
[[ $(id -u) == 0 ]] || fail "needs root: hawatch runs as nobody with secret files only it may read"
chmod 755 "$TMP"
AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups)

S=$TMP/secrets
mkdir -m 700 "$S"
secret() {  # NAME VALUE : writes a secret file readable by nobody only
  printf '%s\n' "$2" >"$S/$1"
  chmod 600 "$S/$1"
}
secret nut hwsecret-nut-pw-73
secret mysql hwsecret-mysql-pw-74
secret pg hwsecret-pg-file-77
secret basic hwsecret-basic-pw-80
secret bearer hwsecret-bearer-81
secret hmac hwsecret-hmac-82
secret whbasic hwsecret-webhook-basic-83
secret whbearer hwsecret-webhook-bearer-84
chown -R nobody "$S"
WEB_PW=hwsecret-web-pw-71
WRONG_PW=hwsecret-wrong-pw-72
MYSQL_ENV_PW=hwsecret-mysql-env-75
PG_DSN_PW=hwsecret-pg-dsn-76
URL_PW=hwsecret-url-pw-78
URL_TOKEN=hwsecret-url-token-79
hash=$(htpasswd -nbBC 5 admin "$WEB_PW" | cut -d: -f2)
HASH_TAIL=${hash: -20}  # the hash is a secret too (offline guessing)
printf 'basic_auth_users:\n  admin: %s\n' "$hash" >"$TMP/web.yml"
chmod 644 "$TMP/web.yml"

# Peers that fail in every way.
start_bg garbage "$TMP/garbage.log" "$PY" "$HAWATCH_FIXTURES/faults/fault_peer.py" garbage "tcp:127.0.0.1:${G:=$(free_port)}"
start_bg echo "$TMP/echo.log" "$PY" "$HAWATCH_FIXTURES/faults/fault_peer.py" echo "tcp:127.0.0.1:${E:=$(free_port)}"
# An HTTP receiver that answers 500 with the request it got: URL token and auth headers included.
start_bg httpecho "$TMP/httpecho.log" "$PY" "$HAWATCH_FIXTURES/faults/fault_peer.py" httpecho "tcp:127.0.0.1:${HE:=$(free_port)}"
CLOSED=$(free_port)
# An HTTP peer that records the Authorization headers it gets (the positive checks) and answers 500.
HTTP_PORT=$(free_port)
start_bg http-peer "$TMP/http-peer.log" "$PY" -c '
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        with open(sys.argv[2], "a") as f: f.write(str(self.headers.get("Authorization")) + "\n")
        self.send_response(500); self.send_header("Content-Length", "0"); self.end_headers()
    do_POST = do_GET
    def log_message(self, *a): pass
HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()' "$HTTP_PORT" "$TMP/auth-headers"
wait_until 10 "peers listening" 'grep -q ready "$TMP/garbage.log" && grep -q ready "$TMP/echo.log" && grep -q ready "$TMP/httpecho.log" && [[ $(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$HTTP_PORT/") == 500 ]]'

mkdir -p "$TMP/replica" "$TMP/rules"
mkdir -m 700 "$TMP/spool" && chown nobody "$TMP/spool"
sqlite3 "$TMP/app.db" 'CREATE TABLE t (x); INSERT INTO t VALUES (1);'
printf 'groups:\n  - name: always\n    interval: 1s\n    rules:\n      - alert: AlwaysFiring\n        expr: vector(1)\n' >"$TMP/rules/always.yml"
H="http://127.0.0.1:$HTTP_PORT"
write_config() {  # FILE [EXTRA-YAML-LINE]
  cat >"$1" <<YML
collectors:
  node: { interval: 1s }
  nut:
    - { name: nut-echo, address: "127.0.0.1:$E", ups: dummy, username: mon, password_file: "$S/nut", interval: 1s, timeout: 1s }
    - { name: nut-garbage, address: "127.0.0.1:$G", ups: dummy, username: mon, password_file: "$S/nut", interval: 1s, timeout: 1s }
  mysql:
    - { name: my-echo, host: 127.0.0.1, port: $E, user: mon, password_file: "$S/mysql", interval: 1s, timeout: 1s }
    - { name: my-garbage, host: 127.0.0.1, port: $G, user: mon, password_env: HW_TEST_MYSQL_PW, interval: 1s, timeout: 1s }
    - { name: my-closed, host: 127.0.0.1, port: $CLOSED, user: mon, password_file: "$S/mysql", interval: 1s, timeout: 1s }
  postgres:
    - { name: pg-dsn, dsn: "host=127.0.0.1 port=$E user=mon dbname=x password=$PG_DSN_PW", interval: 1s, timeout: 1s }
    - { name: pg-file, dsn: "host=127.0.0.1 port=$G user=mon dbname=x", password_file: "$S/pg", interval: 1s, timeout: 1s }
    - { name: pg-closed, dsn: "postgresql://mon:$PG_DSN_PW@127.0.0.1:$CLOSED/x", interval: 1s, timeout: 1s }
  probes:
    - { name: url-creds, interval: 1s, http: { url: "http://admin:$URL_PW@127.0.0.1:$CLOSED/health?token=$URL_TOKEN" } }
    - { name: url-garbage, interval: 1s, http: { url: "http://admin:$URL_PW@127.0.0.1:$G/health?token=$URL_TOKEN" } }
    - { name: basic, interval: 1s, http: { url: "$H/basic?token=$URL_TOKEN", basic_auth: { username: u, password_file: "$S/basic" } } }
    - { name: bearer, interval: 1s, http: { url: "$H/bearer", bearer_token_file: "$S/bearer" } }
    - { name: peer, interval: 1s, peer: { url: "http://peer:$URL_PW@127.0.0.1:$E/-/healthy?token=$URL_TOKEN" } }
  litestream:
    - { name: db, db_path: $TMP/app.db, replica_path: $TMP/replica, metrics_url: "http://127.0.0.1:$G/metrics?token=$URL_TOKEN" }
rule_files: [ "$TMP/rules/*.yml" ]
alerting:
  route: { receiver: hooks, group_wait: 0s, group_interval: 1s, repeat_interval: 1s }
  receivers:
    - name: hooks
      webhook_configs:
        - { url: "http://u:$URL_PW@127.0.0.1:$E/hook?token=$URL_TOKEN", hmac_secret_file: "$S/hmac",
            http_config: { basic_auth: { username: u, password_file: "$S/whbasic" } } }
        - { url: "$H/hook", http_config: { bearer_token_file: "$S/whbearer" } }
        - { url: "http://127.0.0.1:$HE/hook?token=$URL_TOKEN", http_config: { bearer_token_file: "$S/whbearer" } }
  spool_directory: $TMP/spool
${2:-}
YML
  chmod 644 "$1"
}
write_config "$TMP/hawatch.yml"
# Every hit of any secret in TEXT (empty when none).
leaks() { grep -oE "hwsecret-[a-z-]+-[0-9]+|${HASH_TAIL//\$/\\$}" <<<"$1" | sort -u | tr '\n' ' ' || true; }
assert_no_secret() {  # TEXT WHERE
  local hits
  hits=$(leaks "$1")
  [[ -z $hits ]] || fail "$2 shows secrets: $hits
$(grep -nE 'hwsecret' <<<"$1" | head -n 5)"
  ok "$2: no secret"
}

# ---- --check-config: the good file and broken ones ------------------------------------------------
run_capture env HW_TEST_MYSQL_PW="$MYSQL_ENV_PW" "${AS_NOBODY[@]}" "$HAWATCH_BIN" --check-config --config.file="$TMP/hawatch.yml"
assert_eq 0 "$RC" "--check-config accepts the config with every secret ($ERR)"
assert_no_secret "$OUT$ERR" "--check-config (valid)"
write_config "$TMP/broken.yml" "no_such_section: { x: 1 }"
printf '  nut: [ { name: x, address: "127.0.0.1:1", ups: u, username: mon, password_file: %s/missing } ]\n' "$S" >>"$TMP/broken.yml"
sed -i "s|dbname=x password=$PG_DSN_PW\"|dbname=x password='$PG_DSN_PW\"|" "$TMP/broken.yml"  # an unterminated quote
run_capture "${AS_NOBODY[@]}" "$HAWATCH_BIN" --check-config --config.file="$TMP/broken.yml"
assert_eq 1 "$RC" "--check-config refuses the broken config"
assert_no_secret "$OUT$ERR" "--check-config (broken: unknown section, bad DSN, missing secret file)"
printf 'collectors: { node: {}\n  mysql: [ { name: a, password_file: "%s/mysql" } ]\n  x: "%s\n' "$S" "$URL_PW" >"$TMP/syntax.yml"
run_capture "${AS_NOBODY[@]}" "$HAWATCH_BIN" --check-config --config.file="$TMP/syntax.yml"
assert_eq 1 "$RC" "--check-config refuses a YAML syntax error"
assert_no_secret "$OUT$ERR" "--check-config (YAML syntax error in a line next to a secret)"

# ---- the running daemon, everything failing, at debug level ----------------------------------------
HAWATCH_LAUNCH=(env HW_TEST_MYSQL_PW="$MYSQL_ENV_PW" "${AS_NOBODY[@]}")
HAWATCH_CURL=(-u "admin:$WEB_PW")
start_hawatch --config.file="$TMP/hawatch.yml" --web.config.file="$TMP/web.yml" --log.level=debug \
  --log.format=logfmt
assert_eq 200 "$(hstatus /metrics)" "the daemon serves /metrics with the right password"
wait_until 20 "every unit ran at least twice (failing)" \
  '[[ $(grep -c "^hawatch_collector_success{" <<<"$(scrape)") -ge 15 ]]'
sleep 3
assert_eq 401 "$(curl -s -o /dev/null -w '%{http_code}' -u "admin:$WRONG_PW" "$HAWATCH_URL/metrics")" \
  "a wrong password is refused"
curl -s -o /dev/null -u "$WRONG_PW:$WRONG_PW" "$HAWATCH_URL/metrics" || true  # a secret as user name
assert_file_contains "$TMP/auth-headers" "Bearer hwsecret-bearer-81" "live: the bearer token arrives at the peer"
assert_file_contains "$TMP/auth-headers" "Basic $(printf 'u:hwsecret-basic-pw-80' | base64)" \
  "live: the basic-auth password arrives at the peer"
assert_match "$(scrape)" '^hawatch_ups_up\{ups="nut-echo"\} 0' "the echoing upsd fails the NUT entry"
assert_match "$(scrape)" '^hawatch_replication_up\{name="my-echo"\} 0' "the echoing peer fails the MySQL entry"
# The webhooks were tried (an echoing HTTP receiver among them), so their errors are in the log
# and on the status page that the checks below search.
wait_until 20 "notification attempts failed at every webhook" \
  '[[ $(sample_value "$(scrape)" "hawatch_notifications_failed_total{receiver=\"hooks\",integration=\"webhook\"}") -ge 3 ]]'
ok "the webhooks were tried and failed ($(sample_value "$(scrape)" 'hawatch_notifications_failed_total{receiver="hooks",integration="webhook"}') attempts)"

for path in /metrics / /api/v2/alerts /-/healthy /-/ready; do
  assert_no_secret "$(hcurl "$path")" "GET $path"
done
# A reload that fails, next to the secrets.
write_config "$TMP/hawatch.yml" "no_such_section: 1"
kill -HUP "$HAWATCH_PID"
wait_until 10 "the refused reload" 'grep -q "configuration reload failed" "$HAWATCH_LOG"'
write_config "$TMP/hawatch.yml"
kill -HUP "$HAWATCH_PID"
wait_until 10 "the good reload" 'grep -q "configuration reloaded" "$HAWATCH_LOG"'
sleep 2
assert_no_secret "$(hcurl /)" "the status page after reloads"
stop_process "$HAWATCH_PID"
log=$(<"$HAWATCH_LOG")
assert_match "$log" 'level=debug' "the log is at debug level"
assert_match "$log" "127\\.0\\.0\\.1:($E|$G|$CLOSED)" "the log does report the failing peers"
log_note "$(wc -l <<<"$log") log lines searched"
assert_no_secret "$log" "every log line (debug level)"
