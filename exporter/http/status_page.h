#pragma once
// The landing page at "/": what a person opens instead of reading /metrics — the node's role,
// each subsystem green/amber/red with its reason and age, sparklines of the last hour, the
// collectors, and sections other parts add (alerts, silences, notifications, failover).
// Server-rendered, no script and no external assets, readable on a phone, reloads itself.

#include <string>
#include <vector>

#include "core/html_escape.h"
#include "core/snapshot.h"
#include "status_history.h"
#include "status_subsystems.h"

namespace hawatch {

struct StatusPageInput {
  std::string node_name;
  std::string telemetry_path;
  std::vector<CollectorStatus> collectors;
  bool last_reload_successful = true;
  std::string extra_html;  // further sections (alerts), escaped by whoever made them
  std::string role;        // node_role()
  std::vector<SubsystemState> subsystems;
  std::vector<Sparkline> sparklines;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
  int refresh_seconds = 30;  // the page reloads itself; 0: never
};

std::string render_status_page(const StatusPageInput& input);

// The Raspberry Pi section: the pi collector's and the hailo plugin's figures, read from the
// exposition being served (`metrics`), so the page shows exactly what a scrape would. Empty when
// neither is there.
std::string render_pi_section(const std::string& metrics);
std::string render_pi_section(const plugins::PromText& metrics);

}  // namespace hawatch
