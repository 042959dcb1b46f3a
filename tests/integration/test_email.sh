#!/usr/bin/env bash
# The email integration against a real SMTP server (aiosmtpd, tests/fixtures/alerting/
# smtp_sink.py), driven through the spool by alert_email_tool. Certificates are made here with
# openssl: a CA and a server certificate for localhost/127.0.0.1, and a second, unrelated CA.
#   - STARTTLS on a high port ("587-style"), AUTH PLAIN and LOGIN: delivered, and the stored
#     message has From, To, Subject, Message-ID (from the idempotency key), Date, a text and an
#     HTML part with the alerts, hostile label values escaped in HTML and no injected header;
#   - a wrong password: each attempt fails, is retried and counted, then given up at the deadline;
#   - a server without STARTTLS and require_tls: refused (retried, as Alertmanager does, until
#     the deadline), nothing sent in clear;
#   - 451 twice, then accepted: retried by the spool and delivered once; 554: given up at once;
#   - a client certificate (tls_config cert_file/key_file) for a server that asks for one;
#   - hostile labels (CR/LF, header lines, non-ASCII, 200 KiB values), a non-ASCII From display
#     name: Python's email package parses the message without defects, the headers are exactly
#     the ones set, the message stays under the size bound;
#   - implicit TLS (tls_mode: implicit, port-465 style on a high port): delivered;
#   - a CA that did not sign the server's certificate, or a server name that does not match:
#     refused, nothing delivered, the log names the smarthost;
#   - a server that never answers: each attempt is cut at the timeout;
#   - a spooled message left by a "crash" is delivered by the next run with the same Message-ID;
#   - config errors: an inline auth_password is refused with a pointer to auth_password_file.
# And the time from deliver() to the server accepting the message on loopback.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOOL=${HAWATCH_BUILD_DIR:?}/alerting/alert_email_tool
[[ -x $TOOL ]] || fail "alert_email_tool not built ($TOOL)"
SINK=$HAWATCH_FIXTURES/alerting/smtp_sink.py
"$PY" -c 'import aiosmtpd' 2>/dev/null || fail "python3-aiosmtpd is not installed (scripts/install-deps.sh)"
require_cmd openssl

# ---- certificates -------------------------------------------------------------------------------
PKI=$TMP/pki
mkdir -p "$PKI"
make_ca() {  # NAME
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=hawatch test $1" \
    -keyout "$PKI/$1.key" -out "$PKI/$1.pem" 2>/dev/null
}
make_ca ca
make_ca other-ca
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$PKI/server.key" \
  -out "$PKI/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$PKI/ext"
openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial \
  -days 2 -extfile "$PKI/ext" -out "$PKI/server.pem" 2>/dev/null
printf 'correct horse\n' >"$TMP/password"
printf 'wrong\n' >"$TMP/wrong-password"
chmod 600 "$TMP/password" "$TMP/wrong-password"

# start_sink NAME ARGS... : an SMTP sink on a fresh port; sets PORT, OUTDIR, SINK_PID.
start_sink() {
  local name=$1
  shift
  PORT=$(free_port)
  OUTDIR=$TMP/out-$name
  start_bg "smtp-$name" "$TMP/smtp-$name.log" "$PY" "$SINK" "$OUTDIR" --port "$PORT" "$@"
  SINK_PID=$BG_PID
  wait_until 10 "smtp sink $name listening" "grep -q listening '$TMP/smtp-$name.log'"
}

# config NAME [EXTRA_YAML_LINES] : $TMP/NAME.yml for the sink on $PORT.
config() {
  cat >"$TMP/$1.yml" <<YAML
deadline: ${DEADLINE:-5s}
group_by: [alertname, instance]
email:
  to: "Ops Team <ops@example.test>, oncall@example.test"
  from: "Hawatch <hawatch@example.test>"
  smarthost: "${HOST:-localhost}:$PORT"
  hello: pi1.example.test
  auth_username: alice
  auth_password_file: ${PASSWORD_FILE:-$TMP/password}
  tls_config: { ca_file: ${CA:-$PKI/ca.pem}${SERVER_NAME:+, server_name: $SERVER_NAME} }
  headers: { X-Site: amslpr, X-Evil: "{{ .CommonLabels.evil }}" }
  timeout: ${TIMEOUT:-2s}
${2:-}
YAML
}

