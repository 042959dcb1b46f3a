#!/usr/bin/env bash
# mysql collector against a real MariaDB primary + replica (tests/fixtures/replication/mariadb_fixture.sh),
# observed through the running daemon's /metrics (hawatch runs as nobody):
#  - steady state: both sides, threads running, lag 0, the primary lists its replica, heartbeat
#    written on the primary and read (small age) on the replica; a unix-socket entry with the
#    password from the environment; TLS verified against the test CA (a wrong CA is refused);
#  - STOP REPLICA SQL_THREAD with writes: lag_unknown 1, lag_seconds absent (not 0), SQL thread 0,
#    heartbeat age grows; START again: back to lag 0;
#  - MASTER_DELAY=5 with writes: lag ≈ 5 s, heartbeat age ≈ 5 s;
#  - replica frozen (SIGSTOP): its entry up 0 with reason timeout, the scrape stays fast;
#  - primary killed: its entry up 0, the replica's IO thread Connecting → connected 0.
# Scrape times in every failure mode are printed, and must stay fast. The password never reaches
# the log, and promtool finds nothing to lint.
source "$(dirname "$0")/lib.sh"
require_cmd mariadbd mariadb mariadb-install-db promtool setpriv

chmod 755 "$TMP"  # the servers run as mysql, hawatch as nobody
FX=$HAWATCH_FIXTURES/replication/mariadb_fixture.sh
P1=$(free_port)
P2=$(free_port)
fx() { D=$TMP/db P1=$P1 P2=$P2 bash "$FX" "$@"; }
sql() { fx sql "$@"; }
on_exit fx stop  # the servers are not children of this shell

t0=$(date +%s%N)
fx start
log_note "MariaDB primary :$P1 + replica :$P2 replicating after $((($(date +%s%N) - t0) / 1000000)) ms"

printf 'monpass\n' >"$TMP/mon.password"
chmod 600 "$TMP/mon.password"
chown nobody "$TMP/mon.password"
cat >"$TMP/hawatch.yml" <<YAML
collectors:
  node: {}
  mysql:
    - { name: db1, host: 127.0.0.1, port: $P1, user: mon, password_file: "$TMP/mon.password",
        database: hawatch, interval: 500ms, timeout: 1s, heartbeat: { interval: 500ms } }
    - { name: db2, host: 127.0.0.1, port: $P2, user: mon, password_file: "$TMP/mon.password",
        interval: 500ms, timeout: 1s, heartbeat: { table: hawatch.hawatch_heartbeat, interval: 500ms } }
    - { name: sock2, socket: "$TMP/db/replica/sock", user: mon, password_env: HAWATCH_TEST_MYSQL_PASSWORD,
        interval: 1s, timeout: 1s }
    - { name: tls1, host: 127.0.0.1, port: $P1, user: mon, password_file: "$TMP/mon.password",
        interval: 1s, timeout: 1s, tls: { ca_file: "$TMP/db/tls/ca.pem" } }
    - { name: tlsbad, host: 127.0.0.1, port: $P1, user: mon, password_file: "$TMP/mon.password",
        interval: 1s, timeout: 1s, tls: { ca_file: "$TMP/db/tls/other-ca.pem" } }
YAML
HAWATCH_LAUNCH=(env HAWATCH_TEST_MYSQL_PASSWORD=monpass setpriv --reuid=nobody --regid=nogroup --clear-groups)
run_capture "${HAWATCH_LAUNCH[@]}" "$HAWATCH_BIN" --check-config --config.file="$TMP/hawatch.yml"
assert_eq 0 "$RC" "check-config accepts the mysql section ($ERR)"
start_hawatch --config.file="$TMP/hawatch.yml" --log.level=debug

R1="127.0.0.1:$P1"  # the replica's label for its primary (host:port; no connection name)

