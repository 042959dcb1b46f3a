#!/usr/bin/env bash
# Local peers and a config for a hawatch with every collector that can run on this machine, for
# bench/run.sh's "all collectors" rows. Everything listens on 127.0.0.1 only.
#
#   bench/all_collectors.sh start DIR PEER_URL   set up peers under DIR, write DIR/hawatch.yml and
#                                                DIR/env (extra environment for hawatch)
#   bench/all_collectors.sh stop DIR             stop every peer started by `start`
#
# PEER_URL is another hawatch (the default-config one) for the peer probe. Peers: the probe HTTP
# target (tests/fixtures/probes/http_target.py), BIND (dns probe), NUT upsd with the dummy driver
# (nut), a real systemd in its own namespaces (systemd; root only), a gzipped SQLite backup, an
# AMSLPR-like SQLite database (amslpr_db plugin), a textfile directory, Nagios exec checks, and a
# PostgreSQL and a MariaDB server (postgres/mysql collectors, with their 1 s heartbeat: primaries,
# no replicas). More collectors' sections can be added with EXTRA_SECTIONS (a YAML fragment under
# `collectors:`, two-space indented).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FIX=$ROOT/tests/fixtures
ACTION=${1:?usage: $0 start DIR PEER_URL | stop DIR}
DIR=${2:?directory}
PY=/usr/bin/python3

log() { printf 'all_collectors: %s\n' "$*" >&2; }
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [[ ${s:0:1} != Z ]]; }
stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do alive "$pid" || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

if [[ $ACTION == stop ]]; then
  [[ -d $DIR ]] || exit 0
  if [[ -f $DIR/pids ]]; then
    while read -r pid; do stop_pid "$pid"; done <"$DIR/pids"
  fi
  if [[ -d $DIR/nut ]]; then D=$DIR/nut "$FIX/ups/nut_fixture.sh" stop >/dev/null 2>&1 || true; fi
  if [[ -d $DIR/sd ]]; then "$FIX/systemd/sd-peer.sh" "$DIR/sd" kill >/dev/null 2>&1 || true; fi
  rm -rf "$DIR/pg/data" "$DIR/my/data"
  exit 0
fi
[[ $ACTION == start ]] || { log "unknown action $ACTION"; exit 2; }
PEER_URL=${3:?peer hawatch URL}
mkdir -p "$DIR"
chmod 755 "$DIR"   # hawatch runs as nobody
: >"$DIR/pids"
: >"$DIR/env"
started() { echo "$1" >>"$DIR/pids"; }

# --- probe targets ----------------------------------------------------------------------------
"$PY" "$FIX/probes/http_target.py" "$DIR/http.port" >"$DIR/http_target.log" 2>&1 </dev/null &
started $!
for _ in $(seq 100); do [[ -s $DIR/http.port ]] && break; sleep 0.05; done
HTTP_PORT=$(cat "$DIR/http.port")
DNS_PORT=$(free_port)
"$FIX/probes/bind_fixture.sh" prepare "$DIR/bind" "$DNS_PORT" >/dev/null
named -g -4 -n 1 -c "$DIR/bind/named.conf" >"$DIR/named.log" 2>&1 </dev/null &
started $!
"$FIX/probes/bind_fixture.sh" wait "$DNS_PORT"

# --- UPS: NUT upsd with the dummy driver --------------------------------------------------------
NUT_PORT=$(free_port)
D=$DIR/nut PORT=$NUT_PORT "$FIX/ups/nut_fixture.sh" start

# --- systemd: root only (namespaces) ------------------------------------------------------------
SYSTEMD_SECTION="  systemd: { enabled: false }   # needs root for its peer"
if [[ $(id -u) == 0 ]]; then
  SDPEER_BENCH_UNITS=${SDPEER_BENCH_UNITS:-10} "$FIX/systemd/sd-peer.sh" "$DIR/sd" start >/dev/null
  echo "DBUS_SYSTEM_BUS_ADDRESS=unix:path=$DIR/sd/run/dbus/system_bus_socket" >>"$DIR/env"
  SYSTEMD_SECTION="  systemd: { unit_include: 'hw-.*\\.service' }"
fi

