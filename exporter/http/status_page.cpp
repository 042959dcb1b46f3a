#include "status_page.h"

#include "core/prom_text.h"

#include <cstdio>
#include <ctime>

#include "core/url_redact.h"
#include "core/utf8.h"
#include "hawatch/version.h"

namespace hawatch {

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

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

// An error may quote a peer's reply: whatever bytes it holds, the page stays valid UTF-8 text.
std::string printable_error(const std::string& error) {
  std::string out = to_valid_utf8(redact_urls(error));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

std::string collector_row(const CollectorStatus& s) {
  std::string state = !s.reported ? "pending" : s.success ? "ok" : s.stale ? "stale" : "failing";
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.3f s", s.duration_seconds);
  return "<tr class=\"" + state + "\"><td>" + html_escape(s.collector) + "</td><td>" + state +
         "</td><td>" + (s.reported ? duration : "") + "</td><td>" + format_time(s.last_success) +
         "</td><td>" + html_escape(printable_error(s.error)) + "</td></tr>\n";
}
}  // namespace

std::string render_status_page(const StatusPageInput& in) {
  std::size_t failing = 0;
  for (const auto& c : in.collectors)
    if (c.reported && !c.success) ++failing;
  const std::string summary =
      failing == 0 ? "All " + std::to_string(in.collectors.size()) + " collectors healthy"
                   : std::to_string(failing) + " of " + std::to_string(in.collectors.size()) +
                         " collectors failing";
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>hawatch on " + html_escape(in.node_name) + "</title>\n<style>"
      "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
      "table{border-collapse:collapse}td,th{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}"
      "tr.ok td:nth-child(2){color:#1a7f37}tr.failing td:nth-child(2),tr.stale td:nth-child(2){color:#c62828;font-weight:bold}"
      ".summary{font-size:1.2em;margin:1em 0}.bad{color:#c62828}"
      "tr.firing td{color:#c62828}tr.pending td{color:#ef6c00}</style></head><body>\n"
      "<h1>hawatch</h1>\n<p>Node <b>" + html_escape(in.node_name) + "</b> &middot; version " +
      kVersion + " (" + kRevision + ")</p>\n<p class=\"summary" + (failing ? " bad" : "") + "\">" +
      summary + "</p>\n";
  if (!in.last_reload_successful)
    html += "<p class=\"bad\">The last configuration reload failed; the previous configuration is "
            "still running. See the log.</p>\n";
  html += "<ul><li><a href=\"" + html_escape(in.telemetry_path) + "\">Metrics</a></li>"
          "<li><a href=\"/-/healthy\">Health</a></li><li><a href=\"/-/ready\">Readiness</a></li></ul>\n"
          "<table><thead><tr><th>Collector</th><th>State</th><th>Last run</th><th>Last success</th>"
          "<th>Error</th></tr></thead><tbody>\n";
  for (const auto& c : in.collectors) html += collector_row(c);
  html += "</tbody></table>\n" + in.extra_html + "</body></html>\n";
  return html;
}

std::string render_pi_section(const std::string& metrics) {
  const auto text = plugins::parse_prometheus_text(metrics);
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
      for (const auto& [k, v] : sample.labels)
        labels += (labels.empty() ? "" : ", ") + k + "=" + v;
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
  return "<h2>Raspberry Pi</h2>\n<table><thead><tr><th>Metric</th><th>Labels</th><th>Value</th>"
         "</tr></thead><tbody>\n" +
         rows + "</tbody></table>\n";
}

}  // namespace hawatch
