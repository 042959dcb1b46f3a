#!/usr/bin/env bash
# docs/configuration.md's alerting and failover reference is complete and true:
#   - every key the readers (alerting/config, dispatch, inhibit, timeinterval, receivers/*,
#     failover/group_config, failover/hooks/*) read is a row of its table, and every row names a
#     key that is read (tests/integration/config_doc.py says how "read" is found in the source);
#   - the checker catches both directions (a mutated doc);
#   - the doc's complete example configs pass hawatch --check-config, with the secret and key
#     files they name created here.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd tsig-keygen
CHECK=("$PY" "$HAWATCH_SOURCE_DIR/tests/integration/config_doc.py")

run_capture "${CHECK[@]}" "$HAWATCH_SOURCE_DIR" check
[[ $RC == 0 ]] || fail "docs/configuration.md and the config readers differ:
$OUT$ERR"
ok "every alerting/failover key read is documented and every documented key is read ($(tail -n1 <<<"$OUT" | sed 's/^# //'))"

# The checker fails on a doc without a row and on a row no reader reads.
MUT=$TMP/mutant
mkdir -p "$MUT/docs"
for d in alerting exporter; do ln -s "$HAWATCH_SOURCE_DIR/$d" "$MUT/$d"; done
grep -v '^| `min_hold` |' "$HAWATCH_SOURCE_DIR/docs/configuration.md" |
  sed 's/^| `fail_after` | `3` |/| `fail_after` | `3` |\n| `made_up_key` | | never read |/' >"$MUT/docs/configuration.md"
grep -q made_up_key "$MUT/docs/configuration.md" || fail "could not mutate the doc"
run_capture "${CHECK[@]}" "$MUT" check
assert_eq 1 "$RC" "the checker fails on a changed doc"
assert_contains "$OUT" "read but undocumented: failover[]: min_hold" "... naming the missing row"
assert_contains "$OUT" "documented but never read: failover[]: made_up_key" "... and the stray row"

# The complete examples, with their files under $TMP.
run_capture "${CHECK[@]}" "$HAWATCH_SOURCE_DIR" examples "$TMP/examples"
[[ $RC == 0 ]] || fail "no complete example in docs/configuration.md: $OUT$ERR"
ETC=$TMP/etc/hawatch
mkdir -p "$ETC/secrets" "$TMP/state"
for f in smtp-password webhook-hmac inbound-hmac; do echo "s3cret-$f" >"$ETC/secrets/$f"; done
echo pdns-api-key >"$ETC/pdns-api.key"
tsig-keygen -a hmac-sha256 ddns >"$ETC/ddns.key"
chmod 600 "$ETC"/secrets/* "$ETC"/*.key
n=0
for example in $OUT; do
  sed -e "s|/etc/hawatch|$ETC|g" -e "s|/var/lib/hawatch|$TMP/state|g" \
    -e "s|/usr/share/hawatch/rules|$HAWATCH_SOURCE_DIR/alerting/rules|g" "$example" >"$example.local"
  run_capture "$HAWATCH_BIN" --check-config --config.file="$example.local"
  assert_eq 0 "$RC" "$(basename "$example") of docs/configuration.md passes --check-config ($OUT$ERR)"
  n=$((n + 1))
done
[[ $n -ge 2 ]] || fail "expected the alerting and the failover example, found $n"
# --check-config really reads those sections: a misspelt key in the example is refused.
sed 's/^    fail_after: 3$/    fail_afterr: 3/' "$TMP/examples/example1.yml.local" >"$TMP/typo.yml"
run_capture "$HAWATCH_BIN" --check-config --config.file="$TMP/typo.yml"
assert_eq 1 "$RC" "a misspelt failover key is refused"
assert_contains "$ERR$OUT" 'unknown key "failover.amslpr.fail_afterr"' "... at its key"
ok "done"