messages() { find "$OUTDIR" -name '*.eml' 2>/dev/null | wc -l; }

# ---- STARTTLS with AUTH PLAIN, the stored message checked ---------------------------------------
start_sink starttls --tls "$PKI/server.pem" "$PKI/server.key" --require-starttls \
  --auth "alice:correct horse"
config starttls
run_capture "$TOOL" "$TMP/starttls.yml" "$TMP/spool-starttls" send 2
assert_eq 0 "$RC" "send exits 0 (stderr: $ERR)"
assert_contains "$OUT" "attempts=1 delivered=1 failed_attempts=0 given_up=0" "delivered on the first attempt"
assert_eq 1 "$(messages)" "one message stored"
KEY=$(sed -n 's/^key=//p' <<<"$OUT")
META=$OUTDIR/0001.json
assert_eq true "$(jq -r .tls "$META")" "the session was upgraded with STARTTLS"
assert_eq alice "$(jq -r .auth_user "$META")" "authenticated as alice"
assert_eq pi1.example.test "$(jq -r .helo "$META")" "EHLO name from hello"
assert_eq hawatch@example.test "$(jq -r .mail_from "$META")" "envelope sender"
assert_eq "ops@example.test oncall@example.test" "$(jq -r '.rcpt_tos | join(" ")' "$META")" "envelope recipients"

# The message as a mail client reads it (Python's email package, RFC 5322 + MIME).
inspect_message() {  # EML
  "$PY" - "$1" <<'PYEOF'
import email, email.policy, json, sys
raw = open(sys.argv[1], "rb").read()
m = email.message_from_bytes(raw, policy=email.policy.default)
parts = {p.get_content_type(): p.get_content() for p in m.iter_parts()}
head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
print(json.dumps({
    "from": m["From"], "to": m["To"], "subject": m["Subject"], "message_id": m["Message-ID"],
    "date": m["Date"], "key": m["X-Hawatch-Idempotency-Key"], "site": m["X-Site"],
    "evil": m["X-Evil"], "bcc": m["Bcc"], "content_type": m.get_content_type(),
    "header_names": sorted({k.lower() for k in m.keys()}),
    "raw_header_lines": [l for l in head.split("\r\n") if not l.startswith((" ", "\t"))],
    "charsets": sorted({p.get_content_charset() for p in m.iter_parts()}),
    "text": parts.get("text/plain"), "html": parts.get("text/html"),
    "date_ok": m["Date"].datetime is not None,
    "defects": len(m.defects) + sum(len(p.defects) for p in m.walk()),
    "from_display": m["From"].addresses[0].display_name, "size": len(raw)}))
PYEOF
}
MSG=$(inspect_message "$OUTDIR/0001.eml")
assert_eq "Hawatch <hawatch@example.test>" "$(jq -r .from <<<"$MSG")" "From header"
assert_eq "Ops Team <ops@example.test>, oncall@example.test" "$(jq -r .to <<<"$MSG")" "To header"
subject=$(jq -r .subject <<<"$MSG")
assert_match "$subject" '^\[FIRING:2\] ReplicationLag amslpr-backup \(' "subject as Alertmanager's default"
assert_contains "$subject" "warning" "subject lists the common labels outside the group"
assert_eq "<$KEY@example.test>" "$(jq -r .message_id <<<"$MSG")" "Message-ID derived from the idempotency key"
assert_eq "$KEY" "$(jq -r .key <<<"$MSG")" "idempotency key header"
assert_eq true "$(jq -r .date_ok <<<"$MSG")" "Date header parses"
assert_eq multipart/alternative "$(jq -r .content_type <<<"$MSG")" "multipart/alternative"
assert_eq '["utf-8"]' "$(jq -c .charsets <<<"$MSG")" "both parts are UTF-8"
assert_eq amslpr "$(jq -r .site <<<"$MSG")" "custom header"
assert_eq 0 "$(jq -r .defects <<<"$MSG")" "Python's email package finds no defect"
# Hostile values: CR/LF in a label reach headers (Subject, X-Evil) but never start one.
assert_eq null "$(jq -r .bcc <<<"$MSG")" "no Bcc header injected"
assert_not_contains "$(jq -r '.header_names | join(" ")' <<<"$MSG")" "bcc" "no injected header name"
assert_eq "date from message-id mime-version subject to x-evil x-hawatch-idempotency-key x-site content-type" \
  "$(jq -r '[.header_names[] | select(. != "content-type")] + ["content-type"] | join(" ")' <<<"$MSG")" \
  "exactly the expected headers"
