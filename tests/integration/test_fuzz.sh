#!/usr/bin/env bash
# Builds every tests/fuzz/*_fuzz.cpp with clang's libFuzzer + AddressSanitizer/UBSan and runs it for
# a bounded time. A fuzz target lists the project sources it needs in a comment line:
#   // fuzz-sources: exporter/core/parse.cpp exporter/collectors/node_parsers.cpp
# and, when it needs libraries beyond the C++ standard library, a line such as
#   // fuzz-libs: -lre2
# Any crash, leak or sanitizer report fails the test. FUZZ_SECONDS (default 20) bounds each run.
set -euo pipefail
SRC=${HAWATCH_SOURCE_DIR:?}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
SECONDS_PER_TARGET=${FUZZ_SECONDS:-20}

shopt -s nullglob
targets=("$SRC"/tests/fuzz/*_fuzz.cpp)
if ((${#targets[@]} == 0)); then
  echo "no fuzz targets in tests/fuzz" >&2
  exit 1
fi
passed=0
failed=0
for target in "${targets[@]}"; do
  name=$(basename "$target" .cpp)
  sources=$(sed -n 's|^// fuzz-sources:||p' "$target" | head -1)
  read -r -a libs <<<"$(sed -n 's|^// fuzz-libs:||p' "$target" | head -1)"
  srcs=()
  read -r -a source_list <<<"$sources"  # split without globbing here; globs expand in $SRC
  for s in "${source_list[@]}"; do
    for f in "$SRC"/$s; do srcs+=("$f"); done  # a source may be a glob (alerting/template/*.cpp)
  done
  echo "== $name: building"
  if ! clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      -I"$SRC/exporter" -I"$SRC/include" -I"$SRC/alerting" "$target" "${srcs[@]}" "${libs[@]}" \
      -o "$OUT/$name" 2>"$OUT/$name.build.log"; then
    cat "$OUT/$name.build.log" >&2
    echo "FAIL $name: build failed" >&2
    failed=$((failed + 1))
    continue
  fi
  corpus="$SRC/tests/fuzz/corpus/$name"
  mkdir -p "$OUT/corpus-$name"
  [[ -d $corpus ]] && cp "$corpus"/* "$OUT/corpus-$name/" 2>/dev/null || true
  echo "== $name: fuzzing for ${SECONDS_PER_TARGET}s"
  if "$OUT/$name" -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -rss_limit_mb=1024 \
      -timeout=5 -print_final_stats=1 -artifact_prefix="$OUT/" "$OUT/corpus-$name" >"$OUT/$name.log" 2>&1; then
    grep -E "stat::number_of_executed_units" "$OUT/$name.log" || true
    echo "PASS $name"
    passed=$((passed + 1))
  else
    tail -50 "$OUT/$name.log" >&2
    echo "FAIL $name: crash or sanitizer report (see above)" >&2
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
((failed == 0))
