#!/usr/bin/env bash
# The status page in a real headless Chromium: a node whose app probe fails and whose other
# subsystems are fine. The page must render (screenshot kept as a test artefact), say "bad" for
# the probes row with the reason and "ok" for the rest, and carry the sparklines, with no script
# and no external asset.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd chromium

CLOSED=$(free_port)  # nothing listens there: the app probe fails
cat >"$TMP/hawatch.yml" <<YAML
global: { node_name: "amslpr-primary" }
collectors:
  node: { interval: 1s }
  probes:
    - { name: app, interval: 1s, timeout: 500ms, http: { url: "http://127.0.0.1:$CLOSED/health" } }
    - { name: self, interval: 1s, timeout: 500ms, tcp: { address: "127.0.0.1:$CLOSED" } }
YAML
start_hawatch --config.file="$TMP/hawatch.yml"
wait_until 15 "the app probe has run" \
  '[[ $(sample_value "$(scrape)" "hawatch_probe_success{probe=\"app\"}") == 0 ]]'

ARTEFACTS=${HAWATCH_ARTEFACTS:-${HAWATCH_BUILD_DIR:-$HAWATCH_SOURCE_DIR/build}/test-artefacts}
mkdir -p "$ARTEFACTS"
# The flags a sandboxed CI box needs: no GPU, no sandbox as root, nothing fetched from outside.
browser() {
  timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$TMP/chromium-profile" "$@" 2>>"$TMP/chromium.log"
}
browser --window-size=412,915 --screenshot="$ARTEFACTS/status_page.png" "$HAWATCH_URL/" >/dev/null
[[ -s $ARTEFACTS/status_page.png ]] || fail "Chromium took no screenshot"
[[ $(head -c 8 "$ARTEFACTS/status_page.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] ||
  fail "the screenshot is not a PNG"
ok "Chromium rendered the page; screenshot at $ARTEFACTS/status_page.png ($(stat -c %s "$ARTEFACTS/status_page.png") bytes)"

# The DOM after Chromium parsed it: what a person sees, not just what was sent.
DOM=$(browser --dump-dom "$HAWATCH_URL/")
assert_contains "$DOM" 'data-subsystem="probes" data-state="bad"' "the probes row is red"
assert_contains "$DOM" 'probe app failing' "... and says which probe and why"
assert_contains "$DOM" 'data-subsystem="node" data-state=' "the node row is there"
assert_not_contains "$DOM" 'data-subsystem="node" data-state="bad"' "... and not red"
assert_contains "$DOM" '<p class="summary bad" data-state="bad">' "the summary is red"
assert_contains "$DOM" 'role <b class="role">standalone</b>' "the node role is shown"
assert_contains "$DOM" 'amslpr-primary' "the node name is shown"
wait_until 15 "a sparkline sample" '[[ $(hcurl / | grep -c "class=\"sparkline\"") -ge 1 ]]'
DOM=$(browser --dump-dom "$HAWATCH_URL/")
assert_match "$DOM" '<svg class="sparkline"[^>]*>' "the load sparkline is drawn inline"
assert_contains "$DOM" 'http-equiv="refresh"' "the page reloads itself"
assert_no_match "$DOM" '<script|<link |src="http|href="http' "no script, no external asset"
ok "done"
