#!/usr/bin/env bash
# The command line without a running daemon: --check-config, --version, --help, bad flags.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---- --check-config -------------------------------------------------------------------------
run_capture "$HAWATCH_BIN" --check-config
assert_eq 0 "$RC" "embedded default config: exit 0"
assert_match "$OUT" '^<embedded default>: OK' "embedded default config: says OK"

good=$TMP/good.yml
cat >"$good" <<EOF
global:
  node_name: pi-test
  collector_workers: 2
web:
  listen_address: "127.0.0.1:9999"
  telemetry_path: /metrics
collectors:
  node:
    interval: 10s
    timeout: 2s
    mountpoints: ["/", "$TMP"]
EOF
run_capture "$HAWATCH_BIN" --check-config --config.file="$good"
assert_eq 0 "$RC" "good config file: exit 0"
assert_match "$OUT" "^$good: OK" "good config file: says OK"
assert_eq "" "$ERR" "good config file: nothing on stderr"

for f in "$HAWATCH_FIXTURES"/config/good/*.yml; do
  run_capture "$HAWATCH_BIN" --check-config --config.file="$f"
  [[ $RC == 0 ]] || fail "fixture $f: --check-config exited $RC: $ERR"
done
ok "every fixtures/config/good file passes"

two=$TMP/two-errors.yml
cat >"$two" <<'EOF'
global:
  node_name: pi-test
  colector_workers: 4
collectors:
  node:
    interval: 10x
EOF
run_capture "$HAWATCH_BIN" --check-config --config.file="$two"
assert_eq 1 "$RC" "two errors: exit 1"
assert_match "$ERR" "^$two:3:3: .*colector_workers" "two errors: first error at $two:3:3"
assert_match "$ERR" "^$two:6:15: .*interval" "two errors: second error at $two:6:15"
assert_eq 2 "$(grep -c "^$two:[0-9]*:[0-9]*: " <<<"$ERR")" "two errors: exactly two diagnostics"
assert_not_contains "$OUT" "OK" "two errors: no OK on stdout"

for f in "$HAWATCH_FIXTURES"/config/bad/*.yml; do
  run_capture "$HAWATCH_BIN" --check-config --config.file="$f"
  [[ $RC == 1 ]] || fail "fixture $f: --check-config exited $RC (want 1)"
  grep -q "^$f" <<<"$ERR" || fail "fixture $f: the error does not name the file: $ERR"
done
ok "every fixtures/config/bad file fails with exit 1 naming the file"

missing=$TMP/no-such-config.yml
run_capture "$HAWATCH_BIN" --check-config --config.file="$missing"
assert_eq 1 "$RC" "missing file: exit 1"
assert_match "$ERR" "^$missing: " "missing file: the error names the file"

# The daemon itself refuses the same files at start-up, naming FILE:LINE:COL.
run_capture timeout 10 "$HAWATCH_BIN" --config.file="$two" --web.listen-address="127.0.0.1:$(free_port)"
assert_eq 1 "$RC" "two errors: the daemon exits 1 at start-up"
assert_match "$ERR" "$two:3:3: " "two errors: start-up log names $two:3:3"
assert_match "$ERR" "$two:6:15: " "two errors: start-up log names $two:6:15"
run_capture timeout 10 "$HAWATCH_BIN" --config.file="$missing" --web.listen-address="127.0.0.1:$(free_port)"
assert_eq 1 "$RC" "missing file: the daemon exits 1 at start-up"
assert_contains "$ERR" "$missing" "missing file: start-up log names the file"

# A listen address nobody can use is a start-up error, not a hang.
busy_port=$(free_port)
"$PY" -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
print("bound", flush=True); time.sleep(20)' "$busy_port" >"$TMP/busy.out" &
busy_pid=$!
_BG_PIDS+=("$busy_pid"); _BG_NAME[$busy_pid]=port-holder; _BG_LOG[$busy_pid]=$TMP/busy.out
wait_until 5 "port holder" "grep -q bound '$TMP/busy.out'"
run_capture timeout 10 "$HAWATCH_BIN" --web.listen-address="127.0.0.1:$busy_port"
assert_eq 1 "$RC" "port in use: exit 1"
assert_match "$ERR" "level=error .*127\.0\.0\.1:$busy_port" "port in use: the error names the address"
stop_process "$busy_pid"

# ---- --version, --help, bad flags -------------------------------------------------------------
run_capture "$HAWATCH_BIN" --version
assert_eq 0 "$RC" "--version: exit 0"
want_version=$(sed -nE 's/^project\(hawatch[^)]*VERSION ([0-9.]+).*/\1/p' "$HAWATCH_SOURCE_DIR/CMakeLists.txt" | head -1)
[[ -n $want_version ]] || want_version='[0-9]+\.[0-9]+\.[0-9]+'
assert_match "$OUT" "^hawatch, version $want_version \(revision: [^)]+\)$" "--version prints the version"
assert_eq "" "$ERR" "--version: nothing on stderr"

run_capture "$HAWATCH_BIN" --help
assert_eq 0 "$RC" "--help: exit 0"
assert_match "$OUT" '^usage: hawatch' "--help prints the usage"

for args in "--no-such-flag" "--web.listen-addres=:1" "positional" "--log.level=loud" \
  "--log.format=xml" "--config.file" "--version=yes"; do
  # shellcheck disable=SC2086
  run_capture "$HAWATCH_BIN" $args
  [[ $RC == 2 ]] || fail "'$args': exit $RC, want 2"
  grep -q '^usage: hawatch' <<<"$ERR" || fail "'$args': no usage on stderr: $ERR"
  [[ -z $OUT ]] || fail "'$args': unexpected stdout: $OUT"
done
ok "bad flags: exit 2 with the usage on stderr"
run_capture "$HAWATCH_BIN" --no-such-flag
assert_match "$ERR" '^hawatch: .*--no-such-flag' "unknown flag: the message names the flag"
