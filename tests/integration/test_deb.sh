#!/usr/bin/env bash
# The Debian package (packaging/): built by CPack from this build tree's install rules, then
# checked from the outside — contents, control data, the unit's verification and security score,
# the unpacked daemon serving /metrics from the package's own layout, a dpkg install/remove/purge
# cycle into a scratch root with the real maintainer scripts, and their start/stop calls under a
# policy-rc.d that forbids and one that allows.
#
# HAWATCH_DEB=FILE checks that .deb instead of packing one (e.g. packaging/build-deb.sh's).
source "$(dirname "$0")/lib.sh"
require_cmd dpkg-deb dpkg systemd-analyze cpack deb-systemd-invoke deb-systemd-helper \
  systemd-sysusers unshare
: "${HAWATCH_BUILD_DIR:?HAWATCH_BUILD_DIR must point at the build tree}"
SRC=$HAWATCH_SOURCE_DIR

# ---- the package ------------------------------------------------------------------------------
if [[ -n ${HAWATCH_DEB:-} ]]; then
  DEB=$HAWATCH_DEB
else
  # cpack (Ninja) installs without building: make sure what it packs is current.
  cmake --build "$HAWATCH_BUILD_DIR" --target hawatch hawatch-plugin-host hailo amslpr_db \
    hawatch-check-rtsp >/dev/null
  start=$SECONDS
  (cd "$HAWATCH_BUILD_DIR" && cpack -G DEB -B "$TMP/pkg" >"$TMP/cpack.log" 2>&1) ||
    fail "cpack failed: $(tail -n 30 "$TMP/cpack.log")"
  DEB=$(ls "$TMP"/pkg/hawatch_*.deb)
  log_note "cpack took $((SECONDS - start)) s: $DEB ($(du -k "$DEB" | cut -f1) KiB)"
fi
[[ -f $DEB ]] || fail "no package at $DEB"
ok "package built: $(basename "$DEB")"

# ---- control data -----------------------------------------------------------------------------
INFO=$(dpkg-deb -I "$DEB")
assert_match "$INFO" '^ Package: hawatch$' "control: Package"
assert_match "$INFO" '^ Architecture: '"$(dpkg --print-architecture)"'$' "control: Architecture"
DEPENDS=$(dpkg-deb -f "$DEB" Depends)
log_note "Depends: $DEPENDS"
# dpkg-shlibdeps over every ELF file: the daemon's libraries and the modules' (libpq for postgres,
# libmariadb for mysql, ldns for the dns probe, libcurl, sqlite, libmnl).
for lib in libc6 libstdc++6 libsystemd0 libyaml-cpp0.7 libpq5 libmariadb3 libldns3 libcurl4 \
  libsqlite3-0 libmnl0 libpoco adduser; do
  [[ ", $DEPENDS" == *", $lib"* ]] || fail "Depends lacks $lib: $DEPENDS"
  ok "Depends has $lib"
done
CONFFILES=$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./conffiles)
assert_eq "/etc/hawatch/hawatch.yml" "$CONFFILES" "conffiles: exactly /etc/hawatch/hawatch.yml"
CTRL=$TMP/ctrl
dpkg-deb -e "$DEB" "$CTRL"
for s in postinst prerm postrm; do
  [[ -x $CTRL/$s ]] || fail "maintainer script $s missing or not executable"
  sh -n "$CTRL/$s" || fail "$s: syntax error"
  cmp -s "$CTRL/$s" "$SRC/packaging/debian/$s" || fail "$s in the package differs from packaging/debian/$s"
done
ok "maintainer scripts present, executable, valid sh"
# Starting and stopping goes through deb-systemd-invoke (policy-rc.d) only; systemctl is called
# directly for daemon-reload and nothing else.
assert_no_match "$(cat "$CTRL"/postinst "$CTRL"/prerm "$CTRL"/postrm | grep -v '^ *#')" \
  'systemctl[^|]*(start|stop|restart|enable)' "no direct systemctl start/stop/enable"

# ---- contents ---------------------------------------------------------------------------------
FILES=$(dpkg-deb -c "$DEB" | awk '{print $NF}')
expect_file() { assert_match "$FILES" "^\./${1#/}\$" "package has $1"; }
expect_file /usr/bin/hawatch
expect_file /usr/bin/hawatch-plugin-host
while read -r _ module; do
  expect_file "/usr/lib/hawatch/modules/$module.so"