assert_contains "$(jq -r .evil <<<"$MSG")" "<script>alert(1)</script>" "templated header carries the value (encoded, one line)"
text=$(jq -r .text <<<"$MSG")
html=$(jq -r .html <<<"$MSG")
assert_contains "$text" "2 firing, 0 resolved" "text part: the count"
assert_contains "$text" "replica = standby1" "text part: labels"
assert_contains "$text" "summary = replica standby0 lags" "text part: annotations"
assert_match "$text" 'Started: 20[0-9-]+ [0-9:.]+ \+0000 UTC' "text part: startsAt"
assert_contains "$text" "Source: http://127.0.0.1:9090/graph?g0.expr=lag" "text part: generatorURL"
assert_contains "$text" "$(printf 'h\xc3\xa4ll\xc3\xb6 \xe2\x9c\x93')" "text part: UTF-8 label"
assert_contains "$html" "<td>standby1</td>" "HTML part: labels"
assert_contains "$html" "&lt;script&gt;alert(1)&lt;/script&gt; &#34;q&#34; &#39;a&#39; &amp;" "HTML part: label escaped"
assert_contains "$html" "lags &lt;/td&gt;&lt;img src=x onerror=alert(2)&gt;" "HTML part: annotation escaped"
assert_not_contains "$html" "<script>" "HTML part: no script element"
assert_not_contains "$html" "<img" "HTML part: no injected element"
assert_not_contains "$html" 'href="javascript:' "HTML part: no javascript: link"
assert_contains "$html" 'href="#ZgotmplZ"' "HTML part: unsafe URL replaced as html/template does"
assert_contains "$html" 'href="http://127.0.0.1:9090/graph?g0.expr=lag"' "HTML part: generatorURL link"
# The annotation's "\r\n.\r\nQUIT" line did not end the DATA early: the whole message arrived.
assert_contains "$text" "replica = standby1" "dot-stuffing: the message after a lone '.' line arrived"
assert_contains "$html" "</html>" "HTML part complete"

# ---- AUTH LOGIN only ----------------------------------------------------------------------------
start_sink login --tls "$PKI/server.pem" "$PKI/server.key" --require-starttls \
  --auth "alice:correct horse" --auth-mechanisms LOGIN
config login
run_capture "$TOOL" "$TMP/login.yml" "$TMP/spool-login" send 1
assert_contains "$OUT" "delivered=1 failed_attempts=0" "AUTH LOGIN picked when it is all the server offers"
assert_eq alice "$(jq -r .auth_user "$OUTDIR/0001.json")" "logged in with LOGIN"

# ---- wrong password: failed, retried, counted, given up at the deadline -------------------------
start_sink wrongpw --tls "$PKI/server.pem" "$PKI/server.key" --require-starttls \
  --auth "alice:correct horse"
