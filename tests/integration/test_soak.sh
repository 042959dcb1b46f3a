#!/usr/bin/env bash
# The soak's CI version: scripts/soak.sh --short --assert (75 s with every collector that runs
# here against real peers, local rules with alert churn delivered to a webhook sink (every
# notification must be delivered), a reload every 10 s, 50 scrapes/s,
# a sample every 5 s after a 25 s warm-up): no scrape fails, every reload succeeds, open fds and
# threads keep their floor, Private_Dirty and PSS anon grow by less than 3 MiB (a leak of 1 KiB
# per scrape would be ~3.7 MiB). Asserted on figures a parallel test run does not move (see the
# header of scripts/soak.sh). The long run (scripts/soak.sh, an hour) is for BENCHMARKS.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ $(id -u) == 0 ]] || fail "needs root: the soak's peers run in namespaces and as their own users"
run_capture bash "$HAWATCH_SOURCE_DIR/scripts/soak.sh" --short --assert --notifications --out "$TMP/soak.md"
echo "$OUT"
[[ $RC == 0 ]] || fail "the soak failed (exit $RC): $(tail -n 30 <<<"$ERR$OUT")"
ok "the short soak passed its assertions"
rows=$(grep -c '^| [0-9]' "$TMP/soak.md" || true)
((rows >= 12)) || fail "only $rows samples in the soak table"
ok "$rows samples in the table"
assert_match "$(<"$TMP/soak.md")" 'scrapes: [0-9]{4,} ok, 0 failed' "thousands of scrapes, none failed"
