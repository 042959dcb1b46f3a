#!/usr/bin/env bash
# The Grafana dashboards (dashboards/*.json) against a real Prometheus scraping two real hawatch
# nodes fed by fixtures:
#   pi-a: node + bonding fixture trees, keepalived MASTER (notify FIFO) holding 127.0.0.1 as its
#         "VIP", systemd (python3-dbusmock on a private bus), a real NUT upsd with dummy-ups,
#         Litestream (SQLite db + file replica dir), probes (http, peer, tcp; one failing), a
#         backup, Nagios checks (check_dummy, check_load), a textfile directory;
#         local rules with an alert that always fires, routed to a real webhook receiver, and a
#         DNS failover group (exec hook on a file record) that fails over on the failing probe;
#   pi-b: node + network fixture trees (default routes) and a Pi's firmware and eMMC files,
#         keepalived BACKUP without its VIP.
# Checked: the JSON is what dashboards/generate.py writes; its structure (ids, types, gridPos,
# targets, datasource refs through the ${datasource} variable, job/instance variables); every
# panel target and variable query, with the variables substituted as Grafana does, parses in
# Prometheus' HTTP API (for all nodes and for one node, its address regex-escaped); every
# hawatch_ metric a query names is in the metrics reference (docs/metrics.md); every panel listed in
# EXPECT_DATA below returns data for every one of its targets.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/failover_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/failover_lib.sh"
require_cmd prometheus sqlite3 gzip mkfifo dbus-daemon busctl socat /lib/nut/upsd /lib/nut/dummy-ups
"$PY" -c 'import dbusmock' 2>/dev/null || fail "python3-dbusmock is not installed for $PY"

DASH=$HAWATCH_SOURCE_DIR/dashboards
WALK=("$PY" "$HAWATCH_FIXTURES/dashboards/dashboard_queries.py")
NAGIOS=/usr/lib/nagios/plugins
JOB=hawatch

# Panels that must return data for every target with these fixtures (uid|panel title). Panels not
# listed (PostgreSQL/MySQL, gateways answering ICMP, failed notifications, ...) have no source
# here; their queries are still parsed and their metric names checked.
EXPECT_DATA=(
  "hawatch-ha-overview|Scrape target up" "hawatch-ha-overview|Collectors failing"
  "hawatch-ha-overview|Node summary" "hawatch-ha-overview|VRRP state" "hawatch-ha-overview|Firing alerts"
  "hawatch-ha-overview|Masters per VRRP instance" "hawatch-ha-overview|Virtual IP held"
  "hawatch-ha-overview|VRRP state over time" "hawatch-ha-overview|On battery"
  "hawatch-ha-overview|Bond members down" "hawatch-ha-overview|Default routes"
  "hawatch-ha-overview|Probes failing" "hawatch-ha-overview|Temperature"
  "hawatch-ha-overview|DNS failover state" "hawatch-ha-overview|Failover transitions"
  "hawatch-ha-overview|DNS updates by result" "hawatch-ha-overview|Alerts firing now"
  "hawatch-ha-overview|Under-voltage now" "hawatch-ha-overview|Under-voltage since boot"
  "hawatch-ha-overview|Throttled now" "hawatch-ha-overview|Frequency capped now"
  "hawatch-ha-overview|CPU frequency" "hawatch-ha-overview|Storage wear"
  "hawatch-services|systemd bus" "hawatch-services|Failed units" "hawatch-services|Units not active"
  "hawatch-services|Unit states" "hawatch-services|Active over time"
  "hawatch-services|Service restarts" "hawatch-services|Unit failures" "hawatch-services|Memory"
  "hawatch-services|D-Bus disconnects"
  "hawatch-replication|Source reachable" "hawatch-replication|Database size"
  "hawatch-replication|Since last replica write"
  "hawatch-power-network|UPS reachable" "hawatch-power-network|Power"
  "hawatch-power-network|Low battery" "hawatch-power-network|Battery charge"
  "hawatch-power-network|Runtime left" "hawatch-power-network|Load" "hawatch-power-network|Time on battery"
  "hawatch-power-network|Input voltage" "hawatch-power-network|UPS status flags"
  "hawatch-power-network|Bond up" "hawatch-power-network|Bond members"
  "hawatch-power-network|Link failures" "hawatch-power-network|Default routes"
  "hawatch-power-network|Interfaces up"
  "hawatch-probes-backups|Probe success" "hawatch-probes-backups|Consecutive failures"
  "hawatch-probes-backups|Probe duration" "hawatch-probes-backups|Failing probes"
  "hawatch-probes-backups|HTTP status" "hawatch-probes-backups|Backup age"
  "hawatch-probes-backups|Stale" "hawatch-probes-backups|Files" "hawatch-probes-backups|Backup size"
  "hawatch-plugins-checks|Plugins up" "hawatch-plugins-checks|Check status"
  "hawatch-plugins-checks|Check status over time" "hawatch-plugins-checks|Check performance data"
  "hawatch-plugins-checks|Plugin run time" "hawatch-plugins-checks|Timeouts"
  "hawatch-plugins-checks|Consecutive failures" "hawatch-plugins-checks|Textfile errors"
  "hawatch-plugins-checks|Textfile age"
  "hawatch-self|Config reload" "hawatch-self|Collectors failing" "hawatch-self|Version"
  "hawatch-self|Collectors" "hawatch-self|Collector run time" "hawatch-self|Collector failures"
  "hawatch-self|Scrape duration" "hawatch-self|Samples per scrape" "hawatch-self|New series per scrape"
  "hawatch-self|Alerts by state" "hawatch-self|Notifications sent" "hawatch-self|Notification queue"
  "hawatch-self|Notification latency"
)
declare -A UIDS=(
  [ha-overview.json]=hawatch-ha-overview [services.json]=hawatch-services
  [replication.json]=hawatch-replication [power-network.json]=hawatch-power-network
  [probes-backups.json]=hawatch-probes-backups [plugins-checks.json]=hawatch-plugins-checks
  [hawatch-self.json]=hawatch-self
)

