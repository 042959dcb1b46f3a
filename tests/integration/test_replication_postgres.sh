#!/usr/bin/env bash
# The postgres collector against a real PostgreSQL 15 primary (:15432) and streaming standby
# (:15433) — tests/fixtures/replication/pg_fixture.sh — with one unprivileged hawatch watching both
# (and a half-dead "server" that accepts and never answers):
#   steady state; replay paused with writes on the primary (bytes grow, lag never 0, heartbeat ages);
#   recovery_min_apply_delay 3s (lag seconds ≈ 3); standby stopped (primary: connected 0, slot
#   inactive, series still there); primary down (up 0; the standby: WAL receiver not streaming).
# Prints how long each scrape takes in the failure modes and how long each change took to show.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd psql promtool setpriv runuser
FX=$HAWATCH_FIXTURES/replication
P1=${PG_PRIMARY_PORT:-15432}
P2=${PG_STANDBY_PORT:-15433}
for p in "$P1" "$P2"; do
  ! ss -Hltn "sport = :$p" | grep -q . || fail "port $p is taken (another PostgreSQL test running?)"
done

# PostgreSQL runs as `postgres` and hawatch as `nobody`: both must reach their files under $TMP.
chmod 755 "$TMP"
pgfx() { D=$TMP/pg P1=$P1 P2=$P2 bash "$FX/pg_fixture.sh" "$@"; }
on_exit pgfx stop  # the servers are not children of this shell
t0=$(date +%s%N)
pgfx start
log_note "primary + streaming standby up in $((($(date +%s%N) - t0) / 1000000)) ms"

# A "server" that accepts connections (kernel backlog) and never says a word.
start_bg silent "$TMP/silent.log" "$PY" -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True); time.sleep(3600)'
SILENT_PID=$BG_PID
wait_until 5 "silent listener" '[[ -s $TMP/silent.log ]]'
SILENT_PORT=$(head -n1 "$TMP/silent.log")

printf 'hawatchpass\n' >"$TMP/pg.password"
chown nobody "$TMP/pg.password"
chmod 600 "$TMP/pg.password"
printf 'wrong-Secret-42\n' >"$TMP/wrong.password"
chown nobody "$TMP/wrong.password"
chmod 600 "$TMP/wrong.password"
DSN="host=127.0.0.1 user=hawatch dbname=postgres"
cat >"$TMP/hawatch.yml" <<YAML
global: { node_name: node-a }
collectors:
  node: { enabled: true }
  postgres:
    - { name: primary, dsn: "$DSN port=$P1", password_file: $TMP/pg.password, interval: 1s, timeout: 1s,
        standbys: [standby1], heartbeat: { interval: 1s } }
    - { name: standby, dsn: "$DSN port=$P2", password_file: $TMP/pg.password, interval: 1s, timeout: 1s,
        heartbeat: { interval: 1s } }
    - { name: wrongpw, dsn: "$DSN port=$P1", password_file: $TMP/wrong.password, interval: 1s, timeout: 1s }
    - { name: blackhole, dsn: "host=127.0.0.1 port=$SILENT_PORT user=hawatch connect_timeout=30",
        interval: 1s, timeout: 400ms }
YAML
HAWATCH_LAUNCH=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
start_hawatch "--config.file=$TMP/hawatch.yml"

