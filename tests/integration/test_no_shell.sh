#!/usr/bin/env bash
# No shell anywhere:
#   - source: nothing in exporter/, alerting/, plugins/, include/ calls system(), popen(), a shell
#     (/bin/sh, "sh", "-c"), wordexp() or a PATH-searching exec (execlp/execvp/posix_spawnp); child
#     processes are started only by posix_spawn with an argv vector;
#   - behaviour: hostile strings (spaces, quotes, ;, $(), backticks, newlines, globs, ~, $VAR,
#     redirections, an empty string, a leading dash, non-ASCII) in every argv-taking option that
#     exists — an exec check's command (program path and arguments) and a .so plugin's file (the
#     plugin host's argument) — arrive verbatim as argv and are never interpreted: nothing they
#     would run happens, no glob expands, the plugin loads from its odd path.
# Argv-taking options still to come (alerting exec_configs, failover update.exec) belong here
# once they exist.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---- source -----------------------------------------------------------------------------------------
src=("$HAWATCH_SOURCE_DIR"/{exporter,alerting,plugins,include})
hits=$(grep -rnE '\bsystem[[:space:]]*\(|popen[[:space:]]*\(|/bin/(ba|da)?sh\b|"(ba|da)?sh"|"-c"|wordexp|\bexecl[pe]?[[:space:]]*\(|\bexecvpe?[[:space:]]*\(|posix_spawnp[[:space:]]*\(' \
  "${src[@]}" --include='*.cpp' --include='*.cc' --include='*.h' --include='*.c' || true)
assert_eq "" "$hits" "no system(), popen(), shell, wordexp or PATH-searching exec in the sources"
spawns=$(grep -rnE '\bposix_spawn[[:space:]]*\(|\bfork[[:space:]]*\(|\bvfork[[:space:]]*\(|\bexecve?[[:space:]]*\(' \
  "${src[@]}" --include='*.cpp' --include='*.cc' --include='*.c' | grep -v '^[^:]*:[0-9]*: *//' || true)
log_note "process starts in the sources:
$spawns"
assert_no_match "$spawns" '\b(fork|vfork|execv?e?)[[:space:]]*\(' "children start only through posix_spawn (argv vector, no shell)"
assert_match "$spawns" 'exec_runner\.cpp.*posix_spawn' "exec checks start through posix_spawn"

# ---- behaviour --------------------------------------------------------------------------------------
CANARY=$TMP/canary
HOSTILE=(
  "two words" "it's" '"double"' "semi;touch $CANARY.semi" "\$(touch $CANARY.subst)"
  "\`touch $CANARY.backtick\`" $'line1\nline2' '*' "$TMP/*" '?' '[a-z]*' '~' '$HOME' '${PATH}'
  "&& touch $CANARY.and" "| touch $CANARY.pipe" "> $CANARY.redirect" '' '-' '--flag=--x'
  $'tab\there' 'ünïcødé €' '\\backslash\' "'"
)
# The program path itself is hostile too (a directory with a space, a quote, $() and ;).
ODD="$TMP/odd dir 'q' \$(x);y"
mkdir -p "$ODD"
cp "$HAWATCH_FIXTURES/hostile/argv_dump.py" "$ODD/argv dump;\$(id).py"
chmod 755 "$TMP" "$ODD" "$ODD/argv dump;\$(id).py"
: >"$TMP/one-file-for-the-globs"
# A .so plugin under a hostile name: the plugin host gets it as its one argument.
BUILD=$(cd "$(dirname "$HAWATCH_BIN")/.." && pwd)
PLUGIN=$BUILD/tests/plugins/test_plugin_ok.so
[[ -e $PLUGIN ]] || fail "missing $PLUGIN (build the test_plugin_ok target)"
# (a file name has no "/": the canaries are relative, checked in $TMP and in hawatch's cwd)
SO_NAME="plugin \$(touch canary.so) ;\`touch canary.tick\` 'q' \"dq\" *.so"
cp "$PLUGIN" "$ODD/$SO_NAME"

# YAML double-quoted scalars carry every byte (escapes for newline, tab, quote, backslash).
yq() { "$PY" -c 'import json, sys; print(json.dumps(sys.argv[1], ensure_ascii=False))' "$1"; }
{
  echo "collectors:"
  echo "  node: { enabled: false }"
  echo "plugins:"
  echo "  exec:"
  printf '    - name: argv\n      interval: 2s\n      timeout: 2s\n      command:\n'
  printf '        - %s\n' "$(yq "$ODD/argv dump;\$(id).py")" "$(yq "$TMP/argv.out")"
  for a in "${HOSTILE[@]}"; do printf '        - %s\n' "$(yq "$a")"; done
  echo "  load:"
  printf '    - { name: odd, interval: 1s, file: %s }\n' "$(yq "$ODD/$SO_NAME")"
} >"$TMP/hawatch.yml"
run_capture "$HAWATCH_BIN" --check-config --config.file="$TMP/hawatch.yml"
assert_eq 0 "$RC" "--check-config accepts the hostile argv ($ERR)"
start_hawatch --config.file="$TMP/hawatch.yml"
wait_until 20 "the exec check ran" '[[ -s $TMP/argv.out ]]'
wait_until 20 "the odd plugin ran" '[[ $(sample_value "$(scrape)" "hawatch_plugin_up{plugin=\"odd\"}") == 1 ]]'
ok "the .so plugin at a hostile path loaded verbatim in the plugin host (plugin_up 1)"
assert_match "$(scrape)" '^hawatch_check_status\{([^}]*,)?check="argv"[,}].* 0$' "the check at a hostile path ran (status OK)"

"$PY" - "$TMP/argv.out" "${HOSTILE[@]}" <<'EOF' || fail "argv did not arrive verbatim"
import os, sys
got = open(sys.argv[1], "rb").read().split(b"\0")
want = [os.fsencode(a) for a in sys.argv[2:]]
if got != want:
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            print(f"argument {i}: got {g!r}, want {w!r}")
    sys.exit(f"{len(got)} arguments arrived, {len(want)} sent")
EOF
ok "all ${#HOSTILE[@]} hostile arguments arrived verbatim, in order, as separate argv entries"
left=
for d in "$TMP" "$(readlink "/proc/$HAWATCH_PID/cwd")" "$ODD"; do
  left+=$(compgen -G "$d/canary*" || true)
done
assert_eq "" "$left" "nothing the strings would run if a shell saw them happened"
[[ ! -e "$HOME/PWNED" && ! -e /PWNED ]] || fail "a PWNED file appeared"
ok "no file appeared outside the test"