# ---- the JSON itself ----------------------------------------------------------------------------
run_capture "$PY" "$DASH/generate.py" --check
assert_eq "0" "$RC" "dashboards/*.json are what dashboards/generate.py writes ($ERR)"
files=()
for f in "$DASH"/*.json; do files+=("$(basename "$f")"); done
assert_eq "$(printf '%s\n' "${!UIDS[@]}" | sort | tr '\n' ' ')" "$(printf '%s\n' "${files[@]}" | tr '\n' ' ')" \
  "the seven dashboards, no more"
for f in "${files[@]}"; do
  assert_eq "${UIDS[$f]}" "$(jq -r .uid "$DASH/$f")" "$f has its stable uid"
  assert_match "$(jq -r .title "$DASH/$f")" '^hawatch / ' "$f title"
done
run_capture "${WALK[@]}" structure "${files[@]/#/$DASH/}"
assert_eq "0:" "$RC:$OUT" "structure: ids, types, gridPos, targets, \${datasource} refs, variables"
# The checker must catch what it claims to: a panel that names a datasource directly, one without
# gridPos, a second panel with the same id, two panels with one title.
jq '.panels[1].datasource = {"type": "prometheus", "uid": "P1809F7CD0C75ACF3"}' \
  "$DASH/ha-overview.json" >"$TMP/bad-ds.json"
jq 'del(.panels[2].gridPos) | .panels[3].id = .panels[4].id | .panels[6].title = .panels[7].title' \
  "$DASH/services.json" >"$TMP/bad-grid.json"
run_capture "${WALK[@]}" structure "$TMP/bad-ds.json" "$TMP/bad-grid.json"
assert_eq 1 "$RC" "structure check rejects broken dashboards"
assert_contains "$OUT" "bad-ds.json: panel 2 ('Scrape target up'): datasource" "... a hard-wired datasource"
assert_contains "$OUT" "bad-grid.json: panel 3 ('Units not active'): gridPos needs" "... a panel without gridPos"
assert_contains "$OUT" "duplicate id" "... a duplicate panel id"
assert_contains "$OUT" "duplicate title" "... a duplicate panel title"

# The provisioning examples: Grafana's file provider and a Prometheus datasource.
run_capture "$PY" -c '
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
p = d["providers"][0]
assert d["apiVersion"] == 1 and p["type"] == "file" and p["options"]["path"].startswith("/"), d
s = yaml.safe_load(open(sys.argv[2]))
ds = s["datasources"][0]
assert s["apiVersion"] == 1 and ds["type"] == "prometheus" and ds["url"].startswith("http"), s
' "$DASH/provisioning/dashboards.yml" "$DASH/provisioning/datasource.yml"
assert_eq "0" "$RC" "provisioning examples: a file provider and a Prometheus datasource ($ERR)"

# ---- fixtures -----------------------------------------------------------------------------------
# Each node's /proc and /sys: the Pi's node tree plus that node's bonding or network tree.
F=$HAWATCH_FIXTURES
mkdir -p "$TMP/a" "$TMP/b"
cp -r "$F/node/rpi4/." "$F/bonding/multi/." "$TMP/a/"
cp -r "$F/node/rpi4/." "$F/network/failover/." "$F/pi/worn-emmc/." "$TMP/b/"

# keepalived's notify FIFOs: a writer per node writes the lines keepalived writes on its
# transitions and keeps its end open, as keepalived does (the pipe holds the lines until hawatch
# reads them).
mkfifo "$TMP/a.fifo" "$TMP/b.fifo"
fifo_writer() {  # FIFO LINES
  start_bg "fifo-writer-$(basename "$1")" "$TMP/$(basename "$1").log" \
    bash -c 'exec 3<>"$1" && printf "%s" "$2" >&3 && exec sleep 3600' _ "$1" "$2"
}
fifo_writer "$TMP/a.fifo" $'INSTANCE "VI_1" BACKUP 150\nINSTANCE "VI_1" MASTER 150\n'
fifo_writer "$TMP/b.fifo" $'INSTANCE "VI_1" BACKUP 100\n'

# systemd: python3-dbusmock plays systemd on a private system bus.
SOCK=$TMP/bus
start_bg dbus-daemon "$TMP/dbus-daemon.log" dbus-daemon --config-file="$F/systemd/bus.conf" \
  --address="unix:path=$SOCK" --nofork --nopidfile
wait_until 10 "private bus socket" '[[ -S $SOCK ]]'
start_bg dbusmock "$TMP/dbusmock.log" env "DBUS_SYSTEM_BUS_ADDRESS=unix:path=$SOCK" \
  "$PY" -m dbusmock --system --template "$F/systemd/odd_systemd.py"
wait_until 15 "mock systemd on the bus" \
  'DBUS_SYSTEM_BUS_ADDRESS=unix:path=$SOCK busctl --system --timeout=5 call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager Subscribe >/dev/null 2>&1'

# UPS: a real upsd with the dummy-ups driver.
NUT_PORT=$(free_port)
nut() { D=$TMP/nut PORT=$NUT_PORT bash "$F/ups/nut_fixture.sh" "$@"; }
on_exit nut stop
nut start
ok "peers: private bus with mock systemd, NUT upsd on port $NUT_PORT"

# Litestream: a SQLite database and its (empty) file replica; a backup; textfiles.
sqlite3 "$TMP/app.db" 'CREATE TABLE t(x); INSERT INTO t VALUES (1);'
mkdir -p "$TMP/replica" "$TMP/backups" "$TMP/textfiles"
echo backup | gzip >"$TMP/backups/app_20261203.db.gz"
printf '# HELP site_note A textfile metric.\n# TYPE site_note gauge\nsite_note 1\n' >"$TMP/textfiles/site.prom"

closed_port=$(free_port)  # nothing listens there: a failing tcp probe

cat >"$TMP/b.yml" <<YAML
global: { node_name: pi-b }
collectors:
  node: { interval: 1s }
  pi: { enabled: true, interval: 1s }
  systemd: { enabled: false }
  bonding: { enabled: false }
  network: { interval: 1s }
  keepalived:
    source: fifo
    notify_fifo: $TMP/b.fifo
    interval: 1s
    vips: [ { address: 192.0.2.100, interface: eth0 } ]
YAML
start_hawatch "--config.file=$TMP/b.yml" "--path.procfs=$TMP/b/proc" "--path.sysfs=$TMP/b/sys"
B_PORT=$HAWATCH_PORT
HAWATCH_PIDS=("$HAWATCH_PID")

# pi-a's alerting: one alert that always fires, to a real webhook receiver; a failover group whose
# health is the failing camera probe, so it fails over through its exec hook.
start_webhook_sink
cat >"$TMP/rules.yml" <<'YAML'
groups:
  - name: dashboards
    interval: 1s
    rules:
      - alert: DashboardDemo
        expr: vector(1)
YAML
new_record app "$PRIMARY"
UPDATE_APP=$(exec_update pi-a)
cat >"$TMP/a.yml" <<YAML
global: { node_name: pi-a, state_directory: $TMP/a-state }
rule_files: [ $TMP/rules.yml ]
alerting:
  spool_directory: $TMP/a-state/spool
  route: { receiver: sink, group_wait: 0s, group_interval: 1s, repeat_interval: 1h }
  receivers:
    - name: sink
      webhook_configs: [ { url: "http://127.0.0.1:$SINK_PORT/hook", timeout: 2s } ]
failover:
  - name: app
    record: { zone: test.example, name: app.test.example, type: A, ttl: 30 }
    primary: $PRIMARY
    backup: $BACKUP
    health: { probe: camera }
    fail_after: 2
    min_hold: 1s
    update:
$UPDATE_APP
collectors:
  node: { interval: 1s }
  bonding: { interval: 1s }
  network: { enabled: false }
  systemd: { interval: 1s, unit_include: 'odd-.*\.service' }
  keepalived:
    source: fifo
    notify_fifo: $TMP/a.fifo
    interval: 1s
    vips: [ { address: 127.0.0.1, interface: lo } ]
  nut: [ { name: ups1, address: "127.0.0.1:$NUT_PORT", ups: dummy, interval: 1s } ]
  litestream: [ { name: app, db_path: $TMP/app.db, replica_path: $TMP/replica, interval: 1s } ]
  probes:
    - { name: pi-b-health, interval: 1s, http: { url: "http://127.0.0.1:$B_PORT/-/healthy" } }
    - { name: pi-b-peer, interval: 1s, peer: { url: "http://127.0.0.1:$B_PORT" } }
    - { name: pi-b-tcp, interval: 1s, tcp: { address: "127.0.0.1:$B_PORT" } }
    - { name: camera, interval: 1s, tcp: { address: "127.0.0.1:$closed_port" } }
  backups: [ { name: app, interval: 1s, path_glob: "$TMP/backups/app_*.db.gz", max_age: 26h } ]
plugins:
  exec:
    - { name: dummy, command: [$NAGIOS/check_dummy, "1", "hmm"], interval: 1s, timeout: 1s }
    - { name: load, command: [$NAGIOS/check_load, -w, "999,999,999", -c, "999,999,999"], interval: 1s, timeout: 1s }
  textfile_directory: $TMP/textfiles
YAML
HAWATCH_LAUNCH=(env "DBUS_SYSTEM_BUS_ADDRESS=unix:path=$SOCK")
start_hawatch "--config.file=$TMP/a.yml" "--path.procfs=$TMP/a/proc" "--path.sysfs=$TMP/a/sys"
A_PORT=$HAWATCH_PORT
HAWATCH_PIDS+=("$HAWATCH_PID")
ok "pi-a on port $A_PORT, pi-b on port $B_PORT"

# ---- Prometheus ---------------------------------------------------------------------------------
prom_port=$(free_port)
prom="http://127.0.0.1:$prom_port"
cat >"$TMP/prometheus.yml" <<EOF
global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: $JOB
    static_configs: [ { targets: ["127.0.0.1:$A_PORT", "127.0.0.1:$B_PORT"] } ]
EOF
start_bg prometheus "$TMP/prometheus.log" prometheus --config.file="$TMP/prometheus.yml" \
  --storage.tsdb.path="$TMP/tsdb" --web.listen-address="127.0.0.1:$prom_port" --log.level=warn
# shellcheck disable=SC2034  # used in the wait_until condition below
prom_pid=$BG_PID
api() {  # PATH [curl args] -> JSON, status success checked by the caller
  curl -sS --max-time 10 -G "$prom$1" "${@:2}"
}
instant_count() { api /api/v1/query --data-urlencode "query=$1" | jq '.data.result | length'; }
wait_until 30 "prometheus ready" \
  'alive $prom_pid && [[ $(curl -s -o /dev/null -w "%{http_code}" "$prom/-/ready" || true) == 200 ]]'
wait_until 30 "both targets up" '[[ $(instant_count "up{job=\"$JOB\"} == 1") == 2 ]]'
wait_until 20 "the fixtures' series scraped" \
  '[[ $(instant_count "hawatch_vrrp_state == 2") == 1 && $(instant_count "hawatch_ups_up == 1") == 1 && $(instant_count hawatch_systemd_up) == 1 && $(instant_count "hawatch_network_default_route") -ge 1 && $(instant_count "hawatch_probe_failure == 1") -ge 1 && $(instant_count "hawatch_failover_state == 1") == 1 && $(instant_count "hawatch_notifications_total > 0") -ge 1 && $(instant_count hawatch_pi_throttled_now) == 1 ]]'
sleep 3  # rate()/increase() want a few samples per series
ok "prometheus scrapes both nodes; fixture series are in"

# ---- every query --------------------------------------------------------------------------------
# The metric names of the reference, docs/metrics.md (test_metrics_doc holds it to the code both
# ways: every family the code serves is documented, every documented one is in the code).
known=$("$PY" "$HAWATCH_SOURCE_DIR/tests/integration/metrics_doc.py" "$HAWATCH_SOURCE_DIR" doc |
  awk '{ print $1 }' | sort -u)
[[ $(wc -l <<<"$known") -gt 100 ]] || fail "docs/metrics.md lists too few metrics: $(wc -l <<<"$known")"
is_known() {
  local n=$1
  grep -qxF -- "$n" <<<"$known" && return 0
  [[ $n =~ ^(.*)_(sum|count|bucket)$ ]] && grep -qxF -- "${BASH_REMATCH[1]}" <<<"$known"
}

# run_queries INSTANCE_REGEX OUTFILE: every target and variable query through Prometheus' API.
run_queries() {
  "${WALK[@]}" run "$prom" "$JOB" "$1" "${files[@]/#/$DASH/}" >"$2" ||
    fail "running the dashboards' queries failed"
  local bad
  bad=$(jq -r 'select(.status != "success") | "\(.uid) / \(.panel) / \(.ref): \(.expr)\n  \(.error)"' "$2")
  [[ -z $bad ]] || fail "queries that do not run:
$bad"
}
# Per panel (uid|title): how many targets, how many returned data.
panel_counts() {  # RESULTS
  jq -rs 'group_by(.uid, .panel)[] | "\(.[0].uid)|\(.[0].panel)\t\(length)\t\(map(select(.series > 0)) | length)"' "$1"
}

run_queries '.*' "$TMP/all.jsonl"
ok "all $(wc -l <"$TMP/all.jsonl") queries (panels and variables, all nodes) run in Prometheus"

! is_known hawatch_no_such_metric || fail "the metric name check accepts any name"
is_known hawatch_notification_latency_seconds_count || fail "the metric name check rejects a summary's _count"
unknown=""
for name in $(jq -r .expr "$TMP/all.jsonl" | grep -oE '\bhawatch_[a-zA-Z0-9_]+' | sort -u); do
  is_known "$name" || unknown+=" $name"
done
assert_eq "" "$unknown" "every hawatch_ metric the queries name is in the metrics reference (docs/metrics.md)"

declare -A TARGETS=() HAS_DATA=()
while IFS=$'\t' read -r key total with_data; do
  TARGETS[$key]=$total
  HAS_DATA[$key]=$with_data
done < <(panel_counts "$TMP/all.jsonl")
for key in "${EXPECT_DATA[@]}"; do
  [[ -n ${TARGETS[$key]:-} ]] || fail "EXPECT_DATA names a panel that does not exist: $key"
  [[ ${HAS_DATA[$key]} == "${TARGETS[$key]}" ]] ||
    fail "panel $key: only ${HAS_DATA[$key]} of its ${TARGETS[$key]} targets return data:
$(jq -r --arg k "$key" 'select("\(.uid)|\(.panel)" == $k) | "\(.ref) \(.series) series: \(.expr)"' "$TMP/all.jsonl")"
done
ok "${#EXPECT_DATA[@]} panels whose sources the fixtures provide return data for every target"
declare -A EXPECTED=()
for key in "${EXPECT_DATA[@]}"; do EXPECTED[$key]=1; done
for key in "${!HAS_DATA[@]}"; do
  [[ $key == *'|$'* || ${HAS_DATA[$key]} == 0 || -n ${EXPECTED[$key]:-} ]] && continue
  log_note "panel $key has data though EXPECT_DATA does not list it (consider adding it)"
done
for key in "${!TARGETS[@]}"; do
  [[ $key == *'|$'* ]] || continue
  [[ ${HAS_DATA[$key]} -ge 1 ]] || fail "variable ${key#*|} of ${key%%|*} has no values"
done
ok "every template variable (job, instance, unit, name) has values"

# What some panels show, as a user reads them: last value per series (labels "k=v k=v", without
# __name__ and job).
shown() {  # UID TITLE -> "labels=value" lines of target A
  jq -r --arg uid "$1" --arg title "$2" \
    'select(.uid == $uid and .panel == $title and .ref == "A") | .last | to_entries[] | "\(.key)=\(.value)"' \
    "$TMP/all.jsonl" | sed -E 's/(^| )(__name__|job)=[^ ]*//g; s/^ //' | sort
}
A="instance=127.0.0.1:$A_PORT"
B="instance=127.0.0.1:$B_PORT"
assert_eq "$A=1" "$(shown hawatch-ha-overview 'Bond members down')" \
  "HA overview: pi-a's bond0 has one member down (fixture eth1); pi-b has no bonds"
