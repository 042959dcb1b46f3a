#!/usr/bin/env bash
# The Helm chart helm/hawatch with a real helm 3 (installed into a cache directory by
# tests/fixtures/helm/helm-setup.sh when missing; no helm is a failure, not a skip):
#   - helm lint and helm lint --strict, with the default values and with
#     tests/fixtures/helm/full-values.yaml (every option on);
#   - helm template with both; the manifests parsed and checked (tests/fixtures/helm/
#     check_manifests.py): hostNetwork/hostPID, /proc, /sys and / read-only under /host, the
#     --path.* flags, non-root + read-only root + no privilege escalation + drop ALL, probes on
#     /-/healthy and /-/ready, Service port `metrics`, ServiceMonitor/PrometheusRule present with
#     their release label when enabled and absent when not, secrets mounted, spool, config;
#   - the rendered hawatch.yml passes hawatch --check-config; the PrometheusRule's groups pass
#     promtool check rules; the chart's rules/ are identical to alerting/rules;
#   - values.schema.json rejects bad values (a string for a port, an unknown spool type, a typo'd
#     key, a malformed duration, a secret without a name);
#   - helm package carries the rule files (copies, not links).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd promtool
"$PY" -c 'import yaml' 2>/dev/null || fail "python3-yaml is not installed for $PY"

HELM=$(bash "$HAWATCH_FIXTURES/helm/helm-setup.sh") || fail "helm 3 is not available and could not be installed"
[[ $("$HELM" version --short) == v3.* ]] || fail "$HELM is not helm 3"
ok "helm $("$HELM" version --short) at $HELM"
# helm keeps caches and config under HOME/XDG dirs: keep them in the test's temp dir.
export HELM_CACHE_HOME=$TMP/helm/cache HELM_CONFIG_HOME=$TMP/helm/config HELM_DATA_HOME=$TMP/helm/data

CHART=$HAWATCH_SOURCE_DIR/helm/hawatch
FULL=$HAWATCH_FIXTURES/helm/full-values.yaml
CHECK=("$PY" "$HAWATCH_FIXTURES/helm/check_manifests.py")

# ---- the chart's files ---------------------------------------------------------------------------
assert_eq "0.1.0" "$(sed -n 's/^appVersion: "\(.*\)"$/\1/p' "$CHART/Chart.yaml")" "appVersion 0.1.0"
assert_eq "$(sed -n 's/^project(hawatch VERSION \([0-9.]*\).*/\1/p' "$HAWATCH_SOURCE_DIR/CMakeLists.txt")" \
  "$(sed -n 's/^appVersion: "\(.*\)"$/\1/p' "$CHART/Chart.yaml")" "appVersion is the project version"
assert_eq "v2" "$(sed -n 's/^apiVersion: //p' "$CHART/Chart.yaml")" "Chart.yaml apiVersion v2"
assert_eq "http://json-schema.org/draft-07/schema#" "$(jq -r '.["$schema"]' "$CHART/values.schema.json")" \
  "values.schema.json is JSON Schema draft-07"
run_capture bash "$HAWATCH_SOURCE_DIR/scripts/sync-chart-rules.sh" --check
assert_eq 0 "$RC" "helm/hawatch/rules is identical to alerting/rules ($ERR)"
n_rules=$(find "$CHART/rules" -name '*.rules.yml' | wc -l)
((n_rules >= 1)) || fail "the chart ships no rule files"
ok "the chart ships $n_rules rule files"

# ---- lint ----------------------------------------------------------------------------------------
for strict in "" --strict; do
  run_capture "$HELM" lint $strict "$CHART"
  assert_eq 0 "$RC" "helm lint $strict (default values): $OUT"
  assert_contains "$OUT" "0 chart(s) failed" "helm lint $strict (default values) reports no failure"
  run_capture "$HELM" lint $strict "$CHART" -f "$FULL"
  assert_eq 0 "$RC" "helm lint $strict (full values): $OUT"
  assert_not_contains "$OUT" "[WARNING]" "helm lint $strict (full values) warns about nothing"
done

