#!/usr/bin/env bash
# Fault matrix, the plugin host (hawatch-plugin-host running tests/plugins' test_plugin_ok.so,
# steered by a control file): the host gone (the plugin exits it at every run), hung (the plugin
# never returns) and garbage (the plugin writes nonsense onto the host's protocol socket) →
# hawatch keeps serving, hawatch_plugin_up 0 with a reason on the status page, scrapes within 2x
# baseline; the plugin behaving again → up 1 by itself. See fault_lib.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/fault_lib.sh"

BUILD=$(cd "$(dirname "$HAWATCH_BIN")/.." && pwd)
PLUGIN=$BUILD/tests/plugins/test_plugin_ok.so
for f in "$PLUGIN" "$(dirname "$HAWATCH_BIN")/hawatch-plugin-host"; do
  [[ -e $f ]] || fail "missing $f (build the test_plugin_ok and hawatch-plugin-host targets)"
done
CONTROL=$TMP/control
echo ok >"$CONTROL"
cat >"$TMP/hawatch.yml" <<YML
collectors:
  node: { enabled: false }
plugins:
  load:
    - { name: ctl, file: "$PLUGIN", interval: 2s, timeout: 2s, config: { control_file: "$CONTROL" } }
YML
start_hawatch --config.file="$TMP/hawatch.yml"
fault_init "plugin host" 'hawatch_plugin_up{plugin="ctl"}' plugin/ctl

for fault in exit:stopped hang:hung garbage:garbage; do
  fault_begin "${fault#*:}"
  echo "${fault%%:*}" >"$CONTROL"
  fault_expect_down
  echo ok >"$CONTROL"
  fault_expect_recovered
done
