#pragma once
// The last hour of a few key values (load, replication lag, UPS charge) for the status page's
// sparklines: sampled from the served exposition on a timer, bounded in series and points.

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/prom_text.h"

namespace hawatch {

struct Sparkline {
  std::string title;  // "Replication lag db/standby1"
  std::string unit;   // "s", "%", ""
  std::vector<std::pair<std::chrono::system_clock::time_point, double>> points;  // oldest first
};

class StatusHistory {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  explicit StatusHistory(std::chrono::seconds span = std::chrono::hours(1),
                         std::size_t max_points = 120, std::size_t max_series = 12);

  // Takes the key values out of `exposition`; series not seen for a whole span drop out.
  void sample(const plugins::PromText& exposition, TimePoint now);
  std::vector<Sparkline> sparklines() const;

 private:
  std::chrono::seconds span_;
  std::size_t max_points_;
  std::size_t max_series_;
  mutable std::mutex mutex_;
  std::map<std::string, Sparkline> series_;  // by a key made of family and labels
};

// An inline SVG polyline with the last value beside it; no script, no external assets.
std::string render_sparkline(const Sparkline& line);

}  // namespace hawatch
