#include "status_page.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "core/printable.h"
#include "core/prom_text.h"
#include "hawatch/version.h"

namespace hawatch {

namespace {
std::string format_time(const std::optional<std::chrono::system_clock::time_point>& t) {
  if (!t) return "never";
  const std::time_t secs = std::chrono::system_clock::to_time_t(*t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

std::string age(std::chrono::system_clock::time_point now,
                const std::optional<std::chrono::system_clock::time_point>& t) {
  if (!t) return "no data yet";
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now - *t).count();
  if (secs < 0) return "just now";
  if (secs < 120) return std::to_string(secs) + " s ago";
  if (secs < 7200) return std::to_string(secs / 60) + " min ago";
  return std::to_string(secs / 3600) + " h ago";
}

const char* health_word(Health h) {
  switch (h) {
    case Health::ok:
      return "OK";
    case Health::warn:
      return "Degraded";
    case Health::bad:
      return "Failing";
  }
  return "Failing";
}

std::string subsystem_row(const SubsystemState& s, std::chrono::system_clock::time_point now) {
  std::string reasons;
  for (const auto& r : s.reasons)
    reasons += (reasons.empty() ? "" : "; ") + html_escape(printable_text(r));
  if (s.more_reasons > 0) reasons += "; and " + std::to_string(s.more_reasons) + " more";
  const char* state = to_string(s.health);
  return "<tr class=\"subsystem " + std::string(state) + "\" data-subsystem=\"" +
         html_escape(s.id) + "\" data-state=\"" + state + "\"><td><span class=\"dot\"></span>" +
         html_escape(s.title) + "</td><td>" + health_word(s.health) + "</td><td>" +
         (reasons.empty() ? "&ndash;" : reasons) + "</td><td>" + age(now, s.data_from) +
         "</td></tr>\n";
}

std::string subsystem_table(const StatusPageInput& in) {
  if (in.subsystems.empty()) return {};
  std::string html =
      "<h2>Subsystems</h2>\n<table class=\"subsystems\"><thead><tr><th>Subsystem</th><th>State</th>"
      "<th>Why</th><th>Data from</th></tr></thead><tbody>\n";
  for (const auto& s : in.subsystems) html += subsystem_row(s, in.now);
  return html + "</tbody></table>\n";
}

std::string sparkline_section(const StatusPageInput& in) {
  if (in.sparklines.empty()) return {};
  std::string html = "<h2>Last hour</h2>\n<div class=\"sparks\">\n";
  for (const auto& line : in.sparklines) html += render_sparkline(line);
  return html + "</div>\n";
}

std::string collector_row(const CollectorStatus& s) {
  std::string state = !s.reported ? "pending" : s.success ? "ok" : s.stale ? "stale" : "failing";
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.3f s", s.duration_seconds);
  return "<tr class=\"" + state + "\"><td>" + html_escape(s.collector) + "</td><td>" + state +
         "</td><td>" + (s.reported ? duration : "") + "</td><td>" + format_time(s.last_success) +
         "</td><td>" + html_escape(printable_text(s.error)) + "</td></tr>\n";
}
}  // namespace

std::string render_status_page(const StatusPageInput& in) {
  std::size_t failing = 0;
  for (const auto& c : in.collectors)
    if (c.reported && !c.success) ++failing;
  Health worst = failing ? Health::bad : Health::ok;
  std::size_t unhealthy = 0;
  for (const auto& s : in.subsystems) {
    worst = std::max(worst, s.health);
    if (s.health != Health::ok) ++unhealthy;
  }
  std::string summary = failing == 0
                            ? "All " + std::to_string(in.collectors.size()) + " collectors healthy"
                            : std::to_string(failing) + " of " +
                                  std::to_string(in.collectors.size()) + " collectors failing";
  if (unhealthy > 0)
    summary += "; " + std::to_string(unhealthy) + " of " + std::to_string(in.subsystems.size()) +
               " subsystems need attention";
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
      (in.refresh_seconds > 0
           ? "<meta http-equiv=\"refresh\" content=\"" + std::to_string(in.refresh_seconds) + "\">"
           : std::string()) +
      "<title>hawatch on " + html_escape(in.node_name) +
      "</title>\n<style>"
      "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
      "table{border-collapse:collapse}td,th{padding:.3em .8em;border-bottom:1px solid "
      "#ddd;text-align:left}"
      // The state column is the collectors' second, a notification's outcome and a Pi value
      // the last; colouring by position in every table painted receivers, labels and ages.
      "table.collectors tr.ok td:nth-child(2),table.notifications tr.ok td:last-child,"
      "table.pi tr.ok td:last-child{color:#1a7f37}"
      "table.collectors tr.failing td:nth-child(2),table.collectors tr.stale td:nth-child(2),"
      "table.pi tr.failing td:last-child,table.notifications tr.failed td:last-child{color:"
      "#c62828;font-weight:bold}"
      ".summary{font-size:1.2em;margin:1em 0}.bad{color:#c62828}"
      "tr.firing td{color:#c62828}tr.pending td{color:#ef6c00}"
      "table{display:block;max-width:100%;overflow-x:auto}td{vertical-align:top;overflow-wrap:"
      "break-word}td:nth-child(2){white-"
      "space:nowrap}"
      // A phone breaks words anywhere so every column stays on screen; a wider screen keeps
      // words whole (a table too wide for it scrolls inside its own box).
      "@media(max-width:600px){body{margin:.6em}td,th{padding:.25em .4em}td{overflow-wrap:"
      "anywhere}}"
      ".dot{display:inline-block;width:.8em;height:.8em;border-radius:50%;margin-right:.4em;"
      "background:#1a7f37}tr.warn .dot{background:#ef6c00}tr.bad .dot{background:#c62828}"
      "tr.subsystem.warn td:nth-child(2){color:#ef6c00;font-weight:bold}"
      "tr.subsystem.bad td:nth-child(2){color:#c62828;font-weight:bold}"
      ".spark{margin:.3em 0}.spark svg{vertical-align:middle}.spark-title{display:inline-block;"
      "min-width:14em}.summary.warn{color:#ef6c00}</style></head><body>\n"
      "<h1>hawatch</h1>\n<p>Node <b>" +
      html_escape(in.node_name) + "</b>" +
      (in.role.empty() ? std::string()
                       : " &middot; role <b class=\"role\">" + html_escape(in.role) + "</b>") +
      " &middot; version " + kVersion + " (" + kRevision + ")</p>\n<p class=\"summary" +
      (worst == Health::bad    ? " bad"
       : worst == Health::warn ? " warn"
                               : "") +
      "\" data-state=\"" + to_string(worst) + "\">" + summary + "</p>\n";
  if (!in.last_reload_successful)
    html +=
        "<p class=\"bad\">The last configuration reload failed; the previous configuration is "
        "still running. See the log.</p>\n";
  html += "<ul><li><a href=\"" + html_escape(in.telemetry_path) +
          "\">Metrics</a></li>"
          "<li><a href=\"/-/healthy\">Health</a></li><li><a "
          "href=\"/-/ready\">Readiness</a></li></ul>\n";
  html += subsystem_table(in) + sparkline_section(in);
  html +=
      "<h2>Collectors</h2>\n<table "
      "class=\"collectors\"><thead><tr><th>Collector</th><th>State</th><th>Last "
      "run</th><th>Last success</th>"
      "<th>Error</th></tr></thead><tbody>\n";
  for (const auto& c : in.collectors) html += collector_row(c);
  html += "</tbody></table>\n" + in.extra_html + "</body></html>\n";
  return html;
}

std::string render_pi_section(const std::string& metrics) {
  return render_pi_section(plugins::parse_prometheus_text(metrics));
}

std::string render_pi_section(const plugins::PromText& text) {
  std::string rows;
  for (const auto& family : text.families) {
    const bool pi = family.name.rfind("hawatch_pi_", 0) == 0;
    const bool hailo = family.name.rfind("hawatch_hailo_", 0) == 0;
    if (!pi && !hailo) continue;
    // Conditions that are bad when 1 (under-voltage now, read-only, ...) are marked.
    const bool alarm = family.name.find("_now") != std::string::npos ||
                       family.name.find("readonly") != std::string::npos;
    for (const auto& sample : family.samples) {
      std::string labels;
      for (const auto& [k, v] : sample.labels) labels += (labels.empty() ? "" : ", ") + k + "=" + v;
      char value[32];
      std::snprintf(value, sizeof value, "%g", sample.value);
      const bool bad = (alarm && sample.value != 0) ||
                       (family.name == "hawatch_hailo_device_present" && sample.value == 0);
      rows += std::string("<tr class=\"") + (bad ? "failing" : "ok") + "\"><td>" +
              html_escape(sample.name) + "</td><td>" + html_escape(labels) + "</td><td>" + value +
              "</td></tr>\n";
    }
  }
  if (rows.empty()) return {};
  return "<h2>Raspberry Pi</h2>\n<table "
         "class=\"pi\"><thead><tr><th>Metric</th><th>Labels</th><th>Value</th>"
         "</tr></thead><tbody>\n" +
         rows + "</tbody></table>\n";
}

}  // namespace hawatch
