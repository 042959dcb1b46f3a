#!/usr/bin/env bash
# The worked deployment examples of docs/examples/ are valid and work as written:
#   enterprise/: every file passes its own tool's check (hawatch --check-config, promtool check
#     config / rules, amtool check-config); then the example runs — a hawatch on the node config
#     (paths pointed at a temp dir), a Prometheus on prometheus.yml with the shipped rules and a
#     file_sd site file, a two-member Alertmanager cluster on alertmanager.yml (gossip seen: both list two peers, a
#     silence made on one is served by the other). The target is up, every shipped rule
#     group is loaded, and Prometheus has found both Alertmanagers.
#   two-pi/: both node configs pass hawatch --check-config, with the secret and TSIG key files
#     they name created in a temp dir (their site rule file loaded with them); the rule file
#     passes promtool check rules. Then the backup's config runs as written but for its
#     addresses (moved to loopback) and its intervals (10 s -> 1 s): a real BIND serves the
#     site's zone with the README's update-policy and the config's TSIG key, a real SMTP server
#     (STARTTLS + AUTH) and a webhook sink receive. When the primary's app stops answering, the
#     group fails over (BIND serves the backup), the admin gets the mail and the on-call webhook
#     an HMAC-signed FailoverTransition, and the manual failback is held by min_hold.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd prometheus promtool amtool prometheus-alertmanager jq tsig-keygen named dig openssl

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

# The example's Alertmanager cluster, two members gossiping on loopback (the example has three).
AM_PORT=$(free_port)
AM2_PORT=$(free_port)
GOSSIP1=$(free_port)
GOSSIP2=$(free_port)
am_member() {  # N WEB_PORT GOSSIP_PORT [--cluster.peer=...]
  start_bg "alertmanager$1" "$TMP/am$1.log" prometheus-alertmanager \
    --config.file="$EX/enterprise/alertmanager.yml" --storage.path="$TMP/am$1-data" \
    --web.listen-address="127.0.0.1:$2" --cluster.listen-address="127.0.0.1:$3" \
    --cluster.advertise-address="127.0.0.1:$3" "${@:4}"
}
am_member 1 "$AM_PORT" "$GOSSIP1"
am_member 2 "$AM2_PORT" "$GOSSIP2" --cluster.peer="127.0.0.1:$GOSSIP1"
am_peers() { curl -sf --max-time 5 "http://127.0.0.1:$1/api/v2/status" | jq '.cluster.peers | length' || true; }
wait_until 30 "both Alertmanagers see two cluster members" \
  '[[ $(am_peers "$AM_PORT") == 2 && $(am_peers "$AM2_PORT") == 2 ]]'
ok "Alertmanager runs on enterprise/alertmanager.yml as a two-member cluster"
SILENCE=$(amtool --alertmanager.url="http://127.0.0.1:$AM_PORT" silence add alertname=ExampleMaintenance \
  --comment="gossip check" --author=test --duration=1h)
wait_until 15 "the silence made on the first member reaches the second" \
  '[[ $(amtool --alertmanager.url="http://127.0.0.1:$AM2_PORT" silence query -q) == *"$SILENCE"* ]]'
ok "a silence gossiped across the cluster ($SILENCE)"

PROM_PORT=$(free_port)
# The example's scrape interval is 15 s; a test waits for one scrape, so make it 1 s here.
installed "$EX/enterprise/prometheus.yml" |
  sed -e "s|scrape_interval: 15s|scrape_interval: 1s|" -e "s|evaluation_interval: 15s|evaluation_interval: 1s|" \
    -e "s|\[ \"am1.example.lan:9093\", \"am2.example.lan:9093\", \"am3.example.lan:9093\" \]|[ \"127.0.0.1:$AM_PORT\", \"127.0.0.1:$AM2_PORT\" ]|" \
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
  '[[ $(api alertmanagers | jq ".data.activeAlertmanagers | length") == 2 ]]'
ok "Prometheus sends to both members of the example's Alertmanager cluster"
wait_until 30 "a hawatch series queried back" \
  '[[ $(api "query?query=hawatch_collector_success%7Bcollector%3D%22node%22%7D" | jq -r ".data.result[0].value[1]") == 1 ]]'