M=
v() { sample_value "$M" "$1"; }
# wait_value SECONDS SELECTOR AWK-CONDITION DESCRIPTION: polls /metrics until the sample satisfies
# the condition (e.g. '>= 1'); prints how long that took.
wait_value() {
  local secs=$1 sel=$2 cond=$3 desc=$4 start value
  start=$(date +%s%N)
  local deadline=$((SECONDS + secs))
  while true; do
    M=$(scrape)
    value=$(v "$sel")
    if [[ -n $value ]] && awk -v x="$value" "BEGIN { exit !(x $cond) }"; then
      ok "$desc ($sel = $value, after $((($(date +%s%N) - start) / 1000000)) ms)"
      return 0
    fi
    ((SECONDS < deadline)) || fail "$desc: $sel = '${value}' did not become $cond within $secs s
$(grep -E '^hawatch_(replication|postgres)_' <<<"$M")"
    sleep 0.2
  done
}
expect() {  # SELECTOR AWK-CONDITION DESCRIPTION (on the last scrape in $M)
  local value
  value=$(v "$1")
  [[ -n $value ]] && awk -v x="$value" "BEGIN { exit !(x $2) }" ||
    fail "$3: $1 = '$value', expected $2
$(grep -E '^hawatch_(replication|postgres|collector_success)' <<<"$M")"
  ok "$3 ($1 = $value)"
}
# The scrape serves the snapshot: time a few of them while something is failing.
scrape_times() { assert_scrapes_fast "$1" 10; }
lint() {
  local out
  out=$(scrape | promtool check metrics 2>&1) || true
  [[ -z $out ]] || fail "promtool check metrics ($1): $out"
  ok "promtool check metrics finds nothing ($1)"
}
psql1() { psql -X -q -At -h 127.0.0.1 -p "$P1" -U postgres -d postgres -c "$1"; }
writes() {  # ROWS: one transaction that writes about 100 bytes of WAL per row
  psql1 "INSERT INTO writes SELECT FROM generate_series(1, $1)" >/dev/null
}
start_writer() {  # a small commit every 0.2 s, as an application would
  start_bg writer "$TMP/writer.log" bash -c "while :; do psql -X -q -h 127.0.0.1 -p $P1 -U postgres -d postgres \
    -c 'INSERT INTO writes DEFAULT VALUES' || exit 1; sleep 0.2; done"
  WRITER_PID=$BG_PID
}

PRI='name="primary"'
STB='name="standby"'
echo "== steady state"
wait_value 15 "hawatch_replication_connected{$PRI,replica=\"standby1\"}" '== 1' "primary sees standby1 connected"
wait_value 15 "hawatch_replication_heartbeat_age_seconds{$STB}" '< 3' "heartbeat replicated to the standby, fresh"
writes 100
wait_value 10 "hawatch_replication_lag_bytes{$PRI,replica=\"standby1\"}" '< 65536' "primary: standby1 replayed (bytes)"
expect "hawatch_replication_up{$PRI}" '== 1' "primary up"
expect "hawatch_replication_up{$STB}" '== 1' "standby up"
expect "hawatch_replication_is_replica{$PRI}" '== 0' "primary says it is not a replica"
expect "hawatch_replication_is_replica{$STB}" '== 1' "standby says it is a replica"
expect "hawatch_postgres_standby_state{$PRI,replica=\"standby1\",state=\"streaming\"}" '== 1' "standby1 streaming"
expect "hawatch_postgres_slot_active{$PRI,slot=\"standby1\",slot_type=\"physical\"}" '== 1' "slot standby1 active"
expect "hawatch_postgres_slot_retained_bytes{$PRI,slot=\"standby1\"}" '>= 0' "slot retained bytes reported"
expect "hawatch_replication_connected{$STB,replica=\"standby\"}" '== 1' "standby: receiving"
expect "hawatch_postgres_wal_receiver_streaming{$STB}" '== 1' "standby: WAL receiver streaming"
expect "hawatch_postgres_wal_replay_paused{$STB}" '== 0' "standby: replay not paused"
expect "hawatch_replication_lag_seconds{$STB,replica=\"standby\"}" '< 2' "standby: lag seconds small"
expect "hawatch_replication_lag_unknown{$STB,replica=\"standby\"}" '== 0' "standby: lag known"
expect "hawatch_postgres_heartbeat_up{$PRI}" '== 1' "primary writes the heartbeat"
expect "hawatch_collector_success{collector=\"postgres/primary\"}" '== 1' "primary run succeeds"
expect "hawatch_collector_success{collector=\"postgres/standby/heartbeat\"}" '== 1' "standby heartbeat run succeeds"
assert_eq "node-a" "$(psql1 "SELECT node FROM hawatch_heartbeat")" "heartbeat row keyed by global.node_name"
wait_value 5 "hawatch_postgres_error_info{name=\"blackhole\",reason=\"timeout\"}" '== 1' "half-dead server: timeout"
expect "hawatch_replication_up{name=\"blackhole\"}" '== 0' "half-dead server: up 0"
expect "hawatch_collector_duration_seconds{collector=\"postgres/blackhole\"}" '< 2.5' "half-dead server: run ends at its 0.4 s timeout (not connect_timeout=30)"
expect "hawatch_postgres_error_info{name=\"wrongpw\",reason=\"connection failed\"}" '== 1' "wrong password: up 0, connection failed"
expect "hawatch_collector_success{collector=\"node\"}" '== 1' "node collector unaffected"
lint "steady state"
backends() { psql1 "SELECT string_agg(pid::text, ',' ORDER BY pid) FROM pg_stat_activity WHERE usename = 'hawatch'"; }
before=$(backends)
sleep 1.5
[[ $before =~ ^[0-9]+,[0-9]+$ ]] || fail "expected 2 hawatch backends on the primary (main + heartbeat), got '$before'"
assert_eq "$before" "$(backends)" "connections are reused between runs (same 2 backends: $before)"
# The server closes hawatch's idle connections (as a restart or an idle timeout would): the next
# runs reconnect at once, without reporting an outage.
failures() { grep -c 'msg="collector failed" collector=postgres/primary' "$HAWATCH_LOG" || true; }
failed_before=$(failures)
psql1 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'hawatch'" >/dev/null
wait_until 10 "new hawatch backends" '[[ $(backends) =~ ^[0-9]+,[0-9]+$ && $(backends) != "$before" ]]'
sleep 1.2
M=$(scrape)
expect "hawatch_replication_up{$PRI}" '== 1' "closed idle connections: reconnected, still up"
assert_eq "$failed_before" "$(failures)" "closed idle connections: no failed run"
scrape_times "a server hangs"

