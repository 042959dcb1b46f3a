#!/usr/bin/env bash
# http and tcp probes against real local servers: an AMSLPR-like app over HTTP, HTTPS (own CA) and
# mutual TLS, serving healthy, unhealthy, slow, redirecting, wrong-JSON and 404 answers; a TCP
# listener with send/expect and a closed port. A slow probe never delays a scrape.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd openssl promtool

# ---- PKI: CA, server certificate for 127.0.0.1 (IP SAN only), client certificate -------------
pki=$TMP/pki
mkdir -p "$pki"
keygen() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
keygen "$pki/ca.key"
openssl req -x509 -new -key "$pki/ca.key" -out "$pki/ca.crt" -days 3 -subj "/CN=hawatch probe CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
make_cert() {  # NAME CN DAYS EXTENSIONS
  keygen "$pki/$1.key"
  openssl req -new -key "$pki/$1.key" -out "$pki/$1.csr" -subj "/CN=$2" 2>/dev/null
  printf '%b\n' "$4" >"$pki/$1.ext"
  openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -out "$pki/$1.crt" -days "$3" -extfile "$pki/$1.ext" 2>/dev/null
}
make_cert server 127.0.0.1 2 \
  "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature"
make_cert client hawatch 2 \
  "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\nkeyUsage=digitalSignature"
server_not_after=$(date -u -d "$(openssl x509 -in "$pki/server.crt" -noout -enddate | cut -d= -f2)" +%s)
ok "test PKI generated (server certificate expires at $server_not_after)"

# ---- targets --------------------------------------------------------------------------------
start_target() {  # NAME ARGS... ; sets TARGET_PORT
  local name=$1
  shift
  rm -f "$TMP/$name.port"
  start_bg "$name" "$TMP/$name.log" "$PY" "$HAWATCH_FIXTURES/probes/http_target.py" "$TMP/$name.port" "$@"
  wait_until 10 "$name listening" "[[ -s $TMP/$name.port ]]"
  TARGET_PORT=$(<"$TMP/$name.port")
}
start_target plain
PLAIN=$TARGET_PORT
start_target tls --cert "$pki/server.crt" --key "$pki/server.key"
TLS=$TARGET_PORT
start_target mtls --cert "$pki/server.crt" --key "$pki/server.key" --client-ca "$pki/ca.crt"
MTLS=$TARGET_PORT
CLOSED=$(free_port)  # nothing listens here
ok "targets up: http :$PLAIN, https :$TLS, mutual TLS :$MTLS, closed :$CLOSED"