ok "hawatch's series are queryable centrally"

# ---- two-pi: run the backup node ----
tsig-keygen -a hmac-sha256 ddns >"$TWO/etc/hawatch/ddns.key"
chmod 600 "$TWO/etc/hawatch/ddns.key"
DNS_PORT=$(free_port)
mkdir -p "$TWO/bind"
cat >"$TWO/bind/named.conf" <<CONF
include "$TWO/etc/hawatch/ddns.key";
options {
  directory "$TWO/bind"; pid-file "$TWO/bind/named.pid"; session-keyfile "$TWO/bind/session.key";
  listen-on port $DNS_PORT { 127.0.0.1; }; listen-on-v6 { none; };
  recursion no; allow-query { 127.0.0.1; }; notify no; dnssec-validation no;
};
controls { };
zone "site12.example.lan" {
  type primary; file "$TWO/bind/site12.zone";
  update-policy { grant ddns name amslpr.site12.example.lan. A; };
};
CONF
printf '%s\n' '$TTL 30' '@ IN SOA ns1 hostmaster ( 1 60 60 3600 30 )' '  IN NS ns1' \
  'ns1 IN A 127.0.0.1' 'amslpr IN A 192.0.2.10' >"$TWO/bind/site12.zone"
start_bg named "$TWO/named.log" named -g -4 -n 1 -c "$TWO/bind/named.conf"
served() { dig +short +time=1 +tries=1 @127.0.0.1 -p "$DNS_PORT" amslpr.site12.example.lan A; }
wait_until 10 "BIND serving the site zone" '[[ $(served) == 192.0.2.10 ]]'

PKI=$TWO/pki
mkdir -p "$PKI"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=site ca" -keyout "$PKI/ca.key" \
  -out "$PKI/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$PKI/smtp.key" -out "$PKI/smtp.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost\n' >"$PKI/ext"
openssl x509 -req -in "$PKI/smtp.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial -days 2 \
  -extfile "$PKI/ext" -out "$PKI/smtp.pem" 2>/dev/null
SMTP_PORT=$(free_port)
start_bg smtp "$TWO/smtp.log" "$PY" "$HAWATCH_FIXTURES/alerting/smtp_sink.py" "$TWO/mail" \
  --port "$SMTP_PORT" --tls "$PKI/smtp.pem" "$PKI/smtp.key" --require-starttls \
  --auth "hawatch-site12:$(<"$TWO/etc/hawatch/secrets/smtp-password")"
wait_until 10 "SMTP server listening" "grep -q listening '$TWO/smtp.log'"
HOOK_PORT=$(free_port)
start_bg hook "$TWO/hook.log" "$PY" "$HAWATCH_FIXTURES/alerting/webhook_sink.py" "$TWO/hook" "$HOOK_PORT" 200
wait_until 10 "webhook sink listening" "grep -q listening '$TWO/hook.log'"
mkdir -p "$TWO/app"
echo '{"status": "healthy"}' >"$TWO/app/health"
APP_PORT=$(free_port)
start_bg app "$TWO/app.log" "$PY" -m http.server --bind 127.0.0.1 --directory "$TWO/app" "$APP_PORT"
wait_until 10 "the primary's app answering" "curl -fsS -o /dev/null http://127.0.0.1:$APP_PORT/health"

# The config as written; only addresses and the 10 s / 15 s periods change.
sed -e "s|http://amslpr-a.site12.example.lan:5000/health|http://127.0.0.1:$APP_PORT/health|" \
  -e "s|http://amslpr-a.site12.example.lan:9847|http://127.0.0.1:$(free_port)|" \
  -e "s|192.0.2.53:53|127.0.0.1:$DNS_PORT|" -e "s|smtp.example.test:587|127.0.0.1:$SMTP_PORT|" \
  -e "s|https://oncall.example.test/hooks/site12|http://127.0.0.1:$HOOK_PORT/hooks/site12|" \
  -e "s|interval: 10s, timeout: 3s|interval: 1s, timeout: 500ms|" \
  -e "s|evaluation_interval: 15s|evaluation_interval: 1s|" -e "s|group_wait: 10s|group_wait: 1s|" \
  -e "s|^\( *\)require_tls: true|&\n\1tls_config: { ca_file: $PKI/ca.pem, server_name: localhost }|" \
  "$TWO/backup.yml" >"$TWO/backup-run.yml"
