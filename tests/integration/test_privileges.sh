#!/usr/bin/env bash
# hawatch runs unprivileged, whichever way it is started:
#   - started as root it logs a warning (and as nobody it does not);
#   - the packaged systemd unit (packaging/systemd/hawatch.service) runs it as the system user
#     hawatch (sysusers.d), with no capabilities and no way to gain any;
#   - the Helm chart's DaemonSet (helm template, default values) runs it as uid 65534, non-root,
#     no privilege escalation, every capability dropped, not privileged;
#   - scripts/run.sh, started as root, execs it as nobody with no_new_privs (run on a copy of the
#     script whose install/build steps are stubs and whose "hawatch" reports who it runs as).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd setpriv
[[ $(id -u) == 0 ]] || fail "needs root: it checks what hawatch says when started as root"

# ---- the warning ------------------------------------------------------------------------------------
printf 'collectors:\n  node: { interval: 1s }\n' >"$TMP/hawatch.yml"
chmod 755 "$TMP"
chmod 644 "$TMP/hawatch.yml"
start_hawatch --config.file="$TMP/hawatch.yml"
stop_process "$HAWATCH_PID"
line=$(grep 'running as root' "$HAWATCH_LOG" || true)
assert_match "$line" 'level=warn' "started as root: a warning is logged"
assert_contains "$line" "unprivileged user" "the warning says what to do"
HAWATCH_LAUNCH=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
start_hawatch --config.file="$TMP/hawatch.yml"
stop_process "$HAWATCH_PID"
assert_no_match "$(<"$HAWATCH_LOG")" 'running as root' "started as nobody: no such warning"
HAWATCH_LAUNCH=()

# ---- the systemd unit ---------------------------------------------------------------------------------
UNIT=$HAWATCH_SOURCE_DIR/packaging/systemd/hawatch.service
unit_value() { sed -nE "s/^$1=(.*)$/\\1/p" "$UNIT" | tail -n1; }
user=$(unit_value User)
[[ -n $user && $user != root && $user != 0 ]] || fail "the unit's User= is '$user'"
ok "unit: User=$user (not root)"
assert_match "$(<"$HAWATCH_SOURCE_DIR/packaging/systemd/hawatch.sysusers")" "^u $user " \
  "unit: user $user is a system user created by sysusers.d"
assert_eq "" "$(unit_value CapabilityBoundingSet)" "unit: CapabilityBoundingSet= empty (no capabilities)"
assert_eq "" "$(unit_value AmbientCapabilities)" "unit: no ambient capabilities"
assert_eq yes "$(unit_value NoNewPrivileges)" "unit: NoNewPrivileges=yes"
assert_no_match "$(<"$UNIT")" '^(PermissionsStartOnly|ExecStart=\+|ExecStart=!)' \
  "unit: no command runs with full privileges"

# ---- the Helm chart -------------------------------------------------------------------------------
HELM=$(bash "$HAWATCH_FIXTURES/helm/helm-setup.sh") || fail "helm 3 is not available and could not be installed"
export HOME=$TMP XDG_CACHE_HOME=$TMP/cache XDG_CONFIG_HOME=$TMP/config XDG_DATA_HOME=$TMP/data
"$HELM" template hw "$HAWATCH_SOURCE_DIR/helm/hawatch" >"$TMP/chart.yaml"
run_capture "$PY" - "$TMP/chart.yaml" <<'EOF'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
pods = [d for d in docs if d.get("kind") in ("DaemonSet", "Deployment", "StatefulSet", "Pod")]
assert pods, "no workload in the chart"
for w in pods:
    spec = w["spec"]["template"]["spec"]
    pod_sc = spec.get("securityContext") or {}
    for c in spec.get("containers", []) + spec.get("initContainers", []):
        sc = {**pod_sc, **(c.get("securityContext") or {})}
        name = f'{w["kind"]}/{w["metadata"]["name"]}/{c["name"]}'
        assert sc.get("runAsNonRoot") is True, f"{name}: runAsNonRoot is not true"
        assert sc.get("runAsUser", 0) != 0, f"{name}: runAsUser is 0 or unset"
        assert sc.get("allowPrivilegeEscalation") is False, f"{name}: may escalate privileges"
        assert not sc.get("privileged"), f"{name}: privileged"
        assert "ALL" in (sc.get("capabilities") or {}).get("drop", []), f"{name}: capabilities not all dropped"
        assert not (sc.get("capabilities") or {}).get("add"), f"{name}: adds capabilities"
        print(f"{name}: uid {sc['runAsUser']}, non-root, no escalation, capabilities dropped")
EOF
assert_eq 0 "$RC" "chart: every container runs unprivileged ($ERR)"
log_note "$OUT"

# ---- scripts/run.sh ---------------------------------------------------------------------------------
R=$TMP/runsh
mkdir -p "$R/scripts" "$R/build/exporter"
cp "$HAWATCH_SOURCE_DIR/scripts/run.sh" "$R/scripts/run.sh"
printf '#!/bin/sh\nexit 0\n' >"$R/scripts/install-deps.sh"
printf '#!/bin/sh\nexit 0\n' >"$R/scripts/build.sh"
cat >"$R/build/exporter/hawatch" <<'EOF'
#!/bin/sh
echo "uid=$(id -u) nnp=$(awk '/^NoNewPrivs/ { print $2 }' /proc/self/status) args=$*"
EOF
chmod -R 755 "$R"
run_capture bash "$R/scripts/run.sh" --web.listen-address=127.0.0.1:1
assert_eq 0 "$RC" "run.sh runs ($ERR)"
assert_eq "uid=65534 nnp=1 args=--web.listen-address=127.0.0.1:1" "$OUT" \
  "run.sh started as root runs hawatch as nobody (uid 65534) with no_new_privs"