done < <(sort -u -k2,2 "$HAWATCH_MODULE_TABLE")
expect_file /usr/lib/hawatch/modules/tls.so
expect_file /usr/lib/hawatch/plugins/hailo.so
expect_file /usr/lib/hawatch/plugins/amslpr_db.so
expect_file /usr/lib/hawatch/checks/hawatch-check-rtsp
expect_file /etc/hawatch/hawatch.yml
expect_file /etc/hawatch/rules/
expect_file /usr/lib/systemd/system/hawatch.service
expect_file /usr/lib/sysusers.d/hawatch.conf
expect_file /usr/lib/sysctl.d/60-hawatch.conf
for f in "$SRC"/alerting/rules/*.rules.yml; do
  expect_file "/usr/share/hawatch/rules/$(basename "$f")"
done
for f in "$SRC"/alerting/rules/central/*.rules.yml; do
  expect_file "/usr/share/hawatch/rules/central/$(basename "$f")"
  assert_no_match "$FILES" "^\./usr/share/hawatch/rules/$(basename "$f")\$" \
    "central rule $(basename "$f") is not beside the node rules"
done
expect_file /usr/share/hawatch/rules/central/README.md
assert_no_match "$FILES" 'test_plugin|_test$|/include/' "no test plugins, tests or headers"
# Stripped: the RelWithDebInfo tree's debug info stays out of the package.
ROOT=$TMP/root
dpkg-deb -x "$DEB" "$ROOT"
kind=$(file -b "$ROOT/usr/bin/hawatch")
[[ $kind == *", stripped"* ]] || fail "usr/bin/hawatch is not stripped: $kind"
ok "binaries stripped"

# ---- the unit ---------------------------------------------------------------------------------
UNIT=$TMP/unit/hawatch.service
mkdir -p "$TMP/unit"
# verify wants ExecStart's program to exist: the unpacked one stands in for /usr/bin/hawatch.
sed "s#/usr/bin/hawatch#$ROOT/usr/bin/hawatch#g" "$ROOT/usr/lib/systemd/system/hawatch.service" >"$UNIT"
run_capture systemd-analyze verify "$UNIT"
[[ $RC == 0 && -z $ERR$OUT ]] || fail "systemd-analyze verify: rc $RC: $OUT $ERR"
ok "systemd-analyze verify: clean"
run_capture systemd-analyze security --offline=yes "$UNIT"
SCORE=$(grep -o 'Overall exposure level for hawatch.service: [0-9.]* [A-Z]*' <<<"$OUT") ||
  fail "no exposure score in: $OUT $ERR"
log_note "$SCORE"
# --threshold is on the 0-100 scale: 20 = exposure 2.0 (the "OK" band starts at 1.0, MEDIUM at 5).
run_capture systemd-analyze security --offline=yes --threshold=20 "$UNIT"
[[ $RC == 0 ]] || fail "exposure above 2.0: $SCORE"
ok "systemd-analyze security: ${SCORE##*: } (at most 2.0)"
for setting in 'Type=notify' 'WatchdogSec=' 'User=hawatch' 'StateDirectory=hawatch' \
  'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'NoNewPrivileges=yes' \
  'CapabilityBoundingSet=$' 'SystemCallFilter=@system-service' \
  'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK'; do
  assert_match "$(cat "$UNIT")" "^$setting" "unit sets $setting"
done

# ---- the unpacked daemon, on the package's own layout -----------------------------------------
# The shipped config, with its absolute paths moved into the unpacked root and a state dir.
STATE=$TMP/state
mkdir -p "$STATE/textfile" "$TMP/backups"
CFG=$TMP/hawatch.yml
sed -e "s#/usr/lib/hawatch#$ROOT/usr/lib/hawatch#g" -e "s#/usr/share/hawatch#$ROOT/usr/share/hawatch#g" \
  -e "s#/etc/hawatch#$ROOT/etc/hawatch#g" -e "s#/var/lib/hawatch#$STATE#g" \
  "$ROOT/etc/hawatch/hawatch.yml" >"$CFG"
grep -q "$ROOT/usr/lib/hawatch/plugins" "$CFG" || fail "shipped config has no plugins.directory"
HAWATCH_BIN=$ROOT/usr/bin/hawatch
run_capture "$HAWATCH_BIN" --check-config "--config.file=$CFG"
[[ $RC == 0 ]] || fail "the shipped config does not check: $OUT $ERR"
ok "shipped config passes --check-config: $OUT"
# Plus a module collector (backups.so), a .so plugin from the package (relative file name) and a
# textfile, to prove each finds its part of the package.
echo 'backup' >"$TMP/backups/db.1"
printf '# HELP deb_test_textfile A textfile sample.\n# TYPE deb_test_textfile gauge\ndeb_test_textfile 1\n' >"$STATE/textfile/deb.prom"
"$PY" - "$CFG" "$TMP/backups" <<'PYEOF'
import sys, yaml
path, backups = sys.argv[1], sys.argv[2]
cfg = yaml.safe_load(open(path))
cfg["collectors"]["backups"] = [{"name": "db", "path_glob": backups + "/db.*", "max_age": "1h"}]
cfg["plugins"]["load"] = [{"name": "hailo", "file": "hailo.so"}]
open(path, "w").write(yaml.safe_dump(cfg))
PYEOF
start_hawatch "--config.file=$CFG"
wait_until 15 "backups, plugin and textfile reported" \
  '[[ -n $(sample_value "$(scrape)" "hawatch_backup_files{backup=\"db\"}") ]] &&
   [[ -n $(sample_value "$(scrape)" "hawatch_plugin_up{plugin=\"hailo\"}") ]] &&
   [[ -n $(sample_value "$(scrape)" "hawatch_collector_success{collector=\"rules\"}") ]]'
M=$(scrape)
assert_eq 1 "$(sample_value "$M" 'hawatch_backup_files{backup="db"}')" "module collector (backups.so) serves"
assert_eq 1 "$(sample_value "$M" 'hawatch_plugin_up{plugin="hailo"}')" "packaged plugin hailo.so runs"
assert_eq 1 "$(sample_value "$M" 'deb_test_textfile')" "textfile directory read"
assert_match "$M" '^hawatch_node_load1 ' "node collector serves"
# The shipped rules, loaded through the default config's rule_files glob, all evaluate.
assert_eq 1 "$(sample_value "$M" 'hawatch_collector_success{collector="rules"}')" \
  "the shipped rules load and evaluate from /usr/share/hawatch/rules"
MAPS=$(cat "/proc/$HAWATCH_PID/maps")
assert_contains "$MAPS" "$ROOT/usr/lib/hawatch/modules/backups.so" \
  "module loaded from <exe>/../lib/hawatch/modules of the unpacked package"
assert_promtool_clean "unpacked package"
stop_process "$HAWATCH_PID"

# ---- dpkg install / remove / purge into a scratch root ----------------------------------------
# dpkg --root with --force-script-chrootless runs the package's real maintainer scripts on this
# host with DPKG_ROOT set; they must then change only that root (sysusers --root, deb-systemd-helper
# honour it) and start nothing.
R=$TMP/dpkgroot
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers" "$R/etc"
touch "$R/var/lib/dpkg/status"
DPKG=(dpkg "--root=$R" --force-script-chrootless --force-depends "--log=$TMP/dpkg.log")
host_passwd=$(md5sum /etc/passwd)
run_capture "${DPKG[@]}" -i "$DEB"
[[ $RC == 0 ]] || fail "dpkg -i into $R: $OUT $ERR"
ok "dpkg --root install with the maintainer scripts"
assert_match "$(cat "$R/etc/passwd")" '^hawatch:x:[0-9]+:[0-9]+:[^:]*:/var/lib/hawatch:/usr/sbin/nologin$' \
  "postinst created user hawatch in the root"
assert_match "$(cat "$R/etc/group")" '^hawatch:' "postinst created group hawatch in the root"
assert_eq "$host_passwd" "$(md5sum /etc/passwd)" "host /etc/passwd untouched"
WANTS=$R/etc/systemd/system/multi-user.target.wants/hawatch.service
[[ -L $WANTS ]] || fail "not enabled: no $WANTS"
ok "postinst enabled the unit ($(readlink "$WANTS"))"
assert_match "$("${DPKG[@]}" -s hawatch 2>/dev/null)" '^ /etc/hawatch/hawatch.yml [0-9a-f]{32}$' \
  "dpkg records the conffile with its hash"
# ---- the installed package, run as installed ----------------------------------------------------
# The root holds the package but no libraries (--force-depends). A mount namespace lays the root's
# /usr and /etc over the host's (read-only overlays), so the installed /usr/bin/hawatch runs with
# the installed /etc/hawatch/hawatch.yml at their real paths, unedited, on the host's libraries
# (what Depends: names), as the hawatch user postinst created, with a scratch /var/lib
# (tests/fixtures/packaging/as-installed.sh).
HUID=$(awk -F: '$1 == "hawatch" { print $3 }' "$R/etc/passwd")
HGID=$(awk -F: '$1 == "hawatch" { print $4 }' "$R/etc/passwd")
mkdir -p "$TMP/varlib/up/hawatch/textfile"
cp "$STATE/textfile/deb.prom" "$TMP/varlib/up/hawatch/textfile/"
chown -R "$HUID:$HGID" "$TMP/varlib/up/hawatch"
SAVED_BIN=$HAWATCH_BIN
HAWATCH_BIN=/usr/bin/hawatch
HAWATCH_LAUNCH=(unshare -m bash "$HAWATCH_FIXTURES/packaging/as-installed.sh" "$R" "$TMP/varlib" "$HUID" "$HGID")
start_hawatch --config.file=/etc/hawatch/hawatch.yml
wait_until 15 "the installed daemon evaluates the installed rules and reads its textfiles" \
  '[[ $(sample_value "$(scrape)" "hawatch_collector_success{collector=\"rules\"}") == 1 &&
     -n $(sample_value "$(scrape)" deb_test_textfile) ]]'
M=$(scrape)
assert_match "$M" '^hawatch_node_load1 ' "installed daemon, installed config: node collector serves"
assert_eq "/usr/bin/hawatch" "$(readlink "/proc/$HAWATCH_PID/exe")" "the process is the installed /usr/bin/hawatch"
assert_eq "$(md5sum <"$R/usr/bin/hawatch")" "$(md5sum <"/proc/$HAWATCH_PID/exe")" \
  "... the very file dpkg installed"
assert_match "$(grep '^Uid:' "/proc/$HAWATCH_PID/status")" "^Uid:[[:space:]]+${HUID}[[:space:]]" \
  "it runs as the hawatch user (uid $HUID), not root"
assert_eq 1 "$(sample_value "$M" 'deb_test_textfile')" \
  "the installed config's textfile directory (/var/lib/hawatch/textfile) is read"
assert_promtool_clean "installed package"
stop_process "$HAWATCH_PID"
HAWATCH_LAUNCH=()
HAWATCH_BIN=$SAVED_BIN

echo "# local change" >>"$R/etc/hawatch/hawatch.yml"
mkdir -p "$R/var/lib/hawatch/spool"
run_capture "${DPKG[@]}" -r hawatch
[[ $RC == 0 ]] || fail "dpkg -r: $OUT $ERR"
assert_file_contains "$R/etc/hawatch/hawatch.yml" "# local change" "remove keeps the edited conffile"
[[ ! -e $R/usr/bin/hawatch ]] || fail "remove left /usr/bin/hawatch"
[[ $(readlink "$R/etc/systemd/system/hawatch.service") == /dev/null ]] || fail "remove did not mask the unit"
ok "remove: binary gone, unit masked"
run_capture "${DPKG[@]}" -i "$DEB"
[[ $RC == 0 ]] || fail "reinstall: $OUT $ERR"
[[ ! -e $R/etc/systemd/system/hawatch.service && -L $WANTS ]] || fail "reinstall did not unmask and enable"
assert_file_contains "$R/etc/hawatch/hawatch.yml" "# local change" "reinstall keeps the edited conffile"
run_capture "${DPKG[@]}" -P hawatch
[[ $RC == 0 ]] || fail "dpkg -P: $OUT $ERR"
[[ ! -e $R/etc/hawatch/hawatch.yml && ! -e $WANTS && ! -e $R/var/lib/hawatch ]] ||
  fail "purge left: $(ls -d "$R/etc/hawatch/hawatch.yml" "$WANTS" "$R/var/lib/hawatch" 2>/dev/null)"
left=$(find "$R/var/lib/systemd" -name '*hawatch*' 2>/dev/null)
[[ -z $left ]] || fail "purge left deb-systemd-helper state: $left"
assert_match "$(cat "$R/etc/passwd")" '^hawatch:' "purge keeps the system user (Debian convention)"
ok "purge: conffile, enablement and state gone"

# ---- start/stop under policy-rc.d -------------------------------------------------------------
# The maintainer scripts run as on a live system (no DPKG_ROOT), in a private mount and network
# namespace that has /run/systemd/system and our own /usr/sbin/policy-rc.d. systemctl and the
# user/sysctl tools are logging stubs; deb-systemd-invoke is the real one and must ask the policy.
[[ -e /usr/sbin/policy-rc.d ]] ||
  fail "/usr/sbin/policy-rc.d must exist to be replaced in a private namespace (scripts/install-deps.sh creates it)"
STUBS=$TMP/stubs
mkdir -p "$STUBS"
for tool in systemctl deb-systemd-helper systemd-sysusers adduser; do
  cat >"$STUBS/$tool" <<STUB
#!/bin/sh
echo "$tool \$*" >>"$TMP/calls.log"
case "$tool \$1 \$2" in
  "systemctl is-enabled "*) echo enabled ;;
  "systemctl --system is-enabled"*) echo enabled ;;
  "systemctl --quiet is-active"* | "systemctl --system --quiet"*) exit 3 ;;
esac
exit 0
STUB
  chmod +x "$STUBS/$tool"
done
run_script() {  # POLICY_EXIT SCRIPT ARGS... -> CALLS (the stubs' log)
  local policy=$1
  shift
  printf '#!/bin/sh\necho "policy-rc.d $*" >>%s\nexit %s\n' "$TMP/calls.log" "$policy" >"$TMP/policy-rc.d"
  chmod +x "$TMP/policy-rc.d"
  : >"$TMP/calls.log"
  unshare -m -n sh -c '
    set -e
    mount --make-rprivate /
    mkdir -p /run/systemd && mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system
    mount --bind "$1" /usr/sbin/policy-rc.d
    shift
    PATH="$0:$PATH" "$@"' "$STUBS" "$TMP/policy-rc.d" "$@" >"$TMP/script.out" 2>&1 ||
    fail "$* failed: $(cat "$TMP/script.out")"
  CALLS=$(cat "$TMP/calls.log")
}
run_script 101 "$CTRL/postinst" configure ""
assert_contains "$CALLS" "policy-rc.d hawatch.service start" "install: deb-systemd-invoke asks policy-rc.d"
assert_no_match "$CALLS" '^systemctl .*(start|restart)' "install, policy 101: nothing started"
assert_contains "$CALLS" "deb-systemd-helper enable hawatch.service" "install: unit enabled"
assert_contains "$CALLS" "systemd-sysusers hawatch.conf" "install: user from sysusers.d"
run_script 0 "$CTRL/postinst" configure ""
assert_match "$CALLS" '^systemctl .*start hawatch.service' "install, policy 0: started"
run_script 0 "$CTRL/postinst" configure 0.0.1
assert_match "$CALLS" '^systemctl .*restart hawatch.service' "upgrade, policy 0: restarted"
run_script 101 "$CTRL/postinst" configure 0.0.1
assert_no_match "$CALLS" '^systemctl .*restart' "upgrade, policy 101: not restarted"
run_script 101 "$CTRL/prerm" remove
assert_contains "$CALLS" "policy-rc.d hawatch.service stop" "remove: deb-systemd-invoke asks policy-rc.d"
assert_no_match "$CALLS" '^systemctl .*stop' "remove, policy 101: not stopped"
run_script 0 "$CTRL/prerm" remove
assert_match "$CALLS" '^systemctl .*stop hawatch.service' "remove, policy 0: stopped"
run_script 0 "$CTRL/prerm" upgrade 0.1.0
assert_eq "" "$CALLS" "upgrade: prerm leaves the service running"