A="http://127.0.0.1:$PLAIN"
S="https://127.0.0.1:$TLS"
cat >"$TMP/hawatch.yml" <<YAML
collectors:
  node: { enabled: false }
  probes:
    - { name: health, interval: 1s, http: { url: "$A/health", json_checks: ['status == "healthy"'] } }
    - { name: unhealthy, interval: 1s, http: { url: "$A/unhealthy" } }
    - { name: api_health_404_ok, http: { url: "$A/api/health", valid_status_codes: [200, 404] } }
    - { name: api_health_strict, http: { url: "$A/api/health" } }
    - { name: ocr, http: { url: "$A/ocr/api/status", json_checks: ["available == true", "mock == false"] } }
    - { name: ocr_mock, http: { url: "$A/ocr/api/status-mock", json_checks: ["available == true", "mock == false"] } }
    - { name: wrong_json, http: { url: "$A/wrong-json", json_checks: ["available == true"] } }
    - { name: slow, interval: 3s, timeout: 1s, http: { url: "$A/slow" } }
    - { name: login_redirect, http: { url: "$A/", follow_redirects: false, valid_status_codes: [200, 302] } }
    - { name: redirect_followed, http: { url: "$A/" } }
    - { name: redirect_refused, http: { url: "$A/", follow_redirects: false } }
    - { name: too_big, http: { url: "$A/big", max_body_bytes: 1000 } }
    - { name: regex_ok, http: { url: "$A/health", body_regex: '"status": *"healthy"' } }
    - { name: regex_bad, http: { url: "$A/health", body_not_regex: 'healthy' } }
    - { name: header, http: { url: "$A/needs-header", headers: { X-Probe: "yes" } } }
    - { name: post, http: { url: "$A/echo", method: POST, body: ping } }
    - { name: refused, http: { url: "http://127.0.0.1:$CLOSED/health" } }
    - { name: https_ok, http: { url: "$S/health", tls_config: { ca_file: "$pki/ca.crt" } } }
    - { name: https_untrusted, http: { url: "$S/health" } }
    - { name: https_wrong_name, http: { url: "https://localhost:$TLS/health", tls_config: { ca_file: "$pki/ca.crt" } } }
    - { name: https_insecure, http: { url: "$S/health", tls_config: { insecure_skip_verify: true } } }
    - name: mtls_ok
      http:
        url: "https://127.0.0.1:$MTLS/health"
        tls_config: { ca_file: "$pki/ca.crt", cert_file: "$pki/client.crt", key_file: "$pki/client.key" }
    - { name: mtls_no_cert, http: { url: "https://127.0.0.1:$MTLS/health", tls_config: { ca_file: "$pki/ca.crt" } } }
    - { name: tcp_ok, tcp: { address: "127.0.0.1:$PLAIN", send: "GET /health HTTP/1.0\r\n\r\n", expect: "^HTTP/1\\\\.[01] 200" } }
    - { name: tcp_expect_mismatch, tcp: { address: "127.0.0.1:$PLAIN", send: "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n", expect: "^RTSP/1\\\\.0 200" } }
    - { name: tcp_silent, timeout: 1s, tcp: { address: "127.0.0.1:$PLAIN", expect: "^RTSP" } }
    - { name: tcp_closed, tcp: { address: "127.0.0.1:$CLOSED" } }
    - { name: tcp_tls, tcp: { address: "127.0.0.1:$TLS", tls: true, tls_config: { ca_file: "$pki/ca.crt" } } }
YAML
run_capture "$HAWATCH_BIN" --check-config "--config.file=$HAWATCH_SOURCE_DIR/docs/examples/amslpr-probes.yml"
assert_eq 0 "$RC" "the AMSLPR example probe config passes --check-config ($OUT$ERR)"
run_capture "$HAWATCH_BIN" --check-config "--config.file=$TMP/hawatch.yml"
assert_eq 0 "$RC" "the probe config passes --check-config ($OUT$ERR)"

start_hawatch "--config.file=$TMP/hawatch.yml"
# Every probe has reported once the slow one (1 s timeout) has.
wait_until 15 "every probe reported" \
  '[[ $(scrape | grep -c "^hawatch_probe_success{") == 28 && -n $(sample_value "$(scrape)" "hawatch_probe_success{probe=\"slow\"}") ]]'
M=$(scrape)

expect_probe() {  # NAME SUCCESS [REASON]
  local got reason=${3:-}
  got=$(sample_value "$M" "hawatch_probe_success{probe=\"$1\"}")
  [[ $got == "$2" ]] || fail "probe $1: hawatch_probe_success is '$got', expected $2
$(grep "probe=\"$1\"" <<<"$M")
$(grep "probe=$1" "$HAWATCH_LOG" | tail -3)"
  if [[ -n $reason ]]; then
    got=$(sample_value "$M" "hawatch_probe_failure{probe=\"$1\",reason=\"$reason\"}")
    [[ $got == 1 ]] || fail "probe $1: failure reason $reason is '$got'
$(grep "probe=\"$1\"" <<<"$M")"
    ok "probe $1 failed as expected: $reason ($(grep "probe=$1 " "$HAWATCH_LOG" | grep -o 'err=.*' | head -1 | cut -c1-110))"
  else
    ok "probe $1: success $2"
  fi
}
status_of() { sample_value "$M" "hawatch_probe_http_status_code{probe=\"$1\"}"; }

expect_probe health 1
assert_eq 1 "$(sample_value "$M" 'hawatch_probe_json_check_success{probe="health",check="status == \"healthy\""}')" \
  "health: JSON check status == \"healthy\" passed"
