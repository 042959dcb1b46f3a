#!/usr/bin/env bash
# How long a DNS failover takes (issue 16): from the primary's app failing to the authoritative
# server answering with the backup address. A real BIND serves the record and takes the update
# over RFC 2136 with TSIG (tests/fixtures/dns/bind_fixture.sh); hawatch probes the app every 1 s
# with fail_after 3. Each run waits a random 0-1 s phase against the probe schedule, fails the
# app, and polls BIND with dig every ~20 ms until it serves the backup; then the app is healed
# and the group failed back by API for the next run. Printed: p50, p95 and max over RUNS runs,
# and where the time goes, from the audit log's time of the first update attempt: fault ->
# decision (the probe schedule and fail_after), decision -> BIND serves it (the RFC 2136 update
# and BIND applying it, plus up to ~20 ms of polling).
#
#   bench/failover.sh                   # RUNS=20 BUILD_DIR=build (hawatch built there)
#
# Needs named, dig, tsig-keygen, curl, jq (scripts/install-deps.sh). Loopback only. ~2 min.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
RUNS=${RUNS:-20}
export HAWATCH_BIN=${HAWATCH_BIN:-$BUILD_DIR/exporter/hawatch}
export HAWATCH_SOURCE_DIR=$ROOT HAWATCH_FIXTURES=$ROOT/tests/fixtures TEST_NAME=bench-failover
# The integration tests' helpers start and clean up BIND, the app and hawatch (their EXIT trap).
# shellcheck source=tests/integration/lib.sh
source "$ROOT/tests/integration/lib.sh"
# shellcheck source=tests/integration/failover_lib.sh
source "$ROOT/tests/integration/failover_lib.sh"

start_bind
start_app web
STATE=$TMP/state
mkdir -p "$STATE"
AUDIT=$STATE/failover-audit.jsonl
cat >"$TMP/hawatch.yml" <<YAML
global: { state_directory: $STATE }
collectors:
  node: { enabled: false }
  probes:
    - { name: app, interval: 1s, timeout: 500ms, http: { url: "http://127.0.0.1:$APP_PORT/health" } }
failover:
  - name: vip
    record: { zone: test.example, name: vip.test.example, type: A, ttl: 30 }
    primary: $PRIMARY
    backup: $BACKUP
    health: { probe: app }
    fail_after: 3
    min_hold: 0s  # back-to-back runs
    failback: { mode: manual }
    update:
$(rfc2136_update)
YAML
start_hawatch "--config.file=$TMP/hawatch.yml"
wait_until 15 "vip primary and healthy" '[[ $(group_field vip state) == primary && $(group_field vip healthy) == true ]]'

now() { date +%s.%N; }
# The audit time (epoch seconds) of the first line after line SKIP with this action.
audit_time() {  # SKIP ACTION
  tail -n +"$(($1 + 1))" "$AUDIT" |
    jq -r --arg a "$2" 'select(.action == $a) | .time' | head -n1 |
    /usr/bin/python3 -c 'import sys, datetime; t = sys.stdin.read().strip(); print(datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() if t else "")'
}

declare -a TOTAL=() DECIDE=() WRITE=()
for ((run = 1; run <= RUNS; run++)); do
  skip=$(wc -l <"$AUDIT")
  sleep "$(/usr/bin/python3 -c 'import random; print(f"{random.random():.3f}")')"
  t0=$(now)
  app_fail web
  until [[ $(served vip.test.example) == "$BACKUP" ]]; do
    (($(date +%s) - ${t0%.*} < 30)) || { echo "run $run: BIND did not serve the backup within 30 s" >&2; exit 1; }
    sleep 0.02
  done
  t3=$(now)
  wait_until 10 "the fail_over in the audit log" "tail -n +$((skip + 1)) '$AUDIT' | grep -q '\"fail_over\"'"
  t1=$(audit_time "$skip" update)
  read -r total decide write < <(awk -v a="$t0" -v b="$t1" -v d="$t3" \
    'BEGIN { printf "%.3f %.3f %.3f\n", d - a, b - a, d - b }')
  TOTAL+=("$total") DECIDE+=("$decide") WRITE+=("$write")
  printf 'run %2d: %s s (fault->decision %s, decision->served %s)\n' "$run" "$total" "$decide" "$write" >&2
  app_heal web
  wait_until 10 "healthy again" '[[ $(group_field vip healthy) == true ]]'
  hcurl /api/v1/failover/vip/fail-back -X POST -d '' >/dev/null
  wait_until 10 "BIND serves the primary again" '[[ $(served vip.test.example) == "$PRIMARY" ]]'
  wait_until 10 "vip primary" '[[ $(group_field vip state) == primary ]]'
done

# p50 / p95 / max (nearest rank) of the arguments.
stats() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
  p50 = v[int(NR * 0.50 + 0.999)]; p95 = v[int(NR * 0.95 + 0.999)]
  printf "p50 %.2f s, p95 %.2f s, max %.2f s", p50, p95, v[NR] }'; }
echo "## DNS failover time ($RUNS runs, $(date -u +%F), $(nproc) cores, $("$HAWATCH_BIN" --version 2>&1 | head -n1))"
echo
echo "probe interval 1 s, fail_after 3, RFC 2136 + TSIG to BIND $(named -v | awk '{ print $2 }') on loopback; random 0-1 s phase; dig every ~20 ms"
echo
echo "| stage | figure |"
echo "| --- | --- |"
echo "| app fails -> BIND serves the backup | $(stats "${TOTAL[@]}") |"
echo "| app fails -> decision (3 failed probes) | $(stats "${DECIDE[@]}") |"
echo "| decision -> BIND serves it | $(stats "${WRITE[@]}") |"
