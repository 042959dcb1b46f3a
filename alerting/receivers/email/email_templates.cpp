#include "receivers/email/email_templates.h"

namespace hawatch::alerting {

const std::string_view kDefaultEmailText =
    R"({{ len .Alerts.Firing }} firing, {{ len .Alerts.Resolved }} resolved
{{- range $name, $value := .GroupLabels }} {{ $name }}={{ $value }}{{ end }}
{{ if .Alerts.Firing }}
Firing:
{{ range .Alerts.Firing }}
* {{ .Labels.alertname }}
  Labels:
{{- range $name, $value := .Labels }}
    {{ $name }} = {{ $value }}
{{- end }}
{{- if .Annotations }}
  Annotations:
{{- range $name, $value := .Annotations }}
    {{ $name }} = {{ $value }}
{{- end }}
{{- end }}
  Started: {{ .StartsAt }}
{{- if .GeneratorURL }}
  Source: {{ .GeneratorURL }}
{{- end }}
{{ end }}
{{- end }}
{{- if .Alerts.Resolved }}
Resolved:
{{ range .Alerts.Resolved }}
* {{ .Labels.alertname }}
  Labels:
{{- range $name, $value := .Labels }}
    {{ $name }} = {{ $value }}
{{- end }}
{{- if .Annotations }}
  Annotations:
{{- range $name, $value := .Annotations }}
    {{ $name }} = {{ $value }}
{{- end }}
{{- end }}
  Started: {{ .StartsAt }}
  Ended: {{ .EndsAt }}
{{- if .GeneratorURL }}
  Source: {{ .GeneratorURL }}
{{- end }}
{{ end }}
{{- end }}
{{- if .ExternalURL }}
Sent by {{ .ExternalURL }}
{{ end }}
)";

const std::string_view kDefaultEmailHtml = R"(<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ len .Alerts.Firing }} firing, {{ len .Alerts.Resolved }} resolved</title>
<style>
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; font-size: 14px; color: #222; }
h2 { font-size: 16px; margin: 16px 0 8px; }
.alert { border-left: 4px solid #e45959; padding: 6px 10px; margin: 8px 0; background: #fafafa; }
.resolved { border-left-color: #68b90f; }
table { border-collapse: collapse; }
td { padding: 1px 8px 1px 0; vertical-align: top; }
td.name { color: #666; }
.when { color: #666; font-size: 12px; }
</style>
</head>
<body>
<p><strong>{{ len .Alerts.Firing }} firing, {{ len .Alerts.Resolved }} resolved</strong>
{{- range $name, $value := .GroupLabels }} <code>{{ $name }}={{ $value }}</code>{{ end }}</p>
{{- if .Alerts.Firing }}
<h2>Firing</h2>
{{- range .Alerts.Firing }}
<div class="alert">
<strong>{{ .Labels.alertname }}</strong>
<table>
{{- range $name, $value := .Labels }}
<tr><td class="name">{{ $name }}</td><td>{{ $value }}</td></tr>
{{- end }}
{{- range $name, $value := .Annotations }}
<tr><td class="name">{{ $name }}</td><td>{{ $value }}</td></tr>
{{- end }}
</table>
<div class="when">Started {{ .StartsAt }}{{ if .GeneratorURL }} &middot; <a href="{{ .GeneratorURL }}">Source</a>{{ end }}</div>
</div>
{{- end }}
{{- end }}
{{- if .Alerts.Resolved }}
<h2>Resolved</h2>
{{- range .Alerts.Resolved }}
<div class="alert resolved">
<strong>{{ .Labels.alertname }}</strong>
<table>
{{- range $name, $value := .Labels }}
<tr><td class="name">{{ $name }}</td><td>{{ $value }}</td></tr>
{{- end }}
{{- range $name, $value := .Annotations }}
<tr><td class="name">{{ $name }}</td><td>{{ $value }}</td></tr>
{{- end }}
</table>
<div class="when">Started {{ .StartsAt }}, ended {{ .EndsAt }}{{ if .GeneratorURL }} &middot; <a href="{{ .GeneratorURL }}">Source</a>{{ end }}</div>
</div>
{{- end }}
{{- end }}
{{- if .ExternalURL }}
<p class="when">Sent by <a href="{{ .ExternalURL }}">{{ .ExternalURL }}</a></p>
{{- end }}
</body>
</html>
)";

}  // namespace hawatch::alerting
