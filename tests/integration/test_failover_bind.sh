#!/usr/bin/env bash
# Two hawatch nodes running the same failover group on one record of a real BIND zone, through the
# RFC 2136 hook with TSIG (tests/fixtures/dns/bind_fixture.sh), both probing the same app:
#   - both learn "primary" from the served record;
#   - the app fails -> exactly one DNS change: the SOA serial goes up by one and the A record
#     flips once to the backup, checked with dig;
#   - both nodes end in failed_over (hawatch_failover_state 1): the one that lost the race, or came
#     second, adopts the other's change (cas_lost, or "the record already serves");
#   - hawatch_dns_updates_total{result="ok"} and the transitions summed over both nodes are 1, and
#     the audit logs say who changed the record and who adopted;
#   - nothing changes afterwards while the app stays down;
#   - then manual fail-back and fail-over requests sent to both nodes at the same instant race in
#     BIND itself: each round makes exactly one change, one node wins, the other loses the
#     compare-and-swap (cas_lost) and adopts, and both agree on the state.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/failover_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/failover_lib.sh"

start_bind
ok "BIND answering on 127.0.0.1:$BIND_PORT"
assert_eq "$PRIMARY" "$(served vip.test.example)" "BIND serves the primary"
start_app web
APP=$APP_PORT

# node_config NODE : writes $TMP/NODE.yml (state in $TMP/NODE-state) and prints its path.
node_config() {
  local node=$1 state=$TMP/$1-state
  mkdir -p "$state"
  cat >"$TMP/$node.yml" <<YAML
global: { state_directory: $state }
collectors:
  node: { enabled: false }
  probes:
    - { name: app, interval: 1s, timeout: 500ms, http: { url: "http://127.0.0.1:$APP/health" } }
failover:
  - name: vip
    record: { zone: test.example, name: vip.test.example, type: A, ttl: 30 }
    primary: $PRIMARY
    backup: $BACKUP
    health: { probe: app }
    fail_after: 3
    min_hold: 0s  # the racing rounds below change the record back to back
    failback: { mode: manual }
    update:
$(rfc2136_update)
YAML
  echo "$TMP/$node.yml"
}
declare -A URL=() AUDIT=()
for n in a b; do
  cfg=$(node_config "$n")
  run_capture "$HAWATCH_BIN" --check-config "--config.file=$cfg"
  assert_eq 0 "$RC" "node $n: --check-config accepts the rfc2136 group ($ERR)"
  start_hawatch "--config.file=$cfg"
  URL[$n]=$HAWATCH_URL
  AUDIT[$n]=$TMP/$n-state/failover-audit.jsonl
done
# on NODE CMD... : CMD against node NODE's API.
on() {
  local HAWATCH_URL=${URL[$1]}
  shift
  "$@"
}
metric() { sample_value "$(on "$1" scrape)" "$2"; }  # NODE SELECTOR
sum_metric() { echo $(($(metric a "$1") + $(metric b "$1"))); }

for n in a b; do
  wait_until 20 "node $n learns primary and sees the app healthy" \
    "[[ \$(on $n group_field vip state) == primary && \$(on $n group_field vip healthy) == true ]]"
  ok "node $n: primary (learnt from BIND), app healthy"
done
serial0=$(soa_serial)
[[ $serial0 =~ ^[0-9]+$ ]] || fail "no SOA serial from BIND: '$serial0'"

# ---- the app fails: both nodes see it, one changes the record -----------------------------------
app_fail web
wait_until 20 "BIND serves the backup" '[[ $(served vip.test.example) == "$BACKUP" ]]'
ok "BIND serves the backup, and only it"
for n in a b; do
  wait_until 20 "node $n failed_over" "[[ \$(metric $n 'hawatch_failover_state{group=\"vip\"}') == 1 ]]"
  ok "node $n: hawatch_failover_state 1"
  assert_eq failed_over "$(on $n group_field vip state)" "node $n: API says failed_over"
done
# Give a late second writer time to show itself: nothing may change any more.
sleep 3
assert_eq $((serial0 + 1)) "$(soa_serial)" "exactly one DNS change: the SOA serial went up by one"
assert_eq "$BACKUP" "$(served vip.test.example)" "still the backup"
assert_eq 1 "$(sum_metric 'hawatch_dns_updates_total{group="vip",result="ok"}')" \
  "hawatch_dns_updates_total{result=\"ok\"} summed over both nodes is 1"
assert_eq 1 "$(sum_metric 'hawatch_failover_transitions_total{group="vip"}')" \
  "one transition over both nodes (adopting is not a transition)"
