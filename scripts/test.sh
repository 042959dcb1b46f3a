#!/usr/bin/env bash
# Installs what the tests need, builds, and runs the whole test suite (unit + integration with
# real peers). This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build
cd build
rc=0
touch .test-started
ctest --output-on-failure --timeout 600 "$@" 2>&1 | tee ctest-output.log || rc=$?
# CI shows the head and the tail of this log, so what failed is summed up last: the failing
# lines of the failed tests' output (this run's, and the sanitized suite's own run) and the
# drill's summaries, those this run wrote.
if ((rc)); then
  echo "==== failure digest"
  for log in ctest-output.log fuzz-build/Testing/Temporary/LastTest.log; do
    [[ -f $log && $log -nt .test-started ]] || continue
    echo "---- $log"
    awk -f ../scripts/failure-digest.awk "$log" | tail -n 40
  done
  for summary in drill-summary.md fuzz-build/drill-summary.md; do
    [[ -f $summary && $summary -nt .test-started ]] || continue
    echo "---- $summary"
    grep -E 'FAIL|steps passed' "$summary" || true
  done
fi
exit "$rc"
