#!/usr/bin/env bash
# pi collector end to end: the daemon reads fixture trees that mimic a Raspberry Pi's sysfs and
# procfs (this machine is no Pi) through --path.sysfs/--path.procfs/--path.rootfs. Healthy Pi 4,
# under-voltage now, a worn eMMC, a filesystem remounted read-only -> exact series and a
# promtool-clean /metrics; malformed files -> collector_success 0 with the file in the log and the
# readable parts still served; the real host and a non-Pi tree -> off under auto, no pi series.
# Then the real kernel's mount table in a sandbox like the shipped unit's ProtectSystem=strict
# (/ read-only per mount, its filesystem writable) with a filesystem that is read-only itself.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd promtool

F=$HAWATCH_FIXTURES/pi
cat >"$TMP/auto.yml" <<YAML
collectors:
  node: { enabled: false }
  network: { enabled: false }
  pi: { interval: 1s, enabled: auto }
YAML
tree() { echo "--path.sysfs=$F/$1/sys" "--path.procfs=$F/$1/proc" "--path.rootfs=$F/$1"; }
reported() { [[ -n $(sample_value "$(scrape)" 'hawatch_collector_success{collector="pi"}') ]]; }
v() { sample_value "$M" "$1"; }
promtool_clean() {  # LABEL
  scrape -o "$TMP/metrics.txt"
  run_capture promtool check metrics <"$TMP/metrics.txt"
  [[ $RC == 0 && -z $OUT && -z $ERR ]] || fail "promtool check metrics ($1) exited $RC: $OUT $ERR"
  ok "$1: promtool check metrics is clean"
}
# start_tree SCENARIO [CONFIG]: the daemon on a fixture tree, after its first pi run.
start_tree() {
  # shellcheck disable=SC2046  # tree() yields three arguments
  start_hawatch "--config.file=${2:-$TMP/auto.yml}" $(tree "$1")
  wait_until 10 "pi reported ($1)" reported
  M=$(scrape)
}

# ---- healthy Pi 4 ------------------------------------------------------------------------------
start_tree healthy-pi4
assert_eq 1 "$(v 'hawatch_collector_success{collector="pi"}')" "healthy: collector_success 1"
assert_eq 1 "$(v 'hawatch_pi_model_info{model="Raspberry Pi 4 Model B Rev 1.4"}')" "healthy: model"
assert_eq "0 0 0" "$(v hawatch_pi_throttled_raw) $(v hawatch_pi_undervoltage_now) $(v hawatch_pi_undervoltage_since_boot)" \
  "healthy: no under-voltage"
assert_eq 1500000000 "$(v 'hawatch_pi_cpu_frequency_hertz{policy="0"}')" "healthy: CPU at 1.5 GHz"
assert_eq 1 "$(v 'hawatch_pi_storage_info{device="mmcblk0",manfid="0x000003",name="SC32G",oemid="0x5344",type="SD"}')" \
  "healthy: the SD card's identity"
assert_eq 0 "$(v 'hawatch_pi_storage_readonly{device="mmcblk0"}')" "healthy: card writable"
assert_eq 0 "$(v 'hawatch_pi_filesystem_readonly{mountpoint="/"}')" "healthy: / writable"
assert_eq 1 "$(v 'hawatch_pi_accelerator_present{device="/dev/hailo0"}')" "healthy: Hailo present"
promtool_clean healthy
stop_process "$HAWATCH_PID"

# ---- under-voltage now -------------------------------------------------------------------------
start_tree undervoltage-now
assert_eq "1 1 1 327685" \
  "$(v hawatch_pi_undervoltage_now) $(v hawatch_pi_undervoltage_since_boot) $(v hawatch_pi_throttled_now) $(v hawatch_pi_throttled_raw)" \
  "under-voltage: now, since boot, throttled; raw 0x50005"
assert_eq 600000000 "$(v 'hawatch_pi_cpu_frequency_hertz{policy="0"}')" "under-voltage: CPU at 600 MHz"
promtool_clean under-voltage
PAGE=$(hcurl /)
assert_contains "$PAGE" "<h2>Raspberry Pi</h2>" "status page: a Raspberry Pi section"
assert_contains "$PAGE" '<tr class="failing"><td>hawatch_pi_undervoltage_now</td><td></td><td>1</td></tr>' \
  "status page: under-voltage now marked failing"
assert_contains "$PAGE" '<tr class="ok"><td>hawatch_pi_cpu_frequency_hertz</td>' "status page: CPU frequency shown"
stop_process "$HAWATCH_PID"

# ---- worn eMMC ---------------------------------------------------------------------------------
start_tree worn-emmc
assert_eq "1 1.1 2" \
  "$(v 'hawatch_pi_storage_life_time_ratio{device="mmcblk0",kind="A"}') $(v 'hawatch_pi_storage_life_time_ratio{device="mmcblk0",kind="B"}') $(v 'hawatch_pi_storage_pre_eol_state{device="mmcblk0"}')" \
  "worn eMMC: life time 90-100 % and beyond, pre-EOL warning"