# wait_sample SECONDS SELECTOR ERE : polls /metrics until the sample's value matches; prints the time.
wait_sample() {
  local secs=$1 sel=$2 re=$3 start=$SECONDS m v
  local deadline=$((SECONDS + secs)) t=$(date +%s%N)
  while :; do
    m=$(scrape)
    v=$(sample_value "$m" "$sel")
    if [[ -n $v ]] && grep -Eq -- "^($re)\$" <<<"$v"; then
      ok "$sel = $v (after $((($(date +%s%N) - t) / 1000000)) ms)"
      return 0
    fi
    ((SECONDS < deadline)) || fail "$sel: want /$re/, got '${v:-absent}' after $secs s:
$(grep -E '^hawatch_(replication|mysql|collector_success)' <<<"$m")"
    sleep 0.2
  done
}
expect_sample() {  # SELECTOR ERE [METRICS]
  local m=${3:-$(scrape)} v
  v=$(sample_value "$m" "$1")
  [[ -n $v ]] && grep -Eq -- "^($2)\$" <<<"$v" || fail "$1: want /$2/, got '${v:-absent}':
$(grep -E '^hawatch_(replication|mysql)' <<<"$m")"
  ok "$1 = $v"
}
expect_absent() {  # SELECTOR [METRICS]
  local m=${2:-$(scrape)}
  [[ -z $(sample_value "$m" "$1") ]] || fail "$1 should be absent, is $(sample_value "$m" "$1")"
  ok "$1 absent"
}
echo "== steady state"
wait_sample 15 'hawatch_replication_up{name="db1"}' 1
wait_sample 15 'hawatch_replication_up{name="db2"}' 1
wait_sample 15 'hawatch_replication_heartbeat_age_seconds{name="db2"}' '0(\.[0-9]+)?|1(\.[0-9]+)?|[0-9.e-]+'
M=$(scrape)
expect_sample 'hawatch_replication_is_replica{name="db1"}' 0 "$M"
expect_sample 'hawatch_replication_is_replica{name="db2"}' 1 "$M"
expect_sample 'hawatch_replication_is_replica{name="sock2"}' 1 "$M"
expect_sample "hawatch_replication_connected{name=\"db2\",replica=\"$R1\"}" 1 "$M"
expect_sample "hawatch_replication_lag_seconds{name=\"db2\",replica=\"$R1\"}" 0 "$M"
expect_sample "hawatch_replication_lag_unknown{name=\"db2\",replica=\"$R1\"}" 0 "$M"
expect_sample "hawatch_mysql_io_thread_running{name=\"db2\",replica=\"$R1\"}" 1 "$M"
expect_sample "hawatch_mysql_sql_thread_running{name=\"db2\",replica=\"$R1\"}" 1 "$M"
expect_sample "hawatch_mysql_seconds_behind_master{name=\"db2\",replica=\"$R1\"}" 0 "$M"
expect_sample "hawatch_mysql_last_io_errno{name=\"db2\",replica=\"$R1\"}" 0 "$M"
expect_sample "hawatch_mysql_read_master_log_pos{name=\"db2\",replica=\"$R1\"}" '[0-9]+' "$M"
expect_sample "hawatch_mysql_relay_log_pos{name=\"db2\",replica=\"$R1\"}" '[0-9]+' "$M"
assert_match "$M" "^hawatch_mysql_replica_info\\{connection_name=\"\",master_host=\"127.0.0.1\",master_log_file=\"binlog.0+1\",master_port=\"$P1\",master_server_id=\"1\",name=\"db2\",.*replica=\"$R1\"\\} 1$" "replica info names its primary"
expect_sample "hawatch_replication_connected{name=\"sock2\",replica=\"$R1\"}" 1 "$M"
expect_sample 'hawatch_replication_connected{name="db1",replica="127.0.0.1"}' 1 "$M"
expect_sample 'hawatch_mysql_connected_replicas{name="db1"}' 1 "$M"
expect_sample 'hawatch_mysql_read_only{name="db2"}' 1 "$M"
expect_sample 'hawatch_mysql_read_only{name="db1"}' 0 "$M"
expect_sample 'hawatch_mysql_heartbeat_writing{name="db1"}' 1 "$M"
expect_sample 'hawatch_mysql_heartbeat_writing{name="db2"}' 0 "$M"
expect_sample 'hawatch_replication_heartbeat_age_seconds{name="db2"}' '0(\.[0-9]+)?|1(\.[0-9]+)?' "$M"
expect_absent 'hawatch_replication_heartbeat_age_seconds{name="db1"}' "$M"
echo "== TLS: verified against the test CA; a server certificate from another CA is refused"
wait_sample 10 'hawatch_replication_up{name="tls1"}' 1
wait_sample 10 'hawatch_mysql_error_info{errno="2026",name="tlsbad",reason="tls error"}' 1
M=$(scrape)
expect_sample 'hawatch_mysql_connection_encrypted{name="tls1"}' 1 "$M"
expect_sample 'hawatch_mysql_connection_encrypted{name="db1"}' 0 "$M"
expect_sample 'hawatch_replication_up{name="tlsbad"}' 0 "$M"
expect_sample 'hawatch_collector_success{collector="mysql/tlsbad"}' 0 "$M"
expect_sample 'hawatch_replication_is_replica{name="tls1"}' 0 "$M"
for unit in mysql/db1 mysql/db1/heartbeat mysql/db2 mysql/db2/heartbeat mysql/sock2 mysql/tls1 node; do
  expect_sample "hawatch_collector_success{collector=\"$unit\"}" 1 "$M"