PASSWORD_FILE=$TMP/wrong-password DEADLINE=1500ms config wrongpw
run_capture "$TOOL" "$TMP/wrongpw.yml" "$TMP/spool-wrongpw" send 1
assert_eq 0 "$(messages)" "nothing delivered with a wrong password"
attempts=$(sed -n 's/.*attempts=\([0-9]*\) delivered.*/\1/p' <<<"$OUT")
((attempts >= 2)) || fail "a refused login is retried (attempts=$attempts): $OUT"
ok "a refused login is retried ($attempts attempts)"
assert_contains "$OUT" "delivered=0 failed_attempts=$attempts given_up=1" "every attempt counted as failed, then given up"
assert_eq "$attempts" "$(wc -l <"$OUTDIR/auth_failures")" "the server saw each failed login"
assert_contains "$ERR" "535" "the log has the server's 535"

# ---- no STARTTLS offered, require_tls (default): refused ----------------------------------------
start_sink plain --auth "alice:correct horse"
DEADLINE=1s config plain
run_capture "$TOOL" "$TMP/plain.yml" "$TMP/spool-plain" send 1
assert_contains "$OUT" "delivered=0" "not delivered without STARTTLS"
attempts=$(sed -n 's/.*attempts=\([0-9]*\) delivered.*/\1/p' <<<"$OUT")
assert_contains "$OUT" "attempts=$attempts delivered=0 failed_attempts=$attempts given_up=1" \
  "refused at every attempt (retried as Alertmanager does), then given up"
assert_contains "$ERR" "smarthost localhost:$PORT: require_tls is true but the server does not offer STARTTLS: refusing to send in clear text" "the reason is logged with the smarthost"
assert_eq 0 "$(messages)" "nothing sent in clear"

# ---- 451 twice, then accepted: retried by the spool, delivered once -----------------------------
start_sink tempfail --tls "$PKI/server.pem" "$PKI/server.key" --require-starttls \
  --auth "alice:correct horse" --fail-first 2
config tempfail
run_capture "$TOOL" "$TMP/tempfail.yml" "$TMP/spool-tempfail" send 1
assert_contains "$OUT" "attempts=3 delivered=1 failed_attempts=2 given_up=0" "451 retried, then delivered"
assert_eq 2 "$(wc -l <"$OUTDIR/temp_failures")" "the server answered 451 twice"
assert_eq 1 "$(messages)" "delivered exactly once"
assert_contains "$ERR" "451" "the log has the server's 451"

# ---- 554: permanent, given up at once ----------------------------------------------------------
start_sink reject --tls "$PKI/server.pem" "$PKI/server.key" --require-starttls \
  --auth "alice:correct horse" --reject
config reject
run_capture "$TOOL" "$TMP/reject.yml" "$TMP/spool-reject" send 1
assert_contains "$OUT" "attempts=1 delivered=0 failed_attempts=1 given_up=1" "a 5xx is permanent: given up at once"
assert_eq 1 "$(wc -l <"$OUTDIR/rejections")" "one attempt only"
assert_contains "$ERR" "554" "the log has the server's 554"

# ---- implicit TLS -------------------------------------------------------------------------------
start_sink implicit --tls "$PKI/server.pem" "$PKI/server.key" --implicit-tls --auth "alice:correct horse"
config implicit "  tls_mode: implicit"
run_capture "$TOOL" "$TMP/implicit.yml" "$TMP/spool-implicit" send 1
assert_contains "$OUT" "delivered=1 failed_attempts=0" "delivered over implicit TLS (stderr: $ERR)"
assert_eq true "$(jq -r .tls "$OUTDIR/0001.json")" "the session was TLS from the start"
assert_eq alice "$(jq -r .auth_user "$OUTDIR/0001.json")" "authenticated over implicit TLS"
# The same server without tls_mode: STARTTLS is expected on a high port, and the TLS server
# cannot speak plain SMTP: not delivered.
DEADLINE=1s config implicit-auto
run_capture "$TOOL" "$TMP/implicit-auto.yml" "$TMP/spool-implicit-auto" send 1
assert_contains "$OUT" "delivered=0" "tls_mode auto on a port other than 465 does not speak implicit TLS"

