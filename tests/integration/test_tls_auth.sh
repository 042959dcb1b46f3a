#!/usr/bin/env bash
# The exporter-toolkit web config: TLS with basic auth, mutual TLS, a TLS 1.3 floor, and web
# configs that must stop hawatch at start-up.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd openssl htpasswd

# ---- PKI: a CA, a server certificate for 127.0.0.1, a client certificate, and a client
# certificate from an unrelated CA ------------------------------------------------------------
pki=$TMP/pki
mkdir -p "$pki"
keygen() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
make_ca() {  # NAME CN
  keygen "$pki/$1.key"
  openssl req -x509 -new -key "$pki/$1.key" -out "$pki/$1.crt" -days 2 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
}
make_cert() {  # NAME CA CN EXTENSIONS
  keygen "$pki/$1.key"
  openssl req -new -key "$pki/$1.key" -out "$pki/$1.csr" -subj "/CN=$3" 2>/dev/null
  printf '%b\n' "$4" >"$pki/$1.ext"
  openssl x509 -req -in "$pki/$1.csr" -CA "$pki/$2.crt" -CAkey "$pki/$2.key" -CAcreateserial \
    -out "$pki/$1.crt" -days 2 -extfile "$pki/$1.ext" 2>/dev/null
}
make_ca ca "hawatch test CA"
make_ca other-ca "unrelated CA"
make_cert server ca 127.0.0.1 \
  "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature"
make_cert client ca prometheus \
  "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\nkeyUsage=digitalSignature"
make_cert other-client other-ca prometheus \
  "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\nkeyUsage=digitalSignature"
openssl verify -CAfile "$pki/ca.crt" "$pki/server.crt" "$pki/client.crt" >/dev/null ||
  fail "generated certificates do not verify"
! openssl verify -CAfile "$pki/ca.crt" "$pki/other-client.crt" >/dev/null 2>&1 ||
  fail "the other CA's client certificate verifies against the test CA"
ok "test PKI generated"

hash=$(htpasswd -nbBC 10 prom s3cret | cut -d: -f2-)
[[ $hash == '$2y$10$'* ]] || fail "htpasswd did not give a bcrypt hash: $hash"

# req ARGS... : one curl request; sets HTTP_CODE ("000" when there was no HTTP answer) and CURL_RC.
req() {
  CURL_RC=0
  HTTP_CODE=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 "$@" 2>"$TMP/curl.err") || CURL_RC=$?
  HTTP_CODE=${HTTP_CODE:-000}
}
# code ARGS... : prints the HTTP status of a request.
code() {
  req "$@"
  echo "$HTTP_CODE"
}
# expect_curl_failure MESSAGE ARGS... : curl must fail without an HTTP 200.
expect_curl_failure() {
  local msg=$1
  shift
  req "$@"
  [[ $CURL_RC != 0 && $HTTP_CODE != 200 ]] || fail "$msg: curl exited $CURL_RC with HTTP $HTTP_CODE"
  ok "$msg (curl exit $CURL_RC: $(head -n 1 "$TMP/curl.err" | cut -c 1-100))"
}

# ---- 1. TLS + basic auth -------------------------------------------------------------------
cat >"$TMP/web-basic.yml" <<EOF
tls_server_config:
  cert_file: $pki/server.crt
  key_file: $pki/server.key
basic_auth_users:
  prom: '$hash'
EOF
HAWATCH_SCHEME=https
HAWATCH_CURL=(--cacert "$pki/ca.crt" -u prom:s3cret)
start_hawatch --web.config.file="$TMP/web-basic.yml"
url=$HAWATCH_URL
assert_file_contains "$HAWATCH_LOG" "tls=true" "start-up log says TLS is on"

