#!/usr/bin/env bash
# A config of nested YAML aliases (a ~700-byte "billion laughs" under plugins.load[].config) is
# refused with FILE:LINE:COL in bounded memory and time, by --check-config and by the daemon;
# --check-config stops on SIGTERM even while it is stuck reading its file.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ -x /usr/bin/time ]] || fail "/usr/bin/time is not installed (Debian package time)"

bomb=$HAWATCH_FIXTURES/hostile/alias_bomb.yml
# 1 GiB of address space at most: without the guard the expansion passes that in a second.
# An ASan build reserves terabytes of shadow address space at start, so there the RSS bound
# below (on ASan's larger baseline) and the timeout are what hold it (scripts/sanitize.sh).
limit='ulimit -v 1048576;'
max_rss_kb=65536
if [[ ${HAWATCH_SANITIZER:-} == asan ]]; then
  limit=''
  max_rss_kb=262144
  log_note "ASan build: no address-space limit; RSS must stay under $((max_rss_kb / 1024)) MiB"
fi
run_capture bash -c "$limit"' exec timeout 20 /usr/bin/time -f "maxrss_kb=%M" "$@"' \
  bash "$HAWATCH_BIN" --check-config --config.file="$bomb"
assert_eq 1 "$RC" "--check-config on the alias bomb: exit 1"
assert_match "$ERR" "^$bomb:[0-9]+:[0-9]+: .*nested aliases" "the error names FILE:LINE:COL"
rss=$(sed -nE 's/^maxrss_kb=([0-9]+)$/\1/p' <<<"$ERR")
log_note "--check-config on the alias bomb: max RSS ${rss} KiB"
((rss < max_rss_kb)) || fail "--check-config used ${rss} KiB on the alias bomb"
ok "--check-config stays under $((max_rss_kb / 1024)) MiB on the alias bomb (${rss} KiB)"

run_capture bash -c "$limit"' exec timeout 20 "$@"' bash "$HAWATCH_BIN" \
  --config.file="$bomb" --web.listen-address=127.0.0.1:0
assert_eq 1 "$RC" "the daemon refuses the alias bomb: exit 1"
assert_match "$ERR" "nested aliases" "the daemon logs why"

# A FIFO nobody writes: reading it would block forever. The reader refuses anything that is not a
# regular file before opening it, so --check-config answers at once and names the file.
mkfifo "$TMP/stuck.yml"
run_capture timeout 5 "$HAWATCH_BIN" --check-config --config.file="$TMP/stuck.yml"
assert_eq 1 "$RC" "--check-config on a FIFO fails at once (exit 1, not the timeout's 124)"
assert_contains "$OUT$ERR" "$TMP/stuck.yml: cannot read config file: is a FIFO" "the error names the FIFO"
