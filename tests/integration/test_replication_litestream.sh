#!/usr/bin/env bash
# The litestream collector against a real litestream v0.3.13 (tests/fixtures/replication/
# litestream-setup.sh) replicating a SQLite database, written steadily, to a file replica:
# fresh (small lag, litestream's /metrics re-exported, its sync counter rising); litestream
# frozen (SIGSTOP) and then killed while writes go on (lag grows run after run, metrics_up 0);
# litestream restarted (lag small again). Prints the lag it measured.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd sqlite3 promtool

LITESTREAM=$(bash "$HAWATCH_FIXTURES/replication/litestream-setup.sh" --check 2>&1) ||
  fail "litestream is missing: $LITESTREAM"
WRITER=$HAWATCH_FIXTURES/replication/sqlite_writer.py

DB=$TMP/var/lib/amslpr/amslpr.db
REPLICA=$TMP/mnt/backup/amslpr.db
mkdir -p "$(dirname "$DB")" "$REPLICA"
sqlite3 "$DB" 'PRAGMA journal_mode=wal; CREATE TABLE access_log(id INTEGER PRIMARY KEY, plate TEXT, at REAL);' >/dev/null
LS_PORT=$(free_port)
cat >"$TMP/litestream.yml" <<YAML
addr: "127.0.0.1:$LS_PORT"
dbs:
  - path: $DB
    monitor-interval: 250ms
    replicas:
      - type: file
        path: $REPLICA
        sync-interval: 250ms
YAML
start_litestream() {
  start_bg litestream "$TMP/litestream.$1.log" "$LITESTREAM" replicate -config "$TMP/litestream.yml"
  LS_PID=$BG_PID
  wait_until 10 "litestream serves /metrics" \
    "curl -sf --max-time 1 http://127.0.0.1:$LS_PORT/metrics | grep -q '^litestream_sync_count{'"
}
start_litestream 1
start_bg writer "$TMP/writer.log" /usr/bin/python3 "$WRITER" "$DB" 0.1
WRITER_PID=$BG_PID
wait_until 10 "writer commits" "grep -q ready '$TMP/writer.log'"

cat >"$TMP/hawatch.yml" <<YAML
collectors:
  node: { enabled: false }
  litestream:
    - name: amslpr
      db_path: $DB
      replica_path: $REPLICA
      metrics_url: "http://127.0.0.1:$LS_PORT/metrics"
      interval: 500ms
      timeout: 400ms
YAML
start_hawatch "--config.file=$TMP/hawatch.yml"

N='name="amslpr"'
NR="name=\"amslpr\",replica=\"$REPLICA\""
v() { sample_value "$M" "$1"; }
lag() { sample_value "$(scrape)" "hawatch_replication_lag_seconds{$NR}"; }
# True when awk's expression holds for x=$1 (and y=$2).
holds() { awk -v x="$1" -v y="${2:-0}" "BEGIN { exit !($3) }"; }

# ---- fresh ----------------------------------------------------------------------------------------
wait_until 15 "replica readable, litestream reported" \
  '[[ $(sample_value "$(scrape)" "hawatch_litestream_metrics_up{$N}") == 1 && $(sample_value "$(scrape)" "hawatch_replication_lag_unknown{$NR}") == 0 ]]'
M=$(scrape)
assert_eq "1 1 0" "$(v "hawatch_replication_up{$N}") $(v "hawatch_litestream_replica_readable{$NR}") $(v "hawatch_litestream_sync_errors_total{$N}")" \
  "fresh: database readable, replica readable, no sync errors"
holds "$(v "hawatch_litestream_replica_generations{$NR}")" 0 'x >= 1' || fail "no generation counted"
holds "$(v "hawatch_sqlite_db_size_bytes{$N}")" 0 'x > 0' || fail "db size not reported"
holds "$(v "hawatch_sqlite_wal_size_bytes{$N}")" 0 'x > 0' || fail "wal size not reported"
ok "generations, database and WAL sizes reported"
assert_match "$M" "^hawatch_litestream_replica_wal_offset_bytes\\{$N,replica=\"file\"\\} [0-9]" \
  "per-replica position re-exported with litestream's replica name"
promtool check metrics <<<"$M" >"$TMP/promtool.out" 2>&1 || true
assert_eq "" "$(cat "$TMP/promtool.out")" "promtool check metrics has nothing to say"

fresh=()
syncs_before=$(v "hawatch_litestream_syncs_total{$N}")
for _ in 1 2 3 4 5 6; do
  sleep 0.5
  fresh+=("$(lag)")
done
log_note "fresh lag samples (s): ${fresh[*]}"
for x in "${fresh[@]}"; do holds "$x" 0 'x >= 0 && x < 3' || fail "fresh lag $x is not below 3 s (all: ${fresh[*]})"; done
ok "fresh: lag below 3 s in 6 scrapes over 3 s"
syncs_after=$(sample_value "$(scrape)" "hawatch_litestream_syncs_total{$N}")
holds "$syncs_after" "$syncs_before" 'x > y' || fail "litestream's sync counter did not rise ($syncs_before -> $syncs_after)"
ok "litestream sync counter rising ($syncs_before -> $syncs_after)"

