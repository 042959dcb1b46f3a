#!/usr/bin/env bash
# The status page in a real headless Chromium: a node whose app probe fails and whose other
# subsystems are fine, with alerting and failover on: a firing and a silenced local alert, a
# silence (its comment carrying markup, which must be shown as text), notifications delivered to
# a real webhook sink, and a failover group (exec hook on a record file) that failed over because
# the app probe fails. The page must render (screenshot kept as a test artefact), say "bad" for
# the probes row with the reason and "ok" for the rest, show each of those sections, and carry
# the sparklines, with no script and no external asset; and on a 360 px phone (the live layout,
# measured over the DevTools protocol by cdp_layout.py) nothing may widen the page past the screen.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/integration/failover_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/failover_lib.sh"
require_cmd chromium jq flock

CLOSED=$(free_port)  # nothing listens there: the app probe fails
start_webhook_sink
new_record site "$PRIMARY"
cat >"$TMP/page.rules.yml" <<'YAML'
groups:
  - name: page
    interval: 1s
    rules:
      - alert: StatusPageDemo
        expr: vector(1)
        labels: { severity: warning }
      - alert: StatusPageSilenced
        expr: vector(1)
YAML
cat >"$TMP/hawatch.yml" <<YAML
global: { node_name: "amslpr-primary", state_directory: $TMP/state, evaluation_interval: 1s }
collectors:
  node: { interval: 1s }
  probes:
    - { name: app, interval: 1s, timeout: 500ms, http: { url: "http://127.0.0.1:$CLOSED/health" } }
    - { name: self, interval: 1s, timeout: 500ms, tcp: { address: "127.0.0.1:$CLOSED" } }
rule_files: [ $TMP/page.rules.yml ]
alerting:
  route: { receiver: admin, group_by: [alertname], group_wait: 0s, group_interval: 1s, repeat_interval: 1h }
  receivers:
    - name: admin
      webhook_configs: [ { url: "http://127.0.0.1:$SINK_PORT/hook" } ]
  spool_directory: $TMP/state/spool
failover:
  - name: site-app
    record: { zone: test.example, name: app.test.example, type: A, ttl: 30 }
    primary: $PRIMARY
    backup: $BACKUP
    health: { probe: app }
    fail_after: 3
    update:
$(exec_update node-a)
YAML
mkdir -p "$TMP/state"
start_hawatch --config.file="$TMP/hawatch.yml"
wait_until 15 "the app probe has run" \
  '[[ $(sample_value "$(scrape)" "hawatch_probe_success{probe=\"app\"}") == 0 ]]'
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LATER=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
# A comment with one 120-character word: the page must wrap it, not widen a phone's screen.
LONG_WORD=$(printf 'x%.0s' {1..120})
SIL='{"matchers":[{"name":"alertname","value":"StatusPageSilenced","isRegex":false,"isEqual":true}],
      "startsAt":"'$NOW'","endsAt":"'$LATER'","createdBy":"ops <on-call>",
      "comment":"kernel <b>upgrade</b> & <script>reboot</script> '$LONG_WORD'"}'
SID=$(curl -sS -XPOST --data "$SIL" "$HAWATCH_URL/api/v2/silences" | jq -r .silenceID)
assert_match "$SID" '^[0-9a-f-]{36}$' "a silence is created"
wait_until 20 "the group failed over" '[[ $(group_field site-app state) == failed_over ]]'
assert_eq "$BACKUP" "$(record_value "$REC")" "the record file now holds the backup"
wait_until 20 "a notification delivered to the sink" '[[ -n $(ls "$SINK_DIR"/[0-9]*.json 2>/dev/null) ]] &&
  hcurl / | grep -q "delivered after"'

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

# A desktop-sized one too, tall enough to show the alerting and failover sections.
browser --window-size=1280,2400 --screenshot="$ARTEFACTS/status_page_full.png" "$HAWATCH_URL/" >/dev/null
[[ -s $ARTEFACTS/status_page_full.png ]] || fail "Chromium took no full-page screenshot"
ok "full-page screenshot at $ARTEFACTS/status_page_full.png"

# The DOM after Chromium parsed it: what a person sees, not just what was sent.
DOM=$(browser --dump-dom "$HAWATCH_URL/")
assert_contains "$DOM" 'data-subsystem="probes" data-state="bad"' "the probes row is red"
assert_contains "$DOM" 'probe app failing' "... and says which probe and why"
assert_match "$DOM" 'data-subsystem="probes" data-state="bad">.*probe app failing[^<]*</td><td>[0-9]+ (s|min) ago</td></tr>' \
  "... and how old the data is"
assert_contains "$DOM" '<meta name="viewport" content="width=device-width, initial-scale=1">' \
  "the page sizes itself to a phone's screen"
