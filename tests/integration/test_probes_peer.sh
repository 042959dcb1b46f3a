#!/usr/bin/env bash
# The primary/backup heartbeat: two hawatch instances probe each other's /-/healthy (the backup's
# with basic auth); stopping one shows up on the other as a failing peer with growing strikes.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd htpasswd

PORT_A=$(free_port)
PORT_B=$(free_port)
[[ $PORT_A != "$PORT_B" ]] || PORT_B=$(free_port)
printf 's3cret\n' >"$TMP/peer.password"
chmod 600 "$TMP/peer.password"
hash=$(htpasswd -nbBC 10 peer s3cret | cut -d: -f2-)
printf 'basic_auth_users:\n  peer: %s\n' "$hash" >"$TMP/web-b.yml"

cat >"$TMP/a.yml" <<YAML
global: { node_name: primary }
collectors:
  node: { enabled: false }
  probes:
    - name: backup-node
      interval: 500ms
      timeout: 400ms
      peer: { url: "http://127.0.0.1:$PORT_B", basic_auth: { username: peer, password_file: "$TMP/peer.password" } }
    - { name: backup-node-noauth, interval: 500ms, timeout: 400ms, peer: { url: "http://127.0.0.1:$PORT_B/" } }
YAML
cat >"$TMP/b.yml" <<YAML
global: { node_name: backup }
collectors:
  node: { enabled: false }
  probes:
    - { name: primary-node, interval: 500ms, timeout: 400ms, peer: { url: "http://127.0.0.1:$PORT_A" } }
YAML

start_bg hawatch-a "$TMP/a.log" "$HAWATCH_BIN" --config.file="$TMP/a.yml" --web.listen-address=127.0.0.1:$PORT_A
PID_A=$BG_PID
start_bg hawatch-b "$TMP/b.log" "$HAWATCH_BIN" --config.file="$TMP/b.yml" \
  --web.listen-address=127.0.0.1:$PORT_B --web.config.file="$TMP/web-b.yml"
PID_B=$BG_PID
metrics_a() { curl -sS --max-time 5 "http://127.0.0.1:$PORT_A/metrics" 2>/dev/null || true; }
metrics_b() { curl -sS --max-time 5 -u peer:s3cret "http://127.0.0.1:$PORT_B/metrics" 2>/dev/null || true; }

wait_until 15 "A sees B healthy" '[[ $(sample_value "$(metrics_a)" "hawatch_probe_success{probe=\"backup-node\"}") == 1 ]]'
ok "primary probes the backup's /-/healthy with basic auth: success"
wait_until 15 "B sees A healthy" '[[ $(sample_value "$(metrics_b)" "hawatch_probe_success{probe=\"primary-node\"}") == 1 ]]'
ok "backup probes the primary's /-/healthy: success"
M=$(metrics_a)
assert_eq 200 "$(sample_value "$M" 'hawatch_probe_http_status_code{probe="backup-node"}')" "peer answered 200"
assert_eq 0 "$(sample_value "$M" 'hawatch_probe_success{probe="backup-node-noauth"}')" "without credentials the peer probe fails"
assert_eq "401 1" "$(sample_value "$M" 'hawatch_probe_http_status_code{probe="backup-node-noauth"}') $(sample_value "$M" 'hawatch_probe_failure{probe="backup-node-noauth",reason="status_code"}')" \
  "... with 401 and reason status_code"
assert_match "$M" '^hawatch_probe_info\{kind="peer",probe="backup-node"\} 1$' "peer kind exposed"
! grep -q s3cret "$TMP/a.log" || fail "the peer password appears in the log"
ok "the peer password is not logged"

# The backup node dies: the primary counts strikes.
stop_process "$PID_B" TERM 10
t0=$(date +%s.%N)
wait_until 10 "A sees B down" '[[ $(sample_value "$(metrics_a)" "hawatch_probe_success{probe=\"backup-node\"}") == 0 ]]'
t1=$(date +%s.%N)
ok "primary noticed the backup down after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
M=$(metrics_a)
assert_eq 1 "$(sample_value "$M" 'hawatch_probe_failure{probe="backup-node",reason="connect"}')" "reason: connect"
wait_until 10 "three strikes" '(( $(sample_value "$(metrics_a)" "hawatch_probe_consecutive_failures{probe=\"backup-node\"}") >= 3 ))'
ok "three consecutive failures counted (the HA guide's failover threshold)"
last=$(sample_value "$(metrics_a)" 'hawatch_probe_last_success_timestamp_seconds{probe="backup-node"}')
awk -v t="$last" -v t0="$t0" 'BEGIN { exit !(t > 0 && t <= t0 + 0.01) }' ||
  fail "last success $last should be before the backup stopped ($t0)"
ok "last success timestamp stays at the last good heartbeat ($last)"
assert_eq 1 "$(sample_value "$(metrics_a)" 'hawatch_collector_success{collector="probes/backup-node"}')" \
  "a dead peer is a probe failure, not a collector failure"
