#!/usr/bin/env bash
# hawatch's /metrics passes `promtool check metrics` (format and lint) with the host's /proc and
# /sys, with a fixture tree, and with explicit mountpoints; content type and gzip are right.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd promtool gunzip

# check_metrics LABEL : lint the current daemon's /metrics; promtool must print nothing.
check_metrics() {
  local body=$TMP/metrics.$1.txt
  scrape -o "$body"
  [[ -s $body ]] || fail "$1: empty /metrics"
  run_capture promtool check metrics <"$body"
  [[ $RC == 0 && -z $OUT && -z $ERR ]] ||
    fail "$1: promtool check metrics exited $RC: $OUT $ERR
---- metrics ----
$(cat "$body")"
  ok "$1: promtool check metrics is clean"
}

# Metric names (from sample lines) in a text exposition, sorted and unique.
metric_names() { grep -v '^#' "$1" | sed -E 's/[{ ].*//' | sort -u; }
# Series identities (name and labels, no value), sorted.
series() { grep -v '^#' "$1" | sed -E 's/ [^ ]+$//' | sort; }

# ---- 1. host /proc and /sys, embedded default config -----------------------------------------
start_hawatch
check_metrics host

headers=$(curl -sS -D - -o "$TMP/plain.txt" "$HAWATCH_URL/metrics" | tr -d '\r')
assert_match "$headers" '^HTTP/1\.1 200' "GET /metrics is 200"
assert_match "$headers" '^[Cc]ontent-[Tt]ype: text/plain; version=0\.0\.4(;|$)' \
  "content type is the text format 0.0.4"
assert_no_match "$headers" '^[Cc]ontent-[Ee]ncoding:' "no Content-Encoding without Accept-Encoding"

# gzip: raw body (no --compressed), so that curl does not decode it for us.
headers=$(curl -sS -D - -H 'Accept-Encoding: gzip' -o "$TMP/metrics.gz" "$HAWATCH_URL/metrics" | tr -d '\r')
assert_match "$headers" '^[Cc]ontent-[Ee]ncoding: gzip$' "Accept-Encoding: gzip gives Content-Encoding: gzip"
assert_match "$headers" '^[Cc]ontent-[Tt]ype: text/plain; version=0\.0\.4' "gzip keeps the content type"
len=$(sed -nE 's/^[Cc]ontent-[Ll]ength: ([0-9]+)$/\1/p' <<<"$headers")
assert_eq "$(stat -c %s "$TMP/metrics.gz")" "$len" "Content-Length matches the gzip body"
gunzip -c "$TMP/metrics.gz" >"$TMP/gunzipped.txt" || fail "gzip body does not decompress"
ok "gzip body decompresses"
curl -sS -o "$TMP/plain.txt" "$HAWATCH_URL/metrics"
assert_eq "$(metric_names "$TMP/plain.txt")" "$(metric_names "$TMP/gunzipped.txt")" \
  "gzip and plain bodies carry the same metric names"
assert_eq "$(series "$TMP/plain.txt")" "$(series "$TMP/gunzipped.txt")" \
  "gzip and plain bodies carry the same series"
run_capture promtool check metrics <"$TMP/gunzipped.txt"
[[ $RC == 0 && -z $OUT$ERR ]] || fail "gunzipped body fails promtool: $OUT $ERR"
ok "gunzipped body passes promtool"

headers=$(curl -sS -D - -H 'Accept-Encoding: gzip;q=0, identity' -o "$TMP/q0.txt" "$HAWATCH_URL/metrics" | tr -d '\r')
assert_no_match "$headers" '^[Cc]ontent-[Ee]ncoding:' "gzip;q=0 is not served gzipped"
assert_eq "$(metric_names "$TMP/plain.txt")" "$(metric_names "$TMP/q0.txt")" "gzip;q=0 body is plain text"
stop_process "$HAWATCH_PID"
assert_eq 0 "$EXIT_STATUS" "exit status after SIGTERM"

# ---- 2. a fixture /proc and /sys with a thermal zone -------------------------------------------
fx=$TMP/fixture
mkdir -p "$fx/proc" "$fx/sys/class/thermal/thermal_zone0" "$fx/sys/class/thermal/thermal_zone1" \
  "$fx/sys/class/thermal/cooling_device0"
