#!/usr/bin/env bash
# Scenario 3, replication stalls, with the shipped threshold (ReplicationLagHigh: lag > 60 s):
#   - PostgreSQL 15 primary + streaming standby (tests/fixtures/replication/pg_fixture.sh) in the
#     primary's namespace, written every second; replay paused on the standby
#     (pg_wal_replay_pause) → the primary's hawatch sees standby1's lag grow → ReplicationLagHigh;
#     its lag in bytes equal to PostgreSQL's own pg_stat_replication figure, its lag in seconds
#     the time since the pause; replay resumed → resolved notification.
#   - litestream v0.3.13 replicating the AMSLPR SQLite database (written every 100 ms) to a file
#     replica on the backup node; litestream stopped → its lag grows → ReplicationLagHigh, the
#     lag the time since the stop; litestream started again → resolved notification.
# Both stalls run in the same minute (each against its own t0 and its own alert series), so the
# drill waits for the 60 s threshold once.
source "$(dirname "$0")/../lib/drill.sh"
require_cmd sqlite3
LITESTREAM=$(bash "$HAWATCH_FIXTURES/replication/litestream-setup.sh" --check 2>&1) ||
  fail "litestream is missing: $LITESTREAM"
THRESHOLD=60  # the shipped ReplicationLagHigh threshold

drill_lab_up

# ---- PostgreSQL in the primary's namespace ---------------------------------------------------------
PG=$HAWATCH_FIXTURES/replication/pg_fixture.sh
pg() { on_node n1 env D="$TMP/pg" P1=15432 P2=15433 bash "$PG" "$@"; }
on_exit pg stop
pg start >"$TMP/pg-fixture.log" 2>&1 || fail "PostgreSQL fixture: $(tail -n 20 "$TMP/pg-fixture.log")"
printf 'hawatchpass\n' >"$TMP/pg.password"
pg_writer() { while :; do pg primary-sql "INSERT INTO writes DEFAULT VALUES" >/dev/null 2>&1 || true; sleep 1; done; }
start_bg pg-writer "$TMP/pg-writer.log" bash -c "$(declare -f on_node drill_ns pg pg_writer); DRILL_NS=$DRILL_NS TMP=$TMP PG=$PG pg_writer"
PG_WRITER=$BG_PID

# ---- litestream on the backup node ----------------------------------------------------------------
DB=$TMP/amslpr/amslpr.db
REPLICA=$TMP/backup/amslpr.db
mkdir -p "$(dirname "$DB")" "$REPLICA"
sqlite3 "$DB" 'PRAGMA journal_mode=wal; CREATE TABLE access_log(id INTEGER PRIMARY KEY, plate TEXT, at REAL);' >/dev/null
cat >"$TMP/litestream.yml" <<YAML
addr: "127.0.0.1:9090"
dbs:
  - path: $DB
    monitor-interval: 250ms
    replicas:
      - { type: file, path: $REPLICA, sync-interval: 250ms }
YAML
litestream_up() {
  start_bg litestream "$TMP/litestream.$1.log" ip netns exec "$(drill_ns n2)" \
    "$LITESTREAM" replicate -config "$TMP/litestream.yml"
  LS_PID=$BG_PID
  wait_until 15 "litestream serves /metrics" \
    "on_node n2 curl -sf --max-time 1 http://127.0.0.1:9090/metrics | grep -q '^litestream_sync_count{'"
}
litestream_up 1
start_bg sqlite-writer "$TMP/sqlite-writer.log" "$PY" "$HAWATCH_FIXTURES/replication/sqlite_writer.py" "$DB" 0.1
wait_until 10 "the SQLite writer commits" "grep -q ready '$TMP/sqlite-writer.log'"

# ---- the nodes' hawatch ----------------------------------------------------------------------------
drill_config n1 "  postgres:
    - { name: db, dsn: \"host=127.0.0.1 port=15432 user=hawatch dbname=postgres\",
        password_file: $TMP/pg.password, standbys: [standby1], interval: 1s, timeout: 1s }"
drill_config n2 "  litestream:
    - { name: amslpr, db_path: $DB, replica_path: $REPLICA, metrics_url: \"http://127.0.0.1:9090/metrics\",
        interval: 1s, timeout: 900ms }"