# ---- template + checks ---------------------------------------------------------------------------
render() {  # OUT ARGS...
  local out=$1
  shift
  run_capture "$HELM" template hawatch-test "$CHART" --namespace ha "$@"
  [[ $RC == 0 ]] || fail "helm template $*: $ERR"
  printf '%s\n' "$OUT" >"$out"
}
checks() {  # MANIFESTS VALUES LABEL [options]
  local line failed=0
  run_capture "${CHECK[@]}" "$1" "$2" "$CHART" "${@:4}"
  while IFS= read -r line; do
    case $line in
      "ok "*) ok "$3: ${line#ok }" ;;
      *) echo "FAIL [$TEST_NAME]: $3: ${line#FAIL }" >&2; failed=1 ;;
    esac
  done <<<"$OUT"
  [[ -z $ERR ]] || fail "$3: check_manifests.py: $ERR"
  ((failed == 0 && RC == 0)) || fail "$3: manifest checks failed (exit $RC)"
}

render "$TMP/default.yaml"
checks "$TMP/default.yaml" - "default" --extract-config "$TMP/default-hawatch.yml"
kinds=$("$PY" -c 'import sys, yaml; print(" ".join(sorted(d["kind"] for d in yaml.safe_load_all(open(sys.argv[1])) if d)))' "$TMP/default.yaml")
assert_eq "ConfigMap DaemonSet Service ServiceAccount" "$kinds" "default values: exactly these objects"

render "$TMP/full.yaml" -f "$FULL"
checks "$TMP/full.yaml" "$FULL" "full" --extract-config "$TMP/full-hawatch.yml" --extract-rules "$TMP/rules.yml"
kinds=$("$PY" -c 'import sys, yaml; print(" ".join(sorted(d["kind"] for d in yaml.safe_load_all(open(sys.argv[1])) if d)))' "$TMP/full.yaml")
assert_eq "ConfigMap ConfigMap DaemonSet PrometheusRule Service ServiceAccount ServiceMonitor" "$kinds" \
  "full values: with the rules ConfigMap, ServiceMonitor and PrometheusRule"

# Each monitoring object on its own: enabling one does not bring the other.
render "$TMP/sm-only.yaml" --set serviceMonitor.enabled=true --set serviceMonitor.additionalLabels.release=kps
assert_contains "$(<"$TMP/sm-only.yaml")" "kind: ServiceMonitor" "serviceMonitor.enabled alone: a ServiceMonitor"
assert_not_contains "$(<"$TMP/sm-only.yaml")" "kind: PrometheusRule" "... and no PrometheusRule"
render "$TMP/pr-only.yaml" --set prometheusRule.enabled=true --set prometheusRule.additionalLabels.release=kps
assert_contains "$(<"$TMP/pr-only.yaml")" "kind: PrometheusRule" "prometheusRule.enabled alone: a PrometheusRule"
assert_not_contains "$(<"$TMP/pr-only.yaml")" "kind: ServiceMonitor" "... and no ServiceMonitor"
assert_contains "$(<"$TMP/pr-only.yaml")" "release: kps" "... with the release label"

# The rendered config is one hawatch accepts; the PrometheusRule's rules are ones Prometheus accepts.
run_capture "$HAWATCH_BIN" --check-config "--config.file=$TMP/default-hawatch.yml"
assert_eq 0 "$RC" "hawatch --check-config accepts the default values' hawatch.yml ($ERR)"
run_capture "$HAWATCH_BIN" --check-config "--config.file=$TMP/full-hawatch.yml"
assert_eq 0 "$RC" "hawatch --check-config accepts the full values' hawatch.yml ($ERR)"
run_capture promtool check rules "$TMP/rules.yml"
assert_eq 0 "$RC" "promtool check rules accepts the PrometheusRule's groups ($OUT $ERR)"

# A changed config rolls the pods.
render "$TMP/other.yaml" --set config.global.node_name=other
sum() { grep -m1 'checksum/config:' "$1" | awk '{print $2}'; }
assert_ne "$(sum "$TMP/default.yaml")" "$(sum "$TMP/other.yaml")" "a config change changes the pods' checksum/config"