echo "0.42 0.30 0.25 2/180 4242" >"$fx/proc/loadavg"
cat >"$fx/proc/meminfo" <<'EOF'
MemTotal:        3884164 kB
MemFree:         2573224 kB
MemAvailable:    3340928 kB
Buffers:           54384 kB
Cached:           808068 kB
SwapCached:            0 kB
EOF
cat >"$fx/proc/stat" <<'EOF'
cpu  1000 0 500 90000 100 0 10 0 0 0
cpu0 250 0 125 22500 25 0 2 0 0 0
intr 123456
ctxt 654321
btime 1700000000
processes 4242
procs_running 1
procs_blocked 0
EOF
echo cpu-thermal >"$fx/sys/class/thermal/thermal_zone0/type"
echo 48312 >"$fx/sys/class/thermal/thermal_zone0/temp"
echo 'gpu "hot" zone' >"$fx/sys/class/thermal/thermal_zone1/type"
echo -1500 >"$fx/sys/class/thermal/thermal_zone1/temp"
echo Processor >"$fx/sys/class/thermal/cooling_device0/type"

start_hawatch --path.procfs="$fx/proc" --path.sysfs="$fx/sys"
wait_until 10 "first collection" '[[ $(hstatus /-/ready) == 200 ]]'
check_metrics fixture
m=$(cat "$TMP/metrics.fixture.txt")
assert_eq 0.42 "$(sample_value "$m" hawatch_node_load1)" "load1 from the fixture"
assert_eq 0.25 "$(sample_value "$m" hawatch_node_load15)" "load15 from the fixture"
assert_eq $((3884164 * 1024)) "$(sample_value "$m" hawatch_node_memory_total_bytes)" "MemTotal from the fixture"
assert_eq 1700000000 "$(sample_value "$m" hawatch_node_boot_time_seconds)" "boot time from the fixture"
assert_eq 48.312 "$(sample_value "$m" 'hawatch_node_temperature_celsius{type="cpu-thermal",zone="0"}')" \
  "thermal zone 0 temperature"
assert_eq -1.5 "$(sample_value "$m" 'hawatch_node_temperature_celsius{type="gpu \"hot\" zone",zone="1"}')" \
  "thermal zone 1 (quoted type, negative temperature)"
assert_eq 2 "$(grep -c '^hawatch_node_temperature_celsius{' <<<"$m")" "cooling devices are not zones"
assert_eq 1 "$(sample_value "$m" 'hawatch_collector_success{collector="node"}')" "node collector succeeds"
stop_process "$HAWATCH_PID"
assert_eq 0 "$EXIT_STATUS" "exit status after SIGTERM"

# ---- 3. a config with explicit mountpoints -----------------------------------------------------
mkdir -p "$TMP/data"
cat >"$TMP/hawatch.yml" <<EOF
global:
  node_name: promtool-test
collectors:
  node:
    interval: 1s
    mountpoints: ["/", "$TMP/data"]
EOF
start_hawatch --config.file="$TMP/hawatch.yml"
wait_until 10 "first collection" '[[ $(hstatus /-/ready) == 200 ]]'
check_metrics mountpoints
m=$(cat "$TMP/metrics.mountpoints.txt")
for mp in / "$TMP/data"; do
  for f in size_bytes avail_bytes readonly; do
    v=$(sample_value "$m" "hawatch_node_filesystem_${f}{mountpoint=\"$mp\"}")
    [[ -n $v ]] || fail "no hawatch_node_filesystem_${f} for $mp in:
$m"
  done
  ok "filesystem series for mountpoint $mp"
done
assert_eq 2 "$(grep -c '^hawatch_node_filesystem_size_bytes{' <<<"$m")" "only the configured mountpoints"
assert_eq 1 "$(sample_value "$m" 'hawatch_collector_success{collector="node"}')" "node collector succeeds"
stop_process "$HAWATCH_PID"
assert_eq 0 "$EXIT_STATUS" "exit status after SIGTERM"