assert_eq 200 "$(code --cacert "$pki/ca.crt" -u prom:s3cret "$url/metrics")" "good credentials: 200"
body=$(curl -sS --cacert "$pki/ca.crt" -u prom:s3cret "$url/metrics")
assert_contains "$body" "hawatch_build_info{" "metrics over HTTPS"
assert_eq 401 "$(code --cacert "$pki/ca.crt" -u prom:wrong "$url/metrics")" "wrong password: 401"
assert_eq 401 "$(code --cacert "$pki/ca.crt" -u nobody:s3cret "$url/metrics")" "unknown user: 401"
assert_eq 401 "$(code --cacert "$pki/ca.crt" "$url/metrics")" "no credentials: 401"
assert_eq 401 "$(code --cacert "$pki/ca.crt" -H 'Authorization: Basic !!!notbase64' "$url/metrics")" \
  "garbage Authorization header: 401"
assert_eq 401 "$(code --cacert "$pki/ca.crt" "$url/-/healthy")" "auth also guards /-/healthy"
headers=$(curl -s -D - -o /dev/null --cacert "$pki/ca.crt" "$url/metrics" | tr -d '\r')
assert_match "$headers" '^[Ww][Ww][Ww]-[Aa]uthenticate: Basic' "401 carries WWW-Authenticate: Basic"

# Plain HTTP to the TLS port fails cleanly, and the daemon carries on.
expect_curl_failure "plain http:// to the TLS port" "http://127.0.0.1:$HAWATCH_PORT/metrics"
# A client that connects and sends nothing must not keep others out either.
exec 7<>"/dev/tcp/127.0.0.1/$HAWATCH_PORT"
printf 'GET / HTTP/1.0\r\n\r\n' >&7 2>/dev/null || true
exec 8<>"/dev/tcp/127.0.0.1/$HAWATCH_PORT"
alive "$HAWATCH_PID" || fail "hawatch died after a plain-HTTP request on the TLS port"
assert_eq 200 "$(code --cacert "$pki/ca.crt" -u prom:s3cret "$url/metrics")" \
  "HTTPS still served after plain HTTP and while idle raw connections are open"
exec 7>&- 8>&-
alive "$HAWATCH_PID" || fail "hawatch is not running"
ok "hawatch process alive"

expect_curl_failure "without --cacert the self-made CA does not verify" -u prom:s3cret "$url/metrics"
[[ $CURL_RC == 60 ]] || fail "expected curl exit 60 (certificate verification), got $CURL_RC"
ok "the failure is certificate verification (curl exit 60)"
assert_eq 200 "$(code -k -u prom:s3cret "$url/metrics")" "-k (no verification) still gets 200"
stop_process "$HAWATCH_PID"
assert_eq 0 "$EXIT_STATUS" "exit status after SIGTERM"

# ---- 2. mutual TLS -------------------------------------------------------------------------
cat >"$TMP/web-mtls.yml" <<EOF
tls_server_config:
  cert_file: $pki/server.crt
  key_file: $pki/server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: $pki/ca.crt
EOF
HAWATCH_CURL=(--cacert "$pki/ca.crt" --cert "$pki/client.crt" --key "$pki/client.key")
start_hawatch --web.config.file="$TMP/web-mtls.yml"
url=$HAWATCH_URL
assert_eq 200 "$(code "${HAWATCH_CURL[@]}" "$url/metrics")" "client certificate from the CA: 200"
for v in 1.2 1.3; do
  assert_eq 200 "$(code "${HAWATCH_CURL[@]}" --tlsv$v --tls-max $v "$url/metrics")" \
    "client certificate over TLS $v: 200"
  expect_curl_failure "no client certificate over TLS $v" --cacert "$pki/ca.crt" \
    --tlsv$v --tls-max $v "$url/metrics"
  expect_curl_failure "client certificate from another CA over TLS $v" --cacert "$pki/ca.crt" \
    --cert "$pki/other-client.crt" --key "$pki/other-client.key" --tlsv$v --tls-max $v "$url/metrics"
done
alive "$HAWATCH_PID" || fail "hawatch died after refused client certificates"
assert_eq 200 "$(code "${HAWATCH_CURL[@]}" "$url/metrics")" "still serving the good client"
stop_process "$HAWATCH_PID"
assert_eq 0 "$EXIT_STATUS" "exit status after SIGTERM"