assert_contains "$DOM" 'data-subsystem="node" data-state=' "the node row is there"
assert_not_contains "$DOM" 'data-subsystem="node" data-state="bad"' "... and not red"
assert_contains "$DOM" '<p class="summary bad" data-state="bad">' "the summary is red"
assert_contains "$DOM" 'role <b class="role">standalone; failed over: site-app</b>' \
  "the node role is shown, with the failed-over group"
# The alerting module's sections, as parsed by the browser.
assert_contains "$DOM" '<h2>Alert routing</h2>' "the alert routing section is there"
assert_match "$DOM" '<tr class="firing"><td>StatusPageDemo</td><td>firing</td>' "... with the firing alert"
assert_match "$DOM" '<tr class="suppressed"><td>StatusPageSilenced</td><td>suppressed</td>' \
  "... and the silenced one as suppressed"
assert_contains "$DOM" '<h2>Silences</h2>' "the silences section is there"
assert_contains "$DOM" '<td>{alertname="StatusPageSilenced"}</td><td>active</td>' "... with the silence, active"
assert_contains "$DOM" 'kernel &lt;b&gt;upgrade&lt;/b&gt; &amp; &lt;script&gt;reboot&lt;/script&gt;' \
  "... its comment shown as text, markup escaped"
assert_contains "$DOM" '<td>ops &lt;on-call&gt;</td>' "... and its author likewise"
assert_contains "$DOM" '<h2>Notifications</h2>' "the notifications section is there"
assert_match "$DOM" '<tr class="ok"><td>[0-9T:.Z-]+</td><td>admin</td><td>webhook[^<]*</td><td>delivered after [0-9.]+ s</td>' \
  "... with the last notification, delivered"
assert_contains "$DOM" '<h2>DNS failover</h2>' "the failover section is there"
assert_match "$DOM" '<tr class="firing"><td>site-app</td><td>app.test.example A</td><td>failed_over</td><td>127.0.0.20</td>' \
  "... with the group, failed over to the backup"
assert_match "$DOM" '<td>site-app</td>.*unhealthy' "... and its health"
assert_contains "$DOM" 'data-subsystem="failover" data-state="warn"' "the failover subsystem row is amber"
assert_contains "$DOM" 'site-app failed over to the backup' "... and says which group"
assert_contains "$DOM" 'amslpr-primary' "the node name is shown"
wait_until 15 "a sparkline sample" '[[ $(hcurl / | grep -c "class=\"sparkline\"") -ge 1 ]]'
DOM=$(browser --dump-dom "$HAWATCH_URL/")
assert_match "$DOM" '<svg class="sparkline"[^>]*>' "the load sparkline is drawn inline"
assert_contains "$DOM" 'http-equiv="refresh"' "the page reloads itself"
assert_no_match "$DOM" '<script|<link |src="http|href="http' "no script, no external asset"

# On a phone (360 CSS px, the viewport meta honoured as a phone does): nothing may push the page
# wider than the screen, long words and wide tables included; measured in the live layout over
# the DevTools protocol, since --dump-dom cannot tell.
# --eval: the computed colours of a delivered notification's receiver and outcome cells, and of
# an ok subsystem's "Data from" cell.
COLOURS='[...document.querySelectorAll("table.notifications tr.ok")].slice(0, 1)
  .map(r => [getComputedStyle(r.cells[1]).color, getComputedStyle(r.cells[3]).color])
  .concat([...document.querySelectorAll("tr.subsystem.ok")].slice(0, 1)
  .map(r => getComputedStyle(r.cells[3]).color))'
LAYOUT=$(python3 "$(dirname "${BASH_SOURCE[0]}")/cdp_layout.py" --width 360 --height 740 \
  --timeout 45 --eval "$COLOURS" "$HAWATCH_URL/" -- --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$TMP/chromium-profile" 2>>"$TMP/chromium.log") ||
  fail "measuring the layout over DevTools failed: $(tail -n 3 "$TMP/chromium.log")"
log_note "phone layout: $LAYOUT"
assert_eq 360 "$(jq -r .clientWidth <<<"$LAYOUT")" "the layout viewport is the phone's width"
assert_eq "[]" "$(jq -c .overflowing <<<"$LAYOUT")" "no element reaches past the phone's screen"
[[ $(jq -r '.scrollWidth <= .clientWidth' <<<"$LAYOUT") == true ]] ||
  fail "the page scrolls sideways on a phone: $LAYOUT"
ok "the page fits a 360 px phone screen without sideways scrolling"
assert_eq '[["rgb(34, 34, 34)","rgb(26, 127, 55)"],"rgb(34, 34, 34)"]' "$(jq -c .eval <<<"$LAYOUT")" \
  "colours: a delivered notification's receiver plain and outcome green; an ok subsystem's age plain"
ok "done"