assert_no_match "$M" '^hawatch_pi_storage_info\{device="mmcblk0boot' "worn eMMC: boot partitions are no devices"
promtool_clean worn-emmc
stop_process "$HAWATCH_PID"

# ---- filesystem remounted read-only ------------------------------------------------------------
cat >"$TMP/dirs.yml" <<YAML
collectors:
  node: { enabled: false }
  network: { enabled: false }
  pi: { interval: 1s, data_directories: ["/", "/var/lib/amslpr", "/mnt/backup disk"] }
YAML
start_tree fs-remounted-ro "$TMP/dirs.yml"
assert_eq "0 1 1" \
  "$(v 'hawatch_pi_filesystem_readonly{mountpoint="/"}') $(v 'hawatch_pi_filesystem_readonly{mountpoint="/var/lib/amslpr"}') $(v 'hawatch_pi_filesystem_readonly{mountpoint="/mnt/backup disk"}')" \
  "remounted: the data filesystems read-only, / not"
promtool_clean remounted
stop_process "$HAWATCH_PID"

# ---- malformed files ---------------------------------------------------------------------------
start_tree malformed
assert_eq 0 "$(v 'hawatch_collector_success{collector="pi"}')" "malformed: collector_success 0"
assert_eq 1500000000 "$(v 'hawatch_pi_cpu_frequency_max_hertz{policy="0"}')" "malformed: readable files still served"
assert_eq 1 "$(v 'hawatch_pi_storage_info{device="mmcblk1",manfid="0x000015",name="?BAD?NAME",oemid="",type="MMC"}')" \
  "malformed: a hostile card name made printable"
assert_eq "" "$(v hawatch_pi_throttled_raw)" "malformed: no guess for the unreadable bitmask"
wait_until 5 "the problem logged" "grep -q 'soc:firmware/get_throttled: expected a hexadecimal value' '$HAWATCH_LOG'"
ok "malformed: the log names the file and what is wrong"
promtool_clean malformed
stop_process "$HAWATCH_PID"

# ---- not a Pi ----------------------------------------------------------------------------------
# shellcheck disable=SC2046
start_hawatch "--config.file=$TMP/auto.yml" $(tree not-a-pi)
sleep 1.5
M=$(scrape)
assert_eq "" "$(v 'hawatch_collector_success{collector="pi"}')" "not a Pi: auto leaves pi off"
assert_no_match "$M" '^hawatch_pi_' "not a Pi: no pi series"
assert_not_contains "$(hcurl /)" "Raspberry Pi" "not a Pi: no Raspberry Pi section on the status page"
stop_process "$HAWATCH_PID"

# This host itself, with the embedded default config: quiet as well.
start_hawatch
sleep 1.5
M=$(scrape)
assert_eq "" "$(v 'hawatch_collector_success{collector="pi"}')" "this host, default config: pi off"
assert_no_match "$M" '^hawatch_pi_' "this host, default config: no pi series"
assert_promtool_clean "this host, default config"
stop_process "$HAWATCH_PID"

# ---- the real kernel's mount table, inside a sandbox ----------------------------------------------
# A private mount and PID namespace (hawatch is its PID 1) where / is bind-remounted read-only, as
# ProtectSystem=strict does, and a tmpfs is remounted read-only: only the latter's filesystem is.
require_cmd unshare
mkdir -p "$TMP/rofs"
cat >"$TMP/sandbox.yml" <<YAML
collectors:
  node: { interval: 1s, mountpoints: ["/"] }
  network: { enabled: false }
  pi: { enabled: true, interval: 1s, data_directories: ["/", "$TMP/rofs"] }
YAML
# shellcheck disable=SC2016  # expanded by the inner bash
HAWATCH_LAUNCH=(unshare --mount --pid --fork --kill-child=SIGTERM --propagation private bash -c
  'mount -t proc proc /proc && mount -t tmpfs -o size=1m hawatch-test "$0" &&
   mount -o remount,ro "$0" && mount -o remount,bind,ro / && exec "$@"' "$TMP/rofs")
start_hawatch "--config.file=$TMP/sandbox.yml"
wait_until 10 "pi reported (sandbox)" reported
M=$(scrape)
assert_eq 1 "$(v 'hawatch_collector_success{collector="pi"}')" "sandbox: collector_success 1"
assert_eq 0 "$(v 'hawatch_pi_filesystem_readonly{mountpoint="/"}')" \
  "sandbox: / read-only per mount only -> its filesystem counts as writable"
assert_eq 1 "$(v "hawatch_pi_filesystem_readonly{mountpoint=\"$TMP/rofs\"}")" \
  "sandbox: a filesystem remounted read-only -> 1"
log_note "for comparison, statvfs-based hawatch_node_filesystem_readonly{mountpoint=\"/\"} is $(v 'hawatch_node_filesystem_readonly{mountpoint="/"}') here"
# unshare --fork ignores SIGTERM while it waits: stop hawatch itself, and unshare follows.
kill -TERM "$(pgrep -P "$HAWATCH_PID")"
wait_exit "$HAWATCH_PID" 10
assert_eq 0 "$EXIT_STATUS" "sandbox: hawatch stopped cleanly"
HAWATCH_LAUNCH=()
