#!/usr/bin/env bash
# The RFC 2136 update hook against a real BIND 9 on loopback (tests/fixtures/dns/bind_fixture.sh),
# driven by dns_update_tool: a TSIG-signed compare-and-swap succeeds and is served at once; a
# record changed underneath is cas_lost and nothing is overwritten; a wrong key is notauth
# (BADSIG), no key is refused, a zone the key may not update is refused; every algorithm
# tsig-keygen offers signs and verifies; a truncated UDP answer is read again over TCP; two
# writers racing from the same old value produce exactly one change; a stopped server and one that
# never answers are timeouts within the bound. Each outcome is checked with dig, not only with
# the hook's own word.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd named dig nsupdate tsig-keygen named-checkconf named-checkzone
TOOL=${HAWATCH_BUILD_DIR:?}/alerting/failover/hooks/dns_update_tool
[[ -x $TOOL ]] || fail "dns_update_tool not built ($TOOL)"

PORT=$(free_port)
bash "$HAWATCH_FIXTURES/dns/bind_fixture.sh" prepare "$TMP/bind" "$PORT"
start_bg named "$TMP/named.log" named -g -4 -n 1 -c "$TMP/bind/named.conf"
NAMED_PID=$BG_PID
bash "$HAWATCH_FIXTURES/dns/bind_fixture.sh" wait "$PORT"
ok "BIND answering on 127.0.0.1:$PORT"
KEYS=$TMP/bind/keys

