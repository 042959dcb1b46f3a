#!/usr/bin/env bash
# alertmanager_configs against two real Alertmanagers 0.25 (gossip off), driven through the spool
# by alert_receiver_tool: a firing notification reaches BOTH listed Alertmanagers (one of them
# under a route prefix in its URL) and shows in their API and in amtool with labels (also odd
# ones), annotations, generatorURL and an endsAt 4 repeat intervals ahead; the resolved one
# resolves them there. One Alertmanager down: its integration is retried and given up at the
# deadline while the other still gets the notification; a notification spooled while it was down
# reaches it after its restart (replay). An alert the Alertmanager refuses (an invalid label
# name: 400) is given up at once, not retried. Over TLS with basic auth (the Alertmanager's own
# web config): delivered with the CA file; a wrong password (401) is given up; an untrusted
# certificate is retried until the deadline.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd prometheus-alertmanager amtool

TOOL=${HAWATCH_BUILD_DIR:?}/alerting/alert_receiver_tool
[[ -x $TOOL ]] || fail "alert_receiver_tool not built ($TOOL)"
AM1=$(free_port)
AM2=$(free_port)

cat >"$TMP/am.yml" <<'YAML'
route: { receiver: blackhole }
receivers: [ { name: blackhole } ]
YAML

# start_am N PORT [ARGS...] : sets AM_PID_N.
start_am() {
  local n=$1 port=$2
  shift 2
  start_bg "alertmanager$n" "$TMP/am$n.$port.$SECONDS.log" prometheus-alertmanager \
    --config.file="$TMP/am.yml" --storage.path="$TMP/am$n-data" \
    --web.listen-address="127.0.0.1:$port" --cluster.listen-address= "$@"
  printf -v "AM_PID_$n" %s "$BG_PID"
}
start_am 1 "$AM1"
start_am 2 "$AM2" --web.route-prefix=/am
wait_until 20 "alertmanager 1 ready" "curl -sf http://127.0.0.1:$AM1/-/ready >/dev/null"
wait_until 20 "alertmanager 2 ready" "curl -sf http://127.0.0.1:$AM2/am/-/ready >/dev/null"

