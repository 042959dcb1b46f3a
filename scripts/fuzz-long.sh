#!/usr/bin/env bash
# Long fuzzing runs outside CI (CI runs each target for seconds: tests/integration/test_fuzz.sh).
#
#   scripts/fuzz-long.sh [-s SECONDS] [-b BUILD_DIR] TARGET...    (TARGET "all": every target)
#
# Runs each libFuzzer target of tests/fuzz for SECONDS (default 600 = 10 minutes) from its seed
# corpus, one after the other, and prints one table row per target: executions, executions per
# second, edge coverage (cov), features (ft), corpus size, peak RSS and findings. The grown
# corpus is kept in BUILD_DIR/fuzz-corpus/TARGET, so the next run starts where this one ended;
# findings (crash-, leak-, timeout-, oom- inputs) land in BUILD_DIR/fuzz-findings/TARGET. Add a
# finding's input to tests/fuzz/corpus/TARGET/ with the fix, and a unit test for it.
# The fuzz build is the one test_fuzz.sh and scripts/sanitize.sh use (BUILD_DIR/fuzz-build);
# it is configured and built here when needed. Exits non-zero when any target found something.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_PER_TARGET=600
BUILD=$SRC/build
while getopts "s:b:" opt; do
  case $opt in
    s) SECONDS_PER_TARGET=$OPTARG ;;
    b) BUILD=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
(($# > 0)) || { echo "usage: fuzz-long.sh [-s SECONDS] [-b BUILD_DIR] TARGET... | all" >&2; exit 2; }
mapfile -t known < <(sed -n 's/^hawatch_fuzz_target(NAME \([a-z0-9_]*\).*/\1/p' "$SRC/tests/fuzz/CMakeLists.txt")
targets=("$@")
[[ $1 == all ]] && targets=("${known[@]}")
for t in "${targets[@]}"; do
  printf '%s\n' "${known[@]}" | grep -qx "$t" || { echo "unknown fuzz target: $t" >&2; exit 2; }
done

TREE=${HAWATCH_FUZZ_BUILD_DIR:-$BUILD/fuzz-build}
if [[ ! -f $TREE/CMakeCache.txt ]]; then
  launcher=()
  command -v ccache >/dev/null &&
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  cmake -S "$SRC" -B "$TREE" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DHAWATCH_FUZZ=ON \
    -DHAWATCH_OPTIMIZE_FOR_SIZE=OFF "${launcher[@]}" >/dev/null
fi
echo "== building ${targets[*]} in $TREE" >&2
cmake --build "$TREE" --target "${targets[@]}" --parallel "$(nproc)" >&2

# The last value of a libFuzzer status field ("cov: 123") in a log.
field() { grep -oE "$1: [0-9]+" "$2" | tail -1 | grep -oE '[0-9]+' || echo "?"; }
final_stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }

found_any=0
echo "| target | seconds | execs | execs/s | cov | ft | corpus | peak RSS MB | findings |"
echo "|---|---|---|---|---|---|---|---|---|"
for name in "${targets[@]}"; do
  corpus=$BUILD/fuzz-corpus/$name
  findings=$BUILD/fuzz-findings/$name
  mkdir -p "$corpus" "$findings"
  seeds=$SRC/tests/fuzz/corpus/$name
  [[ -d $seeds ]] && cp -n "$seeds"/* "$corpus/" 2>/dev/null || true
  log=$findings/last-run.log
  rc=0
  started=$(date +%s)
  # Same limits as CI (test_fuzz.sh): 64 KiB inputs, 1 GiB, 5 s per input.
  "$TREE/tests/fuzz/$name" -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 \
    -rss_limit_mb=1024 -timeout=5 -print_final_stats=1 -artifact_prefix="$findings/" \
    "$corpus" >"$log" 2>&1 || rc=$?
  ended=$(date +%s)
  n=$(find "$findings" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  summary=$n
  if ((rc != 0)); then
    found_any=1
    summary="$n (exit $rc, see $log)"
  fi
  echo "| $name | $((ended - started)) | $(final_stat number_of_executed_units "$log") |" \
    "$(final_stat average_exec_per_sec "$log") | $(field cov "$log") | $(field ft "$log") |" \
    "$(find "$corpus" -type f | wc -l) | $(final_stat peak_rss_mb "$log") | $summary |"
done
exit "$found_any"
