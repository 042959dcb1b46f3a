#!/usr/bin/env bash
# exec_configs driven through the spool by alert_receiver_tool, with a real command
# (tests/fixtures/alerting/exec_receiver.sh): hostile bytes in labels and in argv arrive verbatim
# and are never run by a shell; stdin is the webhook version 4 message (the script checks it with
# jq); the environment is the minimal one plus HAWATCH_*; 75 and 1 are retried with the same
# idempotency key, 65 is given up at once; a hanging command that ignores SIGTERM is killed at the
# timeout together with its setsid grandchild; a notification spooled before a "crash" runs on
# replay.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOOL=${HAWATCH_BUILD_DIR:?}/alerting/alert_receiver_tool
[[ -x $TOOL ]] || fail "alert_receiver_tool not built ($TOOL)"
CMD=$HAWATCH_FIXTURES/alerting/exec_receiver.sh
PWNED=$TMP/pwned
# Shell syntax that would create $PWNED if anything ran it through a shell.
ODD_LABEL=$'a b \'q\' "dq" ; touch '"$PWNED"$' $(touch '"$PWNED"') `touch '"$PWNED"'` nl\nend'
ODD_ARG="; touch $PWNED \$(touch $PWNED) \`touch $PWNED\` '\" *"
export HAWATCH_LEAK_CHECK=leak

# config NAME [TIMEOUT] : $TMP/NAME.yml, the command writing into $TMP/NAME.out.
config() {
  mkdir -p "$TMP/$1.out"
  local label arg
  label=$(jq -Rn --arg v "$ODD_LABEL" '$v')  # a JSON string is a YAML string
  arg=$(jq -Rn --arg v "$ODD_ARG" '$v')
  cat >"$TMP/$1.yml" <<YAML
deadline: ${DEADLINE:-4s}
labels: { site: $label, "odd-name.x": "v$(printf '\xff\xfe')" }
receiver:
  exec_configs:
    - command: [ "$CMD", $arg, "two words", "", "x$(printf '\xff\xfe')y" ]
      timeout: ${2:-5s}
      env: { OUT: "$TMP/$1.out", SITE_NAME: amslpr }
      external_url: http://hawatch.example:9184
YAML
}
env_of() { sed -n "s/^$2=//p" "$TMP/$1.out/${3:-1}/env"; }

# ---- delivered, everything verbatim ------------------------------------------------------------
config ok
run_capture "$TOOL" "$TMP/ok.yml" "$TMP/spool" send firing 2
assert_eq 0 "$RC" "send exits 0"
assert_contains "$OUT" "integration=exec/0 attempts=1 delivered=1 failed_attempts=0 given_up=0" "delivered at once"
D=$TMP/ok.out/1
assert_eq "$ODD_ARG" "$(cat "$D/arg0")" "hostile argv passed verbatim"
assert_eq "two words" "$(cat "$D/arg1")" "an argument with a space stays one argument"
[[ -f $D/arg2 && ! -s $D/arg2 ]] || fail "the empty argument was dropped"
ok "an empty argument stays an argument"
assert_eq "$(printf 'x\xff\xfey')" "$(cat "$D/arg3")" "a non-UTF-8 argument byte for byte"
[[ ! -e $PWNED ]] || fail "something ran the hostile text through a shell"
ok "nothing was interpreted by a shell"
assert_eq 4 "$(jq -r .version "$D/stdin")" "stdin: webhook version 4"
assert_eq team-x "$(jq -r .receiver "$D/stdin")" "stdin: receiver"
assert_eq 2 "$(jq '.alerts | length' "$D/stdin")" "stdin: both alerts"
assert_eq "$ODD_LABEL" "$(jq -r '.alerts[0].labels.site' "$D/stdin")" "stdin: the odd label"
assert_eq http://hawatch.example:9184 "$(jq -r .externalURL "$D/stdin")" "stdin: externalURL"
assert_eq team-x "$(env_of ok HAWATCH_RECEIVER)" "HAWATCH_RECEIVER"
assert_eq firing "$(env_of ok HAWATCH_STATUS)" "HAWATCH_STATUS"
assert_eq 2 "$(env_of ok HAWATCH_ALERTS_FIRING)" "HAWATCH_ALERTS_FIRING"
assert_eq ForwardTest "$(env_of ok HAWATCH_GROUP_LABEL_ALERTNAME)" "HAWATCH_GROUP_LABEL_ALERTNAME"
assert_eq '{}/{team="x"}:{alertname="ForwardTest"}' "$(env_of ok HAWATCH_GROUP_KEY)" "HAWATCH_GROUP_KEY"
# The value is multi-line: taken from the NUL-separated dump.
site=$("$PY" - "$D/env0" <<'PY'
import sys
for entry in open(sys.argv[1], "rb").read().split(b"\0"):
    if entry.startswith(b"HAWATCH_COMMON_LABEL_SITE="):
        sys.stdout.buffer.write(entry.split(b"=", 1)[1])
PY
)
assert_eq "$ODD_LABEL" "$site" "HAWATCH_COMMON_LABEL_SITE holds the odd value verbatim"
assert_eq "$(printf 'v\xff\xfe')" "$(env_of ok HAWATCH_COMMON_LABEL_ODD_NAME_X)" \
  "a label name sanitised to [A-Z0-9_], its non-UTF-8 value byte for byte"