expect_probe unhealthy 0 status_code
assert_eq 503 "$(status_of unhealthy)" "unhealthy: status 503 reported"
expect_probe api_health_404_ok 1
assert_eq 404 "$(status_of api_health_404_ok)" "/api/health: 404 tolerated and reported"
expect_probe api_health_strict 0 status_code
expect_probe ocr 1
expect_probe ocr_mock 0 json
assert_eq "1 0" "$(sample_value "$M" 'hawatch_probe_json_check_success{probe="ocr_mock",check="available == true"}') $(sample_value "$M" 'hawatch_probe_json_check_success{probe="ocr_mock",check="mock == false"}')" \
  "ocr_mock: available == true passed, mock == false failed (recognition is a mock)"
expect_probe wrong_json 0 json
expect_probe slow 0 timeout
slow_duration=$(sample_value "$M" 'hawatch_probe_duration_seconds{probe="slow"}')
# Stops before the 1 s timeout (which counts from launch, so time queued for a worker — 28 probes
# share 4 — shortens it), never after it.
# The server answers after 5 s: a probe that ignored its timeout would take that long. The bound
# leaves a loaded machine a second of lateness; the lower one only says it did wait.
awk -v d="$slow_duration" 'BEGIN { exit !(d > 0.1 && d < 2.0) }' ||
  fail "slow probe took $slow_duration s; expected to stop at its 1 s timeout"
ok "slow probe stopped after $slow_duration s (timeout 1 s), with its series intact"
assert_eq 1 "$(sample_value "$M" 'hawatch_collector_success{collector="probes/slow"}')" \
  "a target timing out is a probe failure, not a collector failure"
expect_probe login_redirect 1
assert_eq 302 "$(status_of login_redirect)" "302 to the login page counts as alive"
expect_probe redirect_followed 1
assert_eq "200 1" "$(status_of redirect_followed) $(sample_value "$M" 'hawatch_probe_http_redirects{probe="redirect_followed"}')" \
  "redirect followed to the login page"
expect_probe redirect_refused 0 status_code
expect_probe too_big 0 body_too_large
expect_probe regex_ok 1
expect_probe regex_bad 0 body_regex
expect_probe header 1
expect_probe post 1
expect_probe refused 0 connect
expect_probe https_ok 1
assert_eq "$server_not_after" "$(sample_value "$M" 'hawatch_probe_tls_cert_expiry_timestamp_seconds{probe="https_ok"}')" \
  "TLS certificate expiry matches the server certificate's notAfter"
expect_probe https_untrusted 0 tls
expect_probe https_wrong_name 0 tls
expect_probe https_insecure 1
expect_probe mtls_ok 1
expect_probe mtls_no_cert 0 tls
expect_probe tcp_ok 1
expect_probe tcp_expect_mismatch 0 expect
expect_probe tcp_silent 0 timeout
expect_probe tcp_closed 0 connect
expect_probe tcp_tls 1
assert_eq "$server_not_after" "$(sample_value "$M" 'hawatch_probe_tls_cert_expiry_timestamp_seconds{probe="tcp_tls"}')" \
  "tcp with tls reports the certificate expiry too"
assert_match "$M" '^hawatch_probe_info\{kind="tcp",probe="tcp_ok"\} 1$' "probe kind exposed"

# ---- strikes and last success over time -------------------------------------------------------
wait_until 10 "three strikes on the unhealthy probe" \
  '(( $(sample_value "$(scrape)" "hawatch_probe_consecutive_failures{probe=\"unhealthy\"}") >= 3 ))'
M=$(scrape)
assert_eq 0 "$(sample_value "$M" 'hawatch_probe_last_success_timestamp_seconds{probe="unhealthy"}')" \
  "never-successful probe: last success 0"
assert_eq 0 "$(sample_value "$M" 'hawatch_probe_consecutive_failures{probe="health"}')" "healthy probe: 0 failures"
last=$(sample_value "$M" 'hawatch_probe_last_success_timestamp_seconds{probe="health"}')
awk -v t="$last" -v now="$(date +%s)" 'BEGIN { exit !(now - t < 3 && now - t > -1) }' ||
  fail "health last success $last is not within 3 s of now"
ok "last success timestamp is recent ($last)"

# ---- a scrape never waits for a probe ---------------------------------------------------------
assert_scrapes_fast "slow and failing probes are in flight"

# ---- exposition is lint-clean --------------------------------------------------------------------
lint=$(scrape | promtool check metrics 2>&1) || true
assert_eq "" "$lint" "promtool check metrics finds nothing to complain about"
