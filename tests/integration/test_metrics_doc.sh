#!/usr/bin/env bash
# docs/metrics.md is complete and true: every family the code emits has a row, every row names a
# family the code emits (tests/integration/metrics_doc.py says how "emits" is read from the
# source), and the families real daemon runs serve — this host's default config, then a Pi
# fixture tree with module collectors, exec checks, .so plugins and a textfile — are all
# documented, found in the code, and of the documented type.
source "$(dirname "$0")/lib.sh"
require_cmd sqlite3
CHECK=("$PY" "$HAWATCH_SOURCE_DIR/tests/integration/metrics_doc.py" "$HAWATCH_SOURCE_DIR")

# ---- the doc against the code -----------------------------------------------------------------
run_capture "${CHECK[@]}" check
[[ $RC == 0 ]] || fail "docs/metrics.md and the code differ:
$OUT$ERR"
CODE_COUNT=$("${CHECK[@]}" code | wc -l)
DOC_COUNT=$("${CHECK[@]}" doc | wc -l)
assert_eq "$CODE_COUNT" "$DOC_COUNT" "docs/metrics.md has one row per family the code emits ($CODE_COUNT)"
# Every collector folder, the pi included, has its section.
for c in "$HAWATCH_SOURCE_DIR"/exporter/collectors/*/; do
  name=$(basename "$c")
  [[ $name == shared ]] && continue
  assert_match "$(grep '^## ' "$HAWATCH_SOURCE_DIR/docs/metrics.md")" "\b$name\b" "a section for collector $name"
done

# The checker itself catches both directions (a doc without a row, a row without code).
MUT=$TMP/mutant
mkdir -p "$MUT/docs"
ln -s "$HAWATCH_SOURCE_DIR/exporter" "$MUT/exporter"
ln -s "$HAWATCH_SOURCE_DIR/plugins" "$MUT/plugins"
grep -v '^| `hawatch_pi_throttled_raw`' "$HAWATCH_SOURCE_DIR/docs/metrics.md" >"$MUT/docs/metrics.md"
echo '| `hawatch_pi_made_up` | gauge | | never emitted |' >>"$MUT/docs/metrics.md"
run_capture "$PY" "$HAWATCH_SOURCE_DIR/tests/integration/metrics_doc.py" "$MUT" check
assert_eq 1 "$RC" "checker fails on a changed doc"
assert_contains "$OUT" "served but undocumented: hawatch_pi_throttled_raw" "checker names the missing row"
assert_contains "$OUT" "documented but never served: hawatch_pi_made_up" "checker names the stray row"

# ---- the doc against served metrics -----------------------------------------------------------
SCRAPES=()
keep_scrape() {  # LABEL
  scrape -o "$TMP/scrape.$1.txt"
  SCRAPES+=("$TMP/scrape.$1.txt")
}

# 1. This host, the embedded default config.
start_hawatch
wait_until 10 "first collection" '[[ $(hstatus /-/ready) == 200 ]]'
keep_scrape default
stop_process "$HAWATCH_PID"

# 2. A healthy Pi 4 fixture tree, with backups (SQLite verify), probes (tcp and http against a
# local server), exec checks with perfdata of every unit, the in-tree .so plugins, a textfile and
# a firing local alert.
F=$HAWATCH_FIXTURES/pi/healthy-pi4
BUILD=$(cd "$(dirname "$HAWATCH_BIN")/.." && pwd)
ROOT=$TMP/root
mkdir -p "$ROOT/dev" "$ROOT/var/lib/amslpr" "$TMP/backups" "$TMP/textfiles" "$TMP/www"
: >"$ROOT/dev/hailo0"
sqlite3 "$ROOT/var/lib/amslpr/amslpr.db" \
  "CREATE TABLE access_logs (plate_number TEXT, timestamp TEXT DEFAULT CURRENT_TIMESTAMP);
   INSERT INTO access_logs(plate_number) VALUES ('AB123CD');"
cp "$ROOT/var/lib/amslpr/amslpr.db" "$TMP/backups/amslpr.db.1"
printf '# HELP site_ok A textfile sample.\n# TYPE site_ok gauge\nsite_ok 1\n' >"$TMP/textfiles/site.prom"
echo ok >"$TMP/www/index.html"
WWW_PORT=$(free_port)
start_bg www "$TMP/www.log" "$PY" -m http.server --bind 127.0.0.1 --directory "$TMP/www" "$WWW_PORT"
wait_until 10 "http server" "curl -s -o /dev/null http://127.0.0.1:$WWW_PORT/"
cat >"$TMP/perf.sh" <<'SH'
#!/bin/sh
echo "OK - all fine | plain=1;2;3;0;10 time=5ms;10;20 size=3KB used=40%;80:;90: hits=7c"
SH
chmod +x "$TMP/perf.sh"
cat >"$TMP/doc.rules.yml" <<'YAML'
groups:
  - name: doc
    interval: 1s
    rules:
      - alert: DocAlwaysFiring
        expr: vector(1)
YAML
cat >"$TMP/full.yml" <<YAML
rule_files: [ $TMP/doc.rules.yml ]
collectors:
  node: { enabled: false }
  pi: { enabled: true, interval: 1s, data_directories: [/], accelerator_devices: [$ROOT/dev/hailo0] }
  backups:
    - { name: amslpr, path_glob: "$TMP/backups/amslpr.db.*", max_age: 1h, verify_sqlite: true, interval: 1s }
  probes:
    - { name: web, http: { url: "http://127.0.0.1:$WWW_PORT/" }, interval: 1s }
    - { name: port, tcp: { address: "127.0.0.1:$WWW_PORT" }, interval: 1s }
plugins:
  exec:
    - { name: perf, command: [$TMP/perf.sh], interval: 1s, timeout: 1s }
  load:
    - { name: hailo, file: $BUILD/plugins/hailo.so, interval: 1s, config: { devices: $ROOT/dev/hailo0 } }
    - { name: amslpr_db, file: $BUILD/plugins/amslpr_db.so, interval: 1s,
        config: { path: $ROOT/var/lib/amslpr/amslpr.db } }
  textfile_directory: $TMP/textfiles
YAML
run_capture "$HAWATCH_BIN" --check-config "--config.file=$TMP/full.yml"
[[ $RC == 0 ]] || fail "fixture config: $OUT $ERR"
# Not --path.rootfs: the backups, plugins and textfile paths are this host's. node is off (the
# fixture has no /proc/loadavg; the first run served it).
start_hawatch "--config.file=$TMP/full.yml" "--path.sysfs=$F/sys" "--path.procfs=$F/proc"
wait_until 15 "every unit reported" '[[ $(hstatus /-/ready) == 200 ]] &&
  [[ -n $(sample_value "$(scrape)" "hawatch_check_perfdata_total{plugin=\"perf\",check=\"perf\",label=\"hits\"}") ]] &&
  [[ -n $(sample_value "$(scrape)" "hawatch_alerts{alertname=\"DocAlwaysFiring\",state=\"firing\"}") ]]'
keep_scrape fixtures
M=$(<"$TMP/scrape.fixtures.txt")
assert_match "$M" '^hawatch_pi_throttled_raw ' "pi served"
assert_match "$M" '^hawatch_backup_verify_success\{' "backups served"
assert_match "$M" '^hawatch_probe_http_status_code\{' "http probe served"
assert_match "$M" '^hawatch_amslpr_db_up ' "amslpr_db plugin served"

run_capture "${CHECK[@]}" check "${SCRAPES[@]}"
[[ $RC == 0 ]] || fail "served families against docs/metrics.md:
$OUT$ERR"
log_note "$(tail -n1 <<<"$OUT" | sed "s/^# //")"
ok "every served family is documented, in the code, and of its documented type"