echo "== replay paused, writes on the primary"
pgfx standby-sql "SELECT pg_wal_replay_pause()" >/dev/null
wait_value 5 "hawatch_postgres_wal_replay_paused{$STB}" '== 1' "standby: replay paused"
for _ in 1 2 3; do writes 2000; done
wait_value 10 "hawatch_replication_lag_bytes{$PRI,replica=\"standby1\"}" '> 100000' "primary: replay lag bytes grow"
wait_value 10 "hawatch_replication_lag_bytes{$STB,replica=\"standby\"}" '> 100000' "standby: received minus replayed grows"
wait_value 10 "hawatch_replication_lag_seconds{$STB,replica=\"standby\"}" '> 1' "standby: lag seconds not 0 while paused"
wait_value 10 "hawatch_replication_lag_seconds{$PRI,replica=\"standby1\"}" '> 1' "primary: lag seconds not 0 while paused"
wait_value 10 "hawatch_replication_heartbeat_age_seconds{$STB}" '> 3' "heartbeat age grows while paused"
expect "hawatch_postgres_wal_receiver_streaming{$STB}" '== 1' "standby: still receiving (only replay is blocked)"
pgfx standby-sql "SELECT pg_wal_replay_resume()" >/dev/null
wait_value 15 "hawatch_replication_lag_bytes{$STB,replica=\"standby\"}" '< 65536' "standby catches up after resume"
wait_value 10 "hawatch_replication_heartbeat_age_seconds{$STB}" '< 3' "heartbeat fresh again"

