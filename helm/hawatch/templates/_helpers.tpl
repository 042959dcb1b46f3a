{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "hawatch.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: the release name, with the chart name unless it already holds it. */}}
{{- define "hawatch.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "hawatch.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The standard labels (app.kubernetes.io/*) every object carries. */}}
{{- define "hawatch.labels" -}}
helm.sh/chart: {{ include "hawatch.chart" . }}
{{ include "hawatch.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: exporter
app.kubernetes.io/part-of: hawatch
{{- end }}

{{/* The labels that select the DaemonSet's pods; fixed for the release's lifetime. */}}
{{- define "hawatch.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hawatch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "hawatch.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "hawatch.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The secrets to mount: smtp, webhook, tsig (when set) and the extra list, as name/secret pairs. */}}
{{- define "hawatch.secretMounts" -}}
{{- $out := list }}
{{- range $name := list "smtp" "webhook" "tsig" }}
{{- $s := index $.Values.secrets $name }}
{{- if $s.existingSecret }}
{{- $out = append $out (dict "name" $name "secret" $s.existingSecret) }}
{{- end }}
{{- end }}
{{- range .Values.secrets.extra }}
{{- $out = append $out (dict "name" .name "secret" .existingSecret) }}
{{- end }}
{{- toJson $out }}
{{- end }}

{{/* The shipped rule files as one list of rule groups: the per-node rules (rules/*.rules.yml)
and, with prometheusRule.includeCentral, the rules for a Prometheus that scrapes every node
(rules/central/*.rules.yml). */}}
{{- define "hawatch.ruleGroups" -}}
{{- $groups := list }}
{{- $patterns := list "rules/*.rules.yml" }}
{{- if .Values.prometheusRule.includeCentral }}
{{- $patterns = append $patterns "rules/central/*.rules.yml" }}
{{- end }}
{{- range $pattern := $patterns }}
{{- range $path, $_ := $.Files.Glob $pattern }}
{{- $file := $.Files.Get $path | fromYaml }}
{{- if hasKey $file "Error" }}
{{- fail (printf "%s: %s" $path $file.Error) }}
{{- end }}
{{- $groups = concat $groups ($file.groups | default list) }}
{{- end }}
{{- end }}
{{- toJson $groups }}
{{- end }}

{{/* hawatch.yml: values.config, plus rule_files for the mounted rules when localRules is on. */}}
{{- define "hawatch.config" -}}
{{- $config := deepCopy (.Values.config | default dict) }}
{{- if and .Values.localRules.enabled (not (hasKey $config "rule_files")) }}
{{- $_ := set $config "rule_files" (list "/etc/hawatch/rules/*.rules.yml") }}
{{- end }}
{{- toYaml $config }}
{{- end }}