for r in refused notauth servfail timeout error; do
  [[ $(sum_metric "hawatch_dns_updates_total{group=\"vip\",result=\"$r\"}") == 0 ]] ||
    fail "an update ended $r"
done
ok "no update was refused, unauthenticated, failed or timed out"

# Who did what, from the audit logs: one fail_over with result ok, one adoption.
actions() { jq -r 'select(.group == "vip") | .action' "${AUDIT[$1]}" | paste -sd' '; }
# audited NODE FILTER : how many of NODE's audit entries match FILTER (jq 1.6's -e looks at the
# last line only, so count instead).
audited() { jq -s "map(select(.group == \"vip\" and ($2))) | length" "${AUDIT[$1]}"; }
winner="" loser=""
for n in a b; do
  if (($(audited "$n" '.action == "fail_over" and .result == "ok"') == 1)); then
    winner+=$n
  else
    loser+=$n
  fi
done
[[ ${#winner} == 1 && ${#loser} == 1 ]] ||
  fail "expected one node to change the record, winners '$winner' (a: $(actions a); b: $(actions b))"
ok "node $winner changed the record ($(actions "$winner"))"
(($(audited "$loser" '.action == "adopted" and .to == "failed_over"') == 1)) ||
  fail "node $loser did not adopt: $(actions "$loser")"
how=$(jq -r 'select(.group == "vip" and .action == "adopted") | .reason' "${AUDIT[$loser]}" | head -n1)
ok "node $loser adopted the change ($how)"
assert_eq 0 "$(metric "$loser" 'hawatch_failover_transitions_total{group="vip"}')" \
  "the adopting node counts no transition of its own"
assert_promtool_clean "node b after the failover"

# ---- manual requests racing: both nodes write at the same instant -------------------------------
app_heal web
# race ACTION STATE : POSTs ACTION to both nodes at once (one curl, both transfers started
# together); exactly one change, both end in STATE.
race() {
  local action=$1 want=$2 before n codes
  before=$(soa_serial)
  codes=$(curl -sS --max-time 20 --parallel --parallel-immediate -w '%{http_code}\n' \
    -d "" -o "$TMP/race-a.json" "${URL[a]}/api/v1/failover/vip/$action" \
    -d "" -o "$TMP/race-b.json" "${URL[b]}/api/v1/failover/vip/$action" | paste -sd' ')
  [[ $codes == "200 200" ]] || fail "$action on both nodes: $codes $(cat "$TMP"/race-?.json)"
  for n in a b; do
    wait_until 10 "node $n $want" "[[ \$(on $n group_field vip state) == $want ]]"
  done
  [[ $(soa_serial) == $((before + 1)) ]] || fail "$action race: serial $before -> $(soa_serial), not one change"
}
cas_lost() { sum_metric 'hawatch_dns_updates_total{group="vip",result="cas_lost"}'; }
# Whether the loser's write reaches BIND before the winner's is up to the scheduler: race until
# BIND itself refused at least two writes (cas_lost), 3 to 12 rounds.
rounds=0
while ((rounds < 3 || ($(cas_lost) < 2 && rounds < 12))); do
  rounds=$((rounds + 1))
  race fail-back primary
  [[ $(served vip.test.example) == "$PRIMARY" ]] || fail "round $rounds: BIND serves $(served vip.test.example) after fail-back"
  race fail-over failed_over
  [[ $(served vip.test.example) == "$BACKUP" ]] || fail "round $rounds: BIND serves $(served vip.test.example) after fail-over"
done
changes=$((1 + 2 * rounds))
ok "$rounds rounds of fail-back + fail-over sent to both nodes at once: each exactly one DNS change, both nodes agree"
assert_eq $((serial0 + changes)) "$(soa_serial)" "$changes changes in all (1 + $rounds x 2)"
assert_eq $changes "$(sum_metric 'hawatch_dns_updates_total{group="vip",result="ok"}')" "$changes ok updates over both nodes"
assert_eq $changes "$(sum_metric 'hawatch_failover_transitions_total{group="vip"}')" "$changes transitions over both nodes"
losses=$(cas_lost)
adoptions=$(($(audited a '.action == "adopted"') + $(audited b '.action == "adopted"')))
assert_eq $changes "$adoptions" "each change was adopted by the other node"
((losses >= 2)) || fail "in $rounds rounds no more than $losses writes lost the compare-and-swap in BIND: the races were not races"
ok "BIND's prerequisite decided $losses of the $((2 * rounds)) races (cas_lost); in the others the loser read the new value first"