drill_hawatch n1
drill_hawatch n2
PGL='name="db",replica="standby1"'
LSL="name=\"amslpr\",replica=\"$REPLICA\""
wait_until 30 "both replications seen fresh" \
  "[[ \$(dval n1 'hawatch_replication_connected{$PGL}') == 1 && \$(dval n2 'hawatch_replication_lag_unknown{$LSL}') == 0 ]]"
ok "primary sees standby1 streaming; backup sees litestream replicating"

# ---- the stalls ----------------------------------------------------------------------------------------
pg standby-sql "SELECT pg_wal_replay_pause()" >/dev/null
T_PG=$(now)
log_note "PostgreSQL: replay paused on the standby"
kill -KILL "$LS_PID"
T_LS=$(now)
log_note "litestream: killed"
sleep $((THRESHOLD - 5))

# Both steps watch at once (the litestream one in the background), each against its own t0.
(
  drill_fault "litestream: its lag passes ${THRESHOLD} s (killed at t0 - ${THRESHOLD} s)" \
    "$(awk -v t="$T_LS" -v s="$THRESHOLD" 'BEGIN { printf "%.6f", t + s }')"
  drill_alert_step "litestream stopped" "ReplicationLagHigh (warning) for the SQLite replica notified" \
    n2 ReplicationLagHigh "hawatch_replication_lag_seconds{$LSL} > $THRESHOLD" 'name="amslpr"'
) &
LS_STEP=$!
drill_fault "PostgreSQL: standby1's lag passes ${THRESHOLD} s (replay paused at t0 - ${THRESHOLD} s)" \
  "$(awk -v t="$T_PG" -v s="$THRESHOLD" 'BEGIN { printf "%.6f", t + s }')"
# A write a second: the stalled replay position is noticed at the next write after the pause.
STEP_EXTRA=1 drill_alert_step "PostgreSQL replay paused" "ReplicationLagHigh (warning) for standby1 notified" \
  n1 ReplicationLagHigh "hawatch_replication_lag_seconds{$PGL} > $THRESHOLD" 'name="db"' 'replica="standby1"'
# The right numbers: with writes stopped for a moment, hawatch's byte lag is PostgreSQL's own.
stop_process "$PG_WRITER" TERM 5
sleep 2.5
pg_bytes=$(pg primary-sql "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) FROM pg_stat_replication WHERE application_name = 'standby1'")
m=$(dmetrics n1)
hw_bytes=$(sample_value "$m" "hawatch_replication_lag_bytes{$PGL}")
hw_secs=$(sample_value "$m" "hawatch_replication_lag_seconds{$PGL}")
paused_for=$(since "$T_PG" "$(now)")
drill_check "PostgreSQL lag numbers" "lag_bytes = pg_stat_replication's; lag_seconds = time since the pause (±3 s)" \
  "lag_bytes $hw_bytes (PostgreSQL: $pg_bytes), lag_seconds $hw_secs (paused ${paused_for} s ago)" \
  '[[ -n $hw_bytes && ${hw_bytes%.*} == "$pg_bytes" && $pg_bytes -gt 0 ]] && awk -v h="$hw_secs" -v p="$paused_for" "BEGIN { exit !(h > p - 3 && h <= p + 1) }"'

wait "$LS_STEP" || true
hw_secs=$(dval n2 "hawatch_replication_lag_seconds{$LSL}")
stopped_for=$(since "$T_LS" "$(now)")
drill_check "litestream lag number" "lag_seconds = time since litestream stopped (±3 s)" \
  "lag_seconds $hw_secs (stopped ${stopped_for} s ago)" \
  'awk -v h="$hw_secs" -v p="$stopped_for" "BEGIN { exit !(h > p - 3 && h <= p + 1) }"'

# ---- resumed -----------------------------------------------------------------------------------------
drill_fault "PostgreSQL: replay resumed"
pg standby-sql "SELECT pg_wal_replay_resume()" >/dev/null
drill_resolve_step "PostgreSQL replay resumed" "ReplicationLagHigh resolved and notified" \
  n1 ReplicationLagHigh 'name="db"' 'replica="standby1"'
drill_fault "litestream: started again"
litestream_up 2
# litestream's first sync after its start-up (it restores its state, then syncs within 250 ms).
STEP_EXTRA=1 drill_resolve_step "litestream restarted" "ReplicationLagHigh resolved and notified" \
  n2 ReplicationLagHigh 'name="amslpr"'
drill_finish
