#!/usr/bin/env bash
# sync-chart-rules.sh [--check]: copies the shipped alerting rules (alerting/rules/*.rules.yml and
# alerting/rules/central/*.rules.yml) into the Helm chart (helm/hawatch/rules/), which reads them
# with .Files.Glob. Copies, not a symlink: `helm package` does not follow links out of the chart.
# --check changes nothing and exits 1 when the chart's copies differ from alerting/rules.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRC=$ROOT/alerting/rules
DST=$ROOT/helm/hawatch/rules

# fill DIR: the chart's rules/ as it should be.
fill() {
  local dir=$1 sub f
  mkdir -p "$dir"
  for sub in "" central; do
    for f in "$SRC/$sub"/*.rules.yml; do
      [[ -e $f ]] || continue
      mkdir -p "$dir/$sub"
      cp "$f" "$dir/$sub/"
    done
  done
}

if [[ ${1:-} == --check ]]; then
  want=$(mktemp -d)
  trap 'rm -rf "$want"' EXIT
  fill "$want"
  if ! diff -r "$want" "$DST" >&2; then
    echo "sync-chart-rules: helm/hawatch/rules differs from alerting/rules;" \
      "run scripts/sync-chart-rules.sh" >&2
    exit 1
  fi
  exit 0
fi
[[ $# -eq 0 ]] || { echo "usage: $0 [--check]" >&2; exit 2; }
rm -rf "$DST"
fill "$DST"
echo "sync-chart-rules: $(find "$DST" -name '*.rules.yml' | wc -l) rule files in ${DST#"$ROOT"/}"