# NOTES.txt: helm renders it only on install, which wants a cluster; a copy of the chart renders
# it through tpl inside a ConfigMap instead.
cp -r "$CHART" "$TMP/notes-chart"
cp "$CHART/templates/NOTES.txt" "$TMP/notes-chart/notes.txt"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: notes }\ndata:\n  notes: |\n{{- tpl (.Files.Get "notes.txt") . | nindent 4 }}\n' \
  >"$TMP/notes-chart/templates/notes-as-configmap.yaml"
notes() {
  run_capture "$HELM" template hawatch-test "$TMP/notes-chart" --namespace ha \
    --show-only templates/notes-as-configmap.yaml "$@"
  [[ $RC == 0 ]] || fail "rendering NOTES.txt ($*): $ERR"
  "$PY" -c 'import sys, yaml; print(yaml.safe_load(sys.stdin)["data"]["notes"])' <<<"$OUT"
}
n=$(notes)
assert_contains "$n" "DaemonSet hawatch-test in namespace ha" "NOTES names the DaemonSet and namespace"
assert_contains "$n" "curl http://<node-ip>:9847/metrics" "NOTES: how to reach a node's metrics"
assert_contains "$n" "Set spool.type=hostPath" "NOTES warns that an emptyDir spool is lost with the pod"
n=$(notes --set serviceMonitor.enabled=true)
assert_contains "$n" "serviceMonitor.additionalLabels.release=" "NOTES: a ServiceMonitor without a release label is pointed out"
n=$(notes -f "$FULL")
assert_contains "$n" 'with labels {"release":"kube-prometheus-stack"}' "NOTES (full): the ServiceMonitor's labels"
assert_not_contains "$n" "NOTE: kube-prometheus-stack" "NOTES (full): no release-label warning"
assert_match "$n" "holds the shipped alerting rules \([1-9][0-9]* groups\)" "NOTES (full): the PrometheusRule's group count"
assert_not_contains "$n" "spool.type=hostPath" "NOTES (full): no emptyDir warning with a hostPath spool"

# ---- the schema rejects bad values ---------------------------------------------------------------
reject() {  # MESSAGE-REGEX LABEL ARGS...
  local want=$1 label=$2
  shift 2
  run_capture "$HELM" template hawatch-test "$CHART" "$@"
  assert_ne 0 "$RC" "schema rejects $label"
  assert_match "$ERR" "$want" "... naming what is wrong ($label)"
}
reject 'port: Invalid type. Expected: integer, given: string' "a string for a port" --set port=metrics
reject 'service.port: Invalid type' "a string for the Service port" --set-string service.port=9847
reject 'port: Must be less than or equal to 65535' "port 70000" --set port=70000
reject 'spool.type' "an unknown spool type" --set spool.type=nfs
reject 'Additional property serviceMonitr is not allowed' "a misspelt key" --set serviceMonitr.enabled=true
reject 'serviceMonitor.interval' "a malformed duration" --set serviceMonitor.interval=30sec
reject 'secrets.extra.0: name is required' "an extra secret without a name" --set 'secrets.extra[0].existingSecret=x'
reject 'securityContext.runAsNonRoot: Invalid type' "a string for runAsNonRoot" --set-string securityContext.runAsNonRoot=yes

# ---- package -------------------------------------------------------------------------------------
run_capture "$HELM" package "$CHART" --destination "$TMP/pkg"
assert_eq 0 "$RC" "helm package ($ERR)"
listing=$(tar -tzf "$TMP/pkg/hawatch-0.1.0.tgz")
for f in "$CHART"/rules/*.rules.yml; do
  assert_contains "$listing" "hawatch/rules/$(basename "$f")" "the package carries rules/$(basename "$f")"
done
assert_contains "$listing" "hawatch/values.schema.json" "the package carries values.schema.json"
run_capture "$HELM" template hawatch-test "$TMP/pkg/hawatch-0.1.0.tgz" --set prometheusRule.enabled=true
assert_eq 0 "$RC" "the packaged chart renders its PrometheusRule ($ERR)"
assert_contains "$OUT" "kind: PrometheusRule" "... with the rules inside the package"
