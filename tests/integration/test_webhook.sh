#!/usr/bin/env bash
# The webhook integration against a real HTTP receiver (tests/fixtures/alerting/webhook_sink.py),
# driven through the spool by alert_webhook_tool: the message is Alertmanager's version 4 and
# valid JSON for odd label bytes; custom headers, bearer auth, the idempotency key and the HMAC
# signature over "{timestamp}:{body}" arrive; 500 and 429 are retried with the same key and then
# delivered; a hanging receiver is cut by the timeout and given up at the deadline; 400 is given
# up at once; a spooled notification left by a "crash" is delivered by the next run.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOOL=${HAWATCH_BUILD_DIR:?}/alerting/alert_webhook_tool
[[ -x $TOOL ]] || fail "alert_webhook_tool not built ($TOOL)"
SINK=$HAWATCH_FIXTURES/alerting/webhook_sink.py
printf 's3cret-key\n' >"$TMP/hmac"
printf 'tok-123\n' >"$TMP/token"

# start_sink NAME PLAN : a sink on a fresh port; sets PORT and OUTDIR.
start_sink() {
  PORT=$(free_port)
  OUTDIR=$TMP/$1
  start_bg "sink-$1" "$TMP/sink-$1.log" "$PY" "$SINK" "$OUTDIR" "$PORT" "$2"
  SINK_PID=$BG_PID
  wait_until 10 "sink $1 listening" "grep -q listening '$TMP/sink-$1.log'"
}

# config NAME [EXTRA_YAML_LINES] : writes $TMP/NAME.yml for the sink on $PORT.
config() {
  cat >"$TMP/$1.yml" <<YAML
deadline: ${DEADLINE:-5s}
webhook:
  url: ${SCHEME:-http}://127.0.0.1:$PORT/hook
  timeout: ${TIMEOUT:-2s}
  headers: { X-Site: amslpr }
  http_config: { bearer_token_file: $TMP/token${TLS_CONFIG:-} }
  hmac_secret_file: $TMP/hmac
  external_url: http://hawatch.example:9184
${2:-}
YAML
}

requests() { find "$OUTDIR" -name '[0-9]*.json' ! -name '*.headers.json' | wc -l; }

# ---- delivered at once --------------------------------------------------------------------------
start_sink ok 200
config ok
run_capture "$TOOL" "$TMP/ok.yml" "$TMP/spool-ok" send 3
assert_eq 0 "$RC" "send exits 0 (stderr: $ERR)"
assert_contains "$OUT" "attempts=1 delivered=1 failed_attempts=0 given_up=0" "delivered on the first attempt"
assert_eq 1 "$(requests)" "one request"
BODY=$OUTDIR/0001.json
HDRS=$OUTDIR/0001.headers.json
jq -e . "$BODY" >/dev/null || fail "body is not valid JSON: $(head -c 400 "$BODY")"
ok "the body is valid JSON despite control characters and invalid UTF-8 in labels"
assert_eq 4 "$(jq -r .version "$BODY")" "version 4"
assert_eq "team-x" "$(jq -r .receiver "$BODY")" "receiver"
assert_eq firing "$(jq -r .status "$BODY")" "status"
assert_eq '{}/{team="x"}:{alertname="HostDown"}' "$(jq -r .groupKey "$BODY")" "groupKey"
assert_eq 3 "$(jq '.alerts | length' "$BODY")" "three alerts"
assert_eq "firing resolved firing" "$(jq -r '[.alerts[].status] | join(" ")' "$BODY")" "alert statuses"
assert_eq HostDown "$(jq -r .commonLabels.alertname "$BODY")" "commonLabels"
assert_eq null "$(jq -r .commonLabels.instance "$BODY")" "commonLabels has only shared labels"
assert_eq http://hawatch.example:9184 "$(jq -r .externalURL "$BODY")" "externalURL"
assert_eq "0001-01-01T00:00:00Z" "$(jq -r '.alerts[0].endsAt' "$BODY")" "firing endsAt is Go's zero time"
assert_match "$(jq -r '.alerts[0].fingerprint' "$BODY")" '^[0-9a-f]{16}$' "fingerprint is 16 hex digits"
want=$'quote" backslash\\ nl\n tab\t ctl\x01 del\x7f bad\xef\xbf\xbd\xef\xbf\xbd end'
assert_eq "$want" "$(jq -j '.alerts[0].labels.odd' "$BODY")" "odd label survives (invalid bytes as U+FFFD)"
assert_eq "h$(printf '\xc3\xa4')ll$(printf '\xc3\xb6') $(printf '\xe2\x9c\x93')" \
  "$(jq -r '.alerts[0].labels.utf8' "$BODY")" "UTF-8 label unchanged"
