#!/usr/bin/env bash
# Hostile textfiles and a hostile `format: prometheus` exec check cannot break or spoof /metrics:
# HELP escapes stay escaped (no injected sample), invalid UTF-8 and __name__ labels are refused,
# hawatch_* families (the daemon's own) cannot be added to or retyped, a series or family given by
# two sources is served once; every refusal is reported; promtool check metrics stays silent.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd promtool

fx=$TMP/fixture
mkdir -p "$fx/proc" "$fx/sys/class/thermal" "$TMP/textfiles"
echo "0.42 0.30 0.25 2/180 4242" >"$fx/proc/loadavg"
printf 'MemTotal: 3884164 kB\nMemFree: 2573224 kB\nMemAvailable: 3340928 kB\n' >"$fx/proc/meminfo"
printf 'cpu  1000 0 500 90000 100 0 10 0 0 0\nbtime 1700000000\n' >"$fx/proc/stat"

T=$TMP/textfiles
printf '# HELP file_help first\\nfile_injected 1\nfile_help 1\n' >"$T/a_help.prom"
printf '# HELP file_bs back\\\\slash\nfile_bs 1\n' >"$T/b_backslash.prom"
printf 'file_badutf8{v="a\377b"} 1\n' >"$T/c_badutf8.prom"
printf 'file_named 1\n' >"$T/d_bad"$'\377'"name.prom"
printf 'file_rename{__name__="hawatch_node_load1"} 7\n' >"$T/e_rename.prom"
printf '# TYPE hawatch_node_load1 counter\nhawatch_node_load1 99\n' >"$T/f_spoof.prom"
printf 'hawatch_textfile_scrape_error 0\n' >"$T/g_spoof_error.prom"
printf 'file_label{bad-name="x"} 1\n' >"$T/h_labelname.prom"
printf '# TYPE cross_type untyped\ncross_type{from="file"} 2\ncross_dup 2\nfile_fine 1\n' >"$T/z_fine.prom"
# What promtool's lint would flag: refused, like the rest, with the rule named.
printf '# TYPE jobs counter\njobs 1\n# TYPE fooBar gauge\nfooBar 1\nlatency_ms 1\n' >"$T/i_lint.prom"

cat >"$TMP/hawatch.yml" <<YAML
collectors:
  node: { interval: 1s }
plugins:
  textfile_directory: $T
  exec:
    - { name: hostile, command: [$HAWATCH_FIXTURES/hostile/prom_exec.sh], format: prometheus, interval: 1s, timeout: 1s }
YAML
start_hawatch --config.file="$TMP/hawatch.yml" --path.procfs="$fx/proc" --path.sysfs="$fx/sys"
wait_until 10 "first collection" '[[ $(hstatus /-/ready) == 200 ]]'
wait_until 10 "exec check ran" '[[ $(scrape) == *exec_fine* ]]'
scrape -o "$TMP/metrics.txt"
m=$(cat "$TMP/metrics.txt")

run_capture promtool check metrics <"$TMP/metrics.txt"
[[ $RC == 0 && -z $OUT && -z $ERR ]] || fail "promtool check metrics exited $RC: $OUT $ERR
---- metrics ----
$m"
ok "promtool check metrics: exit 0, no output"

assert_no_match "$m" '^(file|exec)_injected' "an escaped newline in HELP injects no sample"
assert_contains "$m" '# HELP exec_help first\nexec_injected 1' "exec HELP newline is served escaped"
assert_contains "$m" '# HELP file_help first\nfile_injected 1' "textfile HELP newline is served escaped"
assert_contains "$m" '# HELP exec_bs back\\slash' "exec HELP backslash is served escaped"
assert_contains "$m" '# HELP file_bs back\\slash' "textfile HELP backslash is served escaped"
assert_no_match "$m" '^(jobs|fooBar|latency_ms) ' "families promtool would lint are refused"
assert_no_match "$m" '^(file|exec)_(badutf8|named|rename|label)' "invalid UTF-8, __name__ and bad label names are refused"
assert_eq 1 "$(grep -c '^hawatch_node_load1 ' <<<"$m")" "hawatch_node_load1 is served once"
assert_eq 0.42 "$(sample_value "$m" hawatch_node_load1)" "hawatch_node_load1 is the node collector's"
assert_contains "$m" '# TYPE hawatch_node_load1 gauge' "hawatch_node_load1 keeps its type"
assert_eq 1 "$(sample_value "$m" hawatch_textfile_scrape_error)" "hostile textfiles are reported"
assert_eq 1 "$(grep -c '^hawatch_textfile_scrape_error ' <<<"$m")" "textfile_scrape_error is not spoofed"
assert_eq 0 "$(sample_value "$m" 'hawatch_collector_success{collector="exec/hostile"}')" \
  "the hostile exec check's refusals are reported"
assert_eq 1 "$(grep -c '^cross_dup ' <<<"$m")" "a series given by a check and a file is served once"
assert_eq 1 "$(grep -c '^# TYPE cross_type ' <<<"$m")" "a family given with two types has one TYPE line"
assert_eq 1 "$(sample_value "$m" 'exec_fine{v="ok"}')" "the check's good samples are served"
assert_eq 1 "$(sample_value "$m" file_fine)" "the good textfile is served"
# The refusals name their input (status page and log).
status=$(hcurl /)
assert_contains "$status" "is not valid UTF-8" "the status page shows why the check failed"
assert_file_contains "$HAWATCH_LOG" "f_spoof.prom" "the log names the spoofing file"
assert_file_contains "$HAWATCH_LOG" 'jobs: counter metrics should have' "the log names the lint rule"
stop_process "$HAWATCH_PID"
assert_eq 0 "$EXIT_STATUS" "exit status after SIGTERM"