# --- databases: PostgreSQL (as its own user: it refuses root) and MariaDB -----------------------
PG_BIN=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PG_PORT=$(free_port)
mkdir -p "$DIR/pg"
chown postgres: "$DIR/pg"
AS_PG=(setpriv --reuid=postgres --regid=postgres --init-groups)
"${AS_PG[@]}" "$PG_BIN/initdb" -D "$DIR/pg/data" -A trust -U postgres --no-sync >"$DIR/pg/initdb.log" 2>&1
"${AS_PG[@]}" "$PG_BIN/postgres" -D "$DIR/pg/data" -k "$DIR/pg" -p "$PG_PORT" \
  -c listen_addresses=127.0.0.1 -c fsync=off >"$DIR/pg/postgres.log" 2>&1 </dev/null &
started $!
for _ in $(seq 100); do "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && break; sleep 0.1; done
"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" || { log "postgres did not start"; exit 1; }

MY_PORT=$(free_port)
mkdir -p "$DIR/my"
mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$DIR/my/data" \
  --auth-root-authentication-method=normal --skip-test-db >"$DIR/my/install.log" 2>&1
mariadbd --no-defaults --user="$(id -un)" --datadir="$DIR/my/data" --socket="$DIR/my/sock" \
  --port="$MY_PORT" --bind-address=127.0.0.1 --skip-log-bin --innodb-flush-log-at-trx-commit=0 \
  >"$DIR/my/mariadbd.log" 2>&1 </dev/null &
started $!
for _ in $(seq 100); do mariadb-admin --no-defaults -uroot -h127.0.0.1 -P"$MY_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
mariadb --no-defaults -uroot -h127.0.0.1 -P"$MY_PORT" -e "CREATE DATABASE IF NOT EXISTS hawatch" ||
  { log "mariadb did not start"; exit 1; }

# --- files: backups, AMSLPR database, textfile --------------------------------------------------
mkdir -p "$DIR/backups" "$DIR/textfile"
sqlite3 "$DIR/amslpr.db" "CREATE TABLE access_logs(id INTEGER PRIMARY KEY, plate_number TEXT, timestamp TEXT);
  INSERT INTO access_logs(plate_number, timestamp) VALUES ('AB123CD', datetime('now')), ('XY987ZW', datetime('now'));"
gzip -c "$DIR/amslpr.db" >"$DIR/backups/amslpr_$(date -u +%Y%m%d_%H%M%S).db.gz"
{
  echo "# HELP bench_textfile_value A synthetic textfile series."
  echo "# TYPE bench_textfile_value gauge"
  for i in $(seq 100); do echo "bench_textfile_value{i=\"$i\"} $i"; done
} >"$DIR/textfile/bench.prom"
chmod -R a+rX "$DIR"

cat >"$DIR/hawatch.yml" <<EOF
# Every collector that can run on this machine, at default intervals (bench/all_collectors.sh).
collectors:
  node: {}
$SYSTEMD_SECTION
  nut:
    - { name: bench, address: "127.0.0.1:$NUT_PORT", ups: dummy }
  probes:
    - { name: app, http: { url: "http://127.0.0.1:$HTTP_PORT/health", json_checks: ['status == "healthy"'] } }
    - { name: ocr, http: { url: "http://127.0.0.1:$HTTP_PORT/ocr/api/status", json_checks: ["available == true", "mock == false"] } }
    - { name: tcp, tcp: { address: "127.0.0.1:$HTTP_PORT" } }
    - { name: dns, dns: { server: "127.0.0.1:$DNS_PORT", name: vip.test.example, type: A } }
    - { name: gateway, icmp: { host: 127.0.0.1 } }
    - { name: peer, peer: { url: "$PEER_URL" } }
  backups:
    - { name: amslpr-db, path_glob: "$DIR/backups/amslpr_*.db.gz", max_age: 26h, verify_sqlite: true }
  postgres:
    - { name: pg, dsn: "host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres sslmode=disable",
        heartbeat: { interval: 1s } }
  mysql:
    - { name: my, host: 127.0.0.1, port: $MY_PORT, user: root, database: hawatch, heartbeat: { interval: 1s } }
${EXTRA_SECTIONS:-}
plugins:
  directory: $ROOT/${BUILD_DIR:-build-bench}/plugins
  load:
    - { name: hailo, file: hailo.so }
    - { name: amslpr_db, file: amslpr_db.so, config: { path: $DIR/amslpr.db } }
  exec:
    - { name: load, command: [/usr/lib/nagios/plugins/check_load, -w, "4,3,2", -c, "8,6,4"] }
    - { name: procs, command: [/usr/lib/nagios/plugins/check_procs, -w, "500", -c, "1000"] }
  textfile_directory: $DIR/textfile
EOF
log "peers up under $DIR (http :$HTTP_PORT, dns :$DNS_PORT, nut :$NUT_PORT, postgres :$PG_PORT, mariadb :$MY_PORT)"