hook() {  # NAME SERVER [KEYFILE [EXTRA]]  -> $TMP/NAME.yml
  local key=${3:+, tsig_key_file: \"$3\"}
  printf 'update:\n  rfc2136: { server: "%s"%s%s }\n' "$2" "$key" "${4:+, $4}" >"$TMP/$1.yml"
}
served() {  # NAME -> the A values BIND serves, sorted, space-separated
  dig +short +time=1 +tries=1 @127.0.0.1 -p "$PORT" "$1" A | sort | paste -sd' '
}
cas() {  # HOOK ZONE NAME OLD NEW  -> RESULT DETAIL MS
  run_capture "$TOOL" "$TMP/$1.yml" cas "$2" "$3" A "$4" "$5"
  [[ $RC == 0 ]] || fail "dns_update_tool cas failed ($RC): $OUT $ERR"
  RESULT=${OUT%%$'\t'*}
  DETAIL=$(head -n1 <<<"${OUT#*$'\t'}")
  MS=$(tail -n1 <<<"$OUT")
}
nsupdate_replace() {  # NAME VALUE : changes the record behind the hook's back
  nsupdate -k "$KEYS/ddns.key" <<UPDATE
server 127.0.0.1 $PORT
zone test.example
update delete $1 A
update add $1 60 A $2
send
UPDATE
}

SERVER="127.0.0.1:$PORT"
hook good "$SERVER" "$KEYS/ddns.key" "timeout: 2s"
cas good test.example vip.test.example 127.0.0.10 127.0.0.20
assert_eq ok "$RESULT" "a signed compare-and-swap succeeds ($DETAIL)"
assert_contains "$DETAIL" "NOERROR from $SERVER (udp), signed by ddns-key." "the detail names rcode, server and key"
assert_eq "127.0.0.20" "$(served vip.test.example)" "BIND serves the new value, and only it"
run_capture "$TOOL" "$TMP/good.yml" current test.example vip.test.example A
assert_eq "0 127.0.0.20" "$RC $OUT" "current() reads the new value from the server"
run_capture "$TOOL" "$TMP/good.yml" verify test.example vip.test.example A 127.0.0.20
assert_match "$OUT" $'^ok\tserved after 1 queries' "the verify loop sees it at the first query"

# Record changed underneath: the prerequisite fails and nothing is overwritten.
nsupdate_replace vip.test.example 127.0.0.99
cas good test.example vip.test.example 127.0.0.20 127.0.0.21
assert_eq cas_lost "$RESULT" "the record no longer holds the old value: cas_lost ($DETAIL)"
assert_contains "$DETAIL" NXRRSET "BIND said NXRRSET"
assert_eq "127.0.0.99" "$(served vip.test.example)" "the other writer's value is untouched"

# Two writers racing from the same old value: exactly one change.
for i in 1 2 3 4 5; do
  nsupdate_replace vip.test.example 127.0.0.50
  "$TOOL" "$TMP/good.yml" cas test.example vip.test.example A 127.0.0.50 127.0.0.51 >"$TMP/race1" &
  r1=$!
  "$TOOL" "$TMP/good.yml" cas test.example vip.test.example A 127.0.0.50 127.0.0.52 >"$TMP/race2" &
  r2=$!
  wait "$r1" "$r2"
  results=$(cut -f1 "$TMP/race1" "$TMP/race2" | grep -v '^[0-9]*$' | sort | paste -sd' ')
  [[ $results == "cas_lost ok" ]] || fail "race $i: expected one ok and one cas_lost, got '$results'"
  winner=$(grep -q '^ok' "$TMP/race1" && echo 127.0.0.51 || echo 127.0.0.52)
  [[ $(served vip.test.example) == "$winner" ]] || fail "race $i: BIND serves $(served vip.test.example), not the winner's $winner"
done
ok "5 races of two writers: each time exactly one ok, one cas_lost, and the winner's value served"

# Authentication and authorization.
nsupdate_replace vip.test.example 127.0.0.10
hook wrong "$SERVER" "$KEYS/wrong.key"
cas wrong test.example vip.test.example 127.0.0.10 127.0.0.66
assert_eq notauth "$RESULT" "a key with the wrong secret: notauth ($DETAIL)"
assert_contains "$DETAIL" BADSIG "the TSIG error is in the detail"
hook unsigned "$SERVER"
cas unsigned test.example vip.test.example 127.0.0.10 127.0.0.66
assert_eq refused "$RESULT" "no key at all: refused ($DETAIL)"
cas good other.example vip.other.example 127.0.0.30 127.0.0.66
assert_eq refused "$RESULT" "a zone the key may not update: refused ($DETAIL)"
assert_eq "127.0.0.30" "$(served vip.other.example)" "the other zone is unchanged"
assert_eq "127.0.0.10" "$(served vip.test.example)" "none of the refused updates changed anything"
hook other "$SERVER" "$KEYS/both.key" "tsig_key_name: other-key"
cas other other.example vip.other.example 127.0.0.30 127.0.0.31
assert_eq "ok 127.0.0.31" "$RESULT $(served vip.other.example)" "the key picked by name from a file of two updates its zone"

# Every algorithm tsig-keygen offers, the request signed and the response verified.
value=10
for a in hmac-md5 hmac-sha1 hmac-sha224 hmac-sha256 hmac-sha384 hmac-sha512; do
  hook "$a" "$SERVER" "$KEYS/$a.key"
  cas "$a" test.example vip.test.example "127.0.0.$value" "127.0.0.$((value + 1))"
  [[ $RESULT == ok && $DETAIL == *"signed by key-$a."* ]] || fail "$a: $RESULT $DETAIL"
  value=$((value + 1))
  [[ $(served vip.test.example) == "127.0.0.$value" ]] || fail "$a: BIND serves $(served vip.test.example)"
done
ok "all six algorithms sign updates BIND accepts, and their signed answers verify"

# A UDP answer too big for 512 bytes comes truncated; the hook asks again over TCP.
run_capture "$TOOL" "$TMP/good.yml" current test.example big.test.example A
assert_eq "0 40" "$RC $(wc -l <<<"$OUT")" "all 40 records of a truncated answer, read over TCP"
assert_contains "$(dig +ignore +noedns +time=1 +tries=1 @127.0.0.1 -p "$PORT" big.test.example A)" " tc" \
  "(the UDP answer is indeed truncated)"

# Bad key files are config errors with FILE:LINE.
printf 'key "k" {\n\talgorithm hmac-sha999;\n\tsecret "AAAA";\n};\n' >"$TMP/bad.key"
hook badkey "$SERVER" "$TMP/bad.key"
run_capture "$TOOL" "$TMP/badkey.yml" check
assert_eq 2 "$RC" "a bad key file fails the config"
assert_contains "$OUT" "$TMP/bad.key:2: unknown algorithm \"hmac-sha999\"" "the error names the key file's line"

# A server that is gone or never answers: timeout, within the bound.
stop_process "$NAMED_PID"
cas good test.example vip.test.example 127.0.0.16 127.0.0.17
assert_eq timeout "$RESULT" "server stopped: timeout ($DETAIL)"
run_capture "$TOOL" "$TMP/good.yml" current test.example vip.test.example A
assert_eq 1 "$RC" "current() fails with the server stopped"
assert_contains "$OUT" "timeout" "and says it had no answer"
BLACKHOLE=$(free_port)
start_bg blackhole "$TMP/blackhole.log" "$PY" -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', $BLACKHOLE))
while True: s.recv(65535)"
sleep 0.2
hook silent "127.0.0.1:$BLACKHOLE" "$KEYS/ddns.key" "timeout: 1s"
cas silent test.example vip.test.example 127.0.0.16 127.0.0.17
assert_eq timeout "$RESULT" "a server that never answers: timeout ($DETAIL)"
((MS >= 900 && MS < 2500)) || fail "the timeout took $MS ms, not about 1 s"
ok "the wait ended at the 1 s bound ($MS ms)"
echo "# $CHECKS checks passed"
