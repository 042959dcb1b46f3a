#!/usr/bin/env bash
# The worked deployment examples of docs/examples/ are valid and work as written:
#   enterprise/: every file passes its own tool's check (hawatch --check-config, promtool check
#     config / rules, amtool check-config); then the example runs — a hawatch on the node config
#     (paths pointed at a temp dir), a Prometheus on prometheus.yml with the shipped rules and a
#     file_sd site file, an Alertmanager on alertmanager.yml. The target is up, every shipped rule
#     group is loaded, and Prometheus has found the Alertmanager.
#   two-pi/: both node configs pass hawatch --check-config, with the secret and TSIG key files
#     they name created in a temp dir (their site rule file loaded with them); the rule file
#     passes promtool check rules.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd prometheus promtool amtool prometheus-alertmanager jq tsig-keygen

EX=$HAWATCH_SOURCE_DIR/docs/examples
RULES=$HAWATCH_SOURCE_DIR/alerting/rules

# ---- two-pi: static checks ----
# The configs name /etc/hawatch/{secrets/*,ddns.key,rules/} and the package's rule directory:
# the same layout under $TMP/two-pi.
TWO=$TMP/two-pi
mkdir -p "$TWO/etc/hawatch/secrets" "$TWO/etc/hawatch/rules" "$TWO/state"
cp "$EX/two-pi/rules/"*.rules.yml "$TWO/etc/hawatch/rules/"
for f in $(grep -ho '/etc/hawatch/secrets/[a-z-]*' "$EX"/two-pi/hawatch-*.yml | sort -u); do
  echo "secret-$(basename "$f")" >"$TWO$f"
