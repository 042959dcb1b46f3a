#!/usr/bin/env bash
# Runs every fuzz target of tests/fuzz (built by CMake with HAWATCH_FUZZ: clang, libFuzzer, ASan +
# UBSan, in a build tree of its own next to this one) for a bounded time from its seed corpus.
# Any crash, leak or sanitizer report fails the test. FUZZ_SECONDS (default 20) bounds each run.
set -euo pipefail
SRC=${HAWATCH_SOURCE_DIR:?}
FUZZ_BUILD=${HAWATCH_FUZZ_BUILD_DIR:-${HAWATCH_BUILD_DIR:?the build tree, from ctest}/fuzz-build}
SECONDS_PER_TARGET=${FUZZ_SECONDS:-20}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

echo "== configuring and building the fuzz targets in $FUZZ_BUILD"
if [[ ! -f $FUZZ_BUILD/CMakeCache.txt ]]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  cmake -S "$SRC" -B "$FUZZ_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DHAWATCH_FUZZ=ON \
    -DHAWATCH_OPTIMIZE_FOR_SIZE=OFF "${launcher[@]}" >"$OUT/configure.log" ||
    { cat "$OUT/configure.log" >&2; exit 1; }
fi
cmake --build "$FUZZ_BUILD" --target hawatch_fuzzers --parallel "$(nproc)" >"$OUT/build.log" 2>&1 ||
  { tail -60 "$OUT/build.log" >&2; echo "FAIL: fuzz targets did not build" >&2; exit 1; }

mapfile -t targets < <(sed -n 's/^hawatch_fuzz_target(NAME \([a-z0-9_]*\).*/\1/p' "$SRC/tests/fuzz/CMakeLists.txt")
((${#targets[@]} > 0)) || { echo "no fuzz targets in tests/fuzz/CMakeLists.txt" >&2; exit 1; }
# One libFuzzer process per core: the targets are independent and each is single-threaded.
PARALLEL=${FUZZ_JOBS:-$(nproc)}
run_target() {  # NAME: fuzzes it; the log ends with PASS or FAIL
  local name=$1 bin=$FUZZ_BUILD/tests/fuzz/$1 corpus="$SRC/tests/fuzz/corpus/$1"
  local log=$OUT/$name.log
  [[ -x $bin ]] || { echo "FAIL $name: $bin was not built" >"$log"; return; }
  mkdir -p "$OUT/corpus-$name" "$OUT/artifacts-$name"
  [[ -d $corpus ]] && cp "$corpus"/* "$OUT/corpus-$name/" 2>/dev/null || true
  if "$bin" -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -rss_limit_mb=1024 \
      -timeout=5 -print_final_stats=1 -artifact_prefix="$OUT/artifacts-$name/" \
      "$OUT/corpus-$name" >"$log.run" 2>&1; then
    { grep -E "stat::number_of_executed_units" "$log.run" || true; echo "PASS $name"; } >"$log"
  else
    { tail -50 "$log.run"; echo "FAIL $name: crash or sanitizer report (see above)"; } >"$log"
  fi
}
echo "== fuzzing ${#targets[@]} targets for ${SECONDS_PER_TARGET}s each, $PARALLEL at a time"
running=0
for name in "${targets[@]}"; do
  run_target "$name" &
  running=$((running + 1))
  if ((running >= PARALLEL)); then
    wait -n || true
    running=$((running - 1))
  fi
done
wait
passed=0
failed=0
for name in "${targets[@]}"; do
  if tail -1 "$OUT/$name.log" | grep -q "^PASS "; then
    cat "$OUT/$name.log"
    passed=$((passed + 1))
  else
    cat "$OUT/$name.log" >&2
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
((failed == 0))
