#include "hooks/verify_served.h"

#include <algorithm>
#include <thread>

namespace hawatch::alerting::failover {
namespace {

std::string join(const std::vector<std::string>& values) {
  if (values.empty()) return "nothing";
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + v;
  return out;
}

}  // namespace

UpdateOutcome verify_served(DnsUpdater& updater, const RecordRef& record, const std::string& value,
                            const VerifyBounds& bounds) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + bounds.timeout;
  std::string last = "not asked";
  for (int queries = 1;; ++queries) {
    std::string error;
    const auto values = updater.current(record, error);
    if (values && std::find(values->begin(), values->end(), value) != values->end())
      return {UpdateResult::ok, "served after " + std::to_string(queries) + " queries"};
    last = values ? "serves " + join(*values) : error;
    if (Clock::now() + bounds.interval >= deadline) break;
    std::this_thread::sleep_for(bounds.interval);
  }
  return {UpdateResult::timeout, "not served within the bound; last: " + last};
}

}  // namespace hawatch::alerting::failover
