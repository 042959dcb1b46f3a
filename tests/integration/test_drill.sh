#!/usr/bin/env bash
# The HA drill (tests/drill/run.sh, docs/drill.md) as one integration test: every scenario against
# the built daemon, with the real peers in network namespaces. Fails when any step of any scenario
# fails or does not run (scenario 1 needs the DNS failover and email receiver pieces). The summary
# table is written to HAWATCH_BUILD_DIR/drill-summary.md.
set -euo pipefail
: "${HAWATCH_BIN:?}" "${HAWATCH_SOURCE_DIR:?}"
[[ $(id -u) == 0 ]] || { echo "FAIL [test_drill]: the drill needs root (network namespaces, systemd)" >&2; exit 1; }
start=$SECONDS
rc=0
HAWATCH_BIN=$HAWATCH_BIN bash "$HAWATCH_SOURCE_DIR/tests/drill/run.sh" \
  --out "${HAWATCH_BUILD_DIR:-${TMPDIR:-/tmp}}/drill-summary.md" || rc=$?
echo "# the drill took $((SECONDS - start)) s"
if ((rc == 0)); then echo "PASS test_drill"; else echo "FAIL test_drill (exit $rc)" >&2; fi
exit "$rc"
