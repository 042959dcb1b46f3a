#!/usr/bin/env bash
# TLS is a module (tls.so): a daemon serving plain HTTP maps neither it nor OpenSSL and Poco
# NetSSL/Crypto/Util; a web config with tls_server_config loads it and serves HTTPS; a module that
# cannot be loaded stops start-up (and --check-config) with the web config's FILE:LINE:COL and the
# module's path. The daemon speaks the systemd notify protocol itself: it does not need libsystemd.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd readelf

web=$HAWATCH_FIXTURES/web
modules=$(dirname "$HAWATCH_BIN")/modules
[[ -f $modules/tls.so ]] || fail "the build has no $modules/tls.so (build the hawatch target)"

# Shared objects in /proc/PID/maps, one file name a line.
mapped_libraries() { awk '$6 ~ /\.so/ { n = split($6, p, "/"); print p[n] }' "/proc/$1/maps" | sort -u; }
TLS_LIBS='^(libssl|libcrypto|libPocoNetSSL|libPocoCrypto|libPocoUtil)\.so|^tls\.so$'

# ---- 1. the executable does not link the TLS stack, nor libsystemd for sd_notify ---------------
needed=$(readelf -d "$HAWATCH_BIN" | awk '/NEEDED/ { gsub(/[][]/, "", $5); print $5 }')
[[ -n $needed ]] || fail "readelf found no NEEDED entries in $HAWATCH_BIN"
assert_no_match "$needed" '^(libssl|libPocoNetSSL|libPocoCrypto|libPocoUtil|libsystemd)\.so' \
  "hawatch NEEDS none of libssl, Poco NetSSL/Crypto/Util, libsystemd"

# ---- 2. default config: nothing of TLS is mapped ----------------------------------------------
start_hawatch
libs=$(mapped_libraries "$HAWATCH_PID")
assert_contains "$libs" "libPocoNet.so" "the daemon's maps list its libraries (libPocoNet)"
assert_no_match "$libs" "$TLS_LIBS" "default config: neither the tls module nor a TLS library is mapped"
assert_no_match "$libs" '^libsystemd\.so' "default config: libsystemd not mapped"
assert_eq 200 "$(hstatus /metrics)" "default config: /metrics over plain HTTP"
stop_process "$HAWATCH_PID"

# ---- 3. tls_server_config: the module and OpenSSL are mapped, HTTPS is served -----------------
HAWATCH_SCHEME=https
cat >"$TMP/web-tls-only.yml" <<EOF
tls_server_config:
  cert_file: $web/server.crt
  key_file: $web/server.key
EOF
HAWATCH_CURL=(--cacert "$web/server.crt")
start_hawatch --web.config.file="$TMP/web-tls-only.yml"
libs=$(mapped_libraries "$HAWATCH_PID")
for lib in tls.so libPocoNetSSL.so libssl.so libcrypto.so; do
  assert_match "$libs" "^${lib//./\\.}" "TLS config: $lib mapped"
done
body=$(hcurl /metrics)
assert_contains "$body" "hawatch_build_info{" "metrics over HTTPS through the module"
req_rc=0
curl -sS -o /dev/null --max-time 5 "http://127.0.0.1:$HAWATCH_PORT/metrics" 2>/dev/null || req_rc=$?
assert_ne 0 "$req_rc" "plain HTTP to the TLS port fails"
stop_process "$HAWATCH_PID"
assert_eq 0 "$EXIT_STATUS" "exit status after SIGTERM"
HAWATCH_SCHEME=http
HAWATCH_CURL=()

# ---- 4. a module that cannot be loaded: a clear start-up error --------------------------------
empty=$TMP/no-modules
mkdir -p "$empty"
cat >"$TMP/web-tls.yml" <<EOF
# TLS material from the fixtures
tls_server_config:
  cert_file: $web/server.crt
  key_file: $web/server.key
EOF
where="$TMP/web-tls.yml:3:3: tls_server_config: cannot load module $empty/tls.so: "
run_capture env HAWATCH_MODULE_DIR="$empty" timeout 10 "$HAWATCH_BIN" \
  --web.listen-address="127.0.0.1:$(free_port)" --web.config.file="$TMP/web-tls.yml"
[[ $RC != 0 && $RC != 124 ]] || fail "missing module: hawatch exited $RC (want a start-up failure)
$ERR"
ok "missing module: hawatch refuses to start (exit $RC)"
assert_contains "$ERR" "$where" "missing module: the start-up error names FILE:LINE:COL and the module path"
assert_not_contains "$ERR" "msg=listening" "missing module: never listened"
run_capture env HAWATCH_MODULE_DIR="$empty" "$HAWATCH_BIN" --check-config \
  --web.config.file="$TMP/web-tls.yml"
assert_eq 1 "$RC" "missing module: --check-config exits 1"
assert_contains "$ERR" "$where" "missing module: --check-config names FILE:LINE:COL and the module path"

# A file that is not a loadable module: the dynamic loader's reason is passed on.
broken=$TMP/broken-modules
mkdir -p "$broken"
echo "not an ELF file" >"$broken/tls.so"
run_capture env HAWATCH_MODULE_DIR="$broken" "$HAWATCH_BIN" --check-config \
  --web.config.file="$TMP/web-tls.yml"
assert_eq 1 "$RC" "broken module: --check-config exits 1"
assert_match "$ERR" "cannot load module $broken/tls\.so: .*(invalid ELF header|too short)" \
  "broken module: the dynamic loader's reason is in the error"

# Without TLS the module is never needed, so its absence does not matter.
HAWATCH_LAUNCH=(env HAWATCH_MODULE_DIR="$empty")
start_hawatch
assert_eq 200 "$(hstatus /metrics)" "no modules at all: plain HTTP still served"
stop_process "$HAWATCH_PID"
HAWATCH_LAUNCH=()

# ---- 5. --check-config loads the TLS material as start-up would --------------------------------
cat >"$TMP/web-mismatch.yml" <<EOF
tls_server_config:
  cert_file: $web/ca.crt
  key_file: $web/server.key
EOF
run_capture "$HAWATCH_BIN" --check-config --web.config.file="$TMP/web-mismatch.yml"
assert_eq 1 "$RC" "key not matching the certificate: --check-config exits 1"
assert_contains "$ERR" "$TMP/web-mismatch.yml:2:3: tls_server_config: TLS setup failed: " \
  "key not matching the certificate: --check-config names FILE:LINE:COL"
run_capture "$HAWATCH_BIN" --check-config --web.config.file="$web/tls.yml"
assert_eq 0 "$RC" "the fixture web config (mutual TLS, basic auth) passes --check-config"
