#!/usr/bin/env bash
# Collector modules (exporter/core/collector_modules.h) on the built daemon and its real
# /proc/PID/maps: the default config maps no module and none of their libraries; a config section
# loads its module and the collector works through it; automatic collectors load their module only
# where their source exists; a SIGHUP that adds a section loads its module then; a module that
# cannot be loaded is a config error at the section's FILE:LINE:COL (exit 1, or the old config kept
# on reload); an unknown collector still lists every collector, loaded or not.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd socat cc

MODULE_DIR=$(dirname "$HAWATCH_BIN")/modules
# The build writes which collector lives in which module (from the collector folders' CMake calls).
TABLE=${HAWATCH_MODULE_TABLE:?collector_modules.txt of the build}
mapfile -t MODULES < <(awk '{print $2}' "$TABLE" | sort -u)
mapfile -t MODULE_COLLECTORS < <(awk '{print $1}' "$TABLE" | sort)
((${#MODULES[@]} >= 8)) || fail "$TABLE lists ${#MODULES[@]} modules, expected at least 8"
for m in "${MODULES[@]}"; do
  [[ -f $MODULE_DIR/$m.so ]] ||
    fail "module $MODULE_DIR/$m.so is missing: building the hawatch target builds the modules"
done
ok "every module is built next to the daemon ($MODULE_DIR)"

# Libraries that only modules may bring in.
MODULE_LIBS='/lib(pq|curl(-gnutls)?|mariadb|systemd|ldns|sqlite3|PocoJSON|PocoXML|mnl)\.so'
mapped() { awk '$6 ~ /^\// {print $6}' "/proc/$HAWATCH_PID/maps" | sort -u; }
metrics() { scrape; }
probe_ok() { [[ $(sample_value "$(metrics)" 'hawatch_probe_success{probe="local"}') == 1 ]]; }

# The host's own system bus and keepalived config must not decide what loads: each daemon gets an
# explicit bus address and root.
EMPTY_ROOT=$TMP/empty-root
mkdir -p "$EMPTY_ROOT"
NO_BUS="DBUS_SYSTEM_BUS_ADDRESS=unix:path=$TMP/no-such-bus"

# ---- 1. default config: nothing from a module ---------------------------------------------------
HAWATCH_LAUNCH=(env "$NO_BUS")
start_hawatch --path.rootfs="$EMPTY_ROOT"
wait_until 10 "first collection" '[[ $(hstatus /-/ready) == 200 ]]'
maps=$(mapped)
assert_no_match "$maps" "$MODULE_LIBS" \
  "default config: no libpq, libcurl, libmariadb, libsystemd, ldns, sqlite3, Poco JSON/XML, libmnl mapped"
assert_no_match "$maps" "/modules/" "default config: no module mapped"
assert_eq 1 "$(sample_value "$(metrics)" 'hawatch_collector_success{collector="node"}')" \
  "default config: node collects"
stop_process "$HAWATCH_PID"

# ---- 2. a probes section maps exactly the probes module; its collector works through it ---------
PEER_PORT=$(free_port)
start_bg "tcp peer" "$TMP/peer.log" socat -u "TCP-LISTEN:$PEER_PORT,bind=127.0.0.1,reuseaddr,fork" OPEN:/dev/null
wait_until 10 "tcp peer listening" "socat -u OPEN:/dev/null TCP:127.0.0.1:$PEER_PORT 2>/dev/null"
probes_cfg=$TMP/probes.yml
printf 'collectors:\n  node: {}\n  probes:\n    - { name: local, interval: 1s, tcp: { address: "127.0.0.1:%s" } }\n' \
  "$PEER_PORT" >"$probes_cfg"
start_hawatch --config.file="$probes_cfg" --path.rootfs="$EMPTY_ROOT"
wait_until 15 "probe local succeeds" probe_ok
ok "probes section: the tcp probe succeeds through the module"
maps=$(mapped)
assert_match "$maps" "^$MODULE_DIR/probes\.so$" "probes section: probes.so mapped"
assert_match "$maps" "/libcurl(-gnutls)?\.so" "probes section: libcurl mapped (the module's)"
assert_eq "$MODULE_DIR/probes.so" "$(grep /modules/ <<<"$maps")" "probes section: no other module mapped"
assert_no_match "$maps" '/lib(pq|mariadb|systemd|sqlite3|mnl)\.so' "probes section: no other module's libraries"
stop_process "$HAWATCH_PID"

# ---- 3. automatic collectors load their module where their source exists ------------------------
ROOT=$TMP/keepalived-root
mkdir -p "$ROOT/etc/keepalived"
echo 'global_defs { }' >"$ROOT/etc/keepalived/keepalived.conf"
touch "$TMP/bus"  # not a socket: the systemd collector fails, but it runs and says so
HAWATCH_LAUNCH=(env "DBUS_SYSTEM_BUS_ADDRESS=unix:path=$TMP/bus")
start_hawatch --path.rootfs="$ROOT"
reported() { [[ -n $(sample_value "$(metrics)" "hawatch_collector_success{collector=\"$1\"}") ]]; }
wait_until 15 "systemd and keepalived report" 'reported systemd && reported keepalived'
ok "automatic: systemd and keepalived run where their sources exist"
maps=$(mapped)
assert_match "$maps" "^$MODULE_DIR/systemd\.so$" "automatic: systemd.so mapped"
assert_match "$maps" "^$MODULE_DIR/keepalived\.so$" "automatic: keepalived.so mapped"
assert_eq 0 "$(sample_value "$(metrics)" 'hawatch_systemd_up')" "automatic: systemd without a bus reads systemd_up 0"
stop_process "$HAWATCH_PID"
# ... and --no-collector.NAME keeps the module out even then.
start_hawatch --path.rootfs="$ROOT" --no-collector.systemd --no-collector.keepalived
wait_until 10 "first collection" '[[ $(hstatus /-/ready) == 200 ]]'
assert_no_match "$(mapped)" "/modules/" "--no-collector.systemd/keepalived: no module mapped"
stop_process "$HAWATCH_PID"

# ---- 4. SIGHUP: a new section loads its module; an unloadable one keeps the old config ----------
# A module directory without postgres.so (HAWATCH_MODULE_DIR), the others copied from the build
# (copies, not links: the maps show where a module really is).
PARTIAL=$TMP/partial-modules
mkdir -p "$PARTIAL"
for m in "${MODULES[@]}"; do [[ $m == postgres ]] || cp "$MODULE_DIR/$m.so" "$PARTIAL/$m.so"; done
reload_cfg=$TMP/reload.yml
printf 'collectors:\n  node: {}\n' >"$reload_cfg"
HAWATCH_LAUNCH=(env "$NO_BUS" "HAWATCH_MODULE_DIR=$PARTIAL")
start_hawatch --config.file="$reload_cfg" --path.rootfs="$EMPTY_ROOT"
wait_until 10 "first collection" '[[ $(hstatus /-/ready) == 200 ]]'
assert_no_match "$(mapped)" "/modules/" "reload: no module before the reload"
cp "$probes_cfg" "$reload_cfg"
kill -HUP "$HAWATCH_PID"
wait_until 15 "probe local after SIGHUP" probe_ok
ok "reload: the probes section added by SIGHUP runs"
assert_match "$(mapped)" "^$PARTIAL/probes\.so$" "reload: probes.so loaded by the reload"
printf 'collectors:\n  node: {}\n  postgres:\n    - { name: main, dsn_file: /nonexistent }\n' >"$reload_cfg"
kill -HUP "$HAWATCH_PID"
wait_until 10 "failed reload reported" \
  '[[ $(sample_value "$(metrics)" hawatch_config_last_reload_successful) == 0 ]]'
ok "reload: a section whose module cannot load fails the reload"
assert_file_contains "$HAWATCH_LOG" "$reload_cfg:3:3: collectors.postgres: cannot load module $PARTIAL/postgres.so" \
  "reload: the error names FILE:LINE:COL and the module file"
probe_ok || fail "reload: the probe stopped after the failed reload"
ok "reload: the old config keeps running"
stop_process "$HAWATCH_PID"
HAWATCH_LAUNCH=()

# ---- 5. --check-config: a module it cannot load is an error at the section ----------------------
pg_cfg=$TMP/pg.yml
printf 'global:\n  node_name: modules-test\ncollectors:\n  node: {}\n  postgres:\n    - { name: main, dsn_file: /nonexistent }\n' \
  >"$pg_cfg"
run_capture env HAWATCH_MODULE_DIR="$TMP/no-such-dir" "$HAWATCH_BIN" --check-config --config.file="$pg_cfg"
assert_eq 1 "$RC" "missing module directory: --check-config exits 1"
assert_match "$ERR" "^$pg_cfg:5:3: collectors\.postgres: cannot load module $TMP/no-such-dir/postgres\.so: .*No such file" \
  "missing module directory: error at FILE:LINE:COL naming the file and the reason"
assert_eq 1 "$(grep -c . <<<"$ERR")" "missing module directory: one diagnostic"

BROKEN=$TMP/broken-modules
mkdir -p "$BROKEN"
echo "not an ELF file" >"$BROKEN/postgres.so"
run_capture env HAWATCH_MODULE_DIR="$BROKEN" "$HAWATCH_BIN" --check-config --config.file="$pg_cfg"
assert_eq 1 "$RC" "not a shared object: exit 1"
assert_match "$ERR" "^$pg_cfg:5:3: collectors\.postgres: cannot load module $BROKEN/postgres\.so: .*(invalid ELF header|file too short)" \
  "not a shared object: the loader's reason"

# A module from a mismatched build: it needs a symbol the executable does not have.
printf '%s\n' 'extern void hawatch_symbol_from_another_build(void);' \
  '__attribute__((constructor)) static void init(void) { hawatch_symbol_from_another_build(); }' >"$TMP/stale.c"
cc -shared -fPIC -o "$BROKEN/postgres.so" "$TMP/stale.c"
run_capture env HAWATCH_MODULE_DIR="$BROKEN" "$HAWATCH_BIN" --check-config --config.file="$pg_cfg"
assert_eq 1 "$RC" "unresolved symbol: exit 1"
assert_match "$ERR" "^$pg_cfg:5:3: collectors\.postgres: cannot load module $BROKEN/postgres\.so: .*undefined symbol: hawatch_symbol_from_another_build" \
  "unresolved symbol: named in the error"

# The daemon itself refuses to start with it, like with any other config error.
start_bg "hawatch (missing module)" "$TMP/missing.log" env HAWATCH_MODULE_DIR="$TMP/no-such-dir" \
  "$HAWATCH_BIN" --config.file="$pg_cfg" --web.listen-address="127.0.0.1:$(free_port)"
wait_exit "$BG_PID" 10
assert_eq 1 "$EXIT_STATUS" "missing module: the daemon exits 1"
assert_file_contains "$TMP/missing.log" "$pg_cfg:5:3: collectors.postgres: cannot load module" \
  "missing module: logged with FILE:LINE:COL"

# An automatic collector whose source exists but whose module is missing: said, with the way out.
run_capture env HAWATCH_MODULE_DIR="$TMP/no-such-dir" "DBUS_SYSTEM_BUS_ADDRESS=unix:path=$TMP/bus" \
  "$HAWATCH_BIN" --check-config --path.rootfs="$EMPTY_ROOT"
assert_eq 1 "$RC" "automatic collector without its module: exit 1"
assert_match "$ERR" "collectors\.systemd \(on automatically: .*--no-collector\.systemd turns it off\): cannot load module $TMP/no-such-dir/systemd\.so" \
  "automatic collector without its module: the error says why it was wanted and how to turn it off"
run_capture env HAWATCH_MODULE_DIR="$TMP/no-such-dir" "DBUS_SYSTEM_BUS_ADDRESS=unix:path=$TMP/bus" \
  "$HAWATCH_BIN" --check-config --path.rootfs="$EMPTY_ROOT" --no-collector.systemd
assert_eq 0 "$RC" "automatic collector without its module: --no-collector.systemd runs without it ($ERR)"

# A disabled section needs no module.
printf 'collectors:\n  node: {}\n  postgres:\n    enabled: false\n' >"$pg_cfg"
run_capture env HAWATCH_MODULE_DIR="$TMP/no-such-dir" "$HAWATCH_BIN" --check-config --config.file="$pg_cfg"
assert_eq 0 "$RC" "disabled section: no module needed ($ERR)"

# ---- 6. every module loads in this build and validates its own options --------------------------
all_cfg=$TMP/all.yml
{
  echo "collectors:"
  for c in "${MODULE_COLLECTORS[@]}"; do printf '  %s:\n    no_such_option_for_%s: 1\n' "$c" "$c"; done
} >"$all_cfg"
run_capture "$HAWATCH_BIN" --check-config --config.file="$all_cfg"
assert_eq 1 "$RC" "every module collector with a bad option: exit 1"
assert_not_contains "$ERR" "cannot load module" "every module loads (no unresolved symbol in any)"
for c in "${MODULE_COLLECTORS[@]}"; do
  grep -Eq "^$all_cfg:[0-9]+:[0-9]+: .*collectors\.$c([^a-z_]|$)" <<<"$ERR" ||
    fail "collectors.$c: its module's factory did not report the bad option: $ERR"
done
ok "every module collector's own factory reports its bad option with FILE:LINE:COL"

# ---- 7. an unknown collector lists every collector, built in or in a module ----------------------
unknown_cfg=$TMP/unknown.yml
printf 'collectors:\n  nodee: {}\n' >"$unknown_cfg"
run_capture env HAWATCH_MODULE_DIR="$TMP/no-such-dir" "$HAWATCH_BIN" --check-config --config.file="$unknown_cfg"
assert_eq 1 "$RC" "unknown collector: exit 1"
line=$(grep 'unknown collector "nodee"' <<<"$ERR") || fail "no unknown-collector error: $ERR"
for c in node network bonding "${MODULE_COLLECTORS[@]}"; do
  [[ $line =~ known:\ (.*,\ )?$c[,\)] ]] || fail "unknown collector: \"$c\" missing from the list: $line"
done
ok "unknown collector: the list names every built-in and module collector (without loading any)"
assert_not_contains "$ERR" "cannot load module" "unknown collector: listing the names needs no module"

# ---- 8. alerting is the module alerting.so, loaded when the config has an alerting section ------
alert_cfg=$TMP/alerting.yml
printf 'collectors:\n  node: {}\nalerting:\n  route: { receiver: r }\n  receivers: [ { name: r } ]\n  spool_directory: %s\n' \
  "$TMP/spool" >"$alert_cfg"
run_capture env HAWATCH_MODULE_DIR="$TMP/no-such-dir" "$HAWATCH_BIN" --check-config --config.file="$alert_cfg"
assert_eq 1 "$RC" "alerting without its module: --check-config exits 1"
assert_match "$ERR" "^$alert_cfg:4:3: alerting: cannot load module $TMP/no-such-dir/alerting\.so" \
  "alerting without its module: the error is at the section and names the module file"
start_hawatch --config.file="$alert_cfg" --path.rootfs="$EMPTY_ROOT"
wait_until 10 "alerting API answers" '[[ $(hstatus /api/v2/status) == 200 ]]'
maps=$(mapped)
assert_match "$maps" "^$MODULE_DIR/alerting\.so$" "alerting section: alerting.so mapped"
assert_match "$maps" "/libcurl(-gnutls)?\.so" "alerting section: libcurl mapped (the receivers')"
stop_process "$HAWATCH_PID"
start_hawatch --path.rootfs="$EMPTY_ROOT"
wait_until 10 "first collection" '[[ $(hstatus /-/ready) == 200 ]]'
assert_eq 503 "$(hstatus /api/v2/status)" "no alerting section: the alerting API answers 503"
assert_eq 200 "$(hstatus /api/v2/alerts)" "no alerting section: GET /api/v2/alerts serves the local rules' alerts"
assert_no_match "$(mapped)" "/alerting\.so$" "no alerting section: alerting.so not mapped"
stop_process "$HAWATCH_PID"