for changed in "127.0.0.1:$DNS_PORT" "127.0.0.1:$SMTP_PORT" "127.0.0.1:$HOOK_PORT" "127.0.0.1:$APP_PORT" ca_file; do
  grep -q "$changed" "$TWO/backup-run.yml" || fail "could not point the example at $changed"
done
start_hawatch --config.file="$TWO/backup-run.yml"
group() { hcurl /api/v1/failover | jq -r ".groups[] | select(.name == \"amslpr\") | .$1"; }
wait_until 15 "the group learnt the record from BIND" '[[ $(group state) == primary && $(group healthy) == true ]]'
ok "two-pi backup: the group reads 192.0.2.10 from the site DNS (primary) and the app healthy"

rm "$TWO/app/health"  # the primary's app stops answering (404)
wait_until 20 "the group failed over" '[[ $(group state) == failed_over ]]'
assert_eq 192.0.2.20 "$(served)" "two-pi backup: BIND serves the backup's address after the TSIG-signed update"
assert_eq 1 "$(group transitions)" "... in one transition"

mail_subjects() { cat "$TWO"/mail/*.eml 2>/dev/null | grep -i '^Subject:' || true; }
wait_until 30 "the admin's mail" '[[ $(mail_subjects) == *"AMSLPR Alert: FailoverTransition"* ]]'
META=$(grep -l FailoverTransition "$TWO"/mail/*.eml | head -n1)
META=${META%.eml}.json
assert_eq "true hawatch-site12" "$(jq -r '"\(.tls) \(.auth_user)"' "$META")" \
  "two-pi backup: the mail went over STARTTLS, authenticated with the password file"
hook_with() {  # ALERTNAME -> the first sink file whose body names it
  grep -l "\"$1\"" "$TWO"/hook/[0-9]*.json 2>/dev/null | grep -v headers | head -n1 || true
}
wait_until 30 "the on-call webhook" '[[ -n $(hook_with FailoverTransition) ]]'
BODY=$(hook_with FailoverTransition)
HEADERS=${BODY%.json}.headers.json
TS=$(jq -r 'to_entries[] | select(.key | ascii_downcase == "x-hawatch-timestamp") | .value' "$HEADERS")
SIG=$(jq -r 'to_entries[] | select(.key | ascii_downcase == "x-hawatch-signature") | .value' "$HEADERS")
WANT=$({ printf '%s:' "$TS"; cat "$BODY"; } |
  openssl dgst -sha256 -hmac "$(<"$TWO/etc/hawatch/secrets/webhook-hmac")" -r | cut -d' ' -f1)
assert_eq "$WANT" "$SIG" "two-pi backup: the webhook is signed with the secret file (HMAC over timestamp:body)"
assert_eq "primary->failed_over" \
  "$(jq -r '.alerts[] | select(.labels.alertname == "FailoverTransition") | "\(.labels.from)->\(.labels.to)"' "$BODY" | head -n1)" \
  "... and carries the transition"

echo '{"status": "healthy"}' >"$TWO/app/health"
# Exactly as the README says it: `curl -X POST` sends no body and no Content-Length.
CODE=$(curl -s -o "$TWO/failback.json" -w '%{http_code}' -X POST "$HAWATCH_URL/api/v1/failover/amslpr/fail-back")
assert_eq 409 "$CODE" "two-pi backup: a failback right away is refused ($(cat "$TWO/failback.json"))"
assert_contains "$(cat "$TWO/failback.json")" "minimum hold time" "... by min_hold (5m)"
assert_eq 192.0.2.20 "$(served)" "... and the record stays on the backup"

ok "done"
