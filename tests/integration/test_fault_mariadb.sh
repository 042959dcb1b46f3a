#!/usr/bin/env bash
# Fault matrix, MariaDB (tests/fixtures/replication/mariadb_fixture.sh; the primary is watched,
# hawatch runs as nobody): server killed, hung (a listener that accepts and never answers) and
# answering garbage on its port → hawatch keeps serving, hawatch_replication_up 0 with a reason on
# the status page, scrapes within 2x baseline; server back → up 1 by itself. See fault_lib.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"
require_cmd mariadbd mariadb mariadb-install-db setpriv

chmod 755 "$TMP"  # the servers run as mysql, hawatch as nobody
P1=$(free_port)
P2=$(free_port)
fx() { D=$TMP/db P1=$P1 P2=$P2 bash "$HAWATCH_FIXTURES/replication/mariadb_fixture.sh" "$@"; }
on_exit fx stop
fx start
printf 'monpass\n' >"$TMP/mon.password"
chmod 600 "$TMP/mon.password"
chown nobody "$TMP/mon.password"
cat >"$TMP/hawatch.yml" <<YML
collectors:
  node: { enabled: false }
  mysql:
    - { name: db1, host: 127.0.0.1, port: $P1, user: mon, password_file: "$TMP/mon.password",
        interval: 1s, timeout: 2s }
YML
HAWATCH_LAUNCH=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
start_hawatch --config.file="$TMP/hawatch.yml"
fault_init MariaDB 'hawatch_replication_up{name="db1"}' mysql/db1

fault_begin stopped
fx kill primary
fault_expect_down
fx restart primary
fault_expect_recovered

for mode in hang garbage; do
  fx kill primary
  fault_begin "${mode/hang/hung}"
  start_fault_peer "$mode" "tcp:127.0.0.1:$P1"
  fault_expect_down
  stop_fault_peer
  fx restart primary
  fault_expect_recovered
done
