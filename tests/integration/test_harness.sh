#!/usr/bin/env bash
# The harness itself: whatever way a test ends (a failing command under set -e at top level or in a
# function, fail, a signal, success), everything it started is stopped and removed — background
# processes with their children, a daemon that left our process group with setsid (registered with
# on_exit), processes inside a namespace made by make_netns, the namespace, $TMP and make_tmpdir
# dirs. Also a lint: no test that sources lib.sh sets its own EXIT trap (which would replace the
# registry's), and no test uses the `(exit $rc); _cleanup` pattern that dies under set -e.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd ip pgrep setsid
[[ $(id -u) == 0 ]] || fail "needs root: the test creates a network namespace"

LIB=$HAWATCH_SOURCE_DIR/tests/integration/lib.sh
TAG=$((90000 + $$ % 9000))  # marker in the sleeps' arguments: sleep TAG.N

# A child test: starts one of everything, then ends the way $1 says.
cat >"$TMP/child.sh" <<'EOF'
source "$LIB"
start_bg tree "$TMP/tree.log" bash -c "sleep $TAG.1 & sleep $TAG.2 & wait"
setsid sleep "$TAG.3" </dev/null >/dev/null 2>&1 &
on_exit kill "$!"
make_netns "hawatch-harness-$TAG-$MODE"
setsid ip netns exec "hawatch-harness-$TAG-$MODE" sleep "$TAG.4" </dev/null >/dev/null 2>&1 &
make_tmpdir extra
echo "$TMP $extra" >"$REPORT"
in_function() { false; echo "not reached"; }
for _ in $(seq 50); do [[ $(pgrep -fc "sleep $TAG\.") -ge 4 ]] && break; sleep 0.1; done
case $MODE in
  top-level) false ;;
  function) in_function ;;
  fail) fail "on purpose" ;;
  sigterm) kill -TERM $$; sleep 5 ;;
  success) ok "nothing wrong" ;;
esac
EOF

for mode in top-level function fail sigterm success; do
  report=$TMP/report.$mode
  run_capture env LIB="$LIB" TAG="$TAG" MODE="$mode" REPORT="$report" bash "$TMP/child.sh"
  if [[ $mode == success ]]; then
    assert_eq 0 "$RC" "$mode: the child test passes"
  else
    assert_ne 0 "$RC" "$mode: the child test fails"
  fi
  left=$(pgrep -fa "sleep $TAG\." || true)
  assert_eq "" "$left" "$mode: no process the child started is left"
  assert_eq "" "$(ip netns list | grep "hawatch-harness-$TAG" || true)" "$mode: its namespace is deleted"
  read -r child_tmp child_extra <"$report"
  [[ ! -e $child_tmp && ! -e $child_extra ]] || fail "$mode: $child_tmp or $child_extra is left"
  ok "$mode: its temp dirs are removed"
done

# Lint: the registry is the only EXIT trap of tests that use lib.sh.
offenders=$(grep -lE '^[^#]*source .*lib\.sh' "$HAWATCH_SOURCE_DIR"/tests/integration/test_*.sh |
  xargs grep -nE '^[^#]*(trap .*EXIT|\(exit \$[a-z_]*rc\); *_cleanup)' || true)
assert_eq "" "$offenders" "no test sets its own EXIT trap or re-raises its status before _cleanup"
offenders=$(grep -rnE '^[^#]*trap .*EXIT' "$HAWATCH_SOURCE_DIR"/tests/fixtures --include='*.sh' || true)
assert_eq "" "$offenders" "no fixture script sourced by tests sets an EXIT trap"
