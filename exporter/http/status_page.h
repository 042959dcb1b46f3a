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
std::string html_escape(const std::string& text);

}  // namespace hawatch