assert_eq "$B=2" "$(shown hawatch-ha-overview 'Default routes')" \
  "HA overview: pi-b has its two default routes (IPv4 via wlan0, IPv6 RA)"
FIRING=$(shown hawatch-ha-overview 'Firing alerts')
assert_match "$FIRING" "^$B=0\$" "HA overview: 0 firing alerts on pi-b, which has no rules (0, not 'No data')"
assert_match "$FIRING" "^$A=[1-9][0-9]*\$" "HA overview: pi-a's firing alerts counted (DashboardDemo)"
assert_eq "exported_instance=VI_1=1" "$(shown hawatch-ha-overview 'Masters per VRRP instance')" \
  "HA overview: one master for VI_1"
assert_eq "$A=1" "$(shown hawatch-ha-overview 'Probes failing')" "HA overview: one failing probe on pi-a (camera)"
assert_eq "$A probe=camera reason=connect=1" "$(shown hawatch-probes-backups 'Failing probes')" \
  "probes: the camera fails to connect"
assert_eq "flag=OB $A ups=ups1=0" "$(shown hawatch-power-network 'Power')" "power: the UPS is on mains (OB 0)"
assert_eq "check=dummy $A plugin=dummy=1" "$(shown hawatch-plugins-checks 'Check status' | grep dummy)" \
  "checks: check_dummy 1 is WARNING (1)"

