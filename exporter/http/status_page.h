#pragma once
// The landing page at "/": links and a short status summary a person can read at a glance.

#include <string>
#include <vector>

#include "core/snapshot.h"

namespace hawatch {

struct StatusPageInput {
  std::string node_name;
  std::string telemetry_path;
  std::vector<CollectorStatus> collectors;
  bool last_reload_successful = true;
  std::string extra_html;  // further sections (alerts), escaped by whoever made them
};

std::string render_status_page(const StatusPageInput& input);

// The Raspberry Pi section: the pi collector's and the hailo plugin's figures, read from the
// exposition being served (`metrics`), so the page shows exactly what a scrape would. Empty when
// neither is there.
std::string render_pi_section(const std::string& metrics);
std::string html_escape(const std::string& text);

}  // namespace hawatch