assert_eq "amslpr" "$(jq -r '."X-Site"' "$HDRS")" "custom header"
assert_eq "Bearer tok-123" "$(jq -r .Authorization "$HDRS")" "bearer token from its file"
assert_eq application/json "$(jq -r '."Content-Type"' "$HDRS")" "content type"
KEY=$(jq -r '."Idempotency-Key"' "$HDRS")
assert_match "$KEY" '^[0-9a-f-]{36}$' "idempotency key header"
assert_contains "$OUT" "key=$KEY" "the key is the spool record's"
ts=$(jq -r '."X-Hawatch-Timestamp"' "$HDRS")
sig=$(jq -r '."X-Hawatch-Signature"' "$HDRS")
now=$(date +%s)
((ts <= now && ts > now - 60)) || fail "timestamp $ts is not now ($now)"
want_sig=$("$PY" -c 'import hmac, hashlib, sys
body = open(sys.argv[1], "rb").read()
print(hmac.new(b"s3cret-key", sys.argv[2].encode() + b":" + body, hashlib.sha256).hexdigest())' \
  "$BODY" "$ts")
assert_eq "$want_sig" "$sig" "HMAC-SHA256 over timestamp:body with the secret from its file"
stop_process "$SINK_PID"

# ---- 500 then 200, 429 then 200: retried with the same key, then delivered ----------------------
for first in 500 429; do
  start_sink "retry$first" "$first,200"
  config "retry$first"
  run_capture "$TOOL" "$TMP/retry$first.yml" "$TMP/spool-retry$first" send 1
  assert_contains "$OUT" "attempts=2 delivered=1 failed_attempts=1 given_up=0" "$first: retried, delivered"
  assert_eq 2 "$(requests)" "$first: two requests"
  assert_eq "$(jq -r '."Idempotency-Key"' "$OUTDIR/0001.headers.json")" \
    "$(jq -r '."Idempotency-Key"' "$OUTDIR/0002.headers.json")" "$first: same idempotency key"
  cmp -s "$OUTDIR/0001.json" "$OUTDIR/0002.json" || fail "$first: the retry sent another body"
  ok "$first: the same body again"
  assert_eq 0 "$(find "$TMP/spool-retry$first" -type f | wc -l)" "$first: spool empty afterwards"
  stop_process "$SINK_PID"
done

# ---- a hanging receiver: cut by the timeout, retried until the deadline, given up ---------------
start_sink hang hang
TIMEOUT=500ms DEADLINE=2s config hang
start=$SECONDS
run_capture "$TOOL" "$TMP/hang.yml" "$TMP/spool-hang" send 1
assert_contains "$OUT" "delivered=0" "hanging: not delivered"
assert_contains "$OUT" "given_up=1" "hanging: given up at the deadline"
assert_contains "$ERR" "timeout" "hanging: the attempts failed on the timeout"
assert_contains "$ERR" "notification given up" "hanging: giving up is logged"
((SECONDS - start <= 6)) || fail "hanging: took $((SECONDS - start)) s for a 2 s deadline"
ok "hanging: bounded by the deadline"
(($(requests) >= 2)) || fail "hanging: only $(requests) attempt(s)"
ok "hanging: retried ($(requests) attempts)"
stop_process "$SINK_PID"

# ---- 400: refused for good at once --------------------------------------------------------------
start_sink refused 400
config refused
run_capture "$TOOL" "$TMP/refused.yml" "$TMP/spool-refused" send 1
assert_contains "$OUT" "attempts=1 delivered=0 failed_attempts=1 given_up=1" "400: given up at once"
stop_process "$SINK_PID"

# ---- max_alerts ---------------------------------------------------------------------------------
start_sink max 200
config max "  max_alerts: 2"
run_capture "$TOOL" "$TMP/max.yml" "$TMP/spool-max" send 5
assert_eq 2 "$(jq '.alerts | length' "$OUTDIR/0001.json")" "max_alerts: two alerts sent"
assert_eq 3 "$(jq .truncatedAlerts "$OUTDIR/0001.json")" "max_alerts: three truncated"
stop_process "$SINK_PID"

# ---- crash: spooled, not delivered, replayed by the next run ------------------------------------
start_sink replay 200
config replay
run_capture "$TOOL" "$TMP/replay.yml" "$TMP/spool-replay" enqueue 1
k1=${OUT#key=}
run_capture "$TOOL" "$TMP/replay.yml" "$TMP/spool-replay" enqueue 2
k2=${OUT#key=}
assert_eq 2 "$(find "$TMP/spool-replay" -name '*.rec' | wc -l)" "two records spooled"
assert_eq 0 "$(requests)" "nothing sent before the replay"
run_capture "$TOOL" "$TMP/replay.yml" "$TMP/spool-replay" replay
assert_contains "$OUT" "delivered=2" "replay delivers both"
keys=$(jq -r '."Idempotency-Key"' "$OUTDIR"/*.headers.json | sort | tr '\n' ' ')
assert_eq "$(printf '%s\n' "$k1" "$k2" | sort | tr '\n' ' ')" "$keys" "replayed with their keys"
stop_process "$SINK_PID"

# ---- a real crash: SIGKILL while an attempt hangs, then a replay delivers it with its key ------
start_sink killed hang
DEADLINE=60s TIMEOUT=30s config killed
start_bg webhook-tool "$TMP/tool-killed.log" "$TOOL" "$TMP/killed.yml" "$TMP/spool-killed" send 1
TOOL_PID=$BG_PID
wait_until 10 "the first attempt reaching the sink" "[[ -s $OUTDIR/0001.headers.json ]]"
kill -KILL "$TOOL_PID"
wait_exit "$TOOL_PID" 5
assert_eq 1 "$(find "$TMP/spool-killed" -name '*.rec' | wc -l)" "killed mid-attempt: the record stays"
killed_key=$(jq -r '."Idempotency-Key"' "$OUTDIR/0001.headers.json")
stop_process "$SINK_PID"
start_sink after-kill 200
config after-kill
run_capture "$TOOL" "$TMP/after-kill.yml" "$TMP/spool-killed" replay
assert_contains "$OUT" "delivered=1" "after the crash: replayed and delivered"
assert_eq "$killed_key" "$(jq -r '."Idempotency-Key"' "$OUTDIR/0001.headers.json")" \
  "after the crash: the same idempotency key"
stop_process "$SINK_PID"

# ---- no receiver at all: connection refused is retried, then given up ---------------------------
PORT=$(free_port)
DEADLINE=1s config refused-conn
run_capture "$TOOL" "$TMP/refused-conn.yml" "$TMP/spool-conn" send 1
assert_contains "$OUT" "given_up=1" "connection refused: given up at the deadline"
assert_match "$OUT" "attempts=([2-9]|[1-9][0-9])" "connection refused: retried"

# ---- TLS: verified by default ------------------------------------------------------------------
require_cmd openssl
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
PORT=$(free_port)
OUTDIR=$TMP/tls
start_bg sink-tls "$TMP/sink-tls.log" env SINK_CERT="$TMP/cert.pem" SINK_KEY="$TMP/key.pem" \
  "$PY" "$SINK" "$OUTDIR" "$PORT" 200
wait_until 10 "TLS sink listening" "grep -q listening '$TMP/sink-tls.log'"
SCHEME=https DEADLINE=1s config tls-untrusted
run_capture "$TOOL" "$TMP/tls-untrusted.yml" "$TMP/spool-tls1" send 1
assert_contains "$OUT" "delivered=0" "TLS: an unknown certificate is not trusted"
assert_contains "$ERR" "tls" "TLS: the failure says so"
SCHEME=https TLS_CONFIG=", tls_config: { ca_file: $TMP/cert.pem }" config tls-trusted
run_capture "$TOOL" "$TMP/tls-trusted.yml" "$TMP/spool-tls2" send 1
assert_contains "$OUT" "attempts=1 delivered=1" "TLS: delivered when the CA is configured"
assert_eq 4 "$(jq -r .version "$OUTDIR/0001.json")" "TLS: the message arrived"

# ---- url_file: the URL (which may carry a token) read from a file at each attempt --------------
start_sink urlfile 200
printf 'http://127.0.0.1:%s/hook?token=abc\n' "$PORT" >"$TMP/url"
printf 'deadline: 5s\nwebhook: { url_file: %s }\n' "$TMP/url" >"$TMP/urlfile.yml"
run_capture "$TOOL" "$TMP/urlfile.yml" "$TMP/spool-urlfile" send 1
assert_contains "$OUT" "delivered=1" "url_file: delivered"
assert_contains "$(cat "$TMP/sink-urlfile.log")" "/hook?token=abc" "url_file: to the URL in the file"