# One node chosen, as Grafana sends a single value of a multi-value variable into =~: its regex
# metacharacters escaped (127\\.0\\.0\\.1:PORT inside the PromQL string).
one_node="127\\\\.0\\\\.0\\\\.1:$A_PORT"
run_queries "$one_node" "$TMP/one.jsonl"
ok "all $(wc -l <"$TMP/one.jsonl") queries run with one node selected"
assert_eq "1" "$(jq -r 'select(.uid == "hawatch-ha-overview" and .panel == "Scrape target up") | .series' "$TMP/one.jsonl")" \
  "with one node selected, 'Scrape target up' shows one series"
r=$(api /api/v1/query --data-urlencode "query=up{job=\"$JOB\",instance=~\"$one_node\"}")
assert_eq "127.0.0.1:$A_PORT" "$(jq -r '[.data.result[].metric.instance] | join(",")' <<<"$r")" \
  "the escaped node regex selects exactly that node"

# The values behind the HA overview, as a user reads them.
r=$(api /api/v1/query --data-urlencode 'query=hawatch_vrrp_state' | jq -c '[.data.result[] | [.metric.instance, .metric.exported_instance, .value[1]]] | sort')
want=$(jq -cn --arg a "127.0.0.1:$A_PORT" --arg b "127.0.0.1:$B_PORT" '[[$a, "VI_1", "2"], [$b, "VI_1", "1"]] | sort')
assert_eq "$want" "$r" \
  "VRRP state: pi-a MASTER, pi-b BACKUP (VRRP instance name in exported_instance)"
r=$(api /api/v1/query --data-urlencode 'query=count by (exported_instance) (hawatch_vrrp_state == 2)' | jq -r '.data.result[0].value[1]')
assert_eq 1 "$r" "exactly one master for VI_1"

# Both nodes stop cleanly on SIGTERM with the fixtures still attached.
for pid in "${HAWATCH_PIDS[@]}"; do
  stop_process "$pid" TERM 10
  assert_eq 0 "$EXIT_STATUS" "hawatch (pid $pid) exits 0 on SIGTERM"
done