ODD='a b "q" ; $(id) `id` tab	end'
cat >"$TMP/fwd.yml" <<YAML
deadline: ${DEADLINE:-3s}
labels: { site: '$(sed "s/'/''/g" <<<"$ODD")', severity: critical }
receiver:
  alertmanager_configs:
    - urls: [ "http://127.0.0.1:$AM1", "http://127.0.0.1:$AM2/am/" ]
      timeout: 2s
      api_version: v2
YAML

# GET /api/v2/alerts of Alertmanager at BASE for our alerts.
am_alerts() { curl -sf -G "$1/api/v2/alerts" --data-urlencode 'filter=alertname="ForwardTest"'; }

# ---- firing: both Alertmanagers have it -------------------------------------------------------
run_capture "$TOOL" "$TMP/fwd.yml" "$TMP/spool" send firing 2
assert_eq 0 "$RC" "send exits 0 (stderr: $ERR)"
assert_contains "$OUT" "integration=alertmanager/0 attempts=1 delivered=1 failed_attempts=0 given_up=0" \
  "alertmanager 1 took it at the first attempt"
assert_contains "$OUT" "integration=alertmanager/1 attempts=1 delivered=1 failed_attempts=0 given_up=0" \
  "alertmanager 2 (route prefix /am) took it at the first attempt"
for base in "http://127.0.0.1:$AM1" "http://127.0.0.1:$AM2/am"; do
  A=$(am_alerts "$base")
  assert_eq 2 "$(jq length <<<"$A")" "$base lists both alerts"
  assert_eq "active active" "$(jq -r '[.[].status.state] | join(" ")' <<<"$A")" "$base: active"
  assert_eq "pi0 pi1" "$(jq -r '[.[].labels.instance] | sort | join(" ")' <<<"$A")" "$base: instances"
  assert_eq "$ODD" "$(jq -r '.[0].labels.site' <<<"$A")" "$base: an odd label value arrives unchanged"
  assert_match "$(jq -r '.[0].annotations.summary' <<<"$A")" '^instance [01] is down$' "$base: annotation"
  assert_eq "http://127.0.0.1:9090/graph?g0.expr=up+%3D%3D+0" "$(jq -r '.[0].generatorURL' <<<"$A")" \
    "$base: generatorURL"
  ends=$(date -d "$(jq -r '.[0].endsAt' <<<"$A")" +%s)
  left=$((ends - $(date +%s)))
  ((left > 2300 && left <= 2400)) || fail "$base: endsAt is $left s ahead, not 4 x 10m"
  ok "$base: a firing alert is valid for 4 repeat intervals ($left s)"
done
run_capture amtool alert query --alertmanager.url="http://127.0.0.1:$AM1" -o json alertname=ForwardTest
assert_eq 0 "$RC" "amtool alert query (stderr: $ERR)"
assert_eq 2 "$(jq length <<<"$OUT")" "amtool sees both alerts"
run_capture amtool alert query --alertmanager.url="http://127.0.0.1:$AM2/am" instance=pi1
assert_contains "$OUT" "ForwardTest" "amtool sees the alert in alertmanager 2"

# ---- resolved: gone from the active alerts of both ---------------------------------------------
run_capture "$TOOL" "$TMP/fwd.yml" "$TMP/spool" send resolved 2
assert_contains "$OUT" "attempts=2 delivered=2 failed_attempts=0 given_up=0" "resolved notification delivered to both"
assert_eq 0 "$(am_alerts "http://127.0.0.1:$AM1" | jq length)" "alertmanager 1 resolved the alerts"
assert_eq 0 "$(am_alerts "http://127.0.0.1:$AM2/am" | jq length)" "alertmanager 2 resolved the alerts"

# ---- one Alertmanager down ---------------------------------------------------------------------
stop_process "$AM_PID_1"
run_capture "$TOOL" "$TMP/fwd.yml" "$TMP/spool" send firing 1
assert_eq 0 "$RC" "send with alertmanager 1 down exits 0"
assert_match "$OUT" '^integration=alertmanager/0 attempts=([3-9]|[1-9][0-9]) delivered=0 failed_attempts=[0-9]+ given_up=1$' \
  "alertmanager 1 down: retried, then given up at the deadline"
assert_contains "$OUT" "integration=alertmanager/1 attempts=1 delivered=1" "alertmanager 2 still got it"
assert_contains "$ERR" "connect" "the log says why (connect)"
assert_eq 1 "$(am_alerts "http://127.0.0.1:$AM2/am" | jq length)" "alertmanager 2 lists the alert"

# Spooled while down ("crash" before any delivery), delivered after the restart.
run_capture "$TOOL" "$TMP/fwd.yml" "$TMP/spool" enqueue firing 2
assert_eq 2 "$(find "$TMP/spool" -maxdepth 1 -type f | wc -l)" "two records spooled (one per Alertmanager)"
start_am 1 "$AM1"
wait_until 20 "alertmanager 1 ready again" "curl -sf http://127.0.0.1:$AM1/-/ready >/dev/null"
run_capture "$TOOL" "$TMP/fwd.yml" "$TMP/spool" replay
assert_contains "$OUT" "attempts=2 delivered=2 failed_attempts=0 given_up=0" "replay delivered both records"
assert_eq 2 "$(am_alerts "http://127.0.0.1:$AM1" | jq length)" "the restarted alertmanager 1 has the alerts"
assert_eq 0 "$(find "$TMP/spool" -maxdepth 1 -type f | wc -l)" "spool empty"

# ---- refused for good --------------------------------------------------------------------------
sed -i 's/^labels: {/labels: { "bad-name": x,/' "$TMP/fwd.yml"
run_capture "$TOOL" "$TMP/fwd.yml" "$TMP/spool" send firing 1
assert_contains "$OUT" "integration=alertmanager/0 attempts=1 delivered=0 failed_attempts=1 given_up=1" \
  "400 from alertmanager 1: given up at once"
assert_contains "$OUT" "integration=alertmanager/1 attempts=1 delivered=0 failed_attempts=1 given_up=1" \
  "400 from alertmanager 2: given up at once"
assert_contains "$ERR" "HTTP 400" "the log has the status"

# ---- TLS and basic auth (the Alertmanager's own web config) ------------------------------------
AM3=$(free_port)
WEB=$HAWATCH_FIXTURES/web
cat >"$TMP/am-web.yml" <<YAML
tls_server_config: { cert_file: $WEB/server.crt, key_file: $WEB/server.key }
basic_auth_users:
  user: $(htpasswd -nbBC 10 user secret | cut -d: -f2)
YAML
start_am 3 "$AM3" --web.config.file="$TMP/am-web.yml"
wait_until 20 "alertmanager 3 (TLS) ready" \
  "curl -sf --cacert '$WEB/server.crt' -u user:secret https://127.0.0.1:$AM3/-/ready >/dev/null"
printf 'secret\n' >"$TMP/password"
printf 'wrong\n' >"$TMP/wrong"
# tls_am NAME PASSWORD_FILE [TLS_CONFIG]
tls_am() {
  cat >"$TMP/$1.yml" <<YAML
deadline: 2s
receiver:
  alertmanager_configs:
    - urls: [ "https://127.0.0.1:$AM3" ]
      basic_auth: { username: user, password_file: $2 }
      tls_config: ${3:-{ ca_file: $WEB/server.crt \}}
YAML
}
tls_am tls "$TMP/password"
run_capture "$TOOL" "$TMP/tls.yml" "$TMP/spool" send firing 1
assert_contains "$OUT" "attempts=1 delivered=1 failed_attempts=0 given_up=0" "delivered over TLS with basic auth"
assert_eq 1 "$(curl -sf --cacert "$WEB/server.crt" -u user:secret -G "https://127.0.0.1:$AM3/api/v2/alerts" \
  --data-urlencode 'filter=alertname="ForwardTest"' | jq length)" "alertmanager 3 has the alert"
tls_am wrong "$TMP/wrong"
run_capture "$TOOL" "$TMP/wrong.yml" "$TMP/spool" send firing 1
assert_contains "$OUT" "attempts=1 delivered=0 failed_attempts=1 given_up=1" "a wrong password (401) is given up at once"
assert_contains "$ERR" "HTTP 401" "the log has 401"
tls_am untrusted "$TMP/password" "{}"
run_capture "$TOOL" "$TMP/untrusted.yml" "$TMP/spool" send firing 1
assert_match "$OUT" '^attempts=[2-9][0-9]* delivered=0 failed_attempts=[0-9]+ given_up=1$' \
  "an untrusted certificate is retried until the deadline, never sent in clear"
assert_contains "$ERR" "detail=\"tls: " "the log says tls"
