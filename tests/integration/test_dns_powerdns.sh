#!/usr/bin/env bash
# The PowerDNS hook against a real pdns_server (sqlite3 backend, HTTP API on loopback,
# tests/fixtures/dns/pdns_fixture.sh), driven by dns_update_tool: the compare-before-write
# replaces the rrset and PowerDNS serves it at once (checked with dig); an rrset changed
# underneath is cas_lost and not overwritten; a wrong API key is notauth and writes nothing; a
# stopped server is a timeout; current() reads the API or, with verify_server, the DNS answer.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd pdns_server pdnsutil sqlite3 dig
TOOL=${HAWATCH_BUILD_DIR:?}/alerting/failover/hooks/dns_update_tool
[[ -x $TOOL ]] || fail "dns_update_tool not built ($TOOL)"

PORT=$(free_port)
API_PORT=$(free_port)
D=$TMP/pdns
bash "$HAWATCH_FIXTURES/dns/pdns_fixture.sh" prepare "$D" "$PORT" "$API_PORT"
start_bg pdns "$TMP/pdns.log" pdns_server "--config-dir=$D"
PDNS_PID=$BG_PID
bash "$HAWATCH_FIXTURES/dns/pdns_fixture.sh" wait "$API_PORT" "$D"
ok "PowerDNS answering: DNS 127.0.0.1:$PORT, API 127.0.0.1:$API_PORT"

hook() {  # NAME KEYFILE [EXTRA] -> $TMP/NAME.yml
  printf 'update:\n  powerdns: { api_url: "http://127.0.0.1:%s/", server_id: localhost, api_key_file: "%s", timeout: 2s%s }\n' \
    "$API_PORT" "$2" "${3:+, $3}" >"$TMP/$1.yml"
}
served() { dig +short +time=1 +tries=1 @127.0.0.1 -p "$PORT" "$1" A | sort | paste -sd' '; }
cas() {  # HOOK OLD NEW -> RESULT DETAIL MS
  run_capture "$TOOL" "$TMP/$1.yml" cas test.example vip.test.example A "$2" "$3"
  [[ $RC == 0 ]] || fail "dns_update_tool cas failed ($RC): $OUT $ERR"
  RESULT=${OUT%%$'\t'*}
  DETAIL=$(head -n1 <<<"${OUT#*$'\t'}")
  MS=$(tail -n1 <<<"$OUT")
}
api_replace() {  # VALUE : another writer changes the rrset
  curl -sf -X PATCH -H "X-API-Key: $(cat "$D/api.key")" -H 'Content-Type: application/json' \
    "http://127.0.0.1:$API_PORT/api/v1/servers/localhost/zones/test.example." \
    -d "{\"rrsets\":[{\"name\":\"vip.test.example.\",\"type\":\"A\",\"ttl\":60,\"changetype\":\"REPLACE\",\"records\":[{\"content\":\"$1\",\"disabled\":false}]}]}"
}

hook good "$D/api.key"
run_capture "$TOOL" "$TMP/good.yml" current test.example vip.test.example A
assert_eq "0 127.0.0.10" "$RC $OUT" "current() reads the rrset through the API"
cas good 127.0.0.10 127.0.0.20
assert_eq ok "$RESULT" "compare-before-write replaces the rrset ($DETAIL)"
assert_contains "$DETAIL" "HTTP 204" "PowerDNS answered 204"
assert_eq "127.0.0.20" "$(served vip.test.example)" "PowerDNS serves the new value over DNS at once"

api_replace 127.0.0.99
cas good 127.0.0.20 127.0.0.21
assert_eq cas_lost "$RESULT" "the rrset changed underneath: cas_lost ($DETAIL)"
assert_contains "$DETAIL" "holds 127.0.0.99" "the detail says what it holds"
assert_eq "127.0.0.99" "$(served vip.test.example)" "the other writer's value is untouched"

printf 'not-the-key\n' >"$TMP/wrong.key"
hook wrong "$TMP/wrong.key"
cas wrong 127.0.0.99 127.0.0.66
assert_eq notauth "$RESULT" "a wrong API key: notauth ($DETAIL)"
assert_contains "$DETAIL" "HTTP 401" "PowerDNS answered 401"
assert_eq "127.0.0.99" "$(served vip.test.example)" "nothing was written"

hook verify "$D/api.key" "verify_server: \"127.0.0.1:$PORT\""
cas verify 127.0.0.99 127.0.0.30
assert_eq ok "$RESULT" "the hook with a verify server writes too"
run_capture "$TOOL" "$TMP/verify.yml" verify test.example vip.test.example A 127.0.0.30
assert_match "$OUT" $'^ok\tserved after' "the DNS answer serves the new value (verify loop over DNS)"

run_capture "$TOOL" "$TMP/good.yml" cas test.example nope.test.example A 127.0.0.1 127.0.0.2
assert_match "$OUT" $'^cas_lost\tthe rrset holds nothing' "a record that does not exist: cas_lost, not created"
printf 'update:\n  powerdns: { api_url: "ftp://x", api_key_file: "%s/absent" }\n' "$TMP" >"$TMP/bad.yml"
run_capture "$TOOL" "$TMP/bad.yml" check
assert_eq 2 "$RC" "a bad powerdns block fails the config"
assert_match "$OUT" "bad.yml:2:[0-9]+: update.powerdns.api_url must be an http" "the URL error has its position"
assert_match "$OUT" "bad.yml:2:[0-9]+: update.powerdns.api_key_file: .*absent" "so has the unreadable key file"

stop_process "$PDNS_PID"
cas good 127.0.0.30 127.0.0.31
assert_eq timeout "$RESULT" "server stopped: timeout ($DETAIL)"
((MS < 2500)) || fail "the failure took $MS ms"
ok "no answer ends within the bound ($MS ms)"
echo "# $CHECKS checks passed"