done
tsig-keygen -a hmac-sha256 ddns >"$TWO/etc/hawatch/ddns.key"
chmod 600 "$TWO"/etc/hawatch/secrets/* "$TWO/etc/hawatch/ddns.key"
for node in primary backup; do
  sed -e "s|/etc/hawatch|$TWO/etc/hawatch|g" -e "s|/var/lib/hawatch|$TWO/state|g" \
    -e "s|/usr/share/hawatch/rules|$RULES|g" "$EX/two-pi/hawatch-$node.yml" >"$TWO/$node.yml"
  run_capture "$HAWATCH_BIN" --check-config --config.file="$TWO/$node.yml"
  assert_eq 0 "$RC" "two-pi/hawatch-$node.yml passes hawatch --check-config ($OUT$ERR)"
  assert_not_contains "$ERR" "warn" "... without warnings"
done
run_capture promtool check rules "$EX/two-pi/rules/two-pi.rules.yml"
assert_eq 0 "$RC" "two-pi/rules/two-pi.rules.yml passes promtool check rules ($OUT$ERR)"
# The check reads what the configs name: without the TSIG key the backup's config is refused.
rm "$TWO/etc/hawatch/ddns.key"
run_capture "$HAWATCH_BIN" --check-config --config.file="$TWO/backup.yml"
assert_eq 1 "$RC" "two-pi/hawatch-backup.yml without its TSIG key file is refused"
assert_contains "$ERR$OUT" "tsig_key_file" "... naming tsig_key_file"

# ---- enterprise: static checks ----
run_capture "$HAWATCH_BIN" --check-config --config.file="$EX/enterprise/hawatch-node.yml"
assert_eq 0 "$RC" "enterprise/hawatch-node.yml passes hawatch --check-config ($OUT$ERR)"

# prometheus.yml names the installed rule paths: give promtool the same layout in $TMP.
mkdir -p "$TMP/share/rules/central" "$TMP/etc/rules" "$TMP/etc/sites"
cp "$RULES"/*.rules.yml "$TMP/share/rules/"
cp "$RULES"/central/*.rules.yml "$TMP/share/rules/central/"
cp "$EX/enterprise/rules/site.rules.yml" "$TMP/etc/rules/"
installed() {  # the example with its absolute paths moved under $TMP
  sed -e "s|/usr/share/hawatch/rules|$TMP/share/rules|g" -e "s|/etc/prometheus/rules|$TMP/etc/rules|g" \
    -e "s|/etc/prometheus/hawatch-sites|$TMP/etc/sites|g" "$1"
}
installed "$EX/enterprise/prometheus.yml" >"$TMP/prometheus-checked.yml"
run_capture promtool check config "$TMP/prometheus-checked.yml"
assert_eq 0 "$RC" "enterprise/prometheus.yml passes promtool check config ($OUT$ERR)"
run_capture promtool check rules "$EX/enterprise/rules/site.rules.yml"
assert_eq 0 "$RC" "enterprise/rules/site.rules.yml passes promtool check rules"
run_capture amtool check-config "$EX/enterprise/alertmanager.yml"
assert_eq 0 "$RC" "enterprise/alertmanager.yml passes amtool check-config ($OUT$ERR)"

# ---- enterprise: run it ----
mkdir -p "$TMP/amslpr/replica" "$TMP/backups" "$TMP/textfile"
sqlite3 "$TMP/amslpr/amslpr.db" 'create table plates(id integer primary key); insert into plates default values;'
cp "$TMP/amslpr/amslpr.db" "$TMP/backups/amslpr-1.db"
sed -e "s|/var/lib/amslpr|$TMP/amslpr|g" -e "s|/var/backups/amslpr|$TMP/backups|g" \
  -e "s|/var/lib/hawatch|$TMP|g" -e "s|amslpr-site12-b.example.lan|127.0.0.1|" \
  "$EX/enterprise/hawatch-node.yml" >"$TMP/hawatch-node.yml"
start_hawatch --config.file="$TMP/hawatch-node.yml"
printf -- '- targets: [ "127.0.0.1:%s" ]\n  labels: { site: site12 }\n' "$HAWATCH_PORT" >"$TMP/etc/sites/site12.yml"

AM_PORT=$(free_port)
start_bg alertmanager "$TMP/am.log" prometheus-alertmanager --config.file="$EX/enterprise/alertmanager.yml" \
  --storage.path="$TMP/am-data" --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address=
wait_until 20 "alertmanager ready" "curl -sf http://127.0.0.1:$AM_PORT/-/ready >/dev/null"
ok "Alertmanager runs on enterprise/alertmanager.yml"

PROM_PORT=$(free_port)
# The example's scrape interval is 15 s; a test waits for one scrape, so make it 1 s here.
installed "$EX/enterprise/prometheus.yml" |
  sed -e "s|scrape_interval: 15s|scrape_interval: 1s|" -e "s|evaluation_interval: 15s|evaluation_interval: 1s|" \
    -e "s|\[ \"am1.example.lan:9093\", \"am2.example.lan:9093\", \"am3.example.lan:9093\" \]|[ \"127.0.0.1:$AM_PORT\" ]|" \
    >"$TMP/prometheus.yml"
grep -q "127.0.0.1:$AM_PORT" "$TMP/prometheus.yml" || fail "could not point the example at the test Alertmanager"
start_bg prometheus "$TMP/prometheus.log" prometheus --config.file="$TMP/prometheus.yml" \
  --storage.tsdb.path="$TMP/tsdb" --web.listen-address="127.0.0.1:$PROM_PORT"
api() { curl -sf --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/$1" || true; }
wait_until 30 "prometheus ready" "curl -sf http://127.0.0.1:$PROM_PORT/-/ready >/dev/null"
wait_until 30 "the hawatch target up" \
  '[[ $(api targets | jq -r ".data.activeTargets[] | select(.labels.job==\"hawatch\") | .health") == up ]]'
ok "Prometheus scrapes hawatch through the example's file_sd layout"
assert_eq site12 "$(api targets | jq -r '.data.activeTargets[0].labels.site')" "the site label comes from the site file"
want_groups=$(cat "$RULES"/*.rules.yml "$RULES"/central/*.rules.yml "$EX/enterprise/rules/site.rules.yml" |
  grep -cE '^  - name: ')
assert_eq "$want_groups" "$(api rules | jq '.data.groups | length')" "every shipped rule group is loaded ($want_groups)"
assert_eq 0 "$(api rules | jq '[.data.groups[].rules[] | select(.health != "ok" and .health != "unknown")] | length')" \
  "no rule is unhealthy"
wait_until 30 "Prometheus found the Alertmanager" \
  '[[ $(api alertmanagers | jq ".data.activeAlertmanagers | length") == 1 ]]'
ok "Prometheus sends to the example's Alertmanager"
wait_until 30 "a hawatch series queried back" \
  '[[ $(api "query?query=hawatch_collector_success%7Bcollector%3D%22node%22%7D" | jq -r ".data.result[0].value[1]") == 1 ]]'
ok "hawatch's series are queryable centrally"

ok "done"
