#!/usr/bin/env bash
# Runs the test suites under sanitizers, each in a clang build tree of its own beside BUILD_DIR:
#
#   scripts/sanitize.sh asan BUILD_DIR   ASan + UBSan: every unit test and the integration suite,
#                                        against the sanitized daemon, plugin host and modules.
#                                        The tree is BUILD_DIR/fuzz-build, the one test_fuzz.sh
#                                        fuzzes in: one sanitizer build serves both.
#   scripts/sanitize.sh tsan BUILD_DIR   TSan: the concurrency tests (TSAN_TESTS below), in
#                                        BUILD_DIR/tsan-build, which builds only those.
#
# Every sanitized process writes its reports to a directory of its own (log_path), children and
# daemons started by the integration tests included, so a report fails the run even where the
# process's exit status is not looked at. Zero reports is the only pass. Suppressions, for
# third-party code only, are in tests/sanitize/*.supp with the reason for each.
# Extra arguments go to ctest (e.g. -R unit.scheduler_test to run a subset); with
# SANITIZE_TARGETS="a b ..." only those targets are built (for such a subset; CI builds all).
set -euo pipefail
MODE=${1:?usage: sanitize.sh asan|tsan BUILD_DIR [ctest args...]}
BUILD=${2:?usage: sanitize.sh asan|tsan BUILD_DIR [ctest args...]}
shift 2
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(mkdir -p "$BUILD" && cd "$BUILD" && pwd)
JOBS=$(nproc)

# The tests that exercise threads: the scheduler with its worker pool and snapshot store, the
# HTTP server, the keepalived FIFO reader, and the alerting dispatch loop, notification
# pipeline and spool.
TSAN_TESTS=(scheduler_test http_server_test keepalived_test alert_dispatcher_test
  alert_pipeline_test alert_spool_test)
# Not run under ASan: test_fuzz fuzzes in this very tree already, test_deb packages and installs
# the ordinary build, test_helm and test_dashboards check files without running hawatch, and
# test_soak judges memory growth, which under ASan is its quarantine of freed blocks (the daemon
# grew 200 MiB in 75 s that way), not hawatch's; its reload and scrape churn runs under ASan in
# the other integration tests.
ASAN_SKIP='^integration\.test_(fuzz|deb|helm|dashboards|soak)$'

configure() {  # TREE CMAKE_ARGS...
  local tree=$1
  shift
  [[ -f $tree/CMakeCache.txt ]] && return 0
  local launcher=()
  command -v ccache >/dev/null &&
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  cmake -S "$SRC" -B "$tree" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DHAWATCH_OPTIMIZE_FOR_SIZE=OFF \
    "${launcher[@]}" "$@" >"$tree.configure.log" 2>&1 ||
    { cat "$tree.configure.log" >&2; exit 1; }
}

build() {  # TREE TARGETS...
  local tree=$1
  shift
  echo "== building in $tree: ${*:-everything}"
  local targets=()
  (($# > 0)) && targets=(--target "$@")
  cmake --build "$tree" --parallel "$JOBS" "${targets[@]}" >"$tree.build.log" 2>&1 ||
    { tail -60 "$tree.build.log" >&2; echo "FAIL: the sanitizer build failed" >&2; exit 1; }
}

# Prints every report the sanitizers wrote; fails when there is one.
check_reports() {  # DIR
  local dir=$1 reports
  mapfile -t reports < <(find "$dir" -type f -size +0 | sort)
  if ((${#reports[@]} > 0)); then
    local r
    for r in "${reports[@]}"; do
      echo "---- sanitizer report $r" >&2
      head -80 "$r" >&2
    done
    echo "FAIL: ${#reports[@]} sanitizer report(s)" >&2
    return 1
  fi
  echo "no sanitizer reports"
}

REPORTS=$(mktemp -d "${TMPDIR:-/tmp}/hawatch-sanitize-$MODE.XXXXXX")
SUPP=$SRC/tests/sanitize
started=$(date +%s)
case $MODE in
  asan)
    TREE=${HAWATCH_FUZZ_BUILD_DIR:-$BUILD/fuzz-build}
    configure "$TREE" -DHAWATCH_FUZZ=ON
    # shellcheck disable=SC2086  # a list of target names
    build "$TREE" ${SANITIZE_TARGETS:-}
    export HAWATCH_SANITIZER=asan  # for tests whose limits an ASan build cannot meet
    export ASAN_OPTIONS="log_path=$REPORTS/asan:detect_leaks=1:check_initialization_order=1:suppressions=$SUPP/asan.supp"
    export UBSAN_OPTIONS="log_path=$REPORTS/ubsan:print_stacktrace=1:halt_on_error=1:suppressions=$SUPP/ubsan.supp"
    export LSAN_OPTIONS="suppressions=$SUPP/lsan.supp:print_suppressions=0"
    ctest_args=(-E "$ASAN_SKIP")
    ;;
  tsan)
    TREE=$BUILD/tsan-build
    configure "$TREE" -DHAWATCH_SANITIZE=thread
    build "$TREE" "${TSAN_TESTS[@]}"
    export TSAN_OPTIONS="log_path=$REPORTS/tsan:halt_on_error=1:second_deadlock_stack=1:suppressions=$SUPP/tsan.supp"
    regex=$(IFS='|'; echo "^unit\.(${TSAN_TESTS[*]})\$")
    ctest_args=(-R "$regex")
    ;;
  *)
    echo "usage: sanitize.sh asan|tsan BUILD_DIR [ctest args...]" >&2
    exit 2
    ;;
esac
built=$(date +%s)
echo "== running the tests under $MODE (reports: $REPORTS)"
rc=0
(cd "$TREE" && ctest --output-on-failure --timeout 900 "${ctest_args[@]}" "$@") || rc=$?
check_reports "$REPORTS" || rc=1
echo "sanitize $MODE: build $((built - started)) s, tests $(($(date +%s) - built)) s, exit $rc"
((rc == 0)) && rm -rf "$REPORTS"
exit "$rc"