# ---- certificates that must not be accepted -----------------------------------------------------
start_sink badca --tls "$PKI/server.pem" "$PKI/server.key" --require-starttls --auth "alice:correct horse"
CA=$PKI/other-ca.pem DEADLINE=1s config badca
run_capture "$TOOL" "$TMP/badca.yml" "$TMP/spool-badca" send 1
assert_contains "$OUT" "delivered=0" "a certificate from another CA is refused"
assert_match "$ERR" "TLS|certificate|verif" "the log says why"
assert_contains "$ERR" "smarthost localhost:$PORT" "the error names the smarthost"
assert_eq 0 "$(messages)" "nothing delivered past a bad certificate"
SERVER_NAME=mail.elsewhere.test DEADLINE=1s config badname
run_capture "$TOOL" "$TMP/badname.yml" "$TMP/spool-badname" send 1
assert_contains "$OUT" "delivered=0" "a certificate for another name is refused"
assert_eq 0 "$(messages)" "nothing delivered to the wrong name"
SERVER_NAME=localhost HOST=127.0.0.1 config byip
run_capture "$TOOL" "$TMP/byip.yml" "$TMP/spool-byip" send 1
assert_contains "$OUT" "delivered=1" "server_name checks the name when the smarthost is an address"

# ---- a client certificate for a server that asks for one ----------------------------------------
openssl req -newkey rsa:2048 -nodes -subj "/CN=hawatch-client" -keyout "$PKI/client.key" \
  -out "$PKI/client.csr" 2>/dev/null
openssl x509 -req -in "$PKI/client.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial \
  -days 2 -out "$PKI/client.pem" 2>/dev/null
start_sink clientcert --tls "$PKI/server.pem" "$PKI/server.key" --require-starttls \
  --auth "alice:correct horse" --client-ca "$PKI/ca.pem"
config clientcert
sed -i "s|tls_config: { ca_file: |tls_config: { cert_file: $PKI/client.pem, key_file: $PKI/client.key, ca_file: |" "$TMP/clientcert.yml"
run_capture "$TOOL" "$TMP/clientcert.yml" "$TMP/spool-clientcert" send 1
assert_contains "$OUT" "delivered=1" "delivered with a client certificate (stderr: $ERR)"
assert_eq hawatch-client "$(jq -r .client_cn "$OUTDIR/0001.json")" "the server saw our client certificate"
DEADLINE=1s config noclientcert
run_capture "$TOOL" "$TMP/noclientcert.yml" "$TMP/spool-noclientcert" send 1
assert_contains "$OUT" "delivered=0" "without the client certificate the server refuses the handshake"

# ---- hostile labels: CR/LF, header lines, non-ASCII, 200 KiB values ------------------------------
start_sink hostile --tls "$PKI/server.pem" "$PKI/server.key" --require-starttls --auth "alice:correct horse"
config hostile
sed -i 's|  from: "Hawatch <hawatch@example.test>"|  from: "Hawätch Überwachung <hawatch@example.test>"|' "$TMP/hostile.yml"
run_capture env HUGE=204800 "$TOOL" "$TMP/hostile.yml" "$TMP/spool-hostile" send 20
assert_contains "$OUT" "delivered=1" "a group with 200 KiB hostile values is delivered (stderr: $ERR)"
MSG=$(inspect_message "$OUTDIR/0001.eml")
assert_eq 0 "$(jq -r .defects <<<"$MSG")" "the hostile message parses without defects"
assert_eq "date from message-id mime-version subject to x-evil x-hawatch-idempotency-key x-site content-type" \
  "$(jq -r '[.header_names[] | select(. != "content-type")] + ["content-type"] | join(" ")' <<<"$MSG")" \
  "exactly the headers we set, whatever the labels hold"
