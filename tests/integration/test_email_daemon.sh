#!/usr/bin/env bash
# email_configs in the daemon, end to end: a local rule fires, the route sends it to an email
# receiver, and the message arrives at a real SMTP server (aiosmtpd, tests/fixtures/alerting/
# smtp_sink.py) over STARTTLS with AUTH, with Alertmanager's default subject and the alert in
# both parts; the delivery is counted in hawatch_notifications_total{integration="email"}.
# --check-config names mistakes in an email_configs entry at FILE:LINE:COL.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SINK=$HAWATCH_FIXTURES/alerting/smtp_sink.py
"$PY" -c 'import aiosmtpd' 2>/dev/null || fail "python3-aiosmtpd is not installed (scripts/install-deps.sh)"
require_cmd openssl

PKI=$TMP/pki
mkdir -p "$PKI"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=hawatch test ca" \
  -keyout "$PKI/ca.key" -out "$PKI/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$PKI/server.key" \
  -out "$PKI/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$PKI/ext"
openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial \
  -days 2 -extfile "$PKI/ext" -out "$PKI/server.pem" 2>/dev/null
printf 'correct horse\n' >"$TMP/password"
chmod 600 "$TMP/password"

SMTP_PORT=$(free_port)
start_bg smtp "$TMP/smtp.log" "$PY" "$SINK" "$TMP/out" --port "$SMTP_PORT" \
  --tls "$PKI/server.pem" "$PKI/server.key" --require-starttls --auth "alice:correct horse"
wait_until 10 "smtp sink listening" "grep -q listening '$TMP/smtp.log'"

cat >"$TMP/rules.yml" <<'YAML'
groups:
  - name: local
    interval: 1s
    rules:
      - alert: ReplicationLag
        expr: vector(1)
        labels: { severity: warning, instance: amslpr-backup }
        annotations: { summary: "replica lags behind" }
YAML

cat >"$TMP/hawatch.yml" <<YAML
collectors: { node: {} }
rule_files: [ $TMP/rules.yml ]
alerting:
  spool_directory: $TMP/spool
  route:
    receiver: admin
    group_by: [alertname, instance]
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 1h
  receivers:
    - name: admin
      email_configs:
        - to: "Ops <ops@example.test>"
          from: "Hawatch <hawatch@example.test>"
          smarthost: "localhost:$SMTP_PORT"
          hello: pi1.example.test
          auth_username: alice
          auth_password_file: $TMP/password
          require_tls: true
          tls_config: { ca_file: $PKI/ca.pem }
          headers: { X-Site: amslpr }
YAML

# ---- --check-config: accepted, and mistakes named at FILE:LINE:COL ------------------------------
run_capture "$HAWATCH_BIN" --check-config "--config.file=$TMP/hawatch.yml"
assert_eq 0 "$RC" "--check-config accepts email_configs ($ERR)"
sed -e 's/smarthost: "localhost:\(.*\)"/smarthost: "localhost"/' \
  -e 's|auth_password_file: .*|auth_password: hunter2|' \
  -e 's/to: "Ops <ops@example.test>"/to: "not an address"/' "$TMP/hawatch.yml" >"$TMP/bad.yml"
run_capture "$HAWATCH_BIN" --check-config "--config.file=$TMP/bad.yml"
assert_eq 1 "$RC" "--check-config refuses the broken email entry"
line_of() { grep -n "$1" "$TMP/bad.yml" | head -n1 | cut -d: -f1; }
assert_match "$ERR" "^$TMP/bad.yml:$(line_of 'to: "not'):[0-9]+: .*email_configs\[0\]\.to" "a bad to: at its line"
assert_match "$ERR" "^$TMP/bad.yml:$(line_of 'smarthost:'):[0-9]+: .*smarthost: \"localhost\" is not HOST:PORT" \
  "a smarthost without a port at its line"
assert_match "$ERR" "^$TMP/bad.yml:$(line_of 'auth_password:'):[0-9]+: .*auth_password.*auth_password_file" \
  "an inline password refused at its line, pointing at auth_password_file"
assert_not_contains "$ERR" "not supported by this build" "email_configs is a kind this build delivers to"

# ---- a local rule fires -> the email arrives ---------------------------------------------------
start_hawatch "--config.file=$TMP/hawatch.yml"
wait_until 20 "the email arrives" "ls '$TMP/out/'*.eml >/dev/null 2>&1"
EML=$(ls "$TMP"/out/*.eml | head -n1)
META=${EML%.eml}.json
assert_eq true "$(jq -r .tls "$META")" "delivered over STARTTLS"
assert_eq alice "$(jq -r .auth_user "$META")" "authenticated"
assert_eq "ops@example.test" "$(jq -r '.rcpt_tos | join(" ")' "$META")" "to the configured recipient"
MSG=$("$PY" - "$EML" <<'PYEOF'
import email, email.policy, json, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
parts = {p.get_content_type(): p.get_content() for p in m.iter_parts()}
print(json.dumps({"subject": m["Subject"], "site": m["X-Site"], "message_id": m["Message-ID"],
                  "key": m["X-Hawatch-Idempotency-Key"], "text": parts.get("text/plain", ""),
                  "html": parts.get("text/html", ""),
                  "defects": len(m.defects) + sum(len(p.defects) for p in m.walk())}))
PYEOF
)
assert_eq "[FIRING:1] ReplicationLag amslpr-backup (warning)" "$(jq -r .subject <<<"$MSG")" \
  "Alertmanager's default subject"
assert_eq amslpr "$(jq -r .site <<<"$MSG")" "configured header"
assert_eq 0 "$(jq -r .defects <<<"$MSG")" "a valid MIME message"
assert_match "$(jq -r .message_id <<<"$MSG")" '^<[0-9a-f-]+@example.test>$' "Message-ID from the idempotency key"
assert_contains "$(jq -r .text <<<"$MSG")" "summary = replica lags behind" "text part: the annotation"
assert_contains "$(jq -r .html <<<"$MSG")" "replica lags behind" "HTML part: the annotation"
wait_until 10 "the delivery is counted" \
  "scrape | grep -Eq '^hawatch_notifications_total\\{[^}]*integration=\"email\"[^}]*\\} [1-9]'"
ok "hawatch_notifications_total counts the email delivery"
# The status page lists the firing alert and the email notification.
PAGE=$(hcurl /)
assert_contains "$PAGE" "<h2>Alert routing</h2>" "status page: the alert routing section"
assert_contains "$PAGE" "<td>ReplicationLag</td><td>firing</td>" "status page: the firing alert"
assert_match "$PAGE" "<td>admin</td><td>email[^<]*</td><td>delivered after " "status page: the last notification, by email"
# One group, repeat_interval 1h: one message, however often the rule is evaluated.
sleep 3
assert_eq 1 "$(ls "$TMP"/out/*.eml | wc -l)" "one message for one group"

echo "PASS $TEST_NAME ($CHECKS checks)"