done
assert_eq "1" "$(sql replica "SELECT COUNT(*) FROM hawatch.hawatch_heartbeat WHERE server_id = 1")" \
  "the primary's heartbeat row reached the replica"
assert_promtool_clean "steady state"

echo "== SQL thread stopped, writes on the primary"
sql replica "STOP REPLICA SQL_THREAD"
sql primary "INSERT INTO app.t (v) VALUES ('while stopped')"
wait_sample 10 "hawatch_replication_lag_unknown{name=\"db2\",replica=\"$R1\"}" 1
M=$(scrape)
expect_absent "hawatch_replication_lag_seconds{name=\"db2\",replica=\"$R1\"}" "$M"
expect_absent "hawatch_mysql_seconds_behind_master{name=\"db2\",replica=\"$R1\"}" "$M"
expect_sample "hawatch_mysql_sql_thread_running{name=\"db2\",replica=\"$R1\"}" 0 "$M"
expect_sample "hawatch_mysql_io_thread_running{name=\"db2\",replica=\"$R1\"}" 1 "$M"
expect_sample "hawatch_replication_connected{name=\"db2\",replica=\"$R1\"}" 1 "$M"
expect_sample 'hawatch_replication_up{name="db2"}' 1 "$M"
wait_sample 10 'hawatch_replication_heartbeat_age_seconds{name="db2"}' '([3-9]|[1-9][0-9])(\.[0-9]+)?'
assert_scrapes_fast "SQL thread stopped"
assert_promtool_clean "SQL thread stopped"
sql replica "START REPLICA SQL_THREAD"
wait_sample 10 "hawatch_replication_lag_seconds{name=\"db2\",replica=\"$R1\"}" 0
wait_sample 10 'hawatch_replication_heartbeat_age_seconds{name="db2"}' '0(\.[0-9]+)?|1(\.[0-9]+)?'

echo "== MASTER_DELAY=5 (the primary's heartbeat writes every 0.5 s)"
sql replica "STOP REPLICA; CHANGE MASTER TO MASTER_DELAY=5; START REPLICA"
wait_sample 20 "hawatch_replication_lag_seconds{name=\"db2\",replica=\"$R1\"}" '[4-7]'
wait_sample 10 'hawatch_replication_heartbeat_age_seconds{name="db2"}' '[4-7](\.[0-9]+)?'
expect_sample "hawatch_mysql_sql_delay_seconds{name=\"db2\",replica=\"$R1\"}" 5
expect_sample "hawatch_replication_connected{name=\"db2\",replica=\"$R1\"}" 1
sql replica "STOP REPLICA; CHANGE MASTER TO MASTER_DELAY=0; START REPLICA"
wait_sample 20 "hawatch_replication_lag_seconds{name=\"db2\",replica=\"$R1\"}" 0