assert_eq null "$(jq -r .bcc <<<"$MSG")" "no Bcc from the CR/LF in the values"
assert_eq "Hawätch Überwachung" "$(jq -r .from_display <<<"$MSG")" "non-ASCII display name (RFC 2047)"
assert_eq "hawatch@example.test" "$(jq -r .mail_from "$OUTDIR/0001.json")" "envelope sender unchanged"
size=$(jq -r .size <<<"$MSG")
((size < 8 * 1024 * 1024)) || fail "message of $size bytes passes the 8 MiB bound"
ok "message size bounded ($size bytes for 20 alerts with 2 x 200 KiB values each)"
assert_contains "$(jq -r .subject <<<"$MSG")" "✓ häll" "the subject decodes to the UTF-8 label"
assert_contains "$(jq -r .text <<<"$MSG")" "…" "huge values are clipped, and say so"
raw_lines=$(jq -r '.raw_header_lines[]' <<<"$MSG" | awk '{ if (length($0) > 998) print }' | wc -l)
assert_eq 0 "$raw_lines" "no header line longer than 998 bytes"
body_long=$(tr -d '\r' <"$OUTDIR/0001.eml" | awk '{ if (length($0) > 998) n++ } END { print n+0 }')
assert_eq 0 "$body_long" "no line of the message longer than 998 bytes"

# ---- a server that never answers: cut at the timeout --------------------------------------------
start_sink hang --hang
TIMEOUT=300ms DEADLINE=1s config hang
start=$(date +%s%N)
run_capture "$TOOL" "$TMP/hang.yml" "$TMP/spool-hang" send 1
elapsed=$((($(date +%s%N) - start) / 1000000))
assert_contains "$OUT" "delivered=0" "a silent server: not delivered"
assert_contains "$ERR" "timed out after 300ms" "the attempt is cut at the timeout"
((elapsed < 4000)) || fail "the hanging server held the tool for ${elapsed} ms"
ok "a hanging server is given up within the deadline (${elapsed} ms)"

# ---- a crash between spooling and delivery ------------------------------------------------------
start_sink replay --tls "$PKI/server.pem" "$PKI/server.key" --require-starttls --auth "alice:correct horse"
config replay
run_capture "$TOOL" "$TMP/replay.yml" "$TMP/spool-replay" enqueue 1
KEY=$(sed -n 's/^key=//p' <<<"$OUT")
assert_eq 0 "$(messages)" "enqueue alone sends nothing"
run_capture "$TOOL" "$TMP/replay.yml" "$TMP/spool-replay" replay
assert_contains "$OUT" "delivered=1" "the next run delivers the spooled message"
assert_eq "<$KEY@example.test>" "$(inspect_message "$OUTDIR/0001.eml" | jq -r .message_id)" \
  "same Message-ID after the restart"

# ---- config errors ------------------------------------------------------------------------------
config inline '  auth_password: hunter2'
run_capture "$TOOL" "$TMP/inline.yml" "$TMP/spool-inline" send 1
assert_eq 1 "$RC" "an inline password is a config error"
assert_match "$ERR" "inline.yml:[0-9]+:[0-9]+: .*auth_password.*auth_password_file" "FILE:LINE:COL and the _file key named"

# ---- latency: deliver() until the server has accepted the message, on loopback -------------------
# bench: N deliveries in a row; each is connect, EHLO, STARTTLS, EHLO, AUTH, MAIL, RCPT, DATA.
run_capture "$TOOL" "$TMP/starttls.yml" "$TMP/spool-bench" bench 20
PORT_SAVED=$PORT
assert_eq 0 "$RC" "bench runs (stderr: $ERR)"
log_note "email deliver() latency, STARTTLS + AUTH on loopback: $OUT"
median=$(sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p' <<<"$OUT")
awk -v m="$median" 'BEGIN { exit !(m <= 100) }' || fail "median delivery ${median} ms > 100 ms"
ok "median delivery ${median} ms <= 100 ms"
: "$PORT_SAVED"

echo "PASS $TEST_NAME ($CHECKS checks)"