# ---- litestream frozen, then killed, while writes go on ----------------------------------------
kill -STOP "$LS_PID"
t0=$SECONDS
wait_until 5 "metrics_up 0 while frozen" '[[ $(sample_value "$(scrape)" "hawatch_litestream_metrics_up{$N}") == 0 ]]'
ok "frozen litestream: metrics_up 0 (its /metrics times out)"
assert_eq 1 "$(sample_value "$(scrape)" "hawatch_replication_up{$N}")" "database still readable"
grown=()
for i in 1 2 3 4 5 6; do
  sleep 1
  grown+=("$(lag)")
  ((i == 3)) && { kill -KILL "$LS_PID"; wait_exit "$LS_PID" 5; }
done
log_note "lag with replication stopped, one per second (s): ${grown[*]} (stopped $((SECONDS - t0)) s ago)"
prev=-1
for x in "${grown[@]}"; do
  holds "$x" "$prev" 'x > y' || fail "lag did not grow at every scrape: ${grown[*]}"
  prev=$x
done
holds "${grown[-1]}" "${grown[0]}" 'x - y >= 4' || fail "lag grew by less than 4 s in 5 s: ${grown[*]}"
holds "${grown[-1]}" 0 'x >= 5' || fail "lag ${grown[-1]} s after 6+ s of stopped replication"
ok "stopped replication: lag grows monotonically (${grown[0]} -> ${grown[-1]} s)"
M=$(scrape)
assert_eq "0 0 1" "$(v "hawatch_litestream_metrics_up{$N}") $(v "hawatch_replication_lag_unknown{$NR}") $(v "hawatch_replication_up{$N}")" \
  "killed litestream: metrics_up 0, lag still known, database up"
assert_match "$M" "^hawatch_collector_success\\{collector=\"litestream/amslpr\"\\} 0" "collector reports the failure"
assert_match "$M" "^hawatch_litestream_metrics_up\\{$N\\} 0" "metrics_up series present, not missing"

# A config reload during the outage keeps counting (collectors are rebuilt; the lag must not reset).
last=$(lag)
kill -HUP "$HAWATCH_PID"
wait_until 5 "reloaded" "grep -q 'collectors started.*generation=2' '$HAWATCH_LOG'"
sleep 1  # two runs of the new generation (a reset lag would now read about 1 s)
after_reload=$(lag)
holds "$after_reload" "$last" 'x > y' || fail "lag went from $last to $after_reload s across a reload"
ok "config reload during the outage: lag keeps growing ($last -> $after_reload s)"

# ---- litestream back ------------------------------------------------------------------------------
before=$(lag)
t1=$(date +%s.%N)
start_litestream 2
wait_until 20 "lag small again" 'x=$(lag); [[ -n $x ]] && holds "$x" 0 "x < 3"'
log_note "after restart: lag $before s -> $(lag) s within $(awk -v a="$t1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s of starting litestream again"
wait_until 5 "metrics_up 1" '[[ $(sample_value "$(scrape)" "hawatch_litestream_metrics_up{$N}") == 1 ]]'
ok "restarted litestream: lag back below 3 s, metrics_up 1"
alive "$WRITER_PID" || fail "the writer died"
ok "writer kept writing throughout"

# ---- as an unprivileged user (as hawatch is meant to run) -----------------------------------------
require_cmd setpriv
stop_process "$HAWATCH_PID"
chmod 711 "$TMP"
chmod 644 "$TMP/hawatch.yml"
chmod 700 "$TMP/var/lib/amslpr"
HAWATCH_LAUNCH=(setpriv --reuid=65534 --regid=65534 --clear-groups)
start_hawatch "--config.file=$TMP/hawatch.yml"
wait_until 10 "reported as nobody" '[[ -n $(sample_value "$(scrape)" "hawatch_replication_up{$N}") ]]'
M=$(scrape)
assert_eq "0 1 1" "$(v "hawatch_replication_up{$N}") $(v "hawatch_replication_lag_unknown{$NR}") $(v "hawatch_litestream_metrics_up{$N}")" \
  "as nobody, database directory unreadable: up 0, lag unknown (not 0), litestream still reported"
wait_until 5 "logged" "grep -q 'collector=litestream/amslpr.*amslpr.db.*Permission denied' '$HAWATCH_LOG'"
ok "... logged with the database path and 'Permission denied'"
chmod 755 "$TMP/var/lib/amslpr"
wait_until 10 "readable again" '[[ $(sample_value "$(scrape)" "hawatch_replication_up{$N}") == 1 ]]'
M=$(scrape)
assert_eq "0 1" "$(v "hawatch_replication_lag_unknown{$NR}") $(v "hawatch_collector_success{collector=\"litestream/amslpr\"}")" \
  "as nobody, readable database and replica: lag known, collector succeeds"