assert_match "$(env_of ok HAWATCH_IDEMPOTENCY_KEY)" '^[0-9a-f-]{36}$' "HAWATCH_IDEMPOTENCY_KEY"
assert_contains "$OUT" "$(env_of ok HAWATCH_IDEMPOTENCY_KEY)" "the key is the spool record's"
assert_eq amslpr "$(env_of ok SITE_NAME)" "fixed variables from env:"
assert_eq /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$(env_of ok PATH)" "PATH is fixed"
assert_not_contains "$(cat "$D/env")" "HAWATCH_LEAK_CHECK" "nothing of the caller's environment"

# ---- retried with the same key, then delivered -------------------------------------------------
config retry
printf '75\n1\n0\n' >"$TMP/retry.out/plan"
run_capture "$TOOL" "$TMP/retry.yml" "$TMP/spool" send firing 1
assert_contains "$OUT" "integration=exec/0 attempts=3 delivered=1 failed_attempts=2 given_up=0" \
  "75 (EX_TEMPFAIL) and 1 retried, then delivered"
assert_eq 1 "$(for n in 1 2 3; do env_of retry HAWATCH_IDEMPOTENCY_KEY $n; done | sort -u | wc -l)" \
  "the same idempotency key at every attempt"
assert_contains "$ERR" "attempt 1 exits 75" "the command's stderr is in the log"

# ---- refused for good --------------------------------------------------------------------------
config refuse
printf '65\n' >"$TMP/refuse.out/plan"
run_capture "$TOOL" "$TMP/refuse.yml" "$TMP/spool" send firing 1
assert_contains "$OUT" "integration=exec/0 attempts=1 delivered=0 failed_attempts=1 given_up=1" \
  "65 (EX_DATAERR) given up at once"

# ---- hanging: killed at the timeout with its setsid grandchild ---------------------------------
DEADLINE=1s config hang 700ms
printf 'hang\nhang\nhang\n' >"$TMP/hang.out/plan"
start=$(date +%s%N)
run_capture "$TOOL" "$TMP/hang.yml" "$TMP/spool" send firing 1
took_ms=$((($(date +%s%N) - start) / 1000000))
assert_match "$OUT" '^integration=exec/0 attempts=([12]) delivered=0 failed_attempts=\1 given_up=1$' \
  "the hanging command failed each time and was given up at the 1s deadline"
assert_contains "$ERR" "timed out after 0.7" "the log says it timed out"
attempts=$(cat "$TMP/hang.out/count")
((took_ms < 1000 * attempts + 1500)) || fail "$attempts hanging attempts took ${took_ms} ms"
ok "$attempts attempt(s) killed within ${took_ms} ms in all (700 ms timeout), although it ignores SIGTERM"
for ((n = 1; n <= attempts; n++)); do
  gc=$(cat "$TMP/hang.out/$n/grandchild.pid")
  [[ ! -e /proc/$gc ]] || fail "the setsid grandchild $gc outlived the timeout: $(cat "/proc/$gc/stat")"
  ok "attempt $n: the setsid grandchild $gc is gone (killed and reaped)"
done

# ---- spooled before a crash, delivered on replay -----------------------------------------------
config crash
run_capture "$TOOL" "$TMP/crash.yml" "$TMP/spool" enqueue resolved 1
[[ ! -e $TMP/crash.out/count ]] || fail "enqueue ran the command"
run_capture "$TOOL" "$TMP/crash.yml" "$TMP/spool" replay
assert_contains "$OUT" "attempts=1 delivered=1 failed_attempts=0 given_up=0" "replay ran it"
assert_eq resolved "$(env_of crash HAWATCH_STATUS)" "the replayed notification is the resolved one"
assert_eq resolved "$(jq -r '.alerts[0].status' "$TMP/crash.out/1/stdin")" "stdin: resolved"