echo "== replica frozen (SIGSTOP): a hung server"
fx freeze replica
wait_sample 5 'hawatch_replication_up{name="db2"}' 0
M=$(scrape)
expect_sample 'hawatch_mysql_error_info{errno="2013",name="db2",reason="timeout"}' 1 "$M"
expect_sample 'hawatch_collector_success{collector="mysql/db2"}' 0 "$M"
expect_sample "hawatch_replication_connected{name=\"db2\",replica=\"$R1\"}" 0 "$M"
expect_sample "hawatch_replication_lag_unknown{name=\"db2\",replica=\"$R1\"}" 1 "$M"
expect_sample 'hawatch_replication_up{name="db1"}' 1 "$M"
expect_sample 'hawatch_collector_success{collector="node"}' 1 "$M"
# The unit's timeout is min(timeout, interval) = 500 ms: the run gives up on its own just before
# it (the errno 2013 above, not the scheduler's "timed out"). The bounds only say it did wait and
# did stop; how close to 500 ms depends on how loaded the machine is.
d=$(sample_value "$M" 'hawatch_collector_duration_seconds{collector="mysql/db2"}')
awk -v d="$d" 'BEGIN { exit !(d > 0.2 && d < 1.5) }' || fail "the frozen replica's run took ${d}s (timeout 500 ms)"
ok "the frozen replica's run waited and gave up at its own timeout (${d}s)"
assert_scrapes_fast "replica frozen"
fx thaw replica
wait_sample 15 'hawatch_replication_up{name="db2"}' 1
wait_sample 10 "hawatch_replication_connected{name=\"db2\",replica=\"$R1\"}" 1

echo "== primary killed"
fx kill primary
wait_sample 10 'hawatch_replication_up{name="db1"}' 0
wait_sample 15 "hawatch_replication_connected{name=\"db2\",replica=\"$R1\"}" 0
# The open connection breaks first ("connection lost"); reconnecting is then refused.
wait_sample 5 'hawatch_mysql_error_info{errno="2002",name="db1",reason="cannot connect"}' 1
M=$(scrape)
expect_sample 'hawatch_replication_connected{name="db1",replica="127.0.0.1"}' 0 "$M"
expect_sample 'hawatch_mysql_heartbeat_up{name="db1"}' 0 "$M"
expect_sample "hawatch_mysql_io_thread_connecting{name=\"db2\",replica=\"$R1\"}" 1 "$M"
expect_sample "hawatch_mysql_io_thread_running{name=\"db2\",replica=\"$R1\"}" 0 "$M"
expect_sample "hawatch_replication_lag_unknown{name=\"db2\",replica=\"$R1\"}" 1 "$M"
expect_absent "hawatch_replication_lag_seconds{name=\"db2\",replica=\"$R1\"}" "$M"
expect_sample 'hawatch_replication_up{name="db2"}' 1 "$M"
expect_sample 'hawatch_collector_success{collector="mysql/db2"}' 1 "$M"
expect_sample 'hawatch_collector_success{collector="node"}' 1 "$M"
wait_sample 10 "hawatch_mysql_last_io_errno{name=\"db2\",replica=\"$R1\"}" '2003|2013'
assert_match "$(scrape)" "^hawatch_mysql_replica_error_info\\{errno=\"(2003|2013)\",error=\".+\",name=\"db2\",replica=\"$R1\",thread=\"io\"\\} 1$" "the IO error text is exported"
wait_sample 10 'hawatch_replication_heartbeat_age_seconds{name="db2"}' '([3-9]|[1-9][0-9])(\.[0-9]+)?'
assert_scrapes_fast "primary killed"
assert_promtool_clean "primary killed"

echo "== the log"
assert_not_contains "$(cat "$HAWATCH_LOG")" monpass "the password is never logged"
assert_file_contains "$HAWATCH_LOG" 'database not available' "the outage is logged"
# Logged when the reason changes (connection lost → cannot connect), not at every failed run.
reasons=$(grep 'database not available' "$HAWATCH_LOG" | grep 'collector=mysql/db1 ' | grep -oE 'reason=("[^"]*"|[^ ]+)' || true)
assert_eq "$(uniq <<<"$reasons")" "$reasons" "the outage is logged once per reason, not at every run"
assert_match "$(wc -l <<<"$reasons")" '^[12]$' "one or two outage lines for db1 (seen: $(tr '\n' ' ' <<<"$reasons"))"