# ---- 3. TLS 1.3 only -----------------------------------------------------------------------
cat >"$TMP/web-tls13.yml" <<EOF
tls_server_config:
  cert_file: $pki/server.crt
  key_file: $pki/server.key
  min_version: TLS13
EOF
HAWATCH_CURL=(--cacert "$pki/ca.crt")
start_hawatch --web.config.file="$TMP/web-tls13.yml"
url=$HAWATCH_URL
expect_curl_failure "TLS 1.2 client against min_version TLS13" --cacert "$pki/ca.crt" --tls-max 1.2 "$url/metrics"
assert_eq 200 "$(code --cacert "$pki/ca.crt" --tlsv1.3 "$url/metrics")" "TLS 1.3 client: 200"
stop_process "$HAWATCH_PID"
assert_eq 0 "$EXIT_STATUS" "exit status after SIGTERM"

# ---- 4. bad web configs stop hawatch at start-up ---------------------------------------------
HAWATCH_CURL=()
HAWATCH_SCHEME=http
cat >"$TMP/bad-missing-key.yml" <<EOF
tls_server_config:
  cert_file: $pki/server.crt
  key_file: $TMP/does-not-exist.key
EOF
cat >"$TMP/bad-hash.yml" <<'EOF'
basic_auth_users:
  prom: s3cret
EOF
cat >"$TMP/bad-unknown-key.yml" <<EOF
tls_server_config:
  cert_file: $pki/server.crt
  key_file: $pki/server.key
  client_auth: RequireAndVerifyClientCert
EOF
cat >"$TMP/bad-syntax.yml" <<EOF
tls_server_config:
  cert_file: [unclosed
EOF
declare -A want=(
  [bad-missing-key]=':3:[0-9]+: .*key_file'
  [bad-hash]=':2:[0-9]+: .*bcrypt'
  [bad-unknown-key]=':4:3: .*client_auth'
  [bad-syntax]=':[0-9]+:[0-9]+: '
)
for name in bad-missing-key bad-hash bad-unknown-key bad-syntax; do
  f=$TMP/$name.yml
  port=$(free_port)
  run_capture timeout 10 "$HAWATCH_BIN" --web.listen-address="127.0.0.1:$port" --web.config.file="$f"
  [[ $RC != 0 && $RC != 124 ]] || fail "$name: hawatch exited $RC (want a non-zero start-up failure)
$ERR"
  ok "$name: hawatch refuses to start (exit $RC)"
  assert_match "$ERR" "$(sed 's/[.[\*^$]/\\&/g' <<<"$f")${want[$name]}" \
    "$name: the error names $f:LINE:COL"
  assert_not_contains "$ERR" "msg=listening" "$name: never listened"
  run_capture "$HAWATCH_BIN" --check-config --web.config.file="$f"
  assert_eq 1 "$RC" "$name: --check-config exits 1"
  assert_match "$ERR" "^$(sed 's/[.[\*^$]/\\&/g' <<<"$f")${want[$name]}" "$name: --check-config names FILE:LINE:COL"
done

run_capture "$HAWATCH_BIN" --check-config --web.config.file="$TMP/nonexistent-web.yml"
assert_eq 1 "$RC" "missing web config: --check-config exits 1"
assert_contains "$ERR" "$TMP/nonexistent-web.yml" "missing web config: the error names the file"
run_capture timeout 10 "$HAWATCH_BIN" --web.listen-address="127.0.0.1:$(free_port)" \
  --web.config.file="$TMP/nonexistent-web.yml"
[[ $RC != 0 && $RC != 124 ]] || fail "missing web config: hawatch exited $RC"
assert_contains "$ERR" "$TMP/nonexistent-web.yml" "missing web config: start-up error names the file"

run_capture "$HAWATCH_BIN" --check-config --web.config.file="$TMP/web-mtls.yml"
assert_eq 0 "$RC" "a good web config passes --check-config"
