#!/usr/bin/env bash
# Fault matrix, PostgreSQL (tests/fixtures/replication/pg_fixture.sh; the standby is watched,
# hawatch runs as nobody): standby stopped, hung (a listener that accepts and never answers) and
# answering garbage on its port → hawatch keeps serving, hawatch_replication_up 0 with a reason on
# the status page, scrapes within 2x baseline; standby back → up 1 by itself. See fault_lib.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"
require_cmd setpriv runuser

chmod 755 "$TMP"  # PostgreSQL runs as postgres, hawatch as nobody
P1=$(free_port)
P2=$(free_port)
pgfx() { D=$TMP/pg P1=$P1 P2=$P2 bash "$HAWATCH_FIXTURES/replication/pg_fixture.sh" "$@"; }
on_exit pgfx stop
pgfx start >/dev/null
printf 'hawatchpass\n' >"$TMP/pg.password"
chmod 600 "$TMP/pg.password"
chown nobody "$TMP/pg.password"
cat >"$TMP/hawatch.yml" <<YML
collectors:
  node: { enabled: false }
  postgres:
    - { name: standby, dsn: "host=127.0.0.1 port=$P2 user=hawatch dbname=postgres",
        password_file: $TMP/pg.password, interval: 1s, timeout: 2s }
YML
HAWATCH_LAUNCH=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
start_hawatch --config.file="$TMP/hawatch.yml"
fault_init PostgreSQL 'hawatch_replication_up{name="standby"}' postgres/standby

fault_begin stopped
pgfx stop-standby >/dev/null
fault_expect_down
pgfx start-standby >/dev/null
fault_expect_recovered

for mode in hang garbage; do
  pgfx stop-standby >/dev/null
  fault_begin "${mode/hang/hung}"
  start_fault_peer "$mode" "tcp:127.0.0.1:$P2"
  fault_expect_down
  stop_fault_peer
  pgfx start-standby >/dev/null
  fault_expect_recovered
done
