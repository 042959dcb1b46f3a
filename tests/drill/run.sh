#!/usr/bin/env bash
# The HA drill: every failure scenario of the HA guide replayed end to end with the real peers, two
# nodes in network namespaces, each running its own hawatch (docs/drill.md).
#
#   tests/drill/run.sh [--build-dir DIR] [--out FILE] [--update-docs] [SCENARIO...]
#
# SCENARIO: a number (6) or a name (06_backups); default: all of tests/drill/scenarios/, in order.
# Prints each scenario's detection and notification times, then the summary table, which is also
# written to FILE (default BUILD_DIR/drill-summary.md); --update-docs puts it into docs/drill.md.
# Needs root. HAWATCH_BIN overrides the daemon (default BUILD_DIR/exporter/hawatch, BUILD_DIR
# default build-wt, else build). Exit 0 only when every step of every scenario passed.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=""
OUT=""
UPDATE_DOCS=0
declare -a WANTED=()
while (($#)); do
  case $1 in
    --build-dir) BUILD=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --update-docs) UPDATE_DOCS=1; shift ;;
    -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) WANTED+=("$1"); shift ;;
  esac
done
if [[ -z $BUILD ]]; then
  for BUILD in "$SRC/build-wt" "$SRC/build"; do [[ -x $BUILD/exporter/hawatch ]] && break; done
fi
export HAWATCH_BIN=${HAWATCH_BIN:-$BUILD/exporter/hawatch}
[[ -x $HAWATCH_BIN ]] || { echo "run.sh: no daemon at $HAWATCH_BIN (build the hawatch target)" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "run.sh: the drill needs root (network namespaces, systemd)" >&2; exit 2; }
OUT=${OUT:-$BUILD/drill-summary.md}
export HAWATCH_SOURCE_DIR=$SRC HAWATCH_FIXTURES=$SRC/tests/fixtures

# The drill's timing: collectors every second, rules every 500 ms, and the shipped rules with
# every `for` cut to 2 s (lib/drill_rules.py); a step passes when its alert fires within
# interval + evaluation interval + for + DRILL_SLACK.
export DRILL_INTERVAL=1 DRILL_EVAL=0.5 DRILL_FOR=2s DRILL_SLACK=${DRILL_SLACK:-1}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hawatch-drill.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export DRILL_RULES=$WORK/rules DRILL_RESULTS=$WORK/results.tsv
/usr/bin/python3 "$HERE/lib/drill_rules.py" "$SRC/alerting/rules" "$DRILL_RULES" "$DRILL_FOR"
: >"$DRILL_RESULTS"

declare -a SCENARIOS=()
for f in "$HERE"/scenarios/[0-9][0-9]_*.sh; do
  name=$(basename "$f" .sh)
  if ((${#WANTED[@]})); then
    for w in "${WANTED[@]}"; do
      [[ $name == "$w" || $((10#${name%%_*})) == "$w" || $name == "$(printf '%02d' "$w" 2>/dev/null)"_* ]] &&
        SCENARIOS+=("$f")
    done
  else
    SCENARIOS+=("$f")
  fi
done
((${#SCENARIOS[@]})) || { echo "run.sh: no scenario matches ${WANTED[*]}" >&2; exit 2; }

START=$SECONDS
for f in "${SCENARIOS[@]}"; do
  name=$(basename "$f" .sh)
  before=$(wc -l <"$DRILL_RESULTS")
  echo "==== scenario $name"
  t=$SECONDS
  rc=0
  timeout -k 10 300 nice bash "$f" || rc=$?
  echo "==== scenario $name: exit $rc after $((SECONDS - t)) s"
  # A scenario that died before recording its verdict is a failure in the table, never a gap.
  if ((rc != 0)) && ! tail -n +"$((before + 1))" "$DRILL_RESULTS" | grep -qP '\t(FAIL|NOT RUN)$'; then
    printf '%s\t(whole scenario)\tcompletes\tdid not complete: exit %s (log above)\t-\t-\t-\t-\tFAIL\n' \
      "$name" "$rc" >>"$DRILL_RESULTS"
  fi
done
ELAPSED=$((SECONDS - START))

# ---- the summary table ------------------------------------------------------------------------------
secs() { [[ $1 == - ]] && echo - || echo "$1 s"; }
{
  echo "| scenario | step | expected | observed | detected | alert firing | notified | bound | result |"
  echo "|---|---|---|---|---|---|---|---|---|"
  while IFS=$'\t' read -r sc step exp obs det alert notif bound result; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$sc" "$step" "$exp" "$obs" \
      "$(secs "$det")" "$(secs "$alert")" "$(secs "$notif")" "$(secs "$bound")" "$result"
  done <"$DRILL_RESULTS"
  echo
  pass=$(grep -cP '\tPASS$' "$DRILL_RESULTS" || true)
  total=$(wc -l <"$DRILL_RESULTS")
  echo "$pass of $total steps passed; ${#SCENARIOS[@]} scenarios in ${ELAPSED} s; collector interval ${DRILL_INTERVAL} s, evaluation interval ${DRILL_EVAL} s, shipped rules with for: ${DRILL_FOR}; times are seconds after the fault; $(date -u '+%Y-%m-%d %H:%M UTC'), $("$HAWATCH_BIN" --version 2>&1 | head -n1)."
} >"$WORK/table.md"
mkdir -p "$(dirname "$OUT")"
cp "$WORK/table.md" "$OUT"
echo
echo "==== summary (also in $OUT)"
cat "$WORK/table.md"

if ((UPDATE_DOCS)); then
  doc=$SRC/docs/drill.md
  /usr/bin/python3 - "$doc" "$WORK/table.md" <<'EOF'
import sys
doc, table = sys.argv[1], open(sys.argv[2]).read()
text = open(doc).read()
begin, end = "<!-- drill-table-begin -->", "<!-- drill-table-end -->"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(doc, "w").write(head + begin + "\n" + table + end + tail)
EOF
  echo "docs/drill.md updated"
fi
! grep -qvP '\tPASS$' "$DRILL_RESULTS"