echo "== recovery_min_apply_delay = 3s, steady writes"
pgfx standby-sql "ALTER SYSTEM SET recovery_min_apply_delay = '3s'" >/dev/null
pgfx standby-sql "SELECT pg_reload_conf()" >/dev/null
start_writer
wait_value 15 "hawatch_replication_lag_seconds{$STB,replica=\"standby\"}" '>= 2.5' "standby: lag seconds reach the delay"
lags=()
for _ in 1 2 3 4 5 6; do
  sleep 0.5
  M=$(scrape)
  lags+=("$(v "hawatch_replication_lag_seconds{$STB,replica=\"standby\"}")")
done
log_note "standby lag seconds under a 3 s apply delay: ${lags[*]}"
for l in "${lags[@]}"; do
  awk -v x="$l" 'BEGIN { exit !(x >= 2.5 && x <= 5) }' || fail "lag $l s outside 2.5–5 s with a 3 s apply delay"
done
ok "standby lag seconds stay within 2.5–5 s with a 3 s apply delay"
wait_value 10 "hawatch_replication_heartbeat_age_seconds{$STB}" '>= 2.5' "heartbeat age shows the apply delay"
stop_process "$WRITER_PID"
pgfx standby-sql "ALTER SYSTEM RESET recovery_min_apply_delay" >/dev/null
pgfx standby-sql "SELECT pg_reload_conf()" >/dev/null
wait_value 15 "hawatch_replication_lag_seconds{$STB,replica=\"standby\"}" '< 1' "standby caught up without the delay"

echo "== standby stopped"
pgfx stop-standby
wait_value 10 "hawatch_replication_connected{$PRI,replica=\"standby1\"}" '== 0' "primary: standby1 disconnected, series kept"
expect "hawatch_postgres_slot_active{$PRI,slot=\"standby1\",slot_type=\"physical\"}" '== 0' "slot standby1 inactive, series kept"
expect "hawatch_postgres_standby_state{$PRI,replica=\"standby1\",state=\"streaming\"}" '== 0' "standby1 not streaming"
expect "hawatch_replication_lag_unknown{$PRI,replica=\"standby1\"}" '== 1' "primary: standby1's lag unknown, not 0"
wait_value 10 "hawatch_replication_up{$STB}" '== 0' "standby entry: up 0"
expect "hawatch_postgres_error_info{$STB,reason=\"connection failed\"}" '== 1' "standby entry: reason"
expect "hawatch_replication_up{$PRI}" '== 1' "primary entry unaffected"
expect "hawatch_collector_success{collector=\"node\"}" '== 1' "node collector unaffected"
scrape_times "the standby is down"
lint "standby down"
pgfx start-standby
wait_value 15 "hawatch_replication_connected{$PRI,replica=\"standby1\"}" '== 1' "standby1 back"

echo "== primary down"
pgfx kill-primary
wait_value 10 "hawatch_replication_up{$PRI}" '== 0' "primary entry: up 0"
expect "hawatch_postgres_error_info{$PRI,reason=\"connection failed\"}" '== 1' "primary entry: reason"
expect "hawatch_replication_connected{$PRI,replica=\"standby1\"}" '== 0' "primary entry: its known stream kept, connected 0"
expect "hawatch_replication_lag_unknown{$PRI,replica=\"standby1\"}" '== 1' "primary entry: its known stream's lag unknown"
wait_value 15 "hawatch_postgres_wal_receiver_streaming{$STB}" '== 0' "standby: WAL receiver not streaming"
expect "hawatch_replication_up{$STB}" '== 1' "standby entry still up"
expect "hawatch_replication_connected{$STB,replica=\"standby\"}" '== 0' "standby: not connected"
lag=$(v "hawatch_replication_lag_seconds{$STB,replica=\"standby\"}")
[[ $lag != 0 ]] || fail "standby lag reads 0 with its primary down"
ok "standby lag does not read 0 with its primary down (lag_seconds='$lag')"
wait_value 10 "hawatch_replication_heartbeat_age_seconds{$STB}" '> 2' "heartbeat age grows with the primary down"
expect "hawatch_collector_success{collector=\"node\"}" '== 1' "node collector unaffected"
scrape_times "the primary is down"
lint "primary down"

alive "$SILENT_PID" || fail "silent listener died"
assert_match "$(cat "$HAWATCH_LOG")" 'password authentication failed for user' "libpq's login failure is logged"
assert_no_match "$(cat "$HAWATCH_LOG")" 'hawatchpass|wrong-Secret-42' "no password (right or wrong) reaches the log"
assert_match "$(cat "$HAWATCH_LOG")" 'postgres/primary' "the failure is logged, with libpq's message"
