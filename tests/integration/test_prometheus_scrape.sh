#!/usr/bin/env bash
# A real Prometheus scrapes hawatch (embedded default config) every second; the series must arrive
# with the expected names and labels, and the target must be healthy.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd prometheus

start_hawatch
target="127.0.0.1:$HAWATCH_PORT"
version=$("$HAWATCH_BIN" --version | sed -n 's/^hawatch, version \([^ ]*\) (revision: \([^)]*\)).*/\1 \2/p')
read -r want_version want_revision <<<"$version"
[[ -n $want_version && -n $want_revision ]] || fail "cannot parse hawatch --version output"

prom_port=$(free_port)
prom="http://127.0.0.1:$prom_port"
cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: hawatch
    static_configs:
      - targets: ["$target"]
EOF
start_bg prometheus "$TMP/prometheus.log" prometheus \
  --config.file="$TMP/prometheus.yml" \
  --storage.tsdb.path="$TMP/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" \
  --log.level=info
prom_pid=$BG_PID

prom_ready() {
  alive "$prom_pid" || fail "prometheus exited during start-up"
  [[ $(curl -s -o /dev/null -w '%{http_code}' "$prom/-/ready" 2>/dev/null || true) == 200 ]]
}
wait_until 30 "prometheus /-/ready" prom_ready
ok "prometheus is ready on port $prom_port"

# query PROMQL -> the API's JSON answer (status checked)
query() {
  local out
  out=$(curl -sS --max-time 5 -G "$prom/api/v1/query" --data-urlencode "query=$1") ||
    fail "query '$1' failed"
  [[ $(jq -r .status <<<"$out") == success ]] || fail "query '$1': $out"
  echo "$out"
}

up_is_one() {
  [[ $(query 'up{job="hawatch"}' | jq -r '.data.result[0].value[1] // empty') == 1 ]]
}
wait_until 30 'up{job="hawatch"} == 1' up_is_one
ok 'up{job="hawatch"} is 1'

# Every hawatch series has been ingested once the first scrape after the first collection is in.
wait_until 15 "hawatch_node_load1 in prometheus" \
  '[[ $(query hawatch_node_load1 | jq ".data.result | length") -ge 1 ]]'

r=$(query 'hawatch_node_load1')
assert_eq 1 "$(jq '.data.result | length' <<<"$r")" "exactly one hawatch_node_load1 series"
assert_eq '{"__name__":"hawatch_node_load1","instance":"'"$target"'","job":"hawatch"}' \
  "$(jq -c '.data.result[0].metric' <<<"$r")" "hawatch_node_load1 labels"
assert_match "$(jq -r '.data.result[0].value[1]' <<<"$r")" '^[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?$' \
  "hawatch_node_load1 is a non-negative number"

r=$(query 'hawatch_node_memory_total_bytes{job="hawatch"} > 0')
assert_eq 1 "$(jq '.data.result | length' <<<"$r")" "hawatch_node_memory_total_bytes > 0"
meminfo_total=$(awk '/^MemTotal:/ { printf "%.0f", $2 * 1024 }' /proc/meminfo)
assert_eq "$meminfo_total" "$(jq -r '.data.result[0].value[1] | tonumber | floor' <<<"$r")" \
  "hawatch_node_memory_total_bytes equals MemTotal of /proc/meminfo"

r=$(query 'hawatch_build_info{job="hawatch"}')
assert_eq 1 "$(jq '.data.result | length' <<<"$r")" "one hawatch_build_info series"
assert_eq "$want_version" "$(jq -r '.data.result[0].metric.version' <<<"$r")" "build_info version label"
assert_eq "$want_revision" "$(jq -r '.data.result[0].metric.revision' <<<"$r")" "build_info revision label"
assert_eq 1 "$(jq -r '.data.result[0].value[1]' <<<"$r")" "build_info value"

r=$(query 'hawatch_collector_success{job="hawatch",collector="node"}')
assert_eq 1 "$(jq '.data.result | length' <<<"$r")" 'one hawatch_collector_success{collector="node"}'
assert_eq 1 "$(jq -r '.data.result[0].value[1]' <<<"$r")" 'hawatch_collector_success{collector="node"} == 1'

r=$(query 'hawatch_node_filesystem_size_bytes{job="hawatch",mountpoint="/"} > 0')
assert_eq 1 "$(jq '.data.result | length' <<<"$r")" 'filesystem size of "/" is reported'

# hawatch was healthy before Prometheus started: every scrape so far must have succeeded.
r=$(query 'min_over_time(up{job="hawatch"}[5m])')
assert_eq 1 "$(jq -r '.data.result[0].value[1]' <<<"$r")" "no failed scrape at all"

# The target's own view: healthy, no scrape error.
targets=$(curl -sS --max-time 5 "$prom/api/v1/targets?state=active")
t=$(jq -c --arg url "http://$target/metrics" \
  '[.data.activeTargets[] | select(.labels.job == "hawatch")]' <<<"$targets")
assert_eq 1 "$(jq length <<<"$t")" "one active hawatch target"
assert_eq "http://$target/metrics" "$(jq -r '.[0].scrapeUrl' <<<"$t")" "target scrape URL"
assert_eq up "$(jq -r '.[0].health' <<<"$t")" "target health is up"
assert_eq "" "$(jq -r '.[0].lastError' <<<"$t")" "target has no lastError"

# Prometheus' own counters (on its /metrics; it does not scrape itself here) would show
# malformed or duplicated samples.
sleep 2
prom_metrics=$(curl -sS --max-time 5 "$prom/metrics")
for m in prometheus_target_scrapes_sample_duplicate_timestamp_total \
  prometheus_target_scrapes_sample_out_of_order_total \
  prometheus_target_scrapes_sample_out_of_bounds_total \
  prometheus_target_scrapes_exceeded_sample_limit_total; do
  assert_eq 0 "$(sample_value "$prom_metrics" "$m")" "$m is 0"
done
r=$(query 'scrape_samples_scraped{job="hawatch"}')
n=$(jq -r '.data.result[0].value[1]' <<<"$r")
(( n >= 15 )) || fail "scrape_samples_scraped is $n, expected at least 15"
ok "scrape_samples_scraped is $n"
assert_no_match "$(cat "$TMP/prometheus.log")" 'level=(error|warn).*(scrape|target)' \
  "prometheus logged no scrape warnings"

# hawatch itself stays healthy through the scrapes.
assert_eq 200 "$(hstatus /-/healthy)" "hawatch still healthy"
stop_process "$HAWATCH_PID"
assert_eq 0 "$EXIT_STATUS" "hawatch exits 0 on SIGTERM"
